"""Deployment ids: random, in AWS's shape (lowercase alphanumeric, like ``a1b2c3``)."""

from __future__ import annotations

import re
import secrets

_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"
DEPLOYMENT_ID = re.compile(r"[a-z0-9]{6,10}")


def random_deployment_id() -> str:
    """A fresh 6-character deployment id."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(6))
