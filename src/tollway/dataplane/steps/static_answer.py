"""static_answer: a method whose whole answer is known at deployment time (a MOCK method with
constant templates, like the CORS preflight SAM generates) answers a JSON or body-less
request here, without mapping or integration."""

from __future__ import annotations

from tollway.dataplane.context import RequestContext
from tollway.dataplane.messages import Response
from tollway.dataplane.services import Services


def static_answer(ctx: RequestContext, services: Services) -> None:
    method = ctx.method
    if method is None or method.static is None or ctx.media_type not in ("", "application/json"):
        return
    static = method.static
    ctx.response = Response(static.status, list(static.headers), static.body)
