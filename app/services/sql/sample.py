"""The sample database of the seeded ``db`` service, so a new user sees data at once.

DreamFactory's own sample shape: contacts, their contact details (a
``has_many``), groups joined to contacts through a junction table (a
``many_many``), and a todo list. ``create_sample`` writes it only when the
file does not exist yet, building it in a temporary file first so a crash
or a second worker never leaves a half-made database behind.
"""

from __future__ import annotations

import logging
import os
import tempfile

import sqlalchemy as sa

logger = logging.getLogger(__name__)

metadata = sa.MetaData()
contact = sa.Table(
    "contact",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("first_name", sa.String(40), nullable=False),
    sa.Column("last_name", sa.String(40), nullable=False),
    sa.Column("image_url", sa.Text),
    sa.Column("twitter", sa.String(18)),
    sa.Column("skype", sa.String(255)),
    sa.Column("notes", sa.Text),
)
contact_info = sa.Table(
    "contact_info",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("ordinal", sa.Integer, server_default="0"),  # DreamFactory's: packages fill it
    sa.Column(
        "contact_id", sa.Integer, sa.ForeignKey("contact.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("info_type", sa.String(32), nullable=False),
    sa.Column("phone", sa.String(32)),
    sa.Column("email", sa.String(255)),
    sa.Column("address", sa.String(255)),
    sa.Column("city", sa.String(64)),
    sa.Column("state", sa.String(64)),
    sa.Column("zip", sa.String(16)),
    sa.Column("country", sa.String(64)),
)
contact_group = sa.Table(
    "contact_group",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(128), nullable=False, unique=True),
)
contact_group_relationship = sa.Table(
    "contact_group_relationship",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column(
        "contact_id", sa.Integer, sa.ForeignKey("contact.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column(
        "contact_group_id",
        sa.Integer,
        sa.ForeignKey("contact_group.id", ondelete="CASCADE"),
        nullable=False,
    ),
)
todo = sa.Table(
    "todo",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(80), nullable=False, unique=True),
    sa.Column("complete", sa.Boolean, nullable=False, server_default=sa.false()),
)

CONTACTS = [
    (1, "Jon", "Yang", "@jonyang", "Met at the 2024 conference."),
    (2, "Eugene", "Huang", None, None),
    (3, "Ruben", "Torres", "@rtorres", "Prefers e-mail."),
    (4, "Christy", "Zhu", None, "Call before noon."),
    (5, "Elizabeth", "Johnson", "@ejohnson", None),
]
INFOS = [
    (1, 1, "home", "500 555-0162", "jon24@example.com", "3761 N. 14th St", "Rockhampton"),
    (2, 1, "work", "500 555-0110", "jon.yang@example.com", "1 Main St", "Brisbane"),
    (3, 2, "home", "500 555-0184", "eugene10@example.com", "2243 W St.", "Seaford"),
    (4, 3, "mobile", "500 555-0126", "ruben35@example.com", "5844 Linden Land", "Hobart"),
    (5, 4, "work", "500 555-0124", "christy12@example.com", "1825 Village Pl.", "North Ryde"),
    (6, 5, "home", "500 555-0131", "elizabeth5@example.com", "7553 Harness Circle", "Wollongong"),
]
GROUPS = [(1, "Friends"), (2, "Work"), (3, "Family")]
MEMBERS = [(1, 1, 1), (2, 1, 2), (3, 2, 2), (4, 3, 1), (5, 4, 3), (6, 5, 2)]
TODOS = [(1, "Try the API docs", True), (2, "Create a role", False), (3, "Add an app", False)]


def _fill(engine: sa.Engine) -> None:
    metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(
            contact.insert(),
            [
                {"id": i, "first_name": f, "last_name": last, "twitter": t, "notes": n}
                for i, f, last, t, n in CONTACTS
            ],
        )
        conn.execute(
            contact_info.insert(),
            [
                {
                    "id": i,
                    "contact_id": c,
                    "info_type": kind,
                    "phone": phone,
                    "email": email,
                    "address": address,
                    "city": city,
                    "country": "Australia",
                }
                for i, c, kind, phone, email, address, city in INFOS
            ],
        )
        conn.execute(contact_group.insert(), [{"id": i, "name": n} for i, n in GROUPS])
        conn.execute(
            contact_group_relationship.insert(),
            [{"id": i, "contact_id": c, "contact_group_id": g} for i, c, g in MEMBERS],
        )
        conn.execute(todo.insert(), [{"id": i, "name": n, "complete": d} for i, n, d in TODOS])


def create_sample(path: str) -> bool:
    """Create the sample database at ``path`` unless a file is there; True when created."""
    if os.path.exists(path):
        return False
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    handle, temporary = tempfile.mkstemp(suffix=".sqlite", dir=folder)
    os.close(handle)
    try:
        engine = sa.create_engine(f"sqlite:///{temporary}", poolclass=sa.NullPool)
        try:
            _fill(engine)
        finally:
            engine.dispose()
        if os.path.exists(path):  # another worker was quicker
            return False
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)
    logger.info("sample database created at %s", path)
    return True
