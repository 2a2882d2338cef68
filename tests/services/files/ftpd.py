"""A real FTP server for the FTP file tests: pyftpdlib, started per test process.

``start_ftpd`` runs ``ftp_server.py`` in a process of its own, serving the
test process's temp folder (pytest's base temp dir) to a user with a fresh
password, on a loopback port the server picked itself. A test's container is
a folder under it, given to the service as its path from the FTP user's root
(``Ftpd.container``), and inspected by the test as a plain ``pathlib.Path``.

pyftpdlib is a test requirement (requirements-dev.txt): without it the tests
skip, except under ``CI=true``, where they fail.
"""

from __future__ import annotations

import importlib.util
import os
import secrets
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

SERVER = Path(__file__).with_name("ftp_server.py")
MISSING = "pyftpdlib is needed for the FTP file tests (requirements-dev.txt)"


@dataclass(frozen=True)
class Ftpd:
    process: subprocess.Popen
    port: int
    home: Path
    """The folder the server serves as ``/``."""
    username: str
    password: str

    def container(self, folder: Path) -> str:
        """``folder`` (under ``home``) as the FTP user sees it."""
        return "/" + folder.relative_to(self.home).as_posix()

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


def start_ftpd(home: Path) -> Ftpd:
    """pyftpdlib serving ``home`` (see the module docstring)."""
    if importlib.util.find_spec("pyftpdlib") is None:
        if os.environ.get("CI") == "true":
            raise AssertionError(MISSING)
        pytest.skip(MISSING)
    username, password = "dftest", secrets.token_urlsafe(16)
    process = subprocess.Popen(  # noqa: S603 - our own server script
        [sys.executable, str(SERVER), str(home), username, password],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    with process.stdout:  # the port is all it writes there
        line = process.stdout.readline()
    if not line.strip().isdigit():
        process.kill()
        raise AssertionError(f"the FTP server did not start: {line!r}")
    return Ftpd(process, int(line), home, username, password)
