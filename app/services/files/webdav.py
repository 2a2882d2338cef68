"""The ``webdav_file`` service type: a folder of a WebDAV server as a file service.

The config has DreamFactory's names (``df-file``'s WebDAV service):
``base_uri`` (the server's URL; DreamFactory wanted the host alone, a path is
allowed here, e.g. Nextcloud's ``https://cloud.example.com/remote.php/dav/files/ann``),
``username``, ``password`` (masked on read, kept when sent back masked),
``auth_type`` (DreamFactory's numbers: 1 Basic, 2 Digest; empty means Basic
when there is a username; NTLM, its 4, is not offered), ``proxy`` and
``container``, the root folder below ``base_uri``, plus ``public_path`` as
every file service. DreamFactory's ``encoding`` is not needed: listings are
asked for compressed and files as they are. Each call waits at most
``FILE_REMOTE_TIMEOUT`` seconds to connect and between reads.

The files are served by ``RemoteTreeStorage`` over ``WebdavTree``, with one
HTTP session per set of settings (``webdav_http``). ``requests`` and
``defusedxml`` are runtime dependencies, so the type is always available.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import current_app
from marshmallow import Schema, ValidationError, fields, validate, validates

from app.services.files import webdav_http
from app.services.files.config import public_path_field
from app.services.files.remote_config import check_root, password_field, root_field
from app.services.files.remote_tree import RemoteTreeStorage
from app.services.files.service import FileService
from app.services.files.storage import Storage
from app.services.files.webdav_tree import WebdavTree, encode

URL = validate.URL(schemes={"http", "https"}, require_tld=False)

AUTH_TYPES = [
    {"name": None, "label": "None"},
    {"name": webdav_http.AUTH_BASIC, "label": "Basic"},
    {"name": webdav_http.AUTH_DIGEST, "label": "Digest"},
]


def root_url(base_uri: str, container: str) -> str:
    """The root folder's URL: ``base_uri`` and the container's names, each percent-encoded,
    with a trailing slash."""
    names = [encode(n) for n in container.split("/") if n]
    return base_uri.rstrip("/") + "/" + "".join(f"{n}/" for n in names)


class WebdavConfigSchema(Schema):
    base_uri = fields.String(
        required=True,
        validate=[validate.Length(max=2048), URL],
        metadata={
            "label": "Base URI",
            "description": (
                "The WebDAV server's URL, e.g. https://dav.example.com or a WebDAV folder "
                "such as https://cloud.example.com/remote.php/dav/files/ann."
            ),
        },
    )
    username = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=100),
        metadata={"label": "Username", "description": "WebDAV server username."},
    )
    password = password_field("WebDAV server user password.")
    auth_type = fields.Integer(
        load_default=None,
        allow_none=True,
        validate=validate.OneOf(
            [webdav_http.AUTH_BASIC, webdav_http.AUTH_DIGEST],
            error="The auth type must be 1 (Basic) or 2 (Digest); NTLM is not supported.",
        ),
        metadata={
            "label": "Auth Type",
            "description": "How the username and password are sent: Basic (the default) or Digest.",
            "type": "picklist",
            "values": AUTH_TYPES,
        },
    )
    proxy = fields.String(
        load_default=None,
        allow_none=True,
        validate=[validate.Length(max=2048), URL],
        metadata={
            "label": "Proxy",
            "description": "Optional proxy server (http://host:port) to reach the server through.",
        },
    )
    container = root_field(
        "Root folder/Path prefix",
        "Enter a path prefix for a root folder ('/' for the base URI itself).",
    )
    public_path = public_path_field("root folder")

    @validates("base_uri")
    def check_base_uri(self, value: str, **kwargs: Any) -> None:
        parts = urlsplit(value)
        if parts.username is not None or parts.password is not None:
            raise ValidationError("Put the user name and password in their own fields.")
        if parts.query or parts.fragment:
            raise ValidationError("The base URI may not have a query or a fragment.")

    @validates("container")
    def check_container(self, value: str, **kwargs: Any) -> None:
        check_root(value)


class WebdavFileService(FileService):
    type = "webdav_file"
    label = "WebDAV File Storage"
    description = "File service supporting a folder of a WebDAV server."
    config_schema = WebdavConfigSchema
    storage_name = "WebDAV storage"

    def make_storage(self) -> Storage:
        config = self.config
        settings = webdav_http.Settings(
            base_uri=str(config.get("base_uri") or ""),
            username=config.get("username") or None,
            password=config.get("password") or None,
            auth_type=config.get("auth_type") or None,
            proxy=config.get("proxy") or None,
            timeout=float(current_app.config["FILE_REMOTE_TIMEOUT"]),
        )
        container = str(config.get("container") or "")
        tree = WebdavTree(
            webdav_http.session_for(settings),
            root_url(settings.base_uri, container),
            container,
            settings.timeout,
        )
        return RemoteTreeStorage(tree)
