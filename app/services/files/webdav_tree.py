"""``WebdavTree``: a folder of a WebDAV server (RFC 4918) as a ``tree.Tree``, over ``requests``.

Each tree path is one URL: the root folder's URL (``base_uri`` and the
container, each name percent-encoded) and the path's names, each
percent-encoded whole (``/``, ``%``, ``#`` and ``?`` included), so no name is
read as anything but a name. What the server answers about names is read by
``multistatus``, which keeps a listing inside the folder listed.

PROPFIND (Depth 0 or 1) describes a path or a folder's content, GET reads a
file from an offset (a ``Range`` request, streamed; a server that ignores the
range has the bytes before the offset skipped), PUT writes a file from a
chunked body, sent as the chunks come, MKCOL makes a folder, DELETE removes,
MOVE with ``Overwrite: T`` renames replacing, and COPY copies on the server.
WebDAV's DELETE of a folder takes its content with it, so ``remove_folder``
first checks that the folder is empty, as the protocol asks.

Redirects are not followed (a request never moves to another URL unseen) and
are errors (where they lead is logged), except the one to a folder's URL with
its trailing slash. Statuses: 404 (and 409, a missing parent folder) are
``FileNotFoundError``; the rest of the errors go through ``remote_errors``
(401 and 403 a 502 with the server's reason, no connection a 503, no answer
within the timeout a 504, a TLS failure a 502 with Python's reason for it).

Digest authentication answers a challenge by sending the request again, which
a streamed body cannot be. ``requests`` answers each thread's first challenge
and signs that thread's next requests in advance; the storage always asks
about a path (PROPFIND) before it writes there, so a PUT goes signed. A PUT
challenged all the same (a nonce gone stale: sent twice, the second time
empty) is an error, never a file written empty.
"""

from __future__ import annotations

import logging
import ssl
from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import quote, urljoin

import requests

from app.services.files import multistatus
from app.services.files.paths import base_name
from app.services.files.remote_errors import remote_error
from app.services.files.tree import Node
from app.vocabulary.errors import ApiError, BadGateway

logger = logging.getLogger(__name__)

MAX_ANSWER = 64 * 1024 * 1024
"""Bytes of a PROPFIND answer read at most (a folder of some 100,000 names)."""

SKIP_CHUNK = 1024 * 1024
"""Bytes read at a time when skipping to an offset the server would not range to."""

REDIRECTS = frozenset({301, 302, 303, 307, 308})


def encode(name: str) -> str:
    """One name of a path, percent-encoded whole."""
    return quote(name, safe="")


def _tls_cause(exc: requests.RequestException) -> BaseException:
    """The TLS error under ``requests``' ``SSLError`` (which wraps urllib3's, which wraps
    Python's), for a message saying why (a certificate not trusted); ``exc`` otherwise."""
    found: BaseException | None = exc
    while isinstance(exc, requests.exceptions.SSLError) and found is not None:
        if isinstance(found, ssl.SSLError):
            return found
        found = found.__cause__ or found.__context__
    return exc


class Body:
    """A PUT's chunked body: the chunks as they come. One failing (the client went away, a
    size limit) ends the body there, so the server closes the file and answers before the
    storage removes it (an aborted request could still be writing it afterwards); the
    failure is kept for ``write`` to raise."""

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self.chunks = chunks
        self.failure: Exception | None = None

    def __iter__(self) -> Iterator[bytes]:
        try:
            for data in self.chunks:
                if data:  # an empty chunk would end the body
                    yield data
        except Exception as exc:
            self.failure = exc


class WebdavReader:
    """One remote file read from an offset; holds its connection until closed."""

    def __init__(self, tree: WebdavTree, response: requests.Response | None) -> None:
        self.tree, self.response = tree, response

    def read(self, size: int) -> bytes:
        if self.response is None:
            return b""
        try:
            return self.response.raw.read(size)
        except Exception as exc:
            self.close()
            raise remote_error(exc, self.tree.what, self.tree.root) from None

    def close(self) -> None:
        if self.response is not None:
            response, self.response = self.response, None
            response.close()


class WebdavTree:
    what = "WebDAV"

    def __init__(self, session: requests.Session, url: str, root: str, timeout: float) -> None:
        self.session = session
        self.url = url if url.endswith("/") else url + "/"
        """The root folder's URL, with its trailing slash."""
        self.root = root
        self.timeout = timeout

    def _url(self, path: str, folder: bool = False) -> str:
        if not path:
            return self.url
        tail = "/" if folder else ""
        return self.url + "/".join(encode(n) for n in path.split("/")) + tail

    # -- requests ---------------------------------------------------------------------------

    def _send(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        """The server's answer to one request; a failure to get one as the client's error."""
        try:
            return self.session.request(
                method, url, timeout=self.timeout, allow_redirects=False, **kwargs
            )
        except requests.RequestException as exc:
            raise remote_error(_tls_cause(exc), self.what, self.root) from None

    def _refused(self, response: requests.Response, path: str, missing: tuple[int, ...]) -> None:
        """Raise for an error status: ``FileNotFoundError`` for ``missing`` ones."""
        if response.status_code < 300:
            return
        response.close()
        if response.status_code in missing:
            raise FileNotFoundError(path)
        if response.status_code in REDIRECTS:  # where to is logged, not told: it may hold tokens
            logger.warning("WebDAV redirect to %s", response.headers.get("Location"))
            raise BadGateway(
                f"The WebDAV server answered a redirect ({response.status_code} "
                f"{response.reason}): set base_uri to where the files are."
            )
        error = requests.HTTPError(f"{response.status_code} {response.reason}", response=response)
        raise remote_error(error, self.what, self.root)

    def _propfind(self, path: str, depth: int) -> multistatus.Answer | None:
        """What PROPFIND answers about ``path`` (and its content at depth 1); None when
        nothing is there."""
        url = self._url(path, folder=depth == 1)
        headers = {"Depth": str(depth), "Content-Type": "application/xml; charset=utf-8"}
        response = self._send(
            "PROPFIND", url, headers=headers, data=multistatus.REQUEST, stream=True
        )
        if response.status_code in REDIRECTS and path:
            location = urljoin(url, response.headers.get("Location", ""))
            if location == url + "/":  # a folder named without its slash
                response.close()
                url = location
                response = self._send(
                    "PROPFIND", url, headers=headers, data=multistatus.REQUEST, stream=True
                )
        if response.status_code == 404:
            response.close()
            return None
        self._refused(response, path, ())
        try:
            if response.status_code != 207:
                raise BadGateway(
                    f"The WebDAV server answered PROPFIND with {response.status_code} "
                    f"{response.reason}, not a multistatus: is base_uri a WebDAV folder?"
                )
            body = response.raw.read(MAX_ANSWER + 1, decode_content=True)
        except ApiError:
            raise
        except Exception as exc:
            raise remote_error(exc, self.what, self.root) from None
        finally:
            response.close()
        if len(body) > MAX_ANSWER:
            raise BadGateway(f"The WebDAV server's listing is larger than {MAX_ANSWER} bytes.")
        try:
            return multistatus.read(body, url, base_name(path))
        except multistatus.MultistatusError as exc:
            raise BadGateway(f"The WebDAV server's PROPFIND answer is {exc}.") from None

    def _simple(
        self, method: str, path: str, missing: tuple[int, ...], folder: bool = False, **kwargs: Any
    ) -> None:
        """A request about ``path`` answered by a status alone (207 means some of a folder
        could not be handled: an error too)."""
        response = self._send(method, self._url(path, folder), **kwargs)
        self._refused(response, path, missing)
        response.close()
        if response.status_code == 207:
            raise BadGateway(f"The WebDAV server could not {method} all of '{path}'.")

    # -- the protocol -----------------------------------------------------------------------

    def stat(self, path: str) -> Node | None:
        answer = self._propfind(path, 0)
        return answer.asked if answer is not None else None

    def list(self, path: str) -> list[Node]:
        answer = self._propfind(path, 1)
        if answer is None or (answer.asked is not None and answer.asked.kind != "folder"):
            raise FileNotFoundError(path)
        return answer.children

    def resolve(self, path: str) -> str | None:
        return path  # a WebDAV server shows no links: it follows its own

    def open_read(self, path: str, offset: int) -> WebdavReader:
        headers = {"Accept-Encoding": "identity"}  # offsets count the file's own bytes
        if offset:
            headers["Range"] = f"bytes={offset}-"
        response = self._send("GET", self._url(path), headers=headers, stream=True)
        if response.status_code == 416:  # nothing from the offset on: the file's end
            response.close()
            return WebdavReader(self, None)
        self._refused(response, path, (404,))
        reader = WebdavReader(self, response)
        if offset and response.status_code == 200:  # the range was ignored: skip to it
            left = offset
            while left and (data := reader.read(min(left, SKIP_CHUNK))):
                left -= len(data)
        elif offset and not response.headers.get("Content-Range", "").startswith(
            f"bytes {offset}-"
        ):
            reader.close()
            raise BadGateway("The WebDAV server answered another range than the one asked.")
        return reader

    def write(self, path: str, chunks: Iterable[bytes]) -> None:
        body = Body(chunks)
        try:
            response = self._send("PUT", self._url(path), data=body)
        except ApiError:
            if body.failure is not None:  # the chunks failed first: theirs is the error
                raise body.failure from None
            raise
        response.close()
        if body.failure is not None:
            raise body.failure
        self._refused(response, path, (404, 409))
        if response.history:
            raise BadGateway(
                "The WebDAV server asked for the credentials again during an upload; try again."
            )

    def make_folder(self, path: str) -> None:
        response = self._send("MKCOL", self._url(path, folder=True))
        if response.status_code == 405:  # RFC 4918: the name is taken
            response.close()
            raise BadGateway(f"The WebDAV server refused to make folder '{path}': it exists.")
        self._refused(response, path, (404, 409))
        response.close()

    def remove_folder(self, path: str) -> None:
        if self.list(path):
            raise BadGateway(f"The WebDAV server refused to remove folder '{path}': not empty.")
        self._simple("DELETE", path, (404,), folder=True)

    def remove_file(self, path: str) -> None:
        self._simple("DELETE", path, (404,))

    def rename(self, source: str, target: str) -> None:
        headers = {"Destination": self._url(target), "Overwrite": "T"}
        self._simple("MOVE", source, (404, 409), headers=headers)

    def copy(self, source: str, target: str) -> bool:
        headers = {"Destination": self._url(target), "Overwrite": "F"}
        self._simple("COPY", source, (404, 409), headers=headers)
        return True
