"""Which SSH host keys a service trusts: the ``host_fingerprint`` setting, read and checked.

A server's host key is never accepted blindly: ``host_fingerprint`` names the
key (or keys) the service may talk to, one per line, in any of the forms an
admin is likely to have at hand:

- OpenSSH's fingerprint, ``SHA256:...`` (``ssh-keygen -l``, ``ssh``'s prompt);
- a hex digest with colons, as DreamFactory's SFTP service (flysystem) and
  older OpenSSH print them: MD5 (optionally ``MD5:``-prefixed), SHA-256 or
  SHA-512 of the key, told apart by their length;
- a public key or ``known_hosts`` line (``[host]:port ssh-ed25519 AAAA...``);
  host names and comments are ignored, the key itself is compared. Pasting the
  output of ``ssh-keyscan`` trusts each key the server has, whichever one the
  connection negotiates.

Blank lines and ``#`` comments are skipped. The module reads key bytes only,
so it needs no SSH library.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re

DIGESTS = {16: "md5", 32: "sha256", 64: "sha512"}
"""Digest byte lengths of the hex fingerprints we accept, and their algorithms."""

_HEX = re.compile(r"^(?:[0-9a-f]{2}:)+[0-9a-f]{2}$")
_KEY_TYPE = re.compile(r"^(?:ssh-|ecdsa-sha2-|sk-)[a-z0-9@.\-]+$")


def sha256_fingerprint(blob: bytes) -> str:
    """OpenSSH's fingerprint of a public key blob: ``SHA256:`` and unpadded base64."""
    return "SHA256:" + base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")


def _key_blob(tokens: list[str]) -> tuple[str, bytes] | None:
    """(key type, blob) of a public key or known_hosts line split in words."""
    for index, token in enumerate(tokens[:-1]):
        if _KEY_TYPE.match(token):
            try:
                return token, base64.b64decode(tokens[index + 1], validate=True)
            except (binascii.Error, ValueError):
                return None
    return None


def _matcher(line: str) -> tuple[str, bytes | str]:
    """How one line names a key: ("sha256", base64), ("hex", digest) or ("key", blob)."""
    if line.startswith("SHA256:"):
        return "sha256", line.removeprefix("SHA256:").rstrip("=")
    hexed = line.lower().removeprefix("md5:")
    if _HEX.match(hexed):
        digest = bytes.fromhex(hexed.replace(":", ""))
        if len(digest) in DIGESTS and (len(digest) == 16 or not line.lower().startswith("md5:")):
            return "hex", digest
    found = _key_blob(line.split())
    if found is not None:
        return "key", found[1]
    raise ValueError(
        f"'{line[:80]}' is neither a fingerprint (SHA256:..., or hex with colons) nor a "
        "public key or known_hosts line."
    )


def _lines(text: str) -> list[str]:
    return [s for s in (line.strip() for line in text.splitlines()) if s and s[0] != "#"]


def problem(text: str) -> str | None:
    """Why ``text`` is no valid ``host_fingerprint``, or None."""
    try:
        for line in _lines(text):
            _matcher(line)
    except ValueError as exc:
        return str(exc)
    return None


def trusted(text: str | None, blob: bytes) -> bool:
    """Whether ``host_fingerprint`` ``text`` names the server key ``blob``."""
    for line in _lines(text or ""):
        try:
            form, value = _matcher(line)
        except ValueError:
            continue
        if form == "sha256":
            expected = sha256_fingerprint(blob).removeprefix("SHA256:")
            if hmac.compare_digest(str(value), expected):
                return True
        elif form == "hex":
            digest = hashlib.new(DIGESTS[len(value)], blob).digest()
            if hmac.compare_digest(value, digest):  # type: ignore[arg-type]
                return True
        elif value == blob:
            return True
    return False
