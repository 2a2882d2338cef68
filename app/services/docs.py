"""The ``swagger`` service type: API documentation of every service (``api_docs``)."""

from __future__ import annotations

from app.services.base import BaseService


class ApiDocsService(BaseService):
    type = "swagger"
    label = "API Docs"
    group = "API Doc"
    description = "API documenting and testing service."
    singleton = True
