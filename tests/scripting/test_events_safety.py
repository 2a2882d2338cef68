"""Misbehaving scripts through the API: clear envelopes, logs with the event name, others served."""

from __future__ import annotations

import logging
import threading

from tests.conftest import assert_error
from tests.scripting.helpers import create_script_service, save_script

NAME = "db._table.todo.get.pre_process"


def test_an_endless_script_times_out_and_the_api_goes_on(app, admin, monkeypatch):
    monkeypatch.setitem(app.config, "SCRIPT_TIMEOUT", 1.0)
    save_script(admin, NAME, "while True:\n    pass\n")
    error = assert_error(admin.get("db/_table/todo"), 504)
    assert NAME in error["message"]
    assert admin.get("db/_table/contact").status_code == 200
    admin.delete(f"system/event_script/{NAME}")
    assert admin.get("db/_table/todo").status_code == 200


def test_a_syntax_error_is_a_500_naming_the_line(admin):
    save_script(admin, NAME, "x = 1\nif x\n    pass\n")
    error = assert_error(admin.get("db/_table/todo"), 500)
    assert "syntax error" in error["message"]
    assert "line 2" in error["message"]


def test_an_unexpected_return_value(admin):
    create_script_service(admin, "odd", "return object()")
    error = assert_error(admin.get("odd"), 500)
    assert "not JSON" in error["message"]


def test_a_script_setting_a_bad_status_or_header(admin):
    create_script_service(admin, "bad_status", "event.response.status_code = 'teapot'")
    assert_error(admin.get("bad_status"), 500, "A script set an invalid status code: 'teapot'.")
    code = "event.response.headers = {'X-Evil': 'a\\r\\nSet-Cookie: x=1'}"
    create_script_service(admin, "bad_header", code)
    assert_error(admin.get("bad_header"), 500, "A script set an invalid header: 'X-Evil'.")


def test_output_and_errors_are_logged_with_the_event_name(admin, caplog):
    logger = logging.getLogger("app.scripting.runner")
    logger.disabled = False  # a migration's logging.config may have switched it off
    caplog.set_level(logging.INFO, logger="app.scripting.runner")
    save_script(
        admin, NAME, "print('checking', event.request.method)\nraise NotFoundException('nope')"
    )
    assert_error(admin.get("db/_table/todo"), 404, "nope")
    lines = [r.getMessage() for r in caplog.records if r.name == "app.scripting.runner"]
    assert f"script={NAME} output=checking GET" in lines
    assert f"script={NAME} status=404 class=NotFoundException error=nope" in lines


def test_post_process_on_a_streamed_file_download(admin):
    assert admin.post("files/hello.txt", data=b"Hello").status_code == 201
    script = """
event.response.headers['X-Scripted'] = str(event.response.content is None)
"""
    save_script(admin, "files.{file_path}.get.post_process", script)
    response = admin.get("files/hello.txt")
    assert response.status_code == 200
    assert response.get_data() == b"Hello"
    assert response.headers["X-Scripted"] == "True"  # the stream was not read into the event


def test_a_flood_of_scripted_requests(app, admin):
    """More concurrent scripted calls than workers: each gets an answer or a clear 503."""
    create_script_service(admin, "slow", "import time\ntime.sleep(0.2)\nreturn {'ok': True}")
    results: list[tuple[int, object]] = []
    lock = threading.Lock()

    def call() -> None:
        client = app.test_client()
        response = client.get("/api/v2/slow", headers={"X-DreamFactory-Session-Token": admin.token})
        with lock:
            results.append((response.status_code, response.get_json()))

    threads = [threading.Thread(target=call) for _ in range(12)]
    for thread in threads:
        thread.start()
    plain = admin.get("db/_table/todo")  # served meanwhile
    for thread in threads:
        thread.join()
    assert plain.status_code == 200
    assert len(results) == 12
    for status, body in results:
        if status == 200:
            assert body == {"ok": True}
        else:
            assert status == 503, body
            assert body["error"]["status_code"] == 503
    assert any(status == 200 for status, _ in results)
    from app.scripting.engines import PYTHON

    assert PYTHON.runtime.pool().size() <= app.config["SCRIPT_WORKERS"]
