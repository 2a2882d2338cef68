"""Engines whose scripts run in warm workers of an outside interpreter (Node.js, PHP).

An engine of this kind names the setting that holds its binary
(``DF_NODEJS_PATH``), the oldest version its worker program runs on, and its
command line; this module does the rest the same way for each:

- ``available()`` resolves the binary (a name on ``PATH`` or a path), checks
  that the script user can run it and read the worker program, and asks it
  its version once per binary (cached), so a machine without ``node`` or
  ``php`` lists the type as unavailable with the reason instead of failing at
  the first script;
- the ``WorkerPool`` is built on the first run, in the process that runs
  scripts, with the app's ``DF_SCRIPT_*`` settings; ``shutdown`` drops it so
  the next run builds a new one;
- ``adjust`` lets an engine touch up a result (PHP's empty arrays, Node's
  out-of-memory abort) before the event machinery sees it.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess
import threading
from pathlib import Path

from app.scripting.engine import ScriptError, ScriptResult, ScriptRun
from app.scripting.pool import PoolSettings, WorkerPool
from app.scripting.process import Identity, accessible_to, identity_for

logger = logging.getLogger(__name__)

WORKERS = Path(__file__).resolve().parent.parent / "workers"
"""Folder of the worker programs."""

VERSION_TIMEOUT = 10.0
"""Seconds the version probe of a binary may take."""


class ExecutableEngine:
    """A script type served by a pool of ``command()`` workers; subclasses fill the blanks."""

    sandboxed = False
    type: str
    label: str
    description: str
    path_setting: str
    """Config key of the binary (``NODEJS_PATH``), without the ``DF_`` prefix."""
    default_binary: str
    worker: Path
    minimum_version: tuple[int, int]
    version_probe: list[str]
    """Arguments that make the binary print its version (``["--version"]``)."""
    environment: dict[str, str] = {}
    """Variables the workers get on top of the pool's clean environment."""

    def __init__(self, settings: PoolSettings | None = None, binary: str | None = None) -> None:
        """``settings``/``binary`` fixed here (tests) win over the app's config."""
        self.settings = settings
        self.binary = binary
        self._pool: WorkerPool | None = None
        self._lock = threading.Lock()
        self._versions: dict[str, tuple[int, ...] | str] = {}
        self._versions_lock = threading.Lock()

    # -- what subclasses provide -------------------------------------------------

    def command(self, binary: str, settings: PoolSettings) -> list[str]:
        """The worker's command line (the pool appends the two protocol fds)."""
        raise NotImplementedError

    def adjust(self, run: ScriptRun, result: ScriptResult) -> ScriptResult:
        """The result as the event machinery should see it."""
        return result

    # -- the Engine protocol -------------------------------------------------------

    def available(self) -> tuple[bool, str]:
        try:
            settings, binary = self._configured()
            self.resolve(binary, identity_for(settings.user))
        except LookupError as exc:
            return False, str(exc)
        return True, ""

    def run(self, run: ScriptRun) -> ScriptResult:
        try:
            pool = self.pool()
        except LookupError as exc:
            error = ScriptError(
                503, f"{self.label} scripting is unavailable: {exc}", cls="Unavailable"
            )
            return ScriptResult(event=run.event, error=error)
        return self.adjust(run, pool.run(run))

    def shutdown(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown()

    # -- plumbing --------------------------------------------------------------------

    def pool(self) -> WorkerPool:
        """This process's pool, built on first use; ``LookupError`` when the binary is unusable."""
        with self._lock:
            if self._pool is None:
                settings, binary = self._configured()
                identity = identity_for(settings.user)
                path = self.resolve(binary, identity)
                self._pool = WorkerPool(
                    self.label,
                    self.command(path, settings),
                    settings,
                    identity=identity,
                    env=self.environment,
                )
            return self._pool

    def _configured(self) -> tuple[PoolSettings, str]:
        if self.settings is not None:
            return self.settings, self.binary or self.default_binary
        from flask import current_app, has_app_context

        if has_app_context():
            config = current_app.config
            binary = self.binary or config.get(self.path_setting) or self.default_binary
            return PoolSettings.from_config(config), binary
        return PoolSettings(), self.binary or self.default_binary

    def resolve(self, binary: str, identity: Identity | None) -> str:
        """The binary's path once it is known to be usable; ``LookupError`` says why not."""
        setting = f"DF_{self.path_setting}"
        path = shutil.which(binary)
        if path is None:
            raise LookupError(f"'{binary}' was not found (install it or set {setting})")
        who = f"the script user '{identity.user}'" if identity else "this user"
        if not accessible_to(path, identity):
            raise LookupError(f"{who} cannot run {path} (set {setting})")
        if not accessible_to(str(self.worker), identity, os.R_OK):
            raise LookupError(f"{who} cannot read {self.worker}")
        version = self.version_of(path)
        if isinstance(version, str):
            raise LookupError(version)
        if version[:2] < self.minimum_version:
            wanted = ".".join(map(str, self.minimum_version))
            found = ".".join(map(str, version))
            raise LookupError(f"{path} is version {found}; {wanted} or newer is needed")
        return path

    def version_of(self, path: str) -> tuple[int, ...] | str:
        """The binary's version numbers, or why they could not be read (cached per path)."""
        with self._versions_lock:
            known = self._versions.get(path)
        if known is not None:
            return known
        try:
            probe = subprocess.run(  # noqa: S603 - a resolved binary, no shell
                [path, *self.version_probe],
                capture_output=True,
                timeout=VERSION_TIMEOUT,
                stdin=subprocess.DEVNULL,
                env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8"},
                check=False,
            )
            match = re.search(rb"(\d+)\.(\d+)(?:\.(\d+))?", probe.stdout)
            found: tuple[int, ...] | str = (
                tuple(int(part) for part in match.groups() if part is not None)
                if probe.returncode == 0 and match
                else f"{path} did not report its version (exit code {probe.returncode})"
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            found = f"{path} could not be run: {exc}"
        if isinstance(found, str):
            logger.warning("script engine unavailable type=%s reason=%s", self.type, found)
        with self._versions_lock:
            self._versions[path] = found
        return found


def heap_mb(settings: PoolSettings) -> int:
    """MiB an interpreter's own heap limit gets: three quarters of the worker's data limit,
    so the interpreter reports running out before the operating system refuses memory."""
    return max(16, settings.memory_mb * 3 // 4) if settings.memory_mb else 0
