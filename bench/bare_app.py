"""The baseline: a bare Flask + SQLAlchemy Core app running the benchmark's queries.

No authentication, no routing layer, no query language: each route runs the
query the DreamFactory-style request runs and answers the same JSON shape,
encoded with orjson. ``BENCH_DATABASE_URL`` names the seeded database.
"""

from __future__ import annotations

import os

import orjson
import sqlalchemy as sa
from flask import Flask, Response, request

engine = sa.create_engine(os.environ["BENCH_DATABASE_URL"], pool_size=5, max_overflow=5)


@sa.event.listens_for(engine, "connect")
def _plan_with_values(dbapi_connection, record) -> None:
    """As our pgsql services do: no generic plans for prepared statements (a fair baseline:
    with them PostgreSQL sometimes planned the category filter as a primary-key walk)."""
    with dbapi_connection.cursor() as cursor:
        cursor.execute("SET plan_cache_mode = force_custom_plan")
    dbapi_connection.commit()


metadata = sa.MetaData()
item = sa.Table("item", metadata, autoload_with=engine)
item_tag = sa.Table("item_tag", metadata, autoload_with=engine)
bulk = sa.Table("bulk", metadata, autoload_with=engine)

app = Flask(__name__)


def _default(value):
    if hasattr(value, "is_finite"):  # Decimal
        return float(value)
    raise TypeError


def answer(data) -> Response:
    return Response(
        orjson.dumps(data, default=_default, option=orjson.OPT_NON_STR_KEYS),
        mimetype="application/json",
    )


def rows(connection, select) -> list[dict]:
    result = connection.execute(select)
    names = list(result.keys())
    return [dict(zip(names, row, strict=True)) for row in result]


@app.get("/item")
def items():
    limit = int(request.args.get("limit", 100))
    select = sa.select(item).order_by(item.c.id).limit(limit)
    if "category" in request.args:
        select = select.where(item.c.category == int(request.args["category"]))
    with engine.connect() as connection:
        found = rows(connection, select)
        if request.args.get("related"):
            ids = [r["id"] for r in found]
            children = rows(
                connection,
                sa.select(item_tag).where(item_tag.c.item_id.in_(ids)).order_by(item_tag.c.id),
            )
            grouped: dict[int, list] = {}
            for child in children:
                grouped.setdefault(child["item_id"], []).append(child)
            for row in found:
                row["item_tag_by_item_id"] = grouped.get(row["id"], [])
    return answer({"resource": found})


@app.get("/item/<int:item_id>")
def one(item_id: int):
    with engine.connect() as connection:
        found = rows(connection, sa.select(item).where(item.c.id == item_id))
    if not found:
        return answer({"error": {"code": 404}}), 404
    return answer(found[0])


@app.post("/bulk")
def create():
    records = request.get_json()["resource"]
    with engine.begin() as connection:
        ids = connection.execute(bulk.insert().returning(bulk.c.id), records).scalars().all()
    return answer({"resource": [{"id": i} for i in ids]})
