"""Migrations run forward and back cleanly on every backend, and match the models."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from tests import dbservers
from tests.conftest import make_app


@pytest.fixture(params=dbservers.BACKENDS)
def fresh_store(request, tmp_path_factory):
    url = dbservers.create_database(request.param, tmp_path_factory, label="mig")
    yield url
    dbservers.drop_database(url)


def table_names(engine: sa.Engine) -> set[str]:
    return set(sa.inspect(engine).get_table_names()) - {"alembic_version"}


def test_upgrade_downgrade_upgrade(fresh_store, tmp_path):
    from app.extensions import db

    app = make_app(fresh_store, str(tmp_path / "storage"))
    with app.app_context():
        upgrade()
        assert table_names(db.engine) == set(db.metadata.tables)
        downgrade(revision="base")
        assert table_names(db.engine) == set()
        upgrade()
        assert table_names(db.engine) == set(db.metadata.tables)
        db.engine.dispose()


def test_user_custom_steps_alone_and_matches_its_model(fresh_store, tmp_path):
    """0006 adds only ``user_custom``, as the model declares it, and takes only it away."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from app.extensions import db

    app = make_app(fresh_store, str(tmp_path / "storage"))
    with app.app_context():
        upgrade(revision="0005")
        before = table_names(db.engine)
        assert "user_custom" not in before
        upgrade(revision="0006")
        assert table_names(db.engine) == before | {"user_custom"}
        with db.engine.connect() as conn:
            diffs = compare_metadata(MigrationContext.configure(conn), db.metadata)
        assert [d for d in diffs if "user_custom" in repr(d)] == []
        inspector = sa.inspect(db.engine)
        uniques = inspector.get_unique_constraints("user_custom")
        indexes = [i for i in inspector.get_indexes("user_custom") if i.get("unique")]
        assert ["user_id", "name"] in [u["column_names"] for u in uniques + indexes]
        (fk,) = inspector.get_foreign_keys("user_custom")
        assert (fk["referred_table"], fk["options"].get("ondelete")) == ("user", "CASCADE")
        downgrade(revision="0005")
        assert table_names(db.engine) == before
        db.engine.dispose()


def test_scheduler_frequency_steps_alone_and_back(fresh_store, tmp_path):
    """0007 makes ``cron`` optional beside ``frequency`` and ``admin_id``, as the model says;
    back at 0006, a task run every N minutes gets the cron expression of that."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from app.extensions import db

    app = make_app(fresh_store, str(tmp_path / "storage"))
    with app.app_context():
        upgrade(revision="0007")
        with db.engine.connect() as conn:
            diffs = compare_metadata(MigrationContext.configure(conn), db.metadata)
        mine = ("'cron'", "'frequency'", "'admin_id'", "fk_scheduler_task_admin_id_user")
        assert [d for d in diffs if any(name in repr(d) for name in mine)] == []
        (fk,) = [
            f
            for f in sa.inspect(db.engine).get_foreign_keys("scheduler_task")
            if f["constrained_columns"] == ["admin_id"]
        ]
        assert (fk["referred_table"], fk["options"].get("ondelete")) == ("user", "SET NULL")
        task = sa.table(
            "scheduler_task",
            *(sa.column(c) for c in ("id", "name", "is_active", "cron", "frequency")),
            *(sa.column(c) for c in ("component", "verb", "source")),
        )
        common = {"is_active": True, "component": "", "verb": "GET", "source": "api"}
        with db.engine.begin() as conn:
            conn.execute(
                sa.insert(task),
                [
                    {"id": 1, "name": "ten", "cron": None, "frequency": 10, **common},
                    {"id": 2, "name": "seven", "cron": None, "frequency": 7, **common},
                    {"id": 3, "name": "cron", "cron": "0 3 * * *", "frequency": None, **common},
                ],
            )
        downgrade(revision="0006")
        columns = {c["name"] for c in sa.inspect(db.engine).get_columns("scheduler_task")}
        assert {"frequency", "admin_id"} & columns == set()
        with db.engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT name, cron FROM scheduler_task ORDER BY id"))
            assert rows.all() == [
                ("ten", "*/10 * * * *"),
                ("seven", "*/5 * * * *"),
                ("cron", "0 3 * * *"),
            ]
        upgrade()
        db.engine.dispose()


def test_app_allow_mcp_is_off_for_existing_apps_and_steps_back(fresh_store, tmp_path):
    """0008 adds ``app.allow_mcp`` as the model declares it, false for the apps already there."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from app.extensions import db

    app = make_app(fresh_store, str(tmp_path / "storage"))
    with app.app_context():
        upgrade(revision="0007")
        old_app = {
            "id": 1, "name": "old", "api_key": "k" * 64, "is_active": True, "type": 0,
            "requires_fullscreen": False, "allow_fullscreen_toggle": True,
            "toggle_location": "top",
        }  # fmt: skip
        old = sa.table("app", *(sa.column(c) for c in old_app))
        with db.engine.begin() as conn:
            conn.execute(sa.insert(old), [old_app])
        upgrade(revision="0008")
        with db.engine.connect() as conn:
            diffs = compare_metadata(MigrationContext.configure(conn), db.metadata)
            assert [d for d in diffs if "allow_mcp" in repr(d)] == []
            allowed = conn.execute(sa.text("SELECT allow_mcp FROM app WHERE id = 1")).scalar()
        assert not allowed
        downgrade(revision="0007")
        columns = {c["name"] for c in sa.inspect(db.engine).get_columns("app")}
        assert "allow_mcp" not in columns
        upgrade()
        db.engine.dispose()
