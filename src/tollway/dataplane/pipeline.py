"""The request path of tollway, in order. Reading this list is reading the product.

    parse -> route -> resource_policy -> authorize -> api_key -> throttle/quota -> validate
      -> map_request -> integrate -> map_response -> respond
    (on_error renders any GatewayError as the API's gateway response, then respond)

Stages still to come, in their places: cache_lookup / cache_store around the integration.

Most stages only compute (``run``); the ones that wait on the network say so (``wait``), and
a stage with both waits only when its ``run`` says so. The server runs a request
synchronously up to the first wait (``start``) and only then hands it to a task
(``resume``): a request answered before that point (a static MOCK answer, a rejection)
costs no task and no extra turn of the event loop.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from tollway.dataplane.context import RequestContext
from tollway.dataplane.services import Services
from tollway.dataplane.steps.api_key import api_key
from tollway.dataplane.steps.authorize import authorize, authorize_now
from tollway.dataplane.steps.integrate import integrate
from tollway.dataplane.steps.map_request import map_request
from tollway.dataplane.steps.map_response import map_response
from tollway.dataplane.steps.on_error import on_error
from tollway.dataplane.steps.parse import parse
from tollway.dataplane.steps.resource_policy import resource_policy
from tollway.dataplane.steps.respond import respond
from tollway.dataplane.steps.route import route
from tollway.dataplane.steps.throttle import throttle, throttle_now
from tollway.dataplane.steps.validate import validate
from tollway.errors import ApiConfigurationError, GatewayError

log = logging.getLogger("tollway.gateway")


@dataclass(frozen=True, slots=True)
class Stage:
    """One named step of the request path."""

    name: str
    run: Callable[[RequestContext, Services], bool | None] | None = None
    """A step that only computes. With ``wait`` too, it may return False: "this request
    needs ``wait`` after all" (the throttle stage with its state in Redis)."""
    wait: Callable[[RequestContext, Services], Awaitable[None]] | None = None
    """A step that waits (network, another process)."""


STAGES: tuple[Stage, ...] = (
    Stage("parse", run=parse),
    Stage("route", run=route),
    Stage("resource_policy", run=resource_policy),
    Stage("authorize", run=authorize_now, wait=authorize),
    Stage("api_key", run=api_key),
    Stage("throttle", run=throttle_now, wait=throttle),
    Stage("validate", run=validate),
    Stage("map_request", run=map_request),
    Stage("integrate", wait=integrate),
    Stage("map_response", run=map_response),
)
"""The stages before ``respond``, in order."""


def start(ctx: RequestContext, services: Services) -> int | None:
    """Run the stages up to the first one that waits. None: the request is answered (and
    ``respond`` has run); else the index of the stage to ``resume`` from."""
    return _steps(ctx, services, 0)


async def resume(ctx: RequestContext, services: Services, index: int) -> None:
    """Run the rest of the stages from ``index``; afterwards ``ctx.response`` is set."""
    while True:
        stage = STAGES[index]
        assert stage.wait is not None
        try:
            await stage.wait(ctx, services)
        except Exception as exc:
            _fail(ctx, services, exc)
            respond(ctx, services)
            return
        following = _steps(ctx, services, index + 1)
        if following is None:
            return
        index = following


async def run(ctx: RequestContext, services: Services) -> None:
    """The whole path for one request; afterwards ``ctx.response`` is set."""
    index = start(ctx, services)
    if index is not None:
        await resume(ctx, services, index)


def _steps(ctx: RequestContext, services: Services, index: int) -> int | None:
    try:
        while index < len(STAGES) and ctx.response is None:
            stage = STAGES[index]
            if stage.run is None or (stage.run(ctx, services) is False and stage.wait is not None):
                return index
            index += 1
    except Exception as exc:
        _fail(ctx, services, exc)
    respond(ctx, services)
    return None


def _fail(ctx: RequestContext, services: Services, exc: Exception) -> None:
    if isinstance(exc, GatewayError):
        on_error(ctx, exc, services)
    else:  # a bug must cost one 500, never the connection
        log.exception("unhandled error in request %s", ctx.request_id, exc_info=exc)
        on_error(ctx, ApiConfigurationError(), services)
