"""``POST``, ``PATCH``/``PUT`` and ``DELETE`` on a system resource.

- ``POST /x``: create → 201 ``{"resource":[{"id":..}]}`` (a bare object is
  answered unwrapped); ``POST /x/{id}`` is a 400;
- ``PATCH /x/{id}`` (``PUT`` is the same): update one record → the record;
  ``PATCH /x`` with ``ids`` or ``filter`` applies one change to each match,
  with records it updates each record named by its id;
- ``DELETE /x/{id}``, or with ``ids``, records, ``filter``, or ``force=true``
  (every record the resource lets go of; protected ones are left alone).

Several records go through ``batch.run_batch`` (default, ``continue``,
``rollback``); one record addressed by id or sent bare is written in its own
transaction and its error is answered as is. Nested has-many arrays
(``role_service_access_by_role_id``...) are written after their parent, in
the same transaction, so a bad child leaves no parent behind.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from app.extensions import db
from app.models import Record
from app.records.options import check_modes
from app.services.system.records import cascade
from app.services.system.records import relations as rel
from app.services.system.records.base import CHILD_RESOURCES, RecordBase
from app.services.system.records.batch import run_batch, run_single
from app.services.system.records.payload import (
    NO_RECORDS,
    body_records,
    record_id,
    unwrap,
)
from app.vocabulary.calls import ServiceRequest, ServiceResponse
from app.vocabulary.errors import BadRequest, BatchError, ValidationFailed

logger = logging.getLogger(__name__)


class WriteVerbs(RecordBase):
    # -- POST ----------------------------------------------------------------

    def post(self, request: ServiceRequest, rest: list[str]) -> ServiceResponse:
        if rest:
            raise BadRequest("Create record by identifier not currently supported.")
        records, single = unwrap(request.payload)
        self.check_modes()

        def work(data: Any) -> Record:
            return self.write(self.model(), data, creating=True)

        if single:
            record = run_single(lambda: work(records[0]))
            return ServiceResponse(self.output_one(record, write=True), status=201)
        return ServiceResponse({"resource": self.batch(records, work, "create")}, status=201)

    # -- PATCH / PUT -----------------------------------------------------------

    def patch(self, request: ServiceRequest, rest: list[str]) -> Any:
        self.check_modes()
        if rest:
            records, _ = unwrap(request.payload, required=False)
            change = records[0] if records else {}
            record = run_single(lambda: self.write(self.find(rest[0], "update"), change, False))
            return self.output_one(record, write=True)
        records, single = unwrap(request.payload, required=False)
        ids = self.options.ids
        if ids is not None or self.options.filter is not None:
            change = records[0] if records else {}
            if ids is not None:
                targets = list(ids)
            else:
                query = self.filtered_select().order_by(self.id_column())
                targets = [getattr(r, self.id_field) for r in db.session.scalars(query).all()]

            def update(target: Any) -> Record:
                return self.write(self.find(target, "update"), change, creating=False)

            return {"resource": self.batch(targets, update, "update")}

        if not records:
            raise BadRequest(NO_RECORDS)

        def work(data: Any) -> Record:
            return self.write(self.find(record_id(data, self.id_field), "update"), data, False)

        if single:
            record = run_single(lambda: work(records[0]))
            return self.output_one(record, write=True)
        return {"resource": self.batch(records, work, "update")}

    def put(self, request: ServiceRequest, rest: list[str]) -> Any:
        """DreamFactory aliases ``PUT`` to ``PATCH`` for system records."""
        return self.patch(request, rest)

    # -- DELETE ----------------------------------------------------------------

    def delete(self, request: ServiceRequest, rest: list[str]) -> Any:
        self.check_modes()
        if rest:
            record = self.find(rest[0], "delete")
            output = self.output_one(record, write=True)
            run_single(lambda: self.remove(record))
            return output
        ids = self.options.ids
        records = body_records(request.payload)
        if ids is not None:
            targets: list[Any] = list(ids)
        elif records:
            targets = [record_id(r, self.id_field) for r in records]
        elif self.options.filter is not None:
            query = self.filtered_select().order_by(self.id_column())
            targets = [getattr(r, self.id_field) for r in db.session.scalars(query).all()]
        elif self.options.force:
            query = self.force_delete_scope(self.select()).order_by(self.id_column())
            targets = [getattr(r, self.id_field) for r in db.session.scalars(query).all()]
        else:
            raise BadRequest(NO_RECORDS)

        def work(target: Any) -> tuple[Any, dict[str, Any]]:
            record = self.find(target, "delete")
            key = getattr(record, self.id_field)
            output = self.output_one(record, write=True)
            self.remove(record)
            return key, output

        return {
            "resource": self.batch(
                targets,
                work,
                "delete",
                identity=lambda done: {self.id_field: done[0]},
                finish_all=lambda done: [output for _, output in done],
            )
        }

    def remove(self, record: Record) -> None:
        self.before_delete(record)
        cascade.remove(record)

    # -- writing one record ------------------------------------------------------

    def write(self, record: Record, data: Any, creating: bool) -> Record:
        """Validate and store one record with its nested relations (flushed, not committed)."""
        if not isinstance(data, dict):
            raise BadRequest("Each record must be a JSON object.")
        nested = {k: v for k, v in data.items() if k in self.relations}
        fields = {k: v for k, v in data.items() if k not in self.relations}
        if self.id_field == "id":
            fields.pop("id", None)
        self.store(record, fields, creating)
        for name, items in nested.items():
            self.write_relation(record, name, items)
        return record

    def store(self, record: Record, fields: dict[str, Any], creating: bool) -> None:
        """Validate the record's own fields, apply them and flush."""
        clean = self.validate(fields, creating)
        self.check_unique(record, clean)
        self.check_references(clean)
        self.apply(record, clean, creating)
        check_lengths(record)
        if creating:
            record.created_by_id = self.actor_user_id()
            db.session.add(record)
        else:
            record.last_modified_by_id = self.actor_user_id()
        db.session.flush()

    def write_relation(self, parent: Record, name: str, items: Any) -> None:
        relation = self.relations[name]
        child_cls = CHILD_RESOURCES.get(relation.model)
        if not isinstance(relation, rel.HasMany) or child_cls is None:
            raise BadRequest(f"Relationship '{name}' can not be written here.")
        child = child_cls(self.service)
        child.request = self.request
        rel.write_children(
            parent,
            name,
            relation,
            items,
            child.store,
            cascade.remove,
        )

    def check_unique(self, record: Record, data: dict[str, Any]) -> None:
        """A clear 400 for a duplicate value (text compared case-insensitively)."""
        table = self.model.__table__
        primary = list(table.primary_key.columns)
        for column in table.c:
            value = data.get(column.key)
            if not column.unique or value is None:
                continue
            if isinstance(value, str):
                condition = sa.func.lower(column) == value.lower()
            else:
                condition = column == value
            query = sa.select(*primary).where(condition)
            for key in primary:
                if getattr(record, key.key, None) is not None:
                    query = query.where(key != getattr(record, key.key))
            if db.session.execute(query.limit(1)).first() is not None:
                label = column.key.replace("_", " ")
                raise BadRequest(
                    f"Duplicate entry '{value}' for key '{column.key}'.",
                    context={column.key: [f"The {label} has already been taken."]},
                )

    def check_references(self, data: dict[str, Any]) -> None:
        """Every id pointing at another record must name an existing one (on every backend)."""
        for column in self.model.__table__.c:
            value = data.get(column.key)
            if value is None or not column.foreign_keys:
                continue
            target = next(iter(column.foreign_keys)).column
            found = db.session.execute(sa.select(target).where(target == value).limit(1)).first()
            if found is None:
                label = column.key.replace("_", " ")
                raise ValidationFailed({column.key: [f"The selected {label} is invalid."]})

    # -- batches -------------------------------------------------------------

    def check_modes(self) -> None:
        check_modes(self.options.continue_, self.options.rollback)

    def batch(
        self,
        items: list[Any],
        work: Callable[[Any], Any],
        action: str,
        identity: Callable[[Any], Any] | None = None,
        finish_all: Callable[[list[Any]], list[Any]] | None = None,
    ) -> list[Any]:
        def record_identity(record: Record) -> dict[str, Any]:
            return {self.id_field: getattr(record, self.id_field)}

        try:
            outputs = run_batch(
                items,
                work,
                identity or record_identity,
                finish_all or (lambda records: self.outputs(records, write=True)),
                action=action,
                continue_=self.options.continue_,
                rollback=self.options.rollback,
            )
        except BatchError as exc:
            failed = len(exc.context["error"])
            logger.info(
                "resource=%s action=%s records=%d failed=%d user_id=%s",
                self.name,
                action,
                len(items),
                failed,
                self.actor_user_id(),
            )
            raise
        logger.info(
            "resource=%s action=%s records=%d user_id=%s",
            self.name,
            action,
            len(items),
            self.actor_user_id(),
        )
        return outputs


TEXT_BYTES = 65535
"""Bytes a ``TEXT`` column holds on MariaDB/MySQL, the smallest of the supported stores."""


def check_lengths(record: Record) -> None:
    """Every text value fits its column on every backend (a 400, not a driver error)."""
    errors: dict[str, list[str]] = {}
    for column in record.__table__.c:
        value = getattr(record, column.key, None)
        if not isinstance(value, str) or not isinstance(column.type, sa.String):
            continue
        label = column.key.replace("_", " ")
        if column.type.length is not None and len(value) > column.type.length:
            limit = column.type.length
            errors[column.key] = [f"The {label} may not be greater than {limit} characters."]
        elif column.type.length is None and len(value.encode()) > TEXT_BYTES:
            errors[column.key] = [f"The {label} may not be greater than {TEXT_BYTES} bytes."]
    if errors:
        raise ValidationFailed(errors)
