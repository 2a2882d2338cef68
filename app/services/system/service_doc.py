"""``service_doc_by_service_id``: a service's own OpenAPI document as DreamFactory's relation.

DreamFactory keeps a service's custom document in a ``service_doc`` row
(``service_id``, ``format``: 0 JSON, 1 YAML, ``content``: the text), read
with ``related=service_doc_by_service_id`` and written nested in the service.
Here the document is the ``openapi`` field of the config of the types that
carry one (remote and scripted services), so the relation is a view of it:

- read: ``{service_id, format, content}`` when the config holds a document,
  else ``null``. The config keeps a document as an object (JSON or YAML text
  is parsed when it is saved), so it reads back as JSON text, ``format`` 0,
  whatever format it was written in;
- written: a ``content`` (JSON or YAML text, or an object) becomes the config's
  ``openapi``, checked as that field is; ``null``, an empty ``content`` or a
  null ``service_id``
  (DreamFactory's way to detach a child) removes the document. When both are
  sent, the relation decides over the config's ``openapi``. A type without
  an ``openapi`` field builds its own document: giving it one is a 400.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from marshmallow import ValidationError

from app.services import SERVICE_TYPES
from app.vocabulary.errors import BadRequest, ValidationFailed

if TYPE_CHECKING:
    from app.models import Record, Service
    from app.services.base import BaseService

NAME = "service_doc_by_service_id"
FIELD = "openapi"
"""The config field holding a service's own document."""

JSON_FORMAT = 0
YAML_FORMAT = 1


def carries_document(cls: type[BaseService] | None) -> bool:
    schema = cls.config_schema if cls is not None else None
    return schema is not None and FIELD in schema().fields


def as_doc(service: Service) -> dict[str, Any] | None:
    """The service's document as a ``service_doc`` record, or None."""
    document = (service.config or {}).get(FIELD)
    if isinstance(document, dict):
        content, kind = json.dumps(document, indent=2), JSON_FORMAT
    elif isinstance(document, str) and document.strip():
        content, kind = document, _format_of(document)
    else:
        return None
    return {"service_id": service.id, "format": kind, "content": content}


def _format_of(text: str) -> int:
    try:
        json.loads(text)
    except ValueError:
        return YAML_FORMAT
    return JSON_FORMAT


class ServiceDocRelation:
    """The has-one relation read by ``related=``; written through ``into_config``."""

    kind = "has_one"
    model = None
    """No table of its own: the document lives in the service's config."""
    input_schema: ClassVar[dict[str, Any]] = {
        "type": ["object", "null"],
        "description": "The service's own OpenAPI document; null removes it.",
        "properties": {
            "service_id": {"type": ["integer", "null"]},
            "format": {"type": "integer", "enum": [JSON_FORMAT, YAML_FORMAT]},
            "content": {"type": ["string", "object", "null"]},
        },
    }

    def load(self, parents: Sequence[Record]) -> dict[Any, dict[str, Any] | None]:
        return {p.id: as_doc(p) for p in parents}  # type: ignore[arg-type]


def into_config(data: dict[str, Any], type_name: Any) -> dict[str, Any]:
    """The record's fields with the relation sent in them moved into ``config.openapi``."""
    data = dict(data)
    content = _content(data.pop(NAME))
    cls = SERVICE_TYPES.get(type_name) if isinstance(type_name, str) else None
    if cls is None:  # the write reports the missing or unknown type
        return data
    if not carries_document(cls):
        if content is not None:
            raise BadRequest(f"Services of type '{type_name}' do not take an OpenAPI document.")
        return data
    if content is not None:
        try:
            content = cls.config_schema().fields[FIELD].deserialize(content)  # type: ignore[misc]
        except ValidationError as exc:
            raise ValidationFailed({f"{NAME}.content": exc.messages}) from None
    config = data.get("config")
    if config is None:
        config = {}
    if isinstance(config, dict):  # anything else: the config's own check answers
        data["config"] = {**config, FIELD: content}
    return data


def _content(value: Any) -> str | dict[str, Any] | None:
    """The document a relation value sends, or None for none."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise ValidationFailed({NAME: [f"The {NAME} must be an object or null."]})
    if "service_id" in value and value["service_id"] is None:
        return None
    kind = value.get("format", JSON_FORMAT)
    if kind not in (JSON_FORMAT, YAML_FORMAT, str(JSON_FORMAT), str(YAML_FORMAT)):
        raise ValidationFailed(
            {f"{NAME}.format": ["Only OpenAPI documents in JSON (0) or YAML (1) are supported."]}
        )
    content = value.get("content")
    if content is None or (isinstance(content, str) and not content.strip()):
        return None
    if not isinstance(content, str | dict):
        raise ValidationFailed({f"{NAME}.content": ["The content must be text or an object."]})
    return content
