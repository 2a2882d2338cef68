"""The seeded ``files`` service, for real, on every storage backend.

Everything goes through HTTP with the Flask test client. A test asking for
``box`` runs once per backend (``STORAGES``): ``local_file``, whose container
is a real folder in the test's temp dir; ``aws_s3``, for which the ``files``
service is turned into an S3 service on a fresh bucket of moto's real S3
server (``s3box``); ``azure_blob``, on a fresh container of Azurite
(``azurebox``); ``sftp_file``, a fresh folder served by a real OpenSSH server
(``sshd``); ``ftp_file``, a fresh folder served by pyftpdlib's FTP server
(``ftpd``); and ``webdav_file``, a fresh folder served by wsgidav's WebDAV
server (``davd``). ``box`` is that container, inspected directly where a test
needs to know what is stored (scratch files left behind, a file unchanged): a
``Path`` (the SFTP, FTP and WebDAV servers' folders are this machine's), or an
``objectbox.ObjectBox`` offering the same methods.

A test of something only a disk has (symbolic links, file times set with
``os.utime``, permissions, the files of a gunicorn server) carries
``@pytest.mark.local_only`` with a comment saying why; it then runs on
``local_file`` alone; ``@pytest.mark.only_storage("aws_s3")`` marks a check of
one type's own settings. The storage backend does not depend on the system store,
so every test asking for ``box`` runs with the first system-store backend only
(the others are deselected, not skipped); the file tests without a ``box``
(roles, links, the storage route's settings...) run on every system store.
"""

from __future__ import annotations

import io
import os
import shutil
import uuid
import zipfile
from pathlib import Path

import pytest

from tests.conftest import Api, selected_backends
from tests.services.files import azurebox
from tests.services.files.azurebox import AzureBox, Azurite
from tests.services.files.davd import Davd, start_davd
from tests.services.files.ftpd import Ftpd, start_ftpd
from tests.services.files.objectbox import ObjectBox
from tests.services.files.s3box import S3Box, s3_client, start_moto
from tests.services.files.sshd import Sshd, start_sshd

STORAGES = ("local_file", "aws_s3", "azure_blob", "sftp_file", "ftp_file", "webdav_file")
"""Storage backends the ``files`` service runs on in these tests."""


def pytest_generate_tests(metafunc):
    if "box" in metafunc.fixturenames:
        only = metafunc.definition.get_closest_marker("only_storage")
        if metafunc.definition.get_closest_marker("local_only") is not None:
            names = ["local_file"]
        else:
            names = list(only.args) if only else list(STORAGES)
        metafunc.parametrize("storage", names)


def pytest_collection_modifyitems(config, items):
    first = selected_backends()[:1]
    extra = [
        item
        for item in items
        if getattr(item, "callspec", None) is not None
        and "storage" in item.callspec.params
        and item.callspec.params.get("backend", first[0]) not in first
    ]
    if extra:
        config.hook.pytest_deselected(items=extra)
        items[:] = [item for item in items if item not in extra]


@pytest.fixture(scope="session")
def moto_endpoint():
    """moto's S3 server for this test process (skipped without moto, failing under CI)."""
    server, endpoint = start_moto()
    yield endpoint
    server.stop()


@pytest.fixture(scope="session")
def azurite_endpoint():
    """Azurite's blob service for this test process (skipped without it, failing under CI)."""
    server = Azurite()
    yield server.endpoint
    server.stop()


@pytest.fixture(scope="session")
def sshd(tmp_path_factory):
    """OpenSSH's sshd for this test process (skipped without it, failing under CI)."""
    server = start_sshd(tmp_path_factory.mktemp("sshd"))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def ftpd(tmp_path_factory):
    """pyftpdlib's FTP server for this test process, serving its temp folders (skipped without
    pyftpdlib, failing under CI)."""
    server = start_ftpd(tmp_path_factory.getbasetemp())
    yield server
    server.stop()


@pytest.fixture(scope="session")
def davd(tmp_path_factory):
    """wsgidav's WebDAV server for this test process (skipped without it, failing under CI)."""
    server = start_davd(tmp_path_factory.mktemp("webdav"))
    yield server
    server.stop()


@pytest.fixture
def box(request, app, storage, tmp_path):
    """The ``files`` service's container (created, empty) on the test's storage backend."""
    if storage == "local_file":
        root = Path(app.config["STORAGE_PATH"]) / "app"
        root.mkdir(parents=True, exist_ok=True)
        return root
    admin = request.getfixturevalue("admin")
    public = files_service(admin)["config"].get("public_path") or []
    found, config = new_container(request, storage, "files", public_path=public)
    use_storage(admin, storage, config)
    return found


def new_container(request, storage: str, prefix: str, **more) -> tuple[ObjectBox | Path, dict]:
    """A fresh, empty container of remote ``storage`` named ``prefix-…``, and the config of
    a file service using it (``more`` added)."""
    name = f"{prefix}-{uuid.uuid4().hex[:16]}"
    if storage == "webdav_file":  # a folder of this machine, served under a name to encode
        server = request.getfixturevalue("davd")
        root = server.folder(name)
        return root, webdav_config(server, root, **more)
    if storage in ("sftp_file", "ftp_file"):  # a folder of this machine, served
        root = request.getfixturevalue("tmp_path") / name
        root.mkdir()
        if storage == "ftp_file":
            return root, ftp_config(request.getfixturevalue("ftpd"), root, **more)
        return root, sftp_config(request.getfixturevalue("sshd"), root, **more)
    if storage == "aws_s3":
        endpoint = request.getfixturevalue("moto_endpoint")
        client = s3_client(endpoint)
        client.create_bucket(Bucket=name)
        return S3Box(client, name), s3_config(name, endpoint, **more)
    endpoint = request.getfixturevalue("azurite_endpoint")
    container = azurebox.blob_service(endpoint).create_container(name)
    return AzureBox(container), azure_config(name, endpoint, **more)


def s3_config(bucket: str, endpoint: str, **more) -> dict:
    return {
        "key": "test-key",
        "secret": "test-secret",
        "region": "us-east-1",
        "container": bucket,
        "endpoint": endpoint,
        "use_path_style_endpoint": True,
        **more,
    }


def azure_config(container: str, endpoint: str, **more) -> dict:
    return {
        "account_name": azurebox.ACCOUNT,
        "account_key": azurebox.KEY,
        "protocol": "http",
        "container": container,
        "endpoint": endpoint,
        **more,
    }


def files_service(admin: Api) -> dict:
    """The seeded ``files`` service, as ``system/service`` shows it."""
    found = admin.get("system/service", query_string={"filter": "name='files'"})
    return found.get_json()["resource"][0]


def reconfigure(admin: Api, storage: str, config: dict):
    """Make the seeded ``files`` service a ``storage`` service with ``config`` (its public
    folders kept unless ``config`` names them): the answer."""
    found = files_service(admin)
    config = {"public_path": found["config"].get("public_path") or [], **config}
    return admin.patch(f"system/service/{found['id']}", json={"type": storage, "config": config})


def use_storage(admin: Api, storage: str, config: dict) -> None:
    """``reconfigure``, which must succeed."""
    response = reconfigure(admin, storage, config)
    assert response.status_code == 200, response.get_json()


def sftp_config(server: Sshd, root, **more) -> dict:
    return {
        "host": "127.0.0.1",
        "port": server.port,
        "username": "root",
        "private_key": server.client_key,
        "host_fingerprint": server.fingerprint,
        "container": str(root),
        **more,
    }


def webdav_config(server: Davd, root: Path, **more) -> dict:
    """The config of a ``webdav_file`` service on ``root``, a folder of ``server``'s."""
    return {
        "base_uri": server.base_uri,
        "username": "tester",
        "password": server.password,
        "auth_type": 1,
        "container": str(root.relative_to(server.root)),
        **more,
    }


def ftp_config(server: Ftpd, root: Path, **more) -> dict:
    return {
        "host": "127.0.0.1",
        "port": server.port,
        "username": server.username,
        "password": server.password,
        "container": server.container(root),
        **more,
    }


def leftovers(root) -> list[str]:
    """Scratch files and folders the service left anywhere under ``root`` (and, in an
    object store, uploads neither finished nor dropped: ``pending``)."""
    found = sorted(str(p.relative_to(root)) for p in root.rglob(".~df-tmp-*"))
    if isinstance(root, ObjectBox):
        found += root.pending()
    return found


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


def stamp(path, when: int) -> int:
    """Give file ``path`` the modification time ``when`` and answer it; a bucket cannot be
    told an object's time, so there it answers the time the object has."""
    if isinstance(path, ObjectBox):
        return int(path.stat().st_mtime)
    os.utime(path, (when, when))
    return when


def remove_tree(path) -> None:
    """Remove folder ``path`` and everything in it, behind the service's back."""
    if isinstance(path, ObjectBox):
        path.rmtree()
    else:
        shutil.rmtree(path)


def set_config(admin: Api, name: str, config: dict) -> None:
    """Replace the config of service ``name`` through ``system/service``.

    On a remote storage the container and its connection settings stay (the
    test's ``container``, a local folder name, is not a bucket), the rest is
    replaced.
    """
    services = admin.get("system/service", query_string={"filter": f"name='{name}'"})
    found = services.get_json()["resource"][0]
    service_id = found["id"]
    if found["type"] != "local_file":
        kept = {k: v for k, v in found["config"].items() if k != "public_path"}
        config = {**config, **kept}
    response = admin.patch(f"system/service/{service_id}", json={"config": config})
    assert response.status_code == 200, response.get_json()
