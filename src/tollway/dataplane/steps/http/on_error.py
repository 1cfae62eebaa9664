"""on_error: an error as HTTP APIs answer it: a status and ``{"message":"..."}`` in AWS's words.

HTTP APIs have no gateway responses to configure. Their answers differ from REST's: no route
is 404 ``Not Found`` (not 403), a failed or malformed function answer is 500
``Internal Server Error``, an integration timeout is 503 ``Service Unavailable``; an
unreachable ``HTTP_PROXY`` backend is 500 too (decided: AWS documents no other status).
"""

from __future__ import annotations

import logging

import orjson

from tollway.dataplane.context import RequestContext
from tollway.dataplane.messages import Response
from tollway.dataplane.services import Services
from tollway.errors import (
    ApiConfigurationError,
    FunctionsOverloaded,
    GatewayError,
    IntegrationFailure,
    IntegrationTimeout,
    LambdaResponseError,
    NullMessageError,
    RequestTooLarge,
    StateUnavailableError,
)

log = logging.getLogger("tollway.gateway")

_INTERNAL = (500, "Internal Server Error")
_UNAVAILABLE = (503, "Service Unavailable")
_BY_TYPE: dict[type[GatewayError], tuple[int, str]] = {
    ApiConfigurationError: _INTERNAL,
    IntegrationFailure: _INTERNAL,
    LambdaResponseError: _INTERNAL,
    IntegrationTimeout: _UNAVAILABLE,
    FunctionsOverloaded: _UNAVAILABLE,
    StateUnavailableError: _UNAVAILABLE,
    RequestTooLarge: (413, "Request Entity Too Large"),
}
_BY_STATUS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    429: "Too Many Requests",
    500: "Internal Server Error",
}


def on_error(ctx: RequestContext, error: GatewayError, services: Services) -> None:
    ctx.error = error
    if error.detail:
        log.info(
            "%s %s -> %s: %s", ctx.extended_request_id, ctx.request.method, type(error).__name__, error.detail
        )
    status, message = answer(error)
    body = orjson.dumps({"message": message})
    ctx.response = Response(status, [("content-type", "application/json")], body)


def answer(error: GatewayError) -> tuple[int, str]:
    """The status and message HTTP APIs answer ``error`` with."""
    for kind in type(error).__mro__:
        found = _BY_TYPE.get(kind)
        if found is not None:
            return found
    if isinstance(error, NullMessageError) or error.status_code >= 500:
        return _INTERNAL
    status = error.status_code
    if status == 403 and error.message != error.default_message:
        return status, error.message  # an IAM refusal keeps its own words
    return status, _BY_STATUS.get(status, error.message)
