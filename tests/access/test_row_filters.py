"""Role record filters: as SQL on every backend, and as a check on written records."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.access.actor import Actor
from app.access.row_filters import service_filters
from app.records.server_filters import record_allowed, to_condition
from app.system_cache import AccessRow, RoleInfo, UserInfo
from app.vocabulary.errors import BadRequest
from tests import dbservers

metadata = sa.MetaData()
items = sa.Table(
    "items",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("owner_id", sa.Integer),
    sa.Column("name", sa.String(40)),
    sa.Column("price", sa.Float),
)
ROWS = [
    {"id": 1, "owner_id": 7, "name": "apple", "price": 1.5},
    {"id": 2, "owner_id": 7, "name": "banana", "price": 0.5},
    {"id": 3, "owner_id": 8, "name": "cherry", "price": 4.0},
    {"id": 4, "owner_id": None, "name": "date_%", "price": None},
]
COLUMNS = {c.key: c for c in items.c}


@pytest.fixture(scope="module", params=dbservers.BACKENDS)
def engine(request, tmp_path_factory):
    url = dbservers.create_database(request.param, tmp_path_factory, label="rowf")
    engine = sa.create_engine(url)
    metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(items.insert(), ROWS)
    yield engine
    engine.dispose()
    dbservers.drop_database(url)


def ids(engine, filters, op="AND"):
    condition = to_condition(filters, op, COLUMNS)
    query = sa.select(items.c.id).order_by(items.c.id)
    if condition is not None:
        query = query.where(condition)
    with engine.connect() as conn:
        return [r[0] for r in conn.execute(query)]


@pytest.mark.parametrize(
    ("filters", "op", "expected"),
    [
        ([], "AND", [1, 2, 3, 4]),
        ([{"name": "owner_id", "operator": "=", "value": "7"}], "AND", [1, 2]),
        ([{"name": "owner_id", "operator": "!=", "value": 7}], "AND", [3]),
        ([{"name": "price", "operator": ">=", "value": "1.5"}], "AND", [1, 3]),
        ([{"name": "price", "operator": "<", "value": 1}], "AND", [2]),
        ([{"name": "owner_id", "operator": "IN", "value": "(7, 8)"}], "AND", [1, 2, 3]),
        ([{"name": "owner_id", "operator": "NOT IN", "value": [7]}], "AND", [3]),
        ([{"name": "name", "operator": "STARTS WITH", "value": "b"}], "AND", [2]),
        ([{"name": "name", "operator": "ENDS WITH", "value": "y"}], "AND", [3]),
        ([{"name": "name", "operator": "CONTAINS", "value": "_%"}], "AND", [4]),
        ([{"name": "name", "operator": "LIKE", "value": "%an%"}], "AND", [2]),
        ([{"name": "owner_id", "operator": "IS NULL", "value": None}], "AND", [4]),
        ([{"name": "owner_id", "operator": "IS NOT NULL"}], "AND", [1, 2, 3]),
        (
            [
                {"name": "owner_id", "operator": "=", "value": 7},
                {"name": "price", "operator": ">", "value": 1},
            ],
            "AND",
            [1],
        ),
        (
            [
                {"name": "owner_id", "operator": "=", "value": 8},
                {"name": "name", "operator": "=", "value": "apple"},
            ],
            "or",
            [1, 3],
        ),
    ],
)
def test_filters_as_sql(engine, filters, op, expected):
    assert ids(engine, filters, op) == expected


def test_values_are_bound_not_interpolated(engine):
    hostile = [{"name": "name", "operator": "=", "value": "x' OR '1'='1"}]
    assert ids(engine, hostile) == []
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(items)).scalar() == 4


@pytest.mark.parametrize(
    "bad",
    [
        {"name": "nope", "operator": "=", "value": 1},
        {"name": "owner_id", "operator": "SOUNDS LIKE", "value": 1},
        {"name": "owner_id", "operator": "=", "value": "not-a-number"},
    ],
)
def test_bad_filters_are_400(bad):
    with pytest.raises(BadRequest):
        to_condition([bad], "AND", COLUMNS)


@pytest.mark.parametrize(
    ("record", "partial", "allowed"),
    [
        ({"owner_id": 7, "name": "x"}, False, True),
        ({"owner_id": "7", "name": "x"}, False, True),
        ({"owner_id": 8, "name": "x"}, False, False),
        ({"name": "x"}, False, False),
        ({"name": "x"}, True, True),
        ({"owner_id": 9}, True, False),
    ],
)
def test_record_check_and(record, partial, allowed):
    filters = [{"name": "owner_id", "operator": "=", "value": "7"}]
    assert record_allowed(filters, "AND", record, partial=partial) is allowed


def test_record_check_or_and_operators():
    filters = [
        {"name": "owner_id", "operator": "=", "value": 7},
        {"name": "name", "operator": "STARTS WITH", "value": "pub"},
    ]
    assert record_allowed(filters, "OR", {"owner_id": 1, "name": "public"})
    assert not record_allowed(filters, "OR", {"owner_id": 1, "name": "secret"})
    assert not record_allowed(filters, "AND", {"owner_id": 7, "name": "secret"})
    assert record_allowed([{"name": "price", "operator": "<=", "value": "2"}], "AND", {"price": 2})
    assert record_allowed(
        [{"name": "owner_id", "operator": "IN", "value": "(1,2)"}], "AND", {"owner_id": 2}
    )
    assert not record_allowed(
        [{"name": "owner_id", "operator": "NOT IN", "value": "(1,2)"}], "AND", {"owner_id": 2}
    )


def _actor(rows, user_id=7, admin=False):
    user = UserInfo(7 if user_id else None, "U", "U", "X", "u@x.com", None, True, admin, None, None)
    role = RoleInfo(3, "r", True, tuple(rows))
    return Actor(user=user, role=role)


def row(component, mask, filters=(), op="AND", service="db"):
    return AccessRow(1, service, component, mask, 1, tuple(filters), op)


def test_service_filters_pick_the_most_specific_row_allowing_the_verb(app):
    owner = [{"name": "owner_id", "operator": "=", "value": "{user.id}"}]
    actor = _actor(
        [row("*", 31, [{"name": "x", "operator": "=", "value": 1}]), row("_table/items", 1, owner)]
    )
    with app.test_request_context():
        found = service_filters(actor, "GET", "db", "_table/items")
        assert found.filters == ({"name": "owner_id", "operator": "=", "value": "7"},)
        # POST is not allowed by the exact row, so the service-wide row supplies the filters
        assert service_filters(actor, "POST", "db", "_table/items").filters[0]["name"] == "x"
        assert service_filters(actor, "GET", "other", "_table/items") is None


def test_admins_and_unfiltered_rows_have_no_filters(app):
    with app.test_request_context():
        assert service_filters(_actor([row("*", 31)]), "GET", "db", "_table/t") is None
        admin = _actor([row("*", 31, [{"name": "a", "operator": "=", "value": 1}])], admin=True)
        assert service_filters(admin, "GET", "db", "_table/t") is None
