"""A request's record options (``fields``, ``ids``, ``continue``...), read once into one object.

Where an option comes from is the service's rule, not this module's: system
resources take ``ServiceRequest.option`` (the query, else a JSON object body;
``from_request``), while ``_table`` takes options from a body only when that
body is not itself a record and knows more aliases (``app.services.sql.context``).
Either way the service hands ``read`` a lookup by canonical name, and every
option is then read through the object it returns.

Reading never fails: flags become booleans (``to_bool``), ``ids``,
``related`` and ``id_field`` become tuples of names, and an option that is
absent or empty text becomes None (so ``ids=`` is no ``ids`` at all, while
``ids=,`` names no record). ``limit`` and ``offset`` are checked only when
``limit``/``offset`` are read, where the page is built, so a bad ``order``
or ``group`` is still reported before them and ``count_only`` ignores them.
``fields``, ``order``, ``group`` and ``params`` are kept as sent: they mean
something only against a table's columns (``app.records.clauses``), where
they are checked when used.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from app.records.clauses import parse_ids, parse_int
from app.vocabulary.errors import BadRequest
from app.vocabulary.flags import to_bool

if TYPE_CHECKING:
    from app.vocabulary.calls import ServiceRequest

OptionLookup = Callable[[str], Any]
"""An option's value by canonical name (aliases already resolved), None when not given."""

SYSTEM_ALIASES = {"limit": "top", "offset": "skip"}
"""Second spellings system resources accept (``order`` has two, tried while empty)."""


@dataclass(frozen=True)
class RecordOptions:
    """The record options of one request, as the record services use them."""

    fields: Any = None
    """``fields`` as sent (text or a list of texts); None when absent or empty."""
    related: tuple[str, ...] | None = None
    """Relation names (``*`` as given); None when absent or empty."""
    ids: tuple[str, ...] | None = None
    """Record ids from ``ids=1,2`` or a list; None when absent or empty."""
    filter: str | None = None
    """The filter text; None when absent or empty."""
    params: Any = None
    """The filter's ``params`` as sent (an object of names to values when valid)."""
    order: Any = None
    """``order`` as sent (``field [asc|desc] [nulls first|last]``, comma-separated)."""
    group: Any = None
    """``group`` as sent (fields, comma-separated)."""
    id_field: tuple[str, ...] | None = None
    """Fields identifying a record, overriding the primary key; None when absent or empty."""
    id_type: str | None = None
    """The type ids are cast to first (``int``, ``string``...), lower-cased; None when not given."""
    continue_: bool = False
    """A batch goes on past a failed record (``continue``)."""
    rollback: bool = False
    """A batch with a failed record undoes them all."""
    force: bool = False
    count_only: bool = False
    include_count: bool = False
    include_schema: bool = False
    raw_limit: Any = None
    """``limit`` as sent (see ``limit``)."""
    raw_offset: Any = None
    """``offset`` as sent (see ``offset``)."""

    @classmethod
    def read(cls, option: OptionLookup) -> RecordOptions:
        """The options ``option`` finds (it resolves aliases and says where options come from)."""
        ids = _given(option("ids"))
        text = _given(option("filter"))
        id_type = _given(option("id_type"))
        return cls(
            fields=_given(option("fields")),
            related=_names(option("related")),
            ids=None if ids is None else tuple(parse_ids(ids)),
            filter=None if text is None else str(text),
            params=option("params"),
            order=option("order"),
            group=option("group"),
            id_field=_names(option("id_field")),
            id_type=None if id_type is None else str(id_type).split(",")[0].strip().lower(),
            continue_=to_bool(option("continue")),
            rollback=to_bool(option("rollback")),
            force=to_bool(option("force")),
            count_only=to_bool(option("count_only")),
            include_count=to_bool(option("include_count")),
            include_schema=to_bool(option("include_schema")),
            raw_limit=option("limit"),
            raw_offset=option("offset"),
        )

    @classmethod
    def from_request(cls, request: ServiceRequest) -> RecordOptions:
        """The options as system resources read them: ``ServiceRequest.option``.

        ``top`` stands for an absent ``limit`` and ``skip`` for an absent
        ``offset``; ``order`` falls back to ``sort``, then ``order_by``, while
        each is empty.
        """

        def option(name: str) -> Any:
            if name == "order":
                order = request.option("order") or request.option("sort")
                return order or request.option("order_by")
            if name in SYSTEM_ALIASES:
                return request.option(name, request.option(SYSTEM_ALIASES[name]))
            return request.option(name)

        return cls.read(option)

    @property
    def limit(self) -> int | None:
        """The page size asked for; None when absent; a 400 when not a non-negative integer."""
        return parse_int(self.raw_limit, "limit")

    @property
    def offset(self) -> int | None:
        """The rows to skip; None when absent; a 400 when not a non-negative integer."""
        return parse_int(self.raw_offset, "offset")


def _given(value: Any) -> Any:
    """The value, or None for one that is absent or empty text."""
    return None if value in (None, "") else value


def _names(value: Any) -> tuple[str, ...] | None:
    """Comma-separated names, trimmed, empties dropped; None when absent or empty."""
    if _given(value) is None:
        return None
    return tuple(name.strip() for name in str(value).split(",") if name.strip())


def check_modes(continue_: bool, rollback: bool) -> None:
    """DreamFactory's batch modes exclude each other: ``continue`` and ``rollback`` together
    are a 400, for ``_table`` and system records alike."""
    if continue_ and rollback:
        raise BadRequest("Rollback and continue operations can not be requested at the same time.")
