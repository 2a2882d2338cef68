"""``GET`` on a system resource: one record, records by ids or by body, or a filtered list.

- ``GET /x/{id}``: the record, or 404 ``Record with identifier '<id>' not found.``;
- ``GET /x?ids=3,1`` or records in the body (``POST`` tunnelled as ``GET``):
  the records in the order asked; a missing one makes it a 400/1000 batch error
  (processing stops there unless ``continue``);
- ``GET /x``: ``filter`` (+``params``), ``order``/``sort`` (then by id),
  ``limit``/``offset`` (a limit below 1 or above ``DB_MAX_RECORDS_RETURNED``
  is replaced by that cap), ``include_count``, ``include_schema``,
  ``count_only`` (a bare integer).

Every form honours ``fields`` and ``related``; relations load in one query per
relation for the whole page.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import current_app

from app.extensions import db
from app.models import Record
from app.records.clauses import parse_order
from app.services.system.records.base import RecordBase
from app.services.system.records.batch import batch_error, error_entry
from app.services.system.records.payload import body_records, record_id
from app.vocabulary.calls import ServiceRequest

MAX_OFFSET = 2**63 - 1
"""Largest ``offset`` sent to the store (rows); a bigger one is past every row anyway."""


class ReadVerbs(RecordBase):
    def get(self, request: ServiceRequest, rest: list[str]) -> Any:
        if rest:
            return self.output_one(self.find(rest[0]), write=False)
        if self.options.ids is not None:
            return {"resource": self.get_by_ids(list(self.options.ids))}
        records = body_records(request.payload)
        if records:
            return {"resource": self.get_by_ids([record_id(r, self.id_field) for r in records])}
        return self.query()

    def get_by_ids(self, ids: list[Any]) -> list[dict[str, Any]]:
        """Records in the order of ``ids``, fetched in one query; missing ones fail the batch."""
        found = self.find_many(ids)
        continue_ = self.options.continue_
        hits: list[tuple[int, Record]] = []
        outputs: list[Any] = [None] * len(ids)
        failed: list[int] = []
        for index, record_id_ in enumerate(ids):
            record = found.get(self.cast_id(record_id_))
            if record is None:
                outputs[index] = error_entry(self.not_found(record_id_, "retrieve"))
                failed.append(index)
                if not continue_:
                    break
                continue
            hits.append((index, record))
        shown = self.outputs([r for _, r in hits], write=False)
        for (index, _), output in zip(hits, shown, strict=True):
            outputs[index] = output
        if failed:
            last = len(ids) - 1 if continue_ else failed[-1]
            raise batch_error("retrieve", failed, outputs[: last + 1], rolled_back=False)
        return outputs

    def query(self) -> Any:
        options = self.options
        query = self.filtered_select()
        if options.count_only:
            return db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
        order = options.order
        ordering = (
            parse_order(str(order), self.filter_columns(), db.engine.dialect.name) if order else []
        )
        cap = int(current_app.config["DB_MAX_RECORDS_RETURNED"])
        limit = options.limit
        offset = options.offset or 0
        offset = min(offset, MAX_OFFSET)  # keeps the driver from overflowing
        if not limit or limit > cap:
            limit = cap
        page = query.order_by(*ordering, self.id_column()).limit(limit).offset(offset)
        records = list(db.session.scalars(page).all())
        body: dict[str, Any] = {"resource": self.outputs(records, write=False)}
        meta: dict[str, Any] = {}
        if options.include_count:
            meta["count"] = db.session.scalar(
                sa.select(sa.func.count()).select_from(query.subquery())
            )
        if options.include_schema:
            meta["schema"] = describe_model(self)
        if meta:
            body["meta"] = meta
        return body


SIMPLE_TYPES = {"int": "integer", "str": "string", "bool": "boolean", "dict": "json"}


def describe_model(resource: RecordBase) -> dict[str, Any]:
    """A table-schema object for ``include_schema`` (the visible fields only)."""
    model = resource.model
    visible = set(resource.visible_fields())
    fields = []
    for column in model.__table__.c:
        if column.key not in visible:
            continue
        try:
            type_name = column.type.python_type.__name__
        except NotImplementedError:
            type_name = "json"
        fields.append(
            {
                "name": str(column.key),
                "label": column.key.replace("_", " ").title(),
                "type": "id" if column.primary_key else SIMPLE_TYPES.get(type_name, type_name),
                "db_type": column.type.compile(dialect=db.engine.dialect).lower(),
                "length": getattr(column.type, "length", None),
                "allow_null": bool(column.nullable),
                "required": not (column.nullable or column.primary_key or column.default),
                "is_primary_key": column.primary_key,
                "is_unique": bool(column.unique),
                "is_foreign_key": bool(column.foreign_keys),
                "ref_table": next((str(fk.column.table.name) for fk in column.foreign_keys), None),
            }
        )
    return {
        "name": resource.name,
        "label": resource.label or resource.name.title(),
        "primary_key": [str(c.key) for c in model.__table__.primary_key],
        "field": fields,
        "related": [{"name": n, "type": r.kind} for n, r in resource.relations.items()],
    }
