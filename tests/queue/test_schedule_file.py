"""The schedule file's lines: cron fields, role and name, API calls, scripts, errors by line."""

from __future__ import annotations

from app.queue.schedule_file import parse, read
from app.schemas.scheduler import valid_cron

FILE = """
# nightly jobs
*/5 * * * *  role=reports  GET db/_table/contact?filter=last_name%3DYang&limit=2

0 3 * * 1-5  role=7 name=cleanup  POST db/_table/contact {"resource": [{"first_name": "A"}]}
* * * * *    name=beat role=ops  SCRIPT python scripts/beat.py
"""


def test_lines_become_tasks(tmp_path):
    (tmp_path / "scripts").mkdir()
    (tmp_path / "scripts" / "beat.py").write_text("print('beat')\n")

    tasks, errors = parse(FILE, str(tmp_path))

    assert errors == []
    first, second, third = tasks
    assert (first.line, first.name, first.cron, first.role) == (
        3,
        "file:GET db/_table/contact",
        "*/5 * * * *",
        "reports",
    )
    assert (first.verb, first.service, first.component, first.payload) == (
        "GET",
        "db",
        "_table/contact?filter=last_name%3DYang&limit=2",
        None,
    )
    assert (second.name, second.role, second.verb) == ("file:cleanup", "7", "POST")
    assert second.payload == {"resource": [{"first_name": "A"}]}
    assert (third.name, third.verb, third.script_type) == ("file:beat", "SCRIPT", "python")
    assert third.script == "print('beat')\n"


def test_bad_lines_are_reported_by_number_and_skipped(tmp_path):
    text = "\n".join(
        [
            "* * * * * role=a GET db/_table/contact",  # fine
            "61 * * * * role=a GET db/_table/contact",  # minute out of range
            "* * * * * * role=a GET db/_table/contact",  # six fields
            "* * * * * GET db/_table/contact",  # no role
            "* * * * * role=a FETCH db/_table/contact",  # unknown verb
            "* * * * * role=a POST db/_table/contact {not json",
            "* * * * * role=a SCRIPT python missing.py",
            "* * * * * role=a GET /",
            "* * * * * role=b GET db/_table/contact",  # same name as line 1
            "@hourly role=a GET db/_table/contact",
        ]
    )

    tasks, errors = parse(text, str(tmp_path))

    assert [t.line for t in tasks] == [1]
    messages = {e.line: e.message for e in errors}
    assert sorted(messages) == [2, 3, 4, 5, 6, 7, 8, 9, 10]
    assert "not a valid five-field cron expression" in messages[2]
    assert "more than five cron fields" in messages[3]
    assert messages[4].startswith("role=<role name or id> is required")
    assert "found 'FETCH'" in messages[5]
    assert "payload is not valid JSON" in messages[6]
    assert "cannot read the script" in messages[7]
    assert "expected the service" in messages[8]
    assert "already names a task 'file:GET db/_table/contact'" in messages[9]
    assert str(errors[0]).startswith("line 2: ")


def test_an_unreadable_file_is_one_error(tmp_path):
    tasks, errors = read(str(tmp_path / "nope.cron"))
    assert tasks == [] and len(errors) == 1 and errors[0].line == 0


def test_cron_is_five_fields():
    assert valid_cron("*/15 9-17 * * mon-fri")
    assert not valid_cron("* * * *")
    assert not valid_cron("0 0 * * * 0")
    assert not valid_cron("nonsense")
