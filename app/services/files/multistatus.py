"""PROPFIND answers (RFC 4918 multistatus) read into ``tree.Node``s, never beyond the folder asked.

A server names each resource of its answer by an ``href``: an absolute URL, an
absolute path or (rarely) a reference relative to the URL asked, its names
percent-encoded as the server likes (``%20`` or not for ``(``, upper or lower
case hex). An href is therefore resolved against the URL asked (which also
removes dot segments), decoded (UTF-8; a name that is not is left out, as no
request could name it back), and compared with the decoded path asked: the
resource itself, or one name below it. Anything else (another folder, a deeper
path, a name that decodes to ``..``, to something holding a ``/`` or a NUL) is
left out, so whatever a server answers, a listing never leads outside the
folder it lists.

Only properties reported with a 200 status count. A resource whose
``resourcetype`` holds ``collection`` is a folder; any other one a file. The
XML is parsed by ``defusedxml``, which refuses entity expansion bombs.
"""

from __future__ import annotations

import email.utils
from dataclasses import dataclass
from urllib.parse import unquote, urljoin, urlsplit
from xml.etree.ElementTree import Element

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring

from app.services.files.tree import Node

DAV = "{DAV:}"

REQUEST = (
    b'<?xml version="1.0" encoding="utf-8"?>\n'
    b'<d:propfind xmlns:d="DAV:"><d:prop><d:resourcetype/><d:getcontentlength/>'
    b"<d:getlastmodified/><d:getetag/></d:prop></d:propfind>"
)
"""The PROPFIND body: the four properties a ``Node`` needs, not every live property."""


class MultistatusError(ValueError):
    """An answer that is not a multistatus document."""


@dataclass(frozen=True)
class Answer:
    """What a PROPFIND answered about the resource asked and the names inside it."""

    asked: Node | None
    """The resource asked (named as asked), None when the answer does not describe it."""
    children: list[Node]


def decoded_path(href: str, base: str) -> str | None:
    """The decoded path ``href`` names (resolved against URL ``base``), without a trailing
    slash; None when it is not UTF-8."""
    path = urlsplit(urljoin(base, href.strip())).path
    try:
        return unquote(path, errors="strict").rstrip("/")
    except UnicodeDecodeError:
        return None


def _properties(response: Element) -> dict[str, Element]:
    found: dict[str, Element] = {}
    for propstat in response.findall(f"{DAV}propstat"):
        status = (propstat.findtext(f"{DAV}status") or "").split()
        prop = propstat.find(f"{DAV}prop")
        if len(status) >= 2 and status[1] == "200" and prop is not None:
            for element in prop:
                found.setdefault(element.tag, element)
    return found


def _mtime(text: str | None) -> float:
    try:
        return email.utils.parsedate_to_datetime(text or "").timestamp()
    except (TypeError, ValueError):
        return 0.0


def _etag(text: str | None) -> str | None:
    tag = (text or "").strip()
    tag = tag.removeprefix("W/").strip('"')
    return tag or None


def _node(name: str, props: dict[str, Element]) -> Node:
    kind_element = props.get(f"{DAV}resourcetype")
    folder = kind_element is not None and kind_element.find(f"{DAV}collection") is not None
    modified = props.get(f"{DAV}getlastmodified")
    mtime = _mtime(modified.text if modified is not None else None)
    if folder:
        return Node(name=name, kind="folder", mtime=mtime)
    length = props.get(f"{DAV}getcontentlength")
    try:
        size = max(0, int((length.text or "").strip())) if length is not None else 0
    except ValueError:
        size = 0
    etag = props.get(f"{DAV}getetag")
    return Node(
        name=name,
        kind="file",
        size=size,
        mtime=mtime,
        etag=_etag(etag.text if etag is not None else None),
    )


def _child_name(path: str, asked: str) -> str | None:
    """The one name ``path`` has below ``asked`` (both decoded), or None."""
    if not path.startswith(asked + "/"):
        return None
    name = path[len(asked) + 1 :]
    if not name or name in (".", "..") or "/" in name or "\x00" in name:
        return None
    return name


def read(body: bytes, url: str, name: str) -> Answer:
    """The resources of PROPFIND answer ``body`` to a request for ``url``, which is named
    ``name`` (its last name; ``""`` for the root); ``MultistatusError`` when it is no
    multistatus document."""
    try:
        document = fromstring(body)
    except (ParseError, DefusedXmlException) as exc:
        raise MultistatusError(f"not valid XML ({exc})") from None
    if document.tag != f"{DAV}multistatus":
        raise MultistatusError(f"a {document.tag} document, not a multistatus")
    asked_path = decoded_path(url, url)
    asked: Node | None = None
    children: dict[str, Node] = {}
    for response in document.findall(f"{DAV}response"):
        path = decoded_path(response.findtext(f"{DAV}href") or "", url)
        if path is None or asked_path is None:
            continue
        props = _properties(response)
        if not props:
            continue  # a resource reported with an error status only
        if path == asked_path:
            asked = _node(name, props)
        elif (child := _child_name(path, asked_path)) is not None:
            children.setdefault(child, _node(child, props))
    return Answer(asked, list(children.values()))
