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
