"""The ``aws_s3`` service type: a bucket of AWS S3 or an S3-compatible server as a file service.

The config has DreamFactory's names (``df-aws``): ``key`` and ``secret`` (the
access key pair; the secret is masked on read and kept when sent back masked;
both empty means boto3's own chain: environment, instance profile),
``region`` and ``container`` (the bucket), plus ``public_path`` as every file
service. ``endpoint`` points it at another S3-compatible server (MinIO, Ceph,
a local test server) and ``use_path_style_endpoint`` (the AWS SDK's name, which
DreamFactory passes through) addresses the bucket in the path rather than the
host name, as most of those servers need. The type is unavailable, with the
reason, where boto3 is not installed.

Clients are made once per set of settings and shared (botocore clients are
thread-safe); each call waits at most ``FILE_REMOTE_TIMEOUT`` seconds to
connect and between reads, and is tried twice at most.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from flask import current_app
from marshmallow import Schema, ValidationError, fields, validate, validates

from app.services.files.config import public_path_field
from app.services.files.s3 import S3Storage
from app.services.files.service import FileService
from app.services.files.storage import Storage

BUCKET = re.compile(r"^[a-z0-9][a-z0-9.\-_]{1,254}$")
"""Bucket names S3 and compatible servers accept (dots, dashes; underscores for old ones)."""


class S3ConfigSchema(Schema):
    key = fields.String(
        load_default=None,
        allow_none=True,
        metadata={"label": "Access Key ID", "description": "The access key of the bucket's user."},
    )
    secret = fields.String(
        load_default=None,
        allow_none=True,
        metadata={
            "label": "Secret Access Key",
            "description": "The secret of that access key.",
            "secret": True,
        },
    )
    region = fields.String(
        load_default="us-east-1",
        validate=validate.Length(min=1, max=64),
        metadata={"label": "Region", "description": "The bucket's region, e.g. us-east-1."},
    )
    container = fields.String(
        required=True,
        validate=validate.Length(min=3, max=255),
        metadata={"label": "Container", "description": "The bucket holding the files."},
    )
    endpoint = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.URL(schemes={"http", "https"}, require_tld=False),
        metadata={
            "label": "Endpoint",
            "description": "URL of an S3-compatible server (MinIO, Ceph...); empty for AWS.",
        },
    )
    use_path_style_endpoint = fields.Boolean(
        load_default=False,
        metadata={
            "label": "Path-style Addressing",
            "description": "Name the bucket in the URL's path, as most S3-compatible servers need.",
        },
    )
    public_path = public_path_field("bucket")

    @validates("container")
    def check_container(self, value: str, **kwargs: Any) -> None:
        if "{" not in value and not BUCKET.match(value):
            raise ValidationError("The container must be a bucket name.")


@functools.lru_cache(maxsize=64)
def s3_client(
    key: str | None,
    secret: str | None,
    region: str,
    endpoint: str | None,
    path_style: bool,
    timeout: float,
) -> Any:
    """A shared botocore S3 client for these settings."""
    import boto3  # noqa: PLC0415 - optional: the type is unavailable without it
    from botocore.config import Config  # noqa: PLC0415 - optional, as boto3

    config = Config(
        connect_timeout=timeout,
        read_timeout=timeout,
        retries={"max_attempts": 2, "mode": "standard"},
        s3={"addressing_style": "path" if path_style else "auto"},
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
    )
    return boto3.session.Session().client(
        "s3",
        aws_access_key_id=key or None,
        aws_secret_access_key=secret or None,
        region_name=region,
        endpoint_url=endpoint or None,
        config=config,
    )


class S3FileService(FileService):
    type = "aws_s3"
    label = "AWS S3"
    description = "File storage service supporting AWS S3 and S3-compatible servers."
    config_schema = S3ConfigSchema
    client_library = ("boto3", "boto3")
    storage_name = "S3 storage"

    def make_storage(self) -> Storage:
        config = self.config
        client = s3_client(
            config.get("key") or None,
            config.get("secret") or None,
            str(config.get("region") or "us-east-1"),
            config.get("endpoint") or None,
            bool(config.get("use_path_style_endpoint")),
            float(current_app.config["FILE_REMOTE_TIMEOUT"]),
        )
        return S3Storage(client, str(config.get("container") or ""))
