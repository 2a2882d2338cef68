"""Event names of rws calls: from the service's own OpenAPI document when it has one."""

from __future__ import annotations

from app.services.event_paths import map_for, target_for
from tests.services.rws.conftest import make_rws

DOC = {
    "openapi": "3.0.0",
    "info": {"title": "remote", "version": "1"},
    "paths": {
        "/users": {"get": {}, "post": {}},
        "/users/{id}": {"get": {}, "delete": {}},
    },
}


def built(app, name="remote"):
    from app import system_cache
    from app.services import build_service

    return build_service(system_cache.require_service_info(name))


def test_requests_matching_the_document_fire_its_paths(app, admin, remote):
    from app.vocabulary.calls import ServiceRequest

    make_rws(admin, base_url=remote.url, openapi=DOC)
    with app.test_request_context():
        service = built(app)
        one = target_for(service, ServiceRequest("GET", "remote", "users/42"))
        listing = target_for(service, ServiceRequest("POST", "remote", "users"))
        other = target_for(service, ServiceRequest("GET", "remote", "things/1"))
        root = target_for(service, ServiceRequest("GET", "remote", ""))
    assert (one.paths, one.resource) == (("remote.users.{id}",), {"id": "42"})
    assert (listing.paths, listing.resource) == (("remote.users",), None)
    assert (other.paths, other.resource) == (("remote",), "things/1")
    assert (root.paths, root.resource) == (("remote",), None)


def test_event_map_lists_the_document_and_every_verb_of_the_root(app, admin, remote):
    make_rws(admin, base_url=remote.url, openapi=DOC)
    make_rws(admin, name="plain", base_url=remote.url)
    with app.test_request_context():
        events = map_for(built(app))
        plain = map_for(built(app, "plain"))
    assert events["remote"]["endpoints"] == [
        "remote.get",
        "remote.post",
        "remote.put",
        "remote.patch",
        "remote.delete",
    ]
    assert events["remote.users"]["endpoints"] == ["remote.users.get", "remote.users.post"]
    assert events["remote.users.{id}"]["endpoints"] == [
        "remote.users.{id}.get",
        "remote.users.{id}.delete",
    ]
    assert list(plain) == ["plain"]
