"""Script workers die with the app process that started them (Linux ``PR_SET_PDEATHSIG``).

The pool stops its workers itself (time limits, shutdown at exit), but an app
process killed with SIGKILL (an RQ worker, a gunicorn worker past its timeout)
runs none of that, and a worker blocked in a sleeping script would live on. So
every worker is started through ``confine.py`` (``app.scripting.hiding``), which,
as its last step before ``exec``, asks the kernel for SIGKILL when its parent
ends and then checks that its parent is still the app, whose pid it gets in
``PARENT_PID_VARIABLE``: if the app died before that, it exits at once. Last,
because a switch of user (its ``--user``) clears the setting; the ``exec`` of the
worker program keeps it. It is not set in the forked child before ``exec``
(``preexec_fn``): that runs every ``os.register_at_fork`` hook in the child, and
one that waits on a lock another thread held at the fork would hang the child,
and the ``Popen`` waiting for its ``exec``, for good.

The kernel sends the signal when the *thread* that forked the child ends, not
its process, and workers are needed by whatever thread runs a script (the
development server's request threads end after each request). So every start
runs on one long-lived daemon thread per process (``spawn``), which ends only
with its process. A forked child has no such thread and starts its own.

Not covered: what a worker started itself (a script's subprocess in Python or
Node.js; PHP scripts cannot start one). The pool kills those with their worker
when it stops it, but once the app is gone nobody does: they are reparented to
the nearest subreaper or init and live until they end (within the CPU limit).
Nor is a worker whose user cannot run any Python for ``confine.py`` (the log
says so).
"""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import TypeVar

from app.scripting.launcher.confine import PARENT_PID_VARIABLE

T = TypeVar("T")

__all__ = ["PARENT_PID_VARIABLE", "spawn"]


class _Spawner:
    """One daemon thread that runs every worker start of this process, in order."""

    def __init__(self) -> None:
        self._jobs: queue.SimpleQueue[tuple[Future, Callable[[], object]]] = queue.SimpleQueue()
        self._thread = threading.Thread(
            target=self._serve, name="script-worker-spawner", daemon=True
        )
        self._thread.start()

    def _serve(self) -> None:
        while True:
            future, call = self._jobs.get()
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(call())
            except BaseException as exc:  # handed to the caller, who raises it
                future.set_exception(exc)

    def run(self, call: Callable[[], T]) -> T:
        if threading.current_thread() is self._thread:
            return call()
        future: Future[T] = Future()
        self._jobs.put((future, call))
        return future.result()


_spawner: _Spawner | None = None
_lock = threading.Lock()
_hooked = False


def spawn(call: Callable[[], T]) -> T:
    """``call()`` (a ``subprocess.Popen``) on this process's spawner thread; its result or
    exception, as if called here."""
    global _spawner, _hooked
    with _lock:
        if _spawner is None:
            if not _hooked:
                _hooked = True
                os.register_at_fork(after_in_child=_forget)
            _spawner = _Spawner()
        spawner = _spawner
    return spawner.run(call)


def _forget() -> None:
    """In a forked child: the parent's spawner thread did not come along."""
    global _spawner, _lock
    _spawner = None
    _lock = threading.Lock()
