"""The table list of ``_table`` and ``_schema``: the tables a caller can reach.

Names only by default; ``fields=*`` gives each table's ``name``, ``label``,
``description``, ``native``, ``plural``, ``is_view`` and ``access`` (the verbs
allowed on it), ``fields=a,b`` those keys, ``as_list=true`` a bare list of
names; ``ids=a,b`` restricts the list. A table appears only when the caller's
mask on it (``mask_of``) allows some verb.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from app.records.clauses import parse_ids
from app.services.sql.schema import label_for, plural_for
from app.vocabulary import verbs
from app.vocabulary.flags import to_bool
from app.vocabulary.verbs import DATA_VERB_NAMES

if TYPE_CHECKING:
    from app.services.sql.schema import DbSchema
    from app.vocabulary.calls import ServiceRequest

LISTED_VERBS = DATA_VERB_NAMES


def list_tables(
    request: ServiceRequest, schema: DbSchema, mask_of: Callable[[str], int]
) -> dict[str, Any]:
    wanted = {n.lower() for n in parse_ids(request.option("ids"))}
    items = []
    for name, is_view in schema.names.items():
        if wanted and name.lower() not in wanted:
            continue
        mask = mask_of(name)
        if not mask:
            continue
        facts = schema.extras.get(name.lower(), {}).get("", {})
        label = facts.get("label") or label_for(name)
        items.append(
            {
                "name": name,
                "label": label,
                "description": facts.get("description"),
                "native": [],
                "plural": facts.get("plural") or plural_for(label),
                "is_view": is_view,
                "access": [v for v in LISTED_VERBS if mask & verbs.bit(v)],
            }
        )
    if to_bool(request.option("as_list")):
        return {"resource": [item["name"] for item in items]}
    fields = request.option("fields")
    if fields in (None, ""):
        return {"resource": [{"name": item["name"]} for item in items]}
    if fields != "*":
        names = [f.strip() for f in str(fields).split(",") if f.strip()]
        return {"resource": [{k: item[k] for k in names if k in item} for item in items]}
    return {"resource": items}
