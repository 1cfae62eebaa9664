"""IAM identities that sign requests to ``AWS_IAM`` methods: an IAM user with one access key
and an identity-based policy (what the user may ``execute-api:Invoke``).

AWS's shapes (IAM API reference, ``User`` and ``AccessKey``): a user name is 1-64 characters
of ``[\\w+=,.@-]`` and names are not distinguished by case; an access key id is 16-128
characters of ``[\\w]`` (real ones are ``AKIA`` + 16 uppercase alphanumerics); a secret access
key is 40 characters of base64 (``[A-Za-z0-9/+]``) and is shown only when the key is created;
an account id is 12 digits. Only pure shape checks live here (no I/O, nothing of tollway
imported); the policy document is checked by ``tollway.formats.identities.policy_problem``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from tollway.model.account import ACCOUNT_ID

MAX_NAME = 64
MIN_KEY_ID, MAX_KEY_ID = 16, 128
MIN_SECRET, MAX_SECRET = 16, 128
NAME_PATTERN = re.compile(r"[A-Za-z0-9_+=,.@-]+")
KEY_ID_PATTERN = re.compile(r"[A-Za-z0-9_]+")
ACCOUNT_PATTERN = re.compile(r"[0-9]{12}")
_SECRET_CHARS = re.compile(r"[!-~]+")  # printable ASCII without spaces


@dataclass(frozen=True, slots=True)
class Identity:
    """An IAM user and its access key. ``secret_access_key`` is what SigV4 signs with, so
    the store keeps it; it never appears in ``repr``, logs or error messages."""

    name: str
    access_key_id: str
    secret_access_key: str = field(repr=False)
    account_id: str = ACCOUNT_ID
    policy: dict[str, Any] = field(default_factory=dict)
    """The identity-based IAM policy document (``{"Version": ..., "Statement": [...]}``)."""
    created_epoch: float = 0.0

    @property
    def user_arn(self) -> str:
        """``arn:aws:iam::{account}:user/{name}``, the caller API Gateway reports."""
        return f"arn:aws:iam::{self.account_id}:user/{self.name}"


def name_problem(name: str) -> str | None:
    """Why ``name`` cannot be an IAM user name, or None."""
    if not 1 <= len(name) <= MAX_NAME:
        return f"an identity name must be 1 to {MAX_NAME} characters long, not {len(name)}"
    if not NAME_PATTERN.fullmatch(name):
        return "an identity name may contain only letters, digits and + = , . @ _ - (as IAM user names)"
    return None


def access_key_id_problem(key_id: str) -> str | None:
    """Why ``key_id`` cannot be an access key id, or None (key ids are not secret)."""
    if not MIN_KEY_ID <= len(key_id) <= MAX_KEY_ID:
        return f"an access key id must be {MIN_KEY_ID} to {MAX_KEY_ID} characters long, not {len(key_id)}"
    if not KEY_ID_PATTERN.fullmatch(key_id):
        return f"access key id {key_id!r} may contain only letters, digits and _ (AWS's [\\w]+)"
    return None


def secret_problem(secret: str) -> str | None:
    """Why ``secret`` cannot be a secret access key, or None; never quotes it."""
    if not MIN_SECRET <= len(secret) <= MAX_SECRET:
        return f"a secret access key must be {MIN_SECRET} to {MAX_SECRET} characters long, not {len(secret)}"
    if not _SECRET_CHARS.fullmatch(secret):
        return "a secret access key must be printable ASCII characters without spaces"
    return None


def account_id_problem(account_id: str) -> str | None:
    if not ACCOUNT_PATTERN.fullmatch(account_id):
        return f"an account id must be 12 digits, not {account_id!r}"
    return None


def credentials_problem(identity: Identity) -> str | None:
    """The first problem of the identity's name, key id, secret or account, or None."""
    return (
        name_problem(identity.name)
        or access_key_id_problem(identity.access_key_id)
        or secret_problem(identity.secret_access_key)
        or account_id_problem(identity.account_id)
    )
