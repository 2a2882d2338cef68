"""The seeded ``files`` service (container ``app`` under the test's storage path), for real.

Everything goes through HTTP with the Flask test client; the container is a
real folder in the test's temp dir, inspected directly where a test needs to
know what is on disk (scratch files left behind, a file unchanged).
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from tests.conftest import Api


@pytest.fixture
def box(app) -> Path:
    """The ``files`` service's container folder (created, empty)."""
    root = Path(app.config["STORAGE_PATH"]) / "app"
    root.mkdir(parents=True, exist_ok=True)
    return root


def leftovers(root: Path) -> list[str]:
    """Scratch files and folders the service left anywhere under ``root``."""
    return sorted(str(p.relative_to(root)) for p in root.rglob(".~df-tmp-*"))


def make_zip(entries: dict[str, bytes | None], links: dict[str, str] | None = None) -> bytes:
    """A zip of ``name → content`` (None: a folder entry) and ``name → target`` symlinks."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in entries.items():
            if content is None:
                archive.writestr(zipfile.ZipInfo(name), b"")
            else:
                archive.writestr(name, content)
        for name, target in (links or {}).items():
            info = zipfile.ZipInfo(name)
            info.create_system = 3
            info.external_attr = 0o120777 << 16
            archive.writestr(info, target)
    return buffer.getvalue()


def set_config(admin: Api, name: str, config: dict) -> None:
    """Replace the config of service ``name`` through ``system/service``."""
    services = admin.get("system/service", query_string={"filter": f"name='{name}'"})
    service_id = services.get_json()["resource"][0]["id"]
    response = admin.patch(f"system/service/{service_id}", json={"config": config})
    assert response.status_code == 200, response.get_json()
