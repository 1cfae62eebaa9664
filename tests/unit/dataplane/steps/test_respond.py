"""respond: the headers every response gets, and HEAD without a body."""

from __future__ import annotations

import pytest

from step_support import SERVICES, context
from tollway.dataplane.messages import Response
from tollway.dataplane.steps.respond import respond


@pytest.mark.parametrize(("verb", "body"), [("GET", b"ok"), ("HEAD", b"")])
async def test_respond_adds_request_id_headers_and_head_has_no_body(verb: str, body: bytes) -> None:
    ctx = context(None, verb)
    ctx.response = Response(200, [("Content-Type", "text/plain")], b"ok")
    respond(ctx, SERVICES)
    assert ctx.response.body == body
    assert ctx.response.headers == [
        ("Content-Type", "text/plain"),
        ("x-amzn-RequestId", "req-1"),
        ("x-amz-apigw-id", "ext-1="),
    ]


async def test_respond_without_a_response_answers_500_internal_server_error() -> None:
    ctx = context(None)
    respond(ctx, SERVICES)
    assert ctx.response is not None
    assert (ctx.response.status, ctx.response.body) == (500, b'{"message": "Internal server error"}')
