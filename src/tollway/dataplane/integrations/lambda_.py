"""AWS_PROXY and AWS (non-proxy) Lambda integrations: invoke through the function executor.

The result has the shape of Lambda's Invoke API answer: status 200, the payload as body, and
``X-Amz-Function-Error`` when the function failed; ``map_response`` reads it from there.

A non-proxy (``AWS``) integration sends the mapped payload to Lambda's Invoke, which accepts
only JSON: anything else is refused before the function runs (``check_lambda_payload``), and
API Gateway answers with Lambda's message (400 ``{"message": "Could not parse request body
into json: ..."}``) instead of invoking.
"""

from __future__ import annotations

import asyncio

import orjson

from tollway.dataplane.messages import IntegrationRequest, IntegrationResult
from tollway.errors import (
    ApiConfigurationError,
    FunctionsOverloaded,
    FunctionThrottled,
    IntegrationTimeout,
    LambdaPayloadRejected,
)
from tollway.functions.runtime.executor import Executor, FunctionNotFound, Overloaded, TooManyRequests

FUNCTION_ERROR_HEADER = "X-Amz-Function-Error"
TRACE_HEADER = "X-Amzn-Trace-Id"
_EXPECTED = "(JSON String, Number, Array, Object or token 'null', 'true' or 'false')"
_SOURCE = "[Source: REDACTED (`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION` disabled)"


class LambdaIntegration:
    """Invokes ``request.url`` (``NAME`` or ``NAME:QUALIFIER``) with ``request.body`` as the event.

    An ``X-Amzn-Trace-Id`` in ``request.headers`` is the trace the invocation runs under
    (``_X_AMZN_TRACE_ID`` in the function), as API Gateway passes its trace to Lambda.
    """

    def __init__(self, executor: Executor) -> None:
        self._executor = executor

    async def call(self, request: IntegrationRequest) -> IntegrationResult:
        name, _, qualifier = request.url.partition(":")
        trace = next((v for k, v in request.headers if k == TRACE_HEADER), None)
        try:
            async with asyncio.timeout(request.timeout_s):
                result = await self._executor.invoke(
                    name, request.body, qualifier=qualifier or None, trace_id=trace
                )
        except TimeoutError:
            raise IntegrationTimeout(detail=f"function {request.url} did not answer in time") from None
        except FunctionNotFound as exc:
            raise ApiConfigurationError(detail=f"function not found: {exc}") from None
        except Overloaded:
            raise FunctionsOverloaded(detail=f"function {request.url}: every slot busy, queue full") from None
        except TooManyRequests:
            raise FunctionThrottled(detail=f"function {request.url} is throttled") from None
        headers = [("X-Amz-Executed-Version", result.executed_version)]
        if result.function_error:
            headers.append((FUNCTION_ERROR_HEADER, result.function_error))
        return IntegrationResult(200, headers, result.payload)


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
