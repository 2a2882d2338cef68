"""``system/cors``: CORS rules; ``method`` travels as a verb list, is stored as a mask."""

from __future__ import annotations

from typing import Any

from app.models import CorsConfig, Record
from app.schemas.cors import CORS_VERBS, CorsSchema
from app.services.system import resource
from app.services.system.records import ModelResource
from app.vocabulary import verbs
from app.vocabulary.errors import ValidationFailed

ALL_VERBS_MASK = verbs.SERVICE_VERBS
"""The verbs a CORS rule may allow."""


def verbs_to_mask(value: Any) -> int:
    """A verb list (or comma text, or an already-computed mask) as a mask; a 400 for others."""
    if value is None:
        return 0
    if isinstance(value, int) and not isinstance(value, bool):
        if 0 <= value <= ALL_VERBS_MASK:
            return value
        raise ValidationFailed(
            {"method": [f"The method mask must be between 0 and {ALL_VERBS_MASK}."]}
        )
    if isinstance(value, str):
        value = [v for v in value.replace(" ", "").split(",") if v]
    if not isinstance(value, list):
        raise ValidationFailed({"method": ["The method field must be a list of verbs."]})
    mask = 0
    for verb in value:
        bit = verbs.bit(verb) & ALL_VERBS_MASK
        if not bit:
            raise ValidationFailed(
                {"method": [f"Unknown verb '{verb}'. Use {', '.join(CORS_VERBS)}."]}
            )
        mask |= bit
    return mask


def mask_to_verbs(mask: int) -> list[str]:
    return verbs.names(mask)


@resource
class CorsResource(ModelResource):
    name = "cors"
    label = "CORS"
    description = "Cross-origin resource sharing rules."
    model = CorsConfig
    schema = CorsSchema

    def apply(self, record: Record, data: dict[str, Any], creating: bool) -> None:
        if "method" in data:
            data["method"] = verbs_to_mask(data["method"])
        super().apply(record, data, creating)

    def to_output(self, record: Record, fields: list[str] | None) -> dict[str, Any]:
        out = super().to_output(record, fields)
        if "method" in out:
            out["method"] = mask_to_verbs(record.method or 0)
        return out
