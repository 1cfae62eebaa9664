"""map_request / map_response with ``$context`` overrides and binary payloads, stage by stage."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from tollway.dataplane.context import RequestContext
from tollway.dataplane.messages import IntegrationResult, Request, Response
from tollway.dataplane.services import Services
from tollway.dataplane.snapshot import ServedStage, compile_stage
from tollway.dataplane.steps.map_request import map_request
from tollway.dataplane.steps.map_response import map_response
from tollway.dataplane.steps.parse import parse
from tollway.dataplane.steps.route import route
from tollway.errors import ApiConfigurationError
from tollway.model import Deployment, Integration, IntegrationResponse, Method, Resource, RestApi, Stage

API_ID = "a1b2c3d4e5"
SERVICES = Services(integrations={}, clock=lambda: 0.0)
JSON = "application/json"


def served(integration: Integration, path: str = "/r/{id}", binary: Sequence[str] = ()) -> ServedStage:
    api = RestApi(
        id=API_ID,
        name="o",
        resources=(Resource(path, {"POST": Method("POST", integration=integration)}),),
        binary_media_types=tuple(binary),
    )
    stage = Stage(api_id=API_ID, name="prod", deployment_id="d1")
    return compile_stage(stage, Deployment(id="d1", api_id=API_ID, created_epoch=0.0, api=api))


def http(request_template: str = "", response_template: str = "", **fields: object) -> Integration:
    return Integration(
        type="HTTP",
        http_method="POST",
        uri="http://backend/items/{id}",
        request_parameters={"integration.request.path.id": "method.request.path.id"},
        request_templates={JSON: request_template} if request_template else {},
        responses=(
            IntegrationResponse(
                status_code="200",
                response_templates={JSON: response_template} if response_template else {},
            ),
        ),
        **fields,  # type: ignore[arg-type]
    )


def run_request(
    stage: ServedStage, target: str = "/r/7", headers: Sequence[tuple[str, str]] = ()
) -> RequestContext:
    request = Request("POST", target, [("Content-Type", JSON), *headers], b"{}", "203.0.113.9")
    ctx = RequestContext(request, "req-1", "ext-1=", 1_700_000_000_000, stage, target.partition("?")[0])
    for step in (parse, route, map_request):
        step(ctx, SERVICES)
    return ctx


def run_response(ctx: RequestContext, result: IntegrationResult) -> Response:
    ctx.integration_result = result
    map_response(ctx, SERVICES)
    assert ctx.response is not None
    return ctx.response


def test_request_overrides_change_the_integration_request_url_query_and_headers() -> None:
    template = (
        '#set($context.requestOverride.path.id = "over")'
        '#set($context.requestOverride.querystring.q = ["1", "a b"])'
        '#set($context.requestOverride.header.X-Multi = ["x", "y"])'
        '#set($context.requestOverride.header.User-Agent = "mine")'
        "{}"
    )
    ctx = run_request(served(http(template)))
    request = ctx.integration_request
    assert request is not None
    assert request.url == "http://backend/items/over?q=1&q=a+b"
    headers = dict(request.headers)
    assert headers["X-Multi"] == "x,y"
    assert headers["User-Agent"] == "mine"


@pytest.mark.parametrize("header", ["Content-Length", "transfer-encoding"])
def test_request_override_onto_a_header_aws_refuses_is_500(header: str) -> None:
    template = f'#set($context.requestOverride.header.{header} = "1"){{}}'
    with pytest.raises(ApiConfigurationError) as caught:
        run_request(served(http(template)))
    assert caught.value.status_code == 500


def test_response_overrides_from_either_template_set_the_method_response() -> None:
    integration = http(
        '#set($context.responseOverride.header.X-From-Request = "r")'
        '#set($context.requestOverride.path.note = "n"){}',
        "#set($context.responseOverride.status = 201)"
        '#set($context.responseOverride.header.Content-Type = "text/x")'
        "$context.requestOverride.path.note",
    )
    ctx = run_request(served(integration))
    response = run_response(ctx, IntegrationResult(500, [], b"{}"))
    assert response.status == 201
    assert response.body == b"n"
    assert ("X-From-Request", "r") in response.headers
    assert [value for name, value in response.headers if name.lower() == "content-type"] == ["text/x"]


def test_without_any_template_nothing_is_overridden() -> None:
    ctx = run_request(served(http()))
    assert ctx.overrides is None
    response = run_response(ctx, IntegrationResult(404, [], b'{"a": 1}'))
    assert (response.status, response.body) == (200, b'{"a": 1}')


def test_a_binary_payload_meeting_a_request_template_is_500_unable_to_transform() -> None:
    stage = served(http("{}"), binary=["application/json"])
    with pytest.raises(ApiConfigurationError) as caught:
        run_request(stage)
    assert caught.value.detail is not None and "Unable to transform request" in caught.value.detail
    converted = served(http('{"b": "$input.body"}', content_handling="CONVERT_TO_TEXT"), binary=[JSON])
    request = run_request(converted).integration_request
    assert request is not None and request.body == b'{"b": "e30="}'
