"""Request bodies: JSON, form-urlencoded, XML, CSV or plain text into a payload.

Binary bodies are not read here: the service gets the stream and reads it in
chunks, so a large upload never sits in memory. Services with ``raw_body``
(file services) get every body that way, whatever its type, except form
bodies and JSON small enough for the access pipeline to have read already;
their uploads may be as large as ``FILE_MAX_UPLOAD_SIZE`` rather than
``MAX_CONTENT_LENGTH``, and multipart uploads arrive as werkzeug ``FileStorage``
objects over files spooled by ``blueprints.multipart``. Other services get a
multipart body's fields as the payload and its files, if any, as the stream
(within ``MAX_CONTENT_LENGTH``).
"""

from __future__ import annotations

import csv
import io
from typing import Any
from xml.etree import ElementTree

import orjson
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring as parse_untrusted_xml
from flask import Request, current_app

from app import system_cache
from app.access.authn import SMALL_BODY
from app.services import SERVICE_TYPES
from app.vocabulary.errors import BadRequest, InvalidJson

TEXT_TYPES = ("text/plain", "text/html")


def _xml_to_data(element: ElementTree.Element) -> Any:
    """Elements with children become objects; repeated tags and ``<item>`` children lists."""
    children = list(element)
    if not children:
        return element.text
    tags = {c.tag for c in children}
    if tags == {"item"} or (len(children) > 1 and len(tags) == 1):
        return [_xml_to_data(c) for c in children]
    return {c.tag: _xml_to_data(c) for c in children}


def parse_xml(content: bytes) -> Any:
    """An XML body as data; any DTD (and so any entity) is refused, in whatever encoding.

    defusedxml stops the parser at the DOCTYPE itself, so a document declaring
    entities (the billion laughs, external files or URLs) is never expanded,
    however it is encoded (a byte search for ``<!DOCTYPE`` misses UTF-16).
    """
    try:
        root = parse_untrusted_xml(content, forbid_dtd=True)
    except DefusedXmlException as exc:
        raise BadRequest("XML documents with a DOCTYPE are not accepted.") from exc
    except (ElementTree.ParseError, ValueError) as exc:  # ValueError: an unknown encoding
        raise BadRequest(f"Invalid or malformed XML: {exc}") from exc
    return _xml_to_data(root)


def parse_csv(content: bytes) -> dict[str, Any]:
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadRequest("CSV payloads must be UTF-8.") from exc
    return {"resource": list(csv.DictReader(io.StringIO(text)))}


def parse_json(content: bytes) -> Any:
    try:
        return orjson.loads(content)
    except orjson.JSONDecodeError as exc:
        raise InvalidJson() from exc


def takes_raw_body(service: str) -> bool:
    """Whether the named service reads request bodies itself (``BaseService.raw_body``)."""
    info = system_cache.get_service_info(service) if service else None
    cls = SERVICE_TYPES.get(info.type) if info is not None else None
    return bool(cls is not None and cls.raw_body)


def _raw_payload(request: Request, mimetype: str) -> tuple[Any, bytes, Any]:
    """A ``raw_body`` service's body: form and small JSON parsed, the rest left unread."""
    if mimetype == "application/x-www-form-urlencoded":
        content = request.get_data(cache=True)
        payload = None
        if content.lstrip()[:1] in (b"{", b"["):
            try:
                payload = orjson.loads(content)
            except orjson.JSONDecodeError:
                payload = None
        return payload, content, None
    # a small JSON body the access pipeline may have read for credentials already
    if request.is_json and (request.content_length or 0) < SMALL_BODY:
        content = request.get_data(cache=True)  # within MAX_CONTENT_LENGTH, as for others
        try:
            return (orjson.loads(content) if content.strip() else None), content, None
        except orjson.JSONDecodeError:
            return None, content, None
    request.max_content_length = current_app.config["FILE_MAX_UPLOAD_SIZE"]
    if mimetype == "multipart/form-data":
        return request.form.to_dict(flat=True), b"", request.files
    return None, b"", request.stream


def parse_payload(request: Request, raw: bool = False) -> tuple[Any, bytes, Any]:
    """(payload, raw content, stream): stream is set only for bodies left unread."""
    mimetype = (request.mimetype or "").lower()
    if raw:
        return _raw_payload(request, mimetype)
    if mimetype == "multipart/form-data":  # files too: ``system/app`` imports a package
        return request.form.to_dict(flat=True), b"", (request.files or None)
    if mimetype == "application/x-www-form-urlencoded":
        raw = request.get_data(cache=True)
        if raw.lstrip()[:1] in (b"{", b"["):  # JSON sent with curl -d's default type
            return parse_json(raw), raw, None
        return request.form.to_dict(flat=True), b"", None
    known = mimetype.endswith("json") or mimetype.endswith("xml") or mimetype == "text/csv"
    if mimetype and not known and mimetype not in TEXT_TYPES:
        return None, b"", request.stream
    content = request.get_data(cache=True)
    if not content.strip():
        return None, content, None
    if mimetype.endswith("json") or (not mimetype and content.lstrip()[:1] in (b"{", b"[")):
        return parse_json(content), content, None
    if mimetype.endswith("xml"):
        return parse_xml(content), content, None
    if mimetype == "text/csv":
        return parse_csv(content), content, None
    return content.decode("utf-8", "replace"), content, None
