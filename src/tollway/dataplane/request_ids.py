"""Request ids in AWS's shapes, made without a system call per request.

``x-amzn-RequestId`` is a version-4 UUID; ``x-amz-apigw-id`` (``$context.extendedRequestId``)
is 16 characters of base64. Ids only need to be unique, not secret, so a per-process PRNG
(seeded from the OS, reseeded after fork) replaces ``uuid4()``'s ``os.urandom`` call.
"""

from __future__ import annotations

import base64
import os
import random

_random = random.Random()
os.register_at_fork(after_in_child=_random.seed)

_VERSION_4 = (0x4 << 76) | (0x8 << 60)
_CLEAR = ~((0xF << 76) | (0xC << 60))


def request_id() -> str:
    """A random RFC 4122 version-4 UUID string."""
    value = (_random.getrandbits(128) & _CLEAR) | _VERSION_4
    h = f"{value:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def extended_request_id() -> str:
    """16 base64 characters ending in ``=``, like ``Fx1abCdEfGhIjKA=``."""
    return base64.b64encode(_random.getrandbits(88).to_bytes(11, "big")).decode()[:15] + "="


def trace_id(incoming: str | None, epoch_s: int) -> str:
    """The ``X-Amzn-Trace-Id`` of a request that arrived with ``incoming`` (or none).

    As recorded against AWS (``test_apigateway_common.py::test_invocation_trace_id``): a
    client's ``Root=...;Parent=...`` comes back as sent; a ``Root`` alone gets a new
    ``Parent``; without a ``Root`` the trace is new, ``Root=1-{8 hex epoch}-{24 hex}`` (X-Ray's
    format). ``Sampled=0`` unless the client said otherwise: tollway sends no segments.
    """
    if incoming:
        fields = {}
        for part in incoming.split(";"):
            key, _, value = part.partition("=")
            fields[key.strip().lower()] = value.strip()
        root = fields.get("root")
        if root:
            if fields.get("parent"):
                return incoming.strip()
            return f"Root={root};Parent={_random.getrandbits(64):016x};Sampled={fields.get('sampled') or '0'}"
    bits = _random.randbytes(20).hex()  # one draw: the root's 96 bits and the parent's 64
    return f"Root=1-{epoch_s & 0xFFFFFFFF:08x}-{bits[:24]};Parent={bits[24:]};Sampled=0"
