"""Script engines by type name, the way ``SERVICE_TYPES`` holds service types.

Each engine follows ``app.scripting.engine.Engine``. An engine joins by being
listed in ``ENGINES`` below (one line); whether it can run on this machine is
its ``available()``, asked when it is used or listed (``system/script_type``),
never at import. Engines start nothing until their first run.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.scripting.engines.nodejs import NODEJS
from app.scripting.engines.php import PHP
from app.scripting.engines.python import PYTHON, PYTHON3
from app.scripting.engines.v8js import V8JS

if TYPE_CHECKING:
    from app.scripting.engine import Engine

ENGINES: dict[str, Engine] = {
    engine.type: engine for engine in (PYTHON, PYTHON3, V8JS, NODEJS, PHP)
}
"""Every engine this build knows, by type name (``python``, ``python3``...)."""


def get_engine(type_name: str | None) -> Engine | None:
    """The engine for a script type (case-insensitive), or None for an unknown type."""
    return ENGINES.get((type_name or "").strip().lower())


def shutdown_engines() -> None:
    """Stop every engine's workers in this process."""
    for engine in ENGINES.values():
        engine.shutdown()
