"""parse: the query string and headers, read once."""

from __future__ import annotations

import pytest

from step_support import SERVICES, context
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
