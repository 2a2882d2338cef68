"""CORS rule matching (glob, regex, longest wins) without HTTP."""

from __future__ import annotations

from app.access.cors import CorsRule


def rule(path, origins=("*",), mask=3):
    return CorsRule(path, tuple(origins), (), (), mask, 0, False)


def test_globs_and_regexes():
    assert rule("api/*").matches("api/v2/db/_table/x")
    assert rule("/api/*").matches("api/v2")
    assert rule("*").matches("api/v2/system")
    assert not rule("api/v2/db/*").matches("api/v2/files/x")
    assert rule("^api/v2/(db|files)").matches("API/v2/files/a")
    assert not rule("^api/v2/(db").matches("api/v2/db")  # invalid regex never matches


def test_origins_and_methods():
    r = rule("*", origins=("https://a.example", "https://b.example"), mask=1 | 16)
    assert r.allows_origin("https://A.example")
    assert not r.allows_origin("https://evil.example")
    assert r.allows_method("GET") and r.allows_method("head") and r.allows_method("DELETE")
    assert not r.allows_method("POST")
    assert r.methods == ["GET", "DELETE"]
