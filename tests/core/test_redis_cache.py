"""kabinet.core.cache.RedisCache: Django's Redis backend with one client per pool (needs a Redis;
skipped where none answers, e.g. on a developer's machine without it)."""

import os
import socket
import uuid

import pytest

from kabinet.core.cache import RedisCache

URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/14"


def redis_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


pytestmark = pytest.mark.skipif(not (os.environ.get("REDIS_URL") or redis_answers()), reason="no Redis")


def test_one_client_per_pool_and_the_cache_works():
    cache = RedisCache(URL, {"KEY_PREFIX": f"test-{uuid.uuid4().hex}"})
    client = cache._cache.get_client()
    assert cache._cache.get_client() is client and cache._cache.get_client(write=True) is client
    cache.set("answer", {"money": "12.30"}, 30)
    assert cache.get("answer") == {"money": "12.30"}
    assert cache.get_many(["answer", "missing"]) == {"answer": {"money": "12.30"}}
    cache.delete("answer")
    assert cache.get("answer") is None
