"""HTTP API parameter mapping, as API Gateway v2 transforms requests and responses."""

from __future__ import annotations

from typing import Any

import pytest

from tollway.dataplane.http_api.params import (
    BODY_PATH_LIMIT,
    MappedRequest,
    PlainSources,
    RequestMapping,
    compile_request_mapping,
    compile_response_mapping,
    is_reserved_header,
)

HEADERS = [("Accept", "a/b"), ("X-Multi", "one"), ("x-multi", "two"), ("X-Old", "old")]
QUERY = [("q", "1"), ("q", "2"), ("page", "3")]


def sources(**overrides: Any) -> PlainSources:
    values: dict[str, Any] = {
        "headers": HEADERS,
        "query_params": QUERY,
        "path_params": {"petId": "42", "proxy": "a/b"},
        "request_path": "/pets/42",
        "body_text": '{"pet": {"name": "Rex", "tags": ["x", "y"], "age": 3, "none": null}}',
        "context_values": {"requestId": "req-1", "identity": {"sourceIp": "203.0.113.9"}, "n": 5},
        "stage_variables": {"backend": "v2"},
    }
    values.update(overrides)
    return PlainSources(**values)


def request(mapping: dict[str, str], **overrides: Any) -> MappedRequest:
    compiled = compile_request_mapping(mapping)
    assert isinstance(compiled, RequestMapping)
    return compiled.apply(HEADERS, QUERY, "/pets/42", sources(**overrides))


def header(mapped: MappedRequest, name: str) -> list[str]:
    return [value for key, value in mapped.headers if key.lower() == name.lower()]


def test_append_header_from_context_request_id_aws_example() -> None:
    mapped = request({"append:header.header1": "$context.requestId"})
    assert header(mapped, "header1") == ["req-1"]
    assert mapped.headers[: len(HEADERS)] == HEADERS


def test_rename_header_with_append_and_remove_aws_example() -> None:
    mapped = request({"append:header.header2": "$request.header.X-Old", "remove:header.X-Old": "''"})
    assert header(mapped, "header2") == ["old"]
    assert header(mapped, "x-old") == []


def test_header_source_is_case_insensitive_and_joins_values_with_commas() -> None:
    assert header(request({"append:header.h": "$request.header.x-MULTI"}), "h") == ["one,two"]


def test_query_source_is_case_sensitive_and_joins_values_with_commas() -> None:
    assert header(request({"append:header.h": "$request.querystring.q"}), "h") == ["1,2"]
    assert header(request({"append:header.h": "$request.querystring.Q"}), "h") == []


def test_overwrite_header_replaces_every_value_whatever_the_case() -> None:
    mapped = request({"overwrite:header.X-MULTI": "fixed"})
    assert header(mapped, "x-multi") == ["fixed"]


def test_remove_header_removes_every_value() -> None:
    assert header(request({"remove:header.x-multi": ""}), "x-multi") == []


def test_querystring_append_overwrite_remove() -> None:
    mapped = request(
        {
            "append:querystring.page": "$stageVariables.backend",
            "overwrite:querystring.q": "only",
            "remove:querystring.missing": "",
        }
    )
    assert mapped.query == [("page", "3"), ("q", "only"), ("page", "v2")]
    assert request({"remove:querystring.q": ""}).query == [("page", "3")]


def test_querystring_target_names_are_case_sensitive() -> None:
    assert request({"remove:querystring.Q": ""}).query == QUERY


def test_overwrite_path_from_a_path_parameter() -> None:
    assert request({"overwrite:path": "/v2/pets/$request.path.petId"}).path == "/v2/pets/$request.path.petId"
    assert request({"overwrite:path": "/v2/pets/${request.path.petId}"}).path == "/v2/pets/42"


def test_overwrite_path_with_the_whole_request_path() -> None:
    assert request({"overwrite:path": "/base${request.path}"}).path == "/base/pets/42"


def test_path_is_none_when_the_mapping_leaves_it() -> None:
    assert request({"append:header.h": "x"}).path is None
    assert request({"overwrite:path": "$request.path"}).path is None


def test_mapped_request_unpacks_as_headers_query_path() -> None:
    headers, query, path = request({"overwrite:path": "/x"})
    assert (headers, query, path) == (HEADERS, QUERY, "/x")


def test_several_variables_in_one_value_need_braces() -> None:
    mapped = request({"append:header.h": "${request.path.petId} ${stageVariables.backend}!"})
    assert header(mapped, "h") == ["42 v2!"]
    with pytest.raises(ValueError, match=r"write each as \$\{\.\.\.\}"):
        compile_request_mapping({"append:header.h": "$request.path.petId $stageVariables.backend"})


def test_greedy_path_parameter_source() -> None:
    assert header(request({"append:header.h": "$request.path.proxy"}), "h") == ["a/b"]


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("$request.body.pet.name", "Rex"),
        ("$request.body.pet.tags[1]", "y"),
        ("$request.body.pet.tags", '["x","y"]'),
        ("$request.body.pet.age", "3"),
        ("$request.body.pet", '{"name":"Rex","tags":["x","y"],"age":3,"none":null}'),
        ("${request.body.pet.name}-${request.body.pet.age}", "Rex-3"),
    ],
)
def test_body_json_path_values_strings_as_is_others_as_compact_json(expression: str, expected: str) -> None:
    assert header(request({"append:header.h": expression}), "h") == [expected]


def test_whole_body_source() -> None:
    assert header(request({"append:header.h": "$request.body"}, body_text="plain text"), "h") == [
        "plain text"
    ]


def test_body_path_on_a_body_that_is_not_json_maps_nothing() -> None:
    assert header(request({"append:header.h": "$request.body.pet"}, body_text="<xml/>"), "h") == []


def test_body_path_applies_to_the_first_100_kb_only() -> None:
    big = '{"pet": "Rex", "pad": "' + "x" * BODY_PATH_LIMIT + '"}'
    assert header(request({"append:header.h": "$request.body.pet"}, body_text=big), "h") == []


@pytest.mark.parametrize("expression", ["$request.body..name", "$request.body.pets[?(@.age > 1)]"])
def test_recursive_descent_and_filters_are_refused(expression: str) -> None:
    with pytest.raises(ValueError, match="recursive descent or a filter"):
        compile_request_mapping({"append:header.h": expression})


def test_nested_context_variable_and_stage_variable() -> None:
    mapped = request({"append:header.ip": "$context.identity.sourceIp", "append:header.n": "$context.n"})
    assert (header(mapped, "ip"), header(mapped, "n")) == (["203.0.113.9"], ["5"])


@pytest.mark.parametrize(
    "expression",
    [
        "$request.header.absent",
        "$request.querystring.absent",
        "$request.path.absent",
        "$request.body.pet.none",
    ],
)
def test_a_missing_source_leaves_the_target_as_it_was(expression: str) -> None:
    mapped = request({"append:header.new": expression, "overwrite:header.Accept": expression})
    assert header(mapped, "new") == []
    assert header(mapped, "accept") == ["a/b"]


def test_missing_context_or_stage_variable_leaves_the_target() -> None:
    mapped = request({"append:header.a": "$context.nope", "append:header.b": "$stageVariables.nope"})
    assert mapped.headers == HEADERS


def test_a_missing_variable_inside_static_text_renders_empty() -> None:
    assert header(request({"append:header.h": "v=${request.header.absent};"}), "h") == ["v=;"]


def test_static_values_are_plain_text() -> None:
    assert header(request({"append:header.h": "application/json"}), "h") == ["application/json"]


def test_sources_read_the_original_request_not_other_mappings() -> None:
    mapped = request({"overwrite:header.X-Old": "new", "append:header.copy": "$request.header.X-Old"})
    assert (header(mapped, "x-old"), header(mapped, "copy")) == (["new"], ["old"])


def test_targets_change_in_the_order_remove_overwrite_append() -> None:
    mapped = request(
        {"append:header.X-Old": "appended", "overwrite:header.X-Old": "over", "remove:header.X-Old": ""}
    )
    assert header(mapped, "x-old") == ["over", "appended"]


def test_inputs_are_not_changed() -> None:
    headers, query = list(HEADERS), list(QUERY)
    compiled = compile_request_mapping({"remove:header.Accept": "", "overwrite:querystring.q": "z"})
    assert compiled is not None
    compiled.apply(headers, query, "/", sources())
    assert (headers, query) == (HEADERS, QUERY)


def test_empty_mapping_or_only_empty_values_compile_to_none() -> None:
    assert compile_request_mapping({}) is None
    assert compile_request_mapping({"append:header.h": ""}) is None
    assert compile_response_mapping({}) is None
    assert compile_response_mapping({"200": {}}) is None


@pytest.mark.parametrize(
    "name",
    [
        "Authorization",
        "connection",
        "Content-Encoding",
        "content-length",
        "Content-Location",
        "Forwarded",
        "Keep-Alive",
        "Origin",
        "Proxy-Authenticate",
        "Proxy-Authorization",
        "TE",
        "Trailers",
        "Transfer-Encoding",
        "Upgrade",
        "X-Forwarded-For",
        "X-Forwarded-Host",
        "x-forwarded-proto",
        "Via",
        "Access-Control-Allow-Origin",
        "apigw-requestid",
        "X-Amz-Date",
        "x-amzn-trace-id",
    ],
)
def test_aws_reserved_headers_cannot_be_mapped_in_requests_or_responses(name: str) -> None:
    assert is_reserved_header(name)
    with pytest.raises(ValueError, match="reserved"):
        compile_request_mapping({f"overwrite:header.{name}": "x"})
    with pytest.raises(ValueError, match="reserved"):
        compile_response_mapping({"200": {f"remove:header.{name}": ""}})


@pytest.mark.parametrize("name", ["Host", "X-Forwarded-Port", "Content-Type", "Trailer", "x-am"])
def test_headers_outside_the_reserved_list_can_be_mapped(name: str) -> None:
    assert not is_reserved_header(name)
    assert compile_request_mapping({f"append:header.{name}": "x"}) is not None


def test_a_reserved_header_may_be_read() -> None:
    assert header(request({"append:header.h": "$request.header.accept"}), "h") == ["a/b"]


@pytest.mark.parametrize(
    "key",
    [
        "append:path",
        "remove:path",
        "overwrite:statuscode",
        "add:header.x",
        "overwrite:body",
        "append:header.",
        "append:header.bad name",
        "append:querystring.",
        "overwrite:querystring.a&b",
    ],
)
def test_unknown_request_keys_are_refused(key: str) -> None:
    with pytest.raises(ValueError, match="Invalid mapping key"):
        compile_request_mapping({key: "x"})


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("$response.header.x", "cannot be read in request parameters"),
        ("$request.cookie.x", "is not a supported source"),
        ("$request.header", "is not a supported source"),
        ("$method.request.header.x", "is not a supported source"),
        ("$context.bad-name", "is not a context variable"),
        ("$stageVariables.bad.name", "is not a stage variable"),
        ("x${request.header.y", "without a closing"),
        ("$request.body.[", "is not a JSON path"),
    ],
)
def test_bad_request_values_are_refused(value: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        compile_request_mapping({"append:header.h": value})


RESPONSE_HEADERS = [("Content-Type", "application/json"), ("X-Backend", "b1"), ("X-Drop", "d")]


def respond(
    mapping: dict[str, dict[str, str]], status: int, **overrides: Any
) -> tuple[int, list[tuple[str, str]]]:
    compiled = compile_response_mapping(mapping)
    assert compiled is not None
    values: dict[str, Any] = {"headers": RESPONSE_HEADERS, "body_text": '{"error": {"code": "E42"}}'}
    values.update(overrides)
    return compiled.apply(status, RESPONSE_HEADERS, sources(**values))


def test_response_mapping_aws_example_500_becomes_403_with_a_header() -> None:
    mapping = {
        "500": {"append:header.header1": "$context.requestId", "overwrite:statuscode": "403"},
        "404": {"append:header.error": "$stageVariables.backend"},
    }
    assert respond(mapping, 500) == (403, [*RESPONSE_HEADERS, ("header1", "req-1")])
    assert respond(mapping, 404) == (404, [*RESPONSE_HEADERS, ("error", "v2")])


def test_response_mapping_applies_only_to_its_status_code() -> None:
    assert respond({"500": {"overwrite:statuscode": "403"}}, 200) == (200, RESPONSE_HEADERS)


def test_response_sources_are_the_integration_response() -> None:
    status, headers = respond(
        {
            "400": {
                "overwrite:header.X-Backend": "from-${response.header.x-backend}",
                "append:header.X-Code": "$response.body.error.code",
                "remove:header.x-drop": "",
            }
        },
        400,
    )
    assert status == 400
    assert headers == [("Content-Type", "application/json"), ("X-Backend", "from-b1"), ("X-Code", "E42")]


def test_status_code_from_a_response_header_variable() -> None:
    mapping = {"502": {"overwrite:statuscode": "$response.header.X-Status"}}
    assert respond(mapping, 502, headers=[("X-Status", "418")])[0] == 418


def test_a_variable_status_code_that_is_not_one_leaves_the_status() -> None:
    mapping = {"502": {"overwrite:statuscode": "$response.header.X-Status"}}
    assert respond(mapping, 502, headers=[("X-Status", "teapot")])[0] == 502
    assert respond(mapping, 502, headers=[])[0] == 502


@pytest.mark.parametrize("value", ["abc", "99", "600", "2000"])
def test_a_static_status_code_that_is_not_one_is_refused(value: str) -> None:
    with pytest.raises(ValueError, match="not a status code"):
        compile_response_mapping({"500": {"overwrite:statuscode": value}})


@pytest.mark.parametrize("code", ["default", "2xx", "5000", ""])
def test_response_mapping_keys_must_be_status_codes(code: str) -> None:
    with pytest.raises(ValueError, match="not an HTTP status code"):
        compile_response_mapping({code: {"overwrite:statuscode": "200"}})


@pytest.mark.parametrize(
    ("key", "value", "problem"),
    [
        ("append:querystring.q", "x", "Invalid mapping key"),
        ("overwrite:path", "/x", "Invalid mapping key"),
        ("append:header.h", "$request.header.x", "cannot be read in response parameters"),
    ],
)
def test_response_mapping_refuses_request_only_keys_and_sources(key: str, value: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        compile_response_mapping({"200": {key: value}})


def test_plain_sources_parse_the_body_once() -> None:
    plain = sources()
    assert plain.body_json() is plain.body_json()


class _JsonOnlySources:
    """A ``Sources`` without ``body()``: the whole body comes from its JSON."""

    def header(self, name: str) -> str | None:
        return None

    def query(self, name: str) -> str | None:
        return None

    def path_param(self, name: str) -> str | None:
        return None

    def path(self) -> str:
        return "/"

    def body_json(self) -> Any:
        return {"b": [1, 2]}

    def context(self, name: str) -> str | None:
        return None

    def stage_variable(self, name: str) -> str | None:
        return None


def test_whole_body_from_a_source_without_raw_body_is_its_compact_json() -> None:
    compiled = compile_request_mapping(
        {"append:header.h": "$request.body", "append:header.b": "$request.body.b[1]"}
    )
    assert compiled is not None
    mapped = compiled.apply([], [], "/", _JsonOnlySources())
    assert mapped.headers == [("h", '{"b":[1,2]}'), ("b", "2")]
