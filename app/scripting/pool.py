"""A pool of warm script workers, for any language that speaks the worker protocol.

An engine gives the pool a command line (its worker program) and gets back
``run(ScriptRun) -> ScriptResult``; the pool does the rest (protocol in
``app.scripting.engine``, confinement in ``app.scripting.process``):

- Workers start lazily, in the process that runs scripts: each gunicorn worker
  gets its own after the fork, and a pool inherited through ``fork`` is
  forgotten in the child (``os.register_at_fork``; gunicorn's ``post_fork``
  hook calls the same function). Every pool is shut down at exit.
- A worker serves one run at a time. Checkout and return are thread-safe. When
  all ``DF_SCRIPT_WORKERS`` are busy, a run waits up to
  ``DF_SCRIPT_QUEUE_TIMEOUT`` seconds for one, then fails with 503 ("script
  workers busy"): no more workers than that are ever started.
- A worker's ``api`` messages are served by calling ``ScriptRun.api`` in the
  thread that called ``run`` (so the request's app context is there) and
  answered with ``api_result``.
- The run's wall-clock time (``ScriptRun.timeout``, counted from when it has a
  worker and including its ``api`` calls) is enforced here: past it the worker
  and everything it started are killed, and the run fails with 504 (class
  ``Timeout``). A worker that dies
  (memory, CPU limit, crash, ``os._exit``) fails its run with 500 (``Crash``,
  ``CpuLimit``). Either way it is replaced by the next checkout.
- A worker is retired after ``DF_SCRIPT_WORKER_MAX_RUNS`` runs, when it asks
  to be (``"recycle": true``), or when it has used half of its lifetime CPU
  allowance (so every run starts with at least ``DF_SCRIPT_CPU_SECONDS``).
- Output (the worker's ``output`` lines, then anything written to its standard
  output or error) is capped at ``OUTPUT_LIMIT`` characters per run.
"""

from __future__ import annotations

import atexit
import itertools
import logging
import os
import threading
import time
import weakref
from typing import Any

from app.scripting import hiding
from app.scripting.channel import (
    Channel,
    WorkerGone,
    WorkerTimeout,
    api_error,
    cap_output,
    script_error,
)
from app.scripting.egress import EGRESS
from app.scripting.engine import ScriptError, ScriptResult, ScriptRun
from app.scripting.pool_settings import PoolSettings
from app.scripting.process import (
    Identity,
    Limits,
    WorkerProcess,
    protect_parent,
)
from app.vocabulary.errors import ApiError

logger = logging.getLogger(__name__)

START_TIMEOUT = 15.0
"""Seconds a new worker has to say ``ready``."""


class WorkerPool:
    """Warm workers running ``command``; ``run`` is the only thing callers need."""

    def __init__(
        self,
        label: str,
        command: list[str],
        settings: PoolSettings,
        *,
        identity: Identity | None,
        env: dict[str, str] | None = None,
        isolated: bool = False,
    ) -> None:
        """``isolated``: every worker gets a network of its own whose only way out is this
        process's egress proxy (``app.scripting.isolation``)."""
        self.label = label
        self.isolated = isolated
        self.command = list(command)
        self.settings = settings
        self.identity = identity
        self.env = dict(env or {})
        self.limits = Limits(
            memory_mb=settings.memory_mb,
            cpu_seconds=2 * settings.cpu_seconds,
            processes=settings.processes,
        )
        self._ids = itertools.count(1)
        self._wrapper: tuple[str, ...] | None = None
        if identity is None:
            protect_parent()
        self._reset()
        self._closed = False
        _remember(self)

    def _reset(self) -> None:
        self._cond = threading.Condition()
        self._idle: list[WorkerProcess] = []
        self._all: set[WorkerProcess] = set()
        self._starting = 0
        self._pid = os.getpid()

    # -- public -----------------------------------------------------------------

    def run(self, run: ScriptRun) -> ScriptResult:
        """Run one script on a free worker; every failure comes back as ``error``."""
        started = time.monotonic()
        nesting = getattr(_nesting, "depth", 0)
        worker = self._checkout(nesting)
        if isinstance(worker, ScriptError):
            return ScriptResult(event=run.event, error=worker, elapsed=time.monotonic() - started)
        healthy = False
        _nesting.depth = nesting + 1
        try:  # the script's time starts once it has a worker
            result, healthy = self._exchange(worker, run, time.monotonic() + run.timeout)
        finally:
            _nesting.depth = nesting
            self._checkin(worker, healthy)
        result.elapsed = time.monotonic() - started
        return result

    def size(self) -> int:
        """Workers alive or starting now."""
        with self._cond:
            return len(self._all) + self._starting

    def pids(self) -> list[int]:
        with self._cond:
            return sorted(worker.pid for worker in self._all)

    def shutdown(self) -> None:
        """Kill every worker; later runs fail with 503. Idle ones are cleaned up at once."""
        with self._cond:
            self._closed = True
            idle, busy = list(self._idle), self._all - set(self._idle)
            self._idle.clear()
            self._all -= set(idle)
            self._cond.notify_all()
        for worker in idle:
            worker.stop()
        for worker in busy:
            worker.kill()  # its run sees the worker die and returns it, closing the pipes

    def forget_inherited(self) -> None:
        """In a forked child: drop the parent's workers without touching their processes."""
        for worker in self._all:
            worker.forget()
        self._reset()

    # -- checkout ---------------------------------------------------------------

    def _checkout(self, nesting: int = 0) -> WorkerProcess | ScriptError:
        """A free worker, waiting up to ``queue_timeout``. A run started from inside another
        run (``platform.api`` reaching a scripted endpoint) may go ``nesting`` workers past
        the pool size: its callers hold workers while they wait for it, so waiting for one of
        theirs would deadlock. ``platform.api``'s depth limit bounds the excess."""
        deadline = time.monotonic() + self.settings.queue_timeout
        capacity = self.settings.workers + nesting
        with self._cond:
            if self._pid != os.getpid():
                self.forget_inherited()
            while True:
                if self._closed:
                    return ScriptError(503, f"{self.label} scripting is shutting down.", cls="Busy")
                if self._idle:
                    return self._idle.pop()
                if len(self._all) + self._starting < capacity:
                    self._starting += 1
                    break
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    logger.warning(
                        "script workers busy pool=%s size=%s", self.label, len(self._all)
                    )
                    return ScriptError(
                        503,
                        f"All {self.label} script workers are busy; try again later.",
                        cls="Busy",
                    )
                self._cond.wait(remaining)
        worker: WorkerProcess | None = None
        failure = None
        try:
            worker = self._start()
        except (OSError, WorkerGone, WorkerTimeout, ValueError) as exc:
            failure = exc
        with self._cond:
            self._starting -= 1
            if worker is not None and not self._closed:
                self._all.add(worker)
                return worker
            self._cond.notify()
        if worker is not None:
            worker.stop()
            return ScriptError(503, f"{self.label} scripting is shutting down.", cls="Busy")
        logger.error("script worker start failed pool=%s error=%s", self.label, failure)
        return ScriptError(
            503, f"Could not start a {self.label} script worker: {failure}", cls="Unavailable"
        )

    def _start(self) -> WorkerProcess:
        if self._wrapper is None:
            self._wrapper = hiding.wrapper(
                self.settings.hidden, self.command, self.identity, network=self.isolated
            )
        worker = WorkerProcess.start(
            self.command,
            limits=self.limits,
            identity=self.identity,
            env=self.env,
            wrapper=self._wrapper,
            isolated=self.isolated,
        )
        channel = worker.channel = Channel(worker)
        try:
            if self.isolated:
                self._serve_egress(worker)
            channel.begin()
            hello = channel.receive(time.monotonic() + START_TIMEOUT)
            if hello.get("op") != "ready":
                raise WorkerGone(f"it said {str(hello.get('op'))[:40]!r} instead of ready")
        except (WorkerGone, WorkerTimeout) as exc:
            status = _exit_status(worker) or "no answer"
            channel.drain_output()
            detail = " ".join(channel.output_lines()[-3:])[-300:]
            worker.stop()
            raise WorkerGone(f"{exc} ({status}){': ' + detail if detail else ''}") from None
        logger.info("script worker started pool=%s pid=%s", self.label, worker.pid)
        return worker

    def _serve_egress(self, worker: WorkerProcess) -> None:
        """Serve the worker's egress listener until the worker is stopped."""
        try:
            listener = worker.take_egress_listener(START_TIMEOUT)
        except OSError as exc:
            raise WorkerGone(str(exc)) from None
        EGRESS.add(listener, self.settings.egress)
        worker.on_close = lambda: EGRESS.remove(listener)

    def _checkin(self, worker: WorkerProcess, healthy: bool) -> None:
        with self._cond:
            surplus = len(self._all) > self.settings.workers  # started for a nested run
            if healthy and not surplus and not self._closed and self._pid == os.getpid():
                self._idle.append(worker)
                self._cond.notify()
                return
        worker.stop()
        with self._cond:
            self._all.discard(worker)
            self._cond.notify()

    # -- one run ----------------------------------------------------------------

    def _exchange(
        self, worker: WorkerProcess, run: ScriptRun, deadline: float
    ) -> tuple[ScriptResult, bool]:
        channel = worker.channel
        channel.begin()
        run_id = next(self._ids)
        try:
            channel.send(
                {
                    "op": "run",
                    "id": run_id,
                    "name": run.name,
                    "script": run.content,
                    "event": run.event,
                    "platform": run.platform,
                    "timeout": run.timeout,
                },
                deadline,
            )
            while True:
                message = channel.receive(deadline)
                if message.get("id") != run_id:
                    continue  # a stale line from a forked copy of an earlier run
                op = message.get("op")
                if op == "done":
                    break
                if op != "api":
                    raise WorkerGone(f"unexpected message {str(op)[:40]!r}")
                result = self._call_api(run, message)
                reply = {"op": "api_result", "id": run_id, "call": message.get("call")}
                channel.send({**reply, "result": result}, deadline)
        except WorkerTimeout:
            logger.warning(
                "script timeout name=%s pool=%s seconds=%s pid=%s",
                run.name,
                self.label,
                run.timeout,
                worker.pid,
            )
            error = ScriptError(
                504,
                f"Script '{run.name}' did not finish within {run.timeout:g} s and was stopped.",
                cls="Timeout",
            )
            return ScriptResult(event=run.event, output=channel.output_lines(), error=error), False
        except WorkerGone as exc:
            error = self._death(worker, run, str(exc))
            return ScriptResult(event=run.event, output=channel.output_lines(), error=error), False
        channel.drain_output()
        worker.runs += 1
        healthy = not message.get("recycle")
        if worker.runs >= self.settings.max_runs:
            healthy = False
        elif healthy and worker.cpu_seconds() > self.settings.cpu_seconds:
            healthy = False
        event = message.get("event")
        lines = [str(line) for line in message.get("output") or [] if line is not None]
        return (
            ScriptResult(
                event=event if isinstance(event, dict) else run.event,
                value=message.get("value"),
                output=cap_output(lines + channel.output_lines()),
                error=script_error(message.get("error")),
            ),
            healthy,
        )

    def _death(self, worker: WorkerProcess, run: ScriptRun, why: str) -> ScriptError:
        status = _exit_status(worker)
        logger.warning(
            "script worker died name=%s pool=%s pid=%s status=%s why=%s",
            run.name,
            self.label,
            worker.pid,
            status or "running",
            why,
        )
        if status in ("signal SIGXCPU",) or (
            status == "signal SIGKILL" and worker.cpu_seconds() >= self.limits.cpu_seconds
        ):
            return ScriptError(
                500,
                f"Script '{run.name}' used more than its CPU time and was stopped.",
                cls="CpuLimit",
            )
        if status is None:
            return ScriptError(
                500, f"Script '{run.name}' broke its worker's protocol ({why}).", cls="Crash"
            )
        return ScriptError(
            500, f"Script '{run.name}' ended its worker process ({status}).", cls="Crash"
        )

    def _call_api(self, run: ScriptRun, message: dict[str, Any]) -> dict[str, Any]:
        method = str(message.get("method") or "GET").upper()
        path = str(message.get("path") or "")
        options = message.get("options")
        try:
            result = run.api(method, path, message.get("payload"), options or {})
        except ApiError as exc:
            return api_error(exc.status, exc.to_dict())
        except Exception:
            logger.exception(
                "platform.api failed name=%s method=%s path=%s", run.name, method, path
            )
            return api_error(500, {"code": 500, "message": "The platform.api call failed."})
        if not isinstance(result, dict):
            return api_error(500, {"code": 500, "message": "The platform.api call failed."})
        return result


def _exit_status(worker: WorkerProcess) -> str | None:
    """How the worker ended, waiting up to a second: its pipe closes a moment before it is gone."""
    for _ in range(100):
        status = worker.exit_status()
        if status:
            return status
        time.sleep(0.01)
    return None


# -- every pool of this process ----------------------------------------------------

_POOLS: weakref.WeakSet[WorkerPool] = weakref.WeakSet()
_hooks_installed = False


_nesting = threading.local()
"""``depth``: runs this thread is inside of (a script's ``platform.api`` call runs the
nested request, and its scripts, on the same thread)."""


def _remember(pool: WorkerPool) -> None:
    global _hooks_installed
    _POOLS.add(pool)
    if not _hooks_installed:
        _hooks_installed = True
        atexit.register(shutdown_all)
        os.register_at_fork(after_in_child=forget_inherited_pools)


def shutdown_all() -> None:
    """Kill every pool's workers (at exit)."""
    for pool in list(_POOLS):
        pool.shutdown()


def forget_inherited_pools() -> None:
    """After a fork, in the child: the parent's workers are not ours to use or kill."""
    for pool in list(_POOLS):
        pool.forget_inherited()


__all__ = ["PoolSettings", "WorkerPool", "forget_inherited_pools", "shutdown_all"]
