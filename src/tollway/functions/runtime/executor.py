"""The ``Executor`` protocol: how the gateway (and the Invoke API) run a function.

The result mirrors Lambda's Invoke API: the payload the function returned (or the error
document Lambda builds: ``{"errorMessage", "errorType", "stackTrace"}``), whether it was a
function error (``X-Amz-Function-Error: Unhandled``), and the tail of the invocation's log.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from tollway.errors import TollwayError


@dataclass(frozen=True, slots=True)
class InvokeResult:
    """What one synchronous invocation produced."""

    payload: bytes
    """The function's JSON result, or Lambda's error document when ``function_error``."""
    function_error: str | None = None
    """``"Unhandled"`` for an error (exception, timeout, crash, out of memory), else None."""
    executed_version: str = "$LATEST"
    log_tail: str = ""
    """The last 4 KB of this invocation's log (START ... REPORT), for ``X-Amz-Log-Type: Tail``."""


class FunctionNotFound(TollwayError):
    """No function (or version/alias) of that name: Lambda's ResourceNotFoundException (404)."""


class TooManyRequests(TollwayError):
    """The function's concurrency is exhausted: Lambda's TooManyRequestsException (429)."""


class Overloaded(TooManyRequests):
    """This machine's capacity for functions is exhausted (``--function-concurrency`` and
    ``--function-queue``), a limit AWS does not have: through API Gateway it is answered 503
    at once, on the Invoke API as Lambda's throttle (429, which the SDKs retry)."""


class Executor(Protocol):
    """Runs functions. Implementations: ``LocalExecutor`` (worker processes on this machine)."""

    async def invoke(
        self,
        name: str,
        payload: bytes,
        *,
        qualifier: str | None = None,
        request_id: str | None = None,
        trace_id: str | None = None,
    ) -> InvokeResult:
        """Invoke ``name`` (optionally ``:qualifier``: version, alias or ``$LATEST``) synchronously.

        ``trace_id`` is the X-Ray trace header the invocation runs under (the function sees it
        as ``_X_AMZN_TRACE_ID``); without one the function gets a new trace, as on Lambda.

        Raises FunctionNotFound or TooManyRequests; every failure of the function itself is
        an ``InvokeResult`` with ``function_error`` set.
        """
        ...

    def check(self, name: str, qualifier: str | None = None) -> None:
        """Raise FunctionNotFound unless the function (and version or alias) exists."""
        ...

    async def close(self) -> None:
        """Stop every instance; no process may outlive this."""
        ...
