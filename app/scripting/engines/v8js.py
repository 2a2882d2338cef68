"""The ``v8js`` engine: sandboxed JavaScript, run by QuickJS in warm worker processes.

DreamFactory's ``v8js`` type ran scripts in an embedded V8 with no access to
the machine. Here the sandbox is QuickJS (quickjs-ng), chosen by measurement
over V8 through mini-racer (bench/RESULTS.md, "v8js engine choice"): a fresh
context per run costs about 0.1 ms instead of a new isolate's 1.3 ms,
``platform.api`` can be synchronous as DreamFactory's V8js scripts expect
(mini-racer calls Python only asynchronously), and QuickJS starts under any
memory limit (V8 does not start under an address-space limit at all).

What a script sees is in ``workers/v8js_prelude.js``: ``event`` (with Node's
``setResponse``/``setRequest``/``setReturn``), ``platform.api.get|post|put|
patch|delete|call(path[, payload[, options]][, callback(body, response)])``
returning the result synchronously (also a thenable, so ``await`` and
``.then`` work), ``platform.config``, ``platform.session``, ``console.log``
and ``print`` as output lines, DreamFactory's exception classes as global
constructors, top-level ``return`` and ``await``. There is no ``require``,
``process``, file, network, timer or environment access: only the language.

Each worker runs as the pool confines it (its own unprivileged user, a clean
environment, a data-segment limit, CPU seconds, wall-clock kill), and within
it QuickJS bounds the heap (three quarters of ``DF_SCRIPT_MEMORY_MB``) and
the stack of every run. The worker is this same Python (or its twin that the
script user can run) with the app's package folders, for quickjs-ng and
orjson only. The pool (``app.scripting.engines.pooled``) is built on the first
run, with the app's settings; ``shutdown`` drops it so the next run builds a
new one.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

from app.scripting.engines.pooled import PooledEngine
from app.scripting.engines.python import VERSION, choose_interpreter, package_folders
from app.scripting.pool import PoolSettings
from app.scripting.process import Identity, accessible_to

WORKER = Path(__file__).resolve().parent.parent / "workers" / "v8js_worker.py"
"""The worker program (it reads ``v8js_prelude.js`` beside it)."""

DEFAULT_HEAP_MB = 64
"""JavaScript heap per run when ``DF_SCRIPT_MEMORY_MB`` is 0 (no data-segment limit), MiB."""


def heap_mb(settings: PoolSettings) -> int:
    """MiB of JavaScript heap a run gets: three quarters of the worker's data limit, so
    QuickJS reports running out before the operating system refuses the worker memory."""
    if not settings.memory_mb:
        return DEFAULT_HEAP_MB
    return max(16, settings.memory_mb * 3 // 4)


class V8jsEngine(PooledEngine):
    """Type ``v8js``: reported sandboxed, since scripts reach nothing but ``platform.api``."""

    type = "v8js"
    label = "V8js"
    description = "Sandboxed server-side JavaScript (DreamFactory's V8js scripts, run by QuickJS)."
    sandboxed = True
    network_capable = False  # QuickJS scripts have no socket API: no namespace needed

    def worker_command(self, settings: PoolSettings, identity: Identity | None) -> list[str]:
        if importlib.util.find_spec("_quickjs") is None:
            raise LookupError("quickjs-ng is not installed (pip install quickjs-ng)")
        python = choose_interpreter(None, identity)
        for path in (WORKER, WORKER.with_name("v8js_prelude.js")):
            if not accessible_to(str(path), identity, os.R_OK):
                raise LookupError(f"the script user cannot read {path}")
        heap = str(heap_mb(settings))
        command = [python, "-I", "-S", str(WORKER), "--abi", VERSION, "--memory-mb", heap]
        for folder in package_folders():
            if accessible_to(folder, identity, os.R_OK | os.X_OK):
                command += ["--site", folder]
        return command


V8JS = V8jsEngine()
