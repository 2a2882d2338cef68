"""A field definition as ``_schema`` receives it, checked once into a ``FieldSpec``.

DreamFactory's create-field keys (reference 4.5): ``name``, ``type`` (with
the aliases ``pk`` → ``id`` and ``fk`` → ``reference``), ``db_type``,
``length``/``size``, ``precision``, ``scale``, ``default``, ``allow_null``,
``fixed_length``, ``supports_multibyte``, ``auto_increment``,
``is_primary_key``, ``is_unique``, ``is_index``, ``is_foreign_key``,
``ref_table``, ``ref_field``, ``ref_on_update``, ``ref_on_delete``,
``picklist``, ``validation``, ``label``, ``description``, ``alias``. Keys of
a field's describe that only report facts (``native``, ``required``,
``auto_increment`` of an existing column...) are accepted and ignored, so a
client may send a describe back.

Names are identifiers (``^[A-Za-z_][A-Za-z0-9_]*$``, at most the dialect's
identifier length); everything that reaches SQL is a checked value, never
text of the client's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import orjson

from app.vocabulary.errors import BadRequest
from app.vocabulary.flags import to_bool

NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$", re.ASCII)
"""What a table or field name may look like."""

MAX_NAME = 64
"""Characters of a name at most (the dialect's own limit may be lower)."""

MAX_LENGTH = 65535
"""Largest ``length`` of a string or binary field."""

MAX_PRECISION = 65
"""Largest ``precision`` of a decimal field (MySQL's limit)."""

MAX_TEXT = 4000
"""Characters of a label, description, default or serialized picklist/validation at most."""

SIMPLE_TYPES = frozenset(
    {
        "id", "bigid", "smallid", "mediumid", "reference",
        "user_id", "user_id_on_create", "user_id_on_update",
        "timestamp_on_create", "timestamp_on_update",
        "string", "text", "mediumtext", "longtext",
        "integer", "tinyint", "smallint", "mediumint", "bigint",
        "boolean", "float", "double", "decimal", "money",
        "date", "time", "timetz", "datetime", "datetimetz", "timestamp", "timestamptz",
        "binary", "json", "jsonb", "uuid", "timeuuid", "array",
    }
)  # fmt: skip
"""DreamFactory's simple types a field can be created with (``DbSimpleTypes``)."""

ID_TYPES = frozenset({"id", "bigid", "smallid", "mediumid"})
"""Types that make an auto-incremented primary key."""

TYPE_ALIASES = {"pk": "id", "fk": "reference"}

ACTIONS = frozenset({"CASCADE", "SET NULL", "SET DEFAULT", "RESTRICT", "NO ACTION"})
"""Referential actions of ``ref_on_update``/``ref_on_delete``."""

VALIDATION_RULES = frozenset(
    {
        "api_read_only", "create_only", "not_null", "not_empty", "not_zero", "email",
        "url", "int", "float", "boolean", "match", "picklist", "multi_picklist",
    }
)  # fmt: skip
"""DreamFactory's field validation rules."""

MISSING: Any = object()
"""A key the client did not send (as opposed to ``null``)."""


def check_name(name: Any, what: str = "Field", max_length: int = MAX_NAME) -> str:
    """``name`` when it is a usable identifier; 400 otherwise."""
    if not isinstance(name, str) or not name:
        raise BadRequest(f"{what} name missing from schema.")
    if not NAME.match(name):
        raise BadRequest(
            f"Invalid {what.lower()} name '{name[:80]}': use letters, digits and underscores, "
            "starting with a letter or underscore."
        )
    if len(name) > max_length:
        raise BadRequest(f"{what} name '{name[:80]}...' is longer than {max_length} characters.")
    return name


@dataclass
class FieldSpec:
    """A checked field definition; ``given`` holds the keys the client sent."""

    name: str
    type: str | None = None
    db_type: str | None = None
    length: int | None = None
    precision: int | None = None
    scale: int | None = None
    default: Any = MISSING
    allow_null: bool | None = None
    fixed_length: bool = False
    is_primary_key: bool | None = None
    auto_increment: bool | None = None
    is_unique: bool | None = None
    is_index: bool | None = None
    is_foreign_key: bool | None = None
    ref_table: str | None = None
    ref_field: str | None = None
    ref_on_update: str | None = None
    ref_on_delete: str | None = None
    picklist: list[str] | None = None
    validation: dict[str, Any] | None = None
    label: str | None = None
    description: str | None = None
    alias: str | None = None
    given: set[str] = field(default_factory=set)

    @property
    def is_id(self) -> bool:
        return self.type in ID_TYPES

    @property
    def primary(self) -> bool:
        return bool(self.is_primary_key) or self.is_id

    @property
    def autoincrement(self) -> bool:
        """An integer key the database numbers (``id`` types, or ``auto_increment``)."""
        return self.is_id or bool(self.primary and self.auto_increment)

    @property
    def references(self) -> bool:
        return self.ref_table is not None and self.is_foreign_key is not False

    @property
    def nullable(self) -> bool:
        if self.primary:
            return False
        return True if self.allow_null is None else self.allow_null

    def facts(self) -> dict[str, Any]:
        """What the metadata table keeps of this field (besides the type)."""
        return {
            "label": self.label,
            "description": self.description,
            "alias": self.alias,
            "picklist": self.picklist,
            "validation": self.validation,
        }


def _int(data: dict[str, Any], key: str, name: str, high: int) -> int | None:
    value = data.get(key)
    if value in (None, ""):
        return None
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise BadRequest(f"Invalid '{key}' for field '{name}': a whole number is expected.")
    try:
        number = int(value)
    except ValueError:
        raise BadRequest(
            f"Invalid '{key}' for field '{name}': a whole number is expected."
        ) from None
    if not 0 <= number <= high:
        raise BadRequest(f"Invalid '{key}' for field '{name}': must be between 0 and {high}.")
    return number


def _flag(data: dict[str, Any], key: str) -> bool | None:
    value = data.get(key)
    return None if value is None else to_bool(value)


def _text(data: dict[str, Any], key: str, name: str) -> str | None:
    value = data.get(key)
    if value in (None, ""):
        return None
    if not isinstance(value, str) or len(value) > MAX_TEXT:
        raise BadRequest(f"Invalid '{key}' for field '{name}': text of at most {MAX_TEXT}.")
    return value


def _action(data: dict[str, Any], key: str, name: str) -> str | None:
    value = data.get(key)
    if value in (None, ""):
        return None
    action = " ".join(str(value).replace("_", " ").upper().split())
    if action not in ACTIONS:
        raise BadRequest(
            f"Invalid '{key}' for field '{name}': use one of {', '.join(sorted(ACTIONS))}."
        )
    return action


def _picklist(value: Any, name: str) -> list[str] | None:
    if value in (None, "", []):
        return None
    if isinstance(value, str):
        value = [v.strip() for v in re.split(r"[,\r\n]+", value) if v.strip()]
    if not isinstance(value, list) or not all(isinstance(v, str | int | float) for v in value):
        raise BadRequest(f"Invalid 'picklist' for field '{name}': a list of values is expected.")
    items = [str(v) for v in value]
    if len(orjson.dumps(items)) > MAX_TEXT:
        raise BadRequest(f"The 'picklist' of field '{name}' is too long.")
    return items


def _validation(value: Any, name: str) -> dict[str, Any] | None:
    if value in (None, "", [], {}):
        return None
    if isinstance(value, str):
        value = [v.strip() for v in value.split(",") if v.strip()]
    if isinstance(value, list):
        value = {str(v): None for v in value}
    if not isinstance(value, dict):
        raise BadRequest(f"Invalid 'validation' for field '{name}': an object of rules expected.")
    unknown = [str(k) for k in value if k not in VALIDATION_RULES]
    if unknown:
        raise BadRequest(f"Unknown validation rule '{unknown[0][:80]}' for field '{name}'.")
    if len(orjson.dumps(value, default=str)) > MAX_TEXT:
        raise BadRequest(f"The 'validation' of field '{name}' is too long.")
    return value


def parse_field(data: Any, max_name: int = MAX_NAME, name: str | None = None) -> FieldSpec:
    """A checked ``FieldSpec`` from a client's field object (``name`` may come from the path)."""
    if not isinstance(data, dict):
        raise BadRequest("Each field must be a JSON object.")
    name = check_name(data.get("name", name) if name is None else name, "Field", max_name)
    kind = data.get("type")
    if kind not in (None, ""):
        kind = TYPE_ALIASES.get(str(kind).lower(), str(kind).lower())
        if kind not in SIMPLE_TYPES:
            raise BadRequest(f"Invalid field type '{str(data['type'])[:40]}' for field '{name}'.")
    else:
        kind = None
    db_type = data.get("db_type")
    if db_type not in (None, "") and not isinstance(db_type, str):
        raise BadRequest(f"Invalid 'db_type' for field '{name}'.")
    length = _int(data, "length", name, MAX_LENGTH)
    if length is None:
        length = _int(data, "size", name, MAX_LENGTH)
    ref_table = data.get("ref_table")
    if ref_table not in (None, ""):
        ref_table = check_name(ref_table, "Referenced table", max_name)
    else:
        ref_table = None
    ref_field = data.get("ref_field")
    ref_field = check_name(ref_field, "Referenced field", max_name) if ref_field else None
    if kind == "reference" and ref_table is None:
        raise BadRequest(f"Field '{name}' of type 'reference' needs a 'ref_table'.")
    given = {k for k in data if k != "name"}
    if "size" in given:
        given.add("length")
    return FieldSpec(
        name=name,
        type=kind,
        db_type=db_type or None,
        length=length,
        precision=_int(data, "precision", name, MAX_PRECISION),
        scale=_int(data, "scale", name, MAX_PRECISION),
        default=data["default"] if "default" in data else MISSING,
        allow_null=_flag(data, "allow_null"),
        fixed_length=bool(_flag(data, "fixed_length")),
        is_primary_key=_flag(data, "is_primary_key"),
        auto_increment=_flag(data, "auto_increment"),
        is_unique=_flag(data, "is_unique"),
        is_index=_flag(data, "is_index"),
        is_foreign_key=_flag(data, "is_foreign_key"),
        ref_table=ref_table,
        ref_field=ref_field,
        ref_on_update=_action(data, "ref_on_update", name),
        ref_on_delete=_action(data, "ref_on_delete", name),
        picklist=_picklist(data.get("picklist"), name),
        validation=_validation(data.get("validation"), name),
        label=_text(data, "label", name),
        description=_text(data, "description", name),
        alias=_text(data, "alias", name),
        given=given,
    )
