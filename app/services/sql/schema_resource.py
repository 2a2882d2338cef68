"""``_schema``: describe the database's tables and change them (reference 4.5).

Addressing forms:

- ``/_schema``: GET lists tables (``ids=``/a body list: full describes);
  POST creates tables (merging into existing ones unless ``check_exist``),
  PUT replaces them (unlisted fields dropped), PATCH merges; DELETE drops
  the tables named by ``ids`` or the body;
- ``/_schema/{t}``: the table's describe (with ``access`` as a verb mask);
  POST adds to it (404 when missing); PUT/PATCH as above; DELETE drops it;
- ``/_schema/{t}/_field[/{f}]``, ``/_schema/{t}/_related[/{r}]`` and the
  legacy ``/_schema/{t}/{f}``: fields and relations, listed, described,
  written (fields, and virtual relationships: see ``virtual``) and deleted
  (a relation's foreign key, or a virtual relationship).

Single writes answer ``{"name": ...}`` (``{"success": true}`` for deletes);
list writes answer ``{"resource": [...]}`` where a table that failed holds
``{"name", "error": {"message", "code"}}`` in its slot. With ``fields`` set,
writes answer the new describes. Every write refreshes the cached schema in
all processes. A role needs the verb on ``_schema/{t}`` for each table; a
role without GET on ``_schema`` still lists the tables it can read through
``_table`` (DreamFactory's filtered schema list).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from app.access.authz import require, verb_mask
from app.cache import bump_now
from app.records.clauses import parse_ids
from app.services.base import Resource, unsupported_verb
from app.services.sql.describe import describe_field, describe_table
from app.services.sql.fieldspec import parse_field
from app.services.sql.listing import list_tables
from app.services.sql.relations import relations_for
from app.services.sql.schema_writer import SchemaWriter, parse_table
from app.services.sql.virtual import is_virtual, name_of, parse_virtual
from app.vocabulary import verbs
from app.vocabulary.calls import ServiceRequest
from app.vocabulary.errors import ApiError, BadRequest, Forbidden, NotFound
from app.vocabulary.flags import to_bool
from app.vocabulary.verbs import DATA_VERBS, Verb
from app.wrapping import wrapped_key

if TYPE_CHECKING:
    from app.services.sql.schema import DbSchema, TableInfo
    from app.services.sql.service import SqlService

NO_CREATE_DATA = "No data in schema create request."
NO_UPDATE_DATA = "No data in schema update request."


def _items(payload: Any) -> tuple[list[Any], bool]:
    """(items, single): a ``resource`` list, a bare list, or one object."""
    key = wrapped_key(payload)
    if key is not None:
        items = payload[key]
        return (items if isinstance(items, list) else [items]), False
    if isinstance(payload, list):
        return payload, False
    if isinstance(payload, dict) and payload:
        return [payload], True
    return [], False


def _names(request: ServiceRequest) -> list[str]:
    """Table or field names from ``ids`` or a body list (of names or objects with ``name``)."""
    ids = request.option("ids")
    if ids not in (None, ""):
        return parse_ids(ids)
    items, _ = _items(request.payload)
    names = [i.get("name") if isinstance(i, dict) else i for i in items]
    return [str(n) for n in names if isinstance(n, str | int) and str(n)]


class SchemaResource(Resource):
    name = "_schema"
    label = "Schema"
    description = "The database's tables and fields: describe, create, change and drop them."

    service: SqlService

    def handle(self, request: ServiceRequest, rest: list[str]) -> Any:
        handler = getattr(self, f"{request.method.lower()}_schema", None)
        if handler is None:
            raise unsupported_verb(request, self.service.name)
        with self.service.connect(writes=request.method != "GET") as connection:
            if request.method == "GET":
                refresh = to_bool(request.option("refresh"))
                return handler(request, connection, rest, self.service.schema(connection, refresh))
            writer = SchemaWriter(connection, self.schema_name)
            try:
                return handler(request, connection, rest, writer)
            finally:
                bump_now(f"service:{self.service.id}")

    @property
    def schema_name(self) -> str | None:
        return self.service.config.get("schema") or None

    # -- access -----------------------------------------------------------------------

    def mask(self, request: ServiceRequest, component: str) -> int:
        actor = request.actor
        if actor is None:
            return DATA_VERBS
        return verb_mask(actor, self.service.name, component) & DATA_VERBS

    def check(self, request: ServiceRequest, verb: str, table: str) -> None:
        """A role must allow ``verb`` on ``_schema/{table}`` (lists name many tables)."""
        if not self.mask(request, f"_schema/{table}") & verbs.bit(verb):
            raise Forbidden(
                f"Access Forbidden. {verb} access to component '_schema/{table.lower()}' of "
                f"service '{self.service.name}' is not allowed by this user's role."
            )

    # -- reads ----------------------------------------------------------------------------

    def describe(
        self, request: ServiceRequest, connection: sa.Connection, schema: DbSchema, name: str
    ) -> dict[str, Any]:
        table = schema.table(connection, name)
        body = describe_table(schema, connection, table, self.service.id)
        body["access"] = self.mask(request, f"_schema/{table.name}")
        return body

    def get_schema(self, request, connection, rest, schema: DbSchema) -> Any:
        if not rest:
            return self.list_schema(request, connection, schema)
        table = schema.table(connection, rest[0])
        if len(rest) == 1:
            return self.describe(request, connection, schema, table.name)
        if rest[1].lower() == "_field":
            return self.read_fields(request, table, rest[2:])
        if rest[1].lower() == "_related":
            return self.read_relations(request, connection, schema, table, rest[2:])
        if len(rest) == 2:
            return self.read_fields(request, table, rest[1:])
        raise NotFound(f"Resource '{'/'.join(rest)}' not found for service '{self.service.name}'.")

    def list_schema(self, request, connection, schema: DbSchema) -> Any:
        actor = request.actor
        if actor is not None and not self.mask(request, "_schema") & Verb.GET:
            if actor.role is None or request.payload or request.option("ids"):
                require(actor, "GET", self.service.name, "_schema")  # raises the denial
            return list_tables(  # DreamFactory's filtered list: what the role reads via _table
                request,
                schema,
                lambda n: verb_mask(actor, self.service.name, f"_table/{n}") & Verb.GET,
            )
        if request.option("ids") not in (None, "") or _items(request.payload)[0]:
            found = []
            for name in _names(request):
                if schema.resolve(name) and self.mask(request, f"_schema/{name}"):
                    found.append(self.describe(request, connection, schema, name))
            return {"resource": found}
        return list_tables(request, schema, lambda n: self.mask(request, f"_schema/{n}"))

    def read_fields(self, request: ServiceRequest, table: TableInfo, rest: list[str]) -> Any:
        if rest:
            column = table.column(rest[0])
            if column is None:
                raise NotFound(f"Field '{rest[0]}' not found in table '{table.name}'.")
            return describe_field(table, column)
        wanted = {n.lower() for n in parse_ids(request.option("ids"))}
        fields = [
            describe_field(table, c) for c in table.table.c if not wanted or c.key.lower() in wanted
        ]
        return {"resource": fields}

    def read_relations(self, request, connection, schema, table: TableInfo, rest) -> Any:
        relations = relations_for(schema, connection, table.name)
        if rest:
            found = next((r for n, r in relations.items() if n.lower() == rest[0].lower()), None)
            if found is None:
                raise NotFound(f"Relationship '{rest[0]}' not found in table '{table.name}'.")
            return found.describe(self.service.id)
        wanted = {n.lower() for n in parse_ids(request.option("ids"))}
        return {
            "resource": [
                r.describe(self.service.id)
                for n, r in relations.items()
                if not wanted or n.lower() in wanted
            ]
        }

    # -- writes -----------------------------------------------------------------------------

    def post_schema(self, request, connection, rest, writer: SchemaWriter) -> Any:
        return self.write(request, connection, rest, writer, replace=False, create=not rest)

    def put_schema(self, request, connection, rest, writer: SchemaWriter) -> Any:
        return self.write(request, connection, rest, writer, replace=True, create=True)

    def patch_schema(self, request, connection, rest, writer: SchemaWriter) -> Any:
        return self.write(request, connection, rest, writer, replace=False, create=True)

    def write(self, request, connection, rest, writer, *, replace: bool, create: bool) -> Any:
        verb = request.method
        empty = NO_CREATE_DATA if verb == "POST" else NO_UPDATE_DATA
        if not rest:
            return self.write_tables(request, connection, writer, replace=replace, empty=empty)
        if len(rest) >= 2 and rest[1].lower() == "_related":
            return self.write_virtual(request, connection, rest, writer, empty)
        if len(rest) == 1:
            payload = request.payload
            if isinstance(payload, list):
                payload = {"field": payload}
            if not isinstance(payload, dict) or not payload:
                raise BadRequest(empty)
            spec = parse_table(
                payload, connection.dialect, name=rest[0], service_id=self.service.id
            )
            self.refuse_shadowed(connection, spec.name, spec.virtual)
            check = verb == "POST" and to_bool(request.option("check_exist"))
            name = writer.save_table(spec, replace=replace, create=create, check=check)
            return self.answer(request, connection, name)
        field_path = rest[2:] if rest[1].lower() == "_field" else rest[1:]
        if field_path:
            if not isinstance(request.payload, dict) or not request.payload:
                raise BadRequest(empty)
            specs = [parse_field(request.payload, name=field_path[0])]
        else:
            items, _ = _items(request.payload)
            if not items:
                raise BadRequest(empty)
            specs = [parse_field(item) for item in items]
        names = writer.save_fields(rest[0], specs)
        if field_path:
            return {"name": names[0]}
        return {"resource": [{"name": n} for n in names]}

    def write_virtual(self, request, connection, rest, writer: SchemaWriter, empty: str) -> Any:
        """Virtual relationships to ``_related`` (the others follow foreign keys)."""
        items, single = _items(request.payload)
        if len(rest) > 2:
            payload = request.payload
            items, single = ([{**payload, "name": rest[2]}] if single else []), True
        if not items:
            raise BadRequest(empty)
        for item in items:
            if not is_virtual(item):
                raise BadRequest(
                    "Relationships follow foreign keys: give a field a 'ref_table' to make one, "
                    "or send a virtual relationship ('is_virtual': true)."
                )
        relations = [parse_virtual(item, self.service.id) for item in items]
        self.refuse_shadowed(connection, rest[0], relations)
        names = [name_of(r) for r in writer.save_virtual(rest[0], relations)]
        if single and len(names) == 1:
            return {"name": names[0]}
        return {"resource": [{"name": n} for n in names]}

    def refuse_shadowed(self, connection, table: str, relations: list | None) -> None:
        """A virtual relationship may not take the name of one that follows a foreign key."""
        if not relations:
            return
        schema = self.service.schema(connection, refresh=True)
        if schema.resolve(table) is None:
            return
        found = relations_for(schema, connection, schema.table(connection, table).name)
        for relation in relations:
            existing = next(
                (r for n, r in found.items() if n.lower() == name_of(relation).lower()), None
            )
            if existing is not None and not existing.is_virtual:
                raise BadRequest(
                    f"Relationship '{existing.name}' of table '{table}' follows a foreign key "
                    "already."
                )

    def write_tables(self, request, connection, writer, *, replace: bool, empty: str) -> Any:
        items, single = _items(request.payload)
        if not items:
            raise BadRequest(empty)
        for item in items:
            if not isinstance(item, dict) or item.get("name") in (None, ""):
                raise BadRequest("Table name missing from schema.")
        single = single or len(items) == 1
        check = request.method == "POST" and to_bool(request.option("check_exist"))
        results: list[Any] = []
        for item in items:
            try:
                spec = parse_table(item, connection.dialect, service_id=self.service.id)
                self.check(request, request.method, spec.name)
                self.refuse_shadowed(connection, spec.name, spec.virtual)
                name = writer.save_table(spec, replace=replace, create=True, check=check)
                results.append(name)
            except ApiError as exc:
                if single:
                    raise
                results.append({"name": item.get("name"), "error": exc})
            except sa.exc.SQLAlchemyError as exc:
                error = self.service.translate(exc)
                if single:
                    raise error from exc
                results.append({"name": item.get("name"), "error": error})
        return {"resource": [self.slot(request, connection, r) for r in results]}

    def slot(self, request, connection, result: Any) -> dict[str, Any]:
        if isinstance(result, dict):
            error = result["error"]
            return {
                "name": result["name"],
                "error": {"message": error.message, "code": error.status},
            }
        return self.answer(request, connection, result)

    def answer(self, request, connection, name: str) -> dict[str, Any]:
        """``{"name": t}``, or the new describe when the client asked for ``fields``."""
        if request.option("fields") in (None, ""):
            return {"name": name}
        bump_now(f"service:{self.service.id}")
        schema = self.service.schema(connection)
        return self.describe(request, connection, schema, name)

    # -- deletes ----------------------------------------------------------------------------

    def delete_schema(self, request, connection, rest, writer: SchemaWriter) -> Any:
        if not rest:
            names = _names(request)
            if not names:
                raise BadRequest("No table names given to delete: use 'ids' or a list of tables.")
            single, results = len(names) == 1, []
            for name in names:
                try:
                    self.check(request, "DELETE", name)
                    results.append({"name": writer.drop_table(name)})
                except ApiError as exc:
                    if single:
                        raise
                    results.append(
                        {"name": name, "error": {"message": exc.message, "code": exc.status}}
                    )
            return {"resource": results}
        if len(rest) == 1:
            writer.drop_table(rest[0])
            return {"success": True}
        if rest[1].lower() == "_related":
            if len(rest) < 3:
                raise BadRequest("Name the relationship to delete.")
            self.drop_relation(connection, writer, rest[0], rest[2])
            return {"success": True}
        field_path = rest[2:] if rest[1].lower() == "_field" else rest[1:]
        if field_path:
            writer.drop_fields(rest[0], [field_path[0]])
            return {"success": True}
        names = _names(request)
        if not names:
            raise BadRequest("No field names given to delete: use 'ids' or a list of fields.")
        return {"resource": [{"name": n} for n in writer.drop_fields(rest[0], names)]}

    def drop_relation(self, connection, writer: SchemaWriter, table: str, name: str) -> None:
        schema = self.service.schema(connection, refresh=True)
        info = schema.table(connection, table)
        relations = relations_for(schema, connection, info.name)
        relation = next((r for n, r in relations.items() if n.lower() == name.lower()), None)
        if relation is None:
            raise NotFound(f"Relationship '{name}' not found in table '{info.name}'.")
        if relation.is_virtual:
            writer.drop_virtual(info.name, relation.name)
        elif relation.type == "belongs_to":
            writer.drop_foreign_key(info.name, relation.field)
        elif relation.type in ("has_one", "has_many"):
            writer.drop_foreign_key(relation.ref_table, relation.ref_field)
        else:
            raise BadRequest(
                f"Relationship '{relation.name}' runs through the junction table "
                f"'{relation.junction_table}': delete its foreign keys there."
            )
