"""Route matching precedence, as API Gateway REST APIs resolve resources and methods."""

from __future__ import annotations

import pytest

from tollway.dataplane.routing.index import RouteIndex
from tollway.dataplane.routing.normalize import normalize_path


def _index() -> RouteIndex[str]:
    return RouteIndex(
        {
            "/": {"GET": "root"},
            "/pets": {"GET": "list", "ANY": "pets-any"},
            "/pets/{petId}": {"GET": "one"},
            "/pets/mine": {"GET": "mine"},
            "/pets/{petId}/toys/{toyId}": {"DELETE": "toy"},
            "/{proxy+}": {"ANY": "catch-all"},
            "/files/{path+}": {"GET": "file"},
        }
    )


def test_literal_beats_param_aws_precedence() -> None:
    found = _index().match("GET", "/pets/mine")
    assert found is not None
    assert (found.target, found.resource_path, found.path_params) == ("mine", "/pets/mine", {})


def test_param_beats_greedy_and_is_decoded() -> None:
    found = _index().match("GET", "/pets/a%20b")
    assert found is not None
    assert (found.target, found.path_params) == ("one", {"petId": "a b"})


def test_method_beats_any_on_same_resource() -> None:
    index = _index()
    assert index.match("GET", "/pets").target == "list"  # type: ignore[union-attr]
    assert index.match("POST", "/pets").target == "pets-any"  # type: ignore[union-attr]


def test_greedy_proxy_takes_the_rest_of_the_path() -> None:
    found = _index().match("PUT", "/a/b/c")
    assert found is not None
    assert (found.target, found.resource_path, found.path_params) == (
        "catch-all",
        "/{proxy+}",
        {"proxy": "a/b/c"},
    )


def test_named_greedy_parameter() -> None:
    found = _index().match("GET", "/files/x/y.txt")
    assert found is not None
    assert found.path_params == {"path": "x/y.txt"}


def test_falls_back_to_greedy_when_the_specific_resource_lacks_the_method() -> None:
    found = _index().match("POST", "/pets/7")
    assert found is not None
    assert (found.target, found.path_params) == ("catch-all", {"proxy": "pets/7"})


def test_nested_params() -> None:
    found = _index().match("DELETE", "/pets/1/toys/2")
    assert found is not None
    assert found.path_params == {"petId": "1", "toyId": "2"}


def test_greedy_does_not_match_the_root_aws() -> None:
    index = RouteIndex({"/{proxy+}": {"ANY": "x"}})
    assert index.match("GET", "/") is None


def test_unknown_route_or_method_is_no_match() -> None:
    index = RouteIndex({"/pets": {"GET": "list"}})
    assert index.match("POST", "/pets") is None
    assert index.match("GET", "/dogs") is None


def test_root_and_trailing_slash() -> None:
    index = _index()
    assert index.match("GET", "/").target == "root"  # type: ignore[union-attr]
    assert index.match("GET", "/pets/").target == "list"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        ("/pets/1", "/pets/1"),
        ("//admin", "/admin"),
        ("/public/../admin", "/admin"),
        ("/public/%2e%2E/admin", "/admin"),
        ("/%61dmin", "/admin"),
        ("/./admin/.", "/admin"),
        ("/../../admin", "/admin"),
        ("/files/a%252Fb", "/files/a%252Fb"),  # a double-encoded slash is a literal %2F
        ("/a%20b", "/a%20b"),
        ("/Admin", "/Admin"),  # paths are case-sensitive
        ("/pets/", "/pets/"),
    ],
)
def test_one_spelling_per_path_before_routing(raw: str, normal: str) -> None:
    assert normalize_path(raw) == normal
