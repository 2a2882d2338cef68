"""Batch writes with DreamFactory's three modes, and the 400/1000 batch error.

- default: each record is committed on its own; processing stops at the
  first failure and earlier records stay written;
- ``continue=true``: each record on its own, failures skipped;
- ``rollback=true``: one transaction; the first failure rolls everything back
  (the ids of records written before it are still reported, as DreamFactory does).

Any failure raises ``BatchError`` whose context lists the failing indexes and,
per record, its result or its error object.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from sqlalchemy.exc import DataError, IntegrityError, SQLAlchemyError

from app.disconnects import is_unavailable
from app.extensions import db
from app.records.options import check_modes
from app.sqlite_locking import is_busy
from app.vocabulary.errors import (
    ApiError,
    BadRequest,
    BatchError,
    StoreUnavailable,
    error_dict,
    store_busy,
)

logger = logging.getLogger(__name__)

T = TypeVar("T")

ACTIONS = {
    "create": "created",
    "update": "updated",
    "delete": "deleted",
    "retrieve": "retrieved",
}


def as_api_error(exc: Exception) -> ApiError:
    """A client-readable error for a failure while writing one record (others propagate).

    A store that stayed locked or went away is no fault of the record: the
    whole request fails with a 503 (records committed before it stay written).
    """
    if isinstance(exc, ApiError):
        return exc
    if is_busy(exc):
        raise store_busy() from exc
    if is_unavailable(exc):
        raise StoreUnavailable() from exc
    if isinstance(exc, IntegrityError):
        detail = str(exc.orig).splitlines()[0] if exc.orig is not None else "constraint violated"
        return BadRequest(f"Duplicate entry or constraint violation: {detail}")
    if isinstance(exc, DataError):
        detail = str(exc.orig).splitlines()[0] if exc.orig is not None else "value out of range"
        return BadRequest(f"Invalid value for a field: {detail}")
    if isinstance(exc, SQLAlchemyError):
        logger.exception("database error while writing a record")
        return ApiError("A database error occurred while processing the record.")
    raise exc


def batch_error(
    action: str, failed: list[int], outputs: list[Any], rolled_back: bool
) -> BatchError:
    message = f"Batch Error: Not all requested records could be {ACTIONS[action]}."
    if rolled_back:
        message += " All changes rolled back."
    return BatchError(message, context={"error": failed, "resource": outputs})


def error_entry(error: ApiError) -> dict[str, Any]:
    return error_dict(error.status, error.message, code=error.code, context=error.context)


def run_single(work: Callable[[], T]) -> T:
    """One record outside a batch (``/{id}`` forms, a bare object): committed, or rolled back."""
    try:
        result = work()
        db.session.commit()
    except ApiError:
        db.session.rollback()
        raise
    except Exception as exc:
        db.session.rollback()
        raise as_api_error(exc) from exc
    return result


def run_batch(
    items: Sequence[Any],
    work: Callable[[Any], T],
    identity: Callable[[T], Any],
    finish_all: Callable[[list[T]], list[Any]],
    *,
    action: str,
    continue_: bool = False,
    rollback: bool = False,
) -> list[Any]:
    """Apply ``work`` to each item under the batch mode; the outputs in item order.

    ``work`` runs inside the session's transaction and may raise.
    ``identity`` (taken right after the flush) is what a rolled-back record
    still reports. ``finish_all`` turns the kept results into what the client
    asked to see, in one go after the last commit (so relations load in bulk).
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
        except Exception as exc:  # every failure becomes a batch entry (others re-raise)
            db.session.rollback()
            outputs[index] = error_entry(as_api_error(exc))
            failed.append(index)
            if not continue_:
                break
    if rollback and failed:
        done = []
    elif rollback:
        db.session.commit()
    if done:
        finished = finish_all([result for _, result in done])
        for (index, _), output in zip(done, finished, strict=True):
            outputs[index] = output
    if failed:
        last = len(items) - 1 if continue_ else failed[-1]
        raise batch_error(action, failed, outputs[: last + 1], rolled_back=rollback)
    return outputs
