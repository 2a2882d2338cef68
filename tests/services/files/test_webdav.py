"""What only the ``webdav_file`` type has: its config, its logins, its failures, its URLs.

Everything else a file service does is checked on WebDAV by the rest of this
folder's tests (``box`` runs each on every storage). The servers here are
real: the test process's wsgidav server (``davd``), which is also the proxy
of the proxy test, a loopback port nobody listens on, and one that accepts
connections but never answers. How PROPFIND answers are read (hrefs in every
form a server may write them, and hostile ones) is checked on the documents
themselves.
"""

from __future__ import annotations

import secrets
from urllib.parse import quote

import pytest

from app.services.describe import MASK, describe_type
from app.services.files import multistatus, webdav_http
from app.services.files.webdav import WebdavFileService, root_url
from app.services.files.webdav_tree import WebdavTree
from app.vocabulary.errors import BadGateway
from tests.conftest import assert_error
from tests.services.files.conftest import files_service, leftovers, use_storage, webdav_config
from tests.services.files.s3box import free_port

# Each test here checks the webdav_file type alone.
pytestmark = pytest.mark.only_storage("webdav_file")


def _use(admin, davd, box, **config) -> None:
    use_storage(admin, "webdav_file", webdav_config(davd, box, **config))


def test_secrets_are_masked_and_kept_when_sent_back(admin, box, davd):
    service = files_service(admin)
    config = service["config"]
    assert service["type"] == "webdav_file"
    assert config["password"] == MASK
    assert config["username"] == "tester"
    assert config["base_uri"] == davd.base_uri
    response = admin.patch(f"system/service/{service['id']}", json={"config": config})
    assert response.status_code == 200, response.get_json()
    (box / "a.txt").write_bytes(b"still reachable")
    assert admin.get("files/a.txt").data == b"still reachable"


def test_config_is_validated(admin, box, davd):
    service = files_service(admin)
    bad = webdav_config(davd, box, container="files/../etc", auth_type=4, proxy="socks5://x")
    bad["base_uri"] = f"http://tester:{davd.password}@127.0.0.1:{davd.port}/dav"
    response = admin.patch(f"system/service/{service['id']}", json={"config": bad})
    error = assert_error(response, 400)
    assert set(error["context"]) == {
        "config.base_uri",
        "config.container",
        "config.auth_type",
        "config.proxy",
    }
    assert error["context"]["config.base_uri"] == [
        "Put the user name and password in their own fields."
    ]
    assert davd.password not in str(error)
    bad = webdav_config(davd, box, base_uri="ftp://127.0.0.1/dav")
    error = assert_error(admin.patch(f"system/service/{service['id']}", json={"config": bad}), 400)
    assert set(error["context"]) == {"config.base_uri"}


def test_the_type_is_described_with_dreamfactorys_fields():
    described = {
        entry["name"]: entry for entry in describe_type(WebdavFileService)["config_schema"]
    }
    assert list(described) == [
        "base_uri",
        "username",
        "password",
        "auth_type",
        "proxy",
        "container",
        "public_path",
    ]
    assert described["password"]["type"] == "password"
    assert described["auth_type"]["type"] == "picklist"
    assert [v["name"] for v in described["auth_type"]["values"]] == [None, 1, 2]


def test_a_wrong_password_is_502_with_the_servers_reason(admin, box, davd):
    _use(admin, davd, box, password="wrong")
    error = assert_error(admin.get("files/"), 502)
    assert error["message"] == (
        "The WebDAV storage refused the service's credentials (401 Not Authorized)."
    )
    _use(admin, davd, box, username=None, password=None)
    assert_error(admin.get("files/"), 502, error["message"])


def test_digest_logins_write_whole_files(admin, box, davd):
    """Digest's challenge would send a streamed PUT twice, the second time empty: the
    storage's PROPFIND before each upload meets the challenge first."""
    _use(admin, davd, box, auth_type=2)
    for name in ("one.txt", "two.txt"):
        written = admin.post(f"files/{name}", data=b"by digest", content_type="text/plain")
        assert written.status_code == 201, written.get_json()
        assert (box / name).read_bytes() == b"by digest"
    assert admin.get("files/two.txt").data == b"by digest"
    listed = admin.get("files/", query_string={"as_list": "true"}).get_json()
    assert listed["resource"] == ["one.txt", "two.txt"]
    _use(admin, davd, box, auth_type=2, password="wrong")
    assert_error(admin.get("files/"), 502)


def test_a_challenged_upload_is_an_error_not_an_empty_file(davd, box):
    """A PUT sent before any other request of its thread meets Digest's challenge: sent again
    without its body (an empty file, which the storage removes as the scratch file it is, or
    a request the server could not read), it must fail."""
    settings = webdav_http.Settings(
        base_uri=davd.base_uri,
        username="tester",
        password=davd.password,
        auth_type=webdav_http.AUTH_DIGEST,
        timeout=29.5 + secrets.randbelow(1000) / 1000,  # a session of its own: no challenge met
    )
    tree = WebdavTree(
        webdav_http.session_for(settings), root_url(davd.base_uri, box.name), box.name, 30
    )
    with pytest.raises(BadGateway):  # asked again, or the body sent again was refused
        tree.write("x.txt", iter([b"data"]))  # chunks come once
    assert not (box / "x.txt").exists() or (box / "x.txt").read_bytes() == b""
    tree.write("x.txt", [b"data"])  # the challenge is met now
    assert (box / "x.txt").read_bytes() == b"data"


def test_a_missing_root_folder_is_404(admin, box, davd):
    missing = box / "nowhere"
    _use(admin, davd, missing)
    container = f"{box.name}/nowhere"
    assert_error(admin.get("files/"), 404, f"The WebDAV container '{container}' does not exist.")
    assert_error(admin.post("files/a.txt", data=b"x", content_type="text/plain"), 404)
    assert not missing.exists()


def test_a_tls_failure_is_502(admin, box, davd):
    plain = davd.base_uri.replace("http://", "https://")  # the server speaks plain HTTP
    _use(admin, davd, box, base_uri=plain)
    error = assert_error(admin.get("files/"), 502)
    assert error["message"].startswith("The WebDAV storage's TLS connection failed ([SSL")


def test_the_proxy_is_used(admin, box, davd):
    """The server is reached by a name that cannot be resolved: only the proxy can."""
    proxy = f"http://127.0.0.1:{davd.port}"
    unresolvable = davd.base_uri.replace(f"127.0.0.1:{davd.port}", "webdav.invalid")
    _use(admin, davd, box, base_uri=unresolvable, proxy=proxy)
    (box / "a.txt").write_bytes(b"through the proxy")
    assert admin.get("files/a.txt").data == b"through the proxy"
    closed = f"http://127.0.0.1:{free_port()}"
    _use(admin, davd, box, base_uri=unresolvable, proxy=closed)
    assert_error(admin.get("files/a.txt"), 503, "The WebDAV storage cannot be reached.")


def test_a_plainer_server_is_served_alike(admin, box, davd):
    """A server that ignores Range (the bytes before the offset are skipped) and redirects a
    folder named without its slash (followed to the slash, and no further)."""
    _use(admin, davd, box, base_uri=davd.plain_uri)
    (box / "sub").mkdir()
    (box / "sub" / "a.txt").write_bytes(b"0123456789")
    ranged = admin.get("files/sub/a.txt", headers={"Range": "bytes=4-"})
    assert ranged.status_code == 206
    assert ranged.data == b"456789"
    assert admin.get("files/sub/a.txt", headers={"Range": "bytes=10-"}).status_code == 416
    folder = admin.get("files/sub", query_string={"as_list": "true"})  # no slash: a stat first
    assert folder.get_json()["resource"] == ["sub/a.txt"]


ODD_NAMES = [  # no "?" nor ";": wsgidav decodes MOVE's Destination before splitting it
    "a b.txt",
    "100% sure.txt",
    "hash#tag.txt",
    "plus+and&amp=.txt",
    "[brackets] (round) {curly}.txt",
    "ünïcödé 漢字.txt",
    "%2F not a slash.txt",
    'quote\'s "double".txt',
]


def test_odd_names_go_there_and_back(admin, box):
    """Every name is one URL segment on the server, whatever it holds, and comes back from
    listings as it was."""
    folder = "odd dir % #"
    assert admin.post(f"files/{quote(folder)}/").status_code == 201
    for name in ODD_NAMES:
        resource = f"files/{quote(folder)}/{quote(name)}"
        written = admin.post(resource, data=name.encode(), content_type="text/plain")
        assert written.status_code == 201, (name, written.get_json())
    assert sorted(p.name for p in (box / folder).iterdir()) == sorted(ODD_NAMES)
    listed = admin.get(f"files/{quote(folder)}/", query_string={"as_list": "true"}).get_json()
    assert listed["resource"] == [f"{folder}/{name}" for name in sorted(ODD_NAMES)]
    for name in ODD_NAMES:
        assert admin.get(f"files/{quote(folder)}/{quote(name)}").data == name.encode(), name
    items = [{"name": "copy", "type": "folder", "source_path": folder}]
    items += [
        {"name": f"moved {name}", "type": "file", "source_path": f"copy/{name}"}
        for name in ODD_NAMES[:2]
    ]
    for item in items[1:]:
        item["delete_source"] = True
    copied = admin.post("files/", json={"resource": items}).get_json()["resource"]
    assert [entry["name"] for entry in copied] == [item["name"] for item in items]
    assert sorted(p.name for p in (box / "copy").iterdir()) == sorted(ODD_NAMES[2:])
    assert (box / f"moved {ODD_NAMES[0]}").read_bytes() == ODD_NAMES[0].encode()
    removed = admin.delete(f"files/{quote(folder)}/", query_string={"force": "true"})
    assert removed.status_code == 200, removed.get_json()
    assert not (box / folder).exists()
    assert leftovers(box) == []


ROOT = "http://dav.example/dav/files%20of/ann/"


def _answer(*responses: str) -> bytes:
    body = "".join(responses)
    return f'<?xml version="1.0"?><d:multistatus xmlns:d="DAV:">{body}</d:multistatus>'.encode()


def _file(href: str, size: int = 3, status: str = "HTTP/1.1 200 OK") -> str:
    return (
        f"<d:response><d:href>{href}</d:href><d:propstat><d:prop><d:resourcetype/>"
        f"<d:getcontentlength>{size}</d:getcontentlength>"
        "<d:getlastmodified>Tue, 08 Dec 2026 01:37:00 GMT</d:getlastmodified>"
        f'<d:getetag>W/"tag-{size}"</d:getetag></d:prop>'
        f"<d:status>{status}</d:status></d:propstat></d:response>"
    )


def _folder(href: str) -> str:
    return (
        f"<d:response><d:href>{href}</d:href><d:propstat><d:prop><d:resourcetype>"
        "<d:collection/></d:resourcetype></d:prop><d:status>HTTP/1.1 200 OK</d:status>"
        "</d:propstat></d:response>"
    )


def test_hrefs_in_every_form_name_the_same_entries():
    answer = multistatus.read(
        _answer(
            _folder("/dav/files%20of/ann/"),
            _file("/dav/files%20of/ann/a%20b.txt", 1),
            _file("http://other.host/dav/files%20of/ann/%c3%bc.txt", 2),
            _file("/dav/files of/ann/plain%2fslash.txt", 3),
            _folder("sub%20dir/"),
            _file("/dav/files%20of/ann/%25.txt", 5),
        ),
        ROOT,
        "ann",
    )
    assert answer.asked is not None and answer.asked.kind == "folder"
    assert answer.asked.name == "ann"
    by_name = {node.name: node for node in answer.children}
    assert sorted(by_name) == ["%.txt", "a b.txt", "sub dir", "ü.txt"]
    assert by_name["a b.txt"].size == 1 and by_name["a b.txt"].etag == "tag-1"
    assert by_name["a b.txt"].mtime == 1796693820.0
    assert by_name["sub dir"].kind == "folder"


def test_hrefs_outside_the_folder_asked_are_left_out():
    answer = multistatus.read(
        _answer(
            _file("/dav/files%20of/other.txt"),
            _file("/dav/files%20of/ann/../secret.txt"),
            _file("/dav/files%20of/ann/%2e%2e"),
            _file("/dav/files%20of/ann/sub/deeper.txt"),
            _file("/dav/files%20of/ann/nul%00.txt"),
            _file("/dav/files%20of/ann/latin%e9.txt"),
            _file("/etc/passwd"),
            _file("http://dav.example/dav/files%20of/annex.txt"),
            _file("/dav/files%20of/ann/gone.txt", status="HTTP/1.1 404 Not Found"),
            _file("/dav/files%20of/ann/kept.txt"),
        ),
        ROOT,
        "ann",
    )
    assert answer.asked is None
    assert [node.name for node in answer.children] == ["kept.txt"]


@pytest.mark.parametrize(
    "body",
    [
        b"not xml",
        b"<html><body>a login page</body></html>",
        b'<!DOCTYPE d [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><d:multistatus '
        b'xmlns:d="DAV:">&b;</d:multistatus>',
    ],
)
def test_answers_that_are_no_multistatus_are_refused(body):
    with pytest.raises(multistatus.MultistatusError):
        multistatus.read(body, ROOT, "ann")
