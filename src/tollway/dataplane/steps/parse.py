"""parse: split the request target into path and query, index the headers, and read once
what later steps decide on: the host and its domain, the media type, the first ``Accept``
type.

The method request's headers (``ctx.headers``) are the client's without those API Gateway
drops on arrival (``headers.DROPPED_ON_ARRIVAL``): no integration receives them and
``$input.params()`` does not see them. ``header_map`` keeps every header for the gateway's
own use (SigV4 signs what the client sent).
"""

from __future__ import annotations

from urllib.parse import unquote_plus

from tollway.dataplane.context import RequestContext
from tollway.dataplane.integrations.headers import DROPPED_ON_ARRIVAL
from tollway.dataplane.services import Services


def parse(ctx: RequestContext, services: Services) -> None:
    header_map: dict[str, str] = {}
    kept: list[tuple[str, str]] = []
    for pair in ctx.request.headers:
        lower = pair[0].lower()
        header_map[lower] = pair[1]
        if lower not in DROPPED_ON_ARRIVAL:
            kept.append(pair)
    ctx.header_map = header_map
    ctx.headers = kept
    ctx.query = parse_query(ctx.request.target.partition("?")[2])
    ctx.host = host = header_map.get("host", "")
    ctx.domain = domain_of(host) if host else ""
    content_type = header_map.get("content-type")
    if content_type:
        ctx.media_type = content_type.split(";", 1)[0].strip().lower()
    accept = header_map.get("accept")
    if accept:
        ctx.accept = accept.split(",", 1)[0].split(";", 1)[0].strip().lower() or None


def domain_of(host: str) -> str:
    """The ``Host`` header without its port (``[::1]:3000`` -> ``[::1]``, ``a.b:80`` -> ``a.b``)."""
    if host.endswith("]") or ":" not in host:
        return host
    return host.rsplit(":", 1)[0]


def parse_query(raw: str) -> dict[str, list[str]]:
    """Query parameters with all their values; ``;`` is a separator too (AWS known issue)."""
    query: dict[str, list[str]] = {}
    if not raw:
        return query
    for pair in raw.replace(";", "&").split("&"):
        if not pair:
            continue
        name, _, value = pair.partition("=")
        query.setdefault(_decoded(name), []).append(_decoded(value))
    return query


def _decoded(text: str) -> str:
    """``unquote_plus(text)``, skipped for the common text that has nothing to decode."""
    return unquote_plus(text) if "%" in text or "+" in text else text
