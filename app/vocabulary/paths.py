"""The path of an API call: ``v2/<service>/<resource>``.

The version segment is optional (``/api/system`` is ``/api/v2/system``), and read
as DreamFactory reads it: ``v2`` and ``v2.0`` are both version ``2.0``, the one
version this server speaks; any other (``v3``, ``v1``) names no API here.
"""

from __future__ import annotations

import re

_VERSION = re.compile(r"^v[0-9.]+$")

SUPPORTED_VERSIONS = frozenset({"2.0"})
"""API versions answered, as ``normalize_version`` writes them (DreamFactory's api_version)."""


def normalize_version(segment: str) -> str:
    """A version segment as DreamFactory reads it: ``v2`` → ``2.0``, ``v2.0`` → ``2.0``."""
    version = segment[1:] if segment[:1].lower() == "v" else segment
    return version if "." in version else f"{version}.0"


def is_supported_version(segment: str | None) -> bool:
    """Whether a path's version segment (None when the path has none) is one this server speaks."""
    return segment is None or normalize_version(segment) in SUPPORTED_VERSIONS


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
