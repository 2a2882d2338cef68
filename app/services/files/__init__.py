"""File services as REST APIs, on local folders, object stores and remote folder trees.

``service`` holds the verbs over any ``storage.Storage``; ``local``, ``s3`` and
``remote_tree`` (any ``tree.Tree``: ``sftp_tree``, ``ftp_tree``,
``webdav_tree``) are the backends, ``aws``, ``sftp``, ``ftp`` and ``webdav``
the remote types and their configs (``remote_config``: the fields they share;
``pool``: their pooled connections; ``ssh``: SFTP's, ``hostkey``: its trusted
host keys; ``ftp_connection``: FTP's, ``ftp_listing``: what FTP servers say of
names; ``webdav_http``: WebDAV's sessions, ``multistatus``: its PROPFIND
answers read); ``paths`` the rules keeping every path inside the container;
``listing``, ``download``, ``upload``, ``items``, ``archive``, ``delete`` and
``fetch`` one operation each; ``config`` the container and public-path settings.
"""

from __future__ import annotations

from app.services.files.service import FileService, LocalFileService

__all__ = ["FileService", "LocalFileService"]
