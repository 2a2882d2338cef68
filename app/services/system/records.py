"""Generic record semantics for system resources (DreamFactory's ``BaseSystemResource``).

One ``ModelResource`` subclass per resource names its model, its marshmallow
schema and its relations; this module does the rest the same way for all:

- ``GET``: list with ``fields filter order limit offset ids include_count
  count_only include_schema related``, records named in the body, or one by id;
- ``POST``: create (201), ids back unless ``fields``/``related`` ask for more;
- ``PATCH``/``PUT``: by id, by ``ids``, by ``filter`` or by records;
- ``DELETE``: by id, ``ids``, records, ``filter`` or ``force``;
- batches follow ``batch.run_batch`` (default, ``continue``, ``rollback``).

Subclasses adjust behaviour through hooks (``scope``, ``apply``, ``to_output``,
``before_delete``) instead of re-implementing verbs.
"""

from __future__ import annotations

from typing import Any, ClassVar

import sqlalchemy as sa
from marshmallow import EXCLUDE, Schema, ValidationError

from app.errors import BadRequest, NotFound, ValidationFailed
from app.extensions import db
from app.models import Record
from app.records.clauses import parse_fields, parse_ids, parse_int, parse_order, to_bool
from app.records.filters import parse_filter
from app.services.base import Resource, ServiceRequest, ServiceResponse
from app.services.system import relations as rel
from app.services.system.batch import run_batch

NO_RECORDS = (
    "No record(s) detected in request. Please make sure record(s) are wrapped in a "
    """'resource' tag. Example: {"resource":[{"record":1},{"record":2}]}"""
)


class ModelResource(Resource):
    """A system resource over one model, with DreamFactory's generic record semantics."""

    model: ClassVar[type[Record]]
    schema: ClassVar[type[Schema]]
    id_field: ClassVar[str] = "id"
    relations: ClassVar[dict[str, rel.Relation]] = {}

    # -- hooks ---------------------------------------------------------------

    def scope(self, query: sa.Select) -> sa.Select:
        """Restrict every read and write to the records this resource covers."""
        return query

    def apply(self, record: Record, data: dict[str, Any], creating: bool) -> None:
        """Copy validated fields onto the record (override for hashing, keys, masks)."""
        for key, value in data.items():
            setattr(record, key, value)

    def to_output(self, record: Record, fields: list[str] | None) -> dict[str, Any]:
        return record.to_dict(fields)

    def before_delete(self, record: Record) -> None:
        """Refuse or prepare a delete (raise to refuse)."""

    # -- plumbing ------------------------------------------------------------

    @classmethod
    def columns(cls) -> dict[str, sa.ColumnElement]:
        table = cls.model.__table__
        return {c.key.lower(): c for c in table.c if c.key not in cls.model.hidden}

    def select(self) -> sa.Select:
        return self.scope(sa.select(self.model))

    def id_column(self) -> sa.Column:
        return self.model.__table__.c[self.id_field]

    def cast_id(self, value: Any) -> Any:
        column = self.id_column()
        if isinstance(column.type, sa.Integer):
            try:
                return int(value)
            except (TypeError, ValueError):
                raise NotFound(f"Record with identifier '{value}' not found.") from None
        return str(value)

    def find(self, record_id: Any) -> Record:
        key = self.cast_id(record_id)
        record = db.session.scalar(self.select().where(self.id_column() == key))
        if record is None:
            raise NotFound(f"Record with identifier '{record_id}' not found.")
        return record

    def validate(self, data: Any, creating: bool, record: Record | None = None) -> dict[str, Any]:
        if not isinstance(data, dict):
            raise BadRequest("Each record must be a JSON object.")
        try:
            return self.schema(unknown=EXCLUDE, partial=not creating).load(data)
        except ValidationError as exc:
            raise ValidationFailed(_flatten(exc.messages)) from None

    def actor_user_id(self, request: ServiceRequest) -> int | None:
        actor = request.actor
        return actor.user.id if actor is not None and actor.user is not None else None

    def write(self, request: ServiceRequest, record: Record, data: dict[str, Any], creating: bool):
        """Validate and store one record with its nested relations (no commit)."""
        data = dict(data)
        nested = {name: data.pop(name) for name in list(data) if name in self.relations}
        if self.id_field == "id":
            data.pop("id", None)
        clean = self.validate(data, creating, record)
        self.check_unique(record, clean)
        self.apply(record, clean, creating)
        user_id = self.actor_user_id(request)
        if creating:
            record.created_by_id = user_id
            db.session.add(record)
        else:
            record.last_modified_by_id = user_id
        db.session.flush()
        for name, items in nested.items():
            relation = self.relations[name]
            if not isinstance(relation, rel.HasMany):
                raise BadRequest(f"Relationship '{name}' can not be written here.")
            child_resource = CHILD_RESOURCES.get(relation.model)
            if child_resource is None:
                raise BadRequest(f"Relationship '{name}' can not be written here.")
            child = child_resource(self.service)

            def apply_child(row: Record, item: dict, child_creating: bool, child=child) -> None:
                clean_child = child.validate(item, child_creating, row)
                child.apply(row, clean_child, child_creating)

            rel.write_children(record, relation, items, apply_child)
        return record

    def check_unique(self, record: Record, data: dict[str, Any]) -> None:
        """A clear 400 for a duplicate value before the database refuses it."""
        table = self.model.__table__
        for column in table.c:
            if not column.unique or column.key not in data or data[column.key] is None:
                continue
            query = sa.select(self.model).where(column == data[column.key])
            pk = getattr(record, self.id_field, None)
            if pk is not None:
                query = query.where(self.id_column() != pk)
            if db.session.scalar(query) is not None:
                raise BadRequest(
                    f"Duplicate entry '{data[column.key]}' for key '{column.key}'.",
                    context={column.key: [f"The {column.key} has already been taken."]},
                )

    def outputs(self, request: ServiceRequest, records: list[Record], write: bool) -> list[dict]:
        fields_param = request.option("fields")
        related = rel.parse_related(request.option("related"), self.relations)
        if write and fields_param in (None, "") and not related:
            fields: list[str] | None = [self.id_field]
        else:
            fields = parse_fields(fields_param, self.columns())
        outs = [self.to_output(r, fields) for r in records]
        rel.attach_related(records, outs, related, self.relations)
        return outs

    def output_one(self, request: ServiceRequest, record: Record, write: bool) -> dict[str, Any]:
        return self.outputs(request, [record], write)[0]

    # -- GET -----------------------------------------------------------------

    def get(self, request: ServiceRequest, rest: list[str]) -> Any:
        if rest:
            return self.output_one(request, self.find(rest[0]), write=False)
        records = _body_records(request.payload)
        ids = request.option("ids")
        if ids not in (None, ""):
            return self.get_by_ids(request, parse_ids(ids))
        if records:
            return self.get_by_ids(request, [self._record_id(r) for r in records])
        return self.query(request)

    def get_by_ids(self, request: ServiceRequest, ids: list[Any]) -> dict[str, Any]:
        def work(record_id: Any) -> Record:
            return self.find(record_id)

        results = run_batch(
            ids,
            work,
            lambda r: self.output_one(request, r, write=False),
            lambda r: {self.id_field: getattr(r, self.id_field)},
            action="retrieve",
            continue_=to_bool(request.option("continue")),
        )
        return {"resource": results}

    def query(self, request: ServiceRequest) -> Any:
        columns = self.columns()
        query = self.select()
        filter_text = request.option("filter")
        if filter_text:
            params = request.option("params")
            condition = parse_filter(
                str(filter_text), columns, params if isinstance(params, dict) else None
            )
            if condition is not None:
                query = query.where(condition)
        if to_bool(request.option("count_only")):
            return db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
        order = request.option("order") or request.option("sort") or request.option("order_by")
        ordering = parse_order(str(order), columns, db.engine.dialect.name) if order else []
        query = query.order_by(*ordering, self.id_column())
        from flask import current_app

        cap = int(current_app.config["DB_MAX_RECORDS_RETURNED"])
        limit = parse_int(request.option("limit", request.option("top")), "limit")
        offset = parse_int(request.option("offset", request.option("skip")), "offset") or 0
        if not limit or limit > cap:
            limit = cap
        records = list(db.session.scalars(query.limit(limit).offset(offset)).all())
        body: dict[str, Any] = {"resource": self.outputs(request, records, write=False)}
        meta: dict[str, Any] = {}
        if to_bool(request.option("include_count")):
            meta["count"] = db.session.scalar(
                sa.select(sa.func.count()).select_from(query.order_by(None).subquery())
            )
        if to_bool(request.option("include_schema")):
            meta["schema"] = describe_model(self.model)
        if meta:
            body["meta"] = meta
        return body

    # -- POST ----------------------------------------------------------------

    def post(self, request: ServiceRequest, rest: list[str]) -> ServiceResponse:
        if rest:
            raise BadRequest("Create record by identifier not currently supported.")
        records, single = _unwrap(request.payload)

        def work(data: Any) -> Record:
            return self.write(request, self.model(), data, creating=True)

        if single:
            record = work(records[0])
            db.session.commit()
            return ServiceResponse(self.output_one(request, record, write=True), status=201)
        results = self._batch(request, records, work, "create")
        return ServiceResponse({"resource": results}, status=201)

    # -- PATCH / PUT -----------------------------------------------------------

    def patch(self, request: ServiceRequest, rest: list[str]) -> Any:
        if rest:
            data = request.payload
            if isinstance(data, dict) and isinstance(data.get("resource"), list):
                data = data["resource"][0] if data["resource"] else {}
            record = self.write(request, self.find(rest[0]), data, creating=False)
            db.session.commit()
            return self.output_one(request, record, write=True)
        ids = request.option("ids")
        filter_text = request.option("filter")
        records, single = _unwrap(request.payload, required=False)
        if ids not in (None, "") or filter_text:
            change = _strip_options(records[0] if records else {})
            targets = (
                parse_ids(ids)
                if ids not in (None, "")
                else [getattr(r, self.id_field) for r in self.filtered(request, filter_text)]
            )
            results = self._batch(
                request,
                targets,
                lambda rid: self.write(request, self.find(rid), change, creating=False),
                "update",
            )
            return {"resource": results}
        if not records:
            raise BadRequest(NO_RECORDS)

        def work(data: Any) -> Record:
            return self.write(request, self.find(self._record_id(data)), data, creating=False)

        if single:
            record = work(records[0])
            db.session.commit()
            return self.output_one(request, record, write=True)
        return {"resource": self._batch(request, records, work, "update")}

    put = patch

    # -- DELETE ----------------------------------------------------------------

    def delete(self, request: ServiceRequest, rest: list[str]) -> Any:
        if rest:
            record = self.find(rest[0])
            output = self.output_one(request, record, write=True)
            self.before_delete(record)
            db.session.delete(record)
            db.session.commit()
            return output
        ids = request.option("ids")
        filter_text = request.option("filter")
        records, _ = _unwrap(request.payload, required=False)
        if ids not in (None, ""):
            targets = parse_ids(ids)
        elif records:
            targets = [self._record_id(r) for r in records]
        elif filter_text:
            targets = [getattr(r, self.id_field) for r in self.filtered(request, filter_text)]
        elif to_bool(request.option("force")):
            targets = [getattr(r, self.id_field) for r in db.session.scalars(self.select()).all()]
        else:
            raise BadRequest("No filter or records given for delete request.")

        def work(record_id: Any) -> dict[str, Any]:
            record = self.find(record_id)
            output = self.output_one(request, record, write=True)
            self.before_delete(record)
            db.session.delete(record)
            return output

        return {"resource": self._batch(request, targets, work, "delete", finish=lambda o: o)}

    # -- helpers -------------------------------------------------------------

    def filtered(self, request: ServiceRequest, filter_text: Any) -> list[Record]:
        params = request.option("params")
        condition = parse_filter(
            str(filter_text), self.columns(), params if isinstance(params, dict) else None
        )
        query = self.select()
        if condition is not None:
            query = query.where(condition)
        return list(db.session.scalars(query.order_by(self.id_column())).all())

    def _batch(self, request, items, work, action, finish=None) -> list[Any]:
        def identity(result: Any) -> Any:
            if isinstance(result, dict):
                return {self.id_field: result.get(self.id_field)}
            return {self.id_field: getattr(result, self.id_field)}

        return run_batch(
            items,
            work,
            finish or (lambda r: self.output_one(request, r, write=True)),
            identity,
            action=action,
            continue_=to_bool(request.option("continue")),
            rollback=to_bool(request.option("rollback")),
        )

    def _record_id(self, data: Any) -> Any:
        if not isinstance(data, dict) or data.get(self.id_field) in (None, ""):
            raise BadRequest(f"No identifier '{self.id_field}' found in the record.")
        return data[self.id_field]


CHILD_RESOURCES: dict[type[Record], type[ModelResource]] = {}
"""Which resource validates a model's rows when they are written nested in a parent."""


def child_resource(cls: type[ModelResource]) -> type[ModelResource]:
    CHILD_RESOURCES[cls.model] = cls
    return cls


OPTION_KEYS = frozenset(
    {"fields", "ids", "filter", "limit", "offset", "order", "related", "continue", "rollback"}
)


def _strip_options(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if k not in OPTION_KEYS}


def _body_records(payload: Any) -> list[Any]:
    if isinstance(payload, dict) and isinstance(payload.get("resource"), list):
        return payload["resource"]
    if isinstance(payload, list):
        return payload
    return []


def _unwrap(payload: Any, required: bool = True) -> tuple[list[Any], bool]:
    """(records, single): a wrapped or bare list, or one bare object (answered unwrapped)."""
    if isinstance(payload, dict) and "resource" in payload:
        records = payload["resource"]
        if not isinstance(records, list):
            records = [records]
        single = False
    elif isinstance(payload, list):
        records, single = payload, False
    elif isinstance(payload, dict) and _strip_options(payload):
        records, single = [_strip_options(payload)], True
    else:
        records, single = [], False
    if required and not records:
        raise BadRequest(NO_RECORDS)
    return records, single


def _flatten(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """Marshmallow's nested messages as ``field → [messages]``."""
    out: dict[str, list[str]] = {}
    if isinstance(messages, dict):
        for key, value in messages.items():
            name = f"{prefix}{key}" if not prefix else f"{prefix}.{key}"
            if isinstance(value, dict):
                out.update(_flatten(value, name))
            else:
                out[name] = [str(v) for v in (value if isinstance(value, list) else [value])]
    return out


def describe_model(model: type[Record]) -> dict[str, Any]:
    """A small table-schema object for ``include_schema``."""
    fields = []
    for column in model.__table__.c:
        if column.key in model.hidden:
            continue
        try:
            type_name = column.type.python_type.__name__
        except NotImplementedError:
            type_name = "object"
        fields.append(
            {
                "name": column.key,
                "type": {"int": "integer", "str": "string", "bool": "boolean"}.get(
                    type_name, type_name
                ),
                "allow_null": column.nullable,
                "is_primary_key": column.primary_key,
                "is_unique": bool(column.unique),
            }
        )
    return {
        "name": model.__tablename__,
        "primary_key": [c.key for c in model.__table__.primary_key],
        "field": fields,
    }
