"""File services (``local_file``, ``aws_s3``, ``sftp_file``, ``ftp_file``) as REST APIs.

``service`` holds the verbs over any ``storage.Storage``; ``local``, ``s3`` and
``remote_tree`` (any ``tree.Tree``: ``sftp_tree``, ``ftp_tree``) are the
backends, ``aws``, ``sftp`` and ``ftp`` the remote types and their configs
(``remote_config``: the fields they share; ``pool``: their pooled connections;
``ssh``: SFTP's, ``hostkey``: its trusted host keys; ``ftp_connection``:
FTP's, ``ftp_listing``: what FTP servers say of names); ``paths`` the rules
keeping every path inside the container; ``listing``, ``download``,
``upload``, ``items``, ``archive``, ``delete`` and ``fetch`` one operation
each; ``config`` the container and public-path settings.
"""

from __future__ import annotations

from app.services.files.service import FileService, LocalFileService

__all__ = ["FileService", "LocalFileService"]
