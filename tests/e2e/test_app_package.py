"""A DreamFactory app package imported over HTTP, then opened in chromium from the launchpad.

The package (``tests.app_packages.conftest``: two related tables with their
records and a page reading them) goes up as the console sends it, with a role
that may read ``db``; its key goes into the app's ``config.js``. Chromium then
opens the launchpad, follows the app's link, and the page's own script must
show the imported books.
"""

from __future__ import annotations

import json

import pytest
from selenium.webdriver.common.by import By

from app.services.sql import sample
from tests.app_packages import address_book
from tests.app_packages.conftest import BOOKS, build_package
from tests.e2e.conftest import open_from_launchpad

pytestmark = pytest.mark.slow


def test_an_imported_package_opens_from_the_launchpad_and_shows_its_data(live, browser):
    role_id = live.reader_role("library_reader", ("db", "_table/*"))
    imported = live.api(
        "POST",
        "system/app",
        files={"file": ("library.dfpkg", build_package(), "application/octet-stream")},
        data={"role_id": str(role_id), "storage_container": "library"},
    )
    assert imported.status_code == 201, imported.text
    record = imported.json()
    assert record["launch_url"] == f"{live.base}/files/library/index.html"
    written = live.api(
        "POST",
        "files/library/config.js",
        data=f"window.LIBRARY_API_KEY = {json.dumps(record['api_key'])};\n".encode(),
        headers={"Content-Type": "application/javascript"},
    )
    assert written.status_code == 201, written.text

    state = open_from_launchpad(browser, live, "Library", record["launch_url"])
    assert (state, browser.find_element(By.ID, "status").text) == ("loaded", "3 books")
    titles = [item.text for item in browser.find_elements(By.CSS_SELECTOR, "#books li")]
    assert titles == [b["title"] for b in BOOKS]


def test_dreamfactory_s_sample_package_runs_on_the_seeded_tables(live, browser):
    """The React sample's layout (``address_book``) over the seeded ``db`` tables: its
    ``config.js`` given the app's key, as its README asks, the app lists every contact,
    the seeded ones as they were."""
    role_id = live.reader_role("address_book_reader", ("db", "_table/*"))
    imported = live.api(
        "POST",
        "system/app",
        files={"file": ("df-react-example-application.dfpkg", address_book.build())},
        data={"role_id": str(role_id)},
    )
    assert imported.status_code == 201, imported.text
    record = imported.json()
    assert "db/contact" in record["package"]["tables_reused"]
    config = address_book.CONFIG_JS.replace(
        b"APP_API_KEY: ''", f"APP_API_KEY: {json.dumps(record['api_key'])}".encode()
    )
    written = live.api(
        "POST",
        f"files/{address_book.FOLDER}/config.js",
        data=config,
        headers={"Content-Type": "application/javascript"},
    )
    assert written.status_code == 201, written.text

    state = open_from_launchpad(
        browser, live, address_book.DESCRIPTION["name"], record["launch_url"]
    )
    status = browser.find_element(By.ID, "status").text
    assert (state, status) == ("loaded", f"{address_book.CONTACTS} contacts")
    first = browser.find_elements(By.CSS_SELECTOR, "#root li")[0].text
    seeded = sample.CONTACTS[0]
    infos = sum(1 for info in sample.INFOS if info[1] == seeded[0])
    assert first == f"{seeded[1]} {seeded[2]} ({infos})"
