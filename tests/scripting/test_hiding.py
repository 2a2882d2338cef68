"""Script workers kept out of the app's own folders (Linux Landlock, ``launcher/confine.py``).

The files here are readable by everyone, so only the hiding stands between a
script and them (as when workers share the app's user).
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from app.scripting import hiding
from app.scripting.engines.nodejs import NodeJsEngine
from app.scripting.engines.php import PhpEngine
from app.scripting.engines.python import PythonRuntime
from app.scripting.launcher import confine
from app.scripting.pool import PoolSettings
from app.scripting.pool_settings import hidden_paths
from tests.dbservers import in_ci
from tests.scripting.pyrun import run


@pytest.fixture(autouse=True)
def landlock():
    if confine.abi() < 1:
        message = "this kernel has no Landlock"
        if in_ci():
            pytest.fail(message + " (CI=true: the CI machine's kernel has it)", pytrace=False)
        pytest.skip(message)


@pytest.fixture
def place():
    """A folder every user may enter: ``instance/jwt_secret`` (to hide), ``public/open.txt``,
    and ``link`` pointing at ``instance``."""
    root = Path(tempfile.mkdtemp(prefix="df-hiding-"))
    root.chmod(0o755)
    for name, file, text in (("instance", "jwt_secret", "private"), ("public", "open.txt", "ok")):
        (root / name).mkdir(mode=0o755)
        (root / name / file).write_text(text)
        (root / name / file).chmod(0o644)
    (root / "public").chmod(0o777)
    (root / "link").symlink_to(root / "instance")
    yield root
    shutil.rmtree(root, ignore_errors=True)


def confined(hidden: Path, *command: str) -> subprocess.CompletedProcess:
    args = [sys.executable, "-I", "-S", str(hiding.CONFINE), "--hide", str(hidden), "--", *command]
    return subprocess.run(args, capture_output=True, text=True, timeout=60, check=False)


def test_a_hidden_folder_cannot_be_opened_directly_or_through_a_link(place):
    hidden = place / "instance"
    for path in (hidden / "jwt_secret", place / "link" / "jwt_secret"):
        done = confined(hidden, "/bin/cat", str(path))
        assert done.returncode != 0
        assert "Permission denied" in done.stderr
        assert "private" not in done.stdout
    done = confined(hidden, "/bin/ls", str(hidden))
    assert done.returncode != 0


def test_everything_else_stays_reachable(place):
    script = (
        f"cat {place}/public/open.txt; echo; echo written > {place}/public/new.txt; "
        f"cat {place}/public/new.txt; head -c 5 /etc/passwd; echo; "
        "grep NoNewPrivs /proc/self/status"
    )
    done = confined(place / "instance", "/bin/sh", "-c", script)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[:3] == ["ok", "written", "root:"]
    assert done.stdout.split()[-1] == "1"  # no_new_privs: no setuid program regains anything


def test_a_bad_command_line_is_refused():
    done = subprocess.run(
        [sys.executable, "-I", "-S", str(hiding.CONFINE), "--hide", "/x", "/bin/true"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert "usage" in done.stderr


def test_grants_skip_hidden_paths_and_links_into_them(place):
    granted = confine.grants([str(place / "instance")])
    assert str(place / "public") in granted
    assert not any(path.startswith(str(place / "instance")) for path in granted)
    assert str(place) not in granted and "/" not in granted
    assert confine.grants([]) == ["/"]


@pytest.mark.parametrize(
    ("make", "language", "read"),
    [
        (lambda settings: PythonRuntime(settings), "python", "return open({path!r}).read()"),
        (
            lambda settings: NodeJsEngine(settings),
            "nodejs",
            "return require('fs').readFileSync({path!r}, 'utf8')",
        ),
        (
            lambda settings: PhpEngine(settings),
            "php",
            "$t = @file_get_contents({path!r}); return $t === false ? 'denied' : $t;",
        ),
    ],
    ids=["python", "nodejs", "php"],
)
def test_scripts_of_every_language_cannot_open_hidden_files(place, make, language, read):
    if language != "python" and shutil.which(language if language == "php" else "node") is None:
        pytest.fail(f"{language} is not installed (scripts/test installs it)", pytrace=False)
    engine = make(PoolSettings(workers=1, hidden=(str(place / "instance"),)))
    try:
        opened = run(
            engine, read.format(path=str(place / "public" / "open.txt")), language=language
        )
        assert (opened.error, opened.value) == (None, "ok")
        for path in (place / "instance" / "jwt_secret", place / "link" / "jwt_secret"):
            result = run(engine, read.format(path=str(path)), language=language)
            assert result.value != "private"
            if language == "php":
                assert result.value == "denied"
            else:
                assert result.error is not None
                assert "PermissionError" in result.error.message or "EACCES" in result.error.message
    finally:
        engine.shutdown()


def test_the_app_hides_its_instance_and_storage_folders_and_a_sqlite_store(tmp_path):
    config = {
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "STORAGE_PATH": str(tmp_path / "storage"),
        "SYSTEM_DATABASE_URL": f"sqlite:///{tmp_path}/elsewhere/df.sqlite",
        "SCRIPT_HIDDEN_PATHS": "/etc/dreamfactory: /srv/keys",
    }
    assert PoolSettings.from_config(config).hidden == tuple(
        sorted(
            [
                str(tmp_path / "instance"),
                str(tmp_path / "storage"),
                str(tmp_path / "elsewhere" / "df.sqlite"),
                "/etc/dreamfactory",
                "/srv/keys",
            ]
        )
    )
    memory = {"INSTANCE_PATH": "/srv/i", "SYSTEM_DATABASE_URL": "sqlite:///:memory:"}
    assert hidden_paths(memory) == ("/srv/i",)
    assert PoolSettings().hidden == ()


def test_a_path_holding_what_workers_run_is_not_hidden(caplog):
    worker = Path(hiding.CONFINE).parent / "engines" / "worker.py"
    code = str(Path(hiding.CONFINE).parents[2])  # the repository: holds confine.py itself
    with caplog.at_level(logging.WARNING, logger="app.scripting.hiding"):
        launcher = hiding.wrapper((code,), [sys.executable, str(worker)], None)
    bare = (sys.executable, "-I", "-S", str(hiding.CONFINE), "--")
    assert launcher == bare  # nothing to hide, but it makes workers die with the app
    assert f"not hiding {code}" in caplog.text
    launcher = hiding.wrapper(("/srv/df-instance", code), [sys.executable, str(worker)], None)
    assert launcher[-3:] == ("--hide", "/srv/df-instance", "--")
    assert hiding.wrapper((), ["x"], None) == bare
