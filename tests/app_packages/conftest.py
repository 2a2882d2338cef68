"""A small app package in DreamFactory's ``.dfpkg`` layout, built by the tests, and its probes.

The package is the shape of DreamFactory's sample apps
(``df-react-example-application.dfpkg``): ``description.json`` (a storage app
opening ``index.html``), ``schema.json`` with two related tables for the seeded
``db`` service (``book`` refers to ``author``, and is listed first, so the
importer must order them), ``data.json`` with their records (books first too)
and the app's files, an ``index.html`` whose script reads ``book`` with the
app's API key (from ``config.js``, written once the key exists).
"""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

from tests.conftest import Api

DESCRIPTION = {
    "name": "Library",
    "description": "Books and their authors.",
    "type": 1,
    "path": "index.html",
    "is_active": True,
}

AUTHOR = {
    "name": "author",
    "description": "Who wrote the books.",
    "field": [
        {"name": "id", "label": "Author Id", "type": "id"},
        {"name": "name", "type": "string", "size": 80, "allow_null": False},
    ],
}

BOOK = {
    "name": "book",
    "description": "The books, each by one author.",
    "field": [
        {"name": "id", "type": "id"},
        {"name": "title", "type": "string", "size": 120, "allow_null": False},
        {
            "name": "author_id",
            "type": "reference",
            "allow_null": False,
            "ref_table": "author",
            "ref_fields": "id",
            "ref_on_delete": "CASCADE",
        },
    ],
}

AUTHORS = [{"id": 1, "name": "Ursula K. Le Guin"}, {"id": 2, "name": "Italo Calvino"}]
BOOKS = [
    {"id": 1, "title": "The Dispossessed", "author_id": 1},
    {"id": 2, "title": "Invisible Cities", "author_id": 2},
    {"id": 3, "title": "The Lathe of Heaven", "author_id": 1},
]

INDEX_HTML = b"""<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Library</title></head>
<body>
  <h1>Library</h1>
  <p id="status">Loading...</p>
  <ul id="books"></ul>
  <script src="config.js"></script>
  <script src="js/app.js"></script>
</body>
</html>
"""


def listing_script(url: str, key: str, label: str, into: str, noun: str) -> bytes:
    """A page script that GETs ``url`` (a JS expression) with the API key ``key`` (one too)
    and lists each record's ``label`` (a JS expression of ``row``) in ``#into``; once done,
    ``#status`` says how many ``noun`` and its ``data-state`` is ``loaded`` (else ``failed``)."""
    return f"""(function () {{
  "use strict";
  var status = document.getElementById("status");
  fetch({url}, {{
    headers: {{"X-DreamFactory-API-Key": {key}, "Accept": "application/json"}}
  }}).then(function (response) {{
    return response.json().then(function (body) {{
      if (!response.ok) {{
        status.textContent = body.error ? body.error.message : "HTTP " + response.status;
        status.dataset.state = "failed";
        return;
      }}
      body.resource.forEach(function (row) {{
        var item = document.createElement("li");
        item.textContent = {label};
        document.getElementById("{into}").appendChild(item);
      }});
      status.textContent = body.resource.length + " {noun}";
      status.dataset.state = "loaded";
    }});
  }}).catch(function (error) {{
    status.textContent = error.message;
    status.dataset.state = "failed";
  }});
}})();
""".encode()


APP_JS = listing_script(
    '"/api/v2/db/_table/book?order=id"', "window.LIBRARY_API_KEY", "row.title", "books", "books"
)

APP_FILES = {"index.html": INDEX_HTML, "js/app.js": APP_JS}


def schema_json(*tables: dict[str, Any]) -> dict[str, Any]:
    return {"service": [{"name": "db", "table": list(tables)}]}


def data_json(**records: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "service": [{"name": "db", "table": [{"name": t, "record": r} for t, r in records.items()]}]
    }


def package_entries() -> dict[str, Any]:
    """The package's entries as values: JSON documents as Python data, files as bytes."""
    return {
        "description.json": DESCRIPTION,
        "schema.json": schema_json(BOOK, AUTHOR),
        "data.json": data_json(book=BOOKS, author=AUTHORS),
        **APP_FILES,
    }


def build_package(entries: dict[str, Any] | None = None) -> bytes:
    """A zip of the entries (default: the whole package); data is written as JSON."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, value in (package_entries() if entries is None else entries).items():
            content = value if isinstance(value, bytes) else json.dumps(value).encode()
            archive.writestr(name, content)
    return buffer.getvalue()


def upload(api: Api, package: bytes, name: str = "library.dfpkg", **fields: Any):
    """``POST system/app`` with the package as DreamFactory's console sends it (field ``file``)."""
    data = {"file": (io.BytesIO(package), name), **{k: str(v) for k, v in fields.items()}}
    return api.post("system/app", data=data, content_type="multipart/form-data")


def service_id(api: Api, name: str) -> int:
    found = api.get("system/service", query_string={"filter": f"name='{name}'", "fields": "id"})
    return found.get_json()["resource"][0]["id"]


def public_paths(api: Api, name: str = "files") -> list[str]:
    record = api.get(f"system/service/{service_id(api, name)}").get_json()
    return record["config"].get("public_path") or []


def table_names(api: Api, service: str = "db") -> set[str]:
    listed = api.get(f"{service}/_schema").get_json()["resource"]
    return {t["name"] for t in listed}


def app_names(api: Api) -> set[str]:
    return {a["name"] for a in api.get("system/app").get_json()["resource"]}
