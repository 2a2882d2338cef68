"""Access control: the before_request pipeline, and the mark of the views it guards.

Internal calls (scripts, jobs, tasks) get the same checks through
``access.calls.check_call``, which the dispatcher's ``call_internal`` runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.access.cors import add_cors_headers
from app.access.pipeline import PIPELINE

if TYPE_CHECKING:
    from flask import Flask


def api_endpoint(view):
    """Mark a view as an API endpoint: authentication and authorization run before it."""
    view.api = True
    return view


def cors_endpoint(view):
    """Mark a view outside the API paths whose cross-origin calls follow the ``system/cors``
    rules all the same (``cors.apply_cors``), as ``/mcp`` for browser-based MCP clients."""
    view.cors = True
    return view


def init_app(app: Flask) -> None:
    for step in PIPELINE:
        app.before_request(step)
    app.after_request(add_cors_headers)
