"""The ``X-Forwarded-*`` headers API Gateway adds to what it passes to a proxied backend."""

from __future__ import annotations

from tollway.dataplane.context import RequestContext

_FORWARDED = frozenset({"x-forwarded-for", "x-forwarded-proto", "x-forwarded-port"})


def with_forwarded(ctx: RequestContext, headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """``headers`` with the client's address appended to ``X-Forwarded-For`` and the scheme
    and port the client used in ``X-Forwarded-Proto`` / ``-Port`` (AWS sends its own
    ``https``/``443``; tollway reports what the client really used, as SAM CLI does, so
    frameworks build correct URLs)."""
    previous = ctx.header_map.get("x-forwarded-for")
    client = ctx.request.source_ip
    host = ctx.header_map.get("host", "")
    _, colon, port = host.rpartition(":")
    if not colon or not port.isdigit():
        port = "80"
    out = [(k, v) for k, v in headers if k.lower() not in _FORWARDED]
    out.append(("X-Forwarded-For", f"{previous}, {client}" if previous else client))
    out.append(("X-Forwarded-Proto", "http"))
    out.append(("X-Forwarded-Port", port))
    return out
