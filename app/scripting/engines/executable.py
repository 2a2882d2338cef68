"""Engines whose scripts run in warm workers of an outside interpreter (Node.js, PHP).

An engine of this kind names the setting that holds its binary
(``DF_NODEJS_PATH``), the oldest version its worker program runs on, and its
command line; this module does the rest the same way for each, on top of
``app.scripting.engines.pooled`` (the pool built on first run, ``run``,
``shutdown``):

- the binary is resolved (a name on ``PATH`` or a path), the script user must
  be able to run it and read the worker program, and it is asked its version
  once per binary (cached), so a machine without ``node`` or ``php`` lists the
  type as unavailable with the reason instead of failing at the first script;
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

from app.scripting.engines.pooled import PooledEngine
from app.scripting.pool import PoolSettings
from app.scripting.process import Identity, accessible_to

logger = logging.getLogger(__name__)

WORKERS = Path(__file__).resolve().parent.parent / "workers"
"""Folder of the worker programs."""

VERSION_TIMEOUT = 10.0
"""Seconds the version probe of a binary may take."""


class ExecutableEngine(PooledEngine):
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

    def __init__(self, settings: PoolSettings | None = None, binary: str | None = None) -> None:
        """``settings``/``binary`` fixed here (tests) win over the app's config."""
        super().__init__(settings)
        self.binary = binary
        self._versions: dict[str, tuple[int, ...] | str] = {}
        self._versions_lock = threading.Lock()

    def command(self, binary: str, settings: PoolSettings) -> list[str]:
        """The worker's command line (the pool appends the two protocol fds)."""
        raise NotImplementedError

    def worker_command(self, settings: PoolSettings, identity: Identity | None) -> list[str]:
        return self.command(self.resolve(self.configured_binary(), identity), settings)

    def configured_binary(self) -> str:
        """The binary given here, else the app's ``path_setting``, else ``default_binary``."""
        config = self.app_config()
        configured = config.get(self.path_setting) if config is not None else None
        return self.binary or configured or self.default_binary

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
