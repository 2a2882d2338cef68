"""The launcher command of a pool's workers: which of the app's files they may not open, and
whether they get a network of their own (``app.scripting.isolation``); every worker dies
with the app through it (``app.scripting.lifeline``).

Workers that share the app's user (the app does not run as root) could
otherwise read whatever it can: the instance folder (``df.sqlite``,
``jwt_secret``), the storage folder (every file service, SQLite service
databases). ``confine.py`` hides them with Linux Landlock before the worker
program starts; as root, where workers run as another user, it is a second
wall behind the permission bits.

A kernel without Landlock (before 5.13, or with it left out of ``lsm=``) is
reported in the log once per process and workers then start without it. A
hidden path that holds what the workers themselves run (the interpreter, the
worker program, its packages) is not hidden, with a warning: it would stop
every worker from starting.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

from app.scripting.launcher import confine
from app.scripting.process import Identity, accessible_to

logger = logging.getLogger(__name__)

CONFINE = Path(confine.__file__).resolve()

_warned: set[str] = set()


def _warn_once(message: str) -> None:
    if message not in _warned:
        _warned.add(message)
        logger.warning(message)


def wrapper(
    hidden: tuple[str, ...],
    command: list[str],
    identity: Identity | None,
    network: bool = False,
) -> tuple[str, ...]:
    """The launcher to put before ``command`` so ``hidden`` stays out of reach.

    ``network``: the worker also gets a network of its own (``confine.py --net``) and,
    as root, becomes ``identity`` only after the launcher made it. With nothing to hide
    or cut off, the launcher is still there to make the worker die with the app
    (``app.scripting.lifeline``); only when no interpreter can run it is it left out
    (``()``), with a warning.
    """
    kept = _hideable(hidden, command, identity) if hidden else []
    options = [part for path in kept for part in ("--hide", path)]
    if network:
        options = ["--net", *options]
        if identity is not None:
            options = [*options, "--user", f"{identity.uid}:{identity.gid}"]
    try:
        python = _launcher_python(identity)
    except OSError as exc:
        if options:
            raise
        _warn_once(f"script workers will outlive an app process killed with SIGKILL: {exc}")
        return ()
    return (python, "-I", "-S", str(CONFINE), *options, "--")


def _hideable(hidden: tuple[str, ...], command: list[str], identity: Identity | None) -> list[str]:
    """The paths of ``hidden`` the launcher can hide: none without Landlock, and none that
    holds what the workers run."""
    if confine.abi() < 1:
        _warn_once(
            "script workers cannot be kept out of the app's folders: this kernel has no "
            "Landlock (Linux 5.13+ with landlock in lsm=); scripts can open "
            + ", ".join(hidden)
            + (" where the permissions let the script user" if identity else "")
        )
        return []
    python = _launcher_python(identity)
    needed = [
        os.path.realpath(arg) for arg in [*command, python, str(CONFINE)] if os.path.isabs(arg)
    ]
    kept = []
    for path in hidden:
        real = os.path.realpath(path)
        if any(confine.within(item, real) for item in needed):
            _warn_once(f"not hiding {path} from script workers: it holds what they run")
        else:
            kept.append(path)
    return kept


def _launcher_python(identity: Identity | None) -> str:
    """An interpreter the worker's user may run, for ``confine.py``; ``OSError`` if none."""
    if not accessible_to(str(CONFINE), identity, os.R_OK):
        raise OSError(f"the script user cannot read {CONFINE}")
    for candidate in (sys.executable, "/usr/bin/python3"):
        if candidate and os.path.exists(candidate) and accessible_to(candidate, identity):
            return candidate
    raise OSError("no Python interpreter the script user may run, for confine.py")
