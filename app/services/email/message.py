"""Turning DreamFactory's e-mail payload into a MIME message.

The payload is DreamFactory's: ``to``/``cc``/``bcc`` as a string, a
``{name, email}`` object or a list of either; ``subject``, ``body_text``,
``body_html``; ``from_name``/``from_email``; ``reply_to_name``/``reply_to_email``.
Every other string or number in it fills ``{placeholders}`` in the subject and
bodies, once (a value is never searched for further placeholders). Values put
into ``body_html`` are HTML-escaped, so a name like ``<b>Eve</b>`` cannot inject
markup into a template; DreamFactory substitutes them raw.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from collections.abc import Mapping
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Any

from app.vocabulary.errors import BadRequest

ADDRESS_FIELDS = ("to", "cc", "bcc")

_PLACEHOLDER = re.compile(r"\{([A-Za-z0-9_.\-]+)\}")
_EMAIL = re.compile(r"^[^@\s<>()\[\],;:\"\\]+@[^@\s<>()\[\],;:\"\\]+$")
_TAG = re.compile(r"<[^>]*>")
_SPACES = re.compile(r"[ \t]+")


def placeholder_values(data: Mapping[str, Any]) -> dict[str, str]:
    """The payload values usable in ``{placeholders}``: strings and numbers only."""
    out: dict[str, str] = {}
    for key, value in data.items():
        if isinstance(value, bool) or value is None:
            continue
        if isinstance(value, str | int | float):
            out[str(key)] = str(value)
    return out


def render(template: str | None, values: Mapping[str, str], escape: bool = False) -> str:
    """Replace each known ``{name}`` in one pass; unknown placeholders stay as written."""
    if not template:
        return ""

    def substitute(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in values:
            return match.group(0)
        return html.escape(values[name]) if escape else values[name]

    return _PLACEHOLDER.sub(substitute, template)


def html_to_text(body_html: str) -> str:
    """A plain-text part for an HTML-only message: tags stripped, entities decoded."""
    text = re.sub(r"(?i)<br\s*/?>", "\n", body_html)
    text = html.unescape(_TAG.sub("", text))
    lines = (_SPACES.sub(" ", line).strip() for line in text.splitlines())
    return "\n".join(lines).strip() + "\n"


def _one_line(value: Any, field: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str | int | float):
        raise BadRequest(f"The {field} must be a string.")
    text = str(value)
    if "\r" in text or "\n" in text:
        raise BadRequest(f"The {field} may not contain line breaks.")
    return text.strip()


def fill_addresses(value: Any, values: Mapping[str, str]) -> Any:
    """Placeholders filled in an address field (a template's ``to`` may be ``{email}``)."""
    if isinstance(value, str):
        return render(value, values)
    if isinstance(value, Mapping):
        return {k: render(v, values) if isinstance(v, str) else v for k, v in value.items()}
    if isinstance(value, list):
        return [fill_addresses(item, values) for item in value]
    return value


def parse_address(email: Any, name: Any = None, field: str = "to") -> Address:
    """One validated address; DreamFactory's ``Invalid email - 'x'.`` when it is not one."""
    addr = _one_line(email, field)
    if not addr:
        raise BadRequest("Email can not be empty.")
    if not _EMAIL.match(addr):
        raise BadRequest(f"Invalid email - '{addr}'.")
    display = _one_line(name, f"{field} name")
    local, _, domain = addr.rpartition("@")
    try:
        return Address(display_name=display, username=local, domain=domain)
    except (ValueError, IndexError):
        raise BadRequest(f"Invalid email - '{addr}'.") from None


def parse_addresses(value: Any, field: str) -> list[Address]:
    """``to``/``cc``/``bcc`` in any of DreamFactory's forms (also a JSON or comma list)."""
    if value is None or value == "" or value == []:
        return []
    if isinstance(value, str):
        stripped = value.strip()
        if stripped.startswith(("[", "{")):
            try:
                value = json.loads(stripped)
            except ValueError:
                raise BadRequest(f"Invalid email - '{stripped}'.") from None
        else:
            value = [part for part in (p.strip() for p in stripped.split(",")) if part]
    if isinstance(value, Mapping):
        value = [value]
    if not isinstance(value, list):
        raise BadRequest(f"The {field} field must be an address, an object or a list of them.")
    out = []
    for item in value:
        if isinstance(item, Mapping):
            out.append(parse_address(item.get("email"), item.get("name"), field))
        else:
            out.append(parse_address(item, None, field))
    return out


def compose(data: Mapping[str, Any]) -> EmailMessage:
    """The message for a merged payload (template, defaults and request already combined)."""
    values = placeholder_values(data)
    recipients = {
        field: parse_addresses(fill_addresses(data.get(field), values), field)
        for field in ADDRESS_FIELDS
    }
    if not any(recipients.values()):
        raise BadRequest("No recipient address given in 'to', 'cc' or 'bcc'.")
    if not data.get("from_email"):
        raise BadRequest(
            "No sender address given: set from_email in the request, the template "
            "or the e-mail service's config."
        )
    subject = _one_line(render(_text(data.get("subject"), "subject"), values), "subject")
    body_html = render(_text(data.get("body_html"), "body_html"), values, escape=True)
    body_text = render(_text(data.get("body_text"), "body_text"), values)
    if not body_text and body_html:
        body_text = html_to_text(body_html)

    message = EmailMessage()
    message["Subject"] = subject
    sender = parse_address(
        *fill_addresses([data.get("from_email"), data.get("from_name")], values), "from_email"
    )
    message["From"] = sender
    for field, header in (("to", "To"), ("cc", "Cc"), ("bcc", "Bcc")):
        if recipients[field]:
            message[header] = recipients[field]
    if data.get("reply_to_email"):
        message["Reply-To"] = parse_address(
            *fill_addresses([data.get("reply_to_email"), data.get("reply_to_name")], values),
            "reply_to_email",
        )
    message["Date"] = format_datetime(dt.datetime.now(dt.UTC))
    message["Message-ID"] = make_msgid(domain=sender.domain)
    message.set_content(body_text or "")
    if body_html:
        message.add_alternative(body_html, subtype="html")
    return message


def _addresses(message: EmailMessage, header: str) -> list[Any]:
    out: list[Any] = []
    for value in message.get_all(header, []):
        out.extend(value.addresses)
    return out


def envelope_recipients(message: EmailMessage) -> list[str]:
    """Every ``To``, ``Cc`` and ``Bcc`` address: whom the message is delivered to."""
    found = [a.addr_spec for h in ("To", "Cc", "Bcc") for a in _addresses(message, h)]
    return list(dict.fromkeys(found))


def decode_addresses(value: Any) -> Any:
    """A stored template address field: the list it was saved from, else the text."""
    if isinstance(value, str) and value.strip().startswith(("[", "{")):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def encode_addresses(value: Any) -> str | None:
    """How a template keeps ``to``/``cc``/``bcc``: a list as JSON, a comma list split first."""
    if value is None or value == "":
        return None
    if isinstance(value, str) and "," in value:
        value = [part.strip() for part in value.split(",") if part.strip()]
    if isinstance(value, list | dict):
        return json.dumps(value)
    return str(value).strip()


def _text(value: Any, field: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise BadRequest(f"The {field} must be a string.")
    return value
