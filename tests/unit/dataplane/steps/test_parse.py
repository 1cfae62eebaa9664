"""parse: the query string and headers, read once."""

from __future__ import annotations

import pytest

from step_support import SERVICES, context, one_method
from tollway.dataplane.steps.parse import parse


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("a=1&b=x%20y&a=2&c=&d&e=1%2B1", {"a": ["1", "2"], "b": ["x y"], "c": [""], "d": [""], "e": ["1+1"]}),
        ("a=1;b=2;a=3", {"a": ["1", "3"], "b": ["2"]}),  # AWS known issue: ";" splits the query string
        ("", {}),
    ],
)
async def test_parse_keeps_repeated_query_keys_and_decodes_values(
    query: str, expected: dict[str, list[str]]
) -> None:
    ctx = context(None, target=f"/p?{query}")
    parse(ctx, SERVICES)
    assert ctx.query == expected


async def test_parse_header_map_is_lower_cased_and_last_value_wins() -> None:
    ctx = context(None, headers=[("X-Foo", "1"), ("Host", "h"), ("x-foo", "2")])
    parse(ctx, SERVICES)
    assert ctx.header_map == {"x-foo": "2", "host": "h"}


@pytest.mark.parametrize(
    ("host", "domain"),
    [
        ("api.example.com", "api.example.com"),
        ("abc123.execute-api.localhost:3000", "abc123.execute-api.localhost"),
        ("[::1]:3000", "[::1]"),
        ("[::1]", "[::1]"),  # an IPv6 host without a port keeps every colon
        ("", ""),
    ],
)
async def test_parse_reads_the_domain_once_without_the_port(host: str, domain: str) -> None:
    ctx = context(None, headers=[("Host", host)] if host else [])
    parse(ctx, SERVICES)
    assert (ctx.host, ctx.domain) == (host, domain)


async def test_the_domain_reaches_templates_and_lambda_proxy_events_the_same() -> None:
    from tollway.dataplane.integrations.lambda_proxy.proxy import event_request
    from tollway.dataplane.mapping.variables import template_inputs
    from tollway.dataplane.steps.route import route
    from tollway.model import Integration

    served = one_method("/r", "GET", Integration(type="MOCK"))
    ctx = context(served, "GET", "/r", headers=[("Host", "[::1]")])
    parse(ctx, SERVICES)
    route(ctx, SERVICES)
    assert ctx.method is not None
    assert template_inputs(ctx, "").context["domainName"] == "[::1]"
    assert event_request(ctx, ctx.method).domain_name == "[::1]"
