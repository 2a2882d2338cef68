"""``system/script_type``: the script engines really usable on this instance (read-only).

An engine is listed when its runtime is present (``Engine.available()``)
and ``SCRIPTING_DISABLE`` does not turn its type off; ``sandboxed`` says
whether scripts are confined to the engine (no files, processes or network
except ``platform.api``), which only ``v8js`` is.
"""

from __future__ import annotations

from typing import Any

from app.scripting import runner
from app.scripting.engines import ENGINES
from app.services.base import Resource
from app.services.system import resource
from app.vocabulary.calls import ServiceRequest
from app.vocabulary.errors import NotFound


def usable_types() -> list[dict[str, Any]]:
    items = []
    for name, engine in sorted(ENGINES.items()):
        if runner.is_disabled(name) or not engine.available()[0]:
            continue
        items.append(
            {
                "name": name,
                "label": engine.label,
                "description": engine.description,
                "sandboxed": bool(engine.sandboxed),
                "supports_inline_execution": False,
            }
        )
    return items


@resource
class ScriptTypeResource(Resource):
    name = "script_type"
    label = "Script Type"
    description = "The script engines available on this instance."
    read_only = True

    def get(self, request: ServiceRequest, rest: list[str]) -> Any:
        items = usable_types()
        if rest:
            wanted = rest[0].lower()
            for item in items:
                if item["name"] == wanted:
                    return pick(item, request.param("fields"))
            raise NotFound(f"Script engine type '{rest[0]}' not found.")
        return {"resource": [pick(i, request.param("fields")) for i in items]}


def pick(item: dict[str, Any], fields: str | None) -> dict[str, Any]:
    if not fields or fields == "*":
        return item
    wanted = [f.strip() for f in fields.split(",")]
    return {k: item[k] for k in wanted if k in item}
