"""Request validation as Amazon API Gateway's request validators do it.

AWS facts these tests pin (see the module docstring of ``tollway.dataplane.validation.rules``):
parameters before body; ``Missing required request parameters: [x-header-param, issuer, qs1]``
(recorded against AWS); ``Invalid request body`` with fge-worded validation errors, e.g.
``[instance type (string) does not match any allowed primitive type (allowed: ["integer","number"])]``
(recorded by a client of a real API Gateway); the body model chosen by content type, else
``$default``, else no body validation.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import jsonschema
import pytest

from tollway.dataplane.gateway_responses import compile_gateway_responses
from tollway.dataplane.mapping.inputs import TemplateInputs
from tollway.dataplane.validation.rules import (
    NOT_JSON,
    Failure,
    RequestCheck,
    check,
    compile_validation,
    find_failure,
)
from tollway.dataplane.validation.schema_errors import schema_errors
from tollway.errors import BadRequestBody, BadRequestParameters, DefinitionError
from tollway.model.api import Method, Model, RequestValidator, RestApi

DRAFT4 = "http://json-schema.org/draft-04/schema#"
PET = {
    "$schema": DRAFT4,
    "title": "Pet",
    "type": "object",
    "required": ["name", "price", "type"],
    "properties": {
        "name": {"type": "string", "minLength": 2},
        "price": {"type": "number", "minimum": 10, "maximum": 500},
        "type": {"type": "string", "enum": ["dog", "cat", "fish"]},
        "owner": {"$ref": "#/definitions/Owner"},
        "tags": {"type": "array", "items": {"$ref": "#/definitions/Tag"}, "maxItems": 3},
    },
    "definitions": {"Tag": {"type": "string", "pattern": "^[a-z]+$"}},
}
OWNER = {
    "$schema": DRAFT4,
    "title": "Owner",
    "type": "object",
    "required": ["id"],
    "properties": {"id": {"type": "integer"}, "email": {"type": "string", "format": "email"}},
    "additionalProperties": False,
}
EMPTY = {"$schema": DRAFT4, "title": "Empty Schema", "type": "object"}
VALIDATORS = (
    RequestValidator("all", "all", validate_request_body=True, validate_request_parameters=True),
    RequestValidator("body", "body-only", validate_request_body=True),
    RequestValidator("params", "params-only", validate_request_parameters=True),
    RequestValidator("none", "nothing"),
)
PARAMS = {
    "method.request.path.petId": True,
    "method.request.querystring.qs1": True,
    "method.request.querystring.page": False,
    "method.request.header.x-header-param": True,
}
JSON = "application/json"
GOOD = b'{"name": "Rex", "price": 42, "type": "dog", "owner": {"id": 7}, "tags": ["good"]}'


def api(*models: Model) -> RestApi:
    defaults = (Model("Pet", schema=PET), Model("Owner", schema=OWNER), Model("Empty", schema=EMPTY))
    return RestApi(id="a1b2c3", name="Pets", models=models or defaults, request_validators=VALIDATORS)


def compiled(
    validator: str | None = "all",
    params: dict[str, bool] | None = None,
    models: dict[str, str] | None = None,
    rest_api: RestApi | None = None,
) -> RequestCheck:
    method = Method(
        "POST",
        request_validator_id=validator,
        request_parameters=PARAMS if params is None else params,
        request_models={JSON: "Pet"} if models is None else models,
    )
    result = compile_validation(rest_api or api(), method)
    assert result is not None
    return result


def failure(
    request: RequestCheck,
    body: bytes = GOOD,
    *,
    content_type: str | None = JSON,
    path: Mapping[str, str] | None = None,
    query: Mapping[str, Sequence[str]] | None = None,
    headers: Mapping[str, str] | None = None,
) -> Failure | None:
    return find_failure(
        request,
        path_params={"petId": "1"} if path is None else path,
        query={"qs1": ["a"]} if query is None else query,
        headers={"x-header-param": "v"} if headers is None else headers,
        content_type=content_type,
        body=body,
    )


def body_error(request: RequestCheck, body: bytes, content_type: str | None = JSON) -> str:
    found = failure(request, body, content_type=content_type)
    assert found is not None and found.body, found
    assert found.message == "Invalid request body"
    return found.validation_error


# ------------------------------------------------------------------------------- compiling


def test_a_method_without_validator_validates_nothing() -> None:
    method = Method("POST", request_parameters=PARAMS, request_models={JSON: "Pet"})
    assert compile_validation(api(), method) is None


def test_a_validator_with_nothing_to_check_is_skipped() -> None:
    rest_api = api()
    flags_off = Method(
        "POST", request_validator_id="none", request_parameters=PARAMS, request_models={JSON: "Pet"}
    )
    nothing_required = Method(
        "GET", request_validator_id="params", request_parameters={"method.request.path.x": False}
    )
    no_model = Method("POST", request_validator_id="body", request_parameters=PARAMS)
    assert compile_validation(rest_api, flags_off) is None
    assert compile_validation(rest_api, nothing_required) is None
    assert compile_validation(rest_api, no_model) is None


@pytest.mark.parametrize(
    ("method", "problem"),
    [
        (Method("POST", request_validator_id="missing"), "request validator is not defined"),
        (Method("POST", request_validator_id="body", request_models={JSON: "Nope"}), "not defined"),
    ],
)
def test_undefined_validator_or_model_is_refused_at_deploy(method: Method, problem: str) -> None:
    with pytest.raises(DefinitionError, match=problem):
        compile_validation(api(), method)


def test_a_model_referring_outside_the_api_is_refused() -> None:
    remote = Model("Remote", schema={"type": "object", "properties": {"a": {"$ref": "http://example.com/s"}}})
    method = Method("POST", request_validator_id="body", request_models={JSON: "Remote"})
    with pytest.raises(DefinitionError, match="does not name a model"):
        compile_validation(api(remote), method)


# ------------------------------------------------------------------------------- parameters


def test_missing_parameters_are_listed_by_name_header_then_path_then_querystring() -> None:
    """AWS answered ``Missing required request parameters: [x-header-param, issuer, qs1]``."""
    params = {
        "method.request.querystring.qs1": True,
        "method.request.path.issuer": True,
        "method.request.header.x-header-param": True,
        "method.request.querystring.a": True,
    }
    found = failure(compiled("params", params), path={}, query={}, headers={})
    assert found == Failure(
        False,
        "Missing required request parameters: [x-header-param, issuer, a, qs1]",
        "Missing required request parameters: [x-header-param, issuer, a, qs1]",
    )


def test_missing_parameter_is_a_400_bad_request_parameters_with_aws_body() -> None:
    request = compiled("params")
    with pytest.raises(BadRequestParameters) as caught:
        check(request, path_params={"petId": "1"}, query={}, headers={}, content_type=None, body=b"")
    error = caught.value
    assert (error.status_code, error.response_type) == (400, "BAD_REQUEST_PARAMETERS")
    assert error.message == "Missing required request parameters: [x-header-param, qs1]"
    rendered = compile_gateway_responses(api()).render(error, TemplateInputs())
    assert rendered.status == 400
    assert rendered.body == b'{"message": "Missing required request parameters: [x-header-param, qs1]"}'


def test_all_required_parameters_present_passes_and_optional_ones_are_not_checked() -> None:
    assert failure(compiled("params")) is None


@pytest.mark.parametrize(
    ("query", "ok"),
    [
        ({"qs1": [""]}, False),  # ?qs1= is blank: AWS wants "included and not blank"
        ({"qs1": ["  "]}, False),
        ({"qs1": ["", "x"]}, True),  # multi-valued: one value that is not blank will do
        ({"qs1": ["x", ""]}, True),
        ({"QS1": ["x"]}, False),  # query string names are case-sensitive
        ({}, False),
    ],
)
def test_query_string_parameter_must_be_present_and_not_blank(query: dict[str, list[str]], ok: bool) -> None:
    found = failure(compiled("params"), query=query)
    assert (found is None) is ok
    if not ok:
        assert found is not None and found.message == "Missing required request parameters: [qs1]"


@pytest.mark.parametrize(
    ("headers", "ok"),
    [
        ({"x-header-param": "v"}, True),
        ({"X-Header-Param": "v"}, True),  # header names are case-insensitive
        ({"X-HEADER-PARAM": "v"}, True),
        ({"x-header-param": ""}, False),
        ({"x-header-param": " \t"}, False),
        ({"x-other": "v"}, False),
    ],
)
def test_header_parameter_is_matched_case_insensitively(headers: dict[str, str], ok: bool) -> None:
    params = {"method.request.header.X-Header-Param": True}
    found = failure(compiled("params", params), headers=headers)
    assert (found is None) is ok
    if not ok:
        assert found is not None and found.message == "Missing required request parameters: [X-Header-Param]"


def test_path_parameter_not_in_the_route_is_missing() -> None:
    params = {"method.request.path.issuer": True}
    found = failure(compiled("params", params), path={"petId": "1"})
    assert found is not None and found.message == "Missing required request parameters: [issuer]"


def test_body_only_validator_ignores_missing_parameters() -> None:
    assert failure(compiled("body"), path={}, query={}, headers={}) is None


def test_parameters_are_checked_before_the_body() -> None:
    found = failure(compiled("all"), b"not json", query={})
    assert found is not None and not found.body
    assert found.message == "Missing required request parameters: [qs1]"


# ------------------------------------------------------------------------------------- body


def test_valid_body_passes() -> None:
    assert failure(compiled("all")) is None


def test_invalid_body_is_a_400_bad_request_body_with_validation_error_string() -> None:
    request = compiled("body")
    with pytest.raises(BadRequestBody) as caught:
        check(request, path_params={}, query={}, headers={}, content_type=JSON, body=b'{"name": "Rex"}')
    error = caught.value
    assert (error.status_code, error.response_type, error.message) == (
        400,
        "BAD_REQUEST_BODY",
        "Invalid request body",
    )
    assert error.validation_error == '[object has missing required properties (["price","type"])]'
    rendered = compile_gateway_responses(api()).render(error, TemplateInputs())
    assert (rendered.status, rendered.body) == (400, b'{"message": "Invalid request body"}')


def test_reference_to_another_model_is_validated() -> None:
    body = b'{"name": "Rex", "price": 42, "type": "dog", "owner": {"id": "seven"}}'
    assert body_error(compiled("body"), body) == (
        '[instance type (string) does not match any allowed primitive type (allowed: ["integer"])]'
    )
    extra = b'{"name": "Rex", "price": 42, "type": "dog", "owner": {"id": 1, "nick": "x"}}'
    assert body_error(compiled("body"), extra) == (
        '[object instance has properties which are not allowed by the schema: ["nick"]]'
    )


def test_schema_definitions_of_the_model_itself_are_validated() -> None:
    body = b'{"name": "Rex", "price": 42, "type": "dog", "tags": ["ok", "Not-OK"]}'
    assert (
        body_error(compiled("body"), body)
        == '[ECMA 262 regex "^[a-z]+$" does not match input string "Not-OK"]'
    )


@pytest.mark.parametrize(
    "content_type",
    ["application/json", "application/json; charset=utf-8", "Application/JSON;charset=UTF-8", None, ""],
)
def test_json_model_applies_to_json_and_to_requests_without_content_type(content_type: str | None) -> None:
    """No Content-Type counts as application/json (AWS rejected a body-less GET)."""
    assert body_error(compiled("body"), b"{}", content_type) == (
        '[object has missing required properties (["name","price","type"])]'
    )


def test_content_type_without_model_is_not_validated() -> None:
    assert failure(compiled("body"), b"<pet/>", content_type="application/xml") is None


def test_default_model_applies_when_no_model_matches_the_content_type() -> None:
    request = compiled("body", models={JSON: "Owner", "$default": "Pet"})
    assert (
        body_error(request, b"{}", "text/plain")
        == '[object has missing required properties (["name","price","type"])]'
    )
    assert body_error(request, b"{}", JSON) == '[object has missing required properties (["id"])]'


def test_unparseable_json_is_an_invalid_request_body() -> None:
    assert body_error(compiled("body"), b'{"name": ') == f"[{NOT_JSON}]"
    assert body_error(compiled("body"), b'{"price": NaN}') == f"[{NOT_JSON}]"


def test_empty_body_is_validated_as_an_empty_object() -> None:
    assert (
        body_error(compiled("body"), b"")
        == '[object has missing required properties (["name","price","type"])]'
    )
    assert failure(compiled("body", models={JSON: "Empty"}), b"") is None
    assert failure(compiled("body", models={JSON: "Empty"}), b"  \n") is None


def test_integers_beyond_64_bits_are_json() -> None:
    request = compiled("body", models={JSON: "Owner"})
    assert failure(request, b'{"id": 123456789012345678901234567890}') is None


def test_decimal_multiple_of_is_exact_as_aws() -> None:
    schema = {"type": "object", "properties": {"amount": {"type": "number", "multipleOf": 0.01}}}
    request = compiled("body", models={JSON: "Money"}, rest_api=api(Model("Money", schema=schema)))
    assert failure(request, b'{"amount": 19.99}') is None  # float arithmetic would reject it
    assert body_error(request, b'{"amount": 19.999}') == "[remainder of division is not zero (19.999 / 0.01)]"


# ------------------------------------------------------------------ validation error strings


def errors_of(schema: dict[str, Any], instance: Any) -> list[str]:
    return schema_errors({"$schema": DRAFT4, **schema}, instance)


FGE_MESSAGES = [
    # seen from AWS by a client of a real API Gateway
    (
        {"type": "number"},
        "100",
        'instance type (string) does not match any allowed primitive type (allowed: ["integer","number"])',
    ),
    (
        {"type": "integer", "minimum": 315529200000},
        1,
        "numeric instance is lower than the required minimum (minimum: 315529200000, found: 1)",
    ),
    (
        {"type": "object", "required": ["transactionState", "transactionId", "timestamp"]},
        {},
        'object has missing required properties (["timestamp","transactionId","transactionState"])',
    ),
    (
        {"enum": ["CREATED", "PROCESSING", "SENT"]},
        "INVALID",
        'instance value ("INVALID") not found in enum (possible values: ["CREATED","PROCESSING","SENT"])',
    ),
    (
        {"oneOf": [{"type": "string"}, {"type": "integer"}, {"type": "null"}]},
        True,
        "instance failed to match exactly one schema (matched 0 out of 3)",
    ),
    # fge's message bundle for the other keywords
    (
        {"type": ["string", "null"]},
        1.5,
        'instance type (number) does not match any allowed primitive type (allowed: ["null","string"])',
    ),
    (
        {"type": "integer"},
        1.0,
        'instance type (number) does not match any allowed primitive type (allowed: ["integer"])',
    ),
    (
        {"type": "string"},
        True,
        'instance type (boolean) does not match any allowed primitive type (allowed: ["string"])',
    ),
    ({"maximum": 9}, 10, "numeric instance is greater than the required maximum (maximum: 9, found: 10)"),
    (
        {"maximum": 9, "exclusiveMaximum": True},
        9,
        "numeric instance is not strictly lower than the required maximum 9",
    ),
    (
        {"minimum": 0.5, "exclusiveMinimum": True},
        0.5,
        "numeric instance is not strictly greater than the required minimum 0.5",
    ),
    ({"minLength": 3}, "ab", 'string "ab" is too short (length: 2, required minimum: 3)'),
    ({"maxLength": 2}, "abc", 'string "abc" is too long (length: 3, maximum allowed: 2)'),
    ({"pattern": "^[0-9]+$"}, "12a", 'ECMA 262 regex "^[0-9]+$" does not match input string "12a"'),
    ({"pattern": "^a$"}, "a\n", 'ECMA 262 regex "^a$" does not match input string "a\n"'),
    ({"minItems": 2}, [1], "array is too short: must have at least 2 elements but instance has 1 elements"),
    ({"maxItems": 1}, [1, 2], "array is too long: must have at most 1 elements but instance has 2 elements"),
    ({"uniqueItems": True}, [1, 1.0], "array must not contain duplicate elements"),
    (
        {"items": [{}], "additionalItems": False},
        [1, 2],
        "schema only allows 1 elements in array but instance has 2 elements",
    ),
    (
        {"properties": {"a": {}}, "additionalProperties": False},
        {"a": 1, "c": 1, "b": 1},
        'object instance has properties which are not allowed by the schema: ["b","c"]',
    ),
    (
        {"minProperties": 2},
        {"a": 1},
        "object has too few properties (found 1 but schema requires at least 2)",
    ),
    (
        {"maxProperties": 1},
        {"a": 1, "b": 2},
        "object has too many properties (found 2 but schema requires at most 1)",
    ),
    (
        {"dependencies": {"card": ["address", "cvc"]}},
        {"card": 1, "cvc": 2},
        'property "card" of object has missing property dependencies '
        '(schema requires ["address","cvc"]; missing: ["address"])',
    ),
    (
        {"allOf": [{"type": "string"}, {"maxLength": 1}]},
        "ab",
        "instance failed to match all required schemas (matched only 1 out of 2)",
    ),
    (
        {"anyOf": [{"type": "string"}, {"type": "null"}]},
        1,
        "instance failed to match at least one required schema among 2",
    ),
    ({"not": {"type": "string"}}, "x", "instance matched a schema which it should not have"),
    (
        {"enum": [1, "a", None]},
        True,
        'instance value (true) not found in enum (possible values: [1,"a",null])',
    ),
    ({"format": "email"}, "nobody", 'string "nobody" is not a valid email address'),
    ({"format": "ipv4"}, "300.1.1.1", 'string "300.1.1.1" is not a valid IPv4 address'),
]


@pytest.mark.parametrize(("schema", "instance", "message"), FGE_MESSAGES)
def test_validation_error_is_worded_as_aws_json_schema_validator(
    schema: dict[str, Any], instance: Any, message: str
) -> None:
    assert errors_of(schema, instance) == [message]


def test_errors_of_one_level_come_in_keyword_order_and_siblings_all_report() -> None:
    schema = {
        "type": "object",
        "required": ["id"],
        "additionalProperties": False,
        "properties": {"id": {}, "b": {"type": "integer"}, "a": {"type": "integer"}},
    }
    assert errors_of(schema, {"x": 1}) == [
        'object instance has properties which are not allowed by the schema: ["x"]',
        'object has missing required properties (["id"])',
    ]
    assert errors_of(schema, {"id": 1, "b": "2", "a": "1"}) == [
        'instance type (string) does not match any allowed primitive type (allowed: ["integer"])',
        'instance type (string) does not match any allowed primitive type (allowed: ["integer"])',
    ]


def test_no_descent_into_members_once_an_error_is_reported() -> None:
    """fge (without deepCheck) reports the parent's error only."""
    schema = {
        "type": "object",
        "required": ["id"],
        "properties": {"inner": {"type": "object", "required": ["x"]}},
    }
    assert errors_of(schema, {"inner": {}}) == ['object has missing required properties (["id"])']
    assert errors_of(schema, {"id": 1, "inner": {}}) == ['object has missing required properties (["x"])']


def test_validation_error_string_lists_messages_like_a_java_list() -> None:
    schema = {"type": "object", "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}}}
    request = compiled("body", models={JSON: "Two"}, rest_api=api(Model("Two", schema=schema)))
    assert body_error(request, b'{"b": "x", "a": "y"}') == (
        '[instance type (string) does not match any allowed primitive type (allowed: ["integer"]), '
        'instance type (string) does not match any allowed primitive type (allowed: ["integer"])]'
    )


AGREEMENT = [
    (PET, {"name": "Rex", "price": 10, "type": "cat"}),
    (PET, {"name": "Rex", "price": 9.5, "type": "cat"}),
    (PET, {"name": "R", "price": 10, "type": "cow", "tags": ["a", "b", "c", "d"]}),
    (PET, {"name": "Rex", "price": 10, "type": "cat", "tags": []}),
    (PET, []),
    ({"type": ["integer", "string"]}, 1.0),
    ({"type": "number"}, 1),
    ({"enum": [{"a": [1, 2]}]}, {"a": [1, 2.0]}),
    ({"enum": [1]}, True),
    ({"patternProperties": {"^x-": {"type": "string"}}, "additionalProperties": False}, {"x-a": "1"}),
    ({"patternProperties": {"^x-": {"type": "string"}}, "additionalProperties": False}, {"x-a": 1}),
    (
        {"patternProperties": {"^x-": {"type": "string"}}, "additionalProperties": {"type": "integer"}},
        {"y": "1"},
    ),
    ({"items": [{"type": "string"}], "additionalItems": {"type": "integer"}}, ["a", 1, "b"]),
    ({"dependencies": {"a": {"required": ["b"]}}}, {"a": 1}),
    ({"dependencies": {"a": {"required": ["b"]}}}, {"a": 1, "b": 2}),
    ({"oneOf": [{"type": "integer"}, {"type": "number"}]}, 1),
    ({"oneOf": [{"type": "integer"}, {"type": "string"}]}, 1),
    ({"uniqueItems": True}, [{"a": 1}, {"a": True}]),
    ({"uniqueItems": True}, [[1], [1]]),
    ({"multipleOf": 3}, 9),
    ({"multipleOf": 3}, 10),
    ({"minLength": 2}, "\U0001f600"),
]


@pytest.mark.parametrize(("schema", "instance"), AGREEMENT)
def test_error_walker_agrees_with_a_reference_draft4_validator(schema: dict[str, Any], instance: Any) -> None:
    bundled = {"$schema": DRAFT4, **schema}
    if schema is PET:
        bundled["definitions"] = {**PET["definitions"], "Owner": OWNER}
    expected_valid = jsonschema.Draft4Validator(bundled).is_valid(instance)
    assert (schema_errors(bundled, instance) == []) is expected_valid
