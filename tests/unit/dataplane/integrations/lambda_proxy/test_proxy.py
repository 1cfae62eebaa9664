"""The Lambda proxy event's view of the path, and the trace header of a request's answer."""

from __future__ import annotations

import pytest

from tollway.dataplane.context import RequestContext
from tollway.dataplane.integrations.lambda_proxy.proxy import event_request, spelled_path_params
from tollway.dataplane.integrations.tracing import trace_header
from tollway.dataplane.messages import IntegrationResult, Request, Response
from tollway.dataplane.routing.normalize import normalize_path
from tollway.dataplane.services import Services
from tollway.dataplane.snapshot import ServedStage, compile_stage
from tollway.dataplane.steps.map_request import map_request
from tollway.dataplane.steps.map_response import map_response
from tollway.dataplane.steps.parse import parse
from tollway.dataplane.steps.respond import respond
from tollway.dataplane.steps.route import route
from tollway.errors import GatewayError
from tollway.model import Deployment, Integration, Method, Resource, RestApi, Stage

SERVICES = Services(integrations={}, clock=lambda: 0.0)
FUNCTION = (
    "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
    "arn:aws:lambda:us-east-1:123456789012:function:f/invocations"
)


@pytest.mark.parametrize(
    ("resource", "raw", "expected"),
    [
        ("/{proxy+}", "/proxy-value//double-slash", {"proxy": "proxy-value//double-slash"}),
        ("/{proxy+}", "//proxy-value", {"proxy": "proxy-value"}),
        ("/{proxy+}", "/proxy-value/", {"proxy": "proxy-value"}),
        ("/{proxy+}", "/%61bc//d", {"proxy": "%61bc//d"}),
        ("/pets/{id}", "//pets//%61", {"id": "%61"}),
        ("/pets/{id}/{rest+}", "/pets//7//a//b/", {"id": "7", "rest": "a//b"}),
        ("/hardcoded", "//hardcoded", {}),
    ],
)
def test_path_parameters_in_the_clients_spelling(resource: str, raw: str, expected: dict[str, str]) -> None:
    assert spelled_path_params(resource, raw, {"normal": "x"}) == expected


@pytest.mark.parametrize("raw", ["/a/./b", "/x/../pets/1"])
def test_dot_segments_have_no_segment_by_segment_reading_so_the_normal_parameters_stay(raw: str) -> None:
    assert spelled_path_params("/{proxy+}", raw, {"proxy": "a/b"}) == {"proxy": "a/b"}


def served(*resources: Resource) -> ServedStage:
    api = RestApi(id="a1b2c3d4e5", name="t", resources=resources)
    stage = Stage(api_id=api.id, name="prod", deployment_id="d", variables={})
    return compile_stage(stage, Deployment(id="d", api_id=api.id, created_epoch=0.0, api=api))


def routed(stage: ServedStage, raw_path: str, headers: list[tuple[str, str]] | None = None) -> RequestContext:
    request = Request("GET", f"/prod{raw_path}", headers or [], b"", "203.0.113.9")
    ctx = RequestContext(request, "r", "e=", 1_700_000_000_000, stage, normalize_path(raw_path), raw_path)
    parse(ctx, SERVICES)
    route(ctx, SERVICES)
    return ctx


LAMBDA = Integration(type="AWS_PROXY", http_method="POST", uri=FUNCTION)
GREEDY = served(
    Resource("/{proxy+}", {"ANY": Method("ANY", integration=LAMBDA)}),
    Resource("/admin", {"GET": Method("GET", integration=LAMBDA)}),
)


@pytest.mark.parametrize(
    ("raw", "resource", "path", "context_path"),
    [
        ("/a/./b", "/{proxy+}", "/a/./b", "/a/./b"),
        ("/%61dmin", "/admin", "/%61dmin", "/%61dmin"),
        ("//admin", "/admin", "/admin", "//admin"),
        ("/admin", "/admin", "/admin", None),
    ],
)
def test_the_event_reports_the_clients_path_while_routing_uses_the_normal_one(
    raw: str, resource: str, path: str, context_path: str | None
) -> None:
    ctx = routed(GREEDY, raw)
    assert ctx.method is not None and ctx.resource_path == resource
    request = event_request(ctx, ctx.method)
    assert (request.path, request.context_path or request.path) == (path, context_path or path)


def test_the_event_carries_the_requests_trace_and_the_integration_request_too() -> None:
    ctx = routed(GREEDY, "/x", [("X-Amzn-Trace-Id", "Root=1-5759e988-bd862e3fe1be46a994272793")])
    map_request(ctx, SERVICES)
    assert ctx.integration_request is not None
    trace = ctx.integration_request.headers
    assert trace == [("X-Amzn-Trace-Id", ctx.trace_id)] and ctx.trace_id.startswith("Root=1-5759e988-")
    request = event_request(ctx, ctx.method)  # type: ignore[arg-type]
    assert [v for k, v in request.headers if k == "X-Amzn-Trace-Id"] == [ctx.trace_id]
    assert trace_header(ctx) == ctx.trace_id  # made once per request


def _answered(kind: str, error: GatewayError | None = None) -> Response:
    integration = Integration(type=kind, http_method="GET", uri="http://backend/x")
    if kind in ("AWS", "AWS_PROXY"):
        integration = Integration(type=kind, http_method="POST", uri=FUNCTION)
    stage = served(Resource("/r", {"GET": Method("GET", integration=integration)}))
    ctx = routed(stage, "/r")
    trace_header(ctx)
    ctx.error = error
    ctx.response = Response(200, [], b"")
    respond(ctx, SERVICES)
    return ctx.response


@pytest.mark.parametrize(
    ("kind", "answered"),
    [("HTTP", True), ("AWS", True), ("AWS_PROXY", True), ("HTTP_PROXY", False), ("MOCK", False)],
)
def test_the_trace_is_answered_for_http_and_lambda_integrations_only(kind: str, answered: bool) -> None:
    names = [name for name, _ in _answered(kind).headers]
    assert ("X-Amzn-Trace-Id" in names) is answered


def test_an_error_answer_has_no_trace() -> None:
    assert "X-Amzn-Trace-Id" not in dict(_answered("AWS_PROXY", GatewayError()).headers)


def test_lambda_proxy_answer_headers_api_gateway_owns_are_remapped() -> None:
    """Decided (AWS silent for AWS_PROXY): as HTTP_PROXY answers are."""
    ctx = routed(GREEDY, "/x")
    body = (
        b'{"statusCode": 200, "headers": {"Content-Length": "5", "Date": "d", "X-A": "1"}, "body": "hello"}'
    )
    ctx.integration_result = IntegrationResult(200, [], body)
    map_response(ctx, SERVICES)
    assert ctx.response is not None
    assert ctx.response.headers == [
        ("x-amzn-Remapped-Content-Length", "5"),
        ("x-amzn-Remapped-Date", "d"),
        ("X-A", "1"),
        ("Content-Type", "application/json"),
    ]
