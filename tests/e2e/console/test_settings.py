"""Settings in the console: a CORS rule and a limit added through their forms (a refused
limit shown in place first), and a package exported into a file service."""

from __future__ import annotations

import io
import json
import secrets
import zipfile

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from tests.e2e.conftest import click, type_into, wait_for
from tests.e2e.console.conftest import text_of

pytestmark = pytest.mark.slow


def _records(live, path: str, **filters: str) -> list[dict]:
    found = live.api("GET", path, params=filters)
    assert found.status_code == 200, found.text
    return found.json()["resource"]


def _choose(driver, name: str, text: str) -> None:
    Select(driver.find_element(By.CSS_SELECTOR, f"select[name={name}]")).select_by_visible_text(
        text
    )


def test_add_a_cors_rule_and_a_limit_then_export_and_import_a_package(console, live, tmp_path):
    origin = f"https://{secrets.token_hex(4)}.example.com"
    console.get(f"{live.base}/admin/#/settings/cors")
    click(console, "#create-cors", "add a CORS rule", live)
    type_into(console, "input[name=path]", "api/v2/files/*", "the path", live)
    type_into(console, "input[name=origin]", origin, "the origin", live)
    click(console, "input[name='method.POST']", "the POST verb", live)
    click(console, "#save-cors", "save", live)
    wait_for(console, lambda d: origin in text_of(d), "the rule in the list", live)
    (rule,) = _records(live, "system/cors", filter=f"origin='{origin}'")
    assert (rule["path"], sorted(rule["method"]), rule["enabled"]) == (
        "api/v2/files/*",
        ["GET", "POST"],
        True,
    )

    name = f"files hourly {secrets.token_hex(3)}"
    console.get(f"{live.base}/admin/#/settings/limits")
    click(console, "#create-limits", "add a limit", live)
    type_into(console, "input[name=name]", name, "the name", live)
    _choose(console, "type", "A service")
    type_into(console, "input[name=rate]", "100", "the rate", live)
    _choose(console, "period", "hour")
    click(console, "#save-limits", "save without a service", live)
    alert = wait_for(
        console, lambda d: d.find_element(By.CSS_SELECTOR, "[role=alert]").text, "the error", live
    )
    assert "service_id" in alert
    console.allowed_errors.append("400")
    assert _records(live, "system/limit", filter=f"name='{name}'") == []

    _choose(console, "service_id", "files")
    click(console, "#save-limits", "save", live)
    wait_for(console, lambda d: name in text_of(d), "the limit in the list", live)
    (limit,) = _records(live, "system/limit", filter=f"name='{name}'")
    assert (limit["type"], limit["rate"], limit["period"], limit["service_id"]) == (
        "instance.service",
        100,
        "hour",
        live.service_id("files"),
    )

    console.get(f"{live.base}/admin/#/settings/packages")
    click(console, "input[name='all.system/limit']", "every limit", live)
    click(console, "input[name='all.system/cors']", "every CORS rule", live)
    _choose(console, "storage", "Save in the file service files")
    click(console, "#export-package", "export", live)
    saved = wait_for(
        console, lambda d: d.find_element(By.ID, "export-result").text, "the export", live
    )
    path = saved.removeprefix("Saved as ").rstrip(".")
    assert path.startswith(f"{live.base}/api/v2/files/__EXPORTS/") and path.endswith(".zip")
    fetched = live.api("GET", path.removeprefix(f"{live.base}/api/v2/"))
    assert fetched.status_code == 200, fetched.text
    with zipfile.ZipFile(io.BytesIO(fetched.content)) as package:
        limits = json.loads(package.read("system/limit.json"))
        rules = json.loads(package.read("system/cors.json"))
    limits = limits.get("resource", limits) if isinstance(limits, dict) else limits
    rules = rules.get("resource", rules) if isinstance(rules, dict) else rules
    assert name in [item["name"] for item in limits]
    assert origin in [item["origin"] for item in rules]

    # the limit deleted, the package brings it back (the CORS rule, still there, is refused)
    assert live.api("DELETE", f"system/limit/{limit['id']}").status_code == 200
    package = tmp_path / "package.zip"
    package.write_bytes(fetched.content)
    console.get(f"{live.base}/admin/#/settings/packages")
    wait_for(console, lambda d: d.find_elements(By.ID, "import-file"), "the import form", live)
    console.find_element(By.ID, "import-file").send_keys(str(package))
    click(console, "#import-package", "import", live)
    wait_for(console, lambda d: "Imported the package" in text_of(d), "the import", live)
    (back,) = _records(live, "system/limit", filter=f"name='{name}'")
    assert (back["type"], back["rate"], back["service_id"]) == (
        "instance.service",
        100,
        live.service_id("files"),
    )
    assert len(_records(live, "system/cors", filter=f"origin='{origin}'")) == 1
    assert "created" in text_of(console)


def test_the_other_settings_tabs_show_and_flush_the_cache(console, live):
    for tab, expected in (
        ("lookups", "Lookups"),
        ("templates", "User Invite Default"),
        ("logs", "logs file service"),
        ("system", "System information"),
    ):
        console.get(f"{live.base}/admin/#/settings/{tab}")
        wait_for(console, lambda d, e=expected: e in text_of(d), f"the {tab} tab", live)
    click(console, "#flush-all", "flush every cache", live)
    wait_for(console, lambda d: "Flushed every cache" in text_of(d), "the flush", live)
