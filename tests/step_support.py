"""Helpers of the step tests: a compiled stage, a hand-made context, and the steps that bring
a request to the one under test."""

from __future__ import annotations

from collections.abc import Sequence

from tollway.dataplane.context import RequestContext
from tollway.dataplane.messages import IntegrationRequest, IntegrationResult, Request, Response
from tollway.dataplane.services import Services
from tollway.dataplane.snapshot import ServedStage, compile_stage
from tollway.dataplane.steps.map_request import map_request
from tollway.dataplane.steps.map_response import map_response
from tollway.dataplane.steps.parse import parse
from tollway.dataplane.steps.route import route
from tollway.model import (
    Deployment,
    GatewayResponse,
    Integration,
    Method,
    Resource,
    RestApi,
    Stage,
)

API_ID = "a1b2c3d4e5"
CLIENT_IP = "203.0.113.9"
SERVICES = Services(integrations={}, clock=lambda: 0.0)
Headers = Sequence[tuple[str, str]]


def snapshot(
    *resources: Resource,
    variables: dict[str, str] | None = None,
    gateway_responses: tuple[GatewayResponse, ...] = (),
) -> ServedStage:
    api = RestApi(id=API_ID, name="pets", resources=resources, gateway_responses=gateway_responses)
    stage = Stage(api_id=API_ID, name="prod", deployment_id="dep1", variables=variables or {})
    return compile_stage(stage, Deployment(id="dep1", api_id=API_ID, created_epoch=0.0, api=api))


def one_method(path: str, verb: str, integration: Integration | None) -> ServedStage:
    return snapshot(Resource(path, {verb: Method(verb, integration=integration)}))


def context(
    served: ServedStage | None,
    method: str = "GET",
    target: str = "/",
    headers: Headers = (),
    body: bytes = b"",
) -> RequestContext:
    request = Request(method, target, list(headers), body, CLIENT_IP)
    path = target.partition("?")[0]
    return RequestContext(request, "req-1", "ext-1=", 1_700_000_000_000, served, path)


async def mapped(
    served: ServedStage, method: str, target: str, headers: Headers = (), body: bytes = b""
) -> IntegrationRequest:
    ctx = context(served, method, target, headers, body)
    for stage in (parse, route, map_request):
        stage(ctx, SERVICES)
    assert ctx.integration_request is not None
    return ctx.integration_request


async def answered(served: ServedStage, result: IntegrationResult, headers: Headers = ()) -> Response:
    ctx = context(served, "GET", "/r", headers)
    for stage in (parse, route):
        stage(ctx, SERVICES)
    ctx.integration_result = result
    map_response(ctx, SERVICES)
    assert ctx.response is not None
    return ctx.response


def http(**fields: object) -> Integration:
    base: dict[str, object] = {"type": "HTTP", "http_method": "POST", "uri": "http://backend/items"}
    base.update(fields)
    return Integration(**base)  # type: ignore[arg-type]
