"""Config fields of the remote folder types (``sftp_file``, ``ftp_file``, ``webdav_file``).

``host``, ``port``, ``username``, ``timeout`` and ``container`` (the root
folder on the server) read the same for each protocol but for its name and
default port (``webdav_file``, addressed by URL, shares the root folder
alone); ``check_root`` is the root folder's validation.
"""

from __future__ import annotations

from marshmallow import ValidationError, fields, validate


def host_field(what: str) -> fields.String:
    return fields.String(
        required=True,
        validate=validate.Length(min=1, max=255),
        metadata={"label": "Host", "description": f"{what} server host name or IP address."},
    )


def port_field(what: str, default: int) -> fields.Integer:
    return fields.Integer(
        load_default=default,
        validate=validate.Range(min=1, max=65535),
        metadata={
            "label": "Port",
            "description": f"{what} server port number. Default is {default}.",
        },
    )


def username_field(what: str) -> fields.String:
    return fields.String(
        required=True,
        validate=validate.Length(min=1, max=100),
        metadata={"label": "Username", "description": f"{what} server username."},
    )


def password_field(description: str) -> fields.String:
    """The login's password: optional, masked on read and kept when sent back masked."""
    return fields.String(
        load_default=None,
        allow_none=True,
        metadata={"label": "Password", "description": description, "secret": True},
    )


def timeout_field() -> fields.Float:
    return fields.Float(
        load_default=None,
        allow_none=True,
        validate=validate.Range(min=0.1, max=3600),
        metadata={
            "label": "Timeout",
            "description": "Seconds to wait for the server; empty for this server's default.",
        },
    )


def root_field(
    label: str = "Root folder",
    description: str = "Enter a full path for a root folder on the server.",
) -> fields.String:
    return fields.String(
        required=True,
        validate=validate.Length(min=1, max=1024),
        metadata={"label": label, "description": description},
    )


def check_root(value: str) -> None:
    """Refuse a root folder with NUL bytes, line breaks or ``..`` segments."""
    if any(c in value for c in "\x00\r\n") or ".." in value.split("/"):
        raise ValidationError(
            "The root folder may not contain NUL bytes, line breaks or '..' segments."
        )
