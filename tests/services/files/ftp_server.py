"""pyftpdlib's FTP server for the FTP file tests, run as a script by ``ftpd.start_ftpd``.

``ftp_server.py HOME USER PASSWORD`` serves folder ``HOME`` on a free port of
127.0.0.1 to ``USER`` (every right) and to ``USER-noreplace``, the same but
whose renames refuse to replace an existing file, as Windows-backed servers
do. It prints the port on one line once it listens, and serves until killed.
"""

from __future__ import annotations

import logging
import os
import sys

from pyftpdlib.authorizers import DummyAuthorizer
from pyftpdlib.filesystems import AbstractedFS
from pyftpdlib.handlers import FTPHandler
from pyftpdlib.servers import FTPServer

RIGHTS = "elradfmwMT"
"""Every right pyftpdlib knows: list, read, write, delete, rename, mkdir, chmod, mtime."""


class NoReplaceFS(AbstractedFS):
    """Renames onto an existing name fail for the ``-noreplace`` user."""

    def rename(self, src: str, dst: str) -> None:
        if self.cmd_channel.username.endswith("-noreplace") and os.path.lexists(dst):
            raise OSError(17, "File exists")
        super().rename(src, dst)


def main(home: str, user: str, password: str) -> None:
    logging.basicConfig(level=logging.WARNING)
    authorizer = DummyAuthorizer()
    authorizer.add_user(user, password, home, perm=RIGHTS)
    authorizer.add_user(f"{user}-noreplace", password, home, perm=RIGHTS)
    handler = type("Handler", (FTPHandler,), {"authorizer": authorizer})
    handler.abstracted_fs = NoReplaceFS
    handler.auth_failed_timeout = 0  # pyftpdlib waits 3 s before answering a refused login
    server = FTPServer(("127.0.0.1", 0), handler)
    print(server.address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main(*sys.argv[1:4])
