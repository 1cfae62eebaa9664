"""Stable identifiers in AWS's shapes, derived from names so that every process and every
re-import agrees on them without coordination."""

from __future__ import annotations

import hashlib

_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz"


def _encode(digest: bytes, length: int) -> str:
    number = int.from_bytes(digest, "big")
    out = []
    for _ in range(length):
        number, rem = divmod(number, 36)
        out.append(_ALPHABET[rem])
    return "".join(out)


def stable_id(*parts: str, length: int = 10) -> str:
    """A lowercase alphanumeric id (API ids are 10 characters, resource ids 6) from ``parts``."""
    digest = hashlib.sha256("\x1f".join(parts).encode()).digest()
    return _encode(digest, length)


def api_id(key: str) -> str:
    return stable_id("api", key)


def resource_id(api: str, path: str) -> str:
    return stable_id("resource", api, path, length=6)
