"""parse: split the request target into path and query, index the headers."""

from __future__ import annotations

from urllib.parse import unquote_plus

from tollway.dataplane.context import RequestContext
from tollway.dataplane.services import Services


def parse(ctx: RequestContext, services: Services) -> None:
    ctx.header_map = {name.lower(): value for name, value in ctx.request.headers}
    ctx.query = parse_query(ctx.request.target.partition("?")[2])


def parse_query(raw: str) -> dict[str, list[str]]:
    """Query parameters with all their values; ``;`` is a separator too (AWS known issue)."""
    query: dict[str, list[str]] = {}
    if not raw:
        return query
    for pair in raw.replace(";", "&").split("&"):
        if not pair:
            continue
        name, _, value = pair.partition("=")
        query.setdefault(unquote_plus(name), []).append(unquote_plus(value))
    return query
