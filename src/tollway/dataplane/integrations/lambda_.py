"""AWS_PROXY and AWS (non-proxy) Lambda integrations: invoke through the function executor.

The result has the shape of Lambda's Invoke API answer: status 200, the payload as body, and
``X-Amz-Function-Error`` when the function failed; ``map_response`` reads it from there.
"""

from __future__ import annotations

import asyncio

from tollway.dataplane.messages import IntegrationRequest, IntegrationResult
from tollway.errors import ApiConfigurationError, FunctionThrottled, IntegrationTimeout
from tollway.functions.runtime.executor import Executor, FunctionNotFound, TooManyRequests

FUNCTION_ERROR_HEADER = "X-Amz-Function-Error"
TRACE_HEADER = "X-Amzn-Trace-Id"


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
        except TooManyRequests:
            raise FunctionThrottled(detail=f"function {request.url} is throttled") from None
        headers = [("X-Amz-Executed-Version", result.executed_version)]
        if result.function_error:
            headers.append((FUNCTION_ERROR_HEADER, result.function_error))
        return IntegrationResult(200, headers, result.payload)
