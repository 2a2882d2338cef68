"""``_table``: the table list and the records of each table, for every verb.

Addressing forms (reference 4.1): ``/_table`` lists tables the caller's role
can reach; ``/_table/{t}`` queries, creates, and updates or deletes by
``ids``, by records in the body or by ``filter`` (DELETE also ``force``);
``/_table/{t}/{id}`` reads, updates or deletes one record and answers its
error unwrapped. Batches follow ``batch.run_batch``; writes answer only the
keys unless ``fields`` or ``related`` ask for more, which re-reads them after
the commit in one query.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from app.access.authz import verb_mask
from app.records.clauses import parse_fields, parse_order
from app.records.options import RecordOptions
from app.services.base import Resource, unsupported_verb
from app.services.sql import bulk, keys, reader
from app.services.sql.batch import ACTIONS, run_batch, run_single
from app.services.sql.context import BODY_OPTIONS, TableContext, table_options
from app.services.sql.listing import list_tables
from app.services.sql.results import cache_key, get_result_cache
from app.services.sql.writer import Writer
from app.vocabulary.calls import ServiceRequest
from app.vocabulary.errors import BadRequest, BatchError, error_dict
from app.vocabulary.flags import to_bool
from app.vocabulary.verbs import DATA_VERBS
from app.wrapping import wrapped_key, wrapped_list

if TYPE_CHECKING:
    from app.services.sql.service import SqlService

NO_RECORDS = (
    "No record(s) detected in request. Please make sure record(s) are wrapped in a "
    """'resource' tag. Example: {"resource":[{"record":1},{"record":2}]}"""
)


def _records(payload: Any, required: bool = True) -> tuple[list[Any], bool]:
    """(records, single): a wrapped or bare list, or one bare object (answered unwrapped)."""
    key = wrapped_key(payload)
    if key is not None:
        records = payload[key]
        records, single = (records if isinstance(records, list) else [records]), False
    elif isinstance(payload, list):
        records, single = payload, False
    elif isinstance(payload, dict) and any(k not in BODY_OPTIONS for k in payload):
        records, single = [{k: v for k, v in payload.items() if k not in BODY_OPTIONS}], True
    else:
        records, single = [], False
    if required and not records:
        raise BadRequest(NO_RECORDS)
    return records, single


class TableResource(Resource):
    name = "_table"
    label = "Table"
    description = "The records of the database's tables and views."

    service: SqlService

    def handle(self, request: ServiceRequest, rest: list[str]) -> Any:
        method = "PATCH" if request.method == "PUT" else request.method
        handler = getattr(self, f"{method.lower()}_records", None)
        if handler is None or (not rest and request.method != "GET"):
            raise unsupported_verb(request, self.service.name)
        refresh = to_bool(request.option("refresh"))  # the schema's, as _schema and _proc read it
        options = table_options(request)
        ttl = self.service.cache_ttl()
        if request.method == "GET" and rest and ttl and not refresh:
            actor = request.actor
            who = None
            if actor is not None:
                who = [actor.user.id if actor.user else None, actor.role.id if actor.role else None]
            key = cache_key(self.service.id, rest[0], request.params, request.payload, who)
            return get_result_cache().get(
                key, ttl, lambda: self.run(request, options, rest, handler, False)
            )
        return self.run(request, options, rest, handler, refresh)

    def run(
        self,
        request: ServiceRequest,
        options: RecordOptions,
        rest: list[str],
        handler,
        refresh: bool,
    ) -> Any:
        read_only = request.method == "GET" and not (
            rest and len(rest) == 1 and reader.may_stream(options, self.service.max_records())
        )
        writes = request.method != "GET"
        with self.service.connect(read_only=read_only, writes=writes) as connection:
            schema = self.service.schema(connection, refresh=refresh)
            if not rest:
                return self.list_tables(request, schema)
            table = schema.table(connection, rest[0])
            ctx = TableContext(self.service, request, options, connection, schema, table)
            self.check_options(ctx)
            return handler(ctx, rest[1:])

    def check_options(self, ctx: TableContext) -> None:
        """Options that apply to the whole request fail it before anything is read or written."""
        if ctx.options.group in (None, ""):  # with group, fields may hold aggregates
            parse_fields(ctx.options.fields, ctx.table.columns)
        for query in reader.related_queries(ctx):
            ref = ctx.schema.table(ctx.connection, query.relation.ref_table)
            parse_fields(query.fields, ref.columns)
            if query.order:
                parse_order(query.order, ref.columns, ctx.connection.dialect.name)
        if ctx.options.id_field is not None:
            ctx.key_fields()

    # -- the table list ---------------------------------------------------------------

    def list_tables(self, request: ServiceRequest, schema) -> dict[str, Any]:
        actor = request.actor

        def mask_of(name: str) -> int:
            if actor is None:
                return DATA_VERBS
            return verb_mask(actor, self.service.name, f"_table/{name}")

        return list_tables(request, schema, mask_of)

    # -- GET ------------------------------------------------------------------------------

    def get_records(self, ctx: TableContext, rest: list[str]) -> Any:
        if rest:
            return reader.read_one(ctx, keys.key_from_id(ctx, rest[0]))
        if ctx.options.ids is not None:
            return {"resource": self.read_batch(ctx, list(ctx.options.ids), keys.key_from_id)}
        records, _ = _records(ctx.request.payload, required=False)
        if records:
            return {"resource": self.read_batch(ctx, records, keys.key_from_record)}
        return reader.query(ctx)

    def read_batch(self, ctx: TableContext, items: list[Any], to_key) -> list[Any]:
        """Records by identifier in the order asked; a missing one fails the batch."""
        continue_ = ctx.options.continue_
        key_list: list[keys.Key | None] = []
        errors: dict[int, dict] = {}
        for index, item in enumerate(items):
            try:
                key_list.append(to_key(ctx, item))
            except Exception as exc:  # noqa: BLE001 - reported per record
                error = self.service.translate(exc)
                errors[index] = error_dict(error.status, error.message, code=error.code)
                key_list.append(None)
        present = [k for k in key_list if k is not None]
        rows = iter(reader.read_keys(ctx, present) if present else [])
        outputs: list[Any] = []
        failed: list[int] = []
        for index, key in enumerate(key_list):
            row = next(rows) if key is not None else None
            if row is None:
                if index not in errors:
                    errors[index] = error_dict(404, keys.not_found(keys.shown(key)).message)
                outputs.append(errors[index])
                failed.append(index)
                if not continue_:
                    break
            else:
                outputs.append(row)
        if failed:
            message = f"Batch Error: Not all requested records could be {ACTIONS['retrieve']}."
            raise BatchError(message, context={"error": failed, "resource": outputs})
        return outputs

    # -- writes ---------------------------------------------------------------------------

    def wants_more(self, ctx: TableContext) -> bool:
        return ctx.options.fields is not None or ctx.options.related is not None

    def outputs(self, ctx: TableContext, key_list: list[keys.Key]) -> list[Any]:
        """What writes answer: the keys, or the records re-read when more was asked for."""
        if not key_list or not self.wants_more(ctx):
            return [dict(k) for k in key_list]
        if ctx.connection.in_transaction():
            ctx.connection.commit()
        rows = reader.read_keys(ctx, key_list)
        return [
            row if row is not None else dict(key) for row, key in zip(rows, key_list, strict=True)
        ]

    def batch(self, ctx: TableContext, items: list[Any], work, action: str, finish=None) -> list:
        def guarded(item: Any) -> Any:
            if isinstance(item, Exception):  # an identifier that names no record
                raise item
            return work(item)

        return run_batch(
            ctx.connection,
            items,
            guarded,
            identity=lambda result: dict(result[0] if isinstance(result, tuple) else result),
            finish=finish or (lambda key_list: self.outputs(ctx, key_list)),
            translate=self.service.translate,
            action=action,
            continue_=ctx.options.continue_,
            rollback=ctx.options.rollback,
        )

    def single(self, ctx: TableContext, work) -> Any:
        key = run_single(ctx.connection, work)
        return self.outputs(ctx, [key])[0]

    def post_records(self, ctx: TableContext, rest: list[str]) -> Any:
        if rest:
            raise BadRequest("Create record by identifier not currently supported.")
        records, single = _records(ctx.request.payload)
        if single:
            raise BadRequest(NO_RECORDS)
        writer = Writer(ctx)
        created = bulk.create_many(writer, records)
        if created is not None:
            return {"resource": self.outputs(ctx, created)}
        return {"resource": self.batch(ctx, records, writer.create, "create")}

    def patch_records(self, ctx: TableContext, rest: list[str]) -> Any:
        verb = ctx.request.method
        writer = Writer(ctx)
        if rest:
            key = keys.key_from_id(ctx, rest[0])
            change = self.change(ctx)
            return self.single(ctx, lambda: writer.update(key, change, verb))
        ids = ctx.options.ids
        if ids is not None or ctx.options.filter is not None:
            change = self.change(ctx)
            if ids is not None:
                targets = self.keys_or_errors(ctx, list(ids))
            else:
                targets = self.matching(ctx, verb)
            return {
                "resource": self.batch(
                    ctx, targets, lambda k: writer.update(k, change, verb), "update"
                )
            }
        records, single = _records(ctx.request.payload)

        def work(record: Any) -> keys.Key:
            if not isinstance(record, dict):  # a bare id names a record but changes nothing
                raise BadRequest(keys.NOT_AN_OBJECT)
            key = keys.key_from_record(ctx, record)
            change = {k: v for k, v in record.items() if k.lower() not in {n.lower() for n in key}}
            return writer.update(key, change, verb)

        if single:
            return self.single(ctx, lambda: work(records[0]))
        return {"resource": self.batch(ctx, records, work, "update")}

    def delete_records(self, ctx: TableContext, rest: list[str]) -> Any:
        writer = Writer(ctx)
        more = self.wants_more(ctx)

        def work(key: keys.Key) -> Any:
            if isinstance(key, Exception):
                raise key
            output = reader.read_one(ctx, key, verb="DELETE") if more else dict(key)
            writer.delete(key)
            return (key, output)

        if rest:
            key = keys.key_from_id(ctx, rest[0])
            return run_single(ctx.connection, lambda: work(key))[1]
        ids = ctx.options.ids
        records, _ = _records(ctx.request.payload, required=False)
        if ids is not None:
            targets = self.keys_or_errors(ctx, list(ids))
        elif records:
            targets = self.keys_or_errors(ctx, records, keys.key_from_record)
        elif ctx.options.filter is not None:
            targets = self.matching(ctx, "DELETE")
        elif ctx.options.force:
            return self.delete_all(ctx)
        else:
            raise BadRequest("No filter or records given for delete request.")
        results = self.batch(
            ctx, targets, work, "delete", finish=lambda done: [output for _, output in done]
        )
        return {"resource": results}

    # -- helpers ---------------------------------------------------------------------------

    def change(self, ctx: TableContext) -> dict[str, Any]:
        """The one record applied to every target of a by-id, ``ids`` or ``filter`` update."""
        payload = ctx.request.payload
        records = wrapped_list(payload)
        if records is not None:
            payload = records[0] if records else None
        if not isinstance(payload, dict):
            raise BadRequest(NO_RECORDS)
        change = {k: v for k, v in payload.items() if k not in BODY_OPTIONS or ctx.table.column(k)}
        if not change:
            raise BadRequest(NO_RECORDS)
        return change

    def keys_or_errors(self, ctx: TableContext, items: list[Any], to_key=keys.key_from_id) -> list:
        """Keys for the batch; an identifier that names nothing fails as its own entry."""
        out: list[Any] = []
        for item in items:
            try:
                out.append(to_key(ctx, item))
            except BadRequest as exc:
                out.append(exc)
            except Exception as exc:  # noqa: BLE001 - a 404 for this entry only
                out.append(self.service.translate(exc))
        return out

    def matching(self, ctx: TableContext, verb: str) -> list[keys.Key]:
        """Keys of the rows the ``filter`` (and the caller's row filters for ``verb``) select."""
        names = ctx.key_fields()
        select = sa.select(*[ctx.table.table.c[n] for n in names])
        condition = reader.where(ctx, verb)
        if condition is not None:
            select = select.where(condition)
        rows = ctx.connection.execute(select.order_by(*[ctx.table.table.c[n] for n in names]))
        return [dict(zip(names, row, strict=True)) for row in rows]

    def delete_all(self, ctx: TableContext) -> dict[str, Any]:
        delete = ctx.table.table.delete()
        condition = ctx.condition("DELETE")
        if condition is not None:
            delete = delete.where(condition)
        run_single(ctx.connection, lambda: ctx.connection.execute(delete))
        return {"success": True}
