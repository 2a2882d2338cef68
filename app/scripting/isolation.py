"""Whether script workers can have a network of their own here, and what they are told of it.

The Python, Node.js and PHP engines run real interpreters that could open any
socket; their workers get an empty network namespace with one way out, the
app's guarded forward proxy (``app.scripting.launcher.netns``,
``app.scripting.egress``). V8js scripts have no network API and run as before.

Measured choice (Linux 6.18, see README "Scripting"): a network namespace per
worker, created by the launcher, costs a few milliseconds once per worker (not
per run) and cuts every route by address: loopback, the host's own addresses,
private, link-local and shared ranges, IPv4 and IPv6 alike, for the worker and
every process it starts. Landlock's TCP rules (ABI 4, Linux 6.7) can only name
ports, not addresses, so they serve as a second wall (connect to the egress
port only) rather than the first.

A namespace needs root, or an unprivileged user namespace where the kernel
allows one. Where neither works, those engines are unavailable, with the
reason, unless ``DF_SCRIPT_NETWORK_ISOLATION`` is false: then workers share
the host's network as DreamFactory's do (scripts can reach every service the
machine reaches; say so to whoever runs it).
"""

from __future__ import annotations

import logging
import subprocess
import sys
import threading

from app.scripting.hiding import CONFINE
from app.scripting.launcher.netns import EGRESS_ADDRESS

logger = logging.getLogger(__name__)

PROXY_URL = "http://{}:{}".format(*EGRESS_ADDRESS)

PROBE_TIMEOUT = 10.0

_probed: dict[str, str | None] = {}
_probe_lock = threading.Lock()


def unavailable_reason() -> str | None:
    """Why a worker cannot get a network of its own on this machine (None: it can).

    Asked of the launcher itself once per process (``confine.py --probe-net``).
    """
    with _probe_lock:
        if sys.executable not in _probed:
            reason = _probed[sys.executable] = _probe()
            if reason is not None:
                logger.warning("script workers cannot have a network of their own: %s", reason)
        return _probed[sys.executable]


def _probe() -> str | None:
    try:
        probe = subprocess.run(  # noqa: S603 - our own launcher, no shell
            [sys.executable, "-I", "-S", str(CONFINE), "--probe-net"],
            capture_output=True,
            timeout=PROBE_TIMEOUT,
            stdin=subprocess.DEVNULL,
            env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"},
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"the launcher could not be run: {exc}"
    if probe.returncode == 0:
        return None
    detail = probe.stderr.decode(errors="replace").strip().splitlines()
    return detail[-1] if detail else f"exit code {probe.returncode}"


def check(required: bool) -> bool:
    """Whether workers are to be isolated (``required``, ``DF_SCRIPT_NETWORK_ISOLATION``);
    ``LookupError`` when they must be and cannot be (the engine is then listed unavailable
    with the reason)."""
    if not required:
        return False
    reason = unavailable_reason()
    if reason is not None:
        raise LookupError(
            "script workers cannot be cut off from the host's network here "
            f"(no network namespace: {reason}); run as root, allow unprivileged user "
            "namespaces, or set DF_SCRIPT_NETWORK_ISOLATION=false to let scripts share "
            "the host's network"
        )
    return True


def proxy_environment() -> dict[str, str]:
    """What an isolated worker is told about its way out (libraries read these)."""
    return {
        "HTTP_PROXY": PROXY_URL,
        "HTTPS_PROXY": PROXY_URL,
        "http_proxy": PROXY_URL,
        "https_proxy": PROXY_URL,
        "NO_PROXY": "",
        "no_proxy": "",
        "NODE_USE_ENV_PROXY": "1",
    }
