"""Secrets in an ``rws`` config: answered masked, kept when the mask is written back.

A header or parameter value is secret when its item says ``secret: true`` or
its name looks like a credential (``Authorization``, ``X-Api-Key``,
``access_token``...). Values made only of lookups (``{api_key}``) are shown:
they name a lookup, the secret itself stays in the lookup. The password in
``base_url``'s or the proxy's user info and ``options.proxy_auth`` are masked
too. A masked value sent back takes the stored value of the item with the
same name (any case), as ``**********`` keeps an SQL service's password.
"""

from __future__ import annotations

import re
import urllib.parse
from typing import Any

from app.services.describe import MASK
from app.vocabulary.errors import ValidationFailed

SECRET_NAME = re.compile(r"auth|key|token|secret|passw|signature|cookie|credential", re.I)
"""Header and parameter names whose values are masked without a ``secret`` flag."""

LOOKUPS_ONLY = re.compile(r"^(?:\s*\{[^{}]+\}\s*)+$")

LISTS = ("headers", "parameters")


def is_secret(item: dict[str, Any]) -> bool:
    flagged = item.get("secret") in (True, 1, "1", "true", "True", "yes", "on")
    return flagged or bool(SECRET_NAME.search(str(item.get("name") or "")))


def _masked_value(value: Any) -> bool:
    return isinstance(value, str) and value != "" and not LOOKUPS_ONLY.match(value)


def mask_url(url: Any) -> Any:
    """``url`` with the password of its user info masked."""
    if not isinstance(url, str) or "@" not in url:
        return url
    try:
        parts = urllib.parse.urlsplit(url)
        password = parts.password
    except ValueError:
        return url
    if not password:
        return url
    userinfo, _, host = parts.netloc.rpartition("@")
    user = userinfo.split(":", 1)[0]
    return urllib.parse.urlunsplit(parts._replace(netloc=f"{user}:{MASK}@{host}"))


def mask_secrets(config: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``config`` fit to show: secret values replaced by the mask."""
    out = dict(config)
    out["base_url"] = mask_url(out.get("base_url"))
    options = out.get("options")
    if isinstance(options, dict):
        options = dict(options)
        options["proxy"] = mask_url(options.get("proxy"))
        if options.get("proxy_auth"):
            options["proxy_auth"] = MASK
        out["options"] = options
    for key in LISTS:
        items = out.get(key)
        if not isinstance(items, list):
            continue
        out[key] = [
            {**item, "value": MASK}
            if isinstance(item, dict) and is_secret(item) and _masked_value(item.get("value"))
            else item
            for item in items
        ]
    return out


def restore_secrets(config: dict[str, Any], stored: dict[str, Any] | None) -> dict[str, Any]:
    """``config`` with masked values put back from ``stored``; a 400 when one cannot be."""
    stored = stored or {}
    out = dict(config)
    if "base_url" in out and out["base_url"] == mask_url(stored.get("base_url")):
        out["base_url"] = stored.get("base_url")
    options, old_options = out.get("options"), stored.get("options") or {}
    if isinstance(options, dict) and isinstance(old_options, dict):
        options = dict(options)
        for name in ("proxy_auth", "CURLOPT_PROXYUSERPWD"):
            if options.get(name) == MASK:
                options[name] = old_options.get("proxy_auth")
        for name in ("proxy", "CURLOPT_PROXY"):
            if name in options and options[name] == mask_url(old_options.get("proxy")):
                options[name] = old_options.get("proxy")
        out["options"] = options
    for key in LISTS:
        items = out.get(key)
        if not isinstance(items, list):
            continue
        old = {
            str(item.get("name") or "").lower(): item.get("value")
            for item in stored.get(key) or []
            if isinstance(item, dict)
        }
        restored = []
        for index, item in enumerate(items):
            if isinstance(item, dict) and item.get("value") == MASK:
                name = str(item.get("name") or "").lower()
                if name not in old:
                    raise ValidationFailed(
                        {
                            f"config.{key}.{index}.value": [
                                "A masked value can only be kept for an item that was saved "
                                "before under the same name."
                            ]
                        }
                    )
                item = {**item, "value": old[name]}
            restored.append(item)
        out[key] = restored
    return out
