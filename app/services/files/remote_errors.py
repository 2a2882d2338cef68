"""A remote storage's failures as the errors a client can act on, never a 500.

An authentication or permission failure of the backend (401/403: wrong key,
expired token, no right on the bucket or container, an SSH login refused,
FTP's 530) is the server's configuration, not the client's credentials: it
answers 502 with the backend's own reason. A missing bucket or container is
404; a timeout 504; a host that cannot be reached (or an FTP server closing
with 421, too busy) 503; a TLS certificate not trusted 502 naming why;
anything else the backend answers is 502 with its code and message (an FTP
reply as the server worded it; an HTTP status and reason, WebDAV's, given as
an error carrying the ``response``, as ``requests.HTTPError``: its 403 is a
refused operation rather than refused credentials). Only the error's class names and attributes
are read here (botocore's ``ClientError``, azure-core's ``HttpResponseError``
and transport errors, paramiko's, ftplib's), and those of the errors it was
raised while handling (paramiko reports a timed-out handshake as an
``SSHException`` raised
from the ``TimeoutError``), so this module needs no client library.
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
        "AuthenticationFailed",
        "AuthorizationFailure",
        "AuthorizationPermissionMismatch",
        "401",
        "403",
    }
)
"""S3 and Azure error codes that mean the server's credentials were refused."""

MISSING_CONTAINER = frozenset({"NoSuchBucket", "ContainerNotFound"})

REFUSED_LOGINS = ("AuthenticationException",)
"""Client errors (paramiko's) meaning the server refused the service's credentials."""

ANSWERS = ("ClientError", "HttpResponseError")
"""An error the storage answered (botocore's, azure-core's), with a code and a message."""

FTP_REPLIES = ("error_reply", "error_temp", "error_perm", "error_proto")
"""ftplib's errors for an FTP server's reply; their message is the reply, code first."""

FTP_REFUSED_LOGINS = ("530", "332")
"""FTP replies refusing a login (not logged in; an account is needed)."""

TIMEOUTS = (
    "ConnectTimeoutError",
    "ReadTimeoutError",
    "Timeout",
    "TimeoutError",
    "ServiceRequestTimeoutError",
    "ServiceResponseTimeoutError",
)
UNREACHABLE = (
    "EndpointConnectionError",
    "ConnectionClosedError",
    "ConnectionError",
    "NoValidConnectionsError",
    "gaierror",
    "ServiceRequestError",
    "ServiceResponseError",
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


def answer_parts(exc: BaseException) -> tuple[str, str, int]:
    """(code, message, HTTP status) of a botocore ``ClientError`` or an azure-core
    ``HttpResponseError`` (whose ``error_code`` may be a string enum)."""
    response = getattr(exc, "response", None)
    if isinstance(response, dict):  # botocore
        error = response.get("Error") or {}
        status = int((response.get("ResponseMetadata") or {}).get("HTTPStatusCode") or 0)
        return str(error.get("Code") or status), str(error.get("Message") or ""), status
    status = int(getattr(exc, "status_code", None) or 0)
    code: Any = getattr(exc, "error_code", None)
    code = getattr(code, "value", code)
    return str(code or status), str(getattr(exc, "reason", None) or ""), status


def remote_error(exc: BaseException, what: str, container: str) -> ApiError:
    """The client's error for ``exc``, raised by the storage of ``what`` (``S3``...)."""
    names = _names(exc)
    if any(name in names for name in ANSWERS):
        code, message, status = answer_parts(exc)
        reason = f"{code}: {message}" if message else code
        if code in MISSING_CONTAINER:
            return NotFound(f"The {what} container '{container}' does not exist.")
        if code in AUTH_CODES or status in (401, 403) or "ClientAuthenticationError" in names:
            return BadGateway(f"The {what} storage refused the service's credentials ({reason}).")
        return BadGateway(f"The {what} storage answered an error ({reason}).")
    if "ParamValidationError" in names:
        detail = str(exc).splitlines()[-1].strip()
        return BadGateway(f"The {what} service's settings are not valid: {detail}")
    if "NoCredentialsError" in names:
        return BadGateway(f"The {what} service has no credentials (key and secret).")
    response = getattr(exc, "response", None)
    status = getattr(response, "status_code", None)
    if isinstance(status, int):  # an HTTP server's answer (requests' HTTPError)
        reason = f"{status} {getattr(response, 'reason', None) or ''}".strip()
        if status == 401:
            return BadGateway(f"The {what} storage refused the service's credentials ({reason}).")
        if status == 403:
            return BadGateway(f"The {what} storage refused the operation ({reason}).")
        return BadGateway(f"The {what} storage answered an error ({reason}).")
    if any(name in names for name in REFUSED_LOGINS):
        return BadGateway(f"The {what} storage refused the service's credentials ({exc}).")
    if any(name in names for name in FTP_REPLIES):
        reply = str(exc).strip() or type(exc).__name__
        if reply.startswith(FTP_REFUSED_LOGINS):
            return BadGateway(f"The {what} storage refused the service's credentials ({reply}).")
        if reply.startswith("421"):
            return ServiceUnavailable(f"The {what} storage is not available ({reply}).")
        return BadGateway(f"The {what} storage answered an error ({reply}).")
    if "SSLCertVerificationError" in names:
        reason = getattr(exc, "verify_message", "") or str(exc)
        return BadGateway(f"The {what} storage's TLS certificate is not trusted ({reason}).")
    if "SSLError" in names:
        return BadGateway(f"The {what} storage's TLS connection failed ({exc}).")
    for found in (names, _chain_names(exc)):  # the error's own class decides first
        if any(name in found for name in TIMEOUTS):
            return GatewayTimeout(f"The {what} storage did not answer in time.")
        if any(name in found for name in UNREACHABLE):
            return ServiceUnavailable(f"The {what} storage cannot be reached.")
    if "EOFError" in names:
        return BadGateway(f"The {what} storage closed the connection.")
    if "SSHException" in names:
        return BadGateway(f"The {what} storage failed: {exc}")
    logger.error("%s storage failed: %r", what, exc)
    return BadGateway(f"The {what} storage failed: {type(exc).__name__}.")
