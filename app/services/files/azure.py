"""The ``azure_blob`` service type: a container of Azure Blob Storage as a file service.

The config has DreamFactory's names (``df-azure``): ``account_name``,
``account_key`` (masked on read, kept when sent back masked), ``protocol``
(``https`` or ``http``) and ``container``, plus ``public_path`` as every file
service. Two other ways to sign in, both secrets too: ``connection_string``
(the storage account's, which DreamFactory's Azure file system also reads;
when given it says everything and the account settings are not used) and
``sas_token`` (a shared access signature, instead of the account key).
``endpoint`` is the blob service URL for Azurite and other emulators or
private endpoints (``http://127.0.0.1:10000/devstoreaccount1``); without it
the URL is Azure's, ``{protocol}://{account_name}.blob.core.windows.net``.
The type is unavailable, with the reason, where azure-storage-blob is not
installed.

Service clients are made once per set of settings and shared (Azure's clients
are thread-safe); each call waits at most ``FILE_REMOTE_TIMEOUT`` seconds to
connect and between reads, and is tried twice at most.
"""

from __future__ import annotations

import binascii
import functools
import re
from base64 import b64decode
from typing import Any

from flask import current_app
from marshmallow import (
    Schema,
    ValidationError,
    fields,
    validate,
    validates,
    validates_schema,
)

from app.services.files.blob import BLOCK_SIZE, BlobStorage
from app.services.files.config import public_path_field
from app.services.files.service import FileService
from app.services.files.storage import Storage
from app.vocabulary.errors import BadGateway

CONTAINER = re.compile(r"^(?!.*--)[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$")
"""Container names Azure accepts: 3 to 63 lowercase letters, digits and single dashes."""

ACCOUNT = re.compile(r"^[a-z0-9]{3,24}$")
"""Storage account names: 3 to 24 lowercase letters and digits."""


def _lookup(value: Any) -> bool:
    """Whether ``value`` holds a lookup (``{name}``), checked only once it is substituted."""
    return isinstance(value, str) and "{" in value


def _secret(label: str, description: str) -> fields.String:
    return fields.String(
        load_default=None,
        allow_none=True,
        metadata={"label": label, "description": description, "secret": True},
    )


def connection_settings(value: str) -> dict[str, str]:
    """The ``Name=value`` pairs of a connection string (names as Azure spells them)."""
    pairs = [part.split("=", 1) for part in value.strip().strip(";").split(";") if part]
    if not pairs or any(len(pair) != 2 or not pair[0].strip() for pair in pairs):
        raise ValidationError("The connection string must be 'Name=value' pairs split by ';'.")
    return {name.strip(): setting.strip() for name, setting in pairs}


class AzureBlobConfigSchema(Schema):
    account_name = fields.String(
        load_default=None,
        allow_none=True,
        metadata={"label": "Account Name", "description": "A Windows Azure storage account name."},
    )
    account_key = _secret("Account Key", "A Windows Azure storage account key.")
    protocol = fields.String(
        load_default="https",
        validate=validate.OneOf(["https", "http"]),
        metadata={
            "label": "Protocol",
            "description": "Select the HTTP protocol.",
            "type": "picklist",
            "values": [
                {"label": "HTTPS", "name": "https"},
                {"label": "HTTP", "name": "http"},
            ],
        },
    )
    container = fields.String(
        required=True,
        validate=validate.Length(min=3, max=63),
        metadata={"label": "Container", "description": "The blob container holding the files."},
    )
    connection_string = _secret(
        "Connection String",
        "Instead of the account settings: the storage account's connection string "
        "(DefaultEndpointsProtocol=https;AccountName=...;AccountKey=...).",
    )
    sas_token = _secret(
        "SAS Token",
        "Instead of the account key: a shared access signature of the account or container.",
    )
    endpoint = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.URL(schemes={"http", "https"}, require_tld=False),
        metadata={
            "label": "Blob Service URL",
            "description": (
                "URL of the blob service for Azurite, other emulators or private endpoints "
                "(e.g. http://127.0.0.1:10000/devstoreaccount1); empty for Azure."
            ),
        },
    )
    public_path = public_path_field("container")

    @validates("container")
    def check_container(self, value: str, **kwargs: Any) -> None:
        if not _lookup(value) and not CONTAINER.match(value):
            raise ValidationError("The container must be an Azure container name.")

    @validates("account_name")
    def check_account_name(self, value: str | None, **kwargs: Any) -> None:
        if value and not _lookup(value) and not ACCOUNT.match(value):
            raise ValidationError("The account name must be 3 to 24 lowercase letters or digits.")

    @validates("account_key")
    def check_account_key(self, value: str | None, **kwargs: Any) -> None:
        if value and not _lookup(value):
            try:
                b64decode(value, validate=True)
            except (binascii.Error, ValueError):
                raise ValidationError(
                    "The account key must be base64, as Azure shows it."
                ) from None

    @validates("connection_string")
    def check_connection_string(self, value: str | None, **kwargs: Any) -> None:
        if value and not _lookup(value):
            settings = connection_settings(value)
            if not ({"AccountName", "BlobEndpoint"} & settings.keys()):
                raise ValidationError("The connection string names no account nor blob endpoint.")

    @validates_schema
    def check_credentials(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data.get("connection_string"):
            return
        if not data.get("account_name") and not (data.get("endpoint") and data.get("sas_token")):
            raise ValidationError(
                "An account name is needed (or a connection string).", "account_name"
            )
        if not data.get("account_key") and not data.get("sas_token"):
            raise ValidationError(
                "An account key or a SAS token is needed (or a connection string).",
                "account_key",
            )


@functools.lru_cache(maxsize=64)
def blob_service(
    connection_string: str | None,
    account_url: str,
    account_name: str | None,
    account_key: str | None,
    sas_token: str | None,
    timeout: float,
) -> Any:
    """A shared ``BlobServiceClient`` for these settings."""
    from azure.storage.blob import BlobServiceClient  # noqa: PLC0415 - optional: see available()

    settings: dict[str, Any] = {
        "connection_timeout": timeout,
        "read_timeout": timeout,
        "retry_total": 1,
        "initial_backoff": 1,
        "random_jitter_range": 1,
        "max_single_put_size": BLOCK_SIZE,
        "max_single_get_size": BLOCK_SIZE,
        "max_chunk_get_size": BLOCK_SIZE,
    }
    if connection_string:
        return BlobServiceClient.from_connection_string(connection_string, **settings)
    credential: Any = sas_token.lstrip("?") if sas_token else None
    if account_key:
        credential = {"account_name": account_name, "account_key": account_key}
    return BlobServiceClient(account_url, credential=credential, **settings)


class AzureBlobFileService(FileService):
    type = "azure_blob"
    label = "Azure Blob Storage"
    description = "File service supporting the Microsoft Azure Blob storage."
    config_schema = AzureBlobConfigSchema
    client_library = ("azure.storage.blob", "azure-storage-blob")
    storage_name = "Azure Blob storage"

    def make_storage(self) -> Storage:
        config = self.config
        name = config.get("account_name") or None
        url = config.get("endpoint") or (
            f"{config.get('protocol') or 'https'}://{name}.blob.core.windows.net"
        )
        try:
            service = blob_service(
                config.get("connection_string") or None,
                url.rstrip("/"),
                name,
                config.get("account_key") or None,
                config.get("sas_token") or None,
                float(current_app.config["FILE_REMOTE_TIMEOUT"]),
            )
            container = service.get_container_client(str(config.get("container") or ""))
        except ValueError as exc:  # settings from lookups are only checked here
            raise BadGateway(f"The Azure Blob service's settings are not valid: {exc}") from None
        return BlobStorage(container)
