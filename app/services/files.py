"""The ``local_file`` service type: a folder under the storage path as a REST API."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from app.services.base import BaseService


class LocalFileConfigSchema(Schema):
    container = fields.String(
        required=True,
        validate=validate.Length(min=1, max=255),
        metadata={
            "label": "Container",
            "description": "Folder under the storage path holding the files.",
        },
    )
    public_path = fields.List(
        fields.String(),
        load_default=list,
        metadata={"label": "Public Path", "description": "Folders served without credentials."},
    )


class LocalFileService(BaseService):
    type = "local_file"
    label = "Local File Storage"
    group = "File"
    description = "File service supporting the local file system."
    config_schema = LocalFileConfigSchema
