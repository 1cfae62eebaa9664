"""Function names, ARNs and qualifiers as Lambda's Invoke accepts them; alias traffic weights."""

from __future__ import annotations

import pytest

from tollway.functions.runtime.executor import FunctionNotFound
from tollway.functions.runtime.local import parse_function_name, pick_version
from tollway.model.functions import FunctionAlias


@pytest.mark.parametrize(
    ("name", "qualifier", "expected"),
    [
        ("my-function", None, ("my-function", None)),
        ("my-function:live", None, ("my-function", "live")),
        ("my_function", "3", ("my_function", "3")),
        ("arn:aws:lambda:us-east-1:123456789012:function:my-function", None, ("my-function", None)),
        (
            "arn:aws:lambda:eu-west-1:123456789012:function:my-function:$LATEST",
            None,
            ("my-function", "$LATEST"),
        ),
        ("arn:aws:lambda:us-east-1:123456789012:function:my-function:7", "7", ("my-function", "7")),
        ("my-function", "", ("my-function", None)),
    ],
)
def test_names_and_arns_resolve_to_name_and_qualifier(
    name: str, qualifier: str | None, expected: tuple[str, str | None]
) -> None:
    assert parse_function_name(name, qualifier) == expected


def test_a_qualifier_in_the_arn_that_disagrees_with_the_parameter_is_rejected() -> None:
    with pytest.raises(FunctionNotFound, match="derived qualifier from the function name does not match"):
        parse_function_name("fn:1", "2")


@pytest.mark.parametrize("name", ["", "arn:aws:s3:::bucket", "fn:a:b", "with space"])
def test_malformed_names_are_function_not_found(name: str) -> None:
    with pytest.raises(FunctionNotFound):
        parse_function_name(name, None)


def test_alias_routes_its_additional_weight_to_the_other_version() -> None:
    alias = FunctionAlias("live", "1", {"2": 0.25})
    assert [pick_version(alias, draw) for draw in (0.0, 0.2499, 0.25, 0.9999)] == ["2", "2", "1", "1"]
    assert pick_version(FunctionAlias("plain", "4"), 0.0) == "4"
