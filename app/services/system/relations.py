"""Relations of system records: read with ``related=``, written nested in a parent.

A ``HasMany`` relation names child rows pointing at the parent through
``foreign_key`` (``role_service_access_by_role_id``); a ``BelongsTo`` names
the one row the record points at (``role_by_role_id``). Reads load a relation
for a whole page of parents in one query, never one query per row.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from app.errors import BadRequest, NotFound
from app.extensions import db

if TYPE_CHECKING:
    from app.models import Record


@dataclass(frozen=True)
class HasMany:
    model: type[Record]
    foreign_key: str
    serialize: Callable[[Any], dict[str, Any]] | None = None
    """How a child is shown (defaults to ``to_dict``); lookups mask private values."""

    kind = "has_many"

    def load(self, parents: Sequence[Record]) -> dict[Any, list[dict[str, Any]]]:
        ids = [p.id for p in parents]
        column = getattr(self.model, self.foreign_key)
        rows = db.session.scalars(
            sa.select(self.model).where(column.in_(ids)).order_by(self.model.id)
        ).all()
        grouped: dict[Any, list[dict[str, Any]]] = {i: [] for i in ids}
        show = self.serialize or (lambda r: r.to_dict())
        for row in rows:
            grouped[getattr(row, self.foreign_key)].append(show(row))
        return grouped


@dataclass(frozen=True)
class BelongsTo:
    model: type[Record]
    local_key: str

    kind = "belongs_to"

    def load(self, parents: Sequence[Record]) -> dict[Any, dict[str, Any] | None]:
        keys = {getattr(p, self.local_key) for p in parents} - {None}
        rows = (
            db.session.scalars(sa.select(self.model).where(self.model.id.in_(keys))).all()
            if keys
            else []
        )
        by_id = {r.id: r.to_dict() for r in rows}
        return {p.id: by_id.get(getattr(p, self.local_key)) for p in parents}


Relation = HasMany | BelongsTo


def parse_related(value: Any, relations: dict[str, Relation]) -> list[str]:
    """Relation names from ``related=a,b`` or ``*``; an unknown name is a 400."""
    if value in (None, ""):
        return []
    names = [n.strip() for n in str(value).split(",") if n.strip()]
    if "*" in names:
        return list(relations)
    for name in names:
        if name not in relations:
            raise BadRequest(f"Invalid relationship '{name}' requested.")
    return names


def attach_related(
    records: Sequence[Record], outputs: list[dict[str, Any]], names: list[str], relations
) -> None:
    """Add each requested relation to the already-serialized outputs, in place."""
    for name in names:
        loaded = relations[name].load(records)
        for record, output in zip(records, outputs, strict=True):
            output[name] = loaded.get(record.id)


def write_children(
    parent: Record,
    relation: HasMany,
    items: Any,
    apply_child: Callable[[Record, dict[str, Any], bool], None],
) -> None:
    """Create, update, adopt or detach the children listed under a has-many key.

    An item with an ``id`` updates that child (adopting it from another parent);
    one whose foreign key is explicitly null is detached; one without an ``id``
    is created under the parent.
    """
    if not isinstance(items, list):
        raise BadRequest(f"Related records for '{relation.foreign_key}' must be a list.")
    for item in items:
        if not isinstance(item, dict):
            raise BadRequest("Related records must be objects.")
        item = dict(item)
        child_id = item.pop("id", None)
        detach = relation.foreign_key in item and item[relation.foreign_key] is None
        item.pop(relation.foreign_key, None)
        if child_id is not None:
            child = db.session.get(relation.model, child_id)
            if child is None:
                raise NotFound(f"Related record with identifier '{child_id}' not found.")
            creating = False
        else:
            if detach:
                continue
            child = relation.model()
            creating = True
        apply_child(child, item, creating)
        setattr(child, relation.foreign_key, None if detach else parent.id)
        if creating:
            db.session.add(child)
    db.session.flush()
