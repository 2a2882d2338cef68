"""The parent's end of one worker's pipes: protocol messages in and out, output collected.

Messages are single lines of JSON. Reading waits (``poll``) on the protocol
pipe and the worker's output pipe together until a whole line has arrived or
the run's deadline passes, so a script that prints a lot to its standard
output can never block on a full pipe while we wait for its answer. Writing is
non-blocking too and bounded by the same deadline.
"""

from __future__ import annotations

import json
import os
import select
import time
from typing import TYPE_CHECKING, Any

import orjson

from app.scripting.engine import ScriptError

if TYPE_CHECKING:
    from app.scripting.process import WorkerProcess

OUTPUT_LIMIT = 65536
"""Characters of script output kept per run; the rest is dropped with a note."""

MAX_MESSAGE_BYTES = 256 << 20
"""Largest protocol line accepted from a worker (its event or result), bytes."""

_READ_SIZE = 1 << 20


class WorkerGone(Exception):
    """The worker closed its pipe, died, or sent something that is not the protocol."""


class WorkerTimeout(Exception):
    """The deadline passed before the worker answered."""


class Channel:
    """Protocol I/O with one worker; used by one thread at a time (the one that checked it out)."""

    def __init__(self, worker: WorkerProcess) -> None:
        self.worker = worker
        self.buffer = bytearray()
        self.scanned = 0
        self.poller = select.poll()
        self.poller.register(worker.from_worker, select.POLLIN)
        self.poller.register(worker.output, select.POLLIN)
        self.output_open = True
        self.partial = bytearray()
        self.lines: list[str] = []
        self.size = 0
        self.dropped = False

    # -- output -----------------------------------------------------------------

    def begin(self) -> None:
        """Start a run: whatever output is left from before belongs to no one."""
        self.drain_output()
        self.partial.clear()
        self.lines, self.size, self.dropped = [], 0, False

    def drain_output(self) -> None:
        """Collect what the worker has written to its output pipe so far."""
        while self.output_open:
            try:
                chunk = os.read(self.worker.output, _READ_SIZE)
            except BlockingIOError:
                return
            except OSError:
                chunk = b""
            self._collect(chunk)

    def output_lines(self) -> list[str]:
        """The run's output-pipe lines (a last unfinished line included)."""
        lines = list(self.lines)
        if self.partial:
            lines.append(self.partial.decode("utf-8", "replace"))
        if self.dropped:
            lines.append(f"[output truncated after {OUTPUT_LIMIT} characters]")
        return lines

    def _collect(self, chunk: bytes) -> None:
        if not chunk:
            self.output_open = False
            self.poller.unregister(self.worker.output)
            return
        if self.dropped:
            return
        self.partial += chunk
        *complete, rest = self.partial.split(b"\n")
        self.partial = bytearray(rest)
        for raw in complete:
            line = raw.decode("utf-8", "replace")
            if self.size + len(line) > OUTPUT_LIMIT:
                self.dropped = True
                self.partial.clear()
                return
            self.lines.append(line)
            self.size += len(line)
        if len(self.partial) > OUTPUT_LIMIT:
            self.dropped = True
            self.partial.clear()

    # -- protocol ---------------------------------------------------------------

    def send(self, message: dict[str, Any], deadline: float) -> None:
        """Write one message, waiting (up to ``deadline``) while the pipe is full."""
        view = memoryview(encode(message) + b"\n")
        fd = self.worker.to_worker
        while view:
            try:
                view = view[os.write(fd, view) :]
                continue
            except BlockingIOError:
                pass
            except (BrokenPipeError, OSError) as exc:
                raise WorkerGone(f"cannot write to the worker: {exc.strerror}") from None
            # wait for room, draining output in case the worker is blocked writing it
            waiting = select.poll()
            waiting.register(fd, select.POLLOUT)
            if self.output_open:
                waiting.register(self.worker.output, select.POLLIN)
            waiting.poll(self._remaining(deadline))
            self.drain_output()

    def receive(self, deadline: float) -> dict[str, Any]:
        """The next message, collecting output meanwhile; raises on EOF or past ``deadline``."""
        while True:
            newline = self.buffer.find(b"\n", self.scanned)
            if newline >= 0:
                line = bytes(self.buffer[:newline])
                del self.buffer[: newline + 1]
                self.scanned = 0
                return decode(line)
            self.scanned = len(self.buffer)
            if self.scanned > MAX_MESSAGE_BYTES:
                raise WorkerGone(f"a message larger than {MAX_MESSAGE_BYTES >> 20} MiB")
            for fd, _event in self.poller.poll(self._remaining(deadline)):
                if fd == self.worker.output:
                    self.drain_output()
                    continue
                try:
                    chunk = os.read(fd, _READ_SIZE)
                except BlockingIOError:
                    continue
                except OSError as exc:
                    raise WorkerGone(f"cannot read from the worker: {exc.strerror}") from None
                if not chunk:
                    raise WorkerGone("the worker closed its pipe")
                self.buffer += chunk

    @staticmethod
    def _remaining(deadline: float) -> int:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise WorkerTimeout
        return max(1, int(remaining * 1000))


def encode(message: dict[str, Any]) -> bytes:
    """One message as compact JSON; values JSON cannot hold become text."""
    try:
        return orjson.dumps(message, default=_plain)
    except TypeError:  # orjson.JSONEncodeError: integers beyond 64 bits, non-str keys
        return json.dumps(message, default=_plain).encode()


def decode(line: bytes) -> dict[str, Any]:
    try:
        message = orjson.loads(line)
    except orjson.JSONDecodeError:
        try:
            message = json.loads(line)  # big integers, NaN: valid Python JSON, not strict JSON
        except ValueError:
            raise WorkerGone("a message that is not JSON") from None
    if not isinstance(message, dict):
        raise WorkerGone("a message that is not a JSON object")
    return message


def _plain(value: Any) -> Any:
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).decode("utf-8", "replace")
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    return str(value)


def cap_output(lines: list[str]) -> list[str]:
    """``lines`` cut to ``OUTPUT_LIMIT`` characters in all, with a note when cut."""
    kept, size = [], 0
    for line in lines:
        if size + len(line) > OUTPUT_LIMIT:
            kept.append(f"[output truncated after {OUTPUT_LIMIT} characters]")
            return kept
        kept.append(line)
        size += len(line)
    return kept


def api_error(status: int, error: dict[str, Any]) -> dict[str, Any]:
    """An ``api_result`` result carrying an error envelope."""
    return {
        "status_code": status,
        "content": {"error": error},
        "content_type": "application/json",
        "headers": {},
    }


def script_error(error: Any) -> ScriptError | None:
    """The worker's ``error`` object as a ``ScriptError`` (defensively typed)."""
    if not error:
        return None
    if not isinstance(error, dict):
        return ScriptError(500, str(error)[:2000])
    status = error.get("status_code")
    if not isinstance(status, int) or isinstance(status, bool) or not 100 <= status <= 599:
        status = 500
    code = error.get("code")
    if not isinstance(code, int) or isinstance(code, bool):
        code = None
    message = error.get("message")
    return ScriptError(
        status_code=status,
        message=str(message) if message not in (None, "") else "Script error.",
        code=code,
        context=error.get("context"),
        cls=str(error.get("class") or "InternalServerErrorException"),
    )
