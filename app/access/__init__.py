"""Access control: the before_request pipeline and the checks internal calls reuse."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask

    from app.vocabulary.calls import ServiceRequest


def api_endpoint(view):
    """Mark a view as an API endpoint: authentication and authorization run before it."""
    view.api = True
    return view


def check_call(service_request: ServiceRequest) -> None:
    """Authorize an internal call (script, job) exactly as the pipeline does an HTTP one."""
    from app.access.calls import check_call as check

    check(service_request)


def init_app(app: Flask) -> None:
    from app.access.cors import add_cors_headers
    from app.access.pipeline import PIPELINE

    for check in PIPELINE:
        app.before_request(check)
    app.after_request(add_cors_headers)
