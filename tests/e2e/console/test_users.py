"""Users in the console: one created without a username, given a role for an app, deactivated."""

from __future__ import annotations

import secrets

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.select import Select

from tests.e2e.conftest import click, type_into, wait_for

pytestmark = pytest.mark.slow


def _user(live, email: str) -> dict:
    found = live.api(
        "GET",
        "system/user",
        params={"filter": f"email='{email}'", "related": "user_to_app_to_role_by_user_id"},
    ).json()["resource"]
    assert len(found) == 1, found
    return found[0]


def test_create_a_user_without_a_username_with_a_role_per_app(console, live):
    tag = secrets.token_hex(3)
    role_id = live.reader_role(f"staff{tag}", ("db", "_table/*"))
    app = live.create("system/app", {"name": f"desk{tag}", "type": 0})
    email = f"sam{tag}@example.com"

    console.get(f"{live.base}/admin/#/users")
    click(console, "#create-user", "the create button", live)
    type_into(console, "input[name=email]", email, "the e-mail", live)
    type_into(console, "input[name=first_name]", "Sam", "the first name", live)
    type_into(console, "input[name=password]", "sam-password-0123456789", "the password", live)
    click(console, "#add-app-role", "add a role for an app", live)
    Select(console.find_element(By.CSS_SELECTOR, "select[name$='.app_id']")).select_by_value(
        str(app["id"])
    )
    Select(console.find_element(By.CSS_SELECTOR, "select[name$='.role_id']")).select_by_value(
        str(role_id)
    )
    click(console, "#save-user", "create", live)
    wait_for(console, lambda d: d.find_elements(By.ID, "toggle-active"), "the saved user", live)

    user = _user(live, email)
    assert user["username"] is None and user["first_name"] == "Sam"
    assert user["is_active"] is True
    roles = user["user_to_app_to_role_by_user_id"]
    assert [(r["app_id"], r["role_id"]) for r in roles] == [(app["id"], role_id)]
    session = live.api(
        "POST", "user/session", json={"email": email, "password": "sam-password-0123456789"}
    )
    assert session.status_code == 200, session.text

    click(console, "#toggle-active", "deactivate", live)
    click(console, "#confirm-ok", "the confirmation", live)
    wait_for(console, lambda d: not _user(live, email)["is_active"], "the user deactivated", live)
    wait_for(
        console,
        lambda d: d.find_element(By.ID, "toggle-active").text == "Activate",
        "the form showing the inactive user",
        live,
    )

    console.get(f"{live.base}/admin/#/users")
    type_into(console, "input[name=search]", f"sam{tag}", "the search", live)
    wait_for(
        console,
        lambda d: (
            email in d.find_element(By.CSS_SELECTOR, ".paged-body").text
            and "inactive" in d.find_element(By.CSS_SELECTOR, ".paged-body").text
        ),
        "the user found by the server's search",
        live,
    )
