"""Flask commands: ``setup`` (migrate, seed, first admin), ``create-admin``, ``package``
(config packages out and in, as ``system/package``); queue commands."""

from __future__ import annotations

import os
import secrets
import sys
from typing import TYPE_CHECKING

import click
import orjson
from flask import current_app
from flask.cli import with_appcontext
from flask_migrate import upgrade
from sqlalchemy.engine import make_url

from app import seed, system_cache
from app.access.actor import Actor
from app.access.authn import Credentials
from app.dispatch.calls import Caller
from app.dispatch.config_package import exporter, importer, manifest
from app.extensions import db
from app.mcp import stdio
from app.models import User
from app.queue.cli import queue_cli, scheduler_cli
from app.setup_lock import SetupLockTimeout, setup_lock
from app.vocabulary.errors import ApiError, ValidationFailed

if TYPE_CHECKING:
    from flask import Flask

GENERATED_ADMIN_EMAIL = "admin@example.com"


def _make_admin(email: str, password: str, first_name: str, last_name: str) -> None:
    try:
        seed.create_admin(email, password, first_name, last_name)
    except ValidationFailed as exc:
        raise click.ClickException(exc.message) from None
    click.echo(f"Created admin {email}.")


@click.command("setup")
@click.option("--email", help="E-mail of the first admin.")
@click.option("--password", help="Password of the first admin (at least 16 characters).")
@click.option("--first-name", default="", help="First name of the first admin.")
@click.option("--last-name", default="", help="Last name of the first admin.")
@click.option(
    "--generate-admin",
    is_flag=True,
    help="With no admin yet: create one from DF_ADMIN_EMAIL/DF_ADMIN_PASSWORD, "
    "or generate credentials and print them once.",
)
@with_appcontext
def setup_command(email, password, first_name, last_name, generate_admin) -> None:
    """Migrate the system store, seed defaults and optionally create the first admin.

    Safe to run on every node at once: the store's setup lock (``app.setup_lock``)
    lets one run work while the others wait, then find the work done.
    """
    if (email or password) and not (email and password):
        raise click.ClickException("--email and --password go together.")
    try:
        with setup_lock(db.engine):
            _setup(email, password, first_name, last_name, generate_admin)
    except SetupLockTimeout as exc:
        raise click.ClickException(f"{exc}; run setup again once it has finished.") from None
    click.echo(f"System store: {_safe_url(current_app.config['SQLALCHEMY_DATABASE_URI'])}")


def _setup(email, password, first_name, last_name, generate_admin) -> None:
    upgrade()
    added = seed.seed()
    click.echo("Seeded: " + (", ".join(added) if added else "nothing new"))
    if email:
        if seed.user_exists(email):
            click.echo(f"Admin {email} exists already.")
        else:
            _make_admin(email, password, first_name, last_name)
    elif generate_admin and not seed.has_admin():
        env_email = os.environ.get("DF_ADMIN_EMAIL")
        env_password = os.environ.get("DF_ADMIN_PASSWORD")
        if env_email and env_password:
            _make_admin(env_email, env_password, "", "")
        else:
            generated = secrets.token_urlsafe(18)
            _make_admin(env_email or GENERATED_ADMIN_EMAIL, generated, "", "")
            click.echo("")
            click.echo("  Admin credentials (shown once, keep them):")
            click.echo(f"    email:    {env_email or GENERATED_ADMIN_EMAIL}")
            click.echo(f"    password: {generated}")
            click.echo("")
    if not seed.has_admin():
        click.echo("No admin yet: open /setup in a browser to create one.")


def _safe_url(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


@click.command("create-admin")
@click.option("--email", required=True)
@click.option("--password", required=True)
@click.option("--first-name", default="")
@click.option("--last-name", default="")
@with_appcontext
def create_admin_command(email, password, first_name, last_name) -> None:
    """Create an admin user."""
    _make_admin(email, password, first_name, last_name)


@click.group("package")
def package_cli() -> None:
    """Config packages: export this instance's configuration, import one (``system/package``)."""


def _admin_caller(email: str | None) -> Caller:
    """The package's caller: the named admin, else the first one (by id)."""
    query = db.select(User).where(User.is_sys_admin.is_(True)).order_by(User.id)
    if email:
        query = query.where(User.email == email)
    row = db.session.scalars(query).first()
    if row is None:
        raise click.ClickException(f"No admin {email or ''}".rstrip() + ".")
    return Caller(Actor(user=system_cache.get_user(row.id)))


@package_cli.command("export")
@click.argument("output", type=click.Path(dir_okay=False, writable=True))
@click.option(
    "--manifest",
    "manifest_file",
    type=click.File("rb"),
    help="What to export "
    "(DreamFactory's manifest, JSON); everything listed by system/package if omitted.",
)
@click.option("--admin", "email", help="The admin to export as (the first admin if omitted).")
@with_appcontext
def package_export_command(output, manifest_file, email) -> None:
    """Write a package of this instance's configuration to OUTPUT (a zip)."""
    caller = _admin_caller(email)
    try:
        wanted = orjson.loads(manifest_file.read()) if manifest_file else manifest.listing(caller)
        answer = exporter.export(caller, wanted)
    except (ApiError, orjson.JSONDecodeError) as exc:
        raise click.ClickException(str(exc)) from None
    if isinstance(answer, dict):  # the manifest named a file service to store it in
        click.echo(f"Stored as {answer['path']}.")
        return
    with open(output, "wb") as out:
        out.write(answer.content)
    click.echo(f"Exported to {output}.")


@package_cli.command("import")
@click.argument("package", type=click.File("rb"))
@click.option("--admin", "email", help="The admin to import as (the first admin if omitted).")
@click.option(
    "--overwrite", is_flag=True, help="Update the records this instance has already (by name)."
)
@with_appcontext
def package_import_command(package, email, overwrite) -> None:
    """Import PACKAGE (a zip) into this instance; each record's answer is printed."""
    caller = _admin_caller(email)
    try:
        answer = importer.import_package(caller, package.read(), overwrite)
    except ApiError as exc:
        raise click.ClickException(exc.message) from None
    for item in answer.content["resource"]:
        error = item.get("error")
        outcome = "overwritten" if item.get("overwritten") else "created"
        if error:
            outcome = f"error {error['code']}: {error['message']}"
        click.echo(f"{item['api']} {item['name']}: {outcome}")
    for level, messages in answer.content["log"].items():
        for message in messages:
            click.echo(f"{level}: {message}")


@click.group("mcp")
def mcp_cli() -> None:
    """The Model Context Protocol endpoint, for agents that start a command (stdio)."""


@mcp_cli.command("stdio")
@click.option("--api-key", help="The API key of an app whose allow_mcp is on.")
@click.option("--session-token", help="A session token (JWT), with or without --api-key.")
def mcp_stdio_command(api_key: str | None, session_token: str | None) -> None:
    """Serve the MCP tools over stdin/stdout, in-process, as the caller of these credentials.

    The same tools, checks and scripts as ``/mcp``: point a desktop agent's MCP
    configuration at this command (see the README's "MCP" section).
    """
    if not api_key and not session_token:
        raise click.ClickException("Give --api-key and/or --session-token.")
    creds = Credentials(api_key=api_key, session_token=session_token)
    stdio.serve(current_app._get_current_object(), creds, sys.stdin, sys.stdout.buffer)


def init_app(app: Flask) -> None:
    app.cli.add_command(setup_command)
    app.cli.add_command(create_admin_command)
    app.cli.add_command(queue_cli)
    app.cli.add_command(scheduler_cli)
    app.cli.add_command(package_cli)
    app.cli.add_command(mcp_cli)
