"""``flask setup`` run on every node at once: each run succeeds, the store is seeded once.

Three real ``flask setup --generate-admin`` processes start together on one
fresh, empty store of each backend (as a deployment would start them on
three nodes). All must exit 0, and the store must end with the schema at the
head revision, the default services and apps once each and one admin. A
setup that waits too long for another one gives up with a clear error.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from app import setup_lock as lock_module
from app.setup_lock import SetupLockTimeout, setup_lock
from tests import dbservers
from tests.conftest import SCRIPT_USER, assert_error
from tests.test_setup import DEFAULT_APP_KEYS, DEFAULT_SERVICES, counts

ROOT = Path(__file__).resolve().parent.parent
RUNS = 3
"""Setups started at once."""
DEADLINE = 300
"""Seconds the runs together may take (generous: two cores shared with other tests)."""
ADMIN = "race-admin@example.com"


@pytest.fixture(params=dbservers.BACKENDS)
def fresh_store(request, tmp_path_factory):
    """A new empty database of each backend (not migrated), dropped after the test."""
    url = dbservers.create_database(request.param, tmp_path_factory, label="setup")
    yield url
    dbservers.drop_database(url)


def _setup_env(url: str, node: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DF_", "PYTEST_", "FLASK_"))}
    env.update(
        DF_SYSTEM_DATABASE_URL=url,
        DF_INSTANCE_PATH=str(node / "instance"),
        DF_STORAGE_PATH=str(node / "storage"),
        DF_JWT_SECRET="race-secret-0123456789-0123456789-abcdef",
        DF_ADMIN_EMAIL=ADMIN,
        DF_ADMIN_PASSWORD="race-admin-password-0123456789",
        DF_PASSWORD_TIME_COST="1",
        DF_PASSWORD_MEMORY_COST="64",
        DF_SCRIPT_USER=SCRIPT_USER,
    )
    return env


@pytest.mark.slow
def test_concurrent_setups_all_succeed_and_seed_once(fresh_store, tmp_path):
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "setup", "--generate-admin"]
    runs = [
        subprocess.Popen(
            command,
            cwd=ROOT,
            env=_setup_env(fresh_store, tmp_path / f"node{n}"),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for n in range(RUNS)
    ]
    outputs = []
    try:
        for run in runs:
            outputs.append((run.wait(timeout=DEADLINE), run.stdout.read()))
    finally:
        for run in runs:
            if run.poll() is None:
                run.kill()
                run.wait()
            run.stdout.close()
    assert [code for code, _ in outputs] == [0] * RUNS, outputs
    assert sum("Created admin" in text for _, text in outputs) == 1, outputs

    from app.models import App, CacheStamp, Service, SystemConfig, User

    engine = sa.create_engine(fresh_store, poolclass=sa.NullPool)
    try:
        with engine.connect() as conn:
            services = conn.scalars(sa.select(Service.name)).all()
            apps = dict(conn.execute(sa.select(App.name, App.api_key)).all())
            admins = conn.scalars(sa.select(User.email).where(User.is_sys_admin.is_(True))).all()
            versions = conn.execute(sa.table("alembic_version", sa.column("version_num")).select())
            versions = versions.all()
            configs = conn.scalars(sa.select(SystemConfig.id)).all()
            stamps = conn.scalars(sa.select(CacheStamp.key)).all()
    finally:
        engine.dispose()
    assert sorted(services) == sorted(DEFAULT_SERVICES)
    assert apps == DEFAULT_APP_KEYS
    assert admins == [ADMIN]
    assert len(versions) == 1
    assert len(configs) == 1
    assert len(stamps) == len(set(stamps))


def test_a_setup_waiting_too_long_gives_up_clearly(app, monkeypatch):
    from app.extensions import db

    monkeypatch.setattr(lock_module, "SETUP_LOCK_TIMEOUT", 0.3)
    with app.app_context():
        with setup_lock(db.engine):
            with pytest.raises(SetupLockTimeout), setup_lock(db.engine):
                pass
            result = app.test_cli_runner().invoke(args=["setup"])
            assert result.exit_code == 1, result.output
            assert "another setup of this system store held its lock" in result.output
            assert "Traceback" not in result.output
        with setup_lock(db.engine):  # released, also on the pooled connection that held it
            pass
        db.session.remove()


FORM = {
    "email": "form-admin@example.com",
    "password": "form-admin-password-0123456789",
    "password_confirmation": "form-admin-password-0123456789",
}


def test_the_setup_form_waits_for_a_running_setup_and_makes_no_second_admin(bare_app):
    """The form checked "no admin yet" before a concurrent setup made one: it must look again
    under the lock, and answer as if the admin had been there all along."""
    import threading

    from app import seed
    from app.extensions import db

    client = bare_app.test_client()
    answers = []
    with bare_app.app_context():
        with setup_lock(db.engine):

            def post() -> None:
                answers.append(client.post("/setup", data=FORM))

            submit = threading.Thread(target=post)
            submit.start()
            submit.join(timeout=1)
            assert submit.is_alive()  # waiting for the lock
            seed.create_admin(ADMIN, "race-admin-password-0123456789")
            db.session.remove()
        submit.join(timeout=60)
    assert answers[0].status_code == 302, answers[0].data
    assert counts(bare_app)["admins"] == [ADMIN]


def test_the_setup_form_gives_up_on_a_setup_that_runs_too_long(bare_app, monkeypatch):
    from app.blueprints import splash
    from app.extensions import db

    monkeypatch.setattr(splash, "FORM_LOCK_TIMEOUT", 0.3)
    with bare_app.app_context():
        with setup_lock(db.engine):
            response = bare_app.test_client().post("/setup", data=FORM)
        db.session.remove()
    assert_error(response, 503)
    assert counts(bare_app)["admins"] == []
