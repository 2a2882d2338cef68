"""What FTP servers say about names, read as ``tree.Node`` values.

``MLST``/``MLSD`` (RFC 3659) answer in facts meant for programs:
``type=file;size=5;modify=20240116103000; name``, with times in UTC. Servers
without them (vsftpd) answer ``LIST`` with ``ls -l`` lines meant for people:
``-rw-r--r-- 1 owner group 5 Jan 16 10:30 name``, times to the minute (or the
day, for files older than six months) and without a time zone: they are read
as UTC, as vsftpd writes them by default. ``MDTM`` (RFC 3659 again, UTC) gives
a file's exact time where a ``LIST`` line is not precise enough.
"""

from __future__ import annotations

import calendar
import re
import time

from app.services.files.tree import Node
from app.vocabulary.errors import BadGateway

KINDS = {"file": "file", "dir": "folder", "cdir": "folder", "pdir": "folder"}
"""MLSx ``type`` facts and the node kinds they mean (anything else, such as a server's
``OS.unix=slink``, is ``other``: never listed nor opened)."""

NOT_ENTRIES = ("cdir", "pdir")
"""``type`` facts of the MLSD lines naming the folder itself and its parent."""

LIST_KINDS = {"-": "file", "d": "folder", "l": "link"}
"""The first letter of an ``ls -l`` line and the kinds it means (devices and the rest: other)."""

LIST_LINE = re.compile(
    r"^(?P<kind>\S)\S{9}\S*\s+\d+\s+\S+\s+\S+\s+(?P<size>\d+)\s+"
    r"(?P<month>[A-Za-z]{3})\s+(?P<day>\d{1,2})\s+(?:(?P<hour>\d{1,2}):(?P<minute>\d{2})|(?P<year>\d{4}))"
    r" (?P<name>.+)$"
)
"""An ``ls -l`` line: mode, links, owner, group, size, date (time or year) and name."""

MONTHS = {name: number for number, name in enumerate(calendar.month_abbr) if name}


def _utc(stamp: str) -> float:
    """Seconds since the epoch of an RFC 3659 time, ``YYYYMMDDHHMMSS[.fff]`` in UTC."""
    whole, _, fraction = stamp.partition(".")
    parsed = time.strptime(whole[:14], "%Y%m%d%H%M%S")
    return calendar.timegm(parsed) + (float(f"0.{fraction}") if fraction.isdigit() else 0.0)


def _facts(line: str) -> tuple[dict[str, str], str]:
    """The facts (names lower case) and the name of one MLSx line (``facts; name``)."""
    text, _, name = line.strip(" \r\n").partition(" ")
    facts = {}
    for fact in text.split(";"):
        key, sep, value = fact.partition("=")
        if sep:
            facts[key.lower()] = value
    return facts, name


def fact_node(line: str, name: str | None = None) -> Node:
    """The node of one MLSx line; ``name`` replaces the line's own (MLST answers with the
    whole path)."""
    facts, listed = _facts(line)
    kind = KINDS.get(facts.get("type", "").lower(), "other")
    try:
        size = int(facts.get("size") or 0) if kind == "file" else 0
        mtime = _utc(facts["modify"]) if facts.get("modify") else 0.0
    except ValueError:
        raise BadGateway(f"The FTP server's listing could not be read: {line!r}.") from None
    return Node(name=listed if name is None else name, kind=kind, size=size, mtime=mtime)


def fact_nodes(lines: list[str]) -> list[Node]:
    """The entries of an ``MLSD`` listing (without the folder itself and its parent)."""
    return [
        fact_node(line)
        for line in lines
        if _facts(line)[0].get("type", "").lower() not in NOT_ENTRIES
    ]


def mlst_line(reply: str) -> str:
    """The facts line of an ``MLST`` reply (``250-...``, `` facts; path``, ``250 End``)."""
    lines = reply.splitlines()
    if len(lines) < 3:
        raise BadGateway(f"The FTP server's answer to MLST could not be read: {reply!r}.")
    return lines[1]


def list_node(line: str, now: float) -> Node | None:
    """The node of one ``LIST`` line (``now``: to tell the year of recent files); None for the
    lines naming no entry (``total 12``, ``.`` and ``..``). A link's name loses its target."""
    found = LIST_LINE.match(line.rstrip("\r\n"))
    if found is None:
        if line.startswith("total ") or not line.strip():
            return None
        raise BadGateway(f"The FTP server's listing could not be read: {line!r}.")
    kind = LIST_KINDS.get(found["kind"], "other")
    name = found["name"]
    if kind == "link":
        name = name.partition(" -> ")[0]
    if name in (".", ".."):
        return None
    month, day = MONTHS.get(found["month"].title()), int(found["day"])
    if month is None:
        raise BadGateway(f"The FTP server's listing could not be read: {line!r}.")
    if found["year"]:
        mtime = float(calendar.timegm((int(found["year"]), month, day, 0, 0, 0)))
    else:
        year = time.gmtime(now).tm_year
        clock = (month, day, int(found["hour"]), int(found["minute"]), 0)
        mtime = float(calendar.timegm((year, *clock)))
        if mtime > now + 86400:  # "Dec 31 23:00" read in January is last year's
            mtime = float(calendar.timegm((year - 1, *clock)))
    size = int(found["size"]) if kind == "file" else 0
    return Node(name=name, kind=kind, size=size, mtime=mtime)


def mdtm_time(reply: str) -> float:
    """Seconds since the epoch of an ``MDTM`` reply (``213 YYYYMMDDHHMMSS``)."""
    try:
        return _utc(reply.split()[1])
    except (IndexError, ValueError):
        raise BadGateway(f"The FTP server's answer to MDTM could not be read: {reply!r}.") from None
