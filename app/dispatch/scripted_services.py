"""Scripted services: a script as a whole API (python, python3, nodejs, php and v8js types).

Every call to ``/api/v2/<service>/<path>`` runs the service's script with
``event.request`` (the call), ``event.resource`` (``<path>``) and
``event.response`` (``{"content": null, "content_type": null,
"status_code": 200, "headers": {}}``), always allowed to change the
response. The answer is, as DreamFactory's ``Script`` service has it: what
the script returned, else the event; a ``response`` inside it is taken; a
map with ``content`` is a full response (``status_code``, ``content_type``,
``headers``); anything else is the content of a 200.

Config: ``content`` (the code, never searched for lookups) or
``storage_service_id`` + ``storage_path`` (code read from a file service,
see ``app.scripting.scripts``), ``config`` (options for the engine),
``queued`` (the call is handed to the job queue and answered ``202
{"success": true}``, or 503 without a queue), ``cache_enabled`` +
``cache_ttl`` (GET answers kept per path, query and caller), ``openapi``
(the service's own OpenAPI document: it names the service's events, e.g.
``hello.items.{id}``, and its access list) and ``implements_access_list``
(the script answers ``?as_access_list=true`` itself). A type whose engine
cannot run here is not registered and says why in the log.
"""

from __future__ import annotations

import logging
from typing import Any, ClassVar

import orjson
from marshmallow import ValidationError, fields, validate, validates_schema

from app import cache
from app.schemas.common import flag, ref, text
from app.schemas.queue_options import QueueOptionsSchema
from app.scripting import queueing, runner, shapes
from app.scripting.runner import find_engine
from app.scripting.scripts import ScriptInfo
from app.services.base import BaseService
from app.services.event_paths import VERBS, doc_paths, openapi_doc
from app.services.rws.config import OpenApiDocument
from app.services.sql.results import get_result_cache
from app.vocabulary.calls import ServiceRequest, ServiceResponse
from app.vocabulary.errors import ApiError
from app.vocabulary.flags import to_bool

logger = logging.getLogger(__name__)


class ScriptConfigSchema(QueueOptionsSchema):
    content = fields.String(
        load_default="",
        allow_none=True,
        # "text", as DreamFactory describes it: the admin console's script editor needs it.
        metadata={
            "type": "text",
            "label": "Script",
            "description": "The script's code (or link a file below).",
        },
    )
    config = fields.Dict(
        load_default=dict,
        allow_none=True,
        metadata={"label": "Engine Options", "description": "Options for the script engine."},
    )
    queued = flag(
        load_default=False,
        metadata={"description": "Answer 202 at once and run the script through the job queue."},
    )
    storage_service_id = ref(
        metadata={"label": "Storage Service", "description": "File service holding the code."}
    )
    storage_path = text(255, metadata={"label": "Storage Path", "description": "The code's file."})
    implements_access_list = flag(
        load_default=False,
        metadata={"description": "The script answers ?as_access_list=true itself."},
    )
    cache_enabled = flag(load_default=False, metadata={"label": "Data Retrieval Caching"})
    cache_ttl = fields.Integer(
        load_default=0,
        validate=validate.Range(min=0),
        metadata={"label": "Cache Time To Live", "description": "Seconds GET answers are kept."},
    )
    openapi = OpenApiDocument(
        load_default=None,
        allow_none=True,
        metadata={
            "type": "object",
            "label": "OpenAPI Document",
            "description": "The service's own OpenAPI document (object, JSON or YAML).",
        },
    )

    @validates_schema
    def check_link(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data.get("storage_service_id") and not (data.get("storage_path") or "").strip("/"):
            raise ValidationError(
                "The storage path is required with a storage service.", "storage_path"
            )


class ScriptService(BaseService):
    """A scripted service; subclasses name the engine type."""

    group = "Script"
    config_schema = ScriptConfigSchema
    root_event_verbs: ClassVar[tuple[str, ...]] = VERBS

    @classmethod
    def available(cls) -> tuple[bool, str]:
        engine = find_engine(cls.type)
        if engine is None:
            return False, f"no script engine '{cls.type}' is installed"
        return engine.available()

    @property
    def script_name(self) -> str:
        return f"service.{self.name}"

    def handle(self, request: ServiceRequest) -> Any:
        if (
            request.method == "GET"
            and to_bool(request.param("as_access_list"))
            and not to_bool(self.config.get("implements_access_list"))
        ):
            return {"resource": self.access_list()}
        if request.deferred:  # a queued call, run now on a queue worker
            return self.run_now(request)
        if to_bool(self.config.get("queued")):
            queueing.queue_service_call(self.name, self.config, request)
            return ServiceResponse({"success": True}, status=202)
        ttl = (
            int(self.config.get("cache_ttl") or 0)
            if to_bool(self.config.get("cache_enabled"))
            else 0
        )
        if request.method == "GET" and ttl > 0:
            return self.cached(request, ttl)
        return self.run_now(request)

    def run_now(self, request: ServiceRequest) -> ServiceResponse:
        """Run the script for this call and shape its answer."""
        script = ScriptInfo(
            name=self.script_name,
            type=self.type,
            content=self.config.get("content") or "",
            config=dict(self.config.get("config") or {}),
            allow_event_modification=True,
            storage_service_id=self.config.get("storage_service_id"),
            storage_path=self.config.get("storage_path"),
        )
        event = {
            "request": request.to_event(),
            "response": {"content": None, "content_type": None, "status_code": 200, "headers": {}},
            "resource": request.resource,
        }
        result = runner.run_script(script, self.script_name, event, request)
        if result.error is not None:
            raise runner.script_error(result.error)
        answer: Any = result.value
        if answer is None or answer == "" or answer == [] or answer == {}:
            answer = result.event
        if isinstance(answer, dict) and "response" in answer:
            answer = answer.get("response") or {}
        return shapes.response_from(answer)

    def cached(self, request: ServiceRequest, ttl: int) -> ServiceResponse:
        """A GET answer kept ``ttl`` seconds per path, query and caller (2xx answers only)."""
        actor = request.actor
        who = [
            actor.user.id if actor and actor.user else None,
            actor.role.id if actor and actor.role else None,
        ]
        stamps = cache.read_stamps()
        versions = [stamps.get(n, 0) for n in (cache.ALL, "service", f"service:{self.id}")]
        key = orjson.dumps(
            ["script", self.id, versions, request.resource, request.params, who],
            option=orjson.OPT_SORT_KEYS,
        )
        store = get_result_cache()
        loaded: list[ServiceResponse] = []

        def load() -> Any:
            response = self.run_now(request)
            loaded.append(response)
            if response.is_raw or not 200 <= response.status < 300:
                raise _Uncacheable()
            return {"c": response.content, "s": response.status, "h": response.headers}

        try:
            entry = store.get(key, ttl, load)
        except _Uncacheable:
            return loaded[0]
        return ServiceResponse(entry["c"], status=entry["s"], headers=dict(entry["h"] or {}))

    def access_list(self) -> list[str]:
        """``""``, ``*`` and the paths of the service's own OpenAPI document (with parents)."""
        items = ["", "*"]
        doc = openapi_doc(self)
        if doc is not None:
            for pieces in doc_paths(doc, self.name.lower()):
                if pieces:
                    items.append("/".join(pieces))
                    items.extend("/".join(pieces[:depth]) + "/*" for depth in range(1, len(pieces)))
        return sorted(dict.fromkeys(items))


class _Uncacheable(ApiError):
    """A scripted-service answer not to be cached (an error or a raw body)."""


class PythonScriptService(ScriptService):
    type = "python"
    label = "Python"
    description = "Script service using Python."


class Python3ScriptService(ScriptService):
    type = "python3"
    label = "Python3"
    description = "Script service using Python 3."


class NodejsScriptService(ScriptService):
    type = "nodejs"
    label = "Node.js"
    description = "Script service using Node.js."


class PhpScriptService(ScriptService):
    type = "php"
    label = "PHP"
    description = "Script service using native PHP."


class V8jsScriptService(ScriptService):
    type = "v8js"
    label = "V8js"
    description = "Script service using a sandboxed JavaScript engine."


SCRIPT_SERVICE_TYPES = (
    PythonScriptService,
    Python3ScriptService,
    NodejsScriptService,
    PhpScriptService,
    V8jsScriptService,
)

__all__ = ["SCRIPT_SERVICE_TYPES", "ScriptConfigSchema", "ScriptService"]
