"""An address book package in the exact layout of DreamFactory's React sample app.

``df-react-example-application.dfpkg`` (dreamfactorysoftware/df-react-example-application)
is a flat zip: ``description.json``, ``schema.json`` and ``data.json`` beside the
built app's files (``index.html``, ``config.js``, ``static/...``, folders listed as
entries of their own). Its tables are those of the ``db`` service DreamFactory
seeds (``contact``, ``contact_info`` with ``ordinal``, ``contact_group``,
``contact_group_relationship``) and its records carry ids from 1, so on a default
instance they meet the seeded sample's tables and rows. The records here are made
up; the table definitions follow the package's ``schema.json`` field for field.
"""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

from tests.app_packages.conftest import listing_script

DESCRIPTION = {
    "name": "Address Book for React",
    "description": "An address book app for React showing user registration, user login, and CRUD.",
    "type": 1,
    "path": "index.html",
    "is_active": True,
}

FOLDER = "AddressBookForReact"
"""Where DreamFactory puts the app's files by default: its name camel-cased."""


def not_empty(message: str) -> dict[str, Any]:
    return {"not_empty": {"on_fail": message}}


CONTACT = {
    "description": "The main table for tracking contacts.",
    "name": "contact",
    "field": [
        {"name": "id", "label": "Contact Id", "type": "id"},
        {
            "name": "first_name",
            "type": "string",
            "size": 40,
            "allow_null": False,
            "is_index": True,
            "validation": not_empty("First name value must not be empty."),
        },
        {
            "name": "last_name",
            "type": "string",
            "size": 40,
            "allow_null": False,
            "is_index": True,
            "validation": not_empty("Last name value must not be empty."),
        },
        {
            "name": "image_url",
            "label": "image_url",
            "type": "text",
            "validation": {"url": {"on_fail": "Not a valid URL value."}},
            "allow_null": True,
        },
        {"name": "twitter", "label": "Twitter Handle", "type": "string", "size": 18},
        {"name": "skype", "label": "Skype Account", "type": "string", "size": 255},
        {"name": "notes", "label": "notes", "type": "text", "allow_null": True},
    ],
}

CONTACT_INFO = {
    "description": "The contact details sub-table, owned by contact table row.",
    "name": "contact_info",
    "field": [
        {"name": "id", "label": "Info Id", "type": "id"},
        {"name": "ordinal", "type": "integer", "allow_null": True},
        {
            "name": "contact_id",
            "type": "reference",
            "allow_null": False,
            "ref_table": "contact",
            "ref_fields": "id",
            "ref_on_delete": "CASCADE",
        },
        {
            "name": "info_type",
            "type": "string",
            "size": 32,
            "allow_null": False,
            "validation": {
                **not_empty("Information type can not be empty."),
                "picklist": {"on_fail": "Not a valid information type."},
            },
            "picklist": ["work", "home", "mobile", "other"],
        },
        {"name": "phone", "label": "Phone Number", "type": "string", "size": 32},
        {
            "name": "email",
            "label": "Email Address",
            "type": "string",
            "size": 255,
            "validation": {"email": {"on_fail": "Not a valid email address."}},
        },
        {"name": "address", "label": "Street Address", "type": "string"},
        {"name": "city", "label": "city", "type": "string", "size": 64},
        {"name": "state", "label": "state", "type": "string", "size": 64},
        {"name": "zip", "label": "zip", "type": "string", "size": 16},
        {"name": "country", "label": "country", "type": "string", "size": 64},
    ],
}

CONTACT_GROUP = {
    "description": "The main table for tracking groups of contact.",
    "name": "contact_group",
    "field": [
        {"name": "id", "type": "id"},
        {
            "name": "name",
            "type": "string",
            "size": 128,
            "allow_null": False,
            "validation": not_empty("Group name value must not be empty."),
        },
    ],
}


def reference(name: str, table: str) -> dict[str, Any]:
    return {
        "name": name,
        "type": "reference",
        "allow_null": False,
        "ref_table": table,
        "ref_fields": "id",
        "ref_on_delete": "CASCADE",
    }


CONTACT_GROUP_RELATIONSHIP = {
    "description": "The join table for tracking contacts in groups.",
    "name": "contact_group_relationship",
    "field": [
        {"name": "id", "type": "id"},
        reference("contact_id", "contact"),
        reference("contact_group_id", "contact_group"),
    ],
}

TABLES = [CONTACT, CONTACT_INFO, CONTACT_GROUP, CONTACT_GROUP_RELATIONSHIP]

CONTACTS = 40
INFOS_PER_CONTACT = 3
GROUPS = ["North", "South", "East", "West", "Central", "Overseas"]
KINDS = ["home", "work", "mobile"]


def records() -> dict[str, list[dict[str, Any]]]:
    """Made-up records with ids from 1, as the sample's ``data.json`` has them."""
    contacts = [
        {
            "id": i,
            "first_name": f"Given{i}",
            "last_name": f"Family{i}",
            "image_url": "",
            "twitter": f"@person{i}",
            "skype": f"person{i}",
            "notes": "",
        }
        for i in range(1, CONTACTS + 1)
    ]
    infos = [
        {
            "id": (c - 1) * INFOS_PER_CONTACT + n + 1,
            "ordinal": n,
            "contact_id": c,
            "info_type": KINDS[n],
            "phone": f"500 555-{c:04d}",
            "email": f"person{c}@{KINDS[n]}.example",
            "address": f"{c} Main St",
            "city": "Springfield",
            "state": "IL",
            "zip": "62701",
            "country": "USA",
        }
        for c in range(1, CONTACTS + 1)
        for n in range(INFOS_PER_CONTACT)
    ]
    groups = [{"id": i, "name": name} for i, name in enumerate(GROUPS, start=1)]
    members = [
        {"id": c, "contact_id": c, "contact_group_id": (c % len(GROUPS)) + 1}
        for c in range(1, CONTACTS + 1)
    ]
    return {
        "contact": contacts,
        "contact_info": infos,
        "contact_group": groups,
        "contact_group_relationship": members,
    }


INDEX_HTML = (
    b'<!doctype html><html lang="en"><head><meta charset="utf-8"/>'
    b'<title>React App</title><script src="./config.js"></script>'
    b'<link href="./static/css/main.chunk.css" rel="stylesheet"></head>'
    b'<body><p id="status">Loading...</p><ul id="root"></ul>'
    b'<script src="./static/js/main.chunk.js"></script></body></html>'
)
CONFIG_JS = b"window.appConfig = {\n  INSTANCE_URL: '',\n  APP_API_KEY: '',\n};\n"
"""The sample's own ``config.js``: whoever installs it fills in the app's API key."""

MAIN_JS = listing_script(
    'window.appConfig.INSTANCE_URL + "/api/v2/db/_table/contact'
    '?order=id&related=contact_info_by_contact_id"',
    "window.appConfig.APP_API_KEY",
    'row.first_name + " " + row.last_name + " (" + row.contact_info_by_contact_id.length + ")"',
    "root",
    "contacts",
)
"""The app: lists the contacts, each with how many contact details it has."""

FILES = {
    "config.js": CONFIG_JS,
    "index.html": INDEX_HTML,
    "static/": b"",
    "static/css/": b"",
    "static/css/main.chunk.css": b"body { margin: 0; }\n",
    "static/js/": b"",
    "static/js/main.chunk.js": MAIN_JS,
}


def entries(
    tables: list[dict[str, Any]] | None = None, data: dict[str, list[dict[str, Any]]] | None = None
) -> dict[str, bytes]:
    """The package's entries in the sample's order (sorted, as ``zip -r`` writes them)."""
    documents = {
        "description.json": DESCRIPTION,
        "schema.json": {"service": [{"name": "db", "table": TABLES if tables is None else tables}]},
        "data.json": {
            "service": [
                {
                    "name": "db",
                    "table": [
                        {"name": name, "record": rows}
                        for name, rows in (records() if data is None else data).items()
                    ],
                }
            ]
        },
    }
    found = {name: json.dumps(doc, indent=2).encode() for name, doc in documents.items()}
    return dict(sorted({**found, **FILES}.items()))


def build(entries_: dict[str, bytes] | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in (entries() if entries_ is None else entries_).items():
            archive.writestr(name, content)
    return buffer.getvalue()
