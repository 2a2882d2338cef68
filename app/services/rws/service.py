"""The ``rws`` service type: DreamFactory's HTTP Service, a gateway to a remote API.

``/api/v2/{service}/{path}`` becomes ``{base_url}/{path}`` with the client's
verb, query, body and content type, plus the configured parameters and
headers (see ``outbound``). HEAD goes on as HEAD (everywhere else it is
handled as GET) and OPTIONS as OPTIONS, when ``allowed_verbs`` lets them;
a CORS preflight never gets here (``access.cors`` answers it first when a
rule matches). The remote's answer goes back as it came: status,
body (streamed, never held whole in memory unless it is being cached) and the
headers a client may safely see (see ``transport.DROPPED_HEADERS``).

The remote's own errors (4xx, 5xx) are relayed unchanged, body and content
type included, so a client sees what the remote said; DreamFactory wraps them
in its error envelope instead (message = the remote's body), which loses the
remote's structure. Failures to reach the remote are ours and come as
envelopes: 502 (unreachable, TLS, broken connection, redirect loop), 504
(timeout). A verb not in ``allowed_verbs`` gets a 405. Only GET answers are
cached; HEAD neither reads nor fills the cache.

Any ``base_url`` is accepted, private and loopback addresses included: the
service is configured by an administrator who means it, and it is their
decision which internal APIs to expose (through roles, like any service).
"""

from __future__ import annotations

import logging
from typing import Any, ClassVar

from app.services.base import VERBS, BaseService
from app.services.rws import cache, masking, outbound, transport
from app.services.rws.config import DEFAULT_TIMEOUT, RwsConfigSchema
from app.vocabulary.calls import ServiceRequest, ServiceResponse
from app.vocabulary.errors import MethodNotAllowed

logger = logging.getLogger(__name__)

NO_BODY_STATUSES = frozenset({204, 304})


class RemoteWebService(BaseService):
    type = "rws"
    label = "HTTP Service"
    group = "Remote Service"
    description = "A service to handle Remote Web Services"
    config_schema = RwsConfigSchema
    raw_body = True
    root_event_verbs: ClassVar[tuple[str, ...]] = ("get", "post", "put", "patch", "delete")

    @staticmethod
    def mask_secrets(config: dict[str, Any]) -> dict[str, Any]:
        """The config as ``system/service`` shows it (see ``masking``)."""
        return masking.mask_secrets(config)

    @staticmethod
    def restore_secrets(config: dict[str, Any], stored: dict[str, Any] | None) -> dict[str, Any]:
        """A written config with masked values taken from the stored one (see ``masking``)."""
        return masking.restore_secrets(config, stored)

    def handle(self, request: ServiceRequest) -> ServiceResponse:
        self.require_verb(outbound.verb(request))
        call = outbound.build(self.config, request, self.name)
        key = None
        ttl = self.cache_ttl()
        if ttl and call.method == "GET":
            key = cache.cache_key(self.id, call)
            hit = cache.lookup(key)
            if hit is not None:
                return hit
        timeout = float(self.config.get("timeout") or DEFAULT_TIMEOUT)
        options = self.config.get("options") or {}
        response = transport.send(call, options, timeout, self.name)
        answer = ServiceResponse(
            status=response.status,
            content_type=response.headers.get("content-type"),
            headers=transport.relayed_headers(response),
        )
        if key is not None and cache.cacheable(response):
            remote = transport.origin(call.url)
            return cache.keep(key, ttl, response, answer, self.name, remote, timeout)
        body = transport.RemoteBody(response, self.name)
        if call.method == "HEAD" or response.status in NO_BODY_STATUSES:
            body.complete = True  # nothing follows the headers: the connection can be reused
        answer.content = body
        return answer

    def require_verb(self, method: str) -> None:
        allowed = [v for v in VERBS if v in (self.config.get("allowed_verbs") or VERBS)]
        if method not in allowed:
            error = MethodNotAllowed(f"{method} is not allowed on service '{self.name}'.")
            error.headers = {"Allow": ", ".join(allowed)}
            raise error

    def cache_ttl(self) -> int:
        """Seconds GET answers are cached; 0 when caching is off."""
        if not self.config.get("cache_enabled"):
            return 0
        return int(self.config.get("cache_ttl") or 0)
