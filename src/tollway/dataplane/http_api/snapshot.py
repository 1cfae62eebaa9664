"""Compile one stage of an HTTP API once into the frozen snapshot the HTTP pipeline serves.

What is prepared here, so the hot path only looks things up: the route table, each route's
integration (the function to invoke or the URL to call, stage variables substituted), its
parameter mappings, its authorizer, its throttle bucket, and the API's CORS answers.

A route whose integration cannot be served (none attached, an unknown integration, a URI that
names no function) compiles to a ``config_error``: the route still matches, and a request to
it is answered 500 ``{"message":"Internal Server Error"}``, as AWS answers a route whose
integration fails, while the rest of the API serves.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar
from urllib.parse import urlsplit

from tollway.dataplane.authorizers.http import RouteAuth, compile_route_auth
from tollway.dataplane.http_api.cors import CompiledCors, compile_cors
from tollway.dataplane.http_api.params import (
    RequestMapping,
    ResponseMapping,
    compile_request_mapping,
    compile_response_mapping,
)
from tollway.dataplane.http_api.routes import RouteTable, compile_routes
from tollway.dataplane.snapshot import settings_bucket, substitute_stage_variables
from tollway.errors import DefinitionError
from tollway.functions.runtime.arn import function_from_uri, parse_function
from tollway.model.api import Deployment, Stage
from tollway.model.http_api import DEFAULT_STAGE, MAX_TIMEOUT_MS, HttpApi, HttpIntegration, HttpRoute
from tollway.state.base import Bucket

LAMBDA = "AWS_PROXY"
HTTP_PROXY = "HTTP_PROXY"


@dataclass(frozen=True, slots=True)
class CompiledIntegration:
    """One integration, ready to call."""

    type: str
    """``AWS_PROXY`` (a Lambda function) or ``HTTP_PROXY`` (a URL)."""
    target: str
    """``NAME`` or ``NAME:QUALIFIER`` of the function, or the URL (stage variables applied)."""
    payload_format_version: str
    timeout_s: float
    method: str
    """The HTTP method an ``HTTP_PROXY`` call uses (``ANY``: the request's)."""
    request_mapping: RequestMapping | None = None
    response_mapping: ResponseMapping | None = None
    appends_path: bool = False
    """The URL names no path parameter and the route is ``$default``, or the integration is
    private: the request's path is appended to it (such proxies forward the whole request)."""
    private: tuple[str, ...] = ()
    """A private integration (``VPC_LINK``) whose URI is not a URL (a load balancer's
    listener, a Cloud Map service): the names ``serve --vpc-link NAME=URL`` may give its
    address by (the URI, then the VPC link's id); ``target`` is then empty."""


@dataclass(frozen=True, slots=True)
class CompiledRoute:
    """One route, compiled: what a request that matches it goes through."""

    route_key: str
    integration: CompiledIntegration | None
    config_error: str | None
    """Why the route cannot be served (logged; the client gets 500), or None."""
    auth: RouteAuth
    bucket: Bucket | None


@dataclass(frozen=True, slots=True)
class ServedHttpStage:
    """What the data plane serves for one stage of an HTTP API."""

    api_kind: ClassVar[str] = "HTTP"
    api: HttpApi
    stage: Stage
    table: RouteTable
    routes: Mapping[str, CompiledRoute]
    """Compiled routes by route key (``RouteMatch.route_key``)."""
    cors: CompiledCors | None

    @property
    def api_id(self) -> str:
        return self.stage.api_id

    @property
    def name(self) -> str:
        return self.stage.name

    @property
    def path_prefix(self) -> str:
        """What ``rawPath`` starts with: ``/{stage}`` for a named stage, "" for ``$default``."""
        return "" if self.stage.name == DEFAULT_STAGE else f"/{self.stage.name}"


def compile_http_stage(stage: Stage, deployment: Deployment) -> ServedHttpStage:
    """Compile ``deployment`` (an HTTP API's) as served by ``stage``; DefinitionError names
    what cannot be compiled (a bad route key, a bad mapping, an unknown authorizer)."""
    api = deployment.http_api
    assert api is not None, "compile_http_stage needs an HTTP API deployment"
    source = f"api {api.name!r} ({api.id}) stage {stage.name!r}"
    try:
        table = compile_routes(route.route_key for route in api.routes)
    except ValueError as exc:
        raise DefinitionError(source, "/routes", str(exc)) from None
    routes = {route.route_key: _compile_route(route, api, stage, source) for route in api.routes}
    try:
        cors = compile_cors(api.cors) if api.cors is not None else None
    except ValueError as exc:
        raise DefinitionError(source, "/cors", str(exc)) from None
    return ServedHttpStage(api=api, stage=stage, table=table, routes=routes, cors=cors)


def _compile_route(route: HttpRoute, api: HttpApi, stage: Stage, source: str) -> CompiledRoute:
    where = f"/routes/{route.route_key}"
    auth = compile_route_auth(route, api, stage.variables, source, where)
    bucket = route_bucket(stage, route.route_key)
    if route.integration_id is None:
        return CompiledRoute(route.route_key, None, "the route has no integration", auth, bucket)
    integration = api.integration(route.integration_id)
    if integration is None:
        problem = f"the route's integration {route.integration_id!r} does not exist"
        return CompiledRoute(route.route_key, None, problem, auth, bucket)
    compiled, trouble = _compile_integration(integration, route, stage, source, where)
    return CompiledRoute(route.route_key, compiled, trouble, auth, bucket)


def _compile_integration(
    integration: HttpIntegration, route: HttpRoute, stage: Stage, source: str, where: str
) -> tuple[CompiledIntegration | None, str | None]:
    kind = integration.type.upper()
    uri = substitute_stage_variables(integration.uri, stage.variables)
    timeout_s = min(max(integration.timeout_ms, 50), MAX_TIMEOUT_MS) / 1000
    if kind == LAMBDA:
        ref = function_from_uri(uri) or parse_function(uri)
        if ref is None:
            return None, f"the integration URI names no Lambda function: {uri}"
        target = ref.name if ref.qualifier is None else f"{ref.name}:{ref.qualifier}"
        version = integration.payload_format_version
        return CompiledIntegration(LAMBDA, target, version, timeout_s, "POST"), None
    if kind != HTTP_PROXY:
        return None, f"integration type {integration.type} is not served"
    private: tuple[str, ...] = ()
    if integration.connection_type.upper() == "VPC_LINK" and urlsplit(uri).scheme not in ("http", "https"):
        private = tuple(name for name in (uri, integration.connection_id) if name)
        uri = ""
    elif urlsplit(uri).scheme not in ("http", "https"):
        return None, f"the integration URI is not an http(s) URL: {uri}"
    try:
        request_mapping = compile_request_mapping(integration.request_parameters)
        response_mapping = compile_response_mapping(integration.response_parameters)
    except ValueError as exc:
        raise DefinitionError(source, f"{where}/integration", str(exc)) from None
    appends = bool(private) or (route.route_key == "$default" and "{" not in uri)
    compiled = CompiledIntegration(
        HTTP_PROXY,
        uri,
        integration.payload_format_version,
        timeout_s,
        integration.method.upper(),
        request_mapping,
        response_mapping,
        appends_path=appends,
        private=private,
    )
    return compiled, None


def route_bucket(stage: Stage, route_key: str) -> Bucket | None:
    """The token bucket the stage's route settings give one route, or None.

    ``RouteSettings`` of the route win over ``DefaultRouteSettings`` (``*/*``), one value at a
    time; a value set at neither level is the account's (10,000 rps, burst 5,000)."""
    settings = stage.method_settings
    levels = (settings.get(route_key), settings.get("*/*"))
    return settings_bucket(f"s:{stage.api_id}:{stage.name}:{route_key}", levels)
