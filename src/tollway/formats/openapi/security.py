"""Security schemes: API keys, IAM (SigV4) and Lambda/Cognito authorizers, both ways.

AWS reads only ``apiKey`` schemes for REST APIs: one named in header ``x-api-key`` marks
"API key required"; ``x-amazon-apigateway-authtype: awsSigv4`` means IAM; one carrying
``x-amazon-apigateway-authorizer`` is an authorizer. Root-level ``security`` is ignored
for REST APIs (api-gateway-known-issues), so only operation-level ``security`` counts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tollway.formats.openapi.common import (
    Where,
    as_mapping,
    as_str,
    opt_int,
    opt_mapping,
    opt_str,
    str_list,
    upper_choice,
)
from tollway.model.api import Authorizer, Method

AUTHORIZER_EXT = "x-amazon-apigateway-authorizer"
AUTHTYPE_EXT = "x-amazon-apigateway-authtype"
AUTH_EXT = "x-amazon-apigateway-auth"
AUTHORIZER_TYPES = ("TOKEN", "REQUEST", "COGNITO_USER_POOLS")
API_KEY_HEADER = "x-api-key"
_DEFAULT_AUTHTYPE = {"TOKEN": "custom", "REQUEST": "custom", "COGNITO_USER_POOLS": "cognito_user_pools"}
_METHOD_AUTH = {"TOKEN": "CUSTOM", "REQUEST": "CUSTOM", "COGNITO_USER_POOLS": "COGNITO_USER_POOLS"}


@dataclass(frozen=True, slots=True)
class Scheme:
    """What one security scheme means to API Gateway."""

    kind: str  # "api_key", "iam", "authorizer" or "ignored"
    authorizer: Authorizer | None = None


@dataclass(frozen=True, slots=True)
class MethodAuth:
    authorization_type: str = "NONE"
    authorizer_id: str | None = None
    scopes: tuple[str, ...] = ()
    api_key_required: bool = False


def read_schemes(schemes: Mapping[str, Any], where: Where) -> dict[str, Scheme]:
    """Classify every scheme of ``securitySchemes`` / ``securityDefinitions``."""
    return {str(name): _read_scheme(str(name), value, where.at(str(name))) for name, value in schemes.items()}


def _read_scheme(name: str, value: Any, where: Where) -> Scheme:
    obj = as_mapping(value, where)
    authtype = opt_str(obj, AUTHTYPE_EXT, where)
    if AUTHORIZER_EXT in obj:
        return Scheme("authorizer", _read_authorizer(name, obj, authtype, where))
    if authtype is not None and authtype.lower() == "awssigv4":
        return Scheme("iam")
    header = opt_str(obj, "name", where) or ""
    if obj.get("type") == "apiKey" and obj.get("in") == "header" and header.lower() == API_KEY_HEADER:
        return Scheme("api_key")
    return Scheme("ignored")


def _read_authorizer(name: str, scheme: Mapping[str, Any], authtype: str | None, where: Where) -> Authorizer:
    place = where.at(AUTHORIZER_EXT)
    obj = as_mapping(scheme[AUTHORIZER_EXT], place)
    kind = upper_choice(opt_str(obj, "type", place) or "token", AUTHORIZER_TYPES, place.at("type"), "type")
    identity = opt_str(obj, "identitySource", place)
    header = opt_str(scheme, "name", where)
    if identity is None and kind != "REQUEST" and header:
        # A TOKEN/Cognito authorizer reads the header the scheme names.
        identity = f"method.request.header.{header}"
    ttl = opt_int(obj, "authorizerResultTtlInSeconds", place)
    return Authorizer(
        id=name,
        name=name,
        type=kind,
        authorizer_uri=opt_str(obj, "authorizerUri", place),
        identity_source=identity,
        identity_validation_expression=opt_str(obj, "identityValidationExpression", place),
        provider_arns=str_list(obj, "providerARNs", place),
        result_ttl_seconds=300 if ttl is None else ttl,
        auth_type=authtype or _DEFAULT_AUTHTYPE[kind],
        credentials=opt_str(obj, "authorizerCredentials", place),
    )


def read_method_auth(op: Mapping[str, Any], schemes: Mapping[str, Scheme], where: Where) -> MethodAuth:
    """The authorization of one operation, from its ``security`` and ``x-amazon-apigateway-auth``."""
    auth = MethodAuth()
    requirements = op.get("security") or []
    if not isinstance(requirements, list):
        raise where.at("security").error("expected a list of security requirements")
    for index, requirement in enumerate(requirements):
        place = where.at("security", index)
        for name, scopes in as_mapping(requirement, place).items():
            scheme = schemes.get(str(name))
            if scheme is None:
                raise place.at(str(name)).error(f"security scheme {name!r} is not defined")
            auth = _apply(auth, scheme, _scopes(scopes, place.at(str(name))))
    if AUTH_EXT in op:
        place = where.at(AUTH_EXT)
        kind = opt_str(as_mapping(op[AUTH_EXT], place), "type", place) or "NONE"
        auth = MethodAuth(
            authorization_type=upper_choice(kind, ("NONE", "AWS_IAM"), place.at("type"), "auth type"),
            api_key_required=auth.api_key_required,
        )
    return auth


def _scopes(value: Any, where: Where) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise where.error("expected a list of scopes")
    return tuple(as_str(item, where.at(index)) for index, item in enumerate(value))


def _apply(auth: MethodAuth, scheme: Scheme, scopes: tuple[str, ...]) -> MethodAuth:
    if scheme.kind == "api_key":
        return MethodAuth(auth.authorization_type, auth.authorizer_id, auth.scopes, True)
    if scheme.kind == "iam":
        return MethodAuth("AWS_IAM", None, (), auth.api_key_required)
    if scheme.authorizer is not None:
        kind = _METHOD_AUTH[scheme.authorizer.type]
        return MethodAuth(kind, scheme.authorizer.id, scopes, auth.api_key_required)
    return auth


def api_key_scheme_name(authorizers: tuple[Authorizer, ...]) -> str:
    """``api_key`` (AWS's export name) unless an authorizer already took it."""
    taken = {a.name for a in authorizers}
    return "api_key" if "api_key" not in taken else "x-api-key"


def write_schemes(authorizers: tuple[Authorizer, ...], with_api_key: bool) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if with_api_key:
        out[api_key_scheme_name(authorizers)] = {"type": "apiKey", "name": API_KEY_HEADER, "in": "header"}
    for authorizer in authorizers:
        out[authorizer.name] = _write_authorizer(authorizer)
    return out


def _write_authorizer(authorizer: Authorizer) -> dict[str, Any]:
    prefix = "method.request.header."
    source = authorizer.identity_source or ""
    header = source[len(prefix) :] if source.startswith(prefix) and "," not in source else "Unused"
    body: dict[str, Any] = {"type": authorizer.type.lower()}
    optional: dict[str, Any] = {
        "authorizerUri": authorizer.authorizer_uri,
        "authorizerCredentials": authorizer.credentials,
        "identitySource": authorizer.identity_source,
        "identityValidationExpression": authorizer.identity_validation_expression,
        "providerARNs": list(authorizer.provider_arns),
    }
    body.update({key: value for key, value in optional.items() if value})
    body["authorizerResultTtlInSeconds"] = authorizer.result_ttl_seconds
    return {
        "type": "apiKey",
        "name": header,
        "in": "header",
        AUTHTYPE_EXT: authorizer.auth_type or _DEFAULT_AUTHTYPE.get(authorizer.type, "custom"),
        AUTHORIZER_EXT: body,
    }


def write_method_auth(method: Method, authorizers: tuple[Authorizer, ...]) -> dict[str, Any]:
    """Operation keys (``security`` / ``x-amazon-apigateway-auth``) for ``method``."""
    out: dict[str, Any] = {}
    requirement: dict[str, list[str]] = {}
    if method.api_key_required:
        requirement[api_key_scheme_name(authorizers)] = []
    names = {a.id: a.name for a in authorizers}
    if method.authorizer_id is not None and method.authorizer_id in names:
        requirement[names[method.authorizer_id]] = list(method.authorization_scopes)
    if requirement:
        out["security"] = [requirement]
    if method.authorization_type == "AWS_IAM":
        out[AUTH_EXT] = {"type": "AWS_IAM"}
    return out


def operation_schemes(doc: Mapping[str, Any], oas3: bool, where: Where) -> dict[str, Scheme]:
    """Read the document's schemes from ``components.securitySchemes`` or ``securityDefinitions``."""
    if oas3:
        components = opt_mapping(doc, "components", where)
        return read_schemes(
            opt_mapping(components, "securitySchemes", where.at("components")),
            where.at("components", "securitySchemes"),
        )
    return read_schemes(opt_mapping(doc, "securityDefinitions", where), where.at("securityDefinitions"))
