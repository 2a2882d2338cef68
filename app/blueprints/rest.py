"""The REST controller: ``/api[/v2]/{service}/{resource...}`` for every verb.

Thin on purpose: the access pipeline has already authenticated and authorized
the call (``g.actor``, ``g.method``); this view parses the body, builds a
``ServiceRequest`` and hands it to the service through ``services.dispatch``.
"""

from __future__ import annotations

from flask import Blueprint, g, request

from app.access import api_endpoint
from app.blueprints.payloads import parse_payload, takes_raw_body
from app.responses import render
from app.services import dispatch
from app.services.base import ServiceRequest, parse_api_path

bp = Blueprint("rest", __name__)

METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "MERGE"]


@bp.route("", defaults={"path": ""}, methods=METHODS, strict_slashes=False)
@bp.route("/<path:path>", methods=METHODS)
@api_endpoint
def handle(path: str):
    version, service, resource = parse_api_path(path)
    current = request._get_current_object()  # one context lookup, not one per attribute
    state = g._get_current_object()
    params = current.args.to_dict(flat=True)
    if not service:
        return render(dispatch.root_listing(state.actor, params))
    payload, content, stream = parse_payload(current, raw=takes_raw_body(service))
    service_request = ServiceRequest(
        method=state.method,
        service=service,
        resource=resource,
        params=params,
        headers=dict(current.headers),
        payload=payload,
        content=content,
        content_type=current.mimetype or None,
        actor=state.actor,
        uri=current.path,
        stream=stream,
        remote_addr=current.remote_addr,
    )
    response = dispatch.call(service_request)
    return dispatch.to_http(response)
