"""An API's authorizers, compiled once per deployment: identity sources parsed, the
validation expression compiled, the function to invoke or the user pools to trust.
(How each method uses them is ``methods``.)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from tollway.errors import DefinitionError
from tollway.functions.runtime.arn import function_from_uri
from tollway.model.api import Authorizer, RestApi

AuthorizerType = Literal["TOKEN", "REQUEST", "COGNITO_USER_POOLS"]
AUTHORIZER_TYPES: tuple[AuthorizerType, ...] = ("TOKEN", "REQUEST", "COGNITO_USER_POOLS")

MAX_TTL_SECONDS = 3600
"""AWS: authorizerResultTtlInSeconds is 0 to 3600."""

_SOURCE = re.compile(
    r"^(?:method\.request\.(?P<where>header|querystring|multivalueheader|multivaluequerystring)\.(?P<name>.+)"
    r"|stageVariables\.(?P<variable>.+)|context\.(?P<context>.+))$"
)


@dataclass(frozen=True, slots=True)
class IdentitySource:
    """One place a Lambda authorizer reads its identity from.

    ``where`` is ``header``, ``querystring``, ``multivalueheader``, ``multivaluequerystring``,
    ``stageVariables`` or ``context``; ``name`` is lower-cased for headers.
    """

    where: str
    name: str


@dataclass(frozen=True, slots=True)
class CompiledAuthorizer:
    id: str
    name: str
    type: AuthorizerType
    function: str | None
    """``NAME`` or ``NAME:QUALIFIER`` of a Lambda authorizer; None for user pools."""
    sources: tuple[IdentitySource, ...]
    validation: re.Pattern[str] | None
    ttl_seconds: int
    provider_arns: tuple[str, ...]


def compile_authorizers(api: RestApi, source: str) -> dict[str, CompiledAuthorizer]:
    """Every authorizer of ``api`` by id; a bad one raises DefinitionError naming it."""
    return {authorizer.id: _compile(authorizer, source) for authorizer in api.authorizers}


def _compile(authorizer: Authorizer, source: str) -> CompiledAuthorizer:
    where = f"authorizer {authorizer.name!r}"
    kind = next((t for t in AUTHORIZER_TYPES if t == authorizer.type.upper()), None)
    if kind is None:
        raise DefinitionError(source, where, f"unknown authorizer type {authorizer.type!r}")
    ttl = authorizer.result_ttl_seconds
    if not 0 <= ttl <= MAX_TTL_SECONDS:
        raise DefinitionError(source, where, f"authorizerResultTtlInSeconds must be 0 to 3600, not {ttl}")
    function = None
    if kind != "COGNITO_USER_POOLS":
        ref = function_from_uri(authorizer.authorizer_uri or "")
        if ref is None:
            raise DefinitionError(
                source, where, f"not a Lambda authorizer URI: {authorizer.authorizer_uri!r}"
            )
        function = str(ref)
    elif not authorizer.provider_arns:
        raise DefinitionError(source, where, "a COGNITO_USER_POOLS authorizer needs providerARNs")
    sources = _sources(authorizer.identity_source, kind, source, where)
    if kind == "TOKEN" and (len(sources) != 1 or sources[0].where != "header"):
        raise DefinitionError(source, where, "a TOKEN authorizer reads exactly one header (identitySource)")
    if kind == "REQUEST" and ttl > 0 and not sources:
        raise DefinitionError(source, where, "a REQUEST authorizer with caching needs identity sources")
    validation = None
    if authorizer.identity_validation_expression:
        try:
            validation = re.compile(authorizer.identity_validation_expression)
        except re.error as exc:
            raise DefinitionError(source, where, f"bad identityValidationExpression: {exc}") from None
    return CompiledAuthorizer(
        authorizer.id,
        authorizer.name,
        kind,
        function,
        sources,
        validation,
        ttl,
        tuple(authorizer.provider_arns),
    )


def _sources(text: str | None, kind: str, source: str, where: str) -> tuple[IdentitySource, ...]:
    if not text:
        if kind == "COGNITO_USER_POOLS":
            return (IdentitySource("header", "authorization"),)
        return ()
    found = []
    for part in text.split(","):
        match = _SOURCE.match(part.strip())
        if match is None:
            raise DefinitionError(source, where, f"bad identity source {part.strip()!r}")
        if match["where"]:
            lowered = match["where"] in ("header", "multivalueheader")
            found.append(IdentitySource(match["where"], match["name"].lower() if lowered else match["name"]))
        elif match["variable"]:
            found.append(IdentitySource("stageVariables", match["variable"]))
        else:
            found.append(IdentitySource("context", match["context"]))
    return tuple(found)
