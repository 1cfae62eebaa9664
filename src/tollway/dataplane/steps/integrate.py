"""integrate: call the backend through the integration registered for the method's type.

A Lambda non-proxy (``AWS``) integration sends the mapped payload to Lambda's Invoke, which
accepts only JSON: anything else is refused before the function runs, and API Gateway
answers with Lambda's message (400 ``{"message": "Could not parse request body into json:
..."}``) instead of invoking.
"""

from __future__ import annotations

from collections.abc import Awaitable

import orjson

from tollway.dataplane.context import RequestContext
from tollway.dataplane.integrations.base import Integration
from tollway.dataplane.messages import IntegrationRequest
from tollway.dataplane.services import Services
from tollway.errors import ApiConfigurationError, GatewayError

_EXPECTED = "(JSON String, Number, Array, Object or token 'null', 'true' or 'false')"
_SOURCE = "[Source: REDACTED (`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION` disabled)"


class LambdaPayloadRejected(GatewayError):
    """Lambda's Invoke refused a payload that is not JSON (InvalidRequestContentException).

    Decided from what API Gateway users report seeing (AWS does not document it): status 400
    and Lambda's message, ``Could not parse request body into json: Could not parse payload
    into json: ...`` with Jackson's description of the first bad token."""

    response_type = "DEFAULT_4XX"
    status_code = 400
    default_message = "Could not parse request body into json"


def integrate(ctx: RequestContext, services: Services) -> Awaitable[None]:
    """The awaitable that calls the backend (a request it refuses fails here, before it)."""
    request = ctx.integration_request
    assert ctx.method is not None and request is not None
    transport = services.integrations.get(ctx.method.kind)
    if transport is None:
        raise ApiConfigurationError(detail=f"no integration registered for {ctx.method.kind}")
    if ctx.method.kind == "AWS":
        check_lambda_payload(request.body)
    return _call(ctx, transport, request)


async def _call(ctx: RequestContext, transport: Integration, request: IntegrationRequest) -> None:
    ctx.integration_result = await transport.call(request)


def check_lambda_payload(payload: bytes) -> None:
    """Raise ``LambdaPayloadRejected`` unless Lambda's Invoke would accept ``payload``
    (JSON, or nothing: an empty payload is the event ``{}``)."""
    if not payload.strip():
        return
    try:
        orjson.loads(payload)
    except orjson.JSONDecodeError as exc:
        raise LambdaPayloadRejected(
            "Could not parse request body into json: Could not parse payload into json: "
            + _jackson_message(payload, exc.pos),
            detail=f"Lambda Invoke refused a non-JSON payload: {exc}",
        ) from None


def _jackson_message(payload: bytes, pos: int) -> str:
    """Jackson's description of the token at ``pos``, as Lambda quotes it."""
    text = payload.decode("utf-8", "replace")
    pos = min(max(pos, 0), len(text))
    while pos < len(text) and text[pos] in " \t\r\n":
        pos += 1
    line = text.count("\n", 0, pos) + 1
    column = pos - (text.rfind("\n", 0, pos) + 1) + 1
    if pos >= len(text):
        where = f"line: {line}, column: {column}"
        return f"Unexpected end-of-input: expected a valid value {_EXPECTED}\n at {_SOURCE}; {where}]"
    end = pos
    while end < len(text) and (text[end].isalnum() or text[end] in "_$"):
        end += 1
    if end > pos:
        token = text[pos:end]
        return (
            f"Unrecognized token '{token}': was expecting {_EXPECTED}\n at {_SOURCE}; "
            f"line: {line}, column: {column + len(token)}]"
        )
    char = text[pos]
    return (
        f"Unexpected character ('{char}' (code {ord(char)})): expected a valid value {_EXPECTED}\n"
        f" at {_SOURCE}; line: {line}, column: {column + 1}]"
    )
