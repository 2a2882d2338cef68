"""Virtual relationships: relations a client declares on ``_schema`` where no foreign key is.

DreamFactory keeps them in its system database (``db_virtual_relationship``);
here they sit with the table's other facts in the service database's
``df_schema_extras`` (see ``extras``), under a field name no column can have
(``KEY``), so they move with the database and go when the table is dropped.

A client sends one in a table's ``related`` list or to ``_schema/{t}/_related``
with ``is_virtual: true``: ``type`` (``belongs_to``, ``has_one``, ``has_many``,
``many_many``), ``field`` of this table, ``ref_table`` and ``ref_field``, and
for ``many_many`` the ``junction_table`` with its ``junction_field`` (pointing
at this table) and ``junction_ref_field`` (pointing at the related one). Its
name is DreamFactory's: ``{ref_table}_by_{field}`` for ``belongs_to``,
``{ref_table}_by_{ref_field}`` for ``has_one``/``has_many`` and
``{ref_table}_by_{junction_table}`` for ``many_many``. Only tables of the same
service are reachable: a ``ref_service_id`` or ``junction_service_id`` naming
another service is refused. Reading follows a virtual relation as it does a
foreign key (``relations``); one whose tables or fields have gone is left out.
"""

from __future__ import annotations

from typing import Any

from app.services.sql.fieldspec import check_name
from app.vocabulary.errors import BadRequest
from app.vocabulary.flags import to_bool

KEY = "@related"
"""The ``field_name`` of a table's virtual relationships in ``df_schema_extras``."""

FACT = "virtual"
"""The key of the list of stored relationships in that row's facts."""

TYPES = ("belongs_to", "has_one", "has_many", "many_many")

STORED_KEYS = (
    "type", "field", "ref_table", "ref_field", "junction_table", "junction_field",
    "junction_ref_field",
)  # fmt: skip
"""What is kept of a virtual relationship (everything else is derived or refused)."""

SETTINGS = ("always_fetch", "flatten", "flatten_drop_prefix")
"""DreamFactory's relationship settings; accepted when off, refused when on."""


def is_virtual(data: Any) -> bool:
    return isinstance(data, dict) and to_bool(data.get("is_virtual"))


def name_of(relation: dict[str, Any]) -> str:
    """DreamFactory's name of a relationship (``RelationSchema::buildName``)."""
    kind = relation["type"]
    if kind == "belongs_to":
        return f"{relation['ref_table']}_by_{relation['field']}"
    if kind == "many_many":
        return f"{relation['ref_table']}_by_{relation['junction_table']}"
    return f"{relation['ref_table']}_by_{relation['ref_field']}"


def parse_virtual(data: Any, service_id: int | None) -> dict[str, Any]:
    """The stored form of a virtual relationship sent by a client; 400 when it is not one."""
    if not isinstance(data, dict):
        raise BadRequest("Each relationship must be a JSON object.")
    kind = str(data.get("type") or "").lower()
    if kind not in TYPES:
        raise BadRequest(
            f"Invalid relationship type '{str(data.get('type') or '')[:40]}': "
            f"use one of {', '.join(TYPES)}."
        )
    for key in ("ref_service_id", "junction_service_id"):
        other = data.get(key)
        if other not in (None, "") and str(other) != str(service_id):
            raise BadRequest(
                f"Virtual relationships reach tables of the same service only ('{key}')."
            )
    for key in SETTINGS:
        if to_bool(data.get(key)):
            raise BadRequest(f"The relationship setting '{key}' is not supported.")
    stored: dict[str, Any] = {"type": kind}
    wanted = STORED_KEYS[1:] if kind == "many_many" else STORED_KEYS[1:4]
    for key in wanted:
        stored[key] = check_name(data.get(key), key.replace("_", " ").capitalize())
    given = data.get("name")
    if given not in (None, "") and str(given).lower() != name_of(stored).lower():
        raise BadRequest(
            f"A {kind} relationship on '{stored['field']}' is named '{name_of(stored)}', "
            f"not '{str(given)[:80]}'."
        )
    return stored


def stored_of(facts: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """The virtual relationships kept with a table (its ``extras`` facts by field)."""
    found = facts.get(KEY, {}).get(FACT)
    return [r for r in found if isinstance(r, dict) and r.get("type") in TYPES] if found else []


def merged(
    current: list[dict[str, Any]], new: list[dict[str, Any]], *, replace: bool
) -> list[dict[str, Any]]:
    """``current`` with ``new`` added, or replacing those of the same name (only ``new`` when
    ``replace``)."""
    by_name = {} if replace else {name_of(r).lower(): r for r in current}
    for relation in new:
        by_name[name_of(relation).lower()] = relation
    return list(by_name.values())
