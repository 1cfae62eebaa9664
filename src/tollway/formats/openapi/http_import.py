"""OpenAPI 3.0 (and Swagger 2.0) documents of HTTP APIs (API Gateway v2) -> ``HttpApi``.

Matches what API Gateway's HTTP API import (``ImportApi``) builds:

- every operation of ``paths`` is a route ``METHOD /path``; ``x-amazon-apigateway-any-method``
  is ``ANY``; the path ``$default`` (or ``/$default``, as SAM rewrites it) with
  ``x-amazon-apigateway-any-method`` is the ``$default`` route;
- ``x-amazon-apigateway-integration`` (inline, or a ``$ref`` to
  ``#/components/x-amazon-apigateway-integrations/NAME``) becomes the route's integration:
  ``type`` ``aws_proxy`` / ``http_proxy`` (any case), ``uri``, ``httpMethod``,
  ``payloadFormatVersion``, ``connectionType``, ``connectionId``, ``timeoutInMillis``,
  ``requestParameters`` and ``responseParameters`` (``{status: {mapping: value}}``);
- ``security`` names the route's authorizer and scopes (operation-level, else the
  document-level default; ``[]`` or SAM's undefined ``NONE`` scheme means none); a
  ``components.securitySchemes`` entry carrying ``x-amazon-apigateway-authorizer`` is a
  ``jwt`` or ``request`` (Lambda) authorizer, and one with
  ``x-amazon-apigateway-authtype: awsSigv4`` means IAM authorization;
- ``x-amazon-apigateway-cors`` is the API's CORS configuration;
  ``x-amazon-apigateway-endpoint-configuration.disableExecuteApiEndpoint`` is read;
  ``x-amazon-apigateway-importexport-version`` and the REST-only extensions are ignored.

Routes come out sorted by route key, integrations and authorizers by id (``canonical``):
order means nothing in an HTTP API, and so two imports of the same API compare equal.
Every integration of ``x-amazon-apigateway-integrations`` is imported, used or not.

Ids, decided here: an integration named in ``x-amazon-apigateway-integrations`` has that
name as its id; an inline one gets a 7-character id hashed from its content, so routes
with the same integration share it. An authorizer's id is ``authorizer_id(name)`` (the
scheme name), which is also what a ``Ref`` of an ``AWS::ApiGatewayV2::Authorizer``
resolves to, so both ways of declaring one agree.

AWS service integrations (``integrationSubtype``: SQS, EventBridge, Step Functions,
Kinesis, AppConfig) are not served yet: their routes are kept, with no integration (AWS
answers a route without an integration with 500 ``{"message":"Internal Server Error"}``),
and named in one warning. An integration type HTTP APIs do not have (``aws``, ``http``,
``mock``) is an error, as AWS refuses it.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from typing import Any

from tollway.formats.openapi.common import (
    OPERATION_KEYS,
    Where,
    as_mapping,
    as_str,
    opt_bool,
    opt_int,
    opt_mapping,
    opt_str,
    str_list,
    str_map,
    upper_choice,
)
from tollway.model import ids
from tollway.model.api import HTTP_METHODS
from tollway.model.http_api import (
    DEFAULT_ROUTE,
    HTTP_INTEGRATION_TYPES,
    MAX_TIMEOUT_MS,
    PAYLOAD_VERSIONS,
    CorsConfiguration,
    HttpApi,
    HttpAuthorizer,
    HttpIntegration,
    HttpRoute,
)

INTEGRATION = "x-amazon-apigateway-integration"
INTEGRATIONS = "x-amazon-apigateway-integrations"
INTEGRATIONS_REF = f"#/components/{INTEGRATIONS}/"
AUTHORIZER = "x-amazon-apigateway-authorizer"
AUTHTYPE = "x-amazon-apigateway-authtype"
CORS = "x-amazon-apigateway-cors"
ENDPOINT = "x-amazon-apigateway-endpoint-configuration"
IMPORTEXPORT_VERSION = "x-amazon-apigateway-importexport-version"
CONNECTION_TYPES = ("INTERNET", "VPC_LINK")
AUTHORIZER_TYPES = ("JWT", "REQUEST")
MIN_TIMEOUT_MS = 50
_DEFAULT_PATHS = ("$default", "/$default")
"""The ``$default`` route's path; SAM writes it as ``/$default`` when it edits a body."""
NONE_SCHEME = "NONE"
"""SAM writes ``security: [{NONE: []}]`` for ``Auth.Authorizer: NONE`` and never defines it."""


def authorizer_id(name: str) -> str:
    """The id of the authorizer named ``name`` in its API (6 characters, as AWS's)."""
    return ids.stable_id("http-authorizer", name, length=6)


def integration_id(content: Mapping[str, Any]) -> str:
    """The id of an inline integration: a hash of what it says (7 characters, as AWS's)."""
    text = json.dumps(content, sort_keys=True, default=str)
    return ids.stable_id("http-integration", text, length=7)


def normalise_route_key(text: str, where: Where) -> str:
    """A route key as AWS stores it: ``$default``, or ``METHOD /path`` with the method
    upper-case (``ANY`` included)."""
    key = text.strip()
    if key == DEFAULT_ROUTE:
        return key
    method, _, path = key.partition(" ")
    method = method.upper()
    path = path.strip()
    if method not in (*HTTP_METHODS, "ANY") or not path.startswith("/"):
        raise where.error(
            f"route key {text!r} must be $default or 'METHOD /path' "
            f"(METHOD: {', '.join(HTTP_METHODS)} or ANY)"
        )
    return f"{method} {path}"


def http_api_from_openapi(
    doc: Mapping[str, Any], *, source: str, pointer: str = "", warnings: list[str] | None = None
) -> HttpApi:
    """Build an ``HttpApi`` (``id=""``) from a parsed OpenAPI document of an HTTP API.

    ``source`` names the file and ``pointer`` is where ``doc`` sits in it: every
    ``DefinitionError`` carries the exact JSON pointer of the bad value. What is imported
    without being served (AWS service integrations) is named in one entry appended to
    ``warnings``.
    """
    root = Where(source, pointer)
    if not isinstance(doc, Mapping):
        raise root.error("not an OpenAPI document: expected an object")
    _check_version(doc, root)
    if doc.get("paths") is None:
        raise root.at("paths").error("missing 'paths': an OpenAPI document must list its paths")
    paths = as_mapping(doc["paths"], root.at("paths"))
    info = opt_mapping(doc, "info", root)
    reader = _Reader(doc, root)
    routes = reader.routes(paths)
    if reader.unserved and warnings is not None:
        listed = ", ".join(reader.unserved)
        warnings.append(
            f"{source}: {pointer + ': ' if pointer else ''}AWS service integrations (integrationSubtype) "
            f"are not served yet; these routes have no integration and answer 500: {listed}"
        )
    for name, value in reader.shared.items():
        # Declared and used by no route: AWS creates it all the same (and export keeps it).
        if str(name) not in reader.integrations:
            found = read_integration(str(name), value, root.at("components", INTEGRATIONS, str(name)))
            if found is not None:
                reader.integrations[found.id] = found
    endpoint = opt_mapping(doc, ENDPOINT, root)
    return canonical(
        HttpApi(
            id="",
            name=opt_str(info, "title", root.at("info")) or "api",
            description=opt_str(info, "description", root.at("info")),
            version=opt_str(info, "version", root.at("info")),
            routes=routes,
            integrations=tuple(reader.integrations.values()),
            authorizers=tuple(reader.authorizers.values()),
            cors=read_cors(doc.get(CORS), root.at(CORS)),
            disable_execute_api_endpoint=bool(
                opt_bool(endpoint, "disableExecuteApiEndpoint", root.at(ENDPOINT))
            ),
        )
    )


def canonical(api: HttpApi) -> HttpApi:
    """``api`` with routes sorted by route key, integrations and authorizers by id.

    Order means nothing in an HTTP API (a request goes to its most specific route), so
    every importer returns this one order, and what two imports build compares equal.
    """
    return dataclasses.replace(
        api,
        routes=tuple(sorted(api.routes, key=lambda r: r.route_key)),
        integrations=tuple(sorted(api.integrations, key=lambda i: i.id)),
        authorizers=tuple(sorted(api.authorizers, key=lambda a: a.id)),
    )


def _check_version(doc: Mapping[str, Any], where: Where) -> None:
    if "openapi" in doc:
        version = str(doc["openapi"])
        if not version.startswith("3."):
            raise where.at("openapi").error(f"unsupported OpenAPI version {version!r}; expected 3.0.x")
        return
    if "swagger" in doc:
        version = str(doc["swagger"])
        if version not in ("2.0", "2"):
            raise where.at("swagger").error(f"unsupported Swagger version {version!r}; expected 2.0")
        return
    raise where.error("not an OpenAPI 3.0 or Swagger 2.0 document: no 'openapi' or 'swagger' field")


class _Reader:
    """Reads routes, collecting the integrations and authorizers they use."""

    def __init__(self, doc: Mapping[str, Any], root: Where) -> None:
        self.doc = doc
        self.root = root
        self.integrations: dict[str, HttpIntegration] = {}
        self.unserved: list[str] = []
        components = opt_mapping(doc, "components", root)
        self.shared = opt_mapping(components, INTEGRATIONS, root.at("components"))
        schemes_where = root.at("components", "securitySchemes")
        schemes = opt_mapping(components, "securitySchemes", root.at("components"))
        if "swagger" in doc:
            schemes_where = root.at("securityDefinitions")
            schemes = opt_mapping(doc, "securityDefinitions", root)
        self.schemes = {str(k): as_mapping(v, schemes_where.at(str(k))) for k, v in schemes.items()}
        self.schemes_where = schemes_where
        self.authorizers: dict[str, HttpAuthorizer] = {}
        for name, scheme in self.schemes.items():
            if AUTHORIZER in scheme:
                self.authorizers[name] = read_authorizer(
                    name, scheme[AUTHORIZER], schemes_where.at(name, AUTHORIZER)
                )
        default = doc.get("security")
        self.default_security = None if default is None else self._security(default, root.at("security"))

    def routes(self, paths: Mapping[str, Any]) -> tuple[HttpRoute, ...]:
        out: list[HttpRoute] = []
        for key, value in paths.items():
            path = str(key)
            place = self.root.at("paths", path)
            item = as_mapping(value or {}, place)
            default = path in _DEFAULT_PATHS
            for op_key, method in OPERATION_KEYS.items():
                if op_key not in item:
                    continue
                if default and method != "ANY":
                    raise place.at(op_key).error(
                        "the $default path takes only x-amazon-apigateway-any-method"
                    )
                op = as_mapping(item[op_key], place.at(op_key))
                route_key = DEFAULT_ROUTE if default else normalise_route_key(f"{method} {path}", place)
                out.append(self._route(route_key, op, place.at(op_key)))
        return tuple(out)

    def _route(self, route_key: str, op: Mapping[str, Any], where: Where) -> HttpRoute:
        integration_ref = self._integration(route_key, op.get(INTEGRATION), where.at(INTEGRATION))
        security = op.get("security")
        auth = self.default_security if security is None else self._security(security, where.at("security"))
        kind, authorizer, scopes = auth or ("NONE", None, ())
        return HttpRoute(
            route_key=route_key,
            integration_id=integration_ref,
            authorization_type=kind,
            authorizer_id=authorizer,
            authorization_scopes=scopes,
            operation_name=opt_str(op, "operationId", where),
        )

    def _integration(self, route_key: str, value: Any, where: Where) -> str | None:
        if value is None:
            return None
        obj = as_mapping(value, where)
        ref = obj.get("$ref")
        if ref is not None:
            text = as_str(ref, where.at("$ref"))
            if not text.startswith(INTEGRATIONS_REF):
                raise where.at("$ref").error(f"$ref {text!r} must name {INTEGRATIONS_REF}NAME")
            name = text.removeprefix(INTEGRATIONS_REF)
            if name not in self.shared:
                raise where.at("$ref").error(f"no integration {name!r} in components/{INTEGRATIONS}")
            place = self.root.at("components", INTEGRATIONS, name)
            integration = read_integration(name, self.shared[name], place)
        else:
            integration = read_integration(integration_id(obj), obj, where)
        if integration is None:
            self.unserved.append(route_key)
            return None
        self.integrations.setdefault(integration.id, integration)
        return integration.id

    def _security(self, value: Any, where: Where) -> tuple[str, str | None, tuple[str, ...]] | None:
        """(authorization type, authorizer id, scopes) of a ``security`` list."""
        if not isinstance(value, list):
            raise where.error("security must be a list of requirements")
        for index, requirement in enumerate(value):
            place = where.at(index)
            for name, scopes in as_mapping(requirement, place).items():
                found = self._requirement(str(name), scopes, place.at(str(name)))
                if found is not None:
                    return found
        return ("NONE", None, ())

    def _requirement(
        self, name: str, scopes: Any, where: Where
    ) -> tuple[str, str | None, tuple[str, ...]] | None:
        scheme = self.schemes.get(name)
        if scheme is None:
            if name == NONE_SCHEME:
                return None
            raise where.error(f"security names {name!r}, which securitySchemes does not define")
        scope_list = tuple(as_str(s, where.at(i)) for i, s in enumerate(scopes or []))
        authorizer = self.authorizers.get(name)
        if authorizer is not None:
            if authorizer.type == "JWT":
                return "JWT", authorizer.id, scope_list
            return "CUSTOM", authorizer.id, ()  # scopes belong to JWT authorizers only
        authtype = opt_str(scheme, AUTHTYPE, self.schemes_where.at(name))
        if authtype is not None and authtype.lower() == "awssigv4":
            return "AWS_IAM", None, ()
        return None  # a scheme API Gateway does not read for HTTP APIs


def read_integration(int_id: str, value: Any, where: Where) -> HttpIntegration | None:
    """One ``x-amazon-apigateway-integration`` object, or None for an AWS service
    integration (``integrationSubtype``), which tollway does not serve yet."""
    obj = as_mapping(value, where)
    raw_type = opt_str(obj, "type", where)
    if raw_type is None:
        raise where.at("type").error("missing integration type (aws_proxy or http_proxy)")
    kind = raw_type.upper()
    if kind not in HTTP_INTEGRATION_TYPES:
        raise where.at("type").error(
            f"integration type {raw_type!r} does not exist in HTTP APIs; expected aws_proxy or http_proxy"
        )
    if opt_str(obj, "integrationSubtype", where) is not None:
        return None
    uri = opt_str(obj, "uri", where)
    if not uri:
        raise where.at("uri").error(f"a {kind} integration needs a uri")
    connection = opt_str(obj, "connectionType", where) or "INTERNET"
    return HttpIntegration(
        id=int_id,
        type=kind,
        uri=uri,
        method=_method(kind, opt_str(obj, "httpMethod", where)),
        payload_format_version=payload_version(
            kind, obj.get("payloadFormatVersion"), where.at("payloadFormatVersion")
        ),
        timeout_ms=timeout(opt_int(obj, "timeoutInMillis", where), where.at("timeoutInMillis")),
        connection_type=upper_choice(
            connection, CONNECTION_TYPES, where.at("connectionType"), "connectionType"
        ),
        connection_id=opt_str(obj, "connectionId", where),
        request_parameters=str_map(obj, "requestParameters", where),
        response_parameters=_response_parameters(obj, where),
    )


def _method(kind: str, value: str | None) -> str:
    # Lambda is always invoked with POST; an HTTP_PROXY integration without a method
    # forwards the request's own (ANY).
    if kind == "AWS_PROXY":
        return "POST"
    return (value or "ANY").upper()


def payload_version(kind: str, value: Any, where: Where) -> str:
    """``payloadFormatVersion`` as ``"1.0"``/``"2.0"`` (YAML may give ``2.0`` or ``2``).

    Absent, it is 1.0 (the only version of HTTP_PROXY, and what AWS's import gives a
    Lambda integration that names none)."""
    if value is None:
        return "1.0"
    text = str(value)
    text = f"{text}.0" if text in ("1", "2") else text
    if text not in PAYLOAD_VERSIONS:
        raise where.error(f"unknown payload format version {value!r}; expected 1.0 or 2.0")
    if kind == "HTTP_PROXY" and text != "1.0":
        raise where.error("HTTP_PROXY integrations support only payload format version 1.0")
    return text


def timeout(value: int | None, where: Where) -> int:
    if value is None:
        return MAX_TIMEOUT_MS
    if not MIN_TIMEOUT_MS <= value <= MAX_TIMEOUT_MS:
        raise where.error(
            f"timeoutInMillis {value} is out of range: HTTP APIs allow {MIN_TIMEOUT_MS} to {MAX_TIMEOUT_MS}"
        )
    return value


def _response_parameters(obj: Mapping[str, Any], where: Where) -> dict[str, dict[str, str]]:
    place = where.at("responseParameters")
    out: dict[str, dict[str, str]] = {}
    for status, mapping in opt_mapping(obj, "responseParameters", where).items():
        code = str(status)
        if not (code.isdigit() and 200 <= int(code) <= 599):
            raise place.at(code).error(
                f"response parameters are keyed by a status code 200-599, not {code!r}"
            )
        out[code] = str_map({code: mapping}, code, place)
    return out


def read_authorizer(name: str, value: Any, where: Where) -> HttpAuthorizer:
    """One ``x-amazon-apigateway-authorizer`` of an HTTP API: ``jwt`` or ``request``."""
    obj = as_mapping(value, where)
    raw = opt_str(obj, "type", where)
    if raw is None:
        raise where.at("type").error("missing authorizer type (jwt or request)")
    kind = raw.upper()
    if kind not in AUTHORIZER_TYPES:
        raise where.at("type").error(
            f"authorizer type {raw!r} does not exist in HTTP APIs; expected jwt or request"
        )
    identity = identity_sources(obj.get("identitySource"), where.at("identitySource"))
    if kind == "JWT":
        jwt = opt_mapping(obj, "jwtConfiguration", where)
        place = where.at("jwtConfiguration")
        issuer = opt_str(jwt, "issuer", place)
        if not issuer:
            raise place.at("issuer").error("a jwt authorizer needs jwtConfiguration.issuer")
        return HttpAuthorizer(
            id=authorizer_id(name),
            name=name,
            type="JWT",
            identity_source=identity or ("$request.header.Authorization",),
            issuer=issuer,
            audience=str_list(jwt, "audience", place),
        )
    uri = opt_str(obj, "authorizerUri", where)
    if not uri:
        raise where.at("authorizerUri").error("a request authorizer needs an authorizerUri")
    version = obj.get("authorizerPayloadFormatVersion")
    ttl = opt_int(obj, "authorizerResultTtlInSeconds", where)
    if ttl is not None and not 0 <= ttl <= 3600:
        raise where.at("authorizerResultTtlInSeconds").error("authorizerResultTtlInSeconds must be 0 to 3600")
    return HttpAuthorizer(
        id=authorizer_id(name),
        name=name,
        type="REQUEST",
        identity_source=identity,
        authorizer_uri=uri,
        payload_format_version="2.0"
        if version is None
        else payload_version("AWS_PROXY", version, where.at("authorizerPayloadFormatVersion")),
        enable_simple_responses=bool(opt_bool(obj, "enableSimpleResponses", where)),
        result_ttl_seconds=ttl or 0,
    )


def identity_sources(value: Any, where: Where) -> tuple[str, ...]:
    """``identitySource``: a comma-separated string (AWS's export) or a list (SAM's)."""
    if value is None:
        return ()
    if isinstance(value, list):
        items = [as_str(item, where.at(i)) for i, item in enumerate(value)]
    else:
        items = as_str(value, where).split(",")
    return tuple(item.strip() for item in items if item.strip())


def read_cors(value: Any, where: Where) -> CorsConfiguration | None:
    """``x-amazon-apigateway-cors`` (camelCase keys), or None when absent."""
    if value is None:
        return None
    obj = as_mapping(value, where)
    max_age = opt_int(obj, "maxAge", where)
    return CorsConfiguration(
        allow_origins=str_list(obj, "allowOrigins", where),
        allow_methods=str_list(obj, "allowMethods", where),
        allow_headers=str_list(obj, "allowHeaders", where),
        expose_headers=str_list(obj, "exposeHeaders", where),
        allow_credentials=bool(opt_bool(obj, "allowCredentials", where)),
        max_age=max_age,
    )
