"""The two commands, for real: ``scripts/serve`` under gunicorn, ``scripts/test`` and CI.

The serve tests run the actual script with the repo's ``.venv`` (its install
step is skipped through the stamp ``scripts/test`` left there) on the defaults a
new user gets (embedded SQLite store, generated JWT secret), with the instance
folder and storage moved into a temp dir so the repo's own ``instance/`` is
never touched. Every server is stopped with SIGTERM to
its process group in a ``finally``. The README test fails as soon as someone
adds a setting without documenting it.
"""

from __future__ import annotations

import os
import re
import secrets
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parent.parent
START_DEADLINE = 180
"""Seconds a server gets to answer (setup, and pip when the stamp is stale)."""
REQUEST_TIMEOUT = 60
"""Seconds one request may take before the test gives up on it (the machine may be busy)."""

DERIVED = {
    "SQLALCHEMY_DATABASE_URI": "derived from SYSTEM_DATABASE_URL, which is the one to set",
    "TESTING": "set by the test suite only",
}
"""Config keys the code reads that are not settings a deployment makes."""

UNREAD = {
    "JSON_SORT_KEYS": "declared in Config, but Flask 3 no longer reads it",
}
"""Config keys declared but read by nothing: documenting them would promise a feature."""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _clean_env(**extra: str) -> dict[str, str]:
    """The environment minus any DF_*/pytest variables of the caller, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DF_", "PYTEST_", "FLASK_"))}
    env.update(extra)
    return env


@dataclass
class Server:
    process: subprocess.Popen
    base: str
    lines: list[str] = field(default_factory=list)

    @property
    def output(self) -> str:
        return "".join(self.lines)

    def url(self, path: str) -> str:
        return f"{self.base}/api/v2/{path}".rstrip("/")


@contextmanager
def serving(store: Path, **env: str) -> Iterator[Server]:
    """Run ``scripts/serve`` on a free port with its state in ``store``; stop it after."""
    port = _free_port()
    environ = _clean_env(
        DF_BIND=f"127.0.0.1:{port}",
        DF_WORKERS="2",
        DF_THREADS="2",
        DF_INSTANCE_PATH=str(store / "instance"),
        DF_STORAGE_PATH=str(store / "storage"),
        **env,
    )
    process = subprocess.Popen(
        [str(ROOT / "scripts" / "serve")],
        cwd=store,
        env=environ,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    server = Server(process, f"http://127.0.0.1:{port}")
    reader = threading.Thread(target=lambda: server.lines.extend(process.stdout), daemon=True)
    reader.start()
    try:
        _wait_until_up(server)
        yield server
    finally:
        _stop(process)
        reader.join(timeout=REQUEST_TIMEOUT)
        process.stdout.close()


def _wait_until_up(server: Server) -> None:
    deadline = time.monotonic() + START_DEADLINE
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            pytest.fail(f"scripts/serve exited {server.process.returncode}:\n{server.output}")
        try:
            if requests.get(server.url(""), timeout=10).status_code == 200:
                return
        except (requests.ConnectionError, requests.Timeout):  # still booting
            pass
        time.sleep(0.2)
    pytest.fail(f"scripts/serve did not answer within {START_DEADLINE}s:\n{server.output}")


def _stop(process: subprocess.Popen) -> None:
    """SIGTERM to the whole group (gunicorn and its workers); SIGKILL if it hangs."""
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=REQUEST_TIMEOUT)


def _credentials(output: str) -> tuple[str, str]:
    email = re.search(r"^\s*email:\s+(\S+)\s*$", output, re.M)
    password = re.search(r"^\s*password:\s+(\S+)\s*$", output, re.M)
    assert email and password, output
    return email.group(1), password.group(1)


def _login(server: Server, email: str, password: str) -> str:
    response = requests.post(
        server.url("system/admin/session"),
        json={"email": email, "password": password},
        timeout=REQUEST_TIMEOUT,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["email"] == email
    return body["session_token"]


def _assert_envelope(response: requests.Response, *statuses: int) -> None:
    assert response.status_code in statuses, response.text
    status = response.status_code
    assert response.headers["Content-Type"].startswith("application/json")
    error = response.json()["error"]
    assert list(error) == ["code", "context", "message", "status_code"], error
    assert error["status_code"] == status
    assert error["message"]


@pytest.mark.slow
def test_serve_generates_admin_and_serves_the_api(tmp_path):
    with serving(tmp_path) as server:
        listing = requests.get(server.url(""), timeout=REQUEST_TIMEOUT)
        assert listing.headers["Content-Type"].startswith("application/json")
        assert "service_types" in listing.json()

        email, password = _credentials(server.output)
        token = _login(server, email, password)
        headers = {"X-DreamFactory-Session-Token": token}

        created = requests.post(
            server.url("system/role"),
            json={"resource": [{"name": "quickstart", "description": "made by the test"}]},
            headers=headers,
            timeout=REQUEST_TIMEOUT,
        )
        assert created.status_code == 201, created.text
        role_id = created.json()["resource"][0]["id"]
        role = requests.get(
            server.url(f"system/role/{role_id}"), headers=headers, timeout=REQUEST_TIMEOUT
        )
        assert role.status_code == 200, role.text
        assert role.json()["name"] == "quickstart"
        deleted = requests.delete(
            server.url(f"system/role/{role_id}"), headers=headers, timeout=REQUEST_TIMEOUT
        )
        assert deleted.status_code == 200, deleted.text
        gone = requests.get(
            server.url(f"system/role/{role_id}"), headers=headers, timeout=REQUEST_TIMEOUT
        )
        _assert_envelope(gone, 404)
        _assert_envelope(requests.get(server.url("system/role"), timeout=REQUEST_TIMEOUT), 400, 401)

        api_key, session_token = secrets.token_hex(16), secrets.token_hex(16)
        requests.get(
            f"{server.base}/api/v2?api_key={api_key}&session_token={session_token}&x=1",
            headers={"Referer": f"http://example.test/?session_token={session_token}"},
            timeout=REQUEST_TIMEOUT,
        )
    assert server.process.returncode == 0, server.output
    assert "Shutting down: Master" in server.output
    assert (tmp_path / "instance" / "df.sqlite").is_file()
    assert (tmp_path / "instance" / "jwt_secret").is_file()
    assert "?api_key=[redacted]&session_token=[redacted]&x=1" in server.output
    for secret in (api_key, session_token, token):
        assert secret not in server.output


@pytest.mark.slow
def test_serve_takes_admin_from_env_and_setup_is_idempotent(tmp_path):
    email, password = "owner@example.com", "owner-password-" + secrets.token_hex(8)
    with serving(tmp_path, DF_ADMIN_EMAIL=email, DF_ADMIN_PASSWORD=password) as server:
        _login(server, email, password)
    assert password not in server.output
    assert "Admin credentials" not in server.output

    with serving(tmp_path) as again:
        _login(again, email, password)
    assert "Seeded: nothing new" in again.output
    assert "Admin credentials" not in again.output


@pytest.mark.slow
def test_test_script_fails_when_no_test_ran():
    result = subprocess.run(
        [str(ROOT / "scripts" / "test"), "tests/test_quickstart.py", "-k", "no_such_test_xyz"],
        cwd=ROOT,
        env=_clean_env(DF_TEST_WORKERS="1"),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "collected no tests" in result.stderr


def test_ci_runs_the_test_script_and_nothing_else():
    commands = [
        line.strip()
        for line in (ROOT / ".ci" / "run").read_text().splitlines()
        if line.strip() and not line.strip().startswith("#")
    ]
    assert commands[-1] == "exec ./scripts/test", commands
    assert not any("pytest" in line for line in commands), commands
    for script in ("serve", "test"):
        assert os.access(ROOT / "scripts" / script, os.X_OK), f"scripts/{script} not executable"


CONFIG_READS = (
    re.compile(r"app\.config(?:\[|\.get\()\s*[\"']([A-Z][A-Z0-9_]*)[\"']"),
    re.compile(r"\w*setting\w*\s*=\s*[\"']([A-Z][A-Z0-9_]*)[\"']"),
)
"""``current_app.config["X"]`` / ``.get("X")``, and ``link_setting="X"`` for a key read later."""


def _config_keys_read() -> set[str]:
    """Flask config keys that code in app/ reads."""
    keys: set[str] = set()
    for path in sorted((ROOT / "app").rglob("*.py")):
        source = path.read_text()
        for pattern in CONFIG_READS:
            keys |= set(pattern.findall(source))
    return keys


def _settings_read_by_code() -> set[str]:
    """Every ``DF_*`` variable the code reads, directly or as a Flask config key."""
    from app.config import Config

    keys = {key for key in vars(Config) if key.isupper()} | _config_keys_read()
    names = {f"DF_{key}" for key in keys - set(DERIVED) - set(UNREAD)}
    env_read = re.compile(r"[\"'](DF_[A-Z0-9_]+)[\"']")
    sources = [*(ROOT / "app").rglob("*.py"), ROOT / "gunicorn.conf.py"]
    sources += [
        ROOT / "tests" / name for name in ("conftest.py", "dbservers.py", "redis_server.py")
    ]
    for path in sources:
        names |= set(env_read.findall(path.read_text()))
    for path in (ROOT / "scripts").iterdir():  # the shell scripts; scripts/compat/ sets, not reads
        if path.is_file():
            names |= set(re.findall(r"\$\{?(DF_[A-Z0-9_]+)", path.read_text()))
    return names


def test_every_setting_is_documented_in_the_readme():
    readme = (ROOT / "README.md").read_text()
    documented = set(re.findall(r"^\| `(DF_[A-Z0-9_]+)`", readme, re.M))
    read = _settings_read_by_code()
    assert {"DF_SYSTEM_DATABASE_URL", "DF_JWT_TTL", "DF_BIND"} <= read  # the scan works
    assert sorted(read - documented) == [], "settings missing from README's tables"
    assert sorted(documented - read) == [], "README documents settings nothing reads"
    now_read = set(UNREAD) & _config_keys_read()
    assert not now_read, f"{now_read} are read now: document them and drop them from UNREAD"
