"""Signatures of queued jobs: only a holder of the app's secret makes jobs that workers run.

The allow-list of ``app.queue.guard`` keeps foreign functions out, but this
app's own job functions take plain values (a script's name, the caller's
user, app and role ids, a task id): a job of one of them forged in Redis
could run a saved script as any user. So ``producer.enqueue`` signs each
job: an HMAC-SHA256 of the job's id and its ``data`` (function and
arguments, the JSON bytes RQ stores), under a key derived from
``JWT_SECRET``, which every app server and worker shares and scripts never
see. The signature travels in the job's meta (``df_signature``); workers
refuse a job whose signature is missing or does not match.

What a signature cannot stop is a replay: a job copied from Redis and pushed
again under its own id runs the same call, for the same caller, once more.
Jobs queued before ``DF_JWT_SECRET`` changes (or by a version that did not
sign) are refused as unsigned.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

SIGNATURE_KEY = "df_signature"
"""Where a job's signature is kept in its meta."""

CONTEXT = b"dreamfactory-py queued job v1"
"""What the signing key is derived for, so it is never the JWT key itself."""


def signing_key(config: Any) -> bytes:
    """The key jobs are signed with, from the app's ``JWT_SECRET``."""
    return hmac.new(str(config["JWT_SECRET"]).encode(), CONTEXT, hashlib.sha256).digest()


def sign(key: bytes, job_id: str, data: bytes) -> str:
    """The signature of job ``job_id`` whose RQ ``data`` is ``data``."""
    return hmac.new(key, job_id.encode() + b"\0" + data, hashlib.sha256).hexdigest()


def verify(key: bytes, job_id: str, data: bytes, signature: Any) -> bool:
    """Whether ``signature`` is this job's (compared in constant time)."""
    if not isinstance(signature, str):
        return False
    expected = sign(key, job_id, data).encode()
    return hmac.compare_digest(expected, signature.encode("utf-8", "replace"))
