"""on_error: render a GatewayError as the API's gateway response (or AWS's default)."""

from __future__ import annotations

import functools
import logging

from tollway.dataplane.context import RequestContext
from tollway.dataplane.gateway_responses import GatewayResponses, compile_gateway_responses
from tollway.dataplane.mapping.variables import template_inputs
from tollway.dataplane.messages import Response
from tollway.dataplane.services import Services
from tollway.errors import GatewayError
from tollway.model import RestApi

log = logging.getLogger("tollway.gateway")


@functools.cache
def _defaults() -> GatewayResponses:
    """AWS's default gateway responses, for requests that reach no API."""
    return compile_gateway_responses(RestApi(id="", name=""))


def on_error(ctx: RequestContext, error: GatewayError, services: Services) -> None:
    ctx.error = error
    if error.detail:
        log.info("%s %s -> %s: %s", ctx.request_id, ctx.request.method, error.response_type, error.detail)
    responses = ctx.served.gateway_responses if ctx.served is not None else _defaults()
    rendered = responses.render(error, template_inputs(ctx, ""))
    ctx.response = Response(rendered.status, list(rendered.headers), rendered.body)
