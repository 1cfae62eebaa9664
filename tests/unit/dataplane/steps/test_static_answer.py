"""MOCK methods whose templates are constants are answered without mapping or integration,
with exactly what the full path would answer (CORS preflights as SAM generates them)."""

from __future__ import annotations

import time

from tollway.dataplane.app import Gateway
from tollway.dataplane.integrations.mock import MockIntegration
from tollway.dataplane.messages import Request
from tollway.dataplane.services import Services
from tollway.dataplane.snapshot import ServedStage, compile_stage
from tollway.model import (
    Deployment,
    Integration,
    IntegrationResponse,
    Method,
    Resource,
    RestApi,
    Stage,
)

CORS = IntegrationResponse(
    "200",
    response_parameters={
        "method.response.header.Access-Control-Allow-Origin": "'*'",
        "method.response.header.Access-Control-Allow-Methods": "'GET,OPTIONS'",
    },
    response_templates={"application/json": "{}"},
)


def served(integration: Integration, *, binary: tuple[str, ...] = ()) -> ServedStage:
    api = RestApi(
        id="a1b2c3d4e5",
        name="static",
        resources=(Resource("/x", {"OPTIONS": Method("OPTIONS", integration=integration)}),),
        binary_media_types=binary,
    )
    return compile_stage(Stage(api.id, "prod", "dep"), Deployment("dep", api.id, 0, api))


def mock(
    template: str = '{"statusCode": 200}', response: IntegrationResponse = CORS, **extra: object
) -> Integration:
    return Integration(
        "MOCK",
        request_templates={"application/json": template},
        responses=(response,),
        **extra,  # type: ignore[arg-type]
    )


def method_of(stage: ServedStage):  # type: ignore[no-untyped-def]
    found = stage.routes.match("OPTIONS", "/x")
    assert found is not None
    return found.target


def test_sam_cors_preflight_is_a_static_answer_with_its_literal_headers() -> None:
    static = method_of(served(mock())).static
    assert static is not None
    assert static.status == 200 and static.body == b"{}"
    assert dict(static.headers) == {
        "Access-Control-Allow-Origin": "*",
        "Access-Control-Allow-Methods": "GET,OPTIONS",
        "Content-Type": "application/json",
    }


def test_templates_or_mappings_that_read_the_request_are_not_static() -> None:
    assert method_of(served(mock('{"statusCode": $input.params("c")}'))).static is None
    reads = IntegrationResponse("200", response_parameters={"method.response.header.X": "context.requestId"})
    assert method_of(served(mock(response=reads))).static is None
    varying = IntegrationResponse("200", response_templates={"application/json": '"$context.requestId"'})
    assert method_of(served(mock(response=varying))).static is None
    assert method_of(served(mock(), binary=("image/png",))).static is None


async def test_static_answer_equals_the_full_path_and_other_content_types_take_the_full_path() -> None:
    """A static answer is what the mapped path gives; an XML request still meets NEVER's 415."""
    never = served(mock(passthrough_behavior="NEVER"))
    gateway = Gateway(Services({"MOCK": MockIntegration()}, time.time))
    gateway.load([never])

    async def call(headers: list[tuple[str, str]]) -> tuple[int, dict[str, str], bytes]:
        response = await gateway.handle(Request("OPTIONS", "/prod/x", headers, b"", "127.0.0.1"))
        kept = {k: v for k, v in response.headers if not k.lower().startswith("x-am")}
        return response.status, kept, response.body

    fast = await call([])
    slow_stage = served(mock('{"statusCode": 200}\n#set($unused = 1)', passthrough_behavior="NEVER"))
    assert method_of(slow_stage).static is None
    gateway.load([slow_stage])
    assert await call([]) == fast
    gateway.load([never])
    xml = await call([("Content-Type", "application/xml")])
    assert xml[0] == 415
