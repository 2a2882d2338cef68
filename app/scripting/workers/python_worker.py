"""The program a warm Python script worker runs.

    python -I -S python_worker.py [--site DIR]... [--abi X.Y] READ_FD WRITE_FD

Started by ``app.scripting.pool`` (``-I -S``: no environment, user site or
script folder on ``sys.path``); speaks the newline-delimited JSON protocol of
``app.scripting.engine`` on the two inherited file descriptors: it says
``ready``, then for each ``run`` sends zero or more ``api`` calls (each
answered by ``api_result``) and one ``done``. Scripts run one at a time in this
process, each with fresh globals (the ``event``/``platform`` objects of
``dreamfactory.objects`` and DreamFactory's exception classes); modules they
import stay imported, as in any Python server.

``--site`` folders (the app's installed packages) are added to ``sys.path``
only when ``--abi`` names this interpreter's version, so compiled packages are
never loaded into the wrong Python. ``pylib`` beside this file comes first:
scripts can ``from dreamfactory.exceptions import NotFoundException``.

After a run, ``done`` carries ``"recycle": true`` when this worker should not
serve again: the script ran out of memory, or left threads or processes
behind. A forked copy of this process (a script calling ``os.fork``) never
speaks the protocol: it exits when the script's code returns to us.
"""

from __future__ import annotations

import os
import sys

OUTPUT_LIMIT = 65536
"""Characters of printed output kept per run; the rest is dropped with a note."""

MAIN_PID = os.getpid()


def _prepare(argv: list[str]) -> tuple[int, int]:
    """Put pylib and the installed packages on ``sys.path``; the protocol fds."""
    import site  # noqa: PLC0415 - worker start-up only: the path is set up before anything else loads

    here = os.path.dirname(os.path.abspath(__file__))
    sys.path.insert(0, os.path.join(here, "pylib"))
    sites: list[str] = []
    abi = None
    args = list(argv)
    while len(args) > 2:
        option = args.pop(0)
        value = args.pop(0) if len(args) > 2 else ""
        if option == "--site":
            sites.append(value)
        elif option == "--abi":
            abi = value
    if abi == "{}.{}".format(*sys.version_info[:2]):
        for folder in sites:
            site.addsitedir(folder)
    read_fd, write_fd = int(args[0]), int(args[1])
    os.set_inheritable(read_fd, False)
    os.set_inheritable(write_fd, False)
    return read_fd, write_fd


def _become_subreaper() -> None:
    """Adopt orphaned descendants, so the pool can find every process a script left."""
    try:
        import ctypes  # noqa: PLC0415 - Linux's prctl; optional: without it the pool reaps what it finds

        ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError, ImportError):
        pass


def main() -> int:
    read_fd, write_fd = _prepare(sys.argv[1:])
    _become_subreaper()
    runner = Runner(read_fd, write_fd)
    runner.serve()
    return 0


class Runner:
    """The protocol loop and everything one run needs."""

    def __init__(self, read_fd: int, write_fd: int) -> None:
        import builtins  # noqa: PLC0415 - after _prepare: nothing loads before the path is set up
        import json  # noqa: PLC0415 - after _prepare, as every import of the worker

        from dreamfactory import exceptions, objects  # noqa: PLC0415 - pylib, on the path only after _prepare
        from dreamfactory.compiler import (  # noqa: PLC0415 - pylib, on the path only after _prepare
            ScriptSyntaxError,
            compile_script,
            filename_for,
        )

        try:
            import orjson  # noqa: PLC0415 - optional: from the app's packages when --site gave them
        except ImportError:  # the app's packages are not on this interpreter's path
            orjson = None
        self.json, self.orjson, self.objects, self.exceptions = json, orjson, objects, exceptions
        self.compile_script, self.filename_for = compile_script, filename_for
        self.ScriptSyntaxError = ScriptSyntaxError
        self.reader = os.fdopen(read_fd, "rb", buffering=1 << 16)
        self.write_fd = write_fd
        self.home = os.getcwd()
        self.base_namespace = {
            "__builtins__": builtins,
            "__name__": "__script__",
            "json": json,
            "munchify": objects.munchify,
            "bunchify": objects.bunchify,
            **{name: getattr(exceptions, name) for name in exceptions.__all__},
        }

    # -- protocol ---------------------------------------------------------------

    def send(self, message: dict) -> None:
        view = memoryview(self.dumps(message) + b"\n")
        while view:
            view = view[os.write(self.write_fd, view) :]

    def receive(self) -> dict | None:
        line = self.reader.readline()
        if not line:
            return None
        return self.json.loads(line, object_pairs_hook=self.objects.DotDict)

    def dumps(self, value: object) -> bytes:
        if self.orjson is not None:
            try:
                return self.orjson.dumps(value, default=_jsonable)
            except TypeError:  # orjson.JSONEncodeError: big ints, odd keys; json copes
                pass
        return self.json.dumps(value, default=_jsonable).encode()

    def serve(self) -> None:
        self.send(
            {
                "op": "ready",
                "pid": os.getpid(),
                "language": "python",
                "version": "{}.{}.{}".format(*sys.version_info[:3]),
            }
        )
        while True:
            message = self.receive()
            if message is None:
                return
            if message.get("op") == "run":
                reply = self.run(message)
                if os.getpid() != MAIN_PID:
                    os._exit(0)
                self.send_done(reply, str(message.get("name") or "script"))

    # -- one run ----------------------------------------------------------------

    def run(self, message: dict) -> dict:
        run_id = message.get("id")
        name = str(message.get("name") or "script")
        event = message.get("event")
        if not isinstance(event, dict):
            event = self.objects.DotDict()
        platform = self.objects.DotDict(message.get("platform") or {})
        platform["api"] = PlatformApi(self, run_id)
        output = Output(OUTPUT_LIMIT)
        value, error, out_of_memory = None, None, False
        saved = sys.stdout, sys.stderr
        sys.stdout = sys.stderr = output
        try:
            namespace = dict(self.base_namespace)
            function = self.compile_script(name, str(message.get("script") or ""), namespace)
            value = function(event, platform)
        except self.ScriptSyntaxError as exc:
            where = f" at line {exc.line}" if exc.line else ""
            error = _error(
                500, f"Script '{name}' has a syntax error{where}: {exc.message}", "SyntaxError"
            )
        except MemoryError:
            out_of_memory = True  # build nothing here: the frames still hold the memory
        except SystemExit as exc:
            if exc.code not in (None, 0):
                error = _error(500, f"Script '{name}' exited with status {exc.code}.", "SystemExit")
        except BaseException as exc:  # noqa: BLE001 - every script fault becomes an error reply
            error = self.describe(exc, name)
        finally:
            sys.stdout, sys.stderr = saved
        if out_of_memory:
            value = None
            error = _error(500, f"Script '{name}' ran out of memory.", "MemoryLimit")
        return {
            "op": "done",
            "id": run_id,
            "event": event,
            "value": value,
            "output": output.lines(),
            "error": error,
            "recycle": out_of_memory,
        }

    def send_done(self, reply: dict, name: str) -> None:
        reply["recycle"] = bool(reply["recycle"] or self.leftovers())
        try:
            data = self.dumps(reply)
        except (TypeError, ValueError, RecursionError, MemoryError) as exc:
            message = f"Script '{name}' left a value in its event or result that is not JSON: {exc}"
            reply.update(event=None, value=None, error=_error(500, message, "TypeError"))
            data = self.dumps(reply)
        view = memoryview(data + b"\n")
        while view:
            view = view[os.write(self.write_fd, view) :]

    def describe(self, exc: BaseException, name: str) -> dict:
        exceptions = self.exceptions
        if isinstance(exc, exceptions.DfException):
            return _error(exc.status_code, exc.message, type(exc).__name__, exc.code, exc.context)
        text = str(exc)
        if type(exc) is Exception and text:
            return _error(500, text, "Exception")
        message = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
        line = _script_line(exc.__traceback__, self.filename_for(name))
        if line:
            message += f" (line {line})"
        return _error(500, message, type(exc).__name__)

    def leftovers(self) -> bool:
        """Whether the script left threads or child processes (reaping finished children)."""
        threading = sys.modules.get("threading")
        if threading is not None and threading.active_count() > 1:
            return True
        while True:
            try:
                pid, _status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                return True
        try:
            if os.getcwd() != self.home:
                os.chdir(self.home)
        except OSError:
            return True
        return False


class PlatformApi:
    """``platform.api``: calls the app's services through the parent, synchronously."""

    def __init__(self, runner: Runner, run_id: object) -> None:
        self._runner = runner
        self._run_id = run_id
        self._calls = 0

    def call(self, method: str, path: str, payload: object = None, options: object = None):
        if os.getpid() != MAIN_PID:
            raise RuntimeError("platform.api cannot be used from a forked process")
        self._calls += 1
        call = self._calls
        self._runner.send(
            {
                "op": "api",
                "id": self._run_id,
                "call": call,
                "method": str(method).upper(),
                "path": str(path),
                "payload": payload,
                "options": options if isinstance(options, dict) else {},
            }
        )
        while True:
            reply = self._runner.receive()
            if reply is None:
                os._exit(0)  # the app is gone
            if reply.get("op") == "api_result" and reply.get("call") == call:
                return self._runner.objects.ApiResult(reply.get("result") or {})

    def get(self, path: str, payload: object = None, options: object = None):
        return self.call("GET", path, payload, options)

    def post(self, path: str, payload: object = None, options: object = None):
        return self.call("POST", path, payload, options)

    def put(self, path: str, payload: object = None, options: object = None):
        return self.call("PUT", path, payload, options)

    def patch(self, path: str, payload: object = None, options: object = None):
        return self.call("PATCH", path, payload, options)

    def delete(self, path: str, payload: object = None, options: object = None):
        return self.call("DELETE", path, payload, options)

    def __getitem__(self, verb: str):
        """``platform['api']['get']`` as well as ``platform.api.get``."""
        if verb in ("call", "get", "post", "put", "patch", "delete"):
            return getattr(self, verb)
        raise KeyError(verb)


class Output:
    """``sys.stdout``/``sys.stderr`` during a run: keeps the first ``limit`` characters."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.parts: list[str] = []
        self.size = 0
        self.dropped = False

    def write(self, text: str) -> int:
        if not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        room = self.limit - self.size
        if len(text) > room:
            self.dropped = True
            text = text[: max(room, 0)]
        self.parts.append(text)
        self.size += len(text)
        return len(text)

    def writelines(self, lines) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False

    def lines(self) -> list[str]:
        lines = "".join(self.parts).splitlines()
        if self.dropped:
            lines.append(f"[output truncated after {self.limit} characters]")
        return lines


def _error(status, message, cls, code=None, context=None) -> dict:
    return {
        "status_code": status,
        "message": message,
        "code": code,
        "context": context,
        "class": cls,
    }


def _script_line(traceback, filename: str) -> int | None:
    line = None
    while traceback is not None:
        if traceback.tb_frame.f_code.co_filename == filename:
            line = traceback.tb_lineno
        traceback = traceback.tb_next
    return line


def _jsonable(value: object) -> object:
    """JSON for the Python values scripts commonly leave in their results."""
    import datetime  # noqa: PLC0415 - only for results holding dates: most runs never need it
    import decimal  # noqa: PLC0415 - only for results holding decimals

    if isinstance(value, set | frozenset | tuple):
        return list(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).decode("utf-8", "replace")
    if isinstance(value, decimal.Decimal):
        return float(value) if value.is_finite() else str(value)
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    raise TypeError(f"a value of type {type(value).__name__!r} is not JSON")


if __name__ == "__main__":
    sys.exit(main())
