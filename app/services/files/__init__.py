"""File services: ``local_file`` (a folder of this server as a REST API).

``service`` holds the type and its verbs; ``paths`` the rules keeping every
path inside the container; ``listing``, ``download``, ``upload``, ``items``,
``archive``, ``delete`` and ``fetch`` one operation each; ``config`` the
container and public-path settings.
"""

from __future__ import annotations

from app.services.files.service import FileService, LocalFileService

__all__ = ["FileService", "LocalFileService"]
