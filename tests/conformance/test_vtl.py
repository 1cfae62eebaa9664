"""Conformance: VTL mapping templates render as AWS renders them.

One `tollway serve` of fixtures/mapping/vtl.yaml (stage ``vtl``) in front of the echo backend
of tests/mapping_support.py; each case cites the recording or guide page it encodes.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from mapping_support import GUIDE, JSON_HEADERS, echo_backend, gateway_fixture

__all__ = ["echo_backend"]

LS = "localstack:tests/aws/services/apigateway/"
COMMON = (
    LS + "test_apigateway_common.snapshot.json::tests/aws/services/apigateway/test_apigateway_common.py::"
    "TestApiGatewayCommon::"
)
PATH_FORMATTING = COMMON + "test_input_path_template_formatting"
BODY_FORMATTING = COMMON + "test_input_body_formatting"
REFERENCE = GUIDE + "api-gateway-mapping-template-reference.html"
EXAMPLES = GUIDE + "api-gateway-mapping-variable-examples.html"

gateway = gateway_fixture("vtl.yaml", "vtl")


def _post(
    client: httpx.Client,
    path: str,
    document: Any = None,
    headers: dict[str, str] | None = None,
    **kwargs: Any,
) -> httpx.Response:
    content = b"" if document is None else json.dumps(document).encode()
    return client.post(path, content=content, headers={**JSON_HEADERS, **(headers or {})}, **kwargs)


# --- $input.path: what a JSON value prints as (Jayway JsonPath objects under Java Velocity) ---


@pytest.mark.aws(PATH_FORMATTING)
@pytest.mark.parametrize(
    ("route", "document", "expected"),
    [
        pytest.param("/path", {"foo": "bar"}, "{foo=bar}", id="dict-response"),
        pytest.param("/path", [{"foo": "bar"}], '[{"foo":"bar"}]', id="json-list"),
        pytest.param("/nested", {"nested": {"foo": "bar"}}, "{foo=bar}", id="nested-dict"),
        pytest.param("/nested", {"nested": [{"foo": "bar"}]}, '[{"foo":"bar"}]', id="nested-list"),
        pytest.param("/list", [{"foo": "bar"}], "{foo=bar}", id="dict-in-list"),
        pytest.param("/list", [[{"foo": "bar"}]], '[{"foo":"bar"}]', id="list-with-nested-list"),
        pytest.param(
            "/path", {"foo": [{"nested": "bar"}]}, '{foo=[{"nested":"bar"}]}', id="dict-with-nested-list"
        ),
        pytest.param(
            "/path",
            {"bigger": "dict", "to": "test", "with": "separators"},
            "{bigger=dict, to=test, with=separators}",
            id="bigger-dict",
        ),
        pytest.param("/to-string", {"foo": "bar"}, "{foo=bar}", id="to-string"),
        pytest.param("/to-string", {"list": [{"foo": "bar"}]}, '{list=[{"foo":"bar"}]}', id="list-to-string"),
        pytest.param(
            "/invalid-path",
            None,
            '{"body": , "nested": , "isNull": "true", "isEmptyString": "true"}',
            id="empty-body",
        ),
        pytest.param(
            "/nested-list",
            {"listValue": []},
            '{"body": [], "nested": , "isNull": "false", "isEmptyString": "false"}',
            id="nested-empty-list",
        ),
        pytest.param(
            "/nested-list",
            {"listValue": None},
            '{"body": , "nested": , "isNull": "true", "isEmptyString": "true"}',
            id="nested-null-list",
        ),
    ],
)
def test_input_path_values_print_as_aws_prints_them(
    gateway: httpx.Client, route: str, document: Any, expected: str
) -> None:
    response = _post(gateway, route, document)
    assert response.status_code == 200
    assert response.text == expected


# --- $input.body: the raw payload, "{}" when empty; $util.urlEncode is form encoding ---

BODIES = {
    "empty-body": b"",
    "json-body": b'{"some": "value"}',
    "str-body": b"some raw data",
}
BODY_EXPECTED = {
    "raw-body": ("{}", '{"some": "value"}', "some raw data"),
    "str-body-input": (
        "Action=SendMessage&MessageBody={}",
        'Action=SendMessage&MessageBody={"some": "value"}',
        "Action=SendMessage&MessageBody=some raw data",
    ),
    "str-body-output": (
        "Action=SendMessage&MessageBody={}",
        'Action=SendMessage&MessageBody={"some": "value"}',
        "Action=SendMessage&MessageBody=some raw data",
    ),
    "str-body-all": (
        "Action=SendMessage&MessageBody=Action=SendMessage&MessageBody={}",
        'Action=SendMessage&MessageBody=Action=SendMessage&MessageBody={"some": "value"}',
        "Action=SendMessage&MessageBody=Action=SendMessage&MessageBody=some raw data",
    ),
    "body-attr-access": ("{}", "{}", "{}"),
    "url-encode": (
        "EncodedBody=%7B%7D&EncodedBodyAccess=",
        "EncodedBody=%7B%22some%22%3A+%22value%22%7D&EncodedBodyAccess=",
        "EncodedBody=some+raw+data&EncodedBodyAccess=",
    ),
}


@pytest.mark.aws(BODY_FORMATTING)
@pytest.mark.parametrize(
    ("route", "body", "expected"),
    [
        pytest.param(route, BODIES[kind], expected[index], id=f"response-{route}-{kind}")
        for route, expected in BODY_EXPECTED.items()
        for index, kind in enumerate(BODIES)
    ],
)
def test_input_body_in_request_and_response_templates(
    gateway: httpx.Client, route: str, body: bytes, expected: str
) -> None:
    response = gateway.post(f"/{route}", content=body, headers=JSON_HEADERS)
    assert response.status_code == 200
    assert response.text == expected


# --- $util, as the mapping template reference describes it ---


@pytest.mark.aws(REFERENCE)
def test_util_escape_javascript_escapes_single_quotes_too(gateway: httpx.Client) -> None:
    response = _post(gateway, "/util/escape", {"text": 'it\'s "quoted" a/b\\c'})
    assert response.text == 'it\\\'s \\"quoted\\" a\\/b\\\\c'


@pytest.mark.aws(REFERENCE)
def test_util_escape_javascript_with_the_documented_replace_all_gives_json(gateway: httpx.Client) -> None:
    response = _post(gateway, "/util/escape-for-json", {"text": 'it\'s "quoted"'})
    assert response.json() == {"text": 'it\'s "quoted"'}


@pytest.mark.aws(REFERENCE)
def test_util_parse_json_documented_example(gateway: httpx.Client) -> None:
    document = {"errorMessage": '{"key1":"var1","key2":{"arr":[1,2,3]}}'}
    response = _post(gateway, "/util/parse-json", document)
    assert response.json() == {"errorMessageObjKey2ArrVal": 1}


@pytest.mark.aws(REFERENCE)
def test_util_url_encode_is_application_x_www_form_urlencoded_and_url_decode_reverses_it(
    gateway: httpx.Client,
) -> None:
    response = gateway.get("/util/url", params={"text": "a b&c=d/é~*._-"})
    assert response.json() == {"encoded": "a+b%26c%3Dd%2F%C3%A9%7E*._-", "decoded": "a b&c=d/é~*._-"}


@pytest.mark.aws(REFERENCE)
def test_util_base64_encode_and_decode(gateway: httpx.Client) -> None:
    response = gateway.get("/util/base64", params={"text": "héllo"})
    assert response.json() == {"encoded": "aMOpbGxv", "decoded": "héllo"}


# --- $input.params(), $input.json, $stageVariables, $context ---


@pytest.mark.aws(REFERENCE)
def test_all_parameters_template_passes_path_querystring_and_headers(gateway: httpx.Client) -> None:
    response = _post(
        gateway, "/params/ann", {}, params={"q": "1"}, headers={**JSON_HEADERS, "X-Custom": "v/1"}
    )
    assert response.status_code == 200
    params = response.json()["params"]
    assert list(params) == ["path", "querystring", "header"]
    assert params["path"] == {"name": "ann"}
    assert params["querystring"] == {"q": "1"}
    assert params["header"]["X-Custom"] == "v/1"
    assert params["header"]["Content-Type"] == "application/json"


@pytest.mark.aws(REFERENCE)
def test_input_json_of_a_property_and_a_query_parameter(gateway: httpx.Client) -> None:
    response = _post(gateway, "/json-path", {"mykey": {"a": [1]}, "other": 2}, params={"name": "n"})
    assert response.json() == {"name": "n", "body": {"a": [1]}}


@pytest.mark.aws(REFERENCE)
def test_documented_things_example_counts_a_map_with_size(gateway: httpx.Client) -> None:
    response = _post(gateway, "/things/abc", {"things": {"1": {}, "2": {}, "3": {}}})
    assert response.json() == {"id": "abc", "count": "3", "things": {"1": {}, "2": {}, "3": {}}}


@pytest.mark.aws(REFERENCE)
def test_stage_variables_in_all_three_documented_forms(gateway: httpx.Client) -> None:
    response = gateway.get("/stage-variables")
    assert response.json() == {"dot": "prod", "bracket": "prod", "formal": "eu-west-3"}


@pytest.mark.aws(EXAMPLES)
def test_context_variables_example(gateway: httpx.Client) -> None:
    response = gateway.get("/context/x", headers={"User-Agent": "conformance/1"})
    document = response.json()
    assert document["stage"] == "vtl"
    assert document["resource_path"] == "/context/{item}"
    assert document["http_method"] == "GET"
    assert document["source_ip"] == "127.0.0.1"
    assert document["user-agent"] == "conformance/1"
    assert document["request_id"] == response.headers["x-amzn-RequestId"]
    assert document["api_id"] and document["resource_id"]
