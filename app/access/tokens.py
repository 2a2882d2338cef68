"""Session tokens: HS256 JWTs (pyjwt) recorded in ``token_map``.

A token is honoured only while its ``jti`` is in ``token_map`` under its own
``user_id``; logout, refresh, a password change and deactivation delete rows
there, which is the blacklist every worker and server sees at once. A token
whose jti names another user's row counts as not recorded. Checks run in this order:
signature, claims and expiry (401 ``Token has expired`` / ``Invalid token``),
then the caller verifies the user (401 ``User verification failed.``), then
the map (403 "blacklisted"), so the token of a deleted user says why it fails.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
import uuid
from typing import Any

import jwt
import sqlalchemy as sa
from flask import current_app

from app.extensions import db
from app.models import TokenMap
from app.vocabulary.errors import Forbidden, Unauthorized

ALGORITHM = "HS256"
REQUIRED_CLAIMS = ["iat", "exp", "sub", "user_id", "forever", "jti"]
FOREVER_SECONDS = 10 * 365 * 86400
"""Lifetime of a ``remember_me`` token when forever sessions are allowed."""

EXPIRED_MESSAGE = (
    "Token has expired: Session expired. Please refresh your token "
    "(if still within refresh window) or re-login."
)
BLACKLISTED_MESSAGE = "The token has been blacklisted: Session terminated. Please re-login."


def _secret() -> str:
    secret = current_app.config.get("JWT_SECRET")
    if not secret:
        raise RuntimeError("JWT_SECRET is not configured")
    return secret


def subject_for(email: str) -> str:
    """DreamFactory's ``sub`` claim: md5 of the e-mail (an identifier, not a secret)."""
    return hashlib.md5(email.lower().encode(), usedforsecurity=False).hexdigest()


def issue(
    user_id: int, email: str, forever: bool = False, refresh_until: int | None = None
) -> tuple[str, dict[str, Any]]:
    """Sign a new token for a user and record it; returns (token, claims).

    ``refresh_until`` carries a refreshed token's window over from the token
    it replaces: the refresh TTL counts from the login, not from each refresh.
    """
    now = int(time.time())
    forever = bool(forever and current_app.config.get("ALLOW_FOREVER_SESSIONS"))
    ttl = FOREVER_SECONDS if forever else int(current_app.config["JWT_TTL"]) * 60
    refresh = FOREVER_SECONDS if forever else int(current_app.config["JWT_REFRESH_TTL"]) * 60
    claims = {
        "iat": now,
        "nbf": now,
        "exp": now + ttl,
        "jti": uuid.uuid4().hex,
        "sub": subject_for(email),
        "user_id": user_id,
        "forever": forever,
    }
    token = jwt.encode(claims, _secret(), algorithm=ALGORITHM)
    db.session.add(
        TokenMap(
            jti=claims["jti"],
            user_id=user_id,
            iat=now,
            exp=claims["exp"],
            refresh_until=refresh_until if refresh_until is not None else now + max(refresh, ttl),
        )
    )
    return token, claims


def decode(token: str) -> dict[str, Any]:
    """The claims of a well-formed, correctly signed, unexpired token; 401 otherwise."""
    return _decode(token, verify_exp=True)


def _decode(token: str, verify_exp: bool) -> dict[str, Any]:
    try:
        claims = jwt.decode(
            token,
            _secret(),
            algorithms=[ALGORITHM],
            options={"require": REQUIRED_CLAIMS, "verify_exp": verify_exp},
            leeway=0,
        )
    except jwt.ExpiredSignatureError as exc:
        raise Unauthorized(EXPIRED_MESSAGE) from exc
    except jwt.InvalidTokenError as exc:
        raise Unauthorized(f"Invalid token: {exc}") from exc
    _check_claim_types(claims)
    return claims


CLAIM_TYPES: dict[str, type | tuple[type, ...]] = {
    "iat": (int, float),
    "exp": (int, float),
    "jti": str,
    "sub": str,
    "user_id": int,
    "forever": bool,
}


def _check_claim_types(claims: dict[str, Any]) -> None:
    """A correctly signed token may still carry odd values (ours never do): refuse them."""
    for name, kind in CLAIM_TYPES.items():
        value = claims.get(name)
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise Unauthorized(f"Invalid token: The '{name}' claim has a wrong type.")
    if len(claims["jti"]) > 64:
        raise Unauthorized("Invalid token: The 'jti' claim has a wrong type.")
    if not 0 < claims["user_id"] < 2**31:
        raise Unauthorized("Invalid token: The 'user_id' claim has a wrong type.")


def recorded_row(claims: dict[str, Any]) -> TokenMap | None:
    """The token's ``token_map`` row, if it is live and was issued to the token's user."""
    row = db.session.get(TokenMap, claims["jti"])
    if row is None or row.user_id != claims["user_id"]:
        return None
    return row


def require_recorded(claims: dict[str, Any]) -> None:
    """403 "blacklisted" unless the token is still in ``token_map``, for its own user."""
    if recorded_row(claims) is None:
        raise Forbidden(BLACKLISTED_MESSAGE)


def validate(token: str) -> dict[str, Any]:
    """Claims of a live token, or the 401/403 DreamFactory answers for it (no user check)."""
    claims = decode(token)
    require_recorded(claims)
    return claims


def claims_for_refresh(token: str) -> tuple[dict[str, Any], int]:
    """(claims, end of its refresh window) of a token that may be refreshed.

    An expired token is fine while its window (counted from the login) lasts.
    """
    try:
        claims = _decode(token, verify_exp=False)
    except Unauthorized as exc:
        raise Unauthorized(f"Token refresh failed. {exc.message}") from exc
    row = recorded_row(claims)
    if row is None:
        raise Unauthorized(f"Token refresh failed. {BLACKLISTED_MESSAGE}")
    if row.refresh_until < int(time.time()):
        raise Unauthorized("Token refresh failed. Token has expired and can no longer be refreshed")
    return claims, row.refresh_until


def revoke(jti: str) -> None:
    db.session.execute(sa.delete(TokenMap).where(TokenMap.jti == jti))


def revoke_user(user_id: int) -> None:
    """Invalidate every token of a user (password set, deactivated, deleted)."""
    db.session.execute(sa.delete(TokenMap).where(TokenMap.user_id == user_id))


def prune() -> int:
    """Forget tokens past their refresh window; returns how many."""
    now = int(time.time())
    result = db.session.execute(sa.delete(TokenMap).where(TokenMap.refresh_until < now))
    return result.rowcount or 0


def expiry_text(claims: dict[str, Any]) -> str:
    return dt.datetime.fromtimestamp(claims["exp"], dt.UTC).strftime("%Y-%m-%d %H:%M:%S")
