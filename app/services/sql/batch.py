"""DreamFactory's batch modes on a service connection, and the 400/1000 batch error.

The whole batch runs in one transaction:

- default: each record in its own SAVEPOINT; at the first failure that
  record is undone, processing stops and the earlier records are committed;
- ``continue=true``: the same, but processing goes on after a failure;
- ``rollback=true``: no savepoints; the first failure rolls everything back.

For the client this is exactly "each record on its own" (what succeeded
stays), at the cost of one commit instead of one per record. Any failure
raises ``BatchError`` whose context lists the failing indexes and, per
record, its result or its error object (``context.resource``), ending at the
last record processed. A connection lost on the way is no record's failure:
the batch ends there, uncommitted, and the request is a 503.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import sqlalchemy as sa

from app.disconnects import is_unavailable
from app.records.options import check_modes
from app.vocabulary.errors import ApiError, BatchError, error_dict

T = TypeVar("T")

ACTIONS = {"create": "created", "update": "updated", "delete": "deleted", "retrieve": "retrieved"}


def run_batch(
    connection: sa.Connection,
    items: Sequence[Any],
    work: Callable[[Any], T],
    *,
    identity: Callable[[T], Any],
    finish: Callable[[list[T]], list[Any]],
    translate: Callable[[Exception], ApiError],
    action: str,
    continue_: bool = False,
    rollback: bool = False,
) -> list[Any]:
    """Apply ``work`` to each item under the batch mode and return the outputs.

    ``identity`` is what a record reports when others failed (taken right
    after its write, so a rolled-back record still shows its id, as
    DreamFactory does); ``finish`` turns the committed results into outputs
    in one go (a single re-read when the client asked for more fields).
    """
    check_modes(continue_, rollback)
    outputs: list[Any] = [None] * len(items)
    done: list[tuple[int, T]] = []
    failed: list[int] = []
    if connection.in_transaction():
        connection.commit()  # end the implicit transaction of the reads before the batch
    transaction = connection.begin()
    try:
        for index, item in enumerate(items):
            savepoint = None if rollback else connection.begin_nested()
            try:
                result = work(item)
                if savepoint is not None:
                    savepoint.commit()
            except Exception as exc:  # noqa: BLE001 - every failure becomes a batch entry
                if is_unavailable(exc):
                    raise  # the database went away: no record's fault, the request is a 503
                if savepoint is not None and savepoint.is_active:
                    savepoint.rollback()
                error = translate(exc)
                outputs[index] = error_dict(
                    error.status, error.message, code=error.code, context=error.context
                )
                failed.append(index)
                if rollback or not continue_:
                    break
                continue
            outputs[index] = identity(result)
            done.append((index, result))
        if rollback and failed:
            transaction.rollback()
            done = []
        else:
            transaction.commit()
    except BaseException:
        if transaction.is_active:
            transaction.rollback()
        raise
    if done:
        finished = finish([result for _, result in done])
        for (index, _), output in zip(done, finished, strict=True):
            outputs[index] = output
    if failed:
        last = len(items) - 1 if continue_ else failed[-1]
        message = f"Batch Error: Not all requested records could be {ACTIONS[action]}."
        if rollback:
            message += " All changes rolled back."
        raise BatchError(message, context={"error": failed, "resource": outputs[: last + 1]})
    return outputs


def run_single(connection: sa.Connection, work: Callable[[], T]) -> T:
    """One write in its own transaction (the ``/{id}`` forms): errors come out unwrapped."""
    if connection.in_transaction():
        connection.commit()
    with connection.begin():
        return work()
