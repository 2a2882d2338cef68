"""A session token is honoured only through a ``token_map`` row of its own user.

The map is the blacklist: a row says "this jti, issued to this user, is live".
A token whose ``jti`` names a live row of *another* user (a signed token made
with a stolen secret, or a jti reused by a bug) must not ride on that row.
"""

from __future__ import annotations

import jwt

from app.access import tokens
from tests.conftest import ADMIN_EMAIL, assert_error, create_user, issue_token

OTHER_EMAIL = "other@example.com"


def claims_of(app, token: str) -> dict:
    return jwt.decode(token, app.config["JWT_SECRET"], algorithms=["HS256"])


def borrowing(app, victim_token: str, user_id: int, email: str) -> str:
    """A correctly signed token for ``user_id`` carrying the jti of ``victim_token``'s row."""
    claims = claims_of(app, victim_token)
    claims.update(user_id=user_id, sub=tokens.subject_for(email))
    return jwt.encode(claims, app.config["JWT_SECRET"], algorithm="HS256")


def admin_token(app) -> str:
    return issue_token(app, 1, ADMIN_EMAIL)


def test_a_token_riding_another_users_row_is_refused(app, admin):
    other_id = create_user(admin, OTHER_EMAIL)
    forged = borrowing(app, admin_token(app), other_id, OTHER_EMAIL)
    client = app.test_client()
    response = client.get("/api/v2/user/session", headers={"X-DreamFactory-Session-Token": forged})
    assert_error(response, 403, tokens.BLACKLISTED_MESSAGE)


def test_refreshing_a_token_riding_another_users_row_is_refused(app, admin):
    other_id = create_user(admin, OTHER_EMAIL)
    victim = admin_token(app)
    forged = borrowing(app, victim, other_id, OTHER_EMAIL)
    client = app.test_client()
    response = client.put("/api/v2/user/session", headers={"Authorization": f"Bearer {forged}"})
    assert_error(response, 401, f"Token refresh failed. {tokens.BLACKLISTED_MESSAGE}")
    # the victim's own token is still live: the forged refresh revoked nothing
    session = client.get(
        "/api/v2/system/admin/session", headers={"X-DreamFactory-Session-Token": victim}
    )
    assert session.status_code == 200, session.get_json()


def test_the_owner_still_uses_the_row(app, admin):
    other_id = create_user(admin, OTHER_EMAIL)
    token = issue_token(app, other_id, OTHER_EMAIL)
    response = app.test_client().get(
        "/api/v2/user/session", headers={"X-DreamFactory-Session-Token": token}
    )
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["id"] == other_id
