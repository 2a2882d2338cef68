"""Every check in ``PIPELINE`` leaves non-API pages alone and runs for API requests."""

from __future__ import annotations

import pytest

from app.access.pipeline import PIPELINE
from tests.conftest import assert_error


@pytest.mark.parametrize("check", PIPELINE, ids=lambda c: c.__name__)
def test_checks_leave_pages_outside_the_api_alone(app, check):
    from flask import g

    with app.test_request_context("/status", headers={"Origin": "https://x.example.com"}):
        assert check() is None
        assert "actor" not in g


def test_order():
    names = [check.__name__ for check in PIPELINE]
    assert names.index("check_status") < names.index("authenticate")
    assert names.index("override_verb") < names.index("authenticate") < names.index("authorize")
    assert names.index("authorize") < names.index("enforce_limits")


def test_maintenance_stops_the_api_before_authentication(app, client):
    app.config["MAINTENANCE"] = True
    client.environ_base["HTTP_X_DREAMFACTORY_SESSION_TOKEN"] = "garbage"
    assert_error(
        client.get("/api/v2/system/service"),
        503,
        "This instance is in maintenance mode. Please try again later.",
    )
    assert client.get("/status").status_code == 200
