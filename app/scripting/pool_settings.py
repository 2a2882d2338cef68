"""The knobs of every script worker pool (the ``DF_SCRIPT_*`` settings)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from app.scripting.egress import EgressPolicy
from app.scripting.process import MAX_PROCESSES

DEFAULT_USER = "nobody"
"""``DF_SCRIPT_USER``'s default (the test suite gives each test process a uid of its own)."""


@dataclass(frozen=True)
class PoolSettings:
    """The per-process knobs of every pool (``DF_SCRIPT_*`` settings)."""

    workers: int = 4
    """Worker processes per pool in one app process."""
    max_runs: int = 1000
    """Runs after which a worker is replaced."""
    memory_mb: int = 256
    """Data segment limit of a worker, MiB."""
    cpu_seconds: int = 10
    """CPU seconds every run may use (a worker's lifetime limit is twice that)."""
    queue_timeout: float = 5.0
    """Seconds a run waits for a free worker before a 503."""
    user: str | None = field(default_factory=lambda: DEFAULT_USER)
    """Unprivileged user (or bare uid) workers run as when the app runs as root."""
    processes: int = MAX_PROCESSES
    """``RLIMIT_NPROC`` of a worker (not a setting: an engine whose runtime needs many
    threads, like Node.js, may raise it)."""
    isolate_network: bool = True
    """Whether workers of engines that could open sockets get a network of their own
    (``DF_SCRIPT_NETWORK_ISOLATION``; ``app.scripting.isolation``)."""
    egress: EgressPolicy = field(default_factory=EgressPolicy)
    """What an isolated worker's scripts may reach through the egress proxy."""
    hidden: tuple[str, ...] = ()
    """Files and folders workers may not open (``app.scripting.launcher.confine``): the app's
    instance and storage folders, a SQLite system store, ``SCRIPT_HIDDEN_PATHS``."""

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> PoolSettings:
        defaults = cls()
        return cls(
            workers=max(1, int(config.get("SCRIPT_WORKERS", defaults.workers))),
            max_runs=max(1, int(config.get("SCRIPT_WORKER_MAX_RUNS", defaults.max_runs))),
            memory_mb=max(0, int(config.get("SCRIPT_MEMORY_MB", defaults.memory_mb))),
            cpu_seconds=max(1, int(config.get("SCRIPT_CPU_SECONDS", defaults.cpu_seconds))),
            queue_timeout=max(
                0.0, float(config.get("SCRIPT_QUEUE_TIMEOUT", defaults.queue_timeout))
            ),
            user=str(config.get("SCRIPT_USER", defaults.user) or "") or None,
            hidden=hidden_paths(config),
            isolate_network=_flag(config.get("SCRIPT_NETWORK_ISOLATION", True)),
            egress=EgressPolicy.from_config(config),
        )


def _flag(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() not in ("0", "false", "no", "off", "")
    return bool(value)


def hidden_paths(config: Mapping[str, Any]) -> tuple[str, ...]:
    """What no script may open: the app's own folders and files, and the configured extras."""
    found = [config.get("INSTANCE_PATH"), config.get("STORAGE_PATH")]
    store = str(config.get("SYSTEM_DATABASE_URL") or "")
    if store.startswith("sqlite:///") and store != "sqlite:///:memory:":
        found.append(store.removeprefix("sqlite:///").split("?", 1)[0])
    extra = config.get("SCRIPT_HIDDEN_PATHS") or ""
    found += extra.split(":") if isinstance(extra, str) else list(extra)
    paths = {os.path.abspath(str(path).strip()) for path in found if path and str(path).strip()}
    return tuple(sorted(paths))
