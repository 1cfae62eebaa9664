"""The request pipelines of tollway, one per API type, in order. Reading this file is reading
the product.

Every request arrives through ``parse -> address``; the stage it is addressed to picks its
API type's pipeline (``serve``), and a request addressed to no stage runs REST's, whose
answer to it is AWS's 403 ``Missing Authentication Token``.

REST APIs (API Gateway v1):

    route -> resource_policy -> authorize -> api_key -> throttle
      -> validate -> static_answer -> map_request -> integrate -> map_response
    on any GatewayError: on_error (the API's gateway response); always, last: respond

HTTP APIs (API Gateway v2):

    route (or a CORS preflight no route takes) -> authorize -> throttle -> integrate
    on any GatewayError: on_error ({"message": ...} in AWS's words); always, last: respond

Steps still to come, in their places: cache_lookup / cache_store around the integration
(after throttle, as AWS places the stage cache). WebSocket APIs get their own ``Pipeline``.

A step is one callable ``(ctx, services)``: it finishes synchronously and returns None, or
returns the awaitable that finishes it (a Lambda authorizer's call, a shared throttle in
Redis, the integration). A request runs synchronously up to the first step that waits and is
handed to a task only then: a request answered before that point (a static MOCK answer, a
rejection) costs no task and no extra turn of the event loop.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from tollway.dataplane.context import RequestContext
from tollway.dataplane.messages import Response
from tollway.dataplane.services import Services
from tollway.dataplane.steps.address import address
from tollway.dataplane.steps.api_key import api_key
from tollway.dataplane.steps.authorize import authorize
from tollway.dataplane.steps.http import authorize as http_authorize
from tollway.dataplane.steps.http import integrate as http_integrate
from tollway.dataplane.steps.http import on_error as http_on_error
from tollway.dataplane.steps.http import respond as http_respond
from tollway.dataplane.steps.http import route as http_route
from tollway.dataplane.steps.http import throttle as http_throttle
from tollway.dataplane.steps.integrate import integrate
from tollway.dataplane.steps.map_request import map_request
from tollway.dataplane.steps.map_response import map_response
from tollway.dataplane.steps.on_error import on_error
from tollway.dataplane.steps.parse import parse
from tollway.dataplane.steps.resource_policy import resource_policy
from tollway.dataplane.steps.respond import respond
from tollway.dataplane.steps.route import route
from tollway.dataplane.steps.static_answer import static_answer
from tollway.dataplane.steps.throttle import throttle
from tollway.dataplane.steps.validate import validate
from tollway.errors import ApiConfigurationError, GatewayError

log = logging.getLogger("tollway.gateway")

Step = Callable[[RequestContext, Services], Awaitable[None] | None]
"""One step: None when it finished, else the awaitable that finishes it."""


@dataclass(frozen=True, slots=True)
class Pipeline:
    """The steps of one API type, what renders an error, and what finishes every response."""

    name: str
    steps: tuple[Step, ...]
    on_error: Callable[[RequestContext, GatewayError, Services], None]
    respond: Callable[[RequestContext, Services], None]

    def run(self, ctx: RequestContext, services: Services) -> Response | Awaitable[Response]:
        """The response, when the request is answered without waiting; else the awaitable
        that answers it. Never raises: a failure is rendered as the API's error response."""
        waiting = self._steps(ctx, services, 0)
        if waiting is None:
            assert ctx.response is not None
            return ctx.response
        return self._resume(ctx, services, *waiting)

    async def _resume(
        self, ctx: RequestContext, services: Services, index: int, awaitable: Awaitable[None]
    ) -> Response:
        while True:
            try:
                await awaitable
            except Exception as exc:
                self._fail(ctx, services, exc)
                self.respond(ctx, services)
                break
            waiting = self._steps(ctx, services, index + 1)
            if waiting is None:
                break
            index, awaitable = waiting
        assert ctx.response is not None
        return ctx.response

    def _steps(
        self, ctx: RequestContext, services: Services, index: int
    ) -> tuple[int, Awaitable[None]] | None:
        """Run from ``index`` until a step waits (its index and awaitable) or the request is
        answered (None, after ``respond``)."""
        steps = self.steps
        try:
            while index < len(steps) and ctx.response is None:
                awaitable = steps[index](ctx, services)
                if awaitable is not None:
                    return index, awaitable
                index += 1
        except Exception as exc:
            self._fail(ctx, services, exc)
        self.respond(ctx, services)
        return None

    def _fail(self, ctx: RequestContext, services: Services, exc: Exception) -> None:
        if isinstance(exc, GatewayError):
            self.on_error(ctx, exc, services)
        else:  # a bug must cost one 500, never the connection
            log.exception("unhandled error in request %s", ctx.request_id, exc_info=exc)
            self.on_error(ctx, ApiConfigurationError(), services)


ARRIVAL: tuple[Step, ...] = (parse, address)
"""What every request goes through before its API type is known; neither step waits."""

REST = Pipeline(
    "REST",
    steps=(
        route,
        resource_policy,
        authorize,
        api_key,
        throttle,
        validate,
        static_answer,
        map_request,
        integrate,
        map_response,
    ),
    on_error=on_error,
    respond=respond,
)
"""REST APIs (API Gateway v1), as AWS orders the checks of a method request."""

HTTP = Pipeline(
    "HTTP",
    steps=(
        http_route.route,
        http_authorize.authorize,
        http_throttle.throttle,
        http_integrate.integrate,
    ),
    on_error=http_on_error.on_error,
    respond=http_respond.respond,
)
"""HTTP APIs (API Gateway v2), as AWS orders a route's checks."""


def serve(ctx: RequestContext, services: Services) -> Response | Awaitable[Response]:
    """Address the request, then run its API type's pipeline (see the module docstring)."""
    try:
        for step in ARRIVAL:
            step(ctx, services)
    except Exception as exc:
        REST._fail(ctx, services, exc)
        REST.respond(ctx, services)
        assert ctx.response is not None
        return ctx.response
    return (HTTP if ctx.http is not None else REST).run(ctx, services)
