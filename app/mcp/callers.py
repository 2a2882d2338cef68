"""Who may use MCP: REST's credentials, then the app's switch (``allow_mcp``, off by default).

A sys admin may always; anyone else comes through an app whose ``allow_mcp``
an admin turned on, and reaches what that app's role (or their role through
it) reaches. No credentials at all is REST's 401 and message.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.access import authn
from app.access.authz import NO_CREDENTIALS
from app.mcp.jsonrpc import REFUSED, RpcError
from app.vocabulary.errors import ApiError, Forbidden, Unauthorized

if TYPE_CHECKING:
    from app.access.actor import Actor

NOT_ALLOWED = (
    "MCP is not enabled for this app: send the API key of an app whose allow_mcp an admin "
    "turned on (system/app)."
)


def require_caller(creds: authn.Credentials) -> Actor:
    """The actor of these credentials, allowed to use MCP; raises REST's refusal otherwise."""
    if creds.api_key is None and creds.session_token is None and creds.basic is None:
        raise Unauthorized(NO_CREDENTIALS)
    actor = authn.resolve_actor(creds, "POST", "mcp")
    if actor.is_sys_admin:
        return actor
    if actor.app is None or not actor.app.allow_mcp:
        raise Forbidden(NOT_ALLOWED)
    return actor


def refusal(exc: ApiError) -> RpcError:
    """REST's refusal as a JSON-RPC error: its message, and DreamFactory's envelope as data."""
    return RpcError(REFUSED, exc.message, {"error": exc.to_dict()})
