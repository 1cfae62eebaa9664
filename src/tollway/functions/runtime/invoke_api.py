"""Lambda's Invoke API on the gateway's port, so ``boto3.client("lambda", endpoint_url=...)``
works: ``POST /2015-03-31/functions/{FunctionName}/invocations[?Qualifier=...]``.

Invocation types: ``RequestResponse`` (200 with the result; ``X-Amz-Function-Error`` on a
function error), ``Event`` (202, runs in the background), ``DryRun`` (204). ``X-Amz-Log-Type:
Tail`` adds the base64 of the invocation's last 4 KB of log as ``X-Amz-Log-Result``.
"""

from __future__ import annotations

import asyncio
import base64
import logging
from urllib.parse import parse_qs, unquote

import orjson

from tollway.dataplane.messages import Request, Response
from tollway.dataplane.request_ids import request_id
from tollway.functions.runtime.arn import parse_function
from tollway.functions.runtime.executor import Executor, FunctionNotFound, TooManyRequests
from tollway.model.account import ACCOUNT_ID, REGION

PREFIX = "/2015-03-31/functions/"
_SUFFIX = "/invocations"

log = logging.getLogger("tollway.invoke")


class InvokeApi:
    """Serves Lambda's Invoke operation through an Executor."""

    def __init__(self, executor: Executor) -> None:
        self._executor = executor
        self._background: set[asyncio.Task[object]] = set()

    async def handle(self, request: Request) -> Response:
        rid = request_id()
        path, _, query = request.target.partition("?")
        if request.method != "POST" or not path.endswith(_SUFFIX):
            return _error(404, "ResourceNotFoundException", "Unknown operation", rid)
        function = parse_function(unquote(path[len(PREFIX) : -len(_SUFFIX)]))
        if function is None:
            return _error(400, "InvalidParameterValueException", "Invalid function name", rid)
        qualifier = parse_qs(query).get("Qualifier", [function.qualifier or ""])[-1] or None
        headers = {name.lower(): value for name, value in request.headers}
        kind = headers.get("x-amz-invocation-type", "RequestResponse")
        payload = request.body or b"{}"
        if kind in ("DryRun", "Event"):
            try:  # Lambda validates the function before answering 204 / 202
                self._executor.check(function.name, qualifier)
            except FunctionNotFound:
                return _not_found(str(function), rid)
        if kind == "DryRun":
            return Response(204, [("x-amzn-RequestId", rid)], b"")
        if kind == "Event":
            task = asyncio.get_running_loop().create_task(self._event(function.name, payload, qualifier, rid))
            self._background.add(task)
            task.add_done_callback(self._background.discard)
            return Response(202, [("x-amzn-RequestId", rid)], b"")
        if kind != "RequestResponse":
            return _error(400, "InvalidParameterValueException", f"Unsupported invocation type {kind}", rid)
        try:
            result = await self._executor.invoke(function.name, payload, qualifier=qualifier, request_id=rid)
        except FunctionNotFound:
            return _not_found(str(function), rid)
        except TooManyRequests:
            return _error(429, "TooManyRequestsException", "Rate Exceeded.", rid)
        out = [
            ("x-amzn-RequestId", rid),
            ("Content-Type", "application/json"),
            ("X-Amz-Executed-Version", result.executed_version),
        ]
        if result.function_error:
            out.append(("X-Amz-Function-Error", result.function_error))
        if headers.get("x-amz-log-type") == "Tail":
            out.append(("X-Amz-Log-Result", base64.b64encode(result.log_tail.encode()[-4096:]).decode()))
        return Response(200, out, result.payload)

    async def _event(self, name: str, payload: bytes, qualifier: str | None, rid: str) -> object:
        try:
            return await self._executor.invoke(name, payload, qualifier=qualifier, request_id=rid)
        except (FunctionNotFound, TooManyRequests) as exc:
            log.warning("asynchronous invocation %s of %s failed: %r", rid, name, exc)
            return None


def _not_found(function: str, rid: str) -> Response:
    arn = f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{function}"
    return _error(404, "ResourceNotFoundException", f"Function not found: {arn}", rid)


def _error(status: int, error_type: str, message: str, rid: str) -> Response:
    body = orjson.dumps({"Type": "User", "message": message})
    return Response(
        status,
        [("x-amzn-RequestId", rid), ("x-amzn-ErrorType", error_type), ("Content-Type", "application/json")],
        body,
    )
