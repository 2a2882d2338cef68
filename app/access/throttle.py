"""The throttle on failed logins (``*/session`` logins and HTTP Basic credentials).

Three counters per window of ``LOGIN_ATTEMPT_WINDOW`` seconds, each with its
own limit:

- the account from one client address, ``LOGIN_MAX_ATTEMPTS`` (5): what locks
  an attacker out of an account without locking its owner out of theirs;
- the account from any address, ``LOGIN_ACCOUNT_MAX_FAILURES`` (50): caps a
  guesser spread over many addresses, locking the account for everyone;
- the client address on any account, ``LOGIN_ADDRESS_MAX_FAILURES`` (100):
  caps one address spraying many accounts, set high enough for the many
  users behind one NAT.

An attempt takes a slot of all three *before* the password is checked (see
``app.counters.slots``), so however many attempts race, in threads, workers or
servers, at most the limit are ever checked; the next ones are refused with
429 and ``Retry-After`` until the window ends. A failed attempt keeps its
slots; one that passes gives them back and forgets the failures of its
account from its address. Accounts are named by a digest of the login name
(trimmed, lower case) whether or not they exist; an IPv6 client counts by its
/64 network (one host's usual share), an IPv4 client on a dual-stack socket
by its IPv4 address. The address is the one ``app.proxies`` leaves: a client
chooses it only through a trusted proxy.
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging
from dataclasses import dataclass

from flask import current_app

from app.counters import windows
from app.counters.slots import Hold, Slot, take_slots
from app.vocabulary.errors import ServiceUnavailable, TooManyRequests

logger = logging.getLogger(__name__)

LOGIN_THROTTLED = "Too many failed login attempts. Please try again later."

DEFAULT_LOGIN_MAX_ATTEMPTS = 5
"""Failed logins of one account from one address per window."""

DEFAULT_LOGIN_ACCOUNT_MAX_FAILURES = 50
"""Failed logins of one account from every address together per window."""

DEFAULT_LOGIN_ADDRESS_MAX_FAILURES = 100
"""Failed logins from one address on every account together per window."""

DEFAULT_LOGIN_ATTEMPT_WINDOW = 900
"""Seconds over which failed logins are counted."""

IPV6_PREFIX = 64
"""Bits of an IPv6 address that name one client."""


class LoginThrottled(TooManyRequests):
    def __init__(self, window: windows.Window) -> None:
        super().__init__(LOGIN_THROTTLED)
        self.headers = {"Retry-After": str(window.retry_after(windows.now()))}


@dataclass(frozen=True)
class LoginAttempt:
    """Slots held for one login attempt: kept as a failure unless ``passed`` is called."""

    hold: Hold
    pair_key: str

    def passed(self) -> None:
        """The credentials were right: give the slots back, forget this pair's failures."""
        if self.hold.count_of(self.pair_key) > 1:
            try:
                self.hold.store.reset(self.pair_key, self.hold.window.start)
            except ServiceUnavailable as exc:
                logger.error("failed logins not cleared: %s", exc.message)
            self.hold.give_back([key for key in self.keys() if key != self.pair_key])
        else:
            self.hold.give_back()

    def keys(self) -> list[str]:
        return [slot.key for slot in self.hold.slots]


def _setting(name: str, default: int) -> int:
    return int(current_app.config.get(name, default))


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def client_of(address: str | None) -> str:
    """What one client's failures are counted under: its address, or its /64 for IPv6."""
    text = (address or "").strip()
    try:
        parsed = ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return text or "-"
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.IPv6Network(f"{parsed}/{IPV6_PREFIX}", strict=False))
    return str(parsed)


def login_slots(identity: str, address: str | None) -> tuple[Slot, Slot, Slot]:
    """The pair, account and address counters of an attempt, with their limits."""
    account = _digest(identity.strip().lower())
    client = _digest(client_of(address))
    return (
        Slot(
            f"login:pair:{account}:{client}",
            _setting("LOGIN_MAX_ATTEMPTS", DEFAULT_LOGIN_MAX_ATTEMPTS),
        ),
        Slot(
            f"login:account:{account}",
            _setting("LOGIN_ACCOUNT_MAX_FAILURES", DEFAULT_LOGIN_ACCOUNT_MAX_FAILURES),
        ),
        Slot(
            f"login:address:{client}",
            _setting("LOGIN_ADDRESS_MAX_FAILURES", DEFAULT_LOGIN_ADDRESS_MAX_FAILURES),
        ),
    )


def start_login(identity: str, address: str | None) -> LoginAttempt:
    """Take the attempt's slots before its password is checked; 429 when one counter is full."""
    slots = login_slots(identity, address)
    seconds = _setting("LOGIN_ATTEMPT_WINDOW", DEFAULT_LOGIN_ATTEMPT_WINDOW)
    hold = take_slots(slots, seconds)
    if not hold.taken:
        logger.warning("login throttled")
        raise LoginThrottled(hold.window)
    return LoginAttempt(hold, slots[0].key)
