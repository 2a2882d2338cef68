"""The seeded ``db`` service answers at once with its sample data."""

from __future__ import annotations

import os

from app import seed


def test_seeded_db_lists_sample_tables_with_data(admin):
    tables = admin.get("db/_table?as_list=true").get_json()["resource"]
    assert {"contact", "contact_info", "todo"} <= set(tables)
    contacts = admin.get("db/_table/contact?include_count=true").get_json()
    assert contacts["meta"]["count"] > 0


def test_setup_builds_the_sample_once(app, tmp_path):
    path = os.path.join(app.config["STORAGE_PATH"], "databases", "db.sqlite")
    os.remove(path)
    with app.app_context():
        assert "sample database db.sqlite" in seed.seed()
        assert os.path.exists(path)
        assert "sample database db.sqlite" not in seed.seed()
