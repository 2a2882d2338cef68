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
