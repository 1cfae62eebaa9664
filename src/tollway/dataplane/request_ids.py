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
