"""Event scripts around a service call: ``pre_process``, ``post_process``, final and ``queued``.

``dispatch.call`` (the one path into a service, for HTTP, ``platform.api``
and jobs) asks ``scripts.watches`` first, which costs one set lookup; only
calls to a service some active script names come here. For each stage the
request's event names (``service.event_target``: generic first, then
specific) are looked up as ``<path>.<verb>.<stage>`` and the active scripts
found run in that order:

1. ``pre_process`` scripts see ``event.request``. With
   ``allow_event_modification`` their changes to the request apply (a
   changed verb is authorized again), and a non-empty ``event.response``
   they set (or a response-shaped value they return) becomes the answer:
   the service is skipped. An exception in a script is the answer too.
2. The service runs, unless a pre-process script answered.
3. ``post_process`` scripts see ``event.request`` and ``event.response``
   (an error as its envelope); with modification allowed, their changes to
   the response (or a value they return) apply. They run after errors too.
4. Final scripts, named for the event itself (``<path>.<verb>``), see the
   final event (``request``, ``response``, ``resource``) once the response
   is settled (an error too), in this process, before it is sent. They cannot change it:
   their result is ignored, and an error of theirs is logged and counted in
   ``system/script_stats`` while the client keeps the response (the
   service's work is done by then; DreamFactory's own ``ApiEvent``).
5. ``queued`` scripts get the final event through the job queue
   (``queueing``); when there is none, the call is refused with a 503
   before the service runs.

In each stage a script that sets ``event.stop_propagation`` ends the stage.
Changes a script makes without ``allow_event_modification`` are ignored, as
in DreamFactory. When no post-process script exists, errors propagate as
exceptions exactly as without scripts.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from app.access.actor import ANONYMOUS
from app.access.calls import normalize_verb, require_access
from app.scripting import queueing, runner, shapes
from app.scripting.scripts import ScriptInfo, forget_linked_files, get_index
from app.vocabulary.errors import ApiError

if TYPE_CHECKING:
    from app.scripting.engine import ScriptResult
    from app.system_cache import ServiceInfo
    from app.vocabulary.calls import EventTarget, ServiceRequest, ServiceResponse

PRE, POST, QUEUED, FINAL = "pre_process", "post_process", "queued", ""

logger = logging.getLogger(__name__)


def scripts_for(paths: tuple[str, ...], verb: str, stage: str) -> list[ScriptInfo]:
    scripts = get_index().scripts
    suffix = f".{verb}.{stage}" if stage else f".{verb}"
    found = (scripts.get(path + suffix) for path in paths)
    return [s for s in found if s is not None]


def call_with_events(
    info: ServiceInfo,
    target: EventTarget,
    request: ServiceRequest,
    handle: Callable[[ServiceRequest], ServiceResponse],
) -> ServiceResponse:
    """Run ``handle(request)`` between the event scripts of ``target`` (the events the
    service says the request fires; see the module docstring)."""
    verb = request.method.lower()
    pre = scripts_for(target.paths, verb, PRE)
    post = scripts_for(target.paths, verb, POST)
    queued = scripts_for(target.paths, verb, QUEUED)
    final = scripts_for(target.paths, verb, FINAL)
    if queued:
        queueing.require_queue()
    try:
        response: ServiceResponse | None = None
        error: ApiError | None = None
        if pre:
            try:
                response = run_pre(pre, request, target.resource)
            except ApiError as exc:
                error = exc
        if response is None and error is None:
            try:
                response = handle(request)
            except ApiError as exc:
                if not post and not final:
                    raise
                error = exc
        if post:
            if response is None:
                response = shapes.error_response(error or ApiError())
            response = run_post(post, request, response, target.resource)
        elif error is not None:
            if final:
                event = final_event(request, shapes.error_response(error), target.resource)
                for script in final:
                    run_final(script, event, request)
            raise error
    finally:
        forget_linked_files(info, request.method)
    if response is None:  # pragma: no cover - every path above sets it or raises
        raise ApiError()
    if final or queued:
        event = final_event(request, response, target.resource)
        for script in final:
            run_final(script, event, request)
        for script in queued:
            queueing.queue_event(script, event, request.actor)
    return response


def final_event(request: ServiceRequest, response: ServiceResponse, resource: Any) -> dict:
    """The event final and queued scripts get: the request, the settled response, the resource."""
    return {
        "request": request.to_event(),
        "response": shapes.response_view(response),
        "resource": resource,
    }


def run_final(script: ScriptInfo, event: dict[str, Any], request: ServiceRequest) -> None:
    """Run a final script on the settled response; what it returns or raises changes nothing."""
    try:
        runner.run_script(script, script.name, event, request)  # logs and counts its errors
    except ApiError as exc:  # its engine is missing or turned off
        logger.warning("script=%s not run: %s", script.name, exc.message)


def run_pre(
    scripts: list[ScriptInfo], request: ServiceRequest, resource: Any
) -> ServiceResponse | None:
    """Run the pre-process scripts; a response when one of them answered instead of the service."""
    for script in scripts:
        before = request.to_event()
        result = _run(script, {"request": before, "resource": resource}, request)
        event = result.event if isinstance(result.event, dict) else {}
        if script.allow_event_modification:
            if shapes.merge_request(request, before, event.get("request")):
                _authorize_again(request)
            answer = _answer(result.value, event.get("response"))
            if answer is not None:
                return answer
        if event.get("stop_propagation"):
            break
    return None


def run_post(
    scripts: list[ScriptInfo], request: ServiceRequest, response: ServiceResponse, resource: Any
) -> ServiceResponse:
    """Run the post-process scripts over ``response``; the response they leave."""
    for script in scripts:
        view = shapes.response_view(response)
        event = {"request": request.to_event(), "response": view, "resource": resource}
        try:
            result = _run(script, event, request)
        except ApiError as exc:
            return shapes.error_response(exc)
        returned = result.event if isinstance(result.event, dict) else {}
        if script.allow_event_modification:
            if _has_value(result.value):
                value = result.value
                if isinstance(value, dict) and isinstance(value.get("response"), dict):
                    value = value["response"]
                if isinstance(value, dict) and ("content" in value or "status_code" in value):
                    response = shapes.merge_response(response, view, value)
                else:
                    response = shapes.merge_response(response, view, {**view, "content": value})
            else:
                response = shapes.merge_response(response, view, returned.get("response"))
        if returned.get("stop_propagation"):
            break
    return response


def _run(script: ScriptInfo, event: dict[str, Any], request: ServiceRequest) -> ScriptResult:
    """Run one event script; its exception, timeout or crash raised as the client's error."""
    result = runner.run_script(script, script.name, event, request)
    if result.error is not None:
        raise runner.script_error(result.error)
    return result


def _has_value(value: Any) -> bool:
    """Whether a script returned something (PHP's ``!empty``, as DreamFactory checks)."""
    return value is not None and value != "" and value != [] and value != {}


def _answer(value: Any, response: Any) -> ServiceResponse | None:
    """The answer a pre-process script gave instead of the service, if any."""
    if _has_value(value) and isinstance(value, dict) and _has_value(value.get("response")):
        response = value["response"]
    if not _has_value(response):
        return None
    if isinstance(response, dict) and "content" in response:
        return shapes.response_from(response)
    return shapes.response_from({"content": response, "status_code": 200})


def _authorize_again(request: ServiceRequest) -> None:
    """A script changed the verb: the caller must be allowed the new one too."""
    request.method = normalize_verb(request.method)
    require_access(request.actor or ANONYMOUS, request.method, request.service, request.resource)
