"""JSONPath as API Gateway (Jayway JsonPath) evaluates it."""

from __future__ import annotations

import pytest

from tollway.dataplane.mapping.jsonpath import MISSING, JsonPathError, compile_jsonpath

DOC = {
    "a": {"b": "deep", "x": 1},
    "items": [{"id": 1, "x": 2}, {"id": 2, "x": 3}],
    "with space": True,
}


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("$", DOC),
        ("$.a.b", "deep"),
        ("$['a']['b']", "deep"),
        ("$.items[0]", {"id": 1, "x": 2}),
        ("$.items[-1].id", 2),
        ("$['with space']", True),
    ],
)
def test_definite_path_returns_the_value_itself_jayway(expression: str, expected: object) -> None:
    path = compile_jsonpath(expression)
    assert path.definite
    assert path.value(DOC) == expected
    assert path(DOC) == [expected]


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("$.items[*].id", [1, 2]),
        ("$..id", [1, 2]),
        ("$.items[0,1].x", [2, 3]),
        ("$.items[0:1].id", [1]),
        ("$.items[?(@.id > 1)].x", [3]),
    ],
)
def test_indefinite_path_returns_a_list_jayway(expression: str, expected: list[object]) -> None:
    path = compile_jsonpath(expression)
    assert not path.definite
    assert path.value(DOC) == expected


def test_recursive_descent_finds_matches_at_every_depth() -> None:
    found = compile_jsonpath("$..x").value(DOC)
    assert sorted(found) == [1, 2, 3]


def test_missing_definite_path_is_missing_not_null() -> None:
    assert compile_jsonpath("$.a.nope").value(DOC) is MISSING
    assert compile_jsonpath("$.items[5]").value(DOC) is MISSING
    assert compile_jsonpath("$.a.b.c").value(DOC) is MISSING
    assert compile_jsonpath("$.a.nope")(DOC) == []
    assert compile_jsonpath("$.n").value({"n": None}) is None


def test_indefinite_path_without_matches_is_an_empty_list() -> None:
    assert compile_jsonpath("$.nope[*]").value(DOC) == []


def test_compiled_paths_are_cached() -> None:
    assert compile_jsonpath("$.a.b") is compile_jsonpath("$.a.b")


@pytest.mark.parametrize("expression", ["a.b", "$.a[", "$[?(@.x ==]", ""])
def test_invalid_expression_raises_jsonpath_error(expression: str) -> None:
    with pytest.raises(JsonPathError):
        compile_jsonpath(expression)
