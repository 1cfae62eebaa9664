"""HTTP API route selection, as API Gateway v2 picks the route serving a request."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tollway.dataplane.http_api.routes import RouteTable, compile_routes, validate_route_key

AWS_EXAMPLE = ["GET /pets/dog/1", "GET /pets/dog/{id}", "GET /pets/{proxy+}", "ANY /{proxy+}", "$default"]
"""The routes of AWS's worked example ("Create routes for HTTP APIs", Routing API requests)."""


def _key(table: RouteTable, method: str, path: str) -> str | None:
    found = table.match(method, path)
    return None if found is None else found.route_key


@pytest.mark.parametrize(
    ("method", "path", "expected"),
    [
        ("GET", "/pets/dog/1", "GET /pets/dog/1"),
        ("GET", "/pets/dog/2", "GET /pets/dog/{id}"),
        ("GET", "/pets/cat/1", "GET /pets/{proxy+}"),
        ("POST", "/test/5", "ANY /{proxy+}"),
    ],
)
def test_aws_worked_example_full_match_then_greedy_then_default(
    method: str, path: str, expected: str
) -> None:
    assert _key(compile_routes(AWS_EXAMPLE), method, path) == expected


def test_default_route_catches_what_no_other_route_matches() -> None:
    table = compile_routes(["GET /pets", "$default"])
    found = table.match("DELETE", "/anything/at/all")
    assert found is not None
    assert (found.route_key, found.path_params, found.index) == ("$default", {}, 1)


def test_no_route_and_no_default_is_none_aws_404_not_found() -> None:
    assert compile_routes(["GET /pets"]).match("GET", "/cats") is None


def test_full_match_with_parameters_beats_a_greedy_route_with_a_longer_literal_prefix() -> None:
    table = compile_routes(["GET /pets/dog/{proxy+}", "GET /pets/{kind}/{id}"])
    assert _key(table, "GET", "/pets/dog/1") == "GET /pets/{kind}/{id}"
    assert _key(table, "GET", "/pets/dog/1/2") == "GET /pets/dog/{proxy+}"


def test_literal_segment_earlier_in_the_path_wins_between_parameterised_routes() -> None:
    table = compile_routes(["GET /a/{b}/c", "GET /a/b/{c}"])
    found = table.match("GET", "/a/b/c")
    assert found is not None
    assert (found.route_key, found.path_params) == ("GET /a/b/{c}", {"c": "c"})


def test_longest_literal_prefix_wins_between_greedy_routes() -> None:
    table = compile_routes(["ANY /{proxy+}", "ANY /api/{proxy+}", "ANY /api/v1/{rest+}"])
    found = table.match("GET", "/api/v1/users/7")
    assert found is not None
    assert (found.route_key, found.path_params) == ("ANY /api/v1/{rest+}", {"rest": "users/7"})
    assert _key(table, "GET", "/api/v2/users") == "ANY /api/{proxy+}"
    assert _key(table, "GET", "/other") == "ANY /{proxy+}"


def test_exact_method_beats_any_on_the_same_route() -> None:
    table = compile_routes(["ANY /pets", "GET /pets"])
    assert _key(table, "GET", "/pets") == "GET /pets"
    assert _key(table, "POST", "/pets") == "ANY /pets"


def test_any_on_a_more_specific_path_beats_the_method_on_a_less_specific_one() -> None:
    table = compile_routes(["GET /pets/{id}", "ANY /pets/dog"])
    assert _key(table, "GET", "/pets/dog") == "ANY /pets/dog"


def test_a_route_lacking_the_method_falls_back_to_the_next_most_specific() -> None:
    table = compile_routes(["POST /pets/dog", "GET /pets/{id}", "GET /{proxy+}"])
    assert _key(table, "GET", "/pets/dog") == "GET /pets/{id}"
    assert _key(table, "DELETE", "/pets/dog") is None


def test_path_matching_is_case_sensitive() -> None:
    table = compile_routes(["GET /Pets"])
    assert _key(table, "GET", "/Pets") == "GET /Pets"
    assert _key(table, "GET", "/pets") is None


def test_method_matching_is_exact() -> None:
    assert _key(compile_routes(["GET /pets"]), "get", "/pets") is None


def test_one_trailing_slash_reaches_the_same_route() -> None:
    table = compile_routes(["GET /pets", "GET /pets/{id}", "GET /"])
    assert _key(table, "GET", "/pets/") == "GET /pets"
    found = table.match("GET", "/pets/7/")
    assert found is not None
    assert (found.route_key, found.path_params) == ("GET /pets/{id}", {"id": "7"})
    assert _key(table, "GET", "/") == "GET /"


def test_greedy_variable_needs_at_least_one_segment() -> None:
    table = compile_routes(["GET /pets/{proxy+}"])
    assert table.match("GET", "/pets") is None
    assert table.match("GET", "/pets/") is None
    found = table.match("GET", "/pets/a")
    assert found is not None
    assert found.path_params == {"proxy": "a"}


def test_root_greedy_does_not_match_the_root_path_which_falls_to_default() -> None:
    table = compile_routes(["ANY /{proxy+}", "$default"])
    assert _key(table, "GET", "/") == "$default"
    assert _key(table, "GET", "/x") == "ANY /{proxy+}"


def test_greedy_value_is_the_rest_of_the_path_without_its_leading_slash() -> None:
    found = compile_routes(["ANY /files/{path+}"]).match("PUT", "/files/a/b/c.txt")
    assert found is not None
    assert found.path_params == {"path": "a/b/c.txt"}


def test_path_parameters_are_percent_decoded_as_aws_passes_them() -> None:
    table = compile_routes(["GET /pets/{id}", "GET /files/{proxy+}"])
    found = table.match("GET", "/pets/a%20b%C3%A9")
    assert found is not None
    assert found.path_params == {"id": "a bé"}
    found = table.match("GET", "/files/x%20y/z")
    assert found is not None
    assert found.path_params == {"proxy": "x y/z"}


def test_escaped_literal_still_reaches_its_route() -> None:
    table = compile_routes(["GET /pets/dog", "GET /pets/{id}"])
    assert _key(table, "GET", "/pets/%64og") == "GET /pets/dog"


def test_parameter_takes_exactly_one_non_empty_segment() -> None:
    table = compile_routes(["GET /pets/{id}"])
    assert table.match("GET", "/pets/1/2") is None
    assert table.match("GET", "/pets//") is None


def test_several_parameters_each_named_by_their_own_route() -> None:
    table = compile_routes(["GET /orgs/{org}/teams/{team}", "DELETE /orgs/{id}/teams/{teamId}"])
    get = table.match("GET", "/orgs/o1/teams/t1")
    delete = table.match("DELETE", "/orgs/o1/teams/t1")
    assert get is not None and delete is not None
    assert get.path_params == {"org": "o1", "team": "t1"}
    assert delete.path_params == {"id": "o1", "teamId": "t1"}


def test_match_reports_the_route_index_in_the_given_keys() -> None:
    table = compile_routes(iter(["GET /a", "GET /b/{x}", "ANY /c/{p+}", "$default"]))
    assert [table.match("GET", p).index for p in ("/a", "/b/1", "/c/d", "/z")] == [0, 1, 2, 3]  # type: ignore[union-attr]


def test_path_params_are_fresh_for_every_match() -> None:
    table = compile_routes(["GET /a", "GET /b/{x}"])
    first = table.match("GET", "/a")
    assert first is not None
    first.path_params["x"] = "changed"
    again = table.match("GET", "/a")
    assert again is not None and again.path_params == {}


def test_route_keys_refused_by_create_route_are_refused() -> None:
    with pytest.raises(ValueError, match="One or more path parts appear to be invalid"):
        compile_routes(["GET /pets/"])


@pytest.mark.parametrize(
    "keys",
    [["GET /pets", "GET /pets"], ["GET /pets/{id}", "GET /pets/{petId}"], ["$default", "$default"]],
)
def test_the_same_route_twice_is_refused_aws_already_exists(keys: list[str]) -> None:
    with pytest.raises(ValueError, match="already exists"):
        compile_routes(keys)


def test_same_path_with_different_methods_is_two_routes() -> None:
    table = compile_routes(["GET /pets/{id}", "PUT /pets/{id}", "ANY /pets/{id}"])
    assert _key(table, "PUT", "/pets/1") == "PUT /pets/{id}"
    assert _key(table, "PATCH", "/pets/1") == "ANY /pets/{id}"


@pytest.mark.parametrize(
    "key",
    [
        "$default",
        "GET /",
        "ANY /{proxy+}",
        "POST /pets/{petId}/toys/{toy_id}",
        "OPTIONS /a.b/c:d/e-f/g_h",
        "HEAD /{x.y}",
        "PATCH /v1/{name:part}",
    ],
)
def test_valid_route_keys(key: str) -> None:
    assert validate_route_key(key) is None


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("", "Route key is required"),
        ("GET /pets/", "One or more path parts appear to be invalid"),
        ("GET //pets", "One or more path parts appear to be invalid"),
        ("GET /e{id}", "One or more path parts appear to be invalid"),
        ("GET /{id}.json", "One or more path parts appear to be invalid"),
        ("GET /a b", "one space"),
        ("GET pets", "must start with '/'"),
        ("get /pets", "the method must be one of"),
        ("CONNECT /pets", "the method must be one of"),
        ("/pets", "one space"),
        ("$connect", "one space"),
        ("GET /{proxy+}/more", "greedy path variable must be the last"),
        ("GET /{id}/x/{id}", "may appear only once"),
    ],
)
def test_invalid_route_keys_name_the_problem(key: str, message: str) -> None:
    problem = validate_route_key(key)
    assert problem is not None and message in problem


def test_aws_path_part_message_quotes_the_regular_expression() -> None:
    assert validate_route_key("GET /e{id}") == (
        "One or more path parts appear to be invalid. Parts are validated against this "
        r"regular expression: ^(\{[\w.:-]+\+?\}|[a-zA-Z0-9.:_-]+)$"
    )


def test_non_ascii_literals_are_refused_as_aws_path_parts_are_ascii() -> None:
    assert validate_route_key("GET /café") is not None


# A reference matcher, slow and plain: every route that matches, ranked by AWS's tiers, then
# segment by segment (literal 0, {param} 1, {greedy+} 2), then exact method before ANY.


def _reference(keys: list[str], method: str, path: str) -> tuple[str, dict[str, str]] | None:
    segments = path[1:].split("/") if len(path) > 1 else []
    if segments and not segments[-1]:
        segments.pop()
    best: tuple[tuple[int, tuple[int, ...], int], str, dict[str, str]] | None = None
    for key in keys:
        if key == "$default":
            continue
        route_method, _, route_path = key.partition(" ")
        if route_method not in (method, "ANY"):
            continue
        parts = route_path[1:].split("/") if route_path != "/" else []
        params: dict[str, str] = {}
        ranks: list[int] = []
        greedy = bool(parts) and parts[-1].endswith("+}")
        fixed = parts[:-1] if greedy else parts
        if len(segments) < len(fixed) + greedy or (not greedy and len(segments) != len(fixed)):
            continue
        ok = True
        for part, segment in zip(fixed, segments, strict=False):
            if part.startswith("{"):
                ok = ok and bool(segment)
                params[part[1:-1]] = segment
                ranks.append(1)
            else:
                ok = ok and part == segment
                ranks.append(0)
        if greedy:
            rest = segments[len(fixed) :]
            ok = ok and any(rest)
            params[parts[-1][1:-2]] = "/".join(rest)
            ranks.append(2)
        if not ok:
            continue
        rank = (1 if greedy else 0, tuple(ranks), 1 if route_method == "ANY" else 0)
        if best is None or rank < best[0]:
            best = (rank, key, params)
    if best is not None:
        return best[1], best[2]
    return ("$default", {}) if "$default" in keys else None


_part = st.sampled_from(["a", "b", "{p}", "{q}"])
_route = st.builds(
    lambda method, parts, greedy: f"{method} /" + "/".join([*parts, *(["{rest+}"] if greedy else [])]),
    st.sampled_from(["GET", "POST", "ANY"]),
    st.lists(_part, max_size=3),
    st.booleans(),
)


def _distinct(keys: list[str]) -> list[str]:
    """Keys whose parameter names do not repeat, one per shape (as AWS allows them)."""
    kept: dict[str, str] = {}
    for key in keys:
        if validate_route_key(key) is not None:
            continue
        shape = key.replace("{q}", "{p}")
        kept.setdefault(shape, key)
    return list(kept.values())


@settings(max_examples=400, deadline=None)
@given(
    keys=st.lists(_route, max_size=12),
    default=st.booleans(),
    method=st.sampled_from(["GET", "POST", "PUT"]),
    segments=st.lists(st.sampled_from(["a", "b", "c", ""]), max_size=4),
    trailing=st.booleans(),
)
def test_table_picks_what_the_reference_ranking_picks(
    keys: list[str], default: bool, method: str, segments: list[str], trailing: bool
) -> None:
    routes = _distinct(keys) + (["$default"] if default else [])
    path = "/" + "/".join(segments) + ("/" if trailing and segments else "")
    found = compile_routes(routes).match(method, path)
    expected = _reference(routes, method, path)
    assert (None if found is None else (found.route_key, found.path_params)) == expected
