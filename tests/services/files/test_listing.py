"""GET on folders: DreamFactory's listing shapes and options, properties, access lists."""

from __future__ import annotations

import base64
import os

from werkzeug.http import http_date

from tests.conftest import assert_error
from tests.services.files.conftest import stamp


def _tree(box):
    (box / "docs" / "sub").mkdir(parents=True)
    (box / "docs" / "hello.txt").write_text("Hello")
    (box / "docs" / "sub" / "deep.json").write_text("{}")
    (box / "docs" / "Report.PDF").write_bytes(b"%PDF")
    (box / "top.csv").write_text("a,b\n")
    return stamp(box / "docs" / "hello.txt", 1767261600)  # 2026-01-01 10:00 UTC


def test_folder_listing_has_dreamfactorys_shape(admin, box):
    when = _tree(box)
    body = admin.get("files/docs/").get_json()
    assert body["resource"] == [
        {
            "path": "docs/Report.PDF",
            "content_type": "application/pdf",
            "last_modified": body["resource"][0]["last_modified"],
            "content_length": 4,
            "name": "Report.PDF",
            "type": "file",
        },
        {
            "path": "docs/hello.txt",
            "content_type": "text/plain",
            "last_modified": http_date(when),  # Thu, 01 Jan 2026 10:00:00 GMT
            "content_length": 5,
            "name": "hello.txt",
            "type": "file",
        },
        {
            "path": "docs/sub/",
            "last_modified": body["resource"][2]["last_modified"],
            "name": "sub",
            "type": "folder",
        },
    ]
    assert [list(item) for item in body["resource"]][1:] == [
        ["path", "content_type", "last_modified", "content_length", "name", "type"],
        ["path", "last_modified", "name", "type"],
    ]


def test_root_listing_and_options(admin, box):
    _tree(box)
    assert [r["path"] for r in admin.get("files").get_json()["resource"]] == ["docs/", "top.csv"]
    assert [r["path"] for r in admin.get("files/").get_json()["resource"]] == ["docs/", "top.csv"]
    tree = admin.get("files/", query_string={"full_tree": "true"}).get_json()["resource"]
    assert [(r["path"], r["name"]) for r in tree] == [
        ("docs/", "docs"),
        ("docs/Report.PDF", "docs/Report.PDF"),
        ("docs/hello.txt", "docs/hello.txt"),
        ("docs/sub/", "docs/sub"),
        ("docs/sub/deep.json", "docs/sub/deep.json"),
        ("top.csv", "top.csv"),
    ]
    folders = admin.get("files/", query_string={"full_tree": "1", "include_files": "false"})
    assert [r["path"] for r in folders.get_json()["resource"]] == ["docs/", "docs/sub/"]
    files = admin.get("files/docs/", query_string={"include_folders": "false", "as_list": "1"})
    assert files.get_json() == {"resource": ["docs/Report.PDF", "docs/hello.txt"]}
    names = admin.get("files/docs/", query_string={"as_list": "true", "id_field": "name"})
    assert names.get_json() == {"resource": ["Report.PDF", "hello.txt", "sub"]}
    cut = admin.get("files/docs/", query_string={"fields": "name,type"})
    assert cut.get_json()["resource"][2] == {"name": "sub", "type": "folder"}


def test_search_matches_the_entry_name_case_insensitively(admin, box):
    _tree(box)
    found = admin.get("files/", query_string={"search": "RE", "full_tree": "true"})
    assert [r["path"] for r in found.get_json()["resource"]] == ["docs/Report.PDF"]
    none = admin.get("files/docs/", query_string={"search": "zzz"})
    assert none.get_json() == {"resource": []}


def test_missing_folder_is_404_and_empty_container_lists_nothing(admin, box):
    assert admin.get("files/").get_json() == {"resource": []}
    assert_error(admin.get("files/nope/"), 404, "Folder 'nope/' does not exist in storage.")


def test_scratch_files_are_never_listed(admin, box):
    (box / ".~df-tmp-up-abc").write_text("half an upload")
    (box / ".hidden").write_text("a dot file is a normal file")
    listed = admin.get("files/", query_string={"as_list": "true"}).get_json()
    assert listed == {"resource": [".hidden"]}


def test_properties_of_folders_and_files(admin, box):
    when = _tree(box)
    folder = admin.get("files/docs/", query_string={"include_properties": "true"}).get_json()
    assert folder["name"] == "docs" and folder["path"] == "docs/"
    assert folder["last_modified"].endswith(" GMT")
    props = admin.get("files/docs/hello.txt", query_string={"include_properties": "1"})
    assert props.get_json() == {
        "path": "docs/hello.txt",
        "name": "hello.txt",
        "content_type": "text/plain",
        "last_modified": http_date(when),  # Thu, 01 Jan 2026 10:00:00 GMT
        "content_length": 5,
    }
    content = admin.get(
        "files/docs/hello.txt", query_string={"include_properties": "1", "content": "1"}
    ).get_json()
    assert content["content"] == base64.b64encode(b"Hello").decode()
    plain = admin.get(
        "files/docs/hello.txt",
        query_string={"include_properties": "1", "content": "1", "is_base64": "false"},
    )
    assert plain.get_json()["content"] == "Hello"
    (box / "bin.dat").write_bytes(b"\xff\xfe\x00")
    binary = admin.get(
        "files/bin.dat", query_string={"include_properties": "1", "content": "1", "is_base64": "0"}
    )
    assert_error(binary, 400, "File 'bin.dat' is not UTF-8 text; ask for its content as base64.")
    missing = admin.get("files/docs/none.txt", query_string={"include_properties": "1"})
    assert_error(missing, 404, "File 'docs/none.txt' does not exist in storage.")


def test_inline_content_is_the_whole_file_however_the_storage_reads_it(admin, box):
    """Several megabytes, read from a remote storage in many pieces, come back whole."""
    data = os.urandom(3 * 1024 * 1024 + 17)
    (box / "big.bin").write_bytes(data)
    answer = admin.get("files/big.bin", query_string={"include_properties": "1", "content": "1"})
    assert answer.status_code == 200, answer.get_json()
    assert base64.b64decode(answer.get_json()["content"]) == data


def test_access_list_names_every_folder(admin, box):
    _tree(box)
    listed = admin.get("files", query_string={"as_access_list": "true"}).get_json()
    assert listed == {"resource": ["", "*", "docs/", "docs/*", "docs/sub/", "docs/sub/*"]}


def test_a_folder_named_without_its_slash_is_listed(admin, box):
    _tree(box)
    body = admin.get("files/docs").get_json()
    assert [r["name"] for r in body["resource"]] == ["Report.PDF", "hello.txt", "sub"]


def test_a_listing_pages_with_limit_and_offset_and_counts_on_request(admin, box):
    """Not in DreamFactory (which lists a folder whole): the console pages large folders."""
    for name in ("a", "b", "c", "d", "e"):
        (box / f"{name}.txt").write_text(name)
    page = admin.get("files/", query_string={"limit": "2", "offset": "1", "include_count": "1"})
    assert [r["name"] for r in page.get_json()["resource"]] == ["b.txt", "c.txt"]
    assert page.get_json()["meta"] == {"count": 5, "next": 3}
    last = admin.get("files/", query_string={"limit": "2", "offset": "4", "as_list": "true"})
    assert last.get_json() == {"resource": ["e.txt"]}
    found = admin.get("files/", query_string={"search": "C", "include_count": "true"}).get_json()
    assert found == {"resource": [found["resource"][0]], "meta": {"count": 1}}
    whole = admin.get("files/", query_string={"limit": "0"}).get_json()
    assert len(whole["resource"]) == 5 and "meta" not in whole
    assert_error(
        admin.get("files/", query_string={"limit": "two"}),
        400,
        "Invalid value for 'limit': must be an integer.",
    )
    assert_error(
        admin.get("files/", query_string={"offset": "-1"}),
        400,
        "Invalid value for 'offset': must not be negative.",
    )
