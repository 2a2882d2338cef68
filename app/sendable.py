"""Text a database cannot be sent: refused with a 400 before the query goes out.

PostgreSQL stores no NUL character in text (psycopg refuses such a parameter
with a DataError, which surfaced as a 500), and no driver can encode a lone
surrogate. Filters, ids and record values are checked where they are typed
(``app.records.values``), naming the field. ``install`` is the net under every
other way a client's text reaches the system store on PostgreSQL (an API key,
a login e-mail, a name in a path, a profile field): a statement whose
parameters hold such text is not sent, and the request answers 400.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event

from app.vocabulary.errors import BadRequest


def unsendable_reason(value: Any) -> str | None:
    """Why ``value`` cannot be sent as text to a database, or None when it can (or is no text)."""
    if not isinstance(value, str):
        return None
    if "\x00" in value:
        return "text may not contain NUL characters"
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return "text may not contain unpaired surrogates"
    return None


def _values(parameters: Any) -> Iterable[Any]:
    """Every value of a statement's parameters (one set or an executemany list of sets)."""
    sets = parameters if isinstance(parameters, list) else [parameters]
    for params in sets:
        if isinstance(params, Mapping):
            yield from params.values()
        elif isinstance(params, tuple | list):
            yield from params


def _refuse_unsendable(conn, cursor, statement, parameters, context, executemany) -> None:
    for value in _values(parameters):
        reason = unsendable_reason(value)
        if reason is not None:
            raise BadRequest(f"Invalid value: {reason}.")


def install(engine: sa.Engine) -> None:
    """Refuse unsendable text on ``engine`` if it is PostgreSQL's (the others store NUL)."""
    if engine.dialect.name == "postgresql" and not event.contains(
        engine, "before_cursor_execute", _refuse_unsendable
    ):
        event.listen(engine, "before_cursor_execute", _refuse_unsendable)
