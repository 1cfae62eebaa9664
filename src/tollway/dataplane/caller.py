"""Who is calling, as a request's checks establish it: ``$context.identity`` (``CallerIdentity``)
and ``$context.authorizer`` (``AuthorizerContext``).

Both are immutable and built when what they describe is known, not per request: a signer's
identity with the world's IAM identities, an API key's with the world's keys, an authorizer's
context with its (cached) answer. A request only points at them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any


@dataclass(frozen=True, slots=True)
class CallerIdentity:
    """The ``$context.identity`` values a request's checks established; None where none did.
    ``sourceIp`` and ``userAgent`` come from the request itself, the ``cognito*`` and
    ``principalOrgId`` values are null for every REST API caller tollway serves."""

    access_key: str | None = None
    """``accessKey``, and ``caller`` and ``user`` too (API Gateway reports an IAM user by its
    access key id there): the access key id that signed the request (``AWS_IAM``)."""
    account_id: str | None = None
    """``accountId``: the signer's account."""
    user_arn: str | None = None
    """``userArn``: ``arn:aws:iam::{account}:user/{name}``."""
    api_key: str | None = None
    """``apiKey``: the key a method with ``apiKeyRequired`` was called with (``api_key``)."""
    api_key_id: str | None = None
    """``apiKeyId``: that key's id."""

    @classmethod
    def signer(cls, access_key_id: str, account_id: str, user_arn: str) -> CallerIdentity:
        """The identity of a request signed (SigV4) with ``access_key_id``."""
        return cls(access_key_id, account_id, user_arn)

    @classmethod
    def key_holder(cls, value: str, key_id: str) -> CallerIdentity:
        """The identity of an unsigned request that carries the API key ``key_id``."""
        return cls(api_key=value, api_key_id=key_id)

    def with_api_key(self, key: CallerIdentity) -> CallerIdentity:
        """This identity with the API key of ``key`` (a signed request that carries a key)."""
        return replace(self, api_key=key.api_key, api_key_id=key.api_key_id)

    def signer_fields(self) -> dict[str, str]:
        """The signer's values under their ``$context.identity`` names (what a Lambda proxy
        event's ``identity`` adds to its request values); empty for an unsigned request."""
        if self.access_key is None:
            return {}
        assert self.account_id is not None and self.user_arn is not None
        return {
            "accessKey": self.access_key,
            "accountId": self.account_id,
            "caller": self.access_key,
            "user": self.access_key,
            "userArn": self.user_arn,
        }


ANONYMOUS = CallerIdentity()
"""A caller no check has identified (every request starts so)."""


@dataclass(frozen=True, slots=True)
class AuthorizerContext:
    """``$context.authorizer`` of a request an authorizer admitted: a Lambda authorizer's
    ``principalId`` and ``context`` map, or a user pool token's claims."""

    principal_id: str | None = None
    """``principalId`` of a Lambda authorizer's answer."""
    context: Mapping[str, str] = field(default_factory=dict)
    """The Lambda authorizer's ``context`` map, every value a string."""
    claims: Mapping[str, str] | None = None
    """A user pool token's claims as strings (``COGNITO_USER_POOLS``; an HTTP API's ``jwt``),
    or the signer's values (an HTTP API's ``iam``)."""
    kind: str = ""
    """How an HTTP API route authorized: ``jwt``, ``lambda`` or ``iam``; "" for REST APIs."""
    scopes: tuple[str, ...] | list[str] | None = None
    """The JWT's scopes (``jwt``), or None when it has none."""

    def value(self, name: str) -> str | None:
        """``$context.authorizer.NAME`` of an HTTP API mapping or identity source
        (``claims.sub``, ``lambda.key``, ``iam.userArn``)."""
        kind, _, key = name.partition(".")
        if kind == "claims" or kind == self.kind == "iam":
            return (self.claims or {}).get(key)
        if kind == "lambda":
            return self.context.get(key)
        return self.context.get(name)

    def v2_dict(self) -> dict[str, Any]:
        """``requestContext.authorizer`` of a payload 2.0 event: ``{"jwt": {"claims", "scopes"}}``,
        ``{"lambda": context}`` or ``{"iam": {...}}``."""
        if self.kind == "jwt":
            scopes = list(self.scopes) if self.scopes is not None else None
            return {"jwt": {"claims": dict(self.claims or {}), "scopes": scopes}}
        if self.kind == "iam":
            return {"iam": dict(self.claims or {})}
        return {"lambda": dict(self.context)}

    def as_dict(self) -> dict[str, Any]:
        """``$context.authorizer`` and a Lambda proxy event's ``requestContext.authorizer``:
        ``{**context, "principalId": ...}`` or ``{"claims": {...}}``; a new dict per call."""
        if self.claims is not None:
            return {"claims": self.claims}
        return {**self.context, "principalId": self.principal_id}
