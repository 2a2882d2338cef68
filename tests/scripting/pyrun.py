"""Helpers for running Python scripts through the engine directly, and for finding processes."""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Mapping
from typing import Any

from app.scripting.engine import ScriptResult, ScriptRun

EVENT = {
    "request": {
        "api_version": "2.0",
        "method": "GET",
        "parameters": {"filter": "id=50"},
        "headers": {"x-dreamfactory-api-key": "the-key", "host": "localhost"},
        "payload": {"resource": [{"first_name": "Ada", "salary": 10}]},
        "content": "",
        "content_type": "application/json",
        "uri": "/api/v2/db/_table/contact",
        "service": "db",
        "resource": "_table/contact",
    },
    "resource": "test",
}

PLATFORM = {
    "config": {"df": {"version": "1.0", "api_version": "2.0", "always_wrap_resources": True}},
    "session": {"api_key": "the-key", "user": {"id": 6, "email": "ada@example.com"}},
}


def echo_api(method: str, path: str, payload: Any, options: dict[str, Any]) -> dict[str, Any]:
    """A ``platform.api`` callback answering with what it was asked."""
    return {
        "status_code": 200,
        "content": {"method": method, "path": path, "payload": payload, "options": options},
        "content_type": "application/json",
        "headers": {"x-echo": "1"},
    }


def make_run(content: str, **fields: Any) -> ScriptRun:
    return ScriptRun(
        name=fields.pop("name", "db._table.contact.get.pre_process"),
        language=fields.pop("language", "python"),
        content=content,
        event=fields.pop("event", None) or _copy(EVENT),
        platform=fields.pop("platform", None) or _copy(PLATFORM),
        api=fields.pop("api", echo_api),
        timeout=fields.pop("timeout", 10.0),
    )


def run(engine: Any, content: str, **fields: Any) -> ScriptResult:
    return engine.run(make_run(content, **fields))


def _copy(value: Any) -> Any:
    import copy

    return copy.deepcopy(value)


def processes() -> list[tuple[int, int, int, str, int]]:
    """``(pid, parent, process group, state, start time)`` of every process."""
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as stat:
                fields = stat.read().rsplit(b")", 1)[1].split()
        except (OSError, IndexError):
            continue
        found.append(
            (int(name), int(fields[1]), int(fields[2]), fields[0].decode(), int(fields[19]))
        )
    return found


def leaders(pids: Iterable[int]) -> dict[int, int]:
    """``{pid: start time}`` of the live processes among ``pids`` (worker group leaders)."""
    wanted = set(pids)
    return {pid: start for pid, _ppid, _group, _state, start in processes() if pid in wanted}


def group_members(groups: Mapping[int, int], zombies: bool = False) -> list[int]:
    """Processes in any of ``groups`` (``{leader pid: its start time}``), zombies when asked.

    Process ids are reused quickly on a busy machine, so a process older than a
    group's leader, or a leader that is not the one seen, is someone else's.
    """
    left = []
    for pid, _ppid, group, state, start in processes():
        if group not in groups or (state == "Z" and not zombies):
            continue
        if start < groups[group] or (pid == group and start != groups[group]):
            continue
        left.append(pid)
    return left


def wait_gone(
    groups: Mapping[int, int],
    seconds: float = 10.0,
    zombies: bool = False,
    keep: Iterable[int] = (),
) -> list[int]:
    """Wait (bounded) until no process of ``groups`` but ``keep`` is left; what is left then."""
    deadline = time.monotonic() + seconds
    kept = set(keep)
    while True:
        left = [pid for pid in group_members(groups, zombies) if pid not in kept]
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.05)


def gone(pid: int, start: int, seconds: float = 10.0) -> bool:
    """Wait (bounded) until the process ``pid`` that started at ``start`` has ended."""
    deadline = time.monotonic() + seconds
    while any(p == pid and s == start and st != "Z" for p, _pp, _g, st, s in processes()):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def worker_children(parent: int | None = None) -> list[int]:
    """The live child processes of ``parent`` (default: this one) running a script worker."""
    parent = os.getpid() if parent is None else parent
    mine = []
    for pid, ppid, _group, state, _start in processes():
        if ppid != parent or state == "Z":
            continue
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
                if b"_worker" in cmdline.read():
                    mine.append(pid)
        except OSError:
            continue
    return mine
