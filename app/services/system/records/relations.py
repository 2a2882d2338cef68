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

from app.extensions import db
from app.records.values import fits_column
from app.vocabulary.errors import BadRequest, NotFound

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
        rows = _rows_where_in(self.model, column, ids)
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
        rows = _rows_where_in(self.model, self.model.id, sorted(keys))
        by_id = {r.id: r.to_dict() for r in rows}
        return {p.id: by_id.get(getattr(p, self.local_key)) for p in parents}


Relation = HasMany | BelongsTo

CHUNK = 500
"""Keys per ``IN (...)`` query: a page may hold more parents than a driver binds at once."""


def _rows_where_in(model: type[Record], column: Any, keys: list[Any]) -> list[Record]:
    """Rows whose ``column`` is one of ``keys``, ordered by id, one query per ``CHUNK`` keys."""
    rows: list[Record] = []
    for start in range(0, len(keys), CHUNK):
        chunk = keys[start : start + CHUNK]
        rows += db.session.scalars(sa.select(model).where(column.in_(chunk))).all()
    rows.sort(key=lambda r: r.id)
    return rows


def parse_related(names: Sequence[str] | None, relations: dict[str, Relation]) -> list[str]:
    """The relations ``related`` names (``*``: all of them); an unknown name is a 400."""
    if not names:
        return []
    if "*" in names:
        return list(relations)
    for name in names:
        if name not in relations:
            raise BadRequest(f"Invalid relationship '{name}' requested.")
    return list(names)


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
    name: str,
    relation: HasMany,
    items: Any,
    write_child: Callable[[Record, dict[str, Any], bool], None],
    remove_child: Callable[[Record], None],
) -> None:
    """Create, update, adopt or detach the children listed under a has-many key.

    - an item without ``id`` is created under the parent;
    - an item with the ``id`` of a child of this relation updates it, taking it
      from another parent if need be (adopt);
    - an item whose foreign key is explicitly null detaches that child of this
      parent, which deletes it: a service access row or a lookup without its
      owner means nothing (and an owner-less lookup would turn into a
      system-wide one).

    Only rows that already belong to some parent through this relation can be
    named by ``id``, so a system lookup or another kind's row cannot be pulled in.
    """
    if not isinstance(items, list):
        raise BadRequest(f"Related records for '{name}' must be a list.")
    key = relation.foreign_key
    column = getattr(relation.model, key)
    for item in items:
        if not isinstance(item, dict):
            raise BadRequest(f"Related records for '{name}' must be objects.")
        item = dict(item)
        child_id = item.pop("id", None)
        detach = key in item and item[key] is None
        if child_id is None:
            if detach:
                continue
            child = relation.model()
            setattr(child, key, parent.id)
            item[key] = parent.id
            write_child(child, item, True)
            continue
        child = None
        key_value = _as_id(child_id, relation.model.id)
        if key_value is not None:
            owner = column == parent.id if detach else column.is_not(None)
            child = db.session.scalar(
                sa.select(relation.model).where(relation.model.id == key_value, owner)
            )
        if child is None:
            raise NotFound(f"Related record with identifier '{child_id}' not found.")
        if detach:
            remove_child(child)
            continue
        setattr(child, key, parent.id)
        item[key] = parent.id
        write_child(child, item, False)
    db.session.flush()


def _as_id(value: Any, column: sa.ColumnElement) -> int | None:
    """A child id sent as a number or digits; None for anything that names no row."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if not isinstance(value, int) or value <= 0:
        return None
    return value if fits_column(value, column.type) else None
