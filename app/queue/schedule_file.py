"""The schedule file (``DF_SCHEDULE_FILE``): cron lines of API calls and scripts.

One task per line; blank lines and lines starting with ``#`` are ignored::

    # minute hour day-of-month month day-of-week  [name=...] role=...  what to run
    */5 * * * *  role=reports  GET db/_table/orders?filter=status%3D'new'
    0 3 * * *    role=ops name=nightly  POST db/_proc/cleanup {"params": []}
    * * * * *    role=ops  SCRIPT python scripts/heartbeat.py

- five cron fields (``croniter`` syntax: ``*``, lists, ranges, steps, names),
  evaluated in ``DF_SCHEDULER_TIMEZONE``;
- ``role=`` (required): the role, by name or id, the task runs as (a script
  requestor: the role's access rows need the script requestor bit);
- ``name=`` (optional): the task's name; without it the call itself
  (``GET db/_table/orders``) names it. Tasks appear in ``system/scheduler``
  as ``file:<name>``, where their runs are logged, and keep their history as
  long as their name stays the same;
- then either ``VERB service/path[?query]`` and an optional JSON payload
  (the rest of the line), or ``SCRIPT <type> <file>``, a script file (a path
  relative to the schedule file) run by the engine of that type.

A line that cannot be parsed is reported with its number and skipped; the
other lines still run.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Any

import orjson

from app.schemas.scheduler import FILE_PREFIX, valid_cron
from app.vocabulary.verbs import DATA_VERB_NAMES

VERBS = DATA_VERB_NAMES

NAME_LENGTH = 80
OPTION = re.compile(r"^(name|role)=(\S+)$", re.IGNORECASE)
CRON_FIELD = re.compile(r"^[0-9*/,?-]+$")
MAX_SCRIPT_BYTES = 1024 * 1024
"""Bytes; the largest script file a task may run."""


@dataclass(frozen=True)
class FileTask:
    line: int
    name: str
    cron: str
    role: str
    verb: str
    service: str | None = None
    component: str = ""
    payload: Any = None
    script_type: str | None = None
    script: str | None = None


@dataclass(frozen=True)
class LineError:
    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


def parse(text: str, base_dir: str = ".") -> tuple[list[FileTask], list[LineError]]:
    """The tasks of a schedule file, and the lines that could not be read."""
    tasks: list[FileTask] = []
    errors: list[LineError] = []
    seen: set[str] = set()
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        try:
            task = parse_line(line, number, base_dir)
        except ValueError as exc:
            errors.append(LineError(number, str(exc)))
            continue
        if task.name in seen:
            errors.append(LineError(number, f"another line already names a task '{task.name}'"))
            continue
        seen.add(task.name)
        tasks.append(task)
    return tasks, errors


def parse_line(line: str, number: int, base_dir: str) -> FileTask:
    parts = line.split(None, 5)
    if len(parts) < 6:
        raise ValueError("expected five cron fields followed by what to run")
    cron = " ".join(parts[:5])
    if not valid_cron(cron):
        raise ValueError(f"'{cron}' is not a valid five-field cron expression")
    rest = parts[5]
    if CRON_FIELD.match(rest.split(None, 1)[0]):
        raise ValueError(f"'{cron} {rest.split(None, 1)[0]}' has more than five cron fields")
    found: dict[str, str] = {}
    while True:
        head, _, tail = rest.partition(" ")
        match = OPTION.match(head)
        if not match:
            break
        found[match.group(1).lower()] = match.group(2)
        rest = tail.strip()
    if not found.get("role"):
        raise ValueError("role=<role name or id> is required (the task runs with that role)")
    head, _, tail = rest.partition(" ")
    verb = head.upper()
    tail = tail.strip()
    if verb == "SCRIPT":
        return _script_task(number, cron, found, tail, base_dir)
    if verb not in VERBS:
        raise ValueError(f"expected a verb ({', '.join(VERBS)}) or SCRIPT, found '{head}'")
    target, _, payload_text = tail.partition(" ")
    target = target.strip().lstrip("/")
    service, _, component = target.partition("/")
    if not service or "?" in service:
        raise ValueError("expected the service and path to call, e.g. db/_table/orders")
    payload = None
    if payload_text.strip():
        try:
            payload = orjson.loads(payload_text.strip())
        except orjson.JSONDecodeError as exc:
            raise ValueError(f"the payload is not valid JSON: {exc}") from None
    name = found.get("name") or f"{verb} {target.partition('?')[0]}"
    return FileTask(
        line=number,
        name=_task_name(name),
        cron=cron,
        role=found["role"],
        verb=verb,
        service=service.lower(),
        component=component,
        payload=payload,
    )


def _script_task(
    number: int, cron: str, found: dict[str, str], tail: str, base_dir: str
) -> FileTask:
    script_type, _, path = tail.partition(" ")
    path = path.strip()
    if not script_type or not path:
        raise ValueError("expected SCRIPT <type> <file>, e.g. SCRIPT python scripts/report.py")
    full = path if os.path.isabs(path) else os.path.join(base_dir, path)
    try:
        with open(full, "rb") as handle:
            content = handle.read(MAX_SCRIPT_BYTES + 1)
    except OSError as exc:
        raise ValueError(f"cannot read the script {full}: {exc.strerror}") from None
    if len(content) > MAX_SCRIPT_BYTES:
        raise ValueError(f"the script {full} is bigger than {MAX_SCRIPT_BYTES} bytes")
    name = found.get("name") or f"SCRIPT {path}"
    return FileTask(
        line=number,
        name=_task_name(name),
        cron=cron,
        role=found["role"],
        verb="SCRIPT",
        script_type=script_type.lower(),
        script=content.decode("utf-8", "replace"),
    )


def _task_name(name: str) -> str:
    return (FILE_PREFIX + name)[:NAME_LENGTH]


def read(path: str) -> tuple[list[FileTask], list[LineError]]:
    """Parse the file at ``path``; a missing or unreadable file is one error at line 0."""
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except OSError as exc:
        return [], [LineError(0, f"cannot read {path}: {exc.strerror}")]
    return parse(text, os.path.dirname(os.path.abspath(path)))
