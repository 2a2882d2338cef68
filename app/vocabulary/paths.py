"""The path of an API call: ``v2/<service>/<resource>``."""

from __future__ import annotations

import re

_VERSION = re.compile(r"^v[0-9.]+$")


def parse_api_path(path: str) -> tuple[str | None, str, str]:
    """Split ``v2/db/_table/x/`` into (version, service, resource); the service may be ``""``.

    A trailing slash stays on the resource (file services read it as "folder")
    and ``..`` segments are dropped, as DreamFactory does.
    """
    parts = path.split("/")
    version = None
    if parts and _VERSION.match(parts[0]):
        version = parts.pop(0)
    service = parts.pop(0).lower() if parts else ""
    resource = "/".join(p for p in parts if p != "..")
    return version, service, resource
