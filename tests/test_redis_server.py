"""The suite's Redis is a server of its own, never the machine's (unless DF_TEST_REDIS_URL)."""

from __future__ import annotations

import os

import pytest
import redis

from tests import redis_server


@pytest.mark.skipif(bool(redis_server.NAMED_URL), reason="DF_TEST_REDIS_URL names the Redis")
def test_each_test_process_has_a_redis_server_of_its_own():
    own = redis_server.current()
    assert own.owned
    client = redis.Redis.from_url(own.url())
    try:
        info = client.info("server")
    finally:
        client.close()
    assert info["process_id"] != os.getpid()
    assert os.getppid() != info["process_id"]
    with open(f"/proc/{info['process_id']}/stat") as stat:
        parent = int(stat.read().rsplit(")", 1)[1].split()[1])
    assert parent == os.getpid(), "the server is a child of this test process"
    assert own.url(1).endswith("/1") and own.url(1) != own.url()
