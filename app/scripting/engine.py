"""The contract between the event machinery and the script engines.

The event side (``app.scripting.events``, scripted services) builds a
``ScriptRun`` and hands it to an engine; the engine runs the script somewhere
else (a warm worker process, a JavaScript sandbox) and answers with a
``ScriptResult``. Everything that crosses is plain JSON-able data, except
``api``: the callback the engine invokes (in the parent, synchronously) when a
script calls ``platform.api``; it returns the call's result shape.

Subprocess engines (python, nodejs, php) share one wire protocol with their
workers, newline-delimited JSON on a dedicated pipe pair, so scripts writing
to stdout cannot corrupt it::

    parent -> worker  {"op": "run", "id": 7, "name": ..., "script": ..., "event": {...},
                       "platform": {"config": {...}, "session": {...}}, "timeout": 5.0}
    worker -> parent  {"op": "api", "id": 7, "call": 1, "method": "GET", "path": "db/_table/t",
                       "payload": null, "options": {"headers": {}, "parameters": {}}}
    parent -> worker  {"op": "api_result", "id": 7, "call": 1,
                       "result": {"status_code": 200, "content": ..., "content_type": ...,
                                  "headers": {...}}}
    worker -> parent  {"op": "done", "id": 7, "event": {...}, "value": <returned value or null>,
                       "output": ["printed line", ...],
                       "error": null | {"status_code": 404, "message": "gone", "code": null,
                                        "context": null, "class": "NotFoundException"}}

How a worker joins (``app.scripting.pool`` / ``app.scripting.process``): it is
started as ``<command> READ_FD WRITE_FD`` (the protocol pipes are its two last
arguments; its stdin is /dev/null, its stdout and stderr a pipe whose lines the
pool adds to the run's output) and first sends ``{"op": "ready"}`` (it may add
``pid``, ``language``, ``version``). A ``done`` may carry ``"recycle": true``:
the worker should not serve again (a script left threads or processes behind,
ran out of memory...); the pool then kills it after taking the answer. Lines
whose ``id`` is not the current run's are ignored, so a forked copy of a
worker cannot answer for a later run. Killing (timeout, shutdown) is the
pool's job, by process group and descendants; workers need no ``shutdown`` op.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

ApiCallback = Callable[[str, str, Any, dict[str, Any]], dict[str, Any]]
"""``api(method, path_or_url, payload, options)`` → the call's result:
``{status_code, content, content_type, headers}``."""


@dataclass
class ScriptRun:
    """One script to run against one event."""

    name: str
    """The event name or ``service.<name>`` for a scripted service; used in logs and stats."""
    language: str
    content: str
    event: dict[str, Any]
    """``{"request": {...}, "response": {...} (post-process/scripted), "resource": ...}``."""
    platform: dict[str, Any]
    """``{"config": {"df": {...}}, "session": {...}}``: plain data, never a secret."""
    api: ApiCallback
    timeout: float = 5.0
    """Wall-clock seconds before the run is abandoned (its worker killed and replaced)."""


@dataclass
class ScriptError:
    """Why a script did not finish normally, as the client will see it."""

    status_code: int
    message: str
    code: int | None = None
    context: Any = None
    cls: str = "InternalServerErrorException"
    """The exception class the script raised (DreamFactory's, or the language's own such as
    ``KeyError``), ``SyntaxError``, or the engine's verdict: ``Timeout`` (504), ``MemoryLimit``,
    ``CpuLimit``, ``Crash`` (500), ``Busy`` (503: every worker busy), ``Unavailable`` (503:
    no worker can start here)."""


@dataclass
class ScriptResult:
    event: dict[str, Any]
    """The event after the script ran (``request``/``response`` possibly changed,
    ``stop_propagation`` possibly set)."""
    value: Any = None
    """What the script returned (``None`` when it returned nothing)."""
    output: list[str] = field(default_factory=list)
    """Lines the script printed (``print``, ``console.log``, ``echo``), capped."""
    error: ScriptError | None = None
    elapsed: float = 0.0


class Engine(Protocol):
    type: str
    label: str
    description: str
    sandboxed: bool

    def available(self) -> tuple[bool, str]:
        """Whether this engine can run here; the reason when it cannot."""

    def run(self, run: ScriptRun) -> ScriptResult:
        """Run one script; never raises for script faults (they come back as ``error``)."""

    def shutdown(self) -> None:
        """Stop this process's workers (called at exit and after a fork)."""
