"""fields, order, group, aggregates, ids and flag parsing, executed on every backend."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app.records.clauses import (
    parse_aggregate_fields,
    parse_fields,
    parse_group,
    parse_ids,
    parse_int,
    parse_order,
)
from app.vocabulary.errors import BadRequest
from app.vocabulary.flags import to_bool
from tests import dbservers

ROWS = [
    {"id": 1, "name": "Alice", "team": "red", "age": 30, "score": Decimal("1.50")},
    {"id": 2, "name": "Bob", "team": "blue", "age": None, "score": Decimal("2.50")},
    {"id": 3, "name": "Carol", "team": "red", "age": 25, "score": None},
    {"id": 4, "name": "Dan", "team": "blue", "age": 40, "score": Decimal("4.00")},
    {"id": 5, "name": "Eve", "team": "green", "age": None, "score": Decimal("5.00")},
]


@dataclass
class Players:
    engine: sa.Engine
    table: sa.Table
    columns: dict[str, sa.ColumnElement]

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def fetch(self, query: sa.Select) -> list[tuple]:
        with self.engine.connect() as conn:
            return [tuple(row) for row in conn.execute(query)]

    def ordered_ids(self, order: str, dialect_name: str | None = None) -> list[int]:
        clauses = parse_order(order, self.columns, dialect_name)
        return [row[0] for row in self.fetch(sa.select(self.table.c.id).order_by(*clauses))]


@pytest.fixture(scope="module", params=dbservers.BACKENDS)
def players(request, tmp_path_factory):
    url = dbservers.create_database(request.param, tmp_path_factory, label="clauses")
    engine = sa.create_engine(url, poolclass=sa.NullPool)
    table = sa.Table(
        "players",
        sa.MetaData(),
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("team", sa.String(20), nullable=False),
        sa.Column("age", sa.Integer),
        sa.Column("score", sa.Numeric(10, 2)),
    )
    table.metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(table.insert(), ROWS)
    yield Players(engine, table, {c.key.lower(): c for c in table.c})
    engine.dispose()
    dbservers.drop_database(url)


def test_fields_all(players):
    for text in (None, "", "  ", "*", ["*"], "id,*"):
        assert parse_fields(text, players.columns) is None


@pytest.mark.parametrize(
    "text, expected",
    [
        ("id", ["id"]),
        ("id,name", ["id", "name"]),
        (" NAME , Id ", ["name", "id"]),
        ("name,,age,", ["name", "age"]),
        ("id,ID,id", ["id"]),
        (["id", "Team"], ["id", "team"]),
        (["id,name", "age"], ["id", "name", "age"]),
    ],
)
def test_fields_resolve_to_canonical_names(players, text, expected):
    names = parse_fields(text, players.columns)
    assert names == expected
    rows = players.fetch(sa.select(*(players.table.c[n] for n in names)).limit(1))
    assert len(rows[0]) == len(expected)


@pytest.mark.parametrize(
    "text, bad",
    [
        ("id,nope", "nope"),
        ("id,name FROM players; --", "name FROM players; --"),
        ("id; DROP TABLE players", "id; DROP TABLE players"),
        ("(SELECT 1)", "(SELECT 1)"),
        ("players.id", "players.id"),
        ("COUNT(*)", "COUNT(*)"),
    ],
)
def test_fields_unknown(players, text, bad):
    with pytest.raises(BadRequest, match="Invalid field requested: ") as caught:
        parse_fields(text, players.columns)
    assert caught.value.message == f"Invalid field requested: {bad}"


@pytest.mark.parametrize(
    "order, expected",
    [
        ("id", [1, 2, 3, 4, 5]),
        ("id desc", [5, 4, 3, 2, 1]),
        ("ID DESC", [5, 4, 3, 2, 1]),
        ("team asc, id desc", [4, 2, 5, 3, 1]),
        ("team DESC,name", [1, 3, 5, 2, 4]),
        ("age nulls first, id", [2, 5, 3, 1, 4]),
        ("age asc nulls last, id", [3, 1, 4, 2, 5]),
        ("age desc nulls last, id", [4, 1, 3, 2, 5]),
        ("age DESC NULLS FIRST, id DESC", [5, 2, 4, 1, 3]),
        ("score desc nulls last", [5, 4, 2, 1, 3]),
        ("  name  ,  ", [1, 2, 3, 4, 5]),
    ],
)
@pytest.mark.parametrize("native", [True, False])
def test_order_executes(players, order, expected, native):
    # Native NULLS FIRST where the dialect has it; the emulation (no dialect) everywhere.
    assert players.ordered_ids(order, players.dialect if native else None) == expected


def test_order_nulls_is_emulated_for_mysql(players):
    clauses = parse_order("age nulls first", players.columns, "mysql")
    assert len(clauses) == 2
    compiled = str(sa.select(players.table.c.id).order_by(*clauses))
    assert "NULLS" not in compiled
    native = parse_order("age nulls first", players.columns, "postgresql")
    assert "NULLS FIRST" in str(sa.select(players.table.c.id).order_by(*native))


def test_order_empty(players):
    assert parse_order(None, players.columns) == []
    assert parse_order("", players.columns) == []


@pytest.mark.parametrize(
    "order, message",
    [
        ("nope", "Invalid field 'nope' in order by clause."),
        ("id, Nope desc", "Invalid field 'Nope' in order by clause."),
        ("(SELECT 1)", "Invalid field '(SELECT' in order by clause."),
        ("id; DROP TABLE players", "Invalid order by clause in request."),
        ("id desc;", "Invalid order by clause in request."),
        ("id sideways", "Invalid order by clause in request."),
        ("id desc asc", "Invalid order by clause in request."),
        ("id nulls", "Invalid order by clause in request."),
        ("id nulls middle", "Invalid order by clause in request."),
        ("id desc nulls first extra", "Invalid order by clause in request."),
        ("id desc, (CASE WHEN 1=1 THEN id END)", "Invalid field '(CASE' in order by clause."),
        ("SLEEP(5)", "Invalid field 'SLEEP(5)' in order by clause."),
    ],
)
def test_order_errors(players, order, message):
    with pytest.raises(BadRequest) as caught:
        parse_order(order, players.columns)
    assert caught.value.message == message
    assert sa.inspect(players.engine).has_table("players")


def test_group_executes(players):
    grouped = parse_group("Team", players.columns)
    query = sa.select(players.table.c.team, sa.func.count()).group_by(*grouped)
    assert sorted(players.fetch(query.order_by(players.table.c.team))) == [
        ("blue", 2),
        ("green", 1),
        ("red", 2),
    ]
    assert parse_group("team, id", players.columns) == [players.table.c.team, players.table.c.id]
    assert parse_group(None, players.columns) == []
    assert parse_group(" ", players.columns) == []


@pytest.mark.parametrize(
    "text, bad",
    [
        ("nope", "nope"),
        ("team, nope", "nope"),
        ("team; DROP TABLE players", "team; DROP TABLE players"),
        ("1", "1"),
        ("(SELECT 1)", "(SELECT 1)"),
    ],
)
def test_group_errors(players, text, bad):
    with pytest.raises(BadRequest) as caught:
        parse_group(text, players.columns)
    assert caught.value.message == f"Invalid or unknown field '{bad}' in group by clause."


def test_aggregate_fields_execute(players):
    fields = parse_aggregate_fields(
        "team, sum(score), COUNT(*), avg( age ), MIN(age), Max(name), count(age)", players.columns
    )
    group = parse_group("team", players.columns)
    query = sa.select(*fields).group_by(*group).order_by(players.table.c.team)
    with players.engine.connect() as conn:
        rows = [row._asdict() for row in conn.execute(query)]
    assert [list(row) for row in rows][0] == [
        "team",
        "SUM_score",
        "COUNT_ALL",
        "AVG_age",
        "MIN_age",
        "MAX_name",
        "COUNT_age",
    ]
    blue, green, red = rows
    assert blue["team"] == "blue" and blue["COUNT_ALL"] == 2 and blue["COUNT_age"] == 1
    assert Decimal(str(blue["SUM_score"])) == Decimal("6.50")
    assert green["AVG_age"] is None and green["MAX_name"] == "Eve"
    assert Decimal(str(red["AVG_age"])) == Decimal("27.5") and red["MIN_age"] == 25


def test_aggregate_fields_all(players):
    fields = parse_aggregate_fields("*", players.columns)
    assert [f.name for f in fields] == ["id", "name", "team", "age", "score"]
    assert parse_aggregate_fields(None, players.columns)[0].name == "id"


@pytest.mark.parametrize(
    "text",
    [
        "nope",
        "SUM(nope)",
        "SUM(*)",
        "MEDIAN(age)",
        "SUM(age) FROM players",
        "SUM(age); DROP TABLE players",
        "SUM((SELECT 1))",
        "COUNT(DISTINCT age)",
        "SLEEP(5)",
        "sum(age",
    ],
)
def test_aggregate_fields_errors(players, text):
    with pytest.raises(BadRequest) as caught:
        parse_aggregate_fields(text, players.columns)
    assert caught.value.status == 400
    assert caught.value.message.endswith(f"requested: {text}")


@pytest.mark.parametrize(
    "value, expected",
    [
        (None, []),
        ("", []),
        ("1,2,3", ["1", "2", "3"]),
        (" 1 , 2 ,, 3 , ", ["1", "2", "3"]),
        ("abc", ["abc"]),
        ([1, 2, "x"], ["1", "2", "x"]),
        ((4, None), ["4"]),
        (7, ["7"]),
    ],
)
def test_parse_ids(value, expected):
    assert parse_ids(value) == expected


@pytest.mark.parametrize("value", [True, "true", "TRUE", "1", 1, "yes", "Y", "t", "on", " On "])
def test_to_bool_true(value):
    assert to_bool(value) is True


@pytest.mark.parametrize("value", [False, None, "", "false", "0", 0, 2, "no", "off", "maybe"])
def test_to_bool_false(value):
    assert to_bool(value) is False


@pytest.mark.parametrize(
    "value, expected",
    [(None, None), ("", None), ("  ", None), ("0", 0), ("25", 25), (" 7 ", 7), (12, 12), (3.0, 3)],
)
def test_parse_int(value, expected):
    assert parse_int(value, "limit") == expected


@pytest.mark.parametrize("value", ["abc", "1.5", "1e3", "0x10", True, 2.5, [1], "9" * 5000])
def test_parse_int_rejects_non_integers(value):
    with pytest.raises(BadRequest, match="Invalid value for 'limit': must be an integer."):
        parse_int(value, "limit")


@pytest.mark.parametrize("value", [-1, "-5"])
def test_parse_int_rejects_negatives(value):
    with pytest.raises(BadRequest, match="Invalid value for 'offset'"):
        parse_int(value, "offset")


def test_parse_int_caps_huge_values_at_bigint():
    assert parse_int("9" * 40, "offset") == 2**63 - 1
    assert parse_int(2**70, "limit") == 2**63 - 1
