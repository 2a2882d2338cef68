"""Batch writes with DreamFactory's three modes, and the 400/1000 batch error.

- default: each record is committed on its own; processing stops at the
  first failure and earlier records stay written;
- ``continue=true``: each record on its own, failures skipped;
- ``rollback=true``: one transaction; the first failure rolls everything back.

Any failure raises ``BatchError`` whose context lists the failing indexes and,
per record, its result or its error object.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from app.errors import ApiError, BadRequest, BatchError, error_dict
from app.extensions import db

logger = logging.getLogger(__name__)

T = TypeVar("T")

ACTIONS = {
    "create": "created",
    "update": "updated",
    "delete": "deleted",
    "retrieve": "retrieved",
}


def as_api_error(exc: Exception) -> ApiError:
    """A client-readable error for a failure while writing one record."""
    if isinstance(exc, ApiError):
        return exc
    if isinstance(exc, IntegrityError):
        detail = str(exc.orig).splitlines()[0] if exc.orig is not None else "constraint violated"
        return BadRequest(f"Duplicate entry or constraint violation: {detail}")
    if isinstance(exc, SQLAlchemyError):
        logger.exception("database error in a batch")
        return ApiError("A database error occurred while processing the record.")
    raise exc


def check_modes(continue_: bool, rollback: bool) -> None:
    if continue_ and rollback:
        raise BadRequest("Rollback and continue operations can not be requested at the same time.")


def run_batch(
    items: Sequence[Any],
    work: Callable[[Any], T],
    finish: Callable[[T], Any],
    identity: Callable[[T], Any],
    *,
    action: str,
    continue_: bool = False,
    rollback: bool = False,
) -> list[Any]:
    """Apply ``work`` to each item under the batch mode; ``finish`` turns a result into output.

    ``work`` runs inside the session's transaction and may raise; ``finish``
    runs after the commit (it reads what the client asked to see back).
    ``identity`` (taken right after the flush) is what a rolled-back record
    still reports, as DreamFactory does.
    """
    check_modes(continue_, rollback)
    done: list[tuple[int, T]] = []
    outputs: list[Any] = [None] * len(items)
    failed: list[int] = []
    for index, item in enumerate(items):
        try:
            result = work(item)
            db.session.flush()
            outputs[index] = identity(result)
            if not rollback:
                db.session.commit()
            done.append((index, result))
        except Exception as exc:  # noqa: BLE001 - every failure becomes a batch entry
            db.session.rollback()
            error = as_api_error(exc)
            outputs[index] = error_dict(
                error.status, error.message, code=error.code, context=error.context
            )
            failed.append(index)
            if rollback or not continue_:
                break
    if rollback and failed:
        done = []
    elif rollback:
        db.session.commit()
    for index, result in done:
        outputs[index] = finish(result)
    if failed:
        last = len(items) - 1 if continue_ else failed[-1]
        message = f"Batch Error: Not all requested records could be {ACTIONS[action]}."
        if rollback:
            message += " All changes rolled back."
        raise BatchError(message, context={"error": failed, "resource": outputs[: last + 1]})
    return outputs
