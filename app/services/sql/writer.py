"""The write path of ``_table``: create, update and delete one record, with nested relations.

Each method writes one record on the request's connection inside the
transaction the batch runner opened, and returns the record's key. Writes
honour the caller's row filters: updates and deletes only reach rows inside
the filters for their verb (a row outside is "not found"), and written
values must satisfy them (403 otherwise).

Nested records follow DreamFactory's order: a ``belongs_to`` object is
created or updated first and its key written into the foreign key; then the
record itself; then ``has_one``/``has_many`` children (their foreign key set
to this record) and ``many_many`` records (linked through the junction).
A child that names its key and sets its foreign key to null is disowned: its
key set to null, or with ``allow_related_delete=true`` the row deleted.
Nested writes need the role's permission on the related table.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from app.access.authz import verb_mask
from app.records.server_filters import record_allowed
from app.services.sql import keys
from app.services.sql.relations import Relation, relations_for
from app.services.sql.values import prepare, split_record
from app.vocabulary import verbs
from app.vocabulary.errors import BadRequest, Forbidden
from app.vocabulary.flags import to_bool

if TYPE_CHECKING:
    from app.services.sql.context import TableContext
    from app.services.sql.schema import TableInfo

DENIED = "Denied access to some of the requested fields."
NO_FIELDS = "No valid fields were found in record."


class Writer:
    def __init__(self, ctx: TableContext) -> None:
        self.ctx = ctx
        self.connection = ctx.connection
        actor = ctx.request.actor
        self.actor = actor
        self.user_id = actor.user.id if actor is not None and actor.user is not None else None
        self.upsert = to_bool(ctx.service.config.get("allow_upsert"))

    # -- helpers -------------------------------------------------------------------

    def relations(self, table: TableInfo) -> dict[str, Relation]:
        return relations_for(self.ctx.schema, self.connection, table.name)

    def table(self, name: str) -> TableInfo:
        return self.ctx.schema.table(self.connection, name)

    def require_verb(self, table: TableInfo, verb: str) -> None:
        """Nested writes reach other tables: the role must allow the verb there too."""
        if table is self.ctx.table or self.actor is None or self.actor.is_sys_admin:
            return
        if not verb_mask(self.actor, self.ctx.service.name, f"_table/{table.name}") & verbs.bit(
            verb
        ):
            raise Forbidden(
                f"Access Forbidden. {verb} access to component '_table/{table.name}' of service "
                f"'{self.ctx.service.name}' is not allowed by this user's role."
            )

    def check_allowed(
        self, table: TableInfo, verb: str, plain: dict[str, Any], partial: bool
    ) -> None:
        found = self.ctx.row_filter(verb, table.name)
        if found is not None and not record_allowed(found.filters, found.filter_op, plain, partial):
            raise Forbidden(DENIED)

    def key_of(self, table: TableInfo, record: dict[str, Any]) -> keys.Key | None:
        """The primary key a nested record names, or None when it names none."""
        if not table.primary_key:
            return None
        key = {}
        for name in table.primary_key:
            value = next((v for k, v in record.items() if k.lower() == name.lower()), None)
            if value is None:
                return None
            key[name] = value
        return key

    def exists(self, table: TableInfo, key: keys.Key, verb: str) -> bool:
        condition = keys.condition(table, key)
        server = self.ctx.condition(verb, table)
        if server is not None:
            condition = sa.and_(condition, server)
        pk = [table.table.c[n] for n in key]
        return self.connection.execute(sa.select(*pk).where(condition).limit(1)).first() is not None

    def field_value(self, table: TableInfo, key: keys.Key, field: str) -> Any:
        if field in key:
            return key[field]
        select = sa.select(table.table.c[field]).where(keys.condition(table, key))
        return self.connection.execute(select).scalar()

    # -- writes --------------------------------------------------------------------

    def create(self, record: Any, table: TableInfo | None = None) -> keys.Key:
        table = table or self.ctx.table
        self.require_verb(table, "POST")
        relations = self.relations(table)
        raw, nested = split_record(table, record, {n.lower(): n for n in relations})
        if not raw and not nested:
            raise BadRequest(NO_FIELDS)
        self.write_parents(table, raw, nested, relations)
        values, plain = prepare(table, raw, creating=True, user_id=self.user_id)
        self.check_allowed(table, "POST", plain, partial=False)
        result = self.connection.execute(table.table.insert().values(values))
        key = self.created_key(table, result, plain)
        self.write_children(table, key, nested, relations)
        return key

    def created_key(self, table: TableInfo, result: sa.CursorResult, plain: dict) -> keys.Key:
        fields = self.ctx.key_fields() if table is self.ctx.table else table.primary_key
        inserted = dict(zip(table.primary_key, result.inserted_primary_key or (), strict=False))
        return {name: inserted.get(name, plain.get(name)) for name in fields}

    def update(
        self, key: keys.Key, record: Any, verb: str = "PATCH", table: TableInfo | None = None
    ) -> keys.Key:
        table = table or self.ctx.table
        self.require_verb(table, verb)
        if not self.exists(table, key, verb):
            if self.upsert and isinstance(record, dict):
                return self.create({**record, **key}, table)
            raise keys.not_found(keys.shown(key))
        relations = self.relations(table)
        raw, nested = split_record(table, record, {n.lower(): n for n in relations})
        if not raw and not nested:
            raise BadRequest(NO_FIELDS)
        self.write_parents(table, raw, nested, relations)
        values, plain = prepare(table, raw, creating=False, user_id=self.user_id)
        self.check_allowed(table, verb, plain, partial=True)
        if values:
            self.connection.execute(
                table.table.update().where(keys.condition(table, key)).values(values)
            )
        new_key = {name: plain.get(name, value) for name, value in key.items()}
        self.write_children(table, new_key, nested, relations)
        return new_key

    def delete(self, key: keys.Key, verb: str = "DELETE") -> keys.Key:
        table = self.ctx.table
        condition = keys.condition(table, key)
        server = self.ctx.condition(verb)
        if server is not None:
            condition = sa.and_(condition, server)
        deleted = self.connection.execute(table.table.delete().where(condition)).rowcount
        if not deleted:
            raise keys.not_found(keys.shown(key))
        return key

    # -- nested relations ------------------------------------------------------------

    def save_related(self, table: TableInfo, record: Any) -> keys.Key:
        """Create a nested record, or update it when it names an existing row."""
        if not isinstance(record, dict):
            raise BadRequest(f"Related records of '{table.name}' must be JSON objects.")
        key = self.key_of(table, record)
        if key is not None:
            key = keys.typed(table, key)
            if self.exists(table, key, "PATCH"):
                rest = {k: v for k, v in record.items() if k not in key}
                return self.update(key, rest, "PATCH", table) if rest else key
        return self.create(record, table)

    def write_parents(self, table, raw, nested, relations) -> None:
        for name, value in nested.items():
            relation = relations[name]
            if relation.type != "belongs_to" or value is None:
                continue
            ref = self.table(relation.ref_table)
            parent_key = self.save_related(ref, value)
            raw[relation.field] = self.field_value(ref, parent_key, relation.ref_field)

    def write_children(self, table, key: keys.Key, nested, relations) -> None:
        for name, value in nested.items():
            relation = relations[name]
            if relation.type == "belongs_to" or value is None:
                continue
            items = value if isinstance(value, list) else [value]
            if relation.type == "has_one" and not isinstance(value, dict):
                raise BadRequest(f"Relationship '{name}' takes one object.")
            if relation.is_list and not isinstance(value, list):
                raise BadRequest(f"Relationship '{name}' takes an array of records.")
            mine = self.field_value(table, key, relation.field)
            ref = self.table(relation.ref_table)
            for item in items:
                if not isinstance(item, dict):
                    raise BadRequest(f"Related records of '{name}' must be JSON objects.")
                if relation.type == "many_many":
                    self.link(relation, mine, ref, item)
                elif self.disowns(relation, item):
                    self.disown(relation, ref, item)
                else:
                    self.save_related(ref, {**item, relation.ref_field: mine})

    @staticmethod
    def disowns(relation: Relation, item: dict) -> bool:
        """A child that names its row and sets its foreign key to null leaves this record."""
        return any(k.lower() == relation.ref_field.lower() and v is None for k, v in item.items())

    def disown(self, relation: Relation, ref: TableInfo, item: dict) -> None:
        """DreamFactory's rule: delete the child with ``allow_related_delete``, else orphan it."""
        key = self.key_of(ref, item)
        if key is None:
            raise BadRequest(
                f"Related record of '{ref.name}' with a null '{relation.ref_field}' must name "
                "its primary key."
            )
        key = keys.typed(ref, key)
        if to_bool(self.ctx.request.option("allow_related_delete")):
            self.require_verb(ref, "DELETE")
            condition = keys.condition(ref, key)
            server = self.ctx.condition("DELETE", ref)
            if server is not None:
                condition = sa.and_(condition, server)
            if not self.connection.execute(ref.table.delete().where(condition)).rowcount:
                raise keys.not_found(keys.shown(key))
            return
        if not ref.table.c[relation.ref_field].nullable:
            raise BadRequest(
                f"Null value not allowed for field '{relation.ref_field}' of '{ref.name}': "
                "use allow_related_delete=true to delete the related record instead."
            )
        rest = {k: v for k, v in item.items() if k not in key}
        self.update(key, rest, "PATCH", ref)

    def link(self, relation: Relation, mine: Any, ref: TableInfo, item: dict) -> None:
        other_key = self.save_related(ref, item)
        other = self.field_value(ref, other_key, relation.ref_field)
        junction = self.table(relation.junction_table)
        self.require_verb(junction, "POST")
        link = {relation.junction_field: mine, relation.junction_ref_field: other}
        found = self.connection.execute(
            sa.select(sa.literal(1))
            .select_from(junction.table)
            .where(keys.condition(junction, link))
            .limit(1)
        ).first()
        if found is None:
            self.connection.execute(junction.table.insert().values(link))
