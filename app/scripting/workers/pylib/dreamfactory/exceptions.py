"""DreamFactory's exception classes, for Python scripts.

A script raises one to end with that HTTP status and DreamFactory's error
envelope ``{"error": {"code", "context", "message", "status_code"}}``::

    raise BadRequestException("Missing filter")            # 400, code 400
    raise BadRequestException("Missing filter", 123456)    # 400, code 123456
    raise RestException(418, "Sorry Mate")                 # 418
    raise DFException(NotFoundException("gone"))          # 500, code 404, "gone"
    raise BatchException([BadRequestException("Missing Name"), {"id": 1}], "Some failed")

They are in every script's namespace by name, and importable as
``from dreamfactory.exceptions import NotFoundException`` (or from
``dreamfactory``). Arguments follow DreamFactory's PHP classes: ``message``,
then ``code`` (defaults to the status), then ``previous`` and ``context``;
``RestException`` takes the status first and ``BatchException`` the list of
per-item results first. ``code`` is DreamFactory's error code, not the status.

This module must stay importable without the app: it runs inside the script
workers, which see only the standard library and the installed packages.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase + "."
    except ValueError:
        return "Error."


class DfException(Exception):
    """The base class: a 500 unless a subclass says otherwise.

    Given another exception as its message, it wraps it: the status stays 500
    while the code, message and context are the wrapped exception's
    (DreamFactory's ``DFException($error)``).
    """

    status_code: int = 500
    default_code: int | None = None
    """The code when none is given; ``None`` means the status code."""

    def __init__(
        self,
        message: Any = None,
        code: int | None = None,
        previous: BaseException | None = None,
        context: Any = None,
    ) -> None:
        if isinstance(message, BaseException):
            wrapped = message
            previous = previous or wrapped
            message = getattr(wrapped, "message", None) or str(wrapped)
            if code is None:
                code = _wrapped_code(wrapped)
            if context is None:
                context = getattr(wrapped, "context", None)
        self.message = str(message) if message not in (None, "") else _reason(self.status_code)
        if code is None:
            code = self.default_code if self.default_code is not None else self.status_code
        self.code = code
        self.context = context
        self.previous = previous
        super().__init__(self.message)
        if previous is not None:
            self.__cause__ = previous

    def to_dict(self) -> dict[str, Any]:
        """The inner error object, as DreamFactory renders it."""
        return {
            "code": self.code,
            "context": self.context,
            "message": self.message,
            "status_code": self.status_code,
        }


def _wrapped_code(error: BaseException) -> int:
    code = getattr(error, "code", None)
    if isinstance(code, int) and not isinstance(code, bool):
        return code
    return getattr(error, "status_code", 500)


DFException = DfException
"""DreamFactory's documentation spells it both ways."""


class BadRequestException(DfException):
    status_code = 400


class InvalidJsonException(BadRequestException):
    def __init__(self, message: Any = None, *args: Any, **kwargs: Any) -> None:
        super().__init__(message or "Invalid or malformed JSON.", *args, **kwargs)


class UnauthorizedException(DfException):
    status_code = 401


class ForbiddenException(DfException):
    status_code = 403


class NotFoundException(DfException):
    status_code = 404


class ConflictResourceException(DfException):
    status_code = 409


ConflictException = ConflictResourceException


class TooManyRequestsException(DfException):
    status_code = 429


class InternalServerErrorException(DfException):
    status_code = 500


class NotImplementedException(DfException):
    status_code = 501


class ServiceUnavailableException(DfException):
    status_code = 503


class RestException(DfException):
    """Any status: ``RestException(418, "Sorry Mate"[, code])``."""

    def __init__(
        self,
        status: int = 500,
        message: Any = None,
        code: int | None = None,
        previous: BaseException | None = None,
        context: Any = None,
    ) -> None:
        try:
            status = int(status)
        except (TypeError, ValueError):
            status = 500
        self.status_code = status if 100 <= status <= 599 else 500
        super().__init__(message, code, previous, context)


class BatchException(DfException):
    """A batch in which some items failed: 400, code 1000.

    ``responses`` holds each item's result in order, exceptions for the failed
    ones; the context lists the failed indexes under ``error`` and every item
    under ``resource``, failures as their error object.
    """

    status_code = 400
    default_code = 1000

    def __init__(
        self,
        responses: Any = None,
        message: Any = None,
        code: int | None = None,
        previous: BaseException | None = None,
    ) -> None:
        items = list(responses.values()) if isinstance(responses, dict) else responses
        failed: list[int] = []
        resource: list[Any] = []
        for index, item in enumerate(items or []):
            if isinstance(item, BaseException):
                failed.append(index)
                item = error_dict(item)
            resource.append(item)
        super().__init__(message or "Batch Error: Not all requests could be completed.", code)
        self.previous = previous
        self.context = {"error": failed, "resource": resource}


def error_dict(error: BaseException) -> dict[str, Any]:
    """The error object of any exception: DreamFactory's own, or a 500 with its message."""
    if isinstance(error, DfException):
        return error.to_dict()
    return {"code": 500, "message": str(error) or type(error).__name__}


__all__ = [
    "BadRequestException",
    "BatchException",
    "ConflictException",
    "ConflictResourceException",
    "DFException",
    "DfException",
    "ForbiddenException",
    "InternalServerErrorException",
    "InvalidJsonException",
    "NotFoundException",
    "NotImplementedException",
    "RestException",
    "ServiceUnavailableException",
    "TooManyRequestsException",
    "UnauthorizedException",
]
