"""ruff's checks and formatting, as `make lint` runs them: the test command enforces them too."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT_PATHS = ("app", "tests", "bench", "gunicorn.conf.py", "wsgi.py")


def ruff(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 - the venv's ruff on our own files
        [sys.executable, "-m", "ruff", *args, *LINT_PATHS],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize("command", [("check",), ("format", "--check")], ids=["check", "format"])
def test_ruff_finds_nothing(command):
    result = ruff(*command)
    assert result.returncode == 0, result.stdout + result.stderr
