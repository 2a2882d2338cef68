"""First run: ``flask setup``, the ``/setup`` form, the launchpad, ``/status`` and config."""

from __future__ import annotations

import os
import re
import stat

import pytest
import sqlalchemy as sa

from tests.conftest import ADMIN_EMAIL, ADMIN_KEY, ADMIN_PASSWORD

DEFAULT_SERVICES = {"system", "api_docs", "files", "logs", "db", "user", "email"}
DEFAULT_APP_KEYS = {
    "admin": ADMIN_KEY,
    "api_docs": "36fda24fe5588fa4285ac6c6c2fdfbdb6b6bc9834699774c9bf777f706d05a88",
    "file_manager": "b5cb82af7b5d4130f36149f90aa2746782e59a872ac70454ac188743cb55b0ba",
}
NEW_PASSWORD = "a-brand-new-password-0123"  # noqa: S105


def counts(app) -> dict[str, object]:
    from app.extensions import db
    from app.models import App, Service, User

    with app.app_context():
        services = db.session.scalars(sa.select(Service.name)).all()
        apps = dict(db.session.execute(sa.select(App.name, App.api_key)).all())
        admins = db.session.scalars(
            sa.select(User.email).where(User.is_sys_admin.is_(True)).order_by(User.id)
        ).all()
        db.session.remove()
    return {"services": sorted(services), "apps": apps, "admins": list(admins)}


def test_setup_is_idempotent(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["setup"])
    assert first.exit_code == 0, first.output
    before = counts(app)
    assert set(before["services"]) == DEFAULT_SERVICES
    assert len(before["services"]) == len(DEFAULT_SERVICES)
    assert before["apps"] == DEFAULT_APP_KEYS
    second = runner.invoke(args=["setup"])
    assert second.exit_code == 0, second.output
    assert "Seeded: nothing new" in second.output
    assert counts(app) == before


def test_setup_seeds_an_empty_store(bare_app):
    from app.extensions import db
    from app.models import App, Service

    with bare_app.app_context():
        db.session.execute(sa.delete(App))
        db.session.execute(sa.delete(Service).where(Service.name.in_(["files", "db"])))
        db.session.commit()
        db.session.remove()
    result = bare_app.test_cli_runner().invoke(args=["setup"])
    assert result.exit_code == 0, result.output
    assert "service files" in result.output and "app admin" in result.output
    after = counts(bare_app)
    assert set(after["services"]) == DEFAULT_SERVICES
    assert after["apps"] == DEFAULT_APP_KEYS


def test_setup_creates_the_admin_from_options(bare_app):
    args = [
        "setup",
        "--email",
        "first@example.com",
        "--password",
        NEW_PASSWORD,
        "--first-name",
        "First",
        "--last-name",
        "Admin",
    ]
    runner = bare_app.test_cli_runner()
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    assert "Created admin first@example.com." in result.output
    assert counts(bare_app)["admins"] == ["first@example.com"]
    again = runner.invoke(args=args)
    assert again.exit_code == 0, again.output
    assert counts(bare_app)["admins"] == ["first@example.com"]

    client = bare_app.test_client()
    response = client.post(
        "/api/v2/system/admin/session",
        json={"email": "first@example.com", "password": NEW_PASSWORD},
    )
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["name"] == "First Admin"


def test_setup_rejects_a_short_password_cleanly(bare_app):
    result = bare_app.test_cli_runner().invoke(
        args=["setup", "--email", "first@example.com", "--password", "short"]
    )
    assert result.exit_code == 1
    assert "Error: Invalid data supplied." in result.output
    assert "at least 16 characters" in result.output
    assert "Traceback" not in result.output
    assert counts(bare_app)["admins"] == []


def test_setup_needs_both_email_and_password(bare_app):
    result = bare_app.test_cli_runner().invoke(args=["setup", "--email", "first@example.com"])
    assert result.exit_code == 1
    assert "--email and --password go together" in result.output


def test_generate_admin_prints_credentials_once(bare_app, monkeypatch):
    monkeypatch.delenv("DF_ADMIN_EMAIL", raising=False)
    monkeypatch.delenv("DF_ADMIN_PASSWORD", raising=False)
    runner = bare_app.test_cli_runner()
    first = runner.invoke(args=["setup", "--generate-admin"])
    assert first.exit_code == 0, first.output
    password = re.search(r"password: (\S+)", first.output).group(1)
    assert len(password) >= 16
    email = re.search(r"email: +(\S+)", first.output).group(1)
    assert counts(bare_app)["admins"] == [email]
    second = runner.invoke(args=["setup", "--generate-admin"])
    assert second.exit_code == 0, second.output
    assert "password:" not in second.output
    assert counts(bare_app)["admins"] == [email]

    response = bare_app.test_client().post(
        "/api/v2/system/admin/session", json={"email": email, "password": password}
    )
    assert response.status_code == 200


def test_generate_admin_uses_the_environment(bare_app, monkeypatch):
    monkeypatch.setenv("DF_ADMIN_EMAIL", "env@example.com")
    monkeypatch.setenv("DF_ADMIN_PASSWORD", NEW_PASSWORD)
    result = bare_app.test_cli_runner().invoke(args=["setup", "--generate-admin"])
    assert result.exit_code == 0, result.output
    assert NEW_PASSWORD not in result.output
    assert counts(bare_app)["admins"] == ["env@example.com"]


def test_root_redirects_to_setup_until_an_admin_exists(bare_app):
    client = bare_app.test_client()
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/setup")

    form = client.get("/setup")
    assert form.status_code == 200
    assert b'name="password_confirmation"' in form.data

    mismatch = client.post(
        "/setup",
        data={
            "email": "first@example.com",
            "password": NEW_PASSWORD,
            "password_confirmation": NEW_PASSWORD + "x",
        },
    )
    assert mismatch.status_code == 422
    assert b"The passwords do not match." in mismatch.data
    assert b'value="first@example.com"' in mismatch.data

    short = client.post(
        "/setup",
        data={"email": "first@example.com", "password": "short", "password_confirmation": "short"},
    )
    assert short.status_code == 422
    assert b"at least 16 characters" in short.data
    assert counts(bare_app)["admins"] == []

    created = client.post(
        "/setup",
        data={
            "first_name": "First",
            "last_name": "Admin",
            "email": "first@example.com",
            "password": NEW_PASSWORD,
            "password_confirmation": NEW_PASSWORD,
        },
    )
    assert created.status_code == 302
    assert counts(bare_app)["admins"] == ["first@example.com"]

    assert client.get("/").status_code == 200
    after = client.get("/setup")
    assert after.status_code == 302
    assert not after.headers["Location"].endswith("/setup")
    again = client.post(
        "/setup",
        data={"email": "x@example.com", "password": NEW_PASSWORD, "password_confirmation": "x"},
    )
    assert again.status_code == 302
    assert counts(bare_app)["admins"] == ["first@example.com"]


def test_launchpad_lists_the_apps_the_caller_may_open(client, admin):
    anonymous = client.get("/")
    assert anonymous.status_code == 200
    assert b"No apps are available to you" in anonymous.data
    signed_in = client.get("/", query_string={"session_token": admin.token})
    assert signed_in.status_code == 200
    for name in DEFAULT_APP_KEYS:
        assert f">{name}</a>".encode() in signed_in.data


def test_status_without_credentials(client, admin):
    response = client.get("/status")
    assert response.status_code == 200
    body = response.get_json()
    assert list(body) == [
        "uri",
        "managed",
        "dist",
        "demo",
        "version",
        "license",
        "host_os",
        "last_admin_login",
        "resources",
    ]
    assert body["license"] == "OPEN SOURCE"
    assert body["managed"] is False
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", body["last_admin_login"])
    assert body["resources"] == {"app": 3, "admin": 1, "user": 0, "service": 7, "role": 0}


def test_maintenance_mode_answers_503_but_status_still_works(stores, backend, tmp_path, spare_app):
    from tests.conftest import assert_error

    application = spare_app(stores(backend), str(tmp_path / "storage"), MAINTENANCE=True)
    client = application.test_client()
    assert_error(
        client.get("/api/v2/system/environment"),
        503,
        "This instance is in maintenance mode. Please try again later.",
    )
    assert_error(client.get("/api/v2"), 503)
    assert client.get("/status").status_code == 200


# Config: classes, then DF_* environment, then the test mapping -------------------------


def test_prefixed_environment_is_read_when_the_factory_runs(
    stores, tmp_path, monkeypatch, spare_app
):
    from app import seed
    from app.extensions import db
    from tests.conftest import reset_store

    url = stores("sqlite")
    monkeypatch.setenv("DF_JWT_TTL", "5")
    monkeypatch.setenv("DF_API_ROUTE_PREFIX", "rest")
    application = spare_app(url, str(tmp_path / "storage"))
    assert application.config["JWT_TTL"] == 5
    with application.app_context():  # an instance that is set up, whatever ran before
        reset_store(db.engine)
        seed.seed()
        seed.create_admin(ADMIN_EMAIL, ADMIN_PASSWORD, "Ada", "Admin")
        db.session.remove()
    client = application.test_client()
    response = client.get("/rest/v2")
    assert response.status_code == 200
    assert "service_types" in response.get_json()
    assert client.get("/api/v2").status_code == 404
    monkeypatch.delenv("DF_JWT_TTL")
    assert spare_app(url, str(tmp_path / "storage")).config["JWT_TTL"] == 1440


def test_an_all_digit_secret_from_the_environment_stays_a_string(
    app, backend, stores, tmp_path, monkeypatch
):
    from app.factory import create_app
    from tests.conftest import ADMIN_PASSWORD, test_config

    digits = "1234567890" * 4
    monkeypatch.setenv("DF_JWT_SECRET", digits)
    config = test_config(stores(backend), str(tmp_path / "storage"))
    del config["JWT_SECRET"]
    application = create_app(config)
    assert application.config["JWT_SECRET"] == digits
    response = application.test_client().post(
        "/api/v2/system/admin/session", json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}
    )
    assert response.status_code == 200
    with application.app_context():
        from app.extensions import db

        db.engine.dispose()


def test_instance_path_is_configurable(tmp_path, monkeypatch):
    from app.factory import create_app

    monkeypatch.setenv("DF_INSTANCE_PATH", str(tmp_path / "from-env"))
    application = create_app({"TESTING": True, "STORAGE_PATH": str(tmp_path / "storage")})
    assert application.instance_path == str(tmp_path / "from-env")
    assert application.config["SQLALCHEMY_DATABASE_URI"] == (
        "sqlite:///" + str(tmp_path / "from-env" / "df.sqlite")
    )
    mapped = create_app(
        {
            "TESTING": True,
            "INSTANCE_PATH": str(tmp_path / "mapped"),
            "STORAGE_PATH": str(tmp_path / "storage"),
        }
    )
    assert mapped.instance_path == str(tmp_path / "mapped")


def test_the_instance_folder_is_private(tmp_path):
    """It holds the store and the JWT secret: script workers (another user) must not read it."""
    from app.factory import create_app

    shared = tmp_path / "shared"
    shared.mkdir(mode=0o755)
    for folder in (tmp_path / "new", shared):
        create_app(
            {"TESTING": True, "INSTANCE_PATH": str(folder), "STORAGE_PATH": str(tmp_path / "s")}
        )
        assert folder.stat().st_mode & 0o777 == 0o700


def test_sqlite_generates_a_jwt_secret_once(tmp_path):
    from app.factory import create_app

    config = {
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "STORAGE_PATH": str(tmp_path / "storage"),
    }
    first = create_app(dict(config))
    path = tmp_path / "instance" / "jwt_secret"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    secret = path.read_text()
    assert len(secret) == 64 and first.config["JWT_SECRET"] == secret
    second = create_app(dict(config))
    assert second.config["JWT_SECRET"] == secret
    assert path.read_text() == secret
    assert sorted(os.listdir(tmp_path / "instance")) == ["jwt_secret"]


def test_a_server_store_needs_a_jwt_secret(tmp_path):
    from app.factory import create_app

    config = {
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "STORAGE_PATH": str(tmp_path / "storage"),
        "SYSTEM_DATABASE_URL": "postgresql+psycopg://df@127.0.0.1:5432/df",
    }
    with pytest.raises(RuntimeError, match="DF_JWT_SECRET is not set"):
        create_app(dict(config))
    (tmp_path / "instance").mkdir(exist_ok=True)
    (tmp_path / "instance" / "jwt_secret").write_text("a-secret-left-by-an-sqlite-install")
    with pytest.raises(RuntimeError, match="DF_JWT_SECRET is not set"):
        create_app(dict(config))
    assert create_app({**config, "JWT_SECRET": "given"}).config["JWT_SECRET"] == "given"
    testing = create_app({**config, "TESTING": True})
    assert testing.config["JWT_SECRET"]
