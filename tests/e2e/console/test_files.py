"""Files in the console (also what /file_manager/ opens): folders, uploads with progress,
public folders, downloads, deletes, and a zipped static app unpacked and launched."""

from __future__ import annotations

import base64
import io
import secrets
import zipfile

import pytest
import requests
from selenium.webdriver.common.by import By

from tests.e2e.conftest import Live, click, type_into, wait_for
from tests.e2e.console.conftest import text_of

pytestmark = pytest.mark.slow

DROP_FILE = """
const [name, type, data] = arguments;
const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
const transfer = new DataTransfer();
transfer.items.add(new File([bytes], name, { type }));
document.getElementById("dropzone").dispatchEvent(
  new DragEvent("drop", { dataTransfer: transfer, bubbles: true, cancelable: true }));
"""
"""Drop a file (base64 content) on the upload box, as a drag from the desktop would."""


def _file_service(live: Live) -> str:
    """A fresh local file service of this test's own, so its public folders are its own too."""
    name = f"f{secrets.token_hex(4)}"
    live.create(
        "system/service",
        {"name": name, "type": "local_file", "is_active": True, "config": {"container": name}},
    )
    return name


def _names(live: Live, path: str) -> list[str]:
    listed = live.api("GET", path)
    assert listed.status_code == 200, listed.text
    return [entry["name"] for entry in listed.json()["resource"]]


def _public_paths(live: Live, service: str) -> list[str]:
    return live.api("GET", f"system/service/{live.service_id(service)}").json()["config"][
        "public_path"
    ]


def _create_folder(console, live: Live, name: str) -> None:
    type_into(console, "#folder-name", name, "the folder name", live)
    click(console, "#create-folder", "create folder", live)
    click(console, f"table.grid a[href$='/{name}']", f"the new folder {name}", live)
    wait_for(console, lambda d: d.find_elements(By.ID, "toggle-public"), f"inside {name}", live)


def _toggle_public(console, live: Live, then: str) -> None:
    """Click the folder's public switch; wait until it offers ``then`` (the other way)."""
    click(console, "#toggle-public", "the public switch", live)
    wait_for(console, lambda d: then in d.find_element(By.ID, "toggle-public").text, then, live)


def _delete(console, live: Live, name: str) -> None:
    click(console, f"[data-action=delete][data-name='{name}']", f"delete {name}", live)
    click(console, "#confirm-ok", "the confirmation", live)


def _uploaded(driver, count: int) -> bool:
    return len(driver.find_elements(By.CSS_SELECTOR, ".progress[data-state=done]")) == count


def test_upload_publish_download_and_delete(console, live, tmp_path):
    service = _file_service(live)
    console.get(f"{live.base}/file_manager/")
    click(console, f"a[href='#/files/{service}']", "the service in the picker", live)
    wait_for(console, lambda d: "This folder is empty" in text_of(d), "the empty state", live)
    _create_folder(console, live, "docs")
    assert _names(live, f"{service}/") == ["docs"]

    first, second = tmp_path / "a.txt", tmp_path / "b.txt"
    first.write_text("first file\n")
    second.write_text("second file\n")
    console.find_element(By.ID, "upload-files").send_keys(f"{first}\n{second}")
    wait_for(console, lambda d: _uploaded(d, 2), "two uploads done", live)
    wait_for(console, lambda d: d.find_elements(By.CSS_SELECTOR, "[data-name='b.txt']"), "b", live)
    assert _names(live, f"{service}/docs/") == ["a.txt", "b.txt"]
    bars = console.find_elements(By.CSS_SELECTOR, ".progress progress")
    assert [bar.get_attribute("value") for bar in bars] == ["1", "1"]

    public_url = f"{live.base}/{service}/docs/a.txt"
    assert requests.get(public_url, timeout=30).status_code == 403
    _toggle_public(console, live, "Make private")
    assert _public_paths(live, service) == ["docs/"]
    served = requests.get(public_url, timeout=30)  # no key, no token
    assert (served.status_code, served.text) == (200, "first file\n")

    console.execute_cdp_cmd(
        "Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(tmp_path / "dl")}
    )
    click(console, "[data-action=download][data-name='b.txt']", "download b.txt", live)
    wait_for(console, lambda d: (tmp_path / "dl" / "b.txt").is_file(), "the download", live)
    assert (tmp_path / "dl" / "b.txt").read_text() == "second file\n"

    _delete(console, live, "a.txt")
    wait_for(
        console,
        lambda d: not d.find_elements(By.CSS_SELECTOR, "[data-name='a.txt']"),
        "a.txt gone",
        live,
    )
    assert _names(live, f"{service}/docs/") == ["b.txt"]

    _toggle_public(console, live, "Make public")
    assert _public_paths(live, service) == []
    assert requests.get(f"{live.base}/{service}/docs/b.txt", timeout=30).status_code == 403

    click(console, f".breadcrumbs a[href='#/files/{service}']", "the service root", live)
    _delete(console, live, "docs")
    wait_for(console, lambda d: "This folder is empty" in text_of(d), "the empty root", live)
    assert _names(live, f"{service}/") == []


def _site_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(
            "index.html",
            (
                "<!doctype html><title>Hosted</title><link rel=icon href=data:,>"
                "<h1 id=hi>Hello from a zip</h1>"
            ),
        )
    return buffer.getvalue()


def test_a_dropped_zip_is_unpacked_into_a_public_folder_and_launched_as_an_app(console, live):
    service = _file_service(live)
    console.get(f"{live.base}/admin/#/files/{service}")
    _create_folder(console, live, "site")
    _toggle_public(console, live, "Make private")
    click(console, "input[name=extract]", "unpack zips", live)
    data = base64.b64encode(_site_zip()).decode()
    console.execute_script(DROP_FILE, "site.zip", "application/zip", data)
    wait_for(console, lambda d: _uploaded(d, 1), "the zip uploaded", live)
    wait_for(
        console,
        lambda d: d.find_elements(By.CSS_SELECTOR, "[data-name='index.html']"),
        "the unpacked page",
        live,
    )
    assert _names(live, f"{service}/site/") == ["index.html"]

    app = live.create(
        "system/app",
        {
            "name": f"site{secrets.token_hex(3)}",
            "type": 1,
            "is_active": True,
            "storage_service_id": live.service_id(service),
            "storage_container": "site",
            "path": "index.html",
        },
    )
    assert app["launch_url"] == f"{live.base}/{service}/site/index.html"

    assert live.api("POST", f"{service}/many/").status_code == 201  # the folder
    many = [("files", (f"n{i:03}.txt", b"x", "text/plain")) for i in range(101)]
    assert live.api("POST", f"{service}/many/", files=many).status_code == 201
    console.get(f"{live.base}/admin/#/files/{service}/many")
    shown = wait_for(
        console, lambda d: d.find_element(By.CSS_SELECTOR, ".pager").text, "pages", live
    )
    assert (
        "1–100 of 101" in shown and len(console.find_elements(By.CSS_SELECTOR, "tbody tr")) == 100
    )
    click(console, ".pager a", "the next page", live)
    wait_for(
        console,
        lambda d: "101–101 of 101" in d.find_element(By.CSS_SELECTOR, ".pager").text,
        "the last page",
        live,
    )
    assert [row.text.split()[0] for row in console.find_elements(By.CSS_SELECTOR, "tbody tr")] == [
        "n100.txt"
    ]

    console.get(app["launch_url"])
    hello = wait_for(console, lambda d: d.find_element(By.ID, "hi").text, "the hosted page", live)
    assert hello == "Hello from a zip"
