"""The console's Home screen, and what its first load costs."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By

from tests.e2e.conftest import click, wait_for
from tests.e2e.console.conftest import text_of

pytestmark = pytest.mark.slow

FIRST_LOAD_BUDGET = 300 * 1024
"""Bytes the first screen may transfer (issue 16: one HTML request plus its modules)."""


def test_home_counts_what_is_configured_and_leads_to_the_first_api(console, live):
    wait_for(
        console, lambda d: d.find_elements(By.CSS_SELECTOR, ".cards .stat"), "the counts", live
    )
    services = live.api("GET", "system/service", params={"include_count": "true"}).json()
    stats = [e.text for e in console.find_elements(By.CSS_SELECTOR, ".cards .stat")]
    assert stats[0] == str(services["meta"]["count"])
    assert "Database: " in text_of(console)
    click(console, "a[href='#/services/new']", "the first-API link", live)
    wait_for(
        console, lambda d: d.find_elements(By.CSS_SELECTOR, "a[data-type=pgsql]"), "types", live
    )


def test_the_first_screen_loads_within_its_budget(console, live):
    wait_for(
        console, lambda d: d.find_elements(By.CSS_SELECTOR, ".cards .stat"), "the counts", live
    )
    entries = console.execute_script(
        "return performance.getEntriesByType('resource').concat("
        "performance.getEntriesByType('navigation')).map("
        "e => [e.name, e.initiatorType, e.encodedBodySize])"
    )
    pages = [name for name, kind, _ in entries if kind == "navigation"]
    assert len(pages) == 1
    assert {kind for _, kind, _ in entries} <= {"navigation", "script", "link", "other", "fetch"}
    assets = [(name, size) for name, kind, size in entries if "/admin/" in name]
    assert sum(size for _, size in assets) < FIRST_LOAD_BUDGET, assets
    assert all(name.startswith(live.base) for name, _, _ in entries)
