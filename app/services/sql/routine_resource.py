"""``_proc`` and ``_func``: list, describe and call stored procedures and functions (4.6).

``GET /_proc`` lists names (only routines the caller's role reaches);
``ids=a,b`` or ``fields=*`` gives describes. ``GET|POST /_proc/{name}``
(also ``/_proc/name(1,2)``) calls the routine; see ``routine_call`` for
where arguments come from and how the result is shaped. SQLite services do
not offer these resources.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from app.access.authz import verb_mask
from app.records.clauses import parse_ids
from app.services.base import Resource, unsupported_verb
from app.services.sql import routine_call
from app.services.sql.routines import KINDS, find, routines
from app.vocabulary.calls import ServiceRequest
from app.vocabulary.flags import to_bool
from app.vocabulary.verbs import DATA_VERBS

if TYPE_CHECKING:
    from app.services.sql.service import SqlService


class RoutineResource(Resource):
    kind: ClassVar[str] = "PROCEDURE"

    service: SqlService

    def handle(self, request: ServiceRequest, rest: list[str]) -> Any:
        if request.method not in ("GET", "POST") or (request.method == "POST" and not rest):
            raise unsupported_verb(request, self.service.name)
        with self.service.connect() as connection:
            schema = self.service.schema(connection, refresh=to_bool(request.option("refresh")))
            if not rest:
                return self.listing(request, connection, schema)
            name, inline = routine_call.split_call("/".join(rest))
            routine = find(schema, connection, self.kind, name)
            body = request.payload if isinstance(request.payload, dict) else {}
            given = routine_call.arguments(routine, body.get("params"), inline, request.params)
            if connection.dialect.name == "postgresql":
                result, outs = routine_call.call_postgresql(
                    connection, self.service.config.get("schema") or None, routine, given
                )
            else:
                result, outs = routine_call.call_mysql(connection, routine, given)
            return routine_call.shape(
                result,
                outs,
                returns=request.params.get("returns", body.get("returns")),
                schema=request.params.get("schema", body.get("schema")),
                wrapper=request.params.get("wrapper", body.get("wrapper")),
            )

    def listing(self, request: ServiceRequest, connection, schema) -> Any:
        actor = request.actor
        found = routines(schema, connection, self.kind)
        wanted = {n.lower() for n in parse_ids(request.option("ids"))}
        items = []
        for name, routine in found.items():
            if wanted and name.lower() not in wanted:
                continue
            if actor is not None and not (
                verb_mask(actor, self.service.name, f"{self.name}/{name}") & DATA_VERBS
            ):
                continue
            items.append(routine)
        if to_bool(request.option("as_list")):
            return {"resource": [r.name for r in items]}
        if wanted or request.option("fields") == "*":
            return {"resource": [r.describe() for r in items]}
        return {"resource": [{"name": r.name} for r in items]}


class ProcedureResource(RoutineResource):
    name = "_proc"
    label = "Stored Procedures"
    description = "Stored procedures of the database: list, describe and call them."
    kind = KINDS["_proc"]


class FunctionResource(RoutineResource):
    name = "_func"
    label = "Stored Functions"
    description = "Stored functions of the database: list, describe and call them."
    kind = KINDS["_func"]
