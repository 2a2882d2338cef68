"""The ``platform`` a script sees: ``api`` calls, ``config.df`` and ``session``.

``platform.api`` calls on a relative path (``db/_table/todo``) are served in
this process: a ``ServiceRequest`` with requestor ``SCRIPT`` and the actor of
the request that ran the script goes through ``access.calls.check_call`` and
``dispatch.call`` (so its own events fire), never over HTTP. Absolute
``http(s)://`` URLs go out through ``outbound``. Either way the script gets
``{status_code, content, content_type, headers}``; a failure is such a
result with the error envelope as content, never an exception in the script.

Calls are bounded per top-level request (``ApiBudget``): at most
``SCRIPT_API_MAX_CALLS`` calls in all, nested at most
``SCRIPT_API_MAX_DEPTH`` deep (a script calling an endpoint whose script
calls another...), so a script reaching its own endpoint cannot recurse
forever. The budget travels down nested calls in a context variable set
around each inner ``dispatch.call``.

``platform_data`` holds plain values only: ``config.df`` (version, API
version, wrapping, storage path) and ``session`` (the caller's api key and
token, user, app, role, and the public lookups it can use) — no secret of the
instance, no private lookup.
"""

from __future__ import annotations

import contextvars
import logging
import threading
import urllib.parse
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import orjson
from flask import current_app
from werkzeug.datastructures import MultiDict

from app import system_cache
from app.extensions import db
from app.responses import dumps
from app.scripting import bridge, outbound
from app.version import __version__
from app.vocabulary.calls import ServiceRequest
from app.vocabulary.errors import ApiError, BadRequest, TooManyRequests, error_body
from app.vocabulary.paths import parse_api_path
from app.vocabulary.verbs import DATA_VERB_NAMES

if TYPE_CHECKING:
    from app.access.actor import Actor
    from app.scripting.engine import ApiCallback
    from app.vocabulary.calls import ServiceResponse

logger = logging.getLogger(__name__)

VERBS = DATA_VERB_NAMES
MAX_RAW_CHARS = 10 * 1024 * 1024
"""Characters of a raw (non-JSON) answer handed to a script."""


class LoopDetected(ApiError):
    status = 508
    default_message = "Loop detected."


@dataclass
class ApiBudget:
    """The ``platform.api`` calls left to the scripts of one top-level request."""

    calls: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def take(self, limit: int) -> bool:
        with self.lock:
            if self.calls >= limit:
                return False
            self.calls += 1
            return True


_CURRENT: contextvars.ContextVar[tuple[ApiBudget, int] | None] = contextvars.ContextVar(
    "df_script_api", default=None
)
"""(budget, depth) of the ``platform.api`` call being served, None at the top level."""


def api_for(request: ServiceRequest) -> ApiCallback:
    """The ``api`` callback of a script run for ``request``."""
    current = _CURRENT.get()
    budget, depth = current if current is not None else (ApiBudget(), 0)
    actor = request.actor
    config = current_app.config
    max_depth = int(config.get("SCRIPT_API_MAX_DEPTH", 3))
    max_calls = int(config.get("SCRIPT_API_MAX_CALLS", 100))

    def api(method: str, path: str, payload: Any = None, options: Any = None) -> dict[str, Any]:
        try:
            verb = str(method or "GET").upper()
            if verb not in VERBS:
                raise BadRequest(f"platform.api does not know the verb '{method}'.")
            if depth + 1 > max_depth:
                raise LoopDetected(
                    f"platform.api calls nested more than {max_depth} deep; "
                    "a script may be calling its own endpoint."
                )
            if not budget.take(max_calls):
                raise TooManyRequests(
                    f"Scripts of this request made more than {max_calls} platform.api calls."
                )
            opts = options if isinstance(options, dict) else {}
            target = str(path or "")
            if target.lower().startswith(("http://", "https://")):
                return outbound.call(verb, target, payload, opts)
            token = _CURRENT.set((budget, depth + 1))
            try:
                return internal_call(verb, target, payload, opts, actor)
            finally:
                _CURRENT.reset(token)
        except ApiError as exc:
            return error_result(exc)

    return api


def internal_call(
    verb: str, path: str, payload: Any, options: dict[str, Any], actor: Actor | None
) -> dict[str, Any]:
    """One in-process call as the script's caller, with requestor ``SCRIPT``."""
    path, _, query = path.lstrip("/").partition("?")
    prefix = f"{current_app.config.get('API_ROUTE_PREFIX', 'api')}/"
    if path.lower().startswith(prefix):
        path = path[len(prefix) :]
    version, service, resource = parse_api_path(path)
    params, pairs = query_params(query)
    extra = options.get("parameters")
    if isinstance(extra, dict):
        params.update({str(k): _param_text(v) for k, v in extra.items()})
        if pairs is not None:  # an option replaces every value the path gave that name
            pairs = [(k, v) for k, v in pairs if str(k) not in extra] or None
    headers = options.get("headers")
    headers = {str(k): str(v) for k, v in headers.items()} if isinstance(headers, dict) else {}
    body, content = _body(payload)
    request = ServiceRequest.internal(
        verb,
        service,
        resource,
        params=params,
        query=pairs,
        headers=headers,
        payload=body,
        content=content,
        actor=actor,
        prefix=current_app.config.get("API_ROUTE_PREFIX", "api"),
        version=version or "v2",
    )
    try:
        response = bridge.call_internal(request)
    except ApiError:
        raise
    except Exception:
        db.session.rollback()
        logger.exception("platform.api %s %s failed", verb, path)
        raise ApiError("An internal error occurred.") from None
    return result_of(response)


def query_params(query: str) -> tuple[dict[str, str], list[tuple[str, str]] | None]:
    """(params, query) of a path's query string, as the REST controller builds them:
    each name's first value, and, when a name repeats, every pair (names in order of
    first appearance, each with its values in the order sent)."""
    args = MultiDict(urllib.parse.parse_qsl(query, keep_blank_values=True))
    params = args.to_dict(flat=True)
    pairs = list(args.items(multi=True))
    return params, pairs if len(params) < len(pairs) else None


def _param_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _body(payload: Any) -> tuple[Any, bytes]:
    """(payload, raw bytes) of what a script sends: objects as JSON, text as it is."""
    if payload is None or payload == "":
        return None, b""
    if isinstance(payload, str):
        try:
            return orjson.loads(payload), payload.encode()
        except orjson.JSONDecodeError:
            return None, payload.encode()
    return payload, dumps(payload)


def result_of(response: ServiceResponse) -> dict[str, Any]:
    """A service's answer in the shape scripts receive."""
    headers = {str(k): str(v) for k, v in (response.headers or {}).items()}
    content = response.content
    if response.is_raw or hasattr(content, "get_data"):
        inner = getattr(content, "headers", None)  # a flask Response carries its own
        if inner is not None:
            headers = {**{str(k): str(v) for k, v in inner.items()}, **headers}
        content_type = response.content_type or getattr(content, "mimetype", None)
        raw = _raw_bytes(content)
        body: Any = raw[:MAX_RAW_CHARS].decode("utf-8", "replace")
        if _is_json(content_type) and len(raw) < MAX_RAW_CHARS:
            try:  # a remote's JSON answer reaches scripts as data, as DreamFactory's rws gives it
                body = orjson.loads(raw)
            except orjson.JSONDecodeError:
                pass  # not the JSON it claims to be: the text, as it came
        return {
            "status_code": response.status,
            "content": body,
            "content_type": content_type or "application/octet-stream",
            "headers": headers,
        }
    return result_of_data(content, response.status, headers)


def _is_json(content_type: str | None) -> bool:
    kind = (content_type or "").split(";", 1)[0].strip().lower()
    return kind == "application/json" or kind.endswith("+json")


def result_of_data(data: Any, status: int, headers: dict[str, str]) -> dict[str, Any]:
    return {
        "status_code": status,
        "content": orjson.loads(dumps(data)),
        "content_type": "application/json",
        "headers": headers,
    }


def _raw_bytes(content: Any) -> bytes:
    if isinstance(content, bytes | bytearray):
        return bytes(content)
    # a flask Response (a file download, say) or an iterable body: read only what is
    # kept, then close it (it may hold a file or a remote connection)
    chunks_of = content.iter_encoded() if hasattr(content, "iter_encoded") else content
    chunks, size = [], 0
    try:
        for chunk in chunks_of:
            piece = chunk.encode() if isinstance(chunk, str) else bytes(chunk)
            chunks.append(piece)
            size += len(piece)
            if size >= MAX_RAW_CHARS:
                break
    finally:
        close = getattr(content, "close", None)
        if callable(close):
            close()
    return b"".join(chunks)


def error_result(exc: ApiError) -> dict[str, Any]:
    return {
        "status_code": exc.status,
        "content": error_body(exc),
        "content_type": "application/json",
        "headers": {},
    }


# -- config and session ------------------------------------------------------------------------


def platform_data(request: ServiceRequest) -> dict[str, Any]:
    config = current_app.config
    return {
        "config": {
            "df": {
                "version": __version__,
                "api_version": config.get("API_VERSION", "2.0"),
                "always_wrap_resources": bool(config.get("ALWAYS_WRAP_RESOURCES", True)),
                "resources_wrapper": config.get("RESOURCE_WRAPPER", "resource"),
                "storage_path": config.get("STORAGE_PATH"),
            }
        },
        "session": session_data(request.actor),
    }


def session_data(actor: Actor | None) -> dict[str, Any]:
    """The caller as a script may see it (DreamFactory's session array, minus secrets)."""
    if actor is None:
        return {
            "api_key": None,
            "session_token": None,
            "user": None,
            "app": None,
            "role": None,
            "lookup": {},
        }
    user = actor.user
    app = actor.app
    role = actor.role
    public, _private = system_cache.lookups_for(
        app.id if app else None, role.id if role else None, user.id if user else None
    )
    return {
        "api_key": actor.api_key,
        "session_token": actor.session_token,
        "user": None
        if user is None
        else {
            "id": user.id,
            "display_name": user.name,
            "name": user.name,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "email": user.email,
            "username": user.username,
            "is_sys_admin": bool(user.is_sys_admin),
            "last_login_date": _text(user.last_login_date),
        },
        "app": None if app is None else {"id": app.id, "name": app.name},
        "role": None if role is None else {"id": role.id, "name": role.name},
        "lookup": dict(public),
    }


def _text(value: Any) -> str | None:
    if value is None:
        return None
    isoformat = getattr(value, "isoformat", None)
    return isoformat(sep=" ", timespec="seconds") if callable(isoformat) else str(value)
