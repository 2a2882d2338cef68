"""The Debian packages ``scripts/serve`` and ``scripts/test`` install (``scripts/lib.sh``).

The functions run in bash for real, with two stand-ins for the outside world:
``is_root`` and ``package_installed`` are redefined after ``lib.sh`` is sourced,
and ``apt-get`` is a stub on ``PATH`` that records its arguments (and can claim
a lock is held), so nothing is ever installed.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from app.scripting.engines import ENGINES
from app.scripting.engines.executable import ExecutableEngine

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ["php-cli", "php-curl", "nodejs"]

APT_STUB = """#!/bin/sh
echo "$*" >>"$APT_LOG"
count=$(grep -c . "$APT_LOG")
if [ "$count" -le "${LOCKED_CALLS:-0}" ]; then
    echo "E: Could not get lock /var/lib/apt/lists/lock. It is held by process 1 (apt-get)" >&2
    echo "E: Unable to lock directory /var/lib/apt/lists/" >&2
    exit 100
fi
if [ -n "$APT_FAILS" ]; then
    echo "E: $APT_FAILS" >&2
    exit 100
fi
"""


def bash(script: str, tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    """``script`` after ``scripts/lib.sh``, with the ``apt-get`` stub first on ``PATH``."""
    stub = tmp_path / "bin" / "apt-get"
    stub.parent.mkdir(exist_ok=True)
    stub.write_text(APT_STUB)
    stub.chmod(0o755)
    environ = {
        **os.environ,
        "PATH": f"{stub.parent}:{os.environ['PATH']}",
        "APT_LOG": str(tmp_path / "apt.log"),
        **env,
    }
    return subprocess.run(
        ["bash", "-c", f"set -euo pipefail; . scripts/lib.sh; APT_LOCK_POLL=0\n{script}"],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
    )


def apt_calls(tmp_path: Path) -> list[str]:
    log = tmp_path / "apt.log"
    return log.read_text().splitlines() if log.exists() else []


def verb(call: str) -> str:
    """``update`` or ``install``: what an ``apt-get -o X=Y ...`` call does."""
    return call.split()[2]


def test_the_feature_packages_are_those_of_the_engines_that_run_a_program(tmp_path):
    listed = bash('printf "%s\\n" "${FEATURE_PACKAGES[@]}"', tmp_path).stdout.splitlines()
    assert [entry.split()[0] for entry in listed] == PACKAGES
    programs = {name for name, engine in ENGINES.items() if isinstance(engine, ExecutableEngine)}
    assert {entry.split()[1] for entry in listed} == programs == {"php", "nodejs"}
    assert bash("feature_packages", tmp_path).stdout.split() == PACKAGES


def test_serve_and_test_take_the_list_from_lib_sh():
    serve = (ROOT / "scripts" / "serve").read_text()
    suite = (ROOT / "scripts" / "test").read_text()
    assert "\nensure_feature_packages\n" in serve
    assert "$(feature_packages)" in suite
    for package in PACKAGES:
        assert package not in serve
        assert package not in suite.split("TEST_PACKAGES=", 1)[1]


def test_without_root_serve_says_once_what_is_off_and_how_to_turn_it_on(tmp_path):
    result = bash(
        'is_root() { false; }; package_installed() { [ "$1" = php-cli ]; }\n'
        "ensure_feature_packages; echo serving",
        tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "serving\n"
    assert result.stderr.splitlines() == [
        "==> off until their Debian packages are installed: curl in PHP scripts, Node.js scripts",
        "==> to turn them on: sudo apt-get install php-curl nodejs,"
        " then start ./scripts/serve again",
    ]
    assert apt_calls(tmp_path) == []


def test_nothing_is_said_or_installed_when_everything_is_there(tmp_path):
    result = bash(
        "is_root() { true; }; package_installed() { true; }\nensure_feature_packages", tmp_path
    )
    assert (result.returncode, result.stderr) == (0, "")
    assert apt_calls(tmp_path) == []


def test_as_root_serve_installs_the_missing_ones_waiting_for_the_apt_lock(tmp_path):
    result = bash(
        'is_root() { true; }; package_installed() { [ "$1" = php-cli ]; }\nensure_feature_packages',
        tmp_path,
        LOCKED_CALLS="2",
    )
    assert result.returncode == 0, result.stderr
    calls = apt_calls(tmp_path)
    assert [verb(call) for call in calls[:3]] == ["update"] * 3, calls
    assert calls[3].endswith("install -y -qq --no-install-recommends php-curl nodejs"), calls
    assert all(call.startswith("-o DPkg::Lock::Timeout=") for call in calls), calls
    assert result.stderr.count("waiting for another apt or dpkg to finish") == 1
    assert "Could not get lock" not in result.stderr.split("waiting", 1)[1].split("\n", 1)[1]


def test_apt_gives_up_on_a_lock_after_the_wait_and_serve_goes_on(tmp_path):
    result = bash(
        "is_root() { true; }; package_installed() { false; }; APT_LOCK_WAIT=1\n"
        "ensure_feature_packages; echo serving",
        tmp_path,
        LOCKED_CALLS="1000",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "serving\n"
    assert "Could not get lock" in result.stderr
    assert (
        "==> to turn them on: apt-get install php-cli php-curl nodejs, "
        "then start ./scripts/serve again"
    ) in result.stderr
    assert {verb(call) for call in apt_calls(tmp_path)} == {"update"}


@pytest.mark.parametrize("root", [True, False])
def test_the_suite_cannot_go_on_without_its_packages(tmp_path, root):
    result = bash(
        f"is_root() {{ {str(root).lower()}; }}; package_installed() {{ false; }}\n"
        "ensure_packages chromium $(feature_packages); echo ran",
        tmp_path,
        APT_FAILS="Unable to locate package chromium",
    )
    assert result.returncode == 1
    assert "ran" not in result.stdout
    if root:
        assert len(apt_calls(tmp_path)) == 1  # not a lock: no second try
        assert "could not install the Debian packages: chromium php-cli php-curl nodejs" in (
            result.stderr
        )
    else:
        assert apt_calls(tmp_path) == []
        assert "missing Debian packages: chromium php-cli php-curl nodejs" in result.stderr
