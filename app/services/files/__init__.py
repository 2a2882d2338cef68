"""File services: ``local_file`` (a folder of this server) and ``aws_s3`` (a bucket) as REST APIs.

``service`` holds the verbs over any ``storage.Storage``; ``local`` and ``s3``
are the backends, ``aws`` the S3 type and its config; ``paths`` the rules keeping every
path inside the container; ``listing``, ``download``, ``upload``, ``items``,
``archive``, ``delete`` and ``fetch`` one operation each; ``config`` the
container and public-path settings.
"""

from __future__ import annotations

from app.services.files.service import FileService, LocalFileService

__all__ = ["FileService", "LocalFileService"]
