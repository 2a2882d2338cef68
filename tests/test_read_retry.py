"""Which requests ``RetryReads`` runs a second time after a lost database connection.

A small Flask app stands in for the API: its view fails the way a lost
connection makes a request fail (a 503 with the disconnect noted) as often as
the test says, optionally after committing. The database side of it is covered
through real servers in ``tests/test_db_restart.py``.
"""

from __future__ import annotations

import pytest
from flask import Flask, request

from app.read_retry import RetryReads, note_commit, note_disconnect


@pytest.fixture
def attempts():
    return {"failures": 1, "commit": False, "noted": True, "runs": 0}


@pytest.fixture
def client(attempts):
    app = Flask(__name__)

    @app.route("/thing", methods=["GET", "HEAD", "POST"])
    def thing():
        attempts["runs"] += 1
        if attempts["runs"] > attempts["failures"]:
            return {"ok": True, "body": request.get_data(as_text=True)}
        if attempts["commit"]:
            note_commit()
        if attempts["noted"]:
            note_disconnect()
        return {"error": "lost"}, 503

    app.wsgi_app = RetryReads(app.wsgi_app)  # type: ignore[method-assign]
    return app.test_client()


@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_a_read_meeting_a_dead_connection_runs_once_more(client, attempts, method):
    response = client.open("/thing", method=method)
    assert response.status_code == 200
    assert attempts["runs"] == 2


def test_a_read_is_run_again_only_once(client, attempts):
    attempts["failures"] = 5
    assert client.get("/thing").status_code == 503
    assert attempts["runs"] == 2


@pytest.mark.parametrize(
    ("change", "call"),
    [
        ({}, lambda c: c.post("/thing")),
        ({}, lambda c: c.get("/thing", data="filter=x")),
        ({"commit": True}, lambda c: c.get("/thing")),
        ({"noted": False}, lambda c: c.get("/thing")),
    ],
    ids=["a-write", "a-read-with-a-body", "a-read-that-committed", "a-503-of-another-kind"],
)
def test_what_is_not_run_again(client, attempts, change, call):
    attempts.update(change)
    assert call(client).status_code == 503
    assert attempts["runs"] == 1
