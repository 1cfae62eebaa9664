"""``AWS::ApiGatewayV2::*`` resources of a (SAM-expanded) template -> HTTP APIs.

An ``AWS::ApiGatewayV2::Api`` with ``ProtocolType: HTTP`` (or a ``Body``, which only HTTP
APIs import) becomes an ``ImportedApi`` with ``http_api`` set, built from, in order:

1. its ``Body`` (an OpenAPI document, read by ``openapi.http_import``); ``BodyS3Location``
   alone is refused (it cannot be read offline);
2. quick create: ``Target`` (a Lambda ARN, an invocation URI or an ``http(s)://`` URL)
   and ``RouteKey`` (default ``$default``) make one route to one proxy integration
   (payload 2.0 for Lambda, 1.0 for a URL); ``CredentialsArn`` is not needed offline;
3. the ``Route`` / ``Integration`` / ``Authorizer`` resources whose ``ApiId`` names it;
4. ``CorsConfiguration``, ``Name``, ``Description``, ``Version``,
   ``DisableExecuteApiEndpoint`` of the resource, over what the body says.

Stages, decided here as AWS does: each ``AWS::ApiGatewayV2::Stage`` is a stage (its
``StageVariables``; ``DefaultRouteSettings`` under ``*/*`` and ``RouteSettings`` under their
route keys in ``method_settings``). A quick-create API with no Stage resource gets the
auto-deployed ``$default`` stage AWS makes for it. Any other API with no Stage resource
gets the stage the import was asked for (``--stage``) if any, else none and a warning: AWS
serves such an API nowhere. ``Deployment`` resources add nothing (tollway deploys on import),
nor does ``FailOnWarnings`` (tollway's own warnings never fail an import).

An integration with an ``IntegrationSubtype`` (an AWS service integration: SQS,
EventBridge, Step Functions...) is not served yet: routes that target it are kept with no
integration and named in one warning. ``ProtocolType: WEBSOCKET`` APIs are left to
``kinds``, which names them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from tollway.formats.cloudformation import refs
from tollway.formats.cloudformation.apigateway import props_of
from tollway.formats.cloudformation.intrinsics import Resolver
from tollway.formats.cloudformation.values import Props
from tollway.formats.openapi.common import Where
from tollway.formats.openapi.http_import import (
    canonical,
    http_api_from_openapi,
    normalise_route_key,
    payload_version,
    timeout,
)
from tollway.model import ids
from tollway.model.api import MethodSetting, RestApi, StageSpec
from tollway.model.http_api import (
    AUTHORIZATION_TYPES,
    DEFAULT_ROUTE,
    DEFAULT_STAGE,
    HTTP_INTEGRATION_TYPES,
    CorsConfiguration,
    HttpApi,
    HttpAuthorizer,
    HttpIntegration,
    HttpRoute,
)
from tollway.model.imported import ImportedApi

V2_API = "AWS::ApiGatewayV2::Api"
_PREFIX = "AWS::ApiGatewayV2::"
CHILD_KINDS = {f"{_PREFIX}{kind}" for kind in ("Route", "Integration", "Authorizer", "Stage", "Deployment")}
_TARGET_PREFIX = "integrations/"


@dataclasses.dataclass
class _Parts:
    """The child resources of one HTTP API, by short type name, as (logical id, props)."""

    children: dict[str, list[tuple[str, Props]]] = dataclasses.field(default_factory=dict)

    def of(self, kind: str) -> list[tuple[str, Props]]:
        return self.children.get(kind, [])


def protocol_of(r: Resolver, logical_id: str) -> str | None:
    """``HTTP``, ``WEBSOCKET``, or None when neither ``ProtocolType`` nor a body says."""
    resource = r.resources.get(logical_id)
    raw = resource.get("Properties") if isinstance(resource, dict) else None
    raw = raw if isinstance(raw, dict) else {}
    protocol = r.resource_property(logical_id, "ProtocolType")
    if isinstance(protocol, str) and protocol:
        return protocol.upper()
    return "HTTP" if ("Body" in raw or "BodyS3Location" in raw) else None


def import_http_apis(r: Resolver, stage_name: str | None) -> list[ImportedApi]:
    """Every enabled HTTP API of the template ``r`` resolves, with its stages."""
    lids = [
        lid
        for lid, res in r.resources.items()
        if isinstance(res, dict)
        and res.get("Type") == V2_API
        and r.resource_enabled(lid)
        and protocol_of(r, lid) == "HTTP"
    ]
    if not lids:
        return []
    by_id = {ids.api_id(refs.api_key(r.stack_key, lid)): lid for lid in lids}
    parts = _group_children(r, by_id)
    return [_import_one(r, lid, parts[lid], stage_name) for lid in lids]


def _group_children(r: Resolver, api_ids: Mapping[str, str]) -> dict[str, _Parts]:
    websocket = {
        ids.api_id(refs.api_key(r.stack_key, lid))
        for lid, res in r.resources.items()
        if isinstance(res, dict) and res.get("Type") == V2_API and lid not in api_ids.values()
    }
    parts = {lid: _Parts() for lid in api_ids.values()}
    for lid, res in r.resources.items():
        kind = res.get("Type") if isinstance(res, dict) else None
        if kind not in CHILD_KINDS or not r.resource_enabled(lid):
            continue
        # Only ApiId is resolved first: a WebSocket API's children are not read at all.
        api = r.resource_property(lid, "ApiId")
        owner = api_ids.get(api) if isinstance(api, str) else None
        if owner is None:
            if not isinstance(api, str) or api not in websocket:
                r.warnings.append(
                    f"{r.source}: /Resources/{lid}: {kind} belongs to no HTTP API of this template; ignored"
                )
            continue
        parts[owner].children.setdefault(str(kind).removeprefix(_PREFIX), []).append((lid, props_of(r, lid)))
    return parts


def _import_one(r: Resolver, lid: str, parts: _Parts, stage_name: str | None) -> ImportedApi:
    props = props_of(r, lid)
    if props.values.get("BodyS3Location") is not None and props.values.get("Body") is None:
        raise props.error(
            "BodyS3Location",
            f"{lid}: the OpenAPI body is in Amazon S3; download it and use Body with "
            "AWS::Include or a SAM DefinitionUri",
        )
    api = _from_body(r, props) if props.values.get("Body") is not None else HttpApi(id="", name="")
    quick = _quick_create(r, lid, props)
    if quick is not None:
        route, integration = quick
        others = tuple(x for x in api.routes if x.route_key != route.route_key)
        api = dataclasses.replace(api, routes=(*others, route), integrations=(*api.integrations, integration))
    api = _with_children(r, lid, api, parts)
    http_api = canonical(
        dataclasses.replace(
            api,
            name=props.text("Name") or api.name or lid,
            description=props.text("Description") or api.description,
            version=props.text("Version") or api.version,
            cors=_cors(props) or api.cors,
            disable_execute_api_endpoint=props.flag(
                "DisableExecuteApiEndpoint", api.disable_execute_api_endpoint
            ),
        )
    )
    stages = _stages_for(r, lid, parts, quick=quick is not None, stage_name=stage_name)
    shell = RestApi(id="", name=http_api.name, description=http_api.description, version=http_api.version)
    return ImportedApi(key=refs.api_key(r.stack_key, lid), api=shell, stages=stages, http_api=http_api)


def _with_children(r: Resolver, lid: str, api: HttpApi, parts: _Parts) -> HttpApi:
    """``api`` with the Integration, Authorizer and Route resources that name it (a Route
    replaces a body route of the same key)."""
    integrations = {i.id: i for i in api.integrations}
    unserved_ids: set[str] = set()
    for int_lid, int_props in parts.of("Integration"):
        found = _integration(r, int_lid, int_props)
        if found is None:
            unserved_ids.add(refs.short_id(r.stack_key, int_lid))
        else:
            integrations[found.id] = found
    authorizers = {a.id: a for a in api.authorizers}
    for auth_lid, auth_props in parts.of("Authorizer"):
        authorizer = _authorizer(auth_lid, auth_props)
        authorizers[authorizer.id] = authorizer
    routes = {route.route_key: route for route in api.routes}
    unserved: list[str] = []
    for route_lid, route_props in parts.of("Route"):
        route = _route(route_lid, route_props, integrations, unserved_ids, authorizers)
        if route.integration_id is None and _targets(route_props) in unserved_ids:
            unserved.append(route.route_key)
        routes[route.route_key] = route
    if unserved:
        r.warnings.append(
            f"{r.source}: /Resources/{lid}: AWS service integrations (IntegrationSubtype) are not "
            f"served yet; these routes have no integration and answer 500: {', '.join(unserved)}"
        )
    return dataclasses.replace(
        api,
        routes=tuple(routes.values()),
        integrations=tuple(integrations.values()),
        authorizers=tuple(authorizers.values()),
    )


def _stages_for(
    r: Resolver, lid: str, parts: _Parts, *, quick: bool, stage_name: str | None
) -> tuple[StageSpec, ...]:
    """The Stage resources; else ``$default`` for quick create, else the asked stage, else
    none (with a warning: AWS serves such an API at no stage)."""
    stages = _stages(parts)
    if not stages and quick:
        stages = (StageSpec(name=DEFAULT_STAGE),)
    if not stages and stage_name:
        stages = (StageSpec(name=stage_name),)
    if not stages:
        r.warnings.append(
            f"{r.source}: /Resources/{lid}: HTTP API {lid} has no AWS::ApiGatewayV2::Stage, so AWS "
            "serves it at no stage; add a Stage (or import with --stage)"
        )
    return stages


def _from_body(r: Resolver, props: Props) -> HttpApi:
    body = props.document("Body")
    if not isinstance(body, dict):
        raise props.error("Body", "Body must be an OpenAPI document (a mapping)")
    return http_api_from_openapi(body, source=r.source, pointer=f"{props.pointer}/Body", warnings=r.warnings)


def _quick_create(r: Resolver, lid: str, props: Props) -> tuple[HttpRoute, HttpIntegration] | None:
    target = props.text("Target")
    if not target:
        return None
    url = target.startswith(("http://", "https://"))
    integration = HttpIntegration(
        id=refs.short_id(r.stack_key, f"{lid}#Target"),
        type="HTTP_PROXY" if url else "AWS_PROXY",
        uri=target,
        method="ANY" if url else "POST",
        payload_format_version="1.0" if url else "2.0",
    )
    key = normalise_route_key(
        props.text("RouteKey") or DEFAULT_ROUTE, Where(props.source, f"{props.pointer}/RouteKey")
    )
    return HttpRoute(route_key=key, integration_id=integration.id), integration


def _targets(props: Props) -> str | None:
    """The integration id a route's ``Target`` (``integrations/ID``) names."""
    target = props.text("Target")
    if target is None:
        return None
    if not target.startswith(_TARGET_PREFIX):
        raise props.error("Target", f"a route Target must be integrations/INTEGRATION_ID, not {target!r}")
    return target.removeprefix(_TARGET_PREFIX)


def _route(
    lid: str,
    props: Props,
    integrations: Mapping[str, HttpIntegration],
    unserved: set[str],
    authorizers: Mapping[str, HttpAuthorizer],
) -> HttpRoute:
    key = normalise_route_key(props.text("RouteKey") or "", Where(props.source, f"{props.pointer}/RouteKey"))
    target = _targets(props)
    if target is not None and target not in integrations and target not in unserved:
        raise props.error(
            "Target", f"{lid}: Target names integration {target!r}, which this API does not have"
        )
    kind = (props.text("AuthorizationType") or "NONE").upper()
    if kind not in AUTHORIZATION_TYPES:
        raise props.error(
            "AuthorizationType",
            f"unknown AuthorizationType {kind!r}; expected {', '.join(AUTHORIZATION_TYPES)}",
        )
    authorizer_id = props.text("AuthorizerId")
    if kind in ("JWT", "CUSTOM"):
        if authorizer_id is None or authorizer_id not in authorizers:
            raise props.error(
                "AuthorizerId", f"{lid}: a {kind} route needs the AuthorizerId of an authorizer of this API"
            )
    else:
        authorizer_id = None
    return HttpRoute(
        route_key=key,
        integration_id=target if target in integrations else None,
        authorization_type=kind,
        authorizer_id=authorizer_id,
        authorization_scopes=props.text_list("AuthorizationScopes") if kind == "JWT" else (),
        operation_name=props.text("OperationName"),
    )


def _integration(r: Resolver, lid: str, props: Props) -> HttpIntegration | None:
    kind = (props.text("IntegrationType") or "").upper()
    if kind not in HTTP_INTEGRATION_TYPES:
        raise props.error(
            "IntegrationType",
            f"{lid}: IntegrationType {kind or '(none)'!r} does not exist in HTTP APIs; "
            "expected AWS_PROXY or HTTP_PROXY",
        )
    if props.text("IntegrationSubtype"):
        return None
    uri = props.text("IntegrationUri")
    if not uri:
        raise props.error("IntegrationUri", f"{lid}: a {kind} integration needs an IntegrationUri")
    where = Where(props.source, props.pointer)
    connection = (props.text("ConnectionType") or "INTERNET").upper()
    if connection not in ("INTERNET", "VPC_LINK"):
        raise props.error(
            "ConnectionType", f"unknown ConnectionType {connection!r}; expected INTERNET or VPC_LINK"
        )
    return HttpIntegration(
        id=refs.short_id(r.stack_key, lid),
        type=kind,
        uri=uri,
        method="POST" if kind == "AWS_PROXY" else (props.text("IntegrationMethod") or "ANY").upper(),
        payload_format_version=payload_version(
            kind, props.values.get("PayloadFormatVersion"), where.at("PayloadFormatVersion")
        ),
        timeout_ms=timeout(props.whole("TimeoutInMillis"), where.at("TimeoutInMillis")),
        connection_type=connection,
        connection_id=props.text("ConnectionId"),
        request_parameters=props.text_map("RequestParameters"),
        response_parameters=_response_parameters(props),
    )


def _response_parameters(props: Props) -> dict[str, dict[str, str]]:
    """``{status: {ResponseParameters: [{Destination, Source}]}}`` (CloudFormation's shape),
    or ``{status: {destination: source}}`` (the OpenAPI shape, which some templates use)."""
    value = props.values.get("ResponseParameters") or {}
    if not isinstance(value, Mapping):
        raise props.error("ResponseParameters", "expected a mapping of status codes")
    out: dict[str, dict[str, str]] = {}
    for status, entry in value.items():
        code = str(status)
        sub = props.child(f"ResponseParameters/{code}", entry)
        listed = sub.values.get("ResponseParameters")
        if isinstance(listed, list):
            mapping = {}
            for item in sub.items("ResponseParameters"):
                destination = item.text("Destination")
                if not destination:
                    raise item.error("Destination", "a response parameter needs a Destination")
                mapping[destination] = item.text("Source") or ""
            out[code] = mapping
        else:
            out[code] = {str(k): sub.text(str(k)) or "" for k in sub.values}
    return out


def _authorizer(lid: str, props: Props) -> HttpAuthorizer:
    from tollway.formats.openapi.http_import import authorizer_id

    name = props.text("Name") or lid
    kind = (props.text("AuthorizerType") or "").upper()
    identity = props.text_list("IdentitySource")
    if kind == "JWT":
        jwt = props.values.get("JwtConfiguration")
        config = props.child("JwtConfiguration", jwt if jwt is not None else {})
        issuer = config.text("Issuer")
        if not issuer:
            raise config.error("Issuer", f"{lid}: a JWT authorizer needs JwtConfiguration.Issuer")
        return HttpAuthorizer(
            id=authorizer_id(name),
            name=name,
            type="JWT",
            identity_source=identity or ("$request.header.Authorization",),
            issuer=issuer,
            audience=config.text_list("Audience"),
        )
    if kind != "REQUEST":
        raise props.error(
            "AuthorizerType", f"{lid}: AuthorizerType {kind or '(none)'!r}; expected JWT or REQUEST"
        )
    uri = props.text("AuthorizerUri")
    if not uri:
        raise props.error("AuthorizerUri", f"{lid}: a REQUEST authorizer needs an AuthorizerUri")
    version = props.values.get("AuthorizerPayloadFormatVersion")
    where = Where(props.source, f"{props.pointer}/AuthorizerPayloadFormatVersion")
    return HttpAuthorizer(
        id=authorizer_id(name),
        name=name,
        type="REQUEST",
        identity_source=tuple(s.strip() for item in identity for s in item.split(",") if s.strip()),
        authorizer_uri=uri,
        payload_format_version="2.0" if version is None else payload_version("AWS_PROXY", version, where),
        enable_simple_responses=props.flag("EnableSimpleResponses"),
        result_ttl_seconds=props.whole("AuthorizerResultTtlInSeconds") or 0,
    )


def _cors(props: Props) -> CorsConfiguration | None:
    value = props.values.get("CorsConfiguration")
    if value is None:
        return None
    cors = props.child("CorsConfiguration", value)
    return CorsConfiguration(
        allow_origins=cors.text_list("AllowOrigins"),
        allow_methods=cors.text_list("AllowMethods"),
        allow_headers=cors.text_list("AllowHeaders"),
        expose_headers=cors.text_list("ExposeHeaders"),
        allow_credentials=cors.flag("AllowCredentials"),
        max_age=cors.whole("MaxAge"),
    )


def _stages(parts: _Parts) -> tuple[StageSpec, ...]:
    stages: dict[str, StageSpec] = {}
    for _, props in parts.of("Stage"):
        name = props.text("StageName")
        if not name:
            raise props.error("StageName", "a stage needs a StageName")
        settings: dict[str, MethodSetting] = {}
        default = props.values.get("DefaultRouteSettings")
        if default is not None:
            settings["*/*"] = _route_setting(props.child("DefaultRouteSettings", default))
        routes = props.values.get("RouteSettings") or {}
        if not isinstance(routes, Mapping):
            raise props.error("RouteSettings", "expected a mapping of route keys to settings")
        for key, value in routes.items():
            place = Where(props.source, f"{props.pointer}/RouteSettings/{key}")
            route_key = normalise_route_key(str(key), place)
            settings[route_key] = _route_setting(props.child(f"RouteSettings/{key}", value))
        stages[name] = StageSpec(
            name=name,
            variables=props.text_map("StageVariables"),
            description=props.text("Description"),
            method_settings=settings,
        )
    return tuple(stages.values())


def _route_setting(props: Props) -> MethodSetting:
    return MethodSetting(
        throttling_rate_limit=props.number("ThrottlingRateLimit"),
        throttling_burst_limit=props.whole("ThrottlingBurstLimit"),
        logging_level=props.text("LoggingLevel"),
        metrics_enabled=props.opt_flag("DetailedMetricsEnabled"),
        data_trace_enabled=props.opt_flag("DataTraceEnabled"),
    )
