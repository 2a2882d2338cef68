"""The test apps' pools stay within a share of each database server's connections."""

from __future__ import annotations

import os

import pytest

from tests import dbservers


@pytest.mark.parametrize("kind", ["postgresql", "mysql"])
def test_every_test_process_s_apps_fit_in_a_share_of_the_server(kind):
    options = dbservers.pool_options(dbservers.SERVER_URLS[kind])
    limit = dbservers._server_connections(kind)
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    per_app = options["pool_size"] + options["max_overflow"]
    assert options["pool_size"] >= 2
    assert per_app * dbservers.APPS_AT_ONCE * workers <= max(limit * dbservers.SHARE_OF_SERVER, 2)


def test_sqlite_stores_keep_their_own_pool_settings(tmp_path):
    assert dbservers.pool_options(f"sqlite:///{tmp_path}/x.sqlite") == {}
