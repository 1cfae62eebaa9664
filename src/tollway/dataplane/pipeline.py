"""The request path of tollway, in order. Reading this list is reading the product.

    parse -> route -> map_request -> integrate -> map_response -> respond
    (on_error renders any GatewayError as the API's gateway response, then respond)

Stages still to come, in their places: resource_policy, authenticate, api_key and
throttle/quota after route; validate before map_request; cache_lookup / cache_store around
the integration.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from tollway.dataplane.context import RequestContext
from tollway.dataplane.services import Services
from tollway.dataplane.stages.integrate import integrate
from tollway.dataplane.stages.map_request import map_request
from tollway.dataplane.stages.map_response import map_response
from tollway.dataplane.stages.on_error import on_error
from tollway.dataplane.stages.parse import parse
from tollway.dataplane.stages.respond import respond
from tollway.dataplane.stages.route import route
from tollway.errors import ApiConfigurationError, GatewayError

Stage = Callable[[RequestContext, Services], Awaitable[None]]

STAGES: tuple[Stage, ...] = (parse, route, map_request, integrate, map_response)
"""The stages before ``respond``, in order."""

log = logging.getLogger("tollway.gateway")


async def run(ctx: RequestContext, services: Services) -> None:
    """Run every stage on ``ctx``; afterwards ``ctx.response`` is set."""
    try:
        for stage in STAGES:
            await stage(ctx, services)
            if ctx.response is not None:  # answered early (a static MOCK answer, later a cache hit)
                break
    except GatewayError as error:
        on_error(ctx, error, services)
    except Exception:  # a bug must cost one 500, never the connection
        log.exception("unhandled error in request %s", ctx.request_id)
        on_error(ctx, ApiConfigurationError(), services)
    await respond(ctx, services)
