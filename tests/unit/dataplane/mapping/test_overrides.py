"""``$context.requestOverride`` / ``responseOverride``: every assignment form, AWS's rules."""

from __future__ import annotations

import pytest

from tollway.dataplane.mapping.inputs import TemplateInputs
from tollway.dataplane.mapping.overrides import Overrides
from tollway.dataplane.mapping.params import MappedRequestParameters
from tollway.dataplane.mapping.vtl import compile_template
from tollway.errors import ApiConfigurationError


def run(source: str, overrides: Overrides, **fields: object) -> str:
    return compile_template(source).render(TemplateInputs(**fields), overrides)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "source",
    [
        '#set($context.requestOverride.querystring.k = "v")',
        '#set($name = "k")#set($context.requestOverride.querystring[$name] = "v")',
        '#set($context.requestOverride.querystring["k"] = "v")',
        '#set($context["requestOverride"].querystring["k"] = "v")',
        '$context.requestOverride.querystring.put("k", "v")',
        '#set($dummy = $context.requestOverride.querystring.put("k", "v"))',
        '$context.requestOverride.querystring.putAll({"k": "v"})',
    ],
)
def test_every_assignment_form_sets_the_override_aws_recorded_map_assignation(source: str) -> None:
    overrides = Overrides()
    assert run(source, overrides) == ""
    assert overrides.request["querystring"] == {"k": "v"}


def test_setting_the_same_override_twice_fails_with_500_overrides_are_final() -> None:
    for source in (
        "#set($context.responseOverride.status = 400)#set($context.responseOverride.status = 401)",
        '#set($context.requestOverride.header.a = "1")$context.requestOverride.header.put("a", "2")',
        '#foreach($i in [1, 2])#set($context.requestOverride.path.p = "$i")#end',
    ):
        with pytest.raises(ApiConfigurationError) as caught:
            run(source, Overrides())
        assert caught.value.status_code == 500
        assert caught.value.detail is not None and "set twice" in caught.value.detail


def test_a_variable_applied_once_at_the_end_is_the_documented_way() -> None:
    source = "#set($s = 200)#if(true)#set($s = 409)#end#set($context.responseOverride.status = $s)"
    overrides = Overrides()
    run(source, overrides)
    assert overrides.status() == 409


def test_a_later_template_reads_what_an_earlier_one_set_and_may_set_it_again() -> None:
    overrides = Overrides()
    run(
        '#set($context.requestOverride.path.body = "b1")#set($context.responseOverride.status = 444)',
        overrides,
    )
    out = run(
        "$context.requestOverride.path.body $context.responseOverride.status"
        "#set($context.responseOverride.status = 201)",
        overrides,
    )
    assert out == "b1 444"
    assert overrides.status() == 201


def test_without_overrides_a_template_gets_maps_of_its_own() -> None:
    template = compile_template(
        "#set($context.responseOverride.status = 400)$context.responseOverride.status"
    )
    assert template.render(TemplateInputs()) == "400"
    assert template.render(TemplateInputs()) == "400"  # nothing leaks between renders


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("400", 400),
        ("'404'", 404),
        ("599", 599),
        ("600", None),
        ("99", None),
        ("'abc'", None),
        ("true", None),
    ],
)
def test_status_override_must_be_a_status_code_else_it_is_ignored(value: str, expected: int | None) -> None:
    overrides = Overrides()
    run(f"#set($context.responseOverride.status = {value})", overrides)
    assert overrides.status() == expected


def test_request_overrides_replace_mapped_parameters_and_add_new_ones() -> None:
    overrides = Overrides()
    run(
        '#set($context.requestOverride.header.X-A = "override")'
        '#set($context.requestOverride.header.multi = ["foo", "bar"])'
        '#set($context.requestOverride.querystring.q = ["1", "2"])'
        '#set($context.requestOverride.path.id = "42")',
        overrides,
    )
    mapped = MappedRequestParameters(
        path={"id": "7", "other": "o"}, querystring={"q": ["0"], "keep": ["k"]}, headers={"x-a": ["mapped"]}
    )
    merged = overrides.apply_to_request(mapped)
    assert merged.headers == {"X-A": ["override"], "multi": ["foo,bar"]}
    assert merged.querystring == {"q": ["1", "2"], "keep": ["k"]}
    assert merged.path == {"id": "42", "other": "o"}
    assert overrides.header_names() == ["X-A", "multi"]


def test_null_override_is_unset_and_no_overrides_keeps_the_mapping_object() -> None:
    overrides = Overrides()
    run("#set($context.requestOverride.header.gone = $nothing)", overrides)
    mapped = MappedRequestParameters(headers={"h": ["v"]})
    assert overrides.apply_to_request(mapped) is mapped


def test_response_header_override_replaces_case_insensitively_and_joins_lists() -> None:
    overrides = Overrides()
    run(
        '#set($context.responseOverride.header.content-type = "text/plain")'
        '#set($context.responseOverride.header.X-Multi = ["a", "b"])',
        overrides,
    )
    headers = [("Content-Type", "application/json"), ("X-Kept", "k")]
    assert overrides.apply_to_response(headers) == [
        ("X-Kept", "k"),
        ("content-type", "text/plain"),
        ("X-Multi", "a,b"),
    ]


def test_assignment_through_a_missing_step_sets_nothing_like_velocity() -> None:
    overrides = Overrides()
    source = (
        '#set($context.requestOverride.nope.x = "1")'
        '#set($nothing.a = "1")'
        "#set($list = [1, 2])#set($list[5] = 9)#set($list[1] = 3)$list"
    )
    assert run(source, overrides) == "[1, 3]"
    assert "nope" not in overrides.request
