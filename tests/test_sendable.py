"""Text PostgreSQL cannot store (NUL characters) never reaches the system store: a 400.

Filters, ids and record values are refused where they are typed, naming the
field; these are the other ways a client's text reaches a store query (an API
key, a login, names in paths), refused by the store's own guard.
"""

from __future__ import annotations

import pytest

from tests.conftest import USER_PASSWORD, Api, assert_error, create_user
from tests.scripting.helpers import save_script

pytestmark = pytest.mark.parametrize("backend", ["postgresql"])

NUL = "a\u0000b"
REFUSED = "Invalid value: text may not contain NUL characters."


def test_credentials_with_nul_characters(anon):
    assert_error(anon.get("system/environment", query_string={"api_key": NUL}), 400, REFUSED)
    login = {"email": f"{NUL}@example.com", "password": USER_PASSWORD}
    assert_error(anon.post("user/session", json=login), 400, REFUSED)
    assert_error(anon.post("system/admin/session", json=login), 400, REFUSED)
    reset = {"email": f"{NUL}@example.com"}
    assert_error(anon.post("user/password?reset=true", json=reset), 400, REFUSED)
    confirm = {"email": f"{NUL}@example.com", "code": NUL, "new_password": USER_PASSWORD}
    assert_error(anon.post("user/password?login=true", json=confirm), 400, REFUSED)


def test_names_and_profiles_with_nul_characters(admin, client):
    named = "Invalid value for field 'name': text may not contain NUL characters."
    assert_error(admin.get("user/custom/a%00b"), 400, named)
    assert_error(admin.delete("user/custom/a%00b"), 400, named)
    assert_error(admin.get("system/script_stats/a%00b"), 400, REFUSED)
    assert_error(admin.patch("system/admin/profile", json={"first_name": NUL}), 400, REFUSED)
    create_user(admin, "pat@example.com")
    user = Api(client)
    user.login("pat@example.com", USER_PASSWORD, admin=False)
    assert_error(user.post("user/profile", json={"last_name": NUL}), 400, REFUSED)
    assert user.get("user/profile").get_json()["email"] == "pat@example.com"


def test_record_values_with_nul_characters(admin):
    response = admin.post("system/role", json={"resource": [{"name": NUL}]})
    error = assert_error(response, 400, code=1000)
    assert error["context"]["resource"][0]["message"] == REFUSED
    assert_error(admin.post("system/lookup", json={"name": "k", "value": NUL}), 400, REFUSED)
    assert admin.get("system/role").get_json() == {"resource": []}


def test_a_script_goes_on_after_a_refused_call(admin):
    code = """
refused = platform.api.patch('system/admin/profile', {'first_name': 'a\\x00b'})
after = platform.api.get('system/admin/profile')
return [refused.status_code, refused.content['error']['message'], after.status_code]
"""
    save_script(admin, "system.environment.get.post_process", code)
    assert admin.get("system/environment").get_json() == [400, REFUSED, 200]
