"""Admin sessions: ``system/admin/session`` login, session, refresh, logout; tokens; passwords."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import socket
import time
import uuid

import jwt
import pytest
import sqlalchemy as sa

from app.access import tokens
from tests.conftest import (
    ADMIN_EMAIL,
    ADMIN_KEY,
    ADMIN_PASSWORD,
    Api,
    assert_error,
    create_api_app,
    create_role,
    create_user,
    issue_token,
)

SESSION = "system/admin/session"
PASSWORD = "system/admin/password"
NEW_PASSWORD = "another-admin-password-42"  # noqa: S105
SECOND_EMAIL = "second@example.com"
INVALID = "Invalid credentials supplied."
SESSION_KEYS = [
    "session_token",
    "session_id",
    "id",
    "name",
    "first_name",
    "last_name",
    "email",
    "is_sys_admin",
    "last_login_date",
    "host",
    "token_expiry_date",
]
STAMP = "%Y-%m-%d %H:%M:%S"


def login(client, email=ADMIN_EMAIL, password=ADMIN_PASSWORD, **extra):
    return client.post(f"/api/v2/{SESSION}", json={"email": email, "password": password, **extra})


def decode(app, token: str) -> dict:
    return jwt.decode(
        token, app.config["JWT_SECRET"], algorithms=["HS256"], options={"verify_exp": False}
    )


def forge(app, user_id: int, email: str, *, iat: int, exp: int, refresh_until: int) -> str:
    """A token signed with the app's secret and recorded in ``token_map`` with these times."""
    from app.extensions import db
    from app.models import TokenMap

    claims = {
        "iat": iat,
        "nbf": iat,
        "exp": exp,
        "jti": uuid.uuid4().hex,
        "sub": tokens.subject_for(email),
        "user_id": user_id,
        "forever": False,
    }
    with app.app_context():
        db.session.add(
            TokenMap(
                jti=claims["jti"], user_id=user_id, iat=iat, exp=exp, refresh_until=refresh_until
            )
        )
        db.session.commit()
        db.session.remove()
    return jwt.encode(claims, app.config["JWT_SECRET"], algorithm="HS256")


def create_admin(admin: Api, email: str = SECOND_EMAIL, password: str = NEW_PASSWORD) -> int:
    body = {"email": email, "password": password, "first_name": "Sec", "last_name": "Ond"}
    response = admin.post("system/admin", json={"resource": [body]})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["resource"][0]["id"]


# Login ---------------------------------------------------------------------------------


def test_login_returns_the_session_object(app, client):
    before = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    response = login(client)
    assert response.status_code == 200
    body = response.get_json()
    assert list(body) == SESSION_KEYS
    assert body["session_token"] == body["session_id"]
    assert body["id"] == 1 and body["email"] == ADMIN_EMAIL
    assert body["name"] == "Ada Admin" and body["first_name"] == "Ada"
    assert body["is_sys_admin"] is True
    assert body["host"] == socket.gethostname()
    expiry = dt.datetime.strptime(body["token_expiry_date"], STAMP)
    ttl = dt.timedelta(minutes=app.config["JWT_TTL"])
    assert before + ttl <= expiry <= before + ttl + dt.timedelta(seconds=5)
    last_login = dt.datetime.strptime(body["last_login_date"], STAMP)
    assert before <= last_login <= before + dt.timedelta(seconds=5)


def test_claims(app, client):
    body = login(client).get_json()
    claims = decode(app, body["session_token"])
    assert set(claims) == {"iat", "exp", "nbf", "jti", "sub", "user_id", "forever"}
    assert claims["sub"] == hashlib.md5(ADMIN_EMAIL.encode()).hexdigest()
    assert claims["user_id"] == 1 and claims["forever"] is False
    assert claims["exp"] - claims["iat"] == app.config["JWT_TTL"] * 60
    assert claims["nbf"] == claims["iat"]
    other = login(client).get_json()["session_token"]
    assert decode(app, other)["jti"] != claims["jti"]


def test_role_fields_only_when_a_role_applies(client, admin):
    role_id = create_role(
        admin, "viewer", [{"service_id": 1, "component": "*", "verb_mask": 1, "requestor_mask": 1}]
    )
    _, key = create_api_app(admin, "with_role", role_id)
    plain = login(client).get_json()
    assert "role" not in plain and "role_id" not in plain
    keyed = client.post(
        f"/api/v2/{SESSION}",
        json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD},
        headers={"X-DreamFactory-API-Key": ADMIN_KEY},
    ).get_json()
    assert "role" not in keyed
    with_role = client.post(
        f"/api/v2/{SESSION}",
        json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD},
        headers={"X-DreamFactory-API-Key": key},
    ).get_json()
    assert list(with_role) == [*SESSION_KEYS, "role", "role_id"]
    assert with_role["role"] == "viewer" and with_role["role_id"] == role_id


def test_bad_logins_are_indistinguishable(client, admin):
    create_user(admin, "plain@example.com", NEW_PASSWORD)
    answers = [
        login(client, password="wrong-password-0123456789"),
        login(client, email="nobody@example.com"),
        login(client, email="plain@example.com", password=NEW_PASSWORD),
    ]
    for response in answers:
        assert_error(response, 401, INVALID)
    assert len({r.get_data() for r in answers}) == 1


def test_inactive_admin_cannot_log_in(client, admin):
    second = create_admin(admin)
    assert admin.patch(f"system/admin/{second}", json={"is_active": False}).status_code == 200
    assert_error(login(client, SECOND_EMAIL, NEW_PASSWORD), 401, INVALID)


@pytest.mark.parametrize(
    "payload, message",
    [
        ({"password": ADMIN_PASSWORD}, "Login request is missing required email."),
        ({"email": ADMIN_EMAIL}, "Login request is missing required password."),
        ({"email": "", "password": ""}, "Login request is missing required email."),
        ({}, "Login request is missing required email."),
    ],
)
def test_missing_fields(client, payload, message):
    assert_error(client.post(f"/api/v2/{SESSION}", json=payload), 400, message)


def test_login_ignores_a_bad_token(client):
    response = client.post(
        f"/api/v2/{SESSION}",
        json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD},
        headers={"X-DreamFactory-Session-Token": "garbage"},
    )
    assert response.status_code == 200


def test_login_with_a_form_body(client):
    response = client.post(
        f"/api/v2/{SESSION}", data={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}
    )
    assert response.status_code == 200


# Reading the session -------------------------------------------------------------------


@pytest.mark.parametrize("source", ["header", "bearer", "query"])
def test_token_sources(client, admin, source):
    token = admin.token
    kwargs = {
        "header": {"headers": {"X-DreamFactory-Session-Token": token}},
        "bearer": {"headers": {"Authorization": f"Bearer {token}"}},
        "query": {"query_string": {"session_token": token}},
    }[source]
    response = client.get(f"/api/v2/{SESSION}", **kwargs)
    assert response.status_code == 200
    body = response.get_json()
    assert list(body) == SESSION_KEYS
    assert body["session_token"] == token and body["id"] == 1
    assert client.get("/api/v2/system/service", **kwargs).status_code == 200


def test_get_session_without_a_token(anon):
    assert_error(anon.get(SESSION), 404, "No user session found.")


def test_get_session_as_a_non_admin(app, client, admin):
    user_id = create_user(admin, "plain@example.com")
    token = issue_token(app, user_id, "plain@example.com")
    assert_error(
        Api(client, token=token).get(SESSION), 401, "You are not authorized to perform this action."
    )


def test_session_with_an_id(admin):
    error = assert_error(admin.patch(f"{SESSION}/5", json={}), 400)
    assert "not currently supported" in error["message"]
    assert_error(admin.get(f"{SESSION}/5"), 400)


# Refresh and logout --------------------------------------------------------------------


def test_refresh(app, client, admin):
    old = admin.token
    response = admin.put(SESSION)
    assert response.status_code == 200
    body = response.get_json()
    assert list(body) == SESSION_KEYS
    new = body["session_token"]
    assert new != old
    assert Api(client, token=new).get(SESSION).status_code == 200
    assert_error(Api(client, token=old).get(SESSION), 403, tokens.BLACKLISTED_MESSAGE)
    assert_error(
        Api(client, token=old).put(SESSION),
        401,
        f"Token refresh failed. {tokens.BLACKLISTED_MESSAGE}",
    )


def test_refresh_an_expired_token_within_the_window(app, client):
    now = int(time.time())
    expired = forge(app, 1, ADMIN_EMAIL, iat=now - 7200, exp=now - 3600, refresh_until=now + 3600)
    assert_error(Api(client, token=expired).get(SESSION), 401, tokens.EXPIRED_MESSAGE)
    assert_error(Api(client, token=expired).get("system/service"), 401, tokens.EXPIRED_MESSAGE)
    response = Api(client, token=expired).put(SESSION)
    assert response.status_code == 200, response.get_json()
    fresh = response.get_json()["session_token"]
    assert decode(app, fresh)["exp"] > now
    assert Api(client, token=fresh).get(SESSION).status_code == 200
    assert_error(Api(client, token=expired).put(SESSION), 401)


def test_refresh_keeps_the_window_of_the_login(app, client):
    from app.extensions import db
    from app.models import TokenMap

    now = int(time.time())
    window = now + 1800
    expired = forge(app, 1, ADMIN_EMAIL, iat=now - 7200, exp=now - 3600, refresh_until=window)
    fresh = Api(client, token=expired).put(SESSION).get_json()["session_token"]
    again = Api(client, token=fresh).put(SESSION).get_json()["session_token"]
    with app.app_context():
        row = db.session.get(TokenMap, decode(app, again)["jti"])
        assert row.refresh_until == window
        db.session.remove()


def test_refresh_beyond_the_window(app, client):
    now = int(time.time())
    stale = forge(app, 1, ADMIN_EMAIL, iat=now - 7200, exp=now - 3600, refresh_until=now - 60)
    assert_error(
        Api(client, token=stale).put(SESSION),
        401,
        "Token refresh failed. Token has expired and can no longer be refreshed",
    )


def test_short_ttl_from_config(stores, backend, app, tmp_path, spare_app):
    short = spare_app(stores(backend), str(tmp_path / "short"), JWT_TTL=1)
    body = login(short.test_client()).get_json()
    claims = decode(short, body["session_token"])
    assert claims["exp"] - claims["iat"] == 60


def test_refresh_without_a_token(anon):
    assert_error(anon.put(SESSION), 401, "Token refresh failed. No session token found in request.")


def test_logout(client, admin):
    token = admin.token
    response = admin.delete(SESSION)
    assert response.status_code == 200
    assert response.get_json() == {"success": True}
    assert_error(Api(client, token=token).get(SESSION), 403, tokens.BLACKLISTED_MESSAGE)
    assert_error(Api(client, token=token).get("system/service"), 403, tokens.BLACKLISTED_MESSAGE)


def test_logout_leaves_other_sessions_alone(client, admin):
    other = login(client).get_json()["session_token"]
    assert admin.delete(SESSION).status_code == 200
    assert Api(client, token=other).get(SESSION).status_code == 200


# Bad tokens ----------------------------------------------------------------------------


def test_expired_token(app, client):
    now = int(time.time())
    expired = forge(app, 1, ADMIN_EMAIL, iat=now - 100, exp=now - 10, refresh_until=now + 100)
    assert_error(Api(client, token=expired).get("system/service"), 401, tokens.EXPIRED_MESSAGE)


@pytest.mark.parametrize(
    "kind",
    [
        "garbage",
        "tampered",
        "other-secret",
        "missing-claims",
        "none-algorithm",
        ("user_id", "1"),
        ("user_id", True),
        ("user_id", 10**30),
        ("jti", 5),
        ("jti", "x" * 500),
        ("sub", None),
        ("forever", "yes"),
    ],
)
def test_invalid_tokens(app, client, admin, kind):
    if isinstance(kind, tuple):  # correctly signed, with a claim of the wrong type
        claims = decode(app, admin.token)
        claims[kind[0]] = kind[1]
        token = jwt.encode(claims, app.config["JWT_SECRET"], algorithm="HS256")
    elif kind == "none-algorithm":
        token = jwt.encode(decode(app, admin.token), None, algorithm="none")
    elif kind == "garbage":
        token = "not.a.token"
    elif kind == "tampered":
        head, payload, signature = admin.token.split(".")
        claims = decode(app, admin.token)
        claims["user_id"] = 2
        forged = jwt.encode(claims, "x" * 40, algorithm="HS256").split(".")[1]
        token = f"{head}.{forged}.{signature}"
    elif kind == "other-secret":
        token = jwt.encode(decode(app, admin.token), "another-secret-0123456789abcdef-xyz", "HS256")
    else:
        claims = decode(app, admin.token)
        del claims["user_id"]
        token = jwt.encode(claims, app.config["JWT_SECRET"], algorithm="HS256")
    error = assert_error(Api(client, token=token).get("system/environment"), 401)
    assert error["message"].startswith("Invalid token: ")
    assert app.config["JWT_SECRET"] not in error["message"]


def test_a_token_of_a_deleted_user(app, client, admin):
    second = create_admin(admin)
    token = login(client, SECOND_EMAIL, NEW_PASSWORD).get_json()["session_token"]
    assert Api(client, token=token).get(SESSION).status_code == 200
    assert admin.delete(f"system/admin/{second}").status_code == 200
    assert_error(
        Api(client, token=token).get("system/environment"),
        401,
        "Invalid token: User verification failed.",
    )


def test_a_token_whose_user_changed_email(app, client, admin):
    from app.extensions import db
    from app.models import User

    second = create_admin(admin)
    token = login(client, SECOND_EMAIL, NEW_PASSWORD).get_json()["session_token"]
    with app.app_context():
        db.session.execute(
            sa.update(User).where(User.id == second).values(email="moved@example.com")
        )
        db.session.commit()
    assert_error(
        Api(client, token=token).get(SESSION), 401, "Invalid token: User verification failed."
    )


# Password changes and account changes invalidate tokens ---------------------------------


def test_password_change(client, admin):
    old = admin.token
    other = login(client).get_json()["session_token"]
    response = admin.post(
        PASSWORD, json={"old_password": ADMIN_PASSWORD, "new_password": NEW_PASSWORD}
    )
    assert response.status_code == 200
    assert response.get_json() == {"success": True}
    for token in (old, other):
        assert_error(Api(client, token=token).get(SESSION), 403, tokens.BLACKLISTED_MESSAGE)
    assert_error(login(client), 401, INVALID)
    assert login(client, password=NEW_PASSWORD).status_code == 200


def test_password_change_with_login(client, admin):
    old = admin.token
    response = admin.post(
        PASSWORD,
        query_string={"login": "true"},
        json={"old_password": ADMIN_PASSWORD, "new_password": NEW_PASSWORD},
    )
    assert response.status_code == 200
    body = response.get_json()
    assert list(body) == ["success", "session_token"] and body["success"] is True
    assert Api(client, token=body["session_token"]).get(SESSION).status_code == 200
    assert_error(Api(client, token=old).get(SESSION), 403, tokens.BLACKLISTED_MESSAGE)


def test_password_change_errors(client, admin, anon):
    assert_error(
        admin.post(
            PASSWORD, json={"old_password": "wrong-password-0123", "new_password": NEW_PASSWORD}
        ),
        400,
        "Invalid password supplied.",
    )
    assert_error(
        admin.post(PASSWORD, json={"old_password": ADMIN_PASSWORD, "new_password": "short"}),
        400,
        "Invalid data supplied. The password field must be at least 16 characters.",
    )
    assert_error(
        anon.post(PASSWORD, json={"old_password": ADMIN_PASSWORD, "new_password": NEW_PASSWORD}),
        401,
        "There is no valid session for the current request.",
    )
    assert login(client).status_code == 200
    for verb in ("GET", "DELETE"):
        assert_error(admin.call(verb, PASSWORD), 400)


def test_password_set_by_another_admin_invalidates_tokens(client, admin):
    second = create_admin(admin)
    token = login(client, SECOND_EMAIL, NEW_PASSWORD).get_json()["session_token"]
    response = admin.patch(f"system/admin/{second}", json={"password": "yet-another-password-123"})
    assert response.status_code == 200
    assert_error(Api(client, token=token).get(SESSION), 403, tokens.BLACKLISTED_MESSAGE)


def test_deactivating_an_admin_invalidates_tokens(client, admin):
    second = create_admin(admin)
    token = login(client, SECOND_EMAIL, NEW_PASSWORD).get_json()["session_token"]
    assert admin.patch(f"system/admin/{second}", json={"is_active": False}).status_code == 200
    error = assert_error(Api(client, token=token).get("system/environment"), 403)
    assert error["message"] in (tokens.BLACKLISTED_MESSAGE, "User is not active.")


def test_an_inactive_user_with_a_live_token(app, client, admin):
    from app.extensions import db
    from app.models import User

    second = create_admin(admin)
    token = login(client, SECOND_EMAIL, NEW_PASSWORD).get_json()["session_token"]
    with app.app_context():  # deactivated behind the API's back: the token row survives
        db.session.execute(sa.update(User).where(User.id == second).values(is_active=False))
        db.session.commit()
    assert_error(Api(client, token=token).get(SESSION), 403, "User is not active.")


# Resets --------------------------------------------------------------------------------


def test_reset_with_a_security_answer(client, admin):
    answer = "the answer to everything"
    patched = admin.patch(
        "system/admin/1",
        json={"security_question": "What is the answer?", "security_answer": answer},
    )
    assert patched.status_code == 200, patched.get_json()
    started = client.post(
        f"/api/v2/{PASSWORD}", query_string={"reset": "true"}, json={"email": ADMIN_EMAIL}
    )
    assert started.status_code == 200
    assert started.get_json() == {"security_question": "What is the answer?"}

    wrong = client.post(
        f"/api/v2/{PASSWORD}",
        json={"email": ADMIN_EMAIL, "security_answer": "nope", "new_password": NEW_PASSWORD},
    )
    assert_error(wrong, 400, "Invalid email and/or security answer provided.")
    unknown = client.post(
        f"/api/v2/{PASSWORD}",
        json={"email": "x@example.com", "security_answer": answer, "new_password": NEW_PASSWORD},
    )
    assert unknown.get_data() == wrong.get_data()
    assert login(client).status_code == 200

    done = client.post(
        f"/api/v2/{PASSWORD}",
        query_string={"login": "true"},
        json={"email": ADMIN_EMAIL, "security_answer": answer, "new_password": NEW_PASSWORD},
    )
    assert done.status_code == 200
    assert Api(client, token=done.get_json()["session_token"]).get(SESSION).status_code == 200
    assert_error(Api(client, token=admin.token).get(SESSION), 403, tokens.BLACKLISTED_MESSAGE)
    assert_error(login(client), 401, INVALID)
    assert login(client, password=NEW_PASSWORD).status_code == 200


def test_code_reset_without_an_email_service(client):
    response = client.post(
        f"/api/v2/{PASSWORD}", query_string={"reset": "true"}, json={"email": ADMIN_EMAIL}
    )
    error = assert_error(response, 503)
    assert "e-mail" in error["message"].lower() or "email" in error["message"].lower()


def test_reset_of_an_unknown_email_reveals_nothing(client):
    response = client.post(
        f"/api/v2/{PASSWORD}", query_string={"reset": "true"}, json={"email": "no@example.com"}
    )
    known = client.post(
        f"/api/v2/{PASSWORD}", query_string={"reset": "true"}, json={"email": ADMIN_EMAIL}
    )
    assert response.status_code == known.status_code == 503
    assert response.get_json() == known.get_json()


# HTTP Basic and forever sessions -------------------------------------------------------


def basic(email: str, password: str) -> dict[str, str]:
    raw = base64.b64encode(f"{email}:{password}".encode()).decode()
    return {"Authorization": f"Basic {raw}"}


def test_http_basic(client):
    response = client.get("/api/v2/system/service", headers=basic(ADMIN_EMAIL, ADMIN_PASSWORD))
    assert response.status_code == 200
    for headers in (
        basic(ADMIN_EMAIL, "wrong-password-0123456789"),
        basic("nobody@example.com", ADMIN_PASSWORD),
        {"Authorization": "Basic !!!not-base64"},
    ):
        assert_error(
            client.get("/api/v2/system/service", headers=headers),
            401,
            "Unauthorized. User credentials did not match.",
        )


def test_a_token_wins_over_basic(client, admin):
    headers = {"Authorization": f"Bearer {admin.token}"}
    assert client.get("/api/v2/system/service", headers=headers).status_code == 200


def test_remember_me_needs_forever_sessions(stores, backend, app, tmp_path, spare_app):
    body = login(app.test_client(), remember_me=True).get_json()
    assert decode(app, body["session_token"])["forever"] is False
    forever = spare_app(stores(backend), str(tmp_path / "forever"), ALLOW_FOREVER_SESSIONS=True)
    body = login(forever.test_client(), remember_me=True).get_json()
    claims = decode(forever, body["session_token"])
    assert claims["forever"] is True
    assert claims["exp"] - claims["iat"] > 365 * 86400
    plain = login(forever.test_client()).get_json()
    assert decode(forever, plain["session_token"])["forever"] is False
