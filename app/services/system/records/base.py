"""The model-facing half of a system resource: hooks, lookups by id, validation, output.

``RecordBase`` knows one model, its marshmallow schema and its relations;
``records.read`` and ``records.write`` add the verbs on top of it, and
``records.ModelResource`` puts the three together. The resource object lives
for one request (``BaseService.handle`` builds it per call), so hooks can read
``self.request``, and its record options (``self.options``) are read once.

Which columns a client can name:

- ``columns()``: what ``fields`` may select (every column except the model's
  ``hidden`` ones and the resource's ``hidden_fields``), besides the
  ``computed_fields`` (``selectable_columns()``);
- ``filter_columns()``: what ``filter`` and ``order`` may compare, which also
  leaves out ``private_columns`` (values that are masked on output, such as a
  service's ``config``) and may map a column to a masking expression, so a
  filter can never be used as an oracle for a secret.

Values are checked against the columns' declared types before any query:
an integer beyond an ``INTEGER`` column is a 400 in a filter and names no
record as an id (PostgreSQL would fail the query on it, the other stores
would compare it), and text with a NUL character is a 400 as a filter value
or a text id, whatever backend holds the store.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any, ClassVar

import sqlalchemy as sa
from marshmallow import EXCLUDE, Schema, ValidationError

from app.extensions import db
from app.models import Record
from app.records.clauses import parse_fields
from app.records.filters import parse_filter
from app.records.options import RecordOptions
from app.records.values import coerce_value, fits_column
from app.schemas.common import flatten_messages
from app.services.base import Resource
from app.services.system.records import relations as rel
from app.vocabulary.calls import ServiceRequest
from app.vocabulary.errors import BadRequest, NotFound, ValidationFailed


class RecordBase(Resource):
    """A system resource over one model: the parts every verb shares."""

    model: ClassVar[type[Record]]
    schema: ClassVar[type[Schema]]
    id_field: ClassVar[str] = "id"
    relations: ClassVar[dict[str, rel.Relation]] = {}
    hidden_fields: ClassVar[frozenset[str]] = frozenset()
    """Columns this resource never shows nor lets a client name (besides ``model.hidden``)."""
    private_columns: ClassVar[frozenset[str]] = frozenset()
    """Columns that may be selected but never filtered or ordered on."""
    computed_fields: ClassVar[tuple[str, ...]] = ()
    """Fields computed from a record, not stored (DreamFactory's appended attributes, such as
    an app's ``launch_url``): in every full answer and selectable by ``fields``, never
    filtered or ordered on; ``computed`` gives their values."""

    request: ServiceRequest

    def handle(self, request: ServiceRequest, rest: list[str]) -> Any:
        self.request = request
        return super().handle(request, rest)

    @cached_property
    def options(self) -> RecordOptions:
        """The request's record options (``fields``, ``ids``, ``continue``...)."""
        return RecordOptions.from_request(self.request)

    # -- hooks ---------------------------------------------------------------

    def scope(self, query: sa.Select) -> sa.Select:
        """Restrict every read and write to the records this resource covers."""
        return query

    def force_delete_scope(self, query: sa.Select) -> sa.Select:
        """The records ``DELETE ?force=true`` removes (protected ones are left out)."""
        return query

    def apply(self, record: Record, data: dict[str, Any], creating: bool) -> None:
        """Copy validated fields onto the record (override for hashing, keys, masks)."""
        for key, value in data.items():
            setattr(record, key, value)

    def to_output(self, record: Record, fields: list[str] | None) -> dict[str, Any]:
        """One record as the client sees it (``fields`` None means all visible fields)."""
        if not self.computed_fields:
            return record.to_dict(fields if fields is not None else self.visible_fields())
        names = fields if fields is not None else [*self.visible_fields(), *self.computed_fields]
        stored = record.to_dict([n for n in names if n not in self.computed_fields])
        return {
            name: self.computed(record, name) if name in self.computed_fields else stored[name]
            for name in names
        }

    def computed(self, record: Record, name: str) -> Any:
        """The value of one of ``computed_fields`` for ``record``."""
        raise NotImplementedError(name)

    def before_delete(self, record: Record) -> None:
        """Refuse a delete by raising."""

    def not_found(self, record_id: Any, action: str) -> Exception:
        """The error for an id outside this resource (``action``: retrieve/update/delete)."""
        return NotFound(f"Record with identifier '{record_id}' not found.")

    # -- columns -------------------------------------------------------------

    @classmethod
    def visible_fields(cls) -> list[str]:
        return [f for f in cls.model.visible_fields() if f not in cls.hidden_fields]

    @classmethod
    def columns(cls) -> dict[str, sa.ColumnElement]:
        visible = set(cls.visible_fields())
        return {c.key.lower(): c for c in cls.model.__table__.c if c.key in visible}

    @classmethod
    def selectable_columns(cls) -> dict[str, sa.ColumnElement]:
        """What ``fields`` may name: the columns and the computed fields."""
        columns = cls.columns()
        for name in cls.computed_fields:
            columns.setdefault(name.lower(), sa.literal_column(name))
        return columns

    @classmethod
    def filter_columns(cls) -> dict[str, sa.ColumnElement]:
        return {k: c for k, c in cls.columns().items() if c.key not in cls.private_columns}

    # -- finding -------------------------------------------------------------

    def select(self) -> sa.Select:
        return self.scope(sa.select(self.model))

    def filtered_select(self) -> sa.Select:
        """The resource's query narrowed by the ``filter`` option (and its ``params``)."""
        query = self.select()
        filter_text = self.options.filter
        if filter_text is not None:
            params = self.options.params
            condition = parse_filter(
                filter_text,
                self.filter_columns(),
                params if isinstance(params, dict) else None,
                ranged=True,
            )
            if condition is not None:
                query = query.where(condition)
        return query

    def id_column(self) -> sa.Column:
        return self.model.__table__.c[self.id_field]

    def cast_id(self, value: Any) -> Any:
        """The id as the column's type, or None when it cannot name any record."""
        kind = self.id_column().type
        if isinstance(kind, sa.Integer):
            if isinstance(value, bool):
                return None
            try:
                number = int(str(value).strip())
            except (TypeError, ValueError):
                return None
            return number if number > 0 and fits_column(number, kind) else None
        if value is None or isinstance(value, dict | list):
            return None
        return coerce_value(str(value), self.id_column(), self.id_field)  # NUL: a 400

    def find(self, record_id: Any, action: str = "retrieve") -> Record:
        key = self.cast_id(record_id)
        record = None
        if key is not None:
            record = db.session.scalar(self.select().where(self.id_column() == key))
        if record is None:
            raise self.not_found(record_id, action)
        return record

    def find_many(self, record_ids: list[Any]) -> dict[Any, Record]:
        """Records by id in one query, keyed by the cast id (missing ones absent)."""
        keys = {self.cast_id(i) for i in record_ids} - {None}
        if not keys:
            return {}
        rows = db.session.scalars(self.select().where(self.id_column().in_(keys))).all()
        return {getattr(r, self.id_field): r for r in rows}

    # -- validation ------------------------------------------------------------

    def validate(self, data: Any, creating: bool) -> dict[str, Any]:
        """The schema-loaded fields of one record; a 400 naming each bad field."""
        if not isinstance(data, dict):
            raise BadRequest("Each record must be a JSON object.")
        try:
            return self.schema(unknown=EXCLUDE, partial=not creating).load(data)
        except ValidationError as exc:
            raise ValidationFailed(flatten_messages(exc.messages)) from None

    def actor_user_id(self) -> int | None:
        actor = self.request.actor if hasattr(self, "request") else None
        return actor.user.id if actor is not None and actor.user is not None else None

    # -- output --------------------------------------------------------------

    def outputs(self, records: list[Record], write: bool) -> list[dict[str, Any]]:
        """Records as the client asked (``fields``, ``related``), loading relations in bulk.

        Writes answer with the id alone unless ``fields`` or ``related`` ask for
        more; ``related`` without ``fields`` on a write adds to the id only.
        """
        related = rel.parse_related(self.options.related, self.relations)
        if write and self.options.fields is None:
            fields: list[str] | None = [self.id_field]
        else:
            fields = parse_fields(self.options.fields, self.selectable_columns())
        outs = [self.to_output(r, fields) for r in records]
        rel.attach_related(records, outs, related, self.relations)
        return outs

    def output_one(self, record: Record, write: bool) -> dict[str, Any]:
        return self.outputs([record], write)[0]


CHILD_RESOURCES: dict[type[Record], type[RecordBase]] = {}
"""Which resource validates a model's rows when they are written nested in a parent."""


def child_resource(cls: type[RecordBase]) -> type[RecordBase]:
    CHILD_RESOURCES[cls.model] = cls
    return cls
