"""The ``--identities FILE`` format, and what a valid identity-based policy document is.

The file is a YAML or JSON list of identities, for local development and tests::

    - name: alice
      accessKeyId: TWAYEXAMPLE0000000001
      secretAccessKey: wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
      accountId: "123456789012"        # optional, tollway's account by default
      policy:                          # an object, or its JSON text
        Version: "2012-10-17"
        Statement:
          - {Effect: Allow, Action: execute-api:Invoke, Resource: "arn:aws:execute-api:*"}

Every problem is a ``DefinitionError`` naming the file and the place as a JSON pointer
(``/1/accessKeyId``; syntax errors give the line), and never quotes a secret. Names are
unique regardless of case (IAM: "names are not distinguished by case"), access key ids
unique exactly. Unknown fields are refused so a misspelt one is not silently ignored.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tollway.auth.policy import PolicyError, compile_policy
from tollway.errors import DefinitionError
from tollway.formats.yamlio import load_file
from tollway.model.account import ACCOUNT_ID
from tollway.model.identity import (
    Identity,
    access_key_id_problem,
    account_id_problem,
    credentials_problem,
    name_problem,
    secret_problem,
)

FIELDS = ("name", "accessKeyId", "secretAccessKey", "accountId", "policy")
REQUIRED = ("name", "accessKeyId", "secretAccessKey", "policy")
_SHORT_FORM = "execute-api:/"


def policy_problem(document: object) -> str | None:
    """Why ``document`` cannot be an identity-based policy, or None.

    IAM refuses a ``Principal`` in an identity policy ("Policy document should not specify a
    principal"); the resource-policy short form ``execute-api:/...`` has no API to expand to,
    so identity policies need full ARNs. The rest is ``tollway.auth.policy.compile_policy``'s
    check, the one the data plane runs."""
    if not isinstance(document, Mapping):
        return "the policy must be a JSON object"
    if "Statement" not in document:
        return "the policy has no Statement"
    raw = document["Statement"]
    statements = [raw] if isinstance(raw, Mapping) else raw
    if not isinstance(statements, list):
        return "the policy's Statement must be an object or a list of objects"
    if not statements:
        return "the policy's Statement is empty (it would allow nothing)"
    for index, statement in enumerate(statements):
        if not isinstance(statement, Mapping):
            continue  # compile_policy names it
        if "Principal" in statement or "NotPrincipal" in statement:
            return f"Statement[{index}]: an identity policy should not specify a principal"
        resources = statement.get("Resource", statement.get("NotResource"))
        if not isinstance(resources, str | list):
            continue  # compile_policy names it
        for resource in [resources] if isinstance(resources, str) else resources:
            if isinstance(resource, str) and resource.startswith(_SHORT_FORM):
                return (
                    f"Statement[{index}]: Resource {resource!r} is the resource-policy short form; "
                    "an identity policy needs full ARNs "
                    "(arn:aws:execute-api:REGION:ACCOUNT:API_ID/STAGE/VERB/PATH)"
                )
    try:
        compile_policy(document)
    except PolicyError as exc:
        return str(exc)
    return None


def identity_problem(identity: Identity) -> str | None:
    """The first problem of an identity (credentials, then policy), or None; never quotes
    the secret."""
    problem = credentials_problem(identity)
    if problem is None and (policy := policy_problem(identity.policy)) is not None:
        problem = f"policy: {policy}"
    return problem


def load_identities_file(path: str | Path, *, now: float = 0.0) -> list[Identity]:
    """Read and check an identities file; ``now`` becomes each identity's ``created_epoch``."""
    return parse_identities(load_file(path), str(path), now=now)


def parse_identities(data: Any, source: str, *, now: float = 0.0) -> list[Identity]:
    """The identities of an already-parsed file (see the module docstring)."""
    if not isinstance(data, list):
        raise DefinitionError(source, "", "expected a list of identities ({name, accessKeyId, ...})")
    identities: list[Identity] = []
    names: dict[str, int] = {}
    key_ids: dict[str, int] = {}
    for index, item in enumerate(data):
        identity = _identity(item, source, f"/{index}", now)
        folded = identity.name.lower()
        if folded in names:
            raise DefinitionError(
                source, f"/{index}/name", f"identity {identity.name!r} is already defined at /{names[folded]}"
            )
        first = key_ids.get(identity.access_key_id)
        if first is not None:
            raise DefinitionError(
                source,
                f"/{index}/accessKeyId",
                f"access key id {identity.access_key_id!r} is already used at /{first}",
            )
        names[folded], key_ids[identity.access_key_id] = index, index
        identities.append(identity)
    return identities


def _identity(item: Any, source: str, where: str, now: float) -> Identity:
    if not isinstance(item, Mapping):
        raise DefinitionError(source, where, "an identity must be an object with name, accessKeyId, ...")
    unknown = [str(k) for k in item if k not in FIELDS]
    if unknown:
        raise DefinitionError(
            source, f"{where}/{unknown[0]}", f"unknown field (expected {', '.join(FIELDS)})"
        )
    missing = [name for name in REQUIRED if name not in item]
    if missing:
        raise DefinitionError(source, where, f"missing {', '.join(missing)}")
    for name in FIELDS[:4]:
        if name in item and not isinstance(item[name], str):
            hint = " (quote it in YAML)" if name == "accountId" else ""
            raise DefinitionError(source, f"{where}/{name}", f"must be a string{hint}")
    account_id = item.get("accountId", ACCOUNT_ID)
    policy = _policy(item["policy"], source, f"{where}/policy")
    checks = (
        ("name", name_problem(item["name"])),
        ("accessKeyId", access_key_id_problem(item["accessKeyId"])),
        ("secretAccessKey", secret_problem(item["secretAccessKey"])),
        ("accountId", account_id_problem(account_id)),
        ("policy", policy_problem(policy)),
    )
    for field_name, problem in checks:
        if problem is not None:
            raise DefinitionError(source, f"{where}/{field_name}", problem)
    return Identity(item["name"], item["accessKeyId"], item["secretAccessKey"], account_id, policy, now)


def _policy(value: Any, source: str, where: str) -> dict[str, Any]:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError as exc:
            raise DefinitionError(source, where, f"the policy is not valid JSON: {exc.msg}") from None
    if not isinstance(value, Mapping):
        raise DefinitionError(source, where, "the policy must be an object (or its JSON text)")
    try:  # plain JSON data, as the store keeps it
        return dict(json.loads(json.dumps(dict(value), allow_nan=False)))
    except (TypeError, ValueError) as exc:
        raise DefinitionError(source, where, f"the policy is not JSON data: {exc}") from None
