"""The ``X-Forwarded-*`` headers API Gateway adds to what it passes to a proxied backend."""

from __future__ import annotations

from tollway.dataplane.context import RequestContext


def forwarded_headers(ctx: RequestContext) -> list[tuple[str, str]]:
    """The client's address appended to its ``X-Forwarded-For``, and the scheme and port the
    client used in ``X-Forwarded-Proto`` / ``-Port``; the caller leaves out the client's own
    ``X-Forwarded-*`` (``headers.FORWARDED``). AWS sends its own ``https``/``443``; tollway
    reports what the client really used, as SAM CLI does, so frameworks build correct URLs."""
    previous = ctx.header_map.get("x-forwarded-for")
    client = ctx.request.source_ip
    host = ctx.header_map.get("host", "")
    _, colon, port = host.rpartition(":")
    if not colon or not port.isdigit():
        port = "80"
    return [
        ("X-Forwarded-For", f"{previous}, {client}" if previous else client),
        ("X-Forwarded-Proto", "http"),
        ("X-Forwarded-Port", port),
    ]
