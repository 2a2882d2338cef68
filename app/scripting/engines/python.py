"""The Python engine: types ``python`` and ``python3``, one pool of warm workers for both.

Scripts run in ``workers/python_worker.py`` processes (see its docstring for
what a script sees). The interpreter is ``DF_PYTHON3_PATH`` when set, else this
very interpreter, so the app's installed packages are importable from scripts.
When the app runs as root, workers run as ``DF_SCRIPT_USER``, who may not be
able to run this interpreter (a pyenv build under ``/root``, say); then the
same Python version from ``/usr/local/bin`` or ``/usr/bin`` is used with the
app's package folders on its path. DreamFactory's ``python`` type meant
Python 2: both types run Python 3 here, and Python 2 ``print x`` statements
are still accepted.

How a script ends, as the client sees it (``ScriptResult.error``):

- a DreamFactory exception (``raise NotFoundException('gone', 7)``): its
  status, code and context;
- any other exception: 500 with its message, as is for a plain ``Exception``,
  else prefixed with its type and followed by the script's line
  (``KeyError: 'filter' (line 3)``);
- a syntax error: 500, class ``SyntaxError``, naming the line. A script that
  does not compile is the server's fault, not the client's, so not a 400;
- ``sys.exit()`` ends the script like ``return``; a non-zero status is a 500;
- running out of memory: 500, class ``MemoryLimit``, and a fresh worker.

The pool (``app.scripting.engines.pooled``) is built on the first run, with the
app's settings; ``shutdown`` drops it so the next run builds a new one.
"""

from __future__ import annotations

import os
import shutil
import site
import sys
from pathlib import Path

from app.scripting.engine import ScriptResult, ScriptRun
from app.scripting.engines.pooled import PooledEngine
from app.scripting.pool import PoolSettings
from app.scripting.process import Identity, accessible_to

WORKER = Path(__file__).resolve().parent.parent / "workers" / "python_worker.py"
"""The worker program."""

VERSION = "{}.{}".format(*sys.version_info[:2])


class PythonRuntime(PooledEngine):
    """The pool shared by the ``python`` and ``python3`` engines, built on first use."""

    label = "Python"

    def __init__(self, settings: PoolSettings | None = None, interpreter: str | None = None):
        super().__init__(settings)
        self.interpreter = interpreter

    def worker_command(self, settings: PoolSettings, identity: Identity | None) -> list[str]:
        python = choose_interpreter(self.configured_interpreter(), identity)
        if not accessible_to(str(WORKER), identity, os.R_OK):
            raise LookupError(f"the script user cannot read {WORKER}")
        command = [python, "-I", "-S", str(WORKER), "--abi", VERSION]
        for folder in package_folders():
            if accessible_to(folder, identity, os.R_OK | os.X_OK):
                command += ["--site", folder]
        return command

    def configured_interpreter(self) -> str | None:
        """The one given here, else the app's ``PYTHON3_PATH`` (None: this interpreter or its
        twin), as an explicit binary wins for the other engines."""
        if self.interpreter:
            return self.interpreter
        config = self.app_config()
        return (config.get("PYTHON3_PATH") or None) if config is not None else None


def choose_interpreter(configured: str | None, identity: Identity | None) -> str:
    """The interpreter workers run: the configured one, else this one or its twin."""
    if configured:
        path = shutil.which(configured) or configured
        if not os.path.isfile(path) or not accessible_to(path, identity):
            raise LookupError(
                f"the Python interpreter {configured} cannot be run by script workers"
            )
        return path
    candidates = [
        sys.executable,
        os.path.realpath(sys.executable),
        getattr(sys, "_base_executable", ""),
        f"/usr/local/bin/python{VERSION}",
        f"/usr/bin/python{VERSION}",
    ]
    for path in candidates:
        if path and os.path.isfile(path) and accessible_to(path, identity):
            return path
    who = f"the script user '{identity.user}'" if identity else "this user"
    raise LookupError(f"no Python {VERSION} interpreter that {who} can run (set DF_PYTHON3_PATH)")


def package_folders() -> list[str]:
    """Folders of the app's installed packages (the virtualenv's site-packages)."""
    folders = []
    for folder in site.getsitepackages():
        if folder and os.path.isdir(folder) and folder not in folders:
            folders.append(folder)
    return folders


class PythonEngine:
    """One of the two names of the Python engine."""

    sandboxed = False

    def __init__(self, type: str, label: str, description: str, runtime: PythonRuntime):
        self.type = type
        self.label = label
        self.description = description
        self.runtime = runtime

    def available(self) -> tuple[bool, str]:
        return self.runtime.available()

    def run(self, run: ScriptRun) -> ScriptResult:
        return self.runtime.run(run)

    def shutdown(self) -> None:
        self.runtime.shutdown()


RUNTIME = PythonRuntime()
PYTHON = PythonEngine("python", "Python", "Script handler using native Python.", RUNTIME)
PYTHON3 = PythonEngine("python3", "Python3", "Script handler using native Python3.", RUNTIME)
