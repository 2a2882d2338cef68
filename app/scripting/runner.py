"""Running one script: the engine for its type, its platform, its log lines and its stats.

``run_script`` is the one place event scripts and scripted services hand a
script to an engine. It refuses types disabled by ``SCRIPTING_DISABLE``
(503, DreamFactory's messages) and types without a usable engine (503 with
the engine's reason), logs what the script printed and why it failed as
``script=<name>`` lines, and counts the run in ``stats``. Script faults come
back in the ``ScriptResult``; ``script_error`` turns one into the
``ApiError`` the client sees. Inside ``capture_log`` the same lines are also
kept for the caller (``system/test_call`` answers them).
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from flask import current_app

from app.scripting import engines, platform, stats
from app.scripting.engine import ScriptError, ScriptResult, ScriptRun
from app.scripting.scripts import code_of
from app.vocabulary.errors import ApiError, ServiceUnavailable

if TYPE_CHECKING:
    from app.scripting.engine import Engine
    from app.scripting.scripts import ScriptInfo
    from app.vocabulary.calls import ServiceRequest

logger = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 5.0
"""Seconds a script may run when ``SCRIPT_TIMEOUT`` is not configured."""

OUTPUT_LINE_CHARS = 2000
"""Characters of one printed line written to the log."""

CAPTURED_LINES = 200
"""Log lines a ``capture_log`` keeps (the first ones: a script printing in a loop stops there)."""

_captured: contextvars.ContextVar[list[dict[str, str]] | None] = contextvars.ContextVar(
    "df_script_log", default=None
)
"""The lines of the capture around this context's scripts, if any."""

_time_limit: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "df_script_time_limit", default=None
)
"""The time limit of the scripts run in this context, when not ``SCRIPT_TIMEOUT``."""


@contextlib.contextmanager
def time_limit(seconds: float | None) -> Iterator[None]:
    """Scripts run inside take ``seconds`` (a queued job's ``timeout``) instead of
    ``SCRIPT_TIMEOUT``; nothing changes for other threads or the app's config."""
    if not seconds:
        yield
        return
    token = _time_limit.set(float(seconds))
    try:
        yield
    finally:
        _time_limit.reset(token)


@contextlib.contextmanager
def capture_log() -> Iterator[list[dict[str, str]]]:
    """Keep the log lines of the scripts run inside (``{"script", "level", "message"}``,
    level ``info`` for what a script printed, ``error`` for how it failed)."""
    lines: list[dict[str, str]] = []
    token = _captured.set(lines)
    try:
        yield lines
    finally:
        _captured.reset(token)


def _keep(name: str, level: str, message: str) -> None:
    lines = _captured.get()
    if lines is not None and len(lines) < CAPTURED_LINES:
        lines.append({"script": name, "level": level, "message": message[:OUTPUT_LINE_CHARS]})


def script_timeout() -> float:
    """Seconds a script run now may take."""
    return _time_limit.get() or float(current_app.config.get("SCRIPT_TIMEOUT") or DEFAULT_TIMEOUT)


def disabled_types() -> set[str] | None:
    """The types ``SCRIPTING_DISABLE`` turns off; None means all of them."""
    setting = current_app.config.get("SCRIPTING_DISABLE") or ""
    names = setting if isinstance(setting, list | tuple) else str(setting).split(",")
    wanted = {str(n).strip().lower() for n in names if str(n).strip()}
    if "all" in wanted:
        return None
    return wanted


def is_disabled(script_type: str) -> bool:
    wanted = disabled_types()
    return wanted is None or script_type.lower() in wanted


def require_enabled(script_type: str) -> None:
    """503 when configuration disables scripting, or this type of it."""
    wanted = disabled_types()
    if wanted is None:
        raise ServiceUnavailable("All scripting is disabled for this instance.")
    if script_type.lower() in wanted:
        raise ServiceUnavailable(f"Scripting with {script_type} is disabled for this instance.")


def find_engine(script_type: str) -> Engine | None:
    """The registered engine for a type, usable or not; None when no engine has that name."""
    try:
        return engines.get_engine(script_type.lower())
    except (KeyError, LookupError):
        return None


def require_engine(script_type: str) -> Engine:
    """The engine for this type, or a 503 when there is none or configuration disables it.

    Whether its runtime works is not asked here (``available()`` inspects the
    file system): an engine that cannot run answers its run with a 503 itself.
    """
    require_enabled(script_type)
    engine = find_engine(script_type)
    if engine is None:
        raise ServiceUnavailable(f"Script engine type '{script_type}' is not available.")
    return engine


def run_script(
    script: ScriptInfo, name: str, event: dict[str, Any], request: ServiceRequest
) -> ScriptResult:
    """Run ``script`` against ``event`` for ``request`` (whose actor its ``platform`` serves)."""
    engine = require_engine(script.type)
    run = ScriptRun(
        name=name,
        language=script.type.lower(),
        content=code_of(script),
        event=event,
        platform=platform.platform_data(request),
        api=platform.api_for(request),
        timeout=script_timeout(),
    )
    started = time.perf_counter()
    result = engine.run(run)
    elapsed = result.elapsed or (time.perf_counter() - started)
    for line in result.output:
        logger.info("script=%s output=%s", name, str(line)[:OUTPUT_LINE_CHARS])
        _keep(name, "info", str(line))
    if result.error is not None:
        error = result.error
        logger.warning(
            "script=%s status=%s class=%s error=%s",
            name,
            error.status_code,
            error.cls,
            error.message[:OUTPUT_LINE_CHARS],
        )
        _keep(name, "error", error.message)
    stats.record(name, elapsed, result.error.message if result.error else None)
    return result


def script_error(error: ScriptError) -> ApiError:
    """The client's error for a script that ended with an exception, a timeout or a crash."""
    status = error.status_code if 100 <= int(error.status_code or 0) <= 599 else 500
    return ApiError(error.message, status=status, code=error.code, context=error.context)
