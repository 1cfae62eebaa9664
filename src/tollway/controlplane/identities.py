"""IAM identities in the store, with IAM's rules, inside a transaction the caller owns
(``ControlPlane`` opens one per operation).

Rules matched: user names are unique regardless of case ("User with name X already
exists."), a missing one is "The user with name X cannot be found." (IAM's
EntityAlreadyExists / NoSuchEntity messages); access key ids are unique; the secret access
key is returned once, by create, and never appears in an error message.

Our decisions where AWS has no counterpart: a generated access key id is ``TWAY`` + 16
uppercase alphanumerics (20 characters, AWS's ``AKIA...`` shape; not ``AKIA`` so secret
scanners never mistake a tollway key for a real AWS one); a generated secret is 40 base64
characters (``[A-Za-z0-9/+]``, 30 random bytes), as AWS's are.
"""

from __future__ import annotations

import base64
import json
import secrets
import string
from collections.abc import Callable, Mapping
from typing import Any

from tollway.controlplane.errors import BadRequest, Conflict, NotFound
from tollway.formats.identities import identity_problem
from tollway.model.identity import Identity
from tollway.stores.base import StoreReader, StoreWriter

ACCESS_KEY_PREFIX = "TWAY"
_KEY_ID_ALPHABET = string.ascii_uppercase + string.digits
_KEY_ID_RANDOM = 16
_SECRET_BYTES = 30  # base64 of 30 bytes is 40 characters, no padding
_ATTEMPTS = 20


def generate_access_key_id() -> str:
    """``TWAY`` + 16 random uppercase letters and digits."""
    return ACCESS_KEY_PREFIX + "".join(secrets.choice(_KEY_ID_ALPHABET) for _ in range(_KEY_ID_RANDOM))


def generate_secret() -> str:
    """40 random base64 characters, the shape of an AWS secret access key."""
    return base64.b64encode(secrets.token_bytes(_SECRET_BYTES)).decode("ascii")


def policy_document(name: str, policy: object) -> dict[str, Any]:
    """A private copy of ``policy`` as plain JSON data (BadRequest if it is not a JSON
    object), so the stored identity shares nothing mutable with the caller."""
    if not isinstance(policy, Mapping):
        raise BadRequest(f"identity {name[:64]!r}: policy: the policy must be a JSON object")
    try:
        copied = json.loads(json.dumps(dict(policy), allow_nan=False))
    except (TypeError, ValueError) as exc:
        raise BadRequest(f"identity {name[:64]!r}: policy: the policy is not JSON data: {exc}") from None
    return dict(copied)


def identity_or_raise(reader: StoreReader, name: str) -> Identity:
    identity = reader.get_identity(name)
    if identity is None:
        raise NotFound(f"The user with name {name} cannot be found.")
    return identity


def put_identity(tx: StoreWriter, identity: Identity) -> Identity:
    """Check ``identity`` and store it, replacing the one with the same name (BadRequest
    naming the problem; Conflict on a name that differs only in case or a taken key id)."""
    problem = identity_problem(identity)
    if problem is not None:
        raise BadRequest(f"identity {identity.name[:64]!r}: {problem}")
    for other in tx.list_identities():
        if other.name == identity.name:
            continue
        if other.name.lower() == identity.name.lower():
            raise Conflict(f"User with name {identity.name} already exists.")
        if other.access_key_id == identity.access_key_id:
            raise Conflict(
                f"access key id {identity.access_key_id} is already used by identity {other.name!r}"
            )
    tx.put_identity(identity)
    return identity


def create_identity(tx: StoreWriter, identity: Identity) -> Identity:
    """Store a new identity; Conflict if one has its name (in any case)."""
    if tx.get_identity(identity.name) is not None:
        raise Conflict(f"User with name {identity.name} already exists.")
    return put_identity(tx, identity)


def new_access_key_id(reader: StoreReader, make: Callable[[], str] = generate_access_key_id) -> str:
    """A generated access key id no stored identity has."""
    taken = {identity.access_key_id for identity in reader.list_identities()}
    for _ in range(_ATTEMPTS):
        candidate = make()
        if candidate not in taken:
            return candidate
    raise RuntimeError(f"no unused access key id after {_ATTEMPTS} attempts")


def delete_identity(tx: StoreWriter, name: str) -> None:
    identity_or_raise(tx, name)
    tx.delete_identity(name)
