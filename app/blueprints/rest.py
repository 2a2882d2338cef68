"""The REST controller: ``/api[/v2]/{service}/{resource...}`` for every verb.

Thin on purpose: the access pipeline has already authenticated and authorized
the call (``g.actor``, ``g.method``); this view parses the body, builds a
``ServiceRequest`` and hands it to the service through ``app.dispatch``.

A verb tunnel is consumed here: a ``method`` query parameter that chose the verb
(``POST ...?method=DELETE``) is not one of the call's parameters, so no service
sees it or sends it on (one that did not choose the verb, on a GET say, stays).
A tunnelled HEAD (``X-HTTP-Method: HEAD`` on a POST) is a HEAD for the service
(``ServiceRequest.head``) and, as for a real HEAD, the client gets the headers
only: the body is dropped and, the answer being to a POST, its length is 0.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import Blueprint, g, request
from werkzeug.datastructures import MultiDict

from app import dispatch
from app.access import api_endpoint
from app.access.pipeline import TUNNEL_PARAM
from app.blueprints.payloads import parse_payload, takes_raw_body
from app.responses import render
from app.vocabulary.calls import ServiceRequest
from app.vocabulary.paths import parse_api_path

if TYPE_CHECKING:
    from flask import Response

bp = Blueprint("rest", __name__)

METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "MERGE"]


def _pair_count(args: MultiDict[str, str]) -> int:
    """How many ``name=value`` pairs the query holds (a repeated name counts each time)."""
    return sum(len(values) for values in args.listvalues())


@bp.route("", defaults={"path": ""}, methods=METHODS, strict_slashes=False)
@bp.route("/<path:path>", methods=METHODS)
@api_endpoint
def handle(path: str):
    version, service, resource = parse_api_path(path)
    current = request._get_current_object()  # one context lookup, not one per attribute
    state = g._get_current_object()
    args = current.args
    if state.verb_tunnel == TUNNEL_PARAM:
        args = MultiDict((k, v) for k, v in args.items(multi=True) if k != TUNNEL_PARAM)
    params = args.to_dict(flat=True)
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
        query=list(args.items(multi=True)) if len(params) < _pair_count(args) else None,
        head=state.asked_verb == "HEAD",
    )
    response = dispatch.call(service_request)
    answer = dispatch.to_http(response)
    if service_request.head and current.method != "HEAD":
        _drop_body(answer)
    return answer


def _drop_body(answer: Response) -> None:
    """Headers only for a tunnelled HEAD: what a server does for a real one, except the
    length, which must be the (empty) body's since the client sent a POST."""
    close = getattr(answer.response, "close", None)
    if callable(close):
        close()  # the body may hold a file or a remote connection
    answer.direct_passthrough = False
    answer.set_data(b"")
