"""A module whose import leaves a mark: a worker that imported it for a job was fooled.

Foreign job hashes in ``test_foreign_jobs`` name ``run`` as their function or
as a callback. The mark goes to the file named by ``QUEUE_TEST_IMPORT_MARK``
(set for the worker process by the test), so the test sees that the module
was never imported, let alone called.
"""

from __future__ import annotations

import os

_MARK = os.environ.get("QUEUE_TEST_IMPORT_MARK")
if _MARK:
    with open(_MARK, "a", encoding="utf-8") as handle:
        handle.write(f"imported {os.getpid()}\n")


def run(*args: object, **kwargs: object) -> str:
    if _MARK:
        with open(_MARK, "a", encoding="utf-8") as handle:
            handle.write(f"called {os.getpid()}\n")
    return "ok"
