"""What every engine with a pool of warm workers does the same way (Python, V8js, Node.js, PHP).

An engine of this kind gives its worker's command line (``worker_command``),
raising ``LookupError`` with the reason when none is usable here; this class
does the rest:

- ``available()`` is whether a command line can be built, with the reason
  when not, so a machine without the runtime lists the type as unavailable
  instead of failing at the first script;
- the ``WorkerPool`` is built on the first run, in the process that runs
  scripts, with the ``DF_SCRIPT_*`` settings of the app in context (else the
  defaults); settings given to the constructor (tests, benchmarks) win;
- ``run`` hands the script to the pool (503 ``Unavailable`` when it cannot be
  built), then lets the engine touch up the result (``adjust``);
- ``shutdown`` drops the pool so the next run builds a new one.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

from flask import current_app, has_app_context

from app.scripting import isolation
from app.scripting.engine import ScriptError, ScriptResult, ScriptRun
from app.scripting.pool import PoolSettings, WorkerPool
from app.scripting.process import Identity, identity_for


class PooledEngine:
    """Scripts run by a pool of ``worker_command()`` workers; subclasses fill the blanks."""

    label: str
    """Names the pool and the engine in messages (``Python scripting is unavailable...``)."""
    environment: dict[str, str] = {}
    """Variables the workers get on top of the pool's clean environment."""
    network_capable: bool = True
    """Whether scripts of this engine could open sockets (a real interpreter): then its
    workers are cut off from the host's network (``app.scripting.isolation``)."""

    def __init__(self, settings: PoolSettings | None = None) -> None:
        """``settings`` fixed here (tests, benchmarks) win over the app's config."""
        self.settings = settings
        self._pool: WorkerPool | None = None
        self._lock = threading.Lock()

    # -- what subclasses provide -------------------------------------------------------

    def worker_command(self, settings: PoolSettings, identity: Identity | None) -> list[str]:
        """The worker's command line (the pool appends the two protocol fds);
        ``LookupError`` says why no usable one exists."""
        raise NotImplementedError

    def adjust(self, run: ScriptRun, result: ScriptResult) -> ScriptResult:
        """The result as the event machinery should see it."""
        return result

    # -- the Engine protocol ---------------------------------------------------------

    def available(self) -> tuple[bool, str]:
        try:
            settings = self.pool_settings()
            self.worker_command(settings, identity_for(settings.user))
            self.isolated()
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

    # -- plumbing ----------------------------------------------------------------------

    def pool(self) -> WorkerPool:
        """This process's pool, built on first use; ``LookupError`` when it cannot be."""
        with self._lock:
            if self._pool is None:
                settings = self.pool_settings()
                identity = identity_for(settings.user)
                isolated = self.isolated()
                env = dict(self.environment)
                if isolated:
                    env.update(isolation.proxy_environment())
                self._pool = WorkerPool(
                    self.label,
                    self.worker_command(settings, identity),
                    settings,
                    identity=identity,
                    env=env,
                    isolated=isolated,
                )
            return self._pool

    def isolated(self) -> bool:
        """Whether workers get a network of their own; ``LookupError`` when they must and
        cannot (``app.scripting.isolation``)."""
        if not self.network_capable:
            return False
        return isolation.check(self.pool_settings().isolate_network)

    def pool_settings(self) -> PoolSettings:
        """The settings fixed here, else the app's, else the defaults."""
        config = self.app_config()
        if config is not None:
            return PoolSettings.from_config(config)
        return self.settings if self.settings is not None else PoolSettings()

    def app_config(self) -> Mapping[str, Any] | None:
        """The app's config when settings come from it: none fixed here, an app in context."""
        if self.settings is not None:
            return None

        return current_app.config if has_app_context() else None
