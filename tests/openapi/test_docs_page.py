"""The interactive docs page: served by us with its assets, linked from the launchpad."""

from __future__ import annotations

import re
import shutil
import subprocess

from tests.dbservers import missing_tool


def test_docs_page_uses_only_our_assets(client):
    response = client.get("/docs")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources, html
    assert all(s.startswith("/docs/assets/") for s in sources), sources
    assert "SwaggerUIBundle(" in html
    assert '"/api/v2"' in html  # the API base the page calls (same origin)
    for source in sources:
        asset = client.get(source)
        assert asset.status_code == 200, source
        assert len(asset.get_data()) > 1000
        asset.close()


def test_swagger_ui_renders_openapi_31(client):
    """The bundled Swagger UI is a 5.x build, which knows OpenAPI 3.1 documents."""
    bundle = client.get("/docs/assets/swagger-ui-bundle.js")
    assert b"isOAS31" in bundle.get_data()
    bundle.close()


def test_only_listed_assets_are_served(client):
    assert client.get("/docs/assets/LICENSE").status_code == 404
    assert client.get("/docs/assets/..%2F__init__.py").status_code == 404
    assert client.get("/docs/assets/swagger-editor-bundle.js").status_code == 404


def test_launchpad_links_to_the_docs(client):
    html = client.get("/").get_data(as_text=True)
    assert 'href="/docs"' in html


def test_seeded_api_docs_app_launches_the_page(admin, client):
    apps = admin.get("system/app", query_string={"filter": "name = 'api_docs'"}).get_json()
    launch = apps["resource"][0]["launch_url"]
    assert launch.endswith("/api_docs/")
    response = client.get("/api_docs/")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/docs")


def test_page_calls_work_with_a_pasted_api_key_and_token(admin, client):
    """What the page does: list the services with the credentials, then fetch a document."""
    headers = {"X-DreamFactory-Session-Token": admin.token}
    listed = client.get("/api/v2/api_docs", headers=headers).get_json()["resource"]
    db = next(item for item in listed if item["name"] == "db")
    document = client.get(db["spec_url"], headers=headers).get_json()
    assert document["servers"][0]["url"] == "/api/v2/db"
    # "Try it out" calls the server URL + path with the same headers
    tried = client.get("/api/v2/db/_table/todo", headers=headers)
    assert tried.status_code == 200
    assert "resource" in tried.get_json()


def test_page_script_is_valid_javascript(client, tmp_path):
    """The page's own script parses (node is in the suite's system packages)."""
    node = shutil.which("node")
    if node is None:
        missing_tool("node")
    html = client.get("/docs").get_data(as_text=True)
    scripts = re.findall(r"<script>(.*?)</script>", html, flags=re.DOTALL)
    assert len(scripts) == 1
    source = tmp_path / "page.js"
    source.write_text(scripts[0])
    checked = subprocess.run([node, "--check", str(source)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
