"""``system/event_script``: scripts run on API events, addressed by their event name.

Records are the usual system records keyed by ``name`` (DreamFactory's
``df-script`` resource), with its addressing forms on top:

- ``POST /system/event_script/{name}`` with one script object creates it
  (201) or, when it exists, updates it (200) — the admin UI's save;
- ``PUT``/``PATCH /system/event_script/{name}`` update it;
- ``GET``/``DELETE`` as for every system resource (``ids``, ``filter``...).

A script's ``name`` is the event it runs on and ends in
``.<verb>.pre_process``, ``.<verb>.post_process``, ``.<verb>.queued``, or in
``.<verb>`` for the final event (``app.scripting.events``); it cannot be
renamed (delete and create instead). ``type`` must be an engine this instance
can run (``system/script_type``); a type that ``SCRIPTING_DISABLE`` turns off
answers 503. The code is ``content``, or the file ``storage_path`` of the file
service ``storage_service_id`` (both required together).
"""

from __future__ import annotations

import re
from typing import Any

from app.extensions import db
from app.models import EventScript, Record
from app.schemas.event_script import EventScriptSchema
from app.schemas.queue_options import check_options
from app.scripting import runner
from app.services.system import resource
from app.services.system.records import ModelResource
from app.services.system.records.batch import run_single
from app.services.system.records.payload import unwrap
from app.vocabulary.calls import ServiceRequest, ServiceResponse
from app.vocabulary.errors import BadRequest, ValidationFailed

NAME = re.compile(
    r"^[^\s/]+\.(get|post|put|patch|delete)(\.(pre_process|post_process|queued))?$",
    re.IGNORECASE,
)
NAME_RULE = (
    "The name must be an event name ending in .<verb>.pre_process, .<verb>.post_process, "
    ".<verb>.queued or .<verb> (verb: get, post, put, patch or delete)."
)


@resource
class EventScriptResource(ModelResource):
    name = "event_script"
    label = "Event Script"
    description = "Scripts run before and after API calls, by event name."
    model = EventScript
    schema = EventScriptSchema
    id_field = "name"

    def post(self, request: ServiceRequest, rest: list[str]) -> ServiceResponse:
        if not rest:
            return super().post(request, rest)
        name = "/".join(rest)
        records, _ = unwrap(request.payload, required=False)
        data = dict(records[0]) if records and isinstance(records[0], dict) else {}
        if data.get("name") not in (None, name):
            raise BadRequest(f"The name in the body does not match '{name}'.")
        data["name"] = name
        existing = self.find_many([name]).get(name)
        if existing is None:
            record = run_single(lambda: self.write(self.model(), data, creating=True))
            return ServiceResponse(self.output_one(record, write=True), status=201)
        record = run_single(lambda: self.write(existing, data, creating=False))
        return ServiceResponse(self.output_one(record, write=True), status=200)

    def apply(self, record: Record, data: dict[str, Any], creating: bool) -> None:
        errors: dict[str, list[str]] = {}
        if "name" in data:
            if not creating and data["name"] != record.name:
                errors["name"] = ["An event script can not be renamed."]
            elif not NAME.match(data["name"]):
                errors["name"] = [NAME_RULE]
            elif creating and db.session.get(EventScript, data["name"]) is not None:
                errors["name"] = [f"An event script named '{data['name']}' already exists."]
        if "type" in data:
            data["type"] = data["type"].strip().lower()
            problem = type_problem(data["type"])
            if problem:
                errors["type"] = [problem]
        storage_id = data.get("storage_service_id", None if creating else record.storage_service_id)
        storage_path = data.get("storage_path", None if creating else record.storage_path)
        if storage_id and not (storage_path or "").strip("/"):
            errors["storage_path"] = ["The storage path is required with a storage service."]
        if errors:
            raise ValidationFailed(errors)
        name = data.get("name") or record.name
        if name and name.lower().endswith(".queued"):  # needs Redis; its options must be sound
            config = data["config"] if "config" in data else record.config
            check_options(config if isinstance(config, dict) else {}, True, "config.")
        super().apply(record, data, creating)


def type_problem(script_type: str) -> str | None:
    """Why scripts of this type can not be saved (503 when configuration disables it)."""
    runner.require_enabled(script_type)
    engine = runner.find_engine(script_type)
    if engine is None:
        return f"Script engine type '{script_type}' not found."
    ok, reason = engine.available()
    if not ok:
        return f"Script engine type '{script_type}' is not available on this instance: {reason}"
    return None
