"""How packages reach the services: the dispatcher's ``call_internal``, as the caller.

Every read and write of a package goes through the dispatcher as the caller (their
role, their requestor), so an export holds only what the caller may read and an import
creates only what the caller may create.
"""

from __future__ import annotations

from typing import Any

from app.dispatch.calls import call_internal
from app.vocabulary.calls import Requestor, ServiceRequest
from app.vocabulary.errors import ApiError


class Caller:
    """The package's caller: makes the calls it makes as the request's actor."""

    def __init__(self, actor: Any, requestor: Requestor = Requestor.API) -> None:
        self.actor = actor
        self.requestor = requestor

    @classmethod
    def of(cls, request: ServiceRequest) -> Caller:
        return cls(request.actor, request.requestor)

    def call(
        self,
        method: str,
        service: str,
        resource: str = "",
        *,
        params: dict[str, str] | None = None,
        payload: Any = None,
        content: bytes = b"",
        content_type: str | None = None,
    ) -> Any:
        """The answer's content; a refusal or failure raises its ``ApiError``."""
        request = ServiceRequest.internal(
            method,
            service,
            resource,
            params=params,
            payload=payload,
            content=content,
            content_type=content_type,
            actor=self.actor,
            requestor=self.requestor,
        )
        response = call_internal(request)
        if response.status >= 300:
            raise ApiError(f"{method} {service}/{resource} answered {response.status}.")
        return response.content

    def records(self, service: str, resource: str, params: dict[str, str] | None = None):
        """The records of a GET, unwrapped from ``resource``."""
        content = self.call("GET", service, resource, params=params)
        if isinstance(content, dict) and "resource" in content:
            return content["resource"]
        if isinstance(content, list):
            return content
        return [content]
