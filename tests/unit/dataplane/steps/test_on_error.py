"""on_error: gateway errors rendered as the API's gateway responses, or AWS's defaults."""

from __future__ import annotations

import pytest

from step_support import SERVICES, context, snapshot
from tollway.dataplane.messages import Response
from tollway.dataplane.steps.on_error import on_error
from tollway.errors import (
    GatewayError,
    MissingAuthenticationToken,
    UnsupportedMediaType,
)
from tollway.model import (
    GatewayResponse,
    Method,
    Resource,
)


async def test_on_error_renders_the_apis_custom_gateway_response() -> None:
    custom = GatewayResponse(
        "MISSING_AUTHENTICATION_TOKEN",
        status_code="404",
        response_parameters={"gatewayresponse.header.X-Why": "'no-route'"},
        response_templates={
            "application/json": '{"error":"$context.error.message","stage":"$context.stage"}'
        },
    )
    served = snapshot(Resource("/r", {"GET": Method("GET")}), gateway_responses=(custom,))
    ctx = context(served, "GET", "/missing")
    error = MissingAuthenticationToken()
    on_error(ctx, error, SERVICES)
    assert ctx.error is error
    assert ctx.response == Response(
        404,
        [
            ("Content-Type", "application/json"),
            ("X-Why", "no-route"),
            ("x-amzn-ErrorType", "MissingAuthenticationTokenException"),
        ],
        b'{"error":"Missing Authentication Token","stage":"prod"}',
    )


@pytest.mark.parametrize(
    ("error", "status", "body"),
    [
        (UnsupportedMediaType(), 415, b'{"message": "Unsupported Media Type"}'),
        (MissingAuthenticationToken(), 403, b'{"message":"Missing Authentication Token"}'),
    ],
)
async def test_on_error_without_a_stage_uses_aws_default_gateway_responses(
    error: GatewayError, status: int, body: bytes
) -> None:
    ctx = context(None, "GET", "/x")
    on_error(ctx, error, SERVICES)
    assert ctx.response is not None
    assert (ctx.response.status, ctx.response.body) == (status, body)
