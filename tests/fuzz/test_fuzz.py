"""Fuzzing the live documents of ``system``, ``user``, ``db`` and ``files`` (schemathesis).

Each test loads a service's own ``_spec`` (in OpenAPI 3.1, as built) from a fresh seeded app (in
process, through WSGI), set up as an admin would (an e-mail service for
password resets and invitations), and has schemathesis send generated
requests, valid and invalid, to every operation as the admin. A response
fails the test when it is a 5xx, or breaks the document it came from: an
undocumented status, a content type the operation does not declare, a body
or header that does not match its schema. Nothing else is asserted: a 400
for a request the document allows is not a failure (an id that names no
record, a duplicate name...).

Bounded to stay near a minute of CPU for the four services (``system``'s and ``db``'s
operations split into ``SHARDS`` tests, which the test processes run side by
side): ``MAX_EXAMPLES`` per operation and mode, no coverage or stateful phases, deterministic
generation (the same requests every run for the same code and documents),
the SQLite system store only. Before each call the admin is checked to be
active, hold a valid token and face no usage limit, and is put back so when
a generated request changed that (a logout, a password change, a limit of
one call a day): otherwise the rest of the run would be 401s and 429s.
Deselect with ``-m "not fuzz"``.
"""

from __future__ import annotations

import pytest
import schemathesis
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.conftest import ADMIN_EMAIL

pytestmark = [pytest.mark.fuzz, pytest.mark.parametrize("backend", ["sqlite"])]

MAX_EXAMPLES = 6
"""Generated cases per operation and generation mode (positive, negative)."""

CONFIG = SchemathesisConfig.from_dict(
    {
        "suppress-health-check": ["all"],
        "generation": {
            "mode": "all",
            "max-examples": MAX_EXAMPLES,
            "deterministic": True,
            "database": "none",
        },
        "phases": {"coverage": {"enabled": False}, "stateful": {"enabled": False}},
    }
)
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


@pytest.fixture
def fresh_headers(app):
    """Headers with a valid token of an active admin, no usage limit in force.

    Checked before every call with reads only; the admin is re-activated, limits
    removed and a token minted only when a generated request changed them.
    """
    from app.access import tokens
    from app.extensions import db
    from app.models import Limit, RateCounter, TokenMap, User

    current: dict[str, str] = {}

    def make() -> dict[str, str]:
        with app.app_context():
            admin = db.session.get(User, 1)
            assert admin is not None and admin.is_sys_admin
            limited = db.session.scalar(sa.select(Limit.id).limit(1)) is not None
            valid = current.get("email") == admin.email and db.session.get(
                TokenMap, current.get("jti", "")
            )
            if admin.is_active and not limited and valid:
                db.session.remove()
                return {"X-DreamFactory-Session-Token": current["token"]}
            admin.is_active = True
            for model in (RateCounter, Limit):
                for row in db.session.scalars(sa.select(model)).all():
                    db.session.delete(row)
            token, claims = tokens.issue(admin.id, admin.email)
            db.session.commit()
            current.update(token=token, jti=claims["jti"], email=admin.email)
            db.session.remove()
        return {"X-DreamFactory-Session-Token": token}

    return make


def load(app, fresh_headers, service: str):
    return schemathesis.openapi.from_wsgi(
        f"/api/v2/{service}/_spec?openapi=3.1", app, headers=fresh_headers(), config=CONFIG
    )


SETTINGS = settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
MODES = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)


def fuzz(schema, fresh_headers, shard: int = 0, shards: int = 1) -> list[str]:
    """Run every operation (of one ``shard`` of ``shards``: every ``shards``-th, from the
    ``shard``-th) in both modes; the failures found, each with its reproduction.

    (schemathesis's own pytest integration is not used: its subtests need a
    pytest internal that pytest 9 no longer has.)
    """
    problems = []
    for index, result in enumerate(schema.get_all_operations()):
        if index % shards != shard:
            continue
        operation = result.ok()
        for mode in MODES:

            @SETTINGS
            @given(case=operation.as_strategy(generation_mode=mode))
            def run(case):
                case.call_and_validate(headers=fresh_headers(), checks=CHECKS)

            try:
                run()
            except Unsatisfiable:
                # nothing to make invalid: an operation without parameters or body
                assert mode is GenerationMode.NEGATIVE, operation.label
            except (Exception, BaseExceptionGroup) as exc:  # reported together below
                problems.append(f"{operation.label} ({mode.value}): {exc}")
    return problems


@pytest.fixture
def instance(admin):
    """The seeded instance, set up as an admin would: e-mail for resets and invitations (to
    .eml files: the seeded ``email`` service needs a sendmail the tests' machine has not)."""
    created = admin.post(
        "system/service",
        json={
            "resource": [
                {
                    "name": "outbox",
                    "type": "local_email",
                    "config": {"from_email": "noreply@example.com"},
                }
            ]
        },
    )
    assert created.status_code == 201, created.get_json()
    email_id = created.get_json()["resource"][0]["id"]
    settings_ = {"password_email_service_id": email_id, "invite_email_service_id": email_id}
    assert admin.patch("system/config", json=settings_).status_code == 200


SHARDS = {"system": 4, "db": 2}
"""Services whose operations are fuzzed in several tests, so the test processes share them."""


@pytest.mark.parametrize(
    ("service", "shard"),
    [
        (name, shard)
        for name in ("system", "user", "db", "files")
        for shard in range(SHARDS.get(name, 1))
    ],
)
def test_service_against_its_document(app, instance, fresh_headers, service, shard):
    schema = load(app, fresh_headers, service)
    problems = fuzz(schema, fresh_headers, shard, SHARDS.get(service, 1))
    assert not problems, "\n\n".join(problems)


def test_admin_is_the_first_user(app):
    """``fresh_headers`` relies on the seeded admin being user 1."""
    from app.extensions import db as store
    from app.models import User

    with app.app_context():
        admin = store.session.scalar(sa.select(User).where(User.email == ADMIN_EMAIL))
        assert admin is not None and admin.id == 1
        store.session.remove()
