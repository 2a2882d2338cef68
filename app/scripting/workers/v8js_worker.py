"""The program a v8js worker process runs: JavaScript in QuickJS, a fresh context per run.

    python -I -S v8js_worker.py [--site DIR]... [--abi X.Y] [--memory-mb N] READ_FD WRITE_FD

Started by ``app.scripting.pool`` (``-I -S``: no environment, user site or
script folder on ``sys.path``; ``--site`` folders, the app's installed
packages, are added only when ``--abi`` names this interpreter's version). It
imports nothing from the app. It speaks the NDJSON protocol of
``app.scripting.engine`` on the two inherited fds: ``ready``, then for each
``run`` zero or more ``api`` calls (each answered by ``api_result``) and one
``done``. A run:

1. gets a new QuickJS runtime and context, bounded in heap and stack size,
   made and given the prelude (``v8js_prelude.js``: ``console``, ``print``,
   DreamFactory's exception classes, ``platform.api``) while the worker waited
   for the run, so parsing the prelude costs no request anything;
2. the run's ``event`` and ``platform`` become globals; the script is compiled
   as the body of ``async function (event, platform)`` and called; its
   promises run until none is left;
3. the outcome goes back as one ``done`` message and the context is dropped.

QuickJS has only its core language here: no module loader, no file, process,
network or environment access. ``platform.api`` is the one way out of a
context: a synchronous Python callback that sends an ``api`` message and waits
for the parent's answer. The heap limit turns a memory bomb into an ``out of
memory`` error (and the worker asks to be recycled), the stack limit deep
recursion into a RangeError. Time is bounded by the parent, which kills the
worker when a run overruns: QuickJS's own time limit cannot be combined with a
Python callback (bench/RESULTS.md, "v8js engine choice").
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path
from typing import Any

_quickjs: Any = None
orjson: Any = None
"""Imported by ``main`` once the package folders are on ``sys.path``."""

PRELUDE = Path(__file__).with_name("v8js_prelude.js").read_text(encoding="utf-8")
"""Evaluated in every run's context before the script."""

WRAP_HEAD = "(async function (event, platform) {"
WRAP_TAIL = "\n})"
"""The script becomes a function body; its first line stays line 1 for error messages."""

LOCATION = re.compile(r"\n\s+at .*?<input>:(\d+):(\d+)")


class Channel:
    """The protocol's pipe pair: one JSON message per line each way."""

    def __init__(self, read_fd: int, write_fd: int) -> None:
        self.reader = os.fdopen(read_fd, "rb", buffering=1 << 16)
        self.write_fd = write_fd

    def receive(self) -> dict[str, Any] | None:
        """The next message, or ``None`` when the parent closed the pipe."""
        line = self.reader.readline()
        if not line:
            return None
        return orjson.loads(line)

    def send(self, message: dict[str, Any]) -> None:
        data = orjson.dumps(message) + b"\n"
        view = memoryview(data)
        while view:
            written = os.write(self.write_fd, view)
            view = view[written:]


def _error(status: int, message: str, cls: str) -> dict[str, Any]:
    return {"status_code": status, "message": message, "code": None, "context": None, "class": cls}


def _syntax_error(text: str) -> dict[str, Any]:
    """A compile error as the script's author wants to read it: message, line and column."""
    first = text.split("\n", 1)[0]
    match = LOCATION.search(text)
    if match:
        line, column = int(match.group(1)), int(match.group(2))
        if line == 1:
            column = max(column - len(WRAP_HEAD), 1)
        first += f" (line {line}, column {column})"
    return _error(500, first, "SyntaxError")


def _engine_error(exc: Exception) -> dict[str, Any]:
    """An exception QuickJS raised into Python while the worker drove the run."""
    first = str(exc).split("\n", 1)[0]
    if "out of memory" in first:
        return _error(500, "out of memory", "MemoryLimit")
    if isinstance(exc, _quickjs.StackOverflow) or "stack size exceeded" in first:
        return _error(500, "RangeError: Maximum call stack size exceeded", "RangeError")
    return _error(500, f"Script failed: {first}", "Crash")


class Prepared:
    """A fresh context with the prelude evaluated, waiting for the next run."""

    def __init__(self, context: Any, control: Any) -> None:
        self.context = context
        self.control = control


class Runner:
    """Runs scripts in fresh QuickJS contexts with this worker's limits."""

    def __init__(
        self, channel: Channel, memory_bytes: int, stack_bytes: int, output_limit: int
    ) -> None:
        self.channel = channel
        self.memory_bytes = memory_bytes
        self.stack_bytes = stack_bytes
        self.output_limit = output_limit
        self.run_id: Any = None
        self.calls = 0

    def serve(self) -> None:
        """Answer ``run`` messages until the parent closes the pipe."""
        prepared = self.prepare()
        self.channel.send({"op": "ready", "pid": os.getpid(), "language": "javascript"})
        while True:
            message = self.channel.receive()
            if message is None:
                return
            if message.get("op") != "run":
                continue
            try:
                done = self.run(message, prepared)
                self.channel.send(done)
            except MemoryError:
                error = _error(500, self._memory_message(), "MemoryLimit")
                done = {"op": "done", "id": message.get("id"), "error": error, "recycle": True}
                self.channel.send(done)
            if done.get("recycle"):
                return
            prepared = self.prepare()

    def prepare(self) -> Prepared:
        context = _quickjs.Context()
        context.set_memory_limit(self.memory_bytes)
        context.set_max_stack_size(self.stack_bytes)
        context.add_callable("__df_api", self.api)
        factory = context.eval(PRELUDE)
        bridge = context.get("__df_api")
        context.eval("delete globalThis.__df_api")
        return Prepared(context, factory(bridge, self.output_limit))

    def run(self, message: dict[str, Any], prepared: Prepared) -> dict[str, Any]:
        """One script run in ``prepared`` → the ``done`` message."""
        self.run_id = message.get("id")
        self.calls = 0
        event = message.get("event")
        outcome: dict[str, Any] = {
            "event": event if isinstance(event, dict) else {},
            "value": None,
            "output": [],
            "error": None,
        }
        try:
            self._execute(prepared, message, outcome)
        finally:
            prepared.context = prepared.control = None
        error = outcome["error"]
        recycle = isinstance(error, dict) and error.get("class") == "MemoryLimit"
        if recycle:
            error["message"] = self._memory_message()
        return {"op": "done", "id": self.run_id, **outcome, "recycle": recycle}

    def _memory_message(self) -> str:
        return f"Script ran out of memory (limit {self.memory_bytes >> 20} MB)."

    def _execute(
        self, prepared: Prepared, message: dict[str, Any], outcome: dict[str, Any]
    ) -> None:
        context, control = prepared.context, prepared.control
        given = {"event": outcome["event"], "platform": message.get("platform")}
        try:
            control("init", orjson.dumps(given).decode())
        except _quickjs.JSException as exc:
            outcome["error"] = _engine_error(exc)
            return
        try:
            script = context.eval(WRAP_HEAD + str(message.get("script") or "") + WRAP_TAIL)
        except _quickjs.JSException as exc:
            outcome["error"] = _syntax_error(str(exc))
            return
        try:
            control("start", script)
            while context.execute_pending_job():
                pass
            text = control("finish")
        except _quickjs.JSException as exc:
            outcome["error"] = _engine_error(exc)
            return
        try:
            result = orjson.loads(text) if isinstance(text, str) else None
        except orjson.JSONDecodeError:
            result = None
        if not isinstance(result, dict):
            outcome["error"] = _error(500, "The script broke the runtime's result.", "Crash")
            return
        if isinstance(result.get("event"), dict):
            outcome["event"] = result["event"]
        outcome["value"] = result.get("value")
        outcome["output"] = [str(line) for line in result.get("output") or []]
        outcome["error"] = result.get("error")

    def api(self, method: Any, path: Any, payload: Any, options: Any) -> str:
        """The Python side of ``platform.api``: one ``api`` message, then wait for its answer.

        It must never raise (the binding cannot carry a Python exception back
        into JavaScript), so every failure is answered as ``{"error": ...}``,
        which the prelude throws as a RestException.
        """
        try:
            self.calls += 1
            self.channel.send(
                {
                    "op": "api",
                    "id": self.run_id,
                    "call": self.calls,
                    "method": str(method),
                    "path": str(path),
                    "payload": orjson.loads(payload) if isinstance(payload, str) else None,
                    "options": orjson.loads(options) if isinstance(options, str) else {},
                }
            )
            reply = self.channel.receive()
            if reply is None:
                raise EOFError("the parent closed the protocol pipe")
            if reply.get("op") != "api_result" or reply.get("call") != self.calls:
                raise ValueError(f"unexpected message {str(reply.get('op'))[:40]!r}")
            if reply.get("error"):
                return orjson.dumps({"error": reply["error"]}).decode()
            return orjson.dumps({"result": reply.get("result") or {}}).decode()
        except Exception as exc:  # never raise into QuickJS (see docstring)
            error = _error(500, f"platform.api call failed: {exc}", "InternalServerErrorException")
            return orjson.dumps({"error": error}).decode()


def stack_limit(wanted: int) -> int:
    """``wanted`` bytes of JavaScript stack, or less: at most half of this thread's C stack.

    QuickJS checks its limit against the C stack it runs on (about 1.6 KiB a
    JavaScript call: 4 MiB is some 2,500 nested calls), so the limit must stay
    well inside ``RLIMIT_STACK`` for deep recursion to end in a RangeError.
    """
    import resource  # noqa: PLC0415 - POSIX only, asked once at start-up

    soft, _hard = resource.getrlimit(resource.RLIMIT_STACK)
    if soft == resource.RLIM_INFINITY:
        return wanted
    return min(wanted, soft // 2)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("read_fd", type=int, help="protocol pipe it reads")
    parser.add_argument("write_fd", type=int, help="protocol pipe it writes")
    parser.add_argument("--site", action="append", default=[], help="a package folder")
    parser.add_argument("--abi", help="the Python version the package folders are for")
    parser.add_argument("--memory-mb", type=int, default=64, help="JavaScript heap limit")
    parser.add_argument("--stack-kb", type=int, default=4096, help="JavaScript stack limit")
    parser.add_argument("--output-limit", type=int, default=65536, help="output characters kept")
    args = parser.parse_args(argv)
    os.set_inheritable(args.read_fd, False)
    os.set_inheritable(args.write_fd, False)
    if args.abi == "{}.{}".format(*sys.version_info[:2]):
        import site  # noqa: PLC0415 - only when --site folders match this interpreter

        for folder in args.site:
            site.addsitedir(folder)
    global _quickjs, orjson
    import _quickjs  # noqa: PLC0415 - from the app's packages: on the path only after the --site folders
    import orjson  # noqa: PLC0415 - likewise from the app's packages

    runner = Runner(
        Channel(args.read_fd, args.write_fd),
        memory_bytes=args.memory_mb << 20,
        stack_bytes=stack_limit(args.stack_kb << 10),
        output_limit=args.output_limit,
    )
    runner.serve()
    return 0


if __name__ == "__main__":
    sys.exit(main())
