"""Access control: the before_request pipeline and the checks internal calls reuse."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask


def api_endpoint(view):
    """Mark a view as an API endpoint: authentication and authorization run before it."""
    view.api = True
    return view


def init_app(app: Flask) -> None:
    from app.access.pipeline import PIPELINE

    for check in PIPELINE:
        app.before_request(check)
