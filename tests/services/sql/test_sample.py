"""The sample database behind the seeded ``db`` service."""

from __future__ import annotations

import os

import sqlalchemy as sa

from app.services.sql.sample import create_sample


def test_create_sample_makes_the_file_once(tmp_path):
    path = tmp_path / "databases" / "db.sqlite"
    assert create_sample(str(path)) is True
    engine = sa.create_engine(f"sqlite:///{path}", poolclass=sa.NullPool)
    with engine.begin() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM contact")).scalar() == 5
        conn.execute(sa.text("DELETE FROM todo"))
    assert create_sample(str(path)) is False
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM todo")).scalar() == 0
    engine.dispose()
    assert os.listdir(path.parent) == ["db.sqlite"]


def test_the_seeded_db_service_serves_the_sample(app, admin):
    create_sample(os.path.join(app.config["STORAGE_PATH"], "databases", "db.sqlite"))
    response = admin.get(
        "db/_table/contact",
        query_string={
            "ids": "1",
            "related": "contact_info_by_contact_id,contact_group_by_contact_group_relationship",
            "contact_info_by_contact_id_fields": "info_type",
            "contact_group_by_contact_group_relationship_fields": "name",
            "fields": "first_name",
        },
    )
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {
        "resource": [
            {
                "first_name": "Jon",
                "contact_info_by_contact_id": [{"info_type": "home"}, {"info_type": "work"}],
                "contact_group_by_contact_group_relationship": [
                    {"name": "Friends"},
                    {"name": "Work"},
                ],
            }
        ]
    }
    tables = admin.get("db/_table", query_string={"as_list": "true"}).get_json()["resource"]
    assert tables == [
        "contact",
        "contact_group",
        "contact_group_relationship",
        "contact_info",
        "todo",
    ]
