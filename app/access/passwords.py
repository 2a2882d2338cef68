"""Password hashing with argon2 (argon2-cffi), tuned from config."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

_hashers: dict[tuple[int, int], PasswordHasher] = {}


def _hasher() -> PasswordHasher:
    time_cost = current_app.config.get("PASSWORD_TIME_COST", 3)
    memory_cost = current_app.config.get("PASSWORD_MEMORY_COST", 65536)
    key = (time_cost, memory_cost)
    if key not in _hashers:
        _hashers[key] = PasswordHasher(time_cost=time_cost, memory_cost=memory_cost)
    return _hashers[key]


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def check_password(hashed: str | None, password: str | None) -> bool:
    """Constant-time verification; False for a missing hash or password."""
    if not hashed or password is None:
        return False
    try:
        return _hasher().verify(hashed, password)
    except (VerificationError, InvalidHashError):
        return False


DUMMY_HASH_PASSWORD = "not-a-real-password-used-for-timing"  # noqa: S105

_dummy_hashes: dict[tuple[int, int], str] = {}


def _dummy_hash() -> str:
    """A hash of nothing anyone knows, made once per process and settings."""
    hasher = _hasher()
    key = (hasher.time_cost, hasher.memory_cost)
    if key not in _dummy_hashes:
        _dummy_hashes[key] = hasher.hash(DUMMY_HASH_PASSWORD)
    return _dummy_hashes[key]


def burn_time(password: str | None) -> None:
    """Do what checking a real account's password does, one verification, when there is no
    account (no user enumeration by timing): the dummy hash is made once, not per call."""
    check_password(_dummy_hash(), password or "")
