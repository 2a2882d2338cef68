"""``system/cors``: CORS rules; ``method`` travels as a verb list, is stored as a mask."""

from __future__ import annotations

from typing import Any

from app.errors import ValidationFailed
from app.models import CorsConfig, Record
from app.schemas.cors import CORS_VERBS, CorsSchema
from app.services.system import resource
from app.services.system.records import ModelResource

VERB_BITS = {"GET": 1, "POST": 2, "PUT": 4, "PATCH": 8, "DELETE": 16, "OPTIONS": 32, "HEAD": 64}
"""DreamFactory's verb mask bits for the verbs a CORS rule may allow."""

ALL_VERBS_MASK = sum(VERB_BITS.values())


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
        bit = VERB_BITS.get(verb.upper()) if isinstance(verb, str) else None
        if bit is None:
            raise ValidationFailed(
                {"method": [f"Unknown verb '{verb}'. Use {', '.join(CORS_VERBS)}."]}
            )
        mask |= bit
    return mask


def mask_to_verbs(mask: int) -> list[str]:
    return [verb for verb, bit in VERB_BITS.items() if mask & bit]


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
