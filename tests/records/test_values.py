"""Typecasting single values for a column (``app.records.values``)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app.records.values import coerce_value, converter
from app.vocabulary.errors import BadRequest

COLUMNS = [
    sa.Column("n", sa.Integer),
    sa.Column("big", sa.BigInteger),
    sa.Column("price", sa.Numeric(10, 2)),
    sa.Column("ratio", sa.Float),
    sa.Column("flag", sa.Boolean),
    sa.Column("name", sa.String(20)),
    sa.Column("born", sa.Date),
    sa.Column("seen", sa.DateTime),
    sa.Column("seen_tz", sa.DateTime(timezone=True)),
    sa.Column("alarm", sa.Time),
    sa.Column("blob", sa.LargeBinary),
    sa.Column("doc", sa.JSON),
    sa.Column("other", sa.types.NullType),
]

VALUES = [
    None, 0, 7, -3, 2**63, 1.5, 2.0, float("nan"), True, "yes", " 12 ", "1.25", "abc", "",
    "2020-01-02", "2020-01-02T03:04:05+02:00", "03:04", Decimal("2.50"), Decimal("NaN"),
    "1e2000", [1], {"a": 1}, "a\x00b", "\ud800", "é", dt.date(2020, 1, 2),
    dt.datetime(2020, 1, 2, 3, 4, tzinfo=dt.UTC),
]  # fmt: skip


def outcome(call):
    try:
        value = call()
    except BadRequest as error:
        return "refused", str(error)
    return type(value), value


@pytest.mark.parametrize("column", COLUMNS, ids=lambda c: c.key)
def test_a_columns_converter_answers_as_coerce_value(column):
    convert = converter(column)
    for value in VALUES:
        expected = outcome(lambda v=value: coerce_value(v, column, "f"))
        assert outcome(lambda v=value: convert(v, "f")) == expected, value


@pytest.mark.parametrize("value", [1.5, -0.1, Decimal("2.5"), "3.5"])
def test_fractional_numbers_are_refused_for_integer_columns(value):
    # these once made a search through every 64-bit integer (``None in range(...)``)
    with pytest.raises(BadRequest, match="Invalid value for field 'n': "):
        coerce_value(value, sa.Column("n", sa.Integer), "n")


def test_whole_numbers_in_other_types_are_integers():
    column = sa.Column("n", sa.Integer)
    assert coerce_value(2.0, column, "n") == 2
    assert coerce_value(Decimal("-4"), column, "n") == -4
    with pytest.raises(BadRequest, match="Invalid value for field 'n': "):
        coerce_value(2.0**70, column, "n")


@pytest.mark.parametrize(
    "kind, low, high",
    [(sa.SmallInteger, -(2**15), 2**15 - 1), (sa.Integer, -(2**31), 2**31 - 1)]
    + [(sa.BigInteger, -(2**63), 2**63 - 1), (sa.INTEGER, -(2**31), 2**31 - 1)],
)
def test_ranged_values_must_fit_the_integer_type(kind, low, high):
    column = sa.Column("n", kind)
    for value in (low, high, str(high), 0):
        assert coerce_value(value, column, "n", ranged=True) == int(value)
    refused = "Value for field 'n' is out of range" if high < 2**63 - 1 else "Invalid value"
    for value in (low - 1, high + 1, str(high + 1)):
        with pytest.raises(BadRequest, match=f"^{refused}"):
            coerce_value(value, column, "n", ranged=True)
    assert coerce_value(2**40 if high < 2**40 else high, column, "n") > 0  # unranged: 64-bit


def test_ranges_apply_to_integer_types_only():
    for kind in (sa.Numeric(30, 0), sa.Float, sa.String(40)):
        column = sa.Column("x", kind)
        assert coerce_value("9999999999", column, "x", ranged=True) is not None
    assert coerce_value(True, sa.Column("b", sa.Boolean), "b", ranged=True) is True
