"""HTTP verbs as DreamFactory's verb mask bits (``VerbsMask``): the one definition.

A role's access rows (``verb_mask``), a CORS rule's ``method``, a remote
service parameter's or header's ``action``: all name verbs by these bits.
"""

from __future__ import annotations

import enum


class Verb(enum.IntFlag):
    GET = 1
    POST = 2
    PUT = 4
    PATCH = 8
    DELETE = 16
    OPTIONS = 32
    HEAD = 64
    COPY = 128
    TRACE = 256
    CONNECT = 512


DATA_VERBS = int(Verb.GET | Verb.POST | Verb.PUT | Verb.PATCH | Verb.DELETE)
"""31: the verbs a role's access grants when DreamFactory's admin console says "all"."""

SERVICE_VERBS = DATA_VERBS | int(Verb.OPTIONS | Verb.HEAD)
"""127: every verb a service receives; what CORS rules and remote-service parameters name."""

EVERY_VERB = sum(int(verb) for verb in Verb)
"""Every bit of the mask (a sys admin's access)."""


_BITS = {verb.name: int(verb) for verb in Verb}


def bit(name: object) -> int:
    """The bit of the verb ``name`` (any case); 0 for anything that is no verb."""
    return _BITS.get(name.upper(), 0) if isinstance(name, str) else 0


def names(mask: int, among: int = SERVICE_VERBS) -> list[str]:
    """The verbs of ``among`` set in ``mask``, in DreamFactory's order (GET, POST, ...)."""
    return [verb.name for verb in Verb if verb & among and mask & verb]


DATA_VERB_NAMES = tuple(names(DATA_VERBS))
"""``("GET", "POST", "PUT", "PATCH", "DELETE")``: what records, limits and tasks take."""

SERVICE_VERB_NAMES = tuple(names(SERVICE_VERBS))
"""``DATA_VERB_NAMES`` with OPTIONS and HEAD: every verb a service receives."""
