"""Issue 4's "done when", end to end, as a new user would try it, on each database.

The ``blank`` service was added through ``system/service`` on an empty
database of the backend under test (SQLite, PostgreSQL, MariaDB). The user
creates a schema through ``_schema``, fills it (with nested related records),
queries it with a filter, relations, ordering, paging and counts, updates and
deletes with each addressing form, calls a function (servers only), and sees
a restricted role's record filter applied to reads and writes.
"""

from __future__ import annotations

import sqlalchemy as sa

from tests.conftest import Api, assert_error, create_api_app, create_role

SCHEMA = [
    {
        "name": "author",
        "field": [
            {"name": "id", "type": "id"},
            {"name": "name", "type": "string", "length": 60, "allow_null": False,
             "is_unique": True},
            {"name": "born", "type": "date"},
        ],
    },  # fmt: skip
    {
        "name": "book",
        "field": [
            {"name": "id", "type": "id"},
            {"name": "title", "type": "string", "length": 100, "allow_null": False},
            {"name": "author_id", "type": "reference", "ref_table": "author",
             "ref_on_delete": "CASCADE"},
            {"name": "price", "type": "decimal", "precision": 8, "scale": 2},
            {"name": "published", "type": "boolean", "default": False},
        ],
    },
]  # fmt: skip

FUNCTIONS = {
    "postgresql": "CREATE FUNCTION book_total(a NUMERIC, b NUMERIC) RETURNS NUMERIC "
    "AS $$ SELECT a + b $$ LANGUAGE SQL",
    "mysql": "CREATE FUNCTION book_total(a DECIMAL(8,2), b DECIMAL(8,2)) RETURNS DECIMAL(8,2) "
    "DETERMINISTIC RETURN a + b",
}


def ok(response) -> object:
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def table(db, path: str = "") -> str:
    return f"{db.name}/_table/{path}".rstrip("/")


def test_a_new_user_builds_fills_queries_and_restricts_a_database(blank, admin, client):
    db = blank
    created = admin.post(f"{db.name}/_schema", json={"resource": SCHEMA})
    assert created.status_code == 200, created.get_json()
    assert created.get_json() == {"resource": [{"name": "author"}, {"name": "book"}]}
    described = admin.get(f"{db.name}/_schema/book").get_json()
    assert [f["name"] for f in described["field"]] == [f["name"] for f in SCHEMA[1]["field"]]
    assert {r["name"] for r in described["related"]} == {"author_by_author_id"}

    # fill: authors with their books nested, then more books by reference
    authors = admin.post(
        table(db, "author"),
        json={"resource": [
            {"name": "Ann", "born": "1970-01-02", "book_by_author_id": [
                {"title": "A1", "price": 12.5, "published": True},
                {"title": "A2", "price": 8},
            ]},
            {"name": "Bob", "book_by_author_id": [{"title": "B1", "price": 30, "published": True}]},
            {"name": "Cy"},
        ]},
    )  # fmt: skip
    assert authors.status_code == 200, authors.get_json()
    ann, bob, cy = (r["id"] for r in authors.get_json()["resource"])
    more = admin.post(
        table(db, "book"),
        json=[{"title": f"C{i}", "author_id": cy, "price": 5 + i, "published": i % 2 == 0}
              for i in range(4)],
    )  # fmt: skip
    assert len(more.get_json()["resource"]) == 4

    # query: filter, relation, order, paging, count
    page = admin.get(
        table(db, "book"),
        query_string={
            "filter": "(price > 6) AND (published = true)",
            "related": "author_by_author_id",
            "author_by_author_id_fields": "name",
            "order": "price DESC",
            "fields": "title,price",
            "limit": 1,
            "offset": 1,
            "include_count": "true",
        },
    ).get_json()
    assert [(b["title"], b["author_by_author_id"]["name"]) for b in page["resource"]] == [
        ("A1", "Ann")
    ]  # B1 (30), A1 (12.50), C2 (7): the second of three
    assert page["meta"] == {"count": 3, "next": 2}
    counted = admin.get(table(db, "book"), query_string={"count_only": "true"}).get_json()
    assert counted == 7
    grouped = admin.get(
        table(db, "book"),
        query_string={"fields": "author_id,COUNT(*)", "group": "author_id", "order": "author_id"},
    ).get_json()["resource"]
    assert [(g["author_id"], g["COUNT_ALL"]) for g in grouped] == [(ann, 2), (bob, 1), (cy, 4)]
    authors_with_books = admin.get(
        table(db, "author"), query_string={"related": "book_by_author_id", "order": "id"}
    ).get_json()["resource"]
    assert [len(a["book_by_author_id"]) for a in authors_with_books] == [2, 1, 4]

    # update with each addressing form
    def titles_where(flt: str) -> list[str]:
        body = admin.get(table(db, "book"), query_string={"filter": flt, "order": "title"})
        return [b["title"] for b in body.get_json()["resource"]]

    book_ids = {b["title"]: b["id"] for b in admin.get(table(db, "book")).get_json()["resource"]}
    assert admin.patch(table(db, f"book/{book_ids['A2']}"), json={"price": 9}).status_code == 200
    ids = f"{book_ids['C0']},{book_ids['C1']}"
    ok(admin.patch(table(db, "book"), query_string={"ids": ids}, json={"price": 1}))
    ok(
        admin.patch(
            table(db, "book"), query_string={"filter": "title = 'B1'"}, json={"published": False}
        )
    )
    ok(admin.put(table(db, "book"), json={"resource": [{"id": book_ids["C3"], "title": "C3b"}]}))
    assert titles_where("price < 2") == ["C0", "C1"]
    assert titles_where("published = false") == ["A2", "B1", "C1", "C3b"]

    # delete with each addressing form
    assert admin.delete(table(db, f"book/{book_ids['C0']}")).get_json() == {"id": book_ids["C0"]}
    ok(admin.delete(table(db, "book"), query_string={"ids": str(book_ids["C1"])}))
    ok(admin.delete(table(db, "book"), json={"resource": [{"id": book_ids["C2"]}]}))
    ok(admin.delete(table(db, "book"), query_string={"filter": "title LIKE 'C%'"}))
    assert titles_where(f"author_id = {cy}") == []
    ok(admin.delete(table(db, f"author/{bob}")))  # its book goes with it (CASCADE)
    assert titles_where("title IS NOT NULL") == ["A1", "A2"]

    # call a function (database servers)
    if db.kind in FUNCTIONS:
        with db.engine.begin() as conn:
            conn.execute(sa.text(FUNCTIONS[db.kind]))
        admin.get(db.name, query_string={"refresh": "true"})
        called = admin.get(
            f"{db.name}/_func/book_total", query_string={"a": "1.25", "b": "2.5"}
        ).get_json()
        assert float(called) == 3.75

    # a role that reads and edits only Ann's books
    rows = [
        {"service_id": db.service_id, "component": component, "verb_mask": 1 | 2 | 8,
         "requestor_mask": 1, "filter_op": "AND",
         "filters": [{"name": "author_id", "operator": "=", "value": str(ann)}]}
        for component in ("_table/book", "_table/book/*")
    ]  # fmt: skip
    role = create_role(admin, "ann's editor", rows)
    _, key = create_api_app(admin, "ann's app", role)
    editor = Api(client, api_key=key)
    visible = editor.get(table(db, "book")).get_json()["resource"]
    assert sorted(b["title"] for b in visible) == ["A1", "A2"]
    cy_book = admin.post(table(db, "book"), json=[{"title": "Cx", "author_id": cy}]).get_json()
    other = cy_book["resource"][0]["id"]
    assert_error(editor.get(table(db, f"book/{other}")), 404)
    assert_error(editor.patch(table(db, f"book/{other}"), json={"price": 1}), 404)
    refused = assert_error(
        editor.post(table(db, "book"), json=[{"title": "sneaky", "author_id": cy}]),
        400,
        "Batch Error: Not all requested records could be created.",
        code=1000,
    )
    assert refused["context"]["resource"][0]["message"] == (
        "Denied access to some of the requested fields."
    )
    ok(editor.post(table(db, "book"), json=[{"title": "A3", "author_id": ann}]))
    # DELETE is not in the role: with an API key and no user, DreamFactory's 401
    assert_error(editor.delete(table(db, "book")), 401, "Unauthorized. User is not authenticated.")
