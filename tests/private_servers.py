"""Database servers of a test's own: a PostgreSQL cluster or a MariaDB instance on a free port.

For tests that must do to a server what no test may do to the machine's shared
ones: stop it, restart it, kill it. Each server lives in a temp folder of its
own, listens on 127.0.0.1 only, trusts every local connection (PostgreSQL
``trust``; MariaDB ``--skip-grant-tables``) and is stopped and removed at the
end. Run as root, the server programs run as their own OS users (``postgres``,
``mysql``), which own the folder. Missing programs skip the test, or fail it
under ``CI=true`` (``tests.dbservers.missing_tool``).

    with PrivatePostgres.started() as server:
        url = server.create_database("store")
        ...
        server.restart()
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from typing import ClassVar

import sqlalchemy as sa

from tests.dbservers import missing_tool

START_TIMEOUT = 60.0
"""Seconds a private server may take to start (or stop) before the test fails."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


class PrivateServer:
    """A database server in a temp folder; subclasses know how to set one up and run it."""

    kind: ClassVar[str]
    """The backend name as in ``tests.dbservers.BACKENDS``."""

    os_user: ClassVar[str]
    """The OS user the server runs as when the tests run as root."""

    def __init__(self) -> None:
        self.port = free_port()
        self.folder = tempfile.mkdtemp(prefix=f"df-{self.kind}-")
        os.chmod(self.folder, 0o755)  # noqa: S103 - the server's own user must enter it
        if os.geteuid() == 0:
            entry = pwd.getpwnam(self.os_user)
            os.chown(self.folder, entry.pw_uid, entry.pw_gid)

    @classmethod
    @contextlib.contextmanager
    def started(cls) -> Iterator[PrivateServer]:
        """A new server, set up and running; stopped and removed afterwards."""
        server = cls()
        try:
            server.setup()
            server.start()
            yield server
        finally:
            server.stop()
            shutil.rmtree(server.folder, ignore_errors=True)

    def as_server_user(self, argv: list[str]) -> list[str]:
        """``argv`` run as the server's OS user when we are root (servers refuse root)."""
        if os.geteuid() != 0:
            return argv
        runuser = shutil.which("runuser")
        if runuser is None:
            missing_tool("runuser")
        return [runuser, "-u", self.os_user, "--", *argv]

    def url(self, database: str) -> str:
        raise NotImplementedError

    def setup(self) -> None:
        raise NotImplementedError

    def start(self) -> None:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    def restart(self) -> None:
        """Stop the server the way an operator's restart does, then start it again."""
        self.stop()
        self.start()

    def create_database(self, label: str = "db") -> str:
        """A new empty database on this server; its SQLAlchemy URL."""
        name = f"df_{label}_{uuid.uuid4().hex[:6]}"
        engine = sa.create_engine(
            self.url(self.admin_database), isolation_level="AUTOCOMMIT", poolclass=sa.NullPool
        )
        quoted = engine.dialect.identifier_preparer.quote(name)
        try:
            with engine.connect() as conn:
                conn.execute(sa.text(f"CREATE DATABASE {quoted}"))
        finally:
            engine.dispose()
        return self.url(name)

    admin_database: ClassVar[str]

    def wait_until(self, accepting: bool) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while _accepts(self.port) != accepting:
            if time.monotonic() > deadline:
                state = "accept" if accepting else "refuse"
                raise RuntimeError(f"private {self.kind} did not {state} connections in time")
            time.sleep(0.05)


class PrivatePostgres(PrivateServer):
    """A PostgreSQL cluster (``initdb``), driven by ``pg_ctl`` as ``pg_ctlcluster`` does."""

    kind = "postgresql"
    os_user = "postgres"
    admin_database = "postgres"

    def __init__(self) -> None:
        self.bin = self._find_bin()
        super().__init__()
        self.data = os.path.join(self.folder, "data")
        self.log = os.path.join(self.folder, "server.log")

    @staticmethod
    def _find_bin() -> str:
        found = os.environ.get("DF_TEST_PG_BIN")
        if not found:
            candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
            found = next((c for c in candidates if os.path.exists(f"{c}/pg_ctl")), "")
        if not found or not os.path.exists(os.path.join(found, "pg_ctl")):
            missing_tool("PostgreSQL server programs (initdb, pg_ctl)")
        return found

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, *argv: str) -> None:
        subprocess.run(  # noqa: S603 - the machine's PostgreSQL programs
            self.as_server_user([os.path.join(self.bin, argv[0]), *argv[1:]]),
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            timeout=START_TIMEOUT,
            cwd=self.folder,
        )

    def setup(self) -> None:
        self._run("initdb", "-D", self.data, "-U", "postgres", "-A", "trust", "--no-sync")

    def start(self) -> None:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='' "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        self._run("pg_ctl", "start", "-w", "-D", self.data, "-l", self.log, "-o", options)
        self.wait_until(accepting=True)

    def stop(self) -> None:
        """A fast shutdown (``pg_ctlcluster restart``'s): sessions are ended, the server exits."""
        if not os.path.exists(os.path.join(self.data, "postmaster.pid")):
            return
        self._run("pg_ctl", "stop", "-w", "-m", "fast", "-D", self.data)


class PrivateMariaDB(PrivateServer):
    """A MariaDB instance (``mariadb-install-db``, then ``mariadbd``) without grant checks."""

    kind = "mysql"
    os_user = "mysql"
    admin_database = "mysql"

    def __init__(self) -> None:
        self.install = shutil.which("mariadb-install-db")
        self.server = shutil.which("mariadbd") or (
            "/usr/sbin/mariadbd" if os.path.exists("/usr/sbin/mariadbd") else None
        )
        if self.install is None or self.server is None:
            missing_tool("MariaDB server programs (mariadb-install-db, mariadbd)")
        super().__init__()
        self.data = os.path.join(self.folder, "data")
        self.process: subprocess.Popen | None = None

    def url(self, database: str) -> str:
        return f"mysql+pymysql://root@127.0.0.1:{self.port}/{database}?charset=utf8mb4"

    def _options(self) -> list[str]:
        options = [
            "--no-defaults",
            f"--datadir={self.data}",
            f"--socket={os.path.join(self.folder, 'mysqld.sock')}",
            f"--pid-file={os.path.join(self.folder, 'mysqld.pid')}",
        ]
        if os.geteuid() == 0:
            options.append(f"--user={self.os_user}")
        return options

    def setup(self) -> None:
        subprocess.run(  # noqa: S603 - the machine's MariaDB programs
            [
                str(self.install),
                *self._options(),
                "--auth-root-authentication-method=normal",
                "--skip-test-db",
                "--skip-name-resolve",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            timeout=START_TIMEOUT,
            cwd=self.folder,
        )

    def start(self) -> None:
        argv = [
            str(self.server),
            *self._options(),
            f"--port={self.port}",
            "--bind-address=127.0.0.1",
            "--skip-grant-tables",
            "--skip-name-resolve",
            "--skip-log-bin",
            "--innodb-buffer-pool-size=32M",
            "--innodb-flush-log-at-trx-commit=0",
            f"--log-error={os.path.join(self.folder, 'server.log')}",
        ]
        self.process = subprocess.Popen(  # noqa: S603 - the machine's mariadbd
            argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=self.folder
        )
        try:
            self.wait_until(accepting=True)
        except RuntimeError:
            self.stop()
            raise

    def stop(self) -> None:
        """A clean shutdown (SIGTERM, as systemd's restart sends): connections are closed."""
        process, self.process = self.process, None
        if process is None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=START_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        self.wait_until(accepting=False)
