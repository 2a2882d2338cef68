"""The ``nodejs`` engine: scripts in warm Node.js workers (``workers/node_worker.js``).

What a script sees is described in the worker program: DreamFactory's Node
idioms (``event.setResponse``, ``platform.api.get(path, payload, options,
callback)`` or its promise, ``console.log``), the exception classes as global
constructors, top-level ``return`` and ``await``, a fresh ``vm`` context per
run. ``require`` loads Node built-ins and installed modules, except the
built-ins that start processes (``child_process``, ``cluster``,
``worker_threads``...). Like DreamFactory's, this engine is not sandboxed:
the pool's limits (its own user, no app environment, memory, CPU, processes,
wall-clock time) are what bound a script.

The binary is ``DF_NODEJS_PATH`` (``node``), version 18 or newer. V8's heap is
capped below the worker's data limit (``--max-old-space-size``), so a memory
bomb ends in V8's out-of-memory abort, which ``adjust`` reports as
``MemoryLimit`` instead of a crash. A worker keeps to 5-6 threads (one V8
helper thread, two libuv threads) instead of Node's usual 11: the process limit
of the script user counts threads, and every app process has its own workers.
"""

from __future__ import annotations

from app.scripting.engine import ScriptError, ScriptResult, ScriptRun
from app.scripting.engines.executable import WORKERS, ExecutableEngine, heap_mb
from app.scripting.pool import PoolSettings

OOM_MARKER = "JavaScript heap out of memory"
"""What V8 prints when a heap limit ends the process."""

OOM_NOISE = "<--- Last few GCs --->"
"""Where V8's out-of-memory report (GC trace, native stack) starts in the output."""


class NodeJsEngine(ExecutableEngine):
    type = "nodejs"
    label = "Node.js"
    description = "Server-side JavaScript handler using the Node.js engine."
    path_setting = "NODEJS_PATH"
    default_binary = "node"
    worker = WORKERS / "node_worker.js"
    minimum_version = (18, 0)
    version_probe = ["--version"]
    environment = {"UV_THREADPOOL_SIZE": "2"}

    def command(self, binary: str, settings: PoolSettings) -> list[str]:
        command = [binary, "--v8-pool-size=1"]
        heap = heap_mb(settings)
        if heap:
            command.append(f"--max-old-space-size={heap}")
        return [*command, str(self.worker)]

    def adjust(self, run: ScriptRun, result: ScriptResult) -> ScriptResult:
        error = result.error
        if error is None or error.cls != "Crash":
            return result
        if not any(OOM_MARKER in line for line in result.output):
            return result
        kept = []
        for line in result.output:
            if line.startswith(OOM_NOISE):
                break
            kept.append(line)
        while kept and not kept[-1].strip():
            kept.pop()
        result.output = kept
        result.error = ScriptError(
            500, f"Script '{run.name}' ran out of memory and was stopped.", cls="MemoryLimit"
        )
        return result


NODEJS = NodeJsEngine()
