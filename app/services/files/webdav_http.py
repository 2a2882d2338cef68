"""HTTP sessions of the WebDAV file service: one ``requests.Session`` per set of settings.

A request should not pay a TCP (and TLS) handshake for every call the storage
makes (a listing, an upload and its rename are several): ``session_for``
keeps one session per distinct set of settings, and its connection pool
serves every thread of the process (gunicorn's ``gthread`` workers). Sessions
are per process: a forked worker starts without its parent's (their sockets
are not its own). At most ``MAX_SESSIONS`` are kept, the least recently used
closed first.

A session knows only what its settings say: the environment's proxies and
``.netrc`` are ignored (``trust_env`` off), as the remote web services do, so
the service reaches its server the same way on every machine; ``proxy`` names
a proxy explicitly. Credentials go by Basic (sent with every request) or
Digest authentication (``requests``' own: answering the server's challenge,
per thread).
"""

from __future__ import annotations

import collections
import os
import threading
from dataclasses import dataclass, field

import requests
from requests.adapters import HTTPAdapter
from requests.auth import AuthBase, HTTPBasicAuth, HTTPDigestAuth

AUTH_BASIC = 1
AUTH_DIGEST = 2
"""``auth_type`` values, DreamFactory's (sabre/dav's ``Client::AUTH_*``)."""

CONNECTIONS = 16
"""Connections a session keeps open to its server."""

MAX_SESSIONS = 32
"""Sessions kept per process (distinct settings in use)."""


@dataclass(frozen=True)
class Settings:
    base_uri: str
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    auth_type: int | None = None
    """``AUTH_DIGEST``, or Basic for anything else (when there is a username)."""
    proxy: str | None = None
    timeout: float = 30.0
    """Seconds to wait to connect, and for each read (FILE_REMOTE_TIMEOUT)."""

    @property
    def digest(self) -> bool:
        return bool(self.username) and self.auth_type == AUTH_DIGEST


def _auth(settings: Settings) -> AuthBase | None:
    if not settings.username:
        return None
    password = settings.password or ""
    if settings.digest:
        return HTTPDigestAuth(settings.username, password)
    return HTTPBasicAuth(settings.username, password)


def _session(settings: Settings) -> requests.Session:
    session = requests.Session()
    session.trust_env = False
    session.auth = _auth(settings)
    if settings.proxy:
        session.proxies = {"http": settings.proxy, "https": settings.proxy}
    adapter = HTTPAdapter(pool_connections=1, pool_maxsize=CONNECTIONS, max_retries=0)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


_sessions: collections.OrderedDict[Settings, requests.Session] = collections.OrderedDict()
_sessions_lock = threading.Lock()
_pid = os.getpid()


def session_for(settings: Settings) -> requests.Session:
    """The session of these settings (made on first use)."""
    global _pid
    evicted: list[requests.Session] = []
    with _sessions_lock:
        if _pid != os.getpid():  # forked: the parent's connections are not ours
            _sessions.clear()
            _pid = os.getpid()
        session = _sessions.get(settings)
        if session is None:
            session = _sessions[settings] = _session(settings)
        _sessions.move_to_end(settings)
        while len(_sessions) > MAX_SESSIONS:
            evicted.append(_sessions.popitem(last=False)[1])
    for old in evicted:
        old.close()
    return session
