"""A remote storage's failures as the errors a client can act on, never a 500.

An authentication or permission failure of the backend (401/403: wrong key,
expired token, no right on the bucket, an SSH login refused) is the server's
configuration, not the client's credentials: it answers 502 with the backend's
own reason. A missing bucket is 404; a timeout 504; a host that cannot be
reached 503; anything else the backend answers is 502 with its code and
message. An HTTP backend's refusal (WebDAV) comes as an error with the
``response`` it got (``requests.HTTPError``): 401 is a refused login, 403 a
refused operation, both 502 with the status and reason, as any other status. A
TLS failure is a 502 too (the server is reached but not trusted), not the 503
of an unreachable host. Only the error's class names are read here (and
those of the errors it was raised while handling: paramiko reports a timed-out
handshake as an ``SSHException`` raised from the ``TimeoutError``) and that
response's status, so this module needs no client library.
"""

from __future__ import annotations

import logging
from typing import Any

from app.vocabulary.errors import (
    ApiError,
    BadGateway,
    GatewayTimeout,
    NotFound,
    ServiceUnavailable,
)

logger = logging.getLogger(__name__)

AUTH_CODES = frozenset(
    {
        "AccessDenied",
        "InvalidAccessKeyId",
        "SignatureDoesNotMatch",
        "ExpiredToken",
        "InvalidToken",
        "AllAccessDisabled",
        "AccountProblem",
        "401",
        "403",
    }
)
"""S3 error codes that mean the server's credentials were refused."""

MISSING_CONTAINER = frozenset({"NoSuchBucket"})

REFUSED_LOGINS = ("AuthenticationException",)
"""Client errors (paramiko's) meaning the server refused the service's credentials."""

TIMEOUTS = ("ConnectTimeoutError", "ReadTimeoutError", "Timeout", "TimeoutError")
UNREACHABLE = (
    "EndpointConnectionError",
    "ConnectionClosedError",
    "ConnectionError",
    "NoValidConnectionsError",
    "gaierror",
)


def _names(exc: BaseException) -> set[str]:
    return {cls.__name__ for cls in type(exc).__mro__}


def _chain_names(exc: BaseException) -> set[str]:
    """Class names of ``exc`` and of the errors it was raised from or while handling."""
    names: set[str] = set()
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        names |= _names(current)
        current = current.__cause__ or current.__context__
    return names


def client_error_parts(exc: BaseException) -> tuple[str, str, int]:
    """(code, message, HTTP status) of a botocore ``ClientError``."""
    response: dict[str, Any] = getattr(exc, "response", None) or {}
    error = response.get("Error") or {}
    status = int((response.get("ResponseMetadata") or {}).get("HTTPStatusCode") or 0)
    return str(error.get("Code") or status), str(error.get("Message") or ""), status


def remote_error(exc: BaseException, what: str, container: str) -> ApiError:
    """The client's error for ``exc``, raised by the storage of ``what`` (``S3``...)."""
    names = _names(exc)
    if "ClientError" in names:
        code, message, status = client_error_parts(exc)
        reason = f"{code}: {message}" if message else code
        if code in MISSING_CONTAINER:
            return NotFound(f"The {what} container '{container}' does not exist.")
        if code in AUTH_CODES or status in (401, 403):
            return BadGateway(f"The {what} storage refused the service's credentials ({reason}).")
        return BadGateway(f"The {what} storage answered an error ({reason}).")
    if "ParamValidationError" in names:
        detail = str(exc).splitlines()[-1].strip()
        return BadGateway(f"The {what} service's settings are not valid: {detail}")
    if "NoCredentialsError" in names:
        return BadGateway(f"The {what} service has no credentials (key and secret).")
    response = getattr(exc, "response", None)
    status = getattr(response, "status_code", None)
    if isinstance(status, int):  # an HTTP backend's answer (requests' HTTPError)
        reason = f"{status} {getattr(response, 'reason', None) or ''}".strip()
        if status == 401:
            return BadGateway(f"The {what} storage refused the service's credentials ({reason}).")
        if status == 403:
            return BadGateway(f"The {what} storage refused the operation ({reason}).")
        return BadGateway(f"The {what} storage answered an error ({reason}).")
    if "SSLError" in names:
        return BadGateway(f"The {what} storage's TLS connection failed (certificate or protocol).")
    if any(name in names for name in REFUSED_LOGINS):
        return BadGateway(f"The {what} storage refused the service's credentials ({exc}).")
    for found in (names, _chain_names(exc)):  # the error's own class decides first
        if any(name in found for name in TIMEOUTS):
            return GatewayTimeout(f"The {what} storage did not answer in time.")
        if any(name in found for name in UNREACHABLE):
            return ServiceUnavailable(f"The {what} storage cannot be reached.")
    if "SSHException" in names:
        return BadGateway(f"The {what} storage failed: {exc}")
    logger.error("%s storage failed: %r", what, exc)
    return BadGateway(f"The {what} storage failed: {type(exc).__name__}.")
