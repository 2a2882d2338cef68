"""Gunicorn settings for DreamFactory-py: ``gunicorn -c gunicorn.conf.py wsgi:app``.

Read by gunicorn's master when it starts (and again on SIGHUP); every value can
be overridden on the command line. Environment:

- ``DF_BIND``: address to listen on, default ``127.0.0.1:8080`` (nginx in front).
- ``DF_WORKERS``: worker processes, default 2 × cores + 1 (at least 2).
- ``DF_THREADS``: threads per worker (``gthread``), default 4.
- ``DF_FORWARDED_ALLOW_IPS``: peers whose ``X-Forwarded-*`` headers are believed,
  default ``127.0.0.1,::1`` (the app reads the same variable).

The application is deliberately *not* preloaded: each worker imports and builds
the app after the fork, so anything a worker opens (database pools, script
runners) belongs to that worker alone.

A worker whose master dies (``kill -9``, OOM killer) quits at once: the kernel
sends it SIGQUIT (``PR_SET_PDEATHSIG``), it closes its copy of the listening
socket right away, so a new master can bind the port and no request reaches an
orphan, and it gives its running requests ``ORPHAN_GRACE`` seconds. Without
this, gunicorn's ``gthread`` worker noticed the dead parent only in its loop and
then stopped gracefully, holding the port for up to ``graceful_timeout`` while
open connections (nginx's silent ones included) ran out. ``reuse_port`` is left
off on purpose: with it gunicorn gives each worker its own listening socket, and
a worker that stops gracefully (``max_requests``, reload) keeps its socket while
it finishes, so the kernel keeps handing it connections that it never accepts.

Logs go to stdout/stderr for systemd's journal. Secrets a client may put in a
URL (``?api_key=``, ``?session_token=``...) or in headers are replaced by
``[redacted]`` before any line is written: in the access log value by value, in
the error log and the app's own log records over the whole message.
"""

from __future__ import annotations

import ctypes
import logging
import os
import re
import signal
import sys
from urllib.parse import unquote_plus

from gunicorn import glogging


def _int_env(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


bind = os.environ.get("DF_BIND", "127.0.0.1:8080")
workers = max(2, _int_env("DF_WORKERS", 2 * _cores() + 1))
worker_class = "gthread"
threads = max(1, _int_env("DF_THREADS", 4))
preload_app = False
"""Never preload: workers must build the app (and later script runners) after fork."""


PR_SET_PDEATHSIG = 1
"""prctl(2) option: the signal the kernel sends a process when its parent dies."""

ORPHAN_GRACE = 5
"""Seconds a worker whose master died gives its running requests before it is killed."""


def _quit_with_master(worker) -> None:
    """Have the kernel send this worker SIGQUIT (gunicorn's "quit now") when the master dies."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(PR_SET_PDEATHSIG, signal.SIGQUIT, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
    except (OSError, AttributeError) as exc:  # not Linux: gunicorn's own check, once a second
        worker.log.warning("worker %s may outlive its master by seconds: %s", worker.pid, exc)


def post_fork(server, worker):
    """Script worker pools belong to the process that started them: a gunicorn worker
    forgets any it inherited (only possible if the master ran scripts) and starts its own.
    The worker also asks to be told at once when its master dies."""
    pool = sys.modules.get("app.scripting.pool")
    if pool is not None:
        pool.forget_inherited_pools()
    _quit_with_master(worker)


def post_worker_init(worker):
    """Ask again (gunicorn's ``user``/``group`` settings reset the request when they switch
    the worker's credentials), and quit if the master died while the app was loading."""
    _quit_with_master(worker)
    if os.getppid() != worker.ppid:
        os.kill(os.getpid(), signal.SIGQUIT)


def worker_int(worker):
    """The worker quits now (SIGINT, SIGQUIT, or its master died): it closes its listening
    sockets at once, so the port is free and takes no more connections while running
    requests finish. An orphan, which no master will kill, is killed after ``ORPHAN_GRACE``."""
    for listener in worker.sockets:
        listener.close()
    if os.getppid() != worker.ppid:
        worker.log.warning(
            "master %s is gone: worker %s exits within %ss", worker.ppid, worker.pid, ORPHAN_GRACE
        )
        signal.signal(signal.SIGALRM, signal.SIG_DFL)
        signal.alarm(ORPHAN_GRACE)


timeout = 120
"""Seconds a worker may stay silent (one request running) before it is restarted."""

graceful_timeout = 30
"""Seconds running requests get to finish after SIGTERM."""

keepalive = 5
"""Seconds an idle keep-alive connection (from nginx) stays open."""

max_requests = 10000
max_requests_jitter = 1000
"""Recycle workers now and then (jittered so they do not all restart at once)."""

forwarded_allow_ips = os.environ.get("DF_FORWARDED_ALLOW_IPS", "").strip() or "127.0.0.1,::1"
"""Trust X-Forwarded-Proto only from the local nginx (or ``DF_FORWARDED_ALLOW_IPS``, the
peers the app itself trusts with every X-Forwarded-* header)."""

proc_name = "dreamfactory-py"
control_socket_disable = True
"""No ``gunicornc`` socket: its default path is per user, so two servers would share it;
systemd (or a shell) manages gunicorn with signals (HUP reload, TERM stop)."""

accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("DF_LOG_LEVEL", "info")
access_log_format = (
    '%(h)s "%({x-forwarded-for}i)s" %(t)s "%(r)s" %(s)s %(b)s %(M)sms "%(f)s" "%(a)s"'
)

SENSITIVE_PARAMS = frozenset(
    {
        "api_key",
        "session_token",
        "token",
        "jwt",
        "password",
        "old_password",
        "new_password",
        "secret",
        "code",
        "access_token",
        "refresh_token",
    }
)
"""Query parameter names (case-insensitive, after URL-decoding) whose values are never logged."""

SENSITIVE_HEADER_WORDS = ("authorization", "api-key", "api_key", "token", "cookie", "secret")
"""Request header / environ atoms containing one of these are logged as ``[redacted]``."""

REDACTED = "[redacted]"
_PARAM = re.compile(r"(?:^|(?<=[?&;]))([^=&;?#\s]+)=([^&;#\s]*)")


def redact(text: str) -> str:
    """``text`` with the value of every sensitive ``name=value`` query pair replaced."""

    def replace(match: re.Match[str]) -> str:
        name = unquote_plus(match.group(1)).strip().lower()
        return f"{match.group(1)}={REDACTED}" if name in SENSITIVE_PARAMS else match.group(0)

    if "=" not in text:
        return text
    return _PARAM.sub(replace, text)


class RedactSecrets(logging.Filter):
    """Rewrites each record's final message through :func:`redact`."""

    df_redacts = True

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        record.msg, record.args = redact(message), None
        return True


def _add_filter(log: logging.Logger | logging.Handler) -> None:
    if not any(getattr(f, "df_redacts", False) for f in log.filters):
        log.addFilter(RedactSecrets())


class SafeLogger(glogging.Logger):
    """Gunicorn's logger with secrets redacted; also gives the app's loggers a handler."""

    def setup(self, cfg):
        super().setup(cfg)
        _add_filter(self.error_log)  # the access log is redacted atom by atom instead
        app_log = logging.getLogger("app")
        if not any(getattr(h, "df_redacts", False) for h in app_log.handlers):
            handler = logging.StreamHandler(sys.stderr)
            handler.df_redacts = True  # type: ignore[attr-defined]
            handler.setFormatter(
                logging.Formatter(
                    "%(asctime)s [%(process)d] [%(levelname)s] %(name)s: %(message)s",
                    self.datefmt,
                )
            )
            _add_filter(handler)
            app_log.addHandler(handler)
        app_log.setLevel(self.loglevel)

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for key, value in atoms.items():
            if not isinstance(value, str):
                continue
            if key.startswith("{") and any(word in key for word in SENSITIVE_HEADER_WORDS):
                atoms[key] = REDACTED
            else:
                atoms[key] = redact(value)
        return atoms


logger_class = SafeLogger
