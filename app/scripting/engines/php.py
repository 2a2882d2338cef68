"""The ``php`` engine: scripts in warm PHP CLI workers (``workers/php_worker.php``).

What a script sees is described in the worker program: ``$event`` as an
array, ``$platform['api']->get`` (method or closure), ``$platform['config']``,
``$platform['session']``, ``echo`` as output, ``return``, and
``\\DreamFactory\\Core\\Exceptions\\*``, so DreamFactory's PHP examples run as
written. Like DreamFactory's, this engine is not sandboxed: the pool's limits
are what bound a script; on top of them PHP starts with:

- ``memory_limit`` below the worker's data limit, so a memory bomb ends with
  PHP's own error (``MemoryLimit``) and a fresh worker;
- the functions that start processes disabled (``exec``, ``shell_exec``,
  ``system``, ``passthru``, ``proc_open``, ``popen``, ``pcntl_exec``,
  ``pcntl_fork``, ``mail``...), and FFI off;
- errors not displayed (the worker turns warnings into output lines).

The binary is ``DF_PHP_PATH`` (``php``, Debian's ``php-cli``), version 8.0 or
newer. JSON has one empty container where PHP arrays have two meanings, so
``adjust`` gives back ``{}`` wherever the script returned an empty array in
place of an object it was given, and for ``headers`` and ``parameters``.
"""

from __future__ import annotations

from typing import Any

from app.scripting.engine import ScriptResult, ScriptRun
from app.scripting.engines.executable import WORKERS, ExecutableEngine, heap_mb
from app.scripting.pool import PoolSettings

DISABLED_FUNCTIONS = (
    "exec,shell_exec,system,passthru,proc_open,popen,pcntl_exec,pcntl_fork,pcntl_rfork,mail,dl"
)
"""PHP functions scripts cannot call: they start processes (or load extensions)."""

OBJECT_KEYS = frozenset({"headers", "parameters"})
"""Keys whose value is always a map, even when PHP sends it as an empty array."""


class PhpEngine(ExecutableEngine):
    type = "php"
    label = "PHP"
    description = "Script handler using native PHP."
    path_setting = "PHP_PATH"
    default_binary = "php"
    worker = WORKERS / "php_worker.php"
    minimum_version = (8, 0)
    version_probe = ["-r", "echo PHP_VERSION;"]

    def command(self, binary: str, settings: PoolSettings) -> list[str]:
        heap = heap_mb(settings)
        flags = {
            "memory_limit": f"{heap}M" if heap else "-1",
            "max_execution_time": "0",
            "display_errors": "0",
            "display_startup_errors": "0",
            "log_errors": "0",
            "html_errors": "0",
            "error_reporting": "32767",
            "disable_functions": DISABLED_FUNCTIONS,
            "ffi.enable": "0",
            "zend.assertions": "-1",
        }
        command = [binary]
        for name, value in flags.items():
            command += ["-d", f"{name}={value}"]
        return [*command, str(self.worker)]

    def adjust(self, run: ScriptRun, result: ScriptResult) -> ScriptResult:
        result.event = restore_objects(run.event, result.event)
        result.value = restore_objects(None, result.value)
        return result


def restore_objects(sent: Any, got: Any) -> Any:
    """``got`` with ``{}`` where PHP sent ``[]`` for a map: where ``sent`` had a map at the
    same place, or under a ``headers``/``parameters`` key."""
    if isinstance(got, list):
        if not got:
            return {} if isinstance(sent, dict) else got
        before = sent if isinstance(sent, list) else []
        return [
            restore_objects(before[i] if i < len(before) else None, item)
            for i, item in enumerate(got)
        ]
    if isinstance(got, dict):
        before = sent if isinstance(sent, dict) else {}
        fixed = {}
        for key, value in got.items():
            old = before.get(key)
            if key in OBJECT_KEYS and value == [] and old is None:
                old = {}
            fixed[key] = restore_objects(old, value)
        return fixed
    return got


PHP = PhpEngine()
