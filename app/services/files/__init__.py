"""File services: ``local_file``, ``aws_s3``, ``sftp_file`` and ``webdav_file`` as REST APIs.

``service`` holds the verbs over any ``storage.Storage``; ``local``, ``s3`` and
``remote_tree`` (any ``tree.Tree``: ``sftp_tree``, ``webdav_tree``) are the
backends, ``aws``, ``sftp`` and ``webdav`` the remote types and their configs
(``ssh``: SFTP's connections, ``hostkey``: its trusted host keys;
``webdav_http``: WebDAV's sessions, ``multistatus``: its PROPFIND answers
read); ``paths`` the rules keeping every
path inside the container; ``listing``, ``download``, ``upload``, ``items``,
``archive``, ``delete`` and ``fetch`` one operation each; ``config`` the
container and public-path settings.
"""

from __future__ import annotations

from app.services.files.service import FileService, LocalFileService

__all__ = ["FileService", "LocalFileService"]
