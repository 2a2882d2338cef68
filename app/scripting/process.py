"""Script worker processes: starting one confined, and stopping it with all it started.

A worker is confined the same way whatever its language, by the parent:

- its own process group, and (when the app runs as root) an unprivileged user
  with no supplementary groups, so the process limit holds and files only
  root or the app's user can read (the instance folder, ``jwt_secret``) are
  out of reach. When the app does not run as root, workers share its user:
  the app process is then made non-dumpable (``protect_parent``) so they
  cannot read its environment or memory, and its folders are hidden from them
  either way (``app.scripting.hiding``);
- a clean environment (``PATH``, ``LANG``, ``HOME``/``TMPDIR`` = a private
  temporary folder that is also its working directory; nothing of the app's
  environment, so no ``DF_*`` secret or database URL) plus what the engine adds;
- resource limits, set by util-linux ``prlimit`` just before it runs the
  worker program (or with ``prlimit(2)`` by the parent when that tool is
  missing, before the worker is given any script): data segment (``RLIMIT_DATA``, which unlike an
  address-space limit lets V8 and the JVM reserve address space), CPU seconds
  over its whole life, processes, written file size, no core files;
- it dies with the app process, even one killed with SIGKILL: the wrapper
  asks the kernel for that (``app.scripting.lifeline``);
- its standard output and error go to a pipe the pool drains while a script
  runs (lines become the run's output); the protocol has its own pipe pair,
  whose worker ends are passed as the two last command-line arguments
  (``READ_FD WRITE_FD``).

Stopping freezes the worker and walks ``/proc`` for its process group and
descendants (stopping each as found, until no new one appears), then kills
them all with SIGKILL: a fork bomb or a ``setsid`` child cannot outrun it.
"""

from __future__ import annotations

import ctypes
import logging
import os
import pwd
import re
import resource
import shutil
import signal
import socket
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from app.scripting import lifeline
from app.scripting.launcher.confine import EGRESS_FD_VARIABLE

logger = logging.getLogger(__name__)

SAFE_PATH = "/usr/local/bin:/usr/bin:/bin"
"""``PATH`` of a worker."""

MAX_PROCESSES = 512
"""``RLIMIT_NPROC`` of a worker: the processes and threads its user may have, counted over
the whole machine (every worker of every app process, plus anything else of that user): a
fork bomb stops there, and so does any other fork or thread of that user until it is gone."""

MAX_FILE_MB = 64
"""``RLIMIT_FSIZE`` of a worker: MiB of the largest file it may write."""


@dataclass(frozen=True)
class Identity:
    """Who a worker runs as (only when the app itself runs as root)."""

    user: str
    uid: int
    gid: int


def identity_for(user: str | None) -> Identity | None:
    """The unprivileged identity for workers, or None when not root (workers run as the app).

    Raises ``LookupError`` when root and ``user`` is unset, unknown or root.
    """
    if os.geteuid() != 0:
        return None
    if not user:
        raise LookupError("running as root without DF_SCRIPT_USER: refusing to run scripts as root")
    numeric = re.fullmatch(r"(\d+)(?::(\d+))?", user.strip())
    if numeric:
        # A bare uid (``61000`` or ``61000:61000``) needs no account: a dedicated uid per
        # instance keeps its process limit apart from every other ``nobody`` process.
        uid = int(numeric.group(1))
        gid = int(numeric.group(2) or uid)
    else:
        try:
            entry = pwd.getpwnam(user)
        except KeyError:
            raise LookupError(f"the script user '{user}' does not exist") from None
        uid, gid = entry.pw_uid, entry.pw_gid
    if uid == 0 or gid == 0:
        raise LookupError(f"the script user '{user}' is root")
    return Identity(user, uid, gid)


def protect_parent() -> None:
    """Make this (the app's) process non-dumpable when workers run as our own user.

    Otherwise a script could read ``/proc/<app pid>/environ`` (``DF_JWT_SECRET``,
    database URLs) or attach to the app with ptrace. Not dumpable, those belong
    to root; the worker itself is dumpable again after its ``exec``.
    """
    try:
        if ctypes.CDLL(None, use_errno=True).prctl(4, 0, 0, 0, 0) != 0:  # PR_SET_DUMPABLE
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_DUMPABLE) failed")
    except (OSError, AttributeError) as exc:
        logger.warning("cannot hide the app's environment from script workers: %s", exc)


def accessible_to(path: str, identity: Identity | None, mode: int = os.R_OK | os.X_OK) -> bool:
    """Whether ``identity`` (None: this process) could open ``path`` with ``mode``.

    Checks the permission bits of every folder on the way, through symbolic links.
    """
    if identity is None:
        return os.access(path, mode)
    chain = [os.path.abspath(path), os.path.realpath(path)]
    for target in chain:
        folder = os.path.dirname(target)
        while True:
            if not _allows(folder, identity, os.X_OK):
                return False
            parent = os.path.dirname(folder)
            if parent == folder:
                break
            folder = parent
    return _allows(chain[-1], identity, mode)


def _allows(path: str, identity: Identity, mode: int) -> bool:
    try:
        info = os.stat(path)
    except OSError:
        return False
    if info.st_uid == identity.uid:
        bits = info.st_mode >> 6
    elif info.st_gid == identity.gid:
        bits = info.st_mode >> 3
    else:
        bits = info.st_mode
    wanted = (
        (4 if mode & os.R_OK else 0) | (2 if mode & os.W_OK else 0) | (1 if mode & os.X_OK else 0)
    )
    return bits & wanted == wanted


@dataclass(frozen=True)
class Limits:
    memory_mb: int
    """``RLIMIT_DATA`` in MiB (0: none)."""
    cpu_seconds: int
    """``RLIMIT_CPU`` over the worker's life (SIGXCPU at it, SIGKILL a second later)."""
    processes: int = MAX_PROCESSES
    file_mb: int = MAX_FILE_MB


class WorkerProcess:
    """One started worker: its process, the protocol fds and the output pipe."""

    channel: Any = None
    """The pool's ``Channel`` over this worker's pipes."""
    egress_channel: socket.socket | None = None
    """Where an isolated worker's launcher sends its egress listener (until taken)."""
    on_close: Callable[[], None] | None = None
    """Run once when the worker is stopped or forgotten (the pool stops serving its egress)."""

    def __init__(self, proc: subprocess.Popen, to_worker: int, from_worker: int, home: str):
        self.proc = proc
        self.pid = proc.pid
        self.to_worker = to_worker
        self.from_worker = from_worker
        assert proc.stdout is not None
        self.output = proc.stdout.fileno()
        self.home = home
        self.runs = 0
        self.closed = False

    @classmethod
    def start(
        cls,
        command: list[str],
        *,
        limits: Limits,
        identity: Identity | None,
        env: dict[str, str] | None = None,
        wrapper: tuple[str, ...] = (),
        isolated: bool = False,
    ) -> WorkerProcess:
        """Start ``command READ_FD WRITE_FD`` confined; raises ``OSError`` when it cannot.

        ``wrapper`` runs between ``prlimit`` and the command (``app.scripting.hiding``).
        ``isolated``: the wrapper gives the worker a network of its own (``--net``), so it
        starts as this process's user, switches to ``identity`` itself once the namespace
        is made, and hands back its egress listener (``take_egress_listener``).
        """
        home = tempfile.mkdtemp(prefix="df-script-")
        request_read, request_write = os.pipe()
        reply_read, reply_write = os.pipe()
        passed = [request_read, reply_write]
        ids = {}
        if identity is not None:
            os.chown(home, identity.uid, identity.gid)
            if not isolated:
                ids = {"user": identity.uid, "group": identity.gid, "extra_groups": []}
        environment = {"PATH": SAFE_PATH, "LANG": "C.UTF-8", "HOME": home, "TMPDIR": home}
        environment.update(env or {})
        egress_ours = None
        if isolated:
            egress_ours, egress_theirs = socket.socketpair()
            passed.append(egress_theirs.fileno())
            environment[EGRESS_FD_VARIABLE] = str(egress_theirs.fileno())
        if wrapper:
            environment[lifeline.PARENT_PID_VARIABLE] = str(os.getpid())
        launcher = _prlimit_command(limits)
        try:
            proc = lifeline.spawn(
                lambda: subprocess.Popen(  # noqa: S603 - our own worker program, no shell
                    [*launcher, *wrapper, *command, str(request_read), str(reply_write)],
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT,
                    pass_fds=tuple(passed),
                    cwd=home,
                    env=environment,
                    process_group=0,
                    **ids,
                )
            )
        except BaseException:
            for fd in (request_read, request_write, reply_read, reply_write):
                os.close(fd)
            if egress_ours is not None:
                egress_ours.close()
            shutil.rmtree(home, ignore_errors=True)
            raise
        finally:
            if "proc" in locals():
                os.close(request_read)
                os.close(reply_write)
            if isolated:
                egress_theirs.close()
        worker = cls(proc, request_write, reply_read, home)
        worker.egress_channel = egress_ours
        if not launcher:
            try:
                for kind, soft, hard in _limit_values(limits):
                    resource.prlimit(proc.pid, kind, (soft, hard))
            except OSError as exc:
                worker.stop()
                raise OSError(exc.errno, f"cannot limit the worker's resources: {exc}") from None
        for fd in (worker.to_worker, worker.from_worker, worker.output):
            os.set_blocking(fd, False)
        return worker

    def _close(self) -> None:
        self.closed = True
        if self.egress_channel is not None:
            self.egress_channel.close()
        if self.on_close is not None:
            self.on_close()

    def take_egress_listener(self, timeout: float) -> socket.socket:
        """The listening socket the launcher made in the worker's namespace (``OSError`` if
        none came within ``timeout`` seconds); the caller serves it (``app.scripting.egress``)."""
        channel = self.egress_channel
        if channel is None:
            raise OSError("this worker has no network of its own")
        self.egress_channel = None
        with channel:
            channel.settimeout(timeout)
            try:
                _, fds, _, _ = socket.recv_fds(channel, 16, 1)
            except TimeoutError:
                raise OSError("the worker's launcher sent no egress listener in time") from None
        if not fds:
            raise OSError("the worker's launcher ended before it sent its egress listener")
        return socket.socket(fileno=fds[0])

    def cpu_seconds(self) -> float:
        """CPU time the worker process itself has used (its descendants not included)."""
        try:
            with open(f"/proc/{self.pid}/stat", "rb") as stat:
                fields = stat.read().rsplit(b")", 1)[1].split()
        except (OSError, IndexError):
            return 0.0
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def exit_status(self) -> str | None:
        """How the worker ended (``exit code 1``, ``signal SIGKILL``), or None if it runs.

        Peeks without reaping (``WNOWAIT``), so the pid stays ours until ``stop``.
        """
        if self.proc.returncode is not None:
            code = self.proc.returncode
            return _describe(-code, True) if code < 0 else _describe(code, False)
        try:
            info = os.waitid(os.P_PID, self.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
        except ChildProcessError:
            return "exit code unknown"
        if info is None:
            return None
        return _describe(info.si_status, info.si_code != os.CLD_EXITED)

    def kill(self) -> None:
        """Kill the worker with everything it started (its pipes stay open: see ``stop``)."""
        if not self.closed:
            kill_tree(self.pid, alive=self.proc.returncode is None)

    def stop(self) -> None:
        """Kill the worker with everything it started, close its pipes and remove its folder.

        Only the thread that has the worker checked out (or holds it idle) may
        call this: once its fds are closed their numbers can be reused.
        """
        if self.closed:
            return
        self.kill()
        self._close()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:  # pragma: no cover - SIGKILL is not ignorable
            logger.error("script worker pid=%s did not die", self.pid)
        for fd in (self.to_worker, self.from_worker):
            _close(fd)
        if self.proc.stdout is not None:
            self.proc.stdout.close()
        shutil.rmtree(self.home, ignore_errors=True)

    def forget(self) -> None:
        """Drop a worker inherited through ``fork``: close our copies, touch no process."""
        self._close()
        for fd in (self.to_worker, self.from_worker):
            _close(fd)
        if self.proc.stdout is not None:
            self.proc.stdout.close()
        self.proc.returncode = -1  # not our child: nothing to wait for or warn about


def _describe(status: int, by_signal: bool) -> str:
    if not by_signal:
        return f"exit code {status}"
    try:
        return f"signal {signal.Signals(status).name}"
    except ValueError:
        return f"signal {status}"


def _close(fd: int) -> None:
    try:
        os.close(fd)
    except OSError:
        pass


_PRLIMIT_NAMES = {
    resource.RLIMIT_CPU: "cpu",
    resource.RLIMIT_NPROC: "nproc",
    resource.RLIMIT_FSIZE: "fsize",
    resource.RLIMIT_CORE: "core",
    resource.RLIMIT_DATA: "data",
}


def _limit_values(limits: Limits) -> list[tuple[int, int, int]]:
    """``(kind, soft, hard)`` for each limit, never above this process's own hard limits."""
    wanted = [
        (resource.RLIMIT_CPU, limits.cpu_seconds, limits.cpu_seconds + 1),
        (resource.RLIMIT_NPROC, limits.processes, limits.processes),
        (resource.RLIMIT_FSIZE, limits.file_mb << 20, limits.file_mb << 20),
        (resource.RLIMIT_CORE, 0, 0),
    ]
    if limits.memory_mb > 0:
        size = limits.memory_mb << 20
        wanted.append((resource.RLIMIT_DATA, size, size))
    values = []
    for kind, soft, hard in wanted:
        _, current_hard = resource.getrlimit(kind)
        if current_hard != resource.RLIM_INFINITY:
            hard = min(hard, current_hard)
            soft = min(soft, hard)
        values.append((kind, soft, hard))
    return values


def _prlimit_command(limits: Limits) -> list[str]:
    """util-linux ``prlimit`` setting the limits before it runs the worker ([] if missing).

    The worker sets them on itself, after the switch to the script user: a
    parent without ``CAP_SYS_RESOURCE`` (containers often drop it) cannot set
    another user's limits with ``prlimit(2)``.
    """
    path = shutil.which("prlimit", path=SAFE_PATH)
    if path is None:
        return []
    options = [
        f"--{_PRLIMIT_NAMES[kind]}={soft}:{hard}" for kind, soft, hard in _limit_values(limits)
    ]
    return [path, *options, "--"]


def _processes() -> list[tuple[int, int, int]]:
    """``(pid, parent pid, process group)`` of every process in ``/proc``."""
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as stat:
                fields = stat.read().rsplit(b")", 1)[1].split()
        except (OSError, IndexError):
            continue
        found.append((int(name), int(fields[1]), int(fields[2])))
    return found


def kill_tree(root: int, alive: bool = True) -> None:
    """SIGKILL ``root``, its process group and all its descendants.

    ``alive`` False: ``root`` was already reaped, so its pid may be someone
    else's now; only its group (whose id cannot be reused while it has
    members) and their descendants are killed.
    """
    victims = set()
    if alive:
        _signal(root, signal.SIGSTOP)
        victims.add(root)
    for _round in range(50):
        new = set()
        for pid, ppid, group in _processes():
            if pid not in victims and (ppid in victims or group == root):
                new.add(pid)
        if not new:
            break
        for pid in new:
            _signal(pid, signal.SIGSTOP)
        victims |= new
    try:
        os.killpg(root, signal.SIGKILL)
    except OSError:
        pass
    for pid in victims:
        _signal(pid, signal.SIGKILL)


def _signal(pid: int, sig: int) -> None:
    try:
        os.kill(pid, sig)
    except OSError:
        pass
