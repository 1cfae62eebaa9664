"""How API Gateway reads a proxied function's result: REST payload 1.0 and HTTP API payload 2.0."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tollway.dataplane.integrations.lambda_proxy.responses import (
    MalformedResponse,
    ProxyResponse,
    parse_v1_response,
    parse_v2_response,
)
from tollway.errors import TollwayError

JSON = ("Content-Type", "application/json")


def v1(result: Any) -> ProxyResponse:
    return parse_v1_response(json.dumps(result).encode(), function_error=None)


def v2(result: Any) -> ProxyResponse:
    return parse_v2_response(json.dumps(result).encode(), function_error=None)


# ---- payload 1.0 (REST) -------------------------------------------------------------------


def test_v1_full_response() -> None:
    result = {"statusCode": 201, "headers": {"X-Id": "7", "Content-Type": "text/plain"}, "body": "made"}
    assert v1(result) == ProxyResponse(201, [("X-Id", "7"), ("Content-Type", "text/plain")], b"made")


def test_v1_numeric_string_status_code_is_accepted() -> None:
    """AWS answers 201 for ``"statusCode": "201"``."""
    assert v1({"statusCode": "201", "body": "x"}).status == 201


def test_v1_headers_without_status_code_give_200_with_empty_body() -> None:
    assert v1({"headers": {"X-A": "1"}}) == ProxyResponse(200, [("X-A", "1"), JSON], b"")


def test_v1_empty_object_gives_200_json_with_empty_body() -> None:
    assert v1({}) == ProxyResponse(200, [JSON], b"")


def test_v1_default_content_type_is_application_json() -> None:
    assert v1({"statusCode": 200, "body": "{}"}).headers == [JSON]


def test_v1_content_type_is_matched_case_insensitively() -> None:
    assert v1({"statusCode": 200, "headers": {"content-type": "text/html"}}).headers == [
        ("content-type", "text/html")
    ]


def test_v1_null_content_type_suppresses_the_default_and_the_header() -> None:
    """A function can set Content-Type to null to send no Content-Type at all (works on AWS)."""
    assert v1({"statusCode": 204, "headers": {"Content-Type": None, "X-A": "1"}}).headers == [("X-A", "1")]


def test_v1_boolean_header_values_become_true_and_false() -> None:
    result = {"headers": {"X-T": True, "X-F": False}, "multiValueHeaders": {"X-M": [True, "b"]}}
    assert v1(result).headers == [("X-T", "true"), ("X-F", "false"), ("X-M", "true"), ("X-M", "b"), JSON]


def test_v1_multi_value_headers_merge_with_headers_multi_values_first_under_the_multi_spelling() -> None:
    """Recorded: ``multiValueHeaders {"tesT-Multi": ["value-multi"]}`` with ``headers
    {"test-multi": "value-solo"}`` answers ``tesT-Multi: value-multi, value-solo``."""
    result = {
        "headers": {"Set-Cookie": "a=1", "X-Single": "s"},
        "multiValueHeaders": {"set-cookie": ["b=2", "c=3"], "X-Multi": ["m1", "m2"]},
    }
    assert v1(result).headers == [
        ("X-Single", "s"),
        ("set-cookie", "b=2"),
        ("set-cookie", "c=3"),
        ("set-cookie", "a=1"),
        ("X-Multi", "m1"),
        ("X-Multi", "m2"),
        JSON,
    ]


def test_v1_a_null_single_value_adds_nothing_to_the_multi_values() -> None:
    result = {"headers": {"x-a": None, "Content-Type": "text/plain"}, "multiValueHeaders": {"X-A": ["1"]}}
    assert v1(result).headers == [("Content-Type", "text/plain"), ("X-A", "1")]


def test_v1_base64_body_is_decoded_and_the_text_is_kept() -> None:
    assert v1({"statusCode": 200, "body": "iVBORw0KGgo=", "isBase64Encoded": True}) == ProxyResponse(
        200, [JSON], b"\x89PNG\r\n\x1a\n", b"iVBORw0KGgo="
    )


def test_v1_undocumented_base64_encoded_field_wins_over_is_base64_encoded() -> None:
    result = {"body": "aGk=", "base64Encoded": True, "isBase64Encoded": False}
    assert v1(result).body == b"hi"
    assert v1({"body": "aGk=", "base64Encoded": False, "isBase64Encoded": True}).body == b"aGk="


def test_v1_is_base64_encoded_false_keeps_the_body_text() -> None:
    assert v1({"body": "aGk=", "isBase64Encoded": False}) == ProxyResponse(200, [JSON], b"aGk=")


def test_v1_unicode_body_is_sent_as_utf8() -> None:
    assert v1({"body": "café ☕"}).body == "café ☕".encode()


def test_v1_null_fields_count_as_absent() -> None:
    result = {"statusCode": None, "headers": None, "multiValueHeaders": None, "body": None}
    assert v1({**result, "isBase64Encoded": None}) == ProxyResponse(200, [JSON], b"")


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (b"not json", "the result is not JSON"),
        (b"", "the result is not JSON"),
        (b'"just a string"', "the result is a string, not an object"),
        (b"[1, 2]", "the result is an array, not an object"),
        (b"null", "the result is null, not an object"),
        (b'{"statusCode": 200, "extra": 1}', "unexpected keys in the result: extra"),
        (b'{"statusCode": 200, "cookies": ["a=1"]}', "unexpected keys in the result: cookies"),
        (
            b'{"errorMessage": "boom", "errorType": "Exception"}',
            "unexpected keys in the result: errorMessage, errorType",
        ),
        (b'{"statusCode": "abc"}', "statusCode 'abc' is not a number"),
        (b'{"statusCode": true}', "statusCode is not a number"),
        (b'{"statusCode": 42}', "statusCode 42 is not an HTTP status"),
        (b'{"statusCode": 200, "headers": ["a"]}', "headers is not an object"),
        (b'{"statusCode": 200, "headers": {"X-A": 1}}', "header 'X-A' has a number value"),
        (b'{"statusCode": 200, "headers": {"X-A": {"b": 1}}}', "header 'X-A' has an object value"),
        (
            b'{"statusCode": 200, "multiValueHeaders": {"X-A": "one"}}',
            "multiValueHeaders['X-A'] is not a list",
        ),
        (b'{"statusCode": 200, "multiValueHeaders": {"X-A": [3]}}', "header 'X-A' has a number value"),
        (b'{"statusCode": 200, "body": {"a": 1}}', "body is an object, not a string"),
        (b'{"statusCode": 200, "body": 5}', "body is a number, not a string"),
        (b'{"statusCode": 200, "isBase64Encoded": "yes"}', "isBase64Encoded is not a boolean"),
        (b'{"statusCode": 200, "body": "!!", "isBase64Encoded": true}', "the body is not valid base64"),
    ],
)
def test_v1_malformed_lambda_proxy_responses_are_rejected(payload: bytes, reason: str) -> None:
    """Each of these is a "Malformed Lambda proxy response": AWS answers 502 Internal server error."""
    with pytest.raises(MalformedResponse) as caught:
        parse_v1_response(payload, function_error=None)
    assert caught.value.reason == reason


def test_v1_function_error_is_rejected_even_with_a_valid_looking_payload() -> None:
    """An unhandled function error on a proxy integration is a 502, whatever the payload."""
    with pytest.raises(MalformedResponse) as caught:
        parse_v1_response(b'{"statusCode": 200}', function_error="Unhandled")
    assert caught.value.reason == "the function failed (Unhandled)"


def test_malformed_response_is_a_tollway_error() -> None:
    assert issubclass(MalformedResponse, TollwayError)


# ---- payload 2.0 (HTTP APIs) --------------------------------------------------------------


def test_v2_object_without_status_code_is_a_200_json_body() -> None:
    """AWS infers statusCode 200, content-type application/json, and the result as the body."""
    payload = b'{"message": "Hello from Lambda!"}'
    assert parse_v2_response(payload, function_error=None) == ProxyResponse(
        200, [("content-type", "application/json")], payload
    )


def test_v2_plain_string_result_is_the_body_text() -> None:
    assert v2("Hello from Lambda!") == ProxyResponse(
        200, [("content-type", "application/json")], b"Hello from Lambda!"
    )


@pytest.mark.parametrize("payload", [b"42", b"[1,2]", b"true", b"null"])
def test_v2_other_json_results_are_the_body(payload: bytes) -> None:
    assert parse_v2_response(payload, function_error=None) == ProxyResponse(
        200, [("content-type", "application/json")], payload
    )


def test_v2_full_response_with_cookies_as_set_cookie_headers() -> None:
    result = {
        "statusCode": 302,
        "headers": {"Location": "/home", "Content-Type": "text/html"},
        "cookies": ["a=1; Path=/", "b=2"],
        "body": "<p>moved</p>",
    }
    assert v2(result) == ProxyResponse(
        302,
        [
            ("Location", "/home"),
            ("Content-Type", "text/html"),
            ("set-cookie", "a=1; Path=/"),
            ("set-cookie", "b=2"),
        ],
        b"<p>moved</p>",
    )


def test_v2_structured_response_without_content_type_is_text_plain() -> None:
    assert v2({"statusCode": 200, "body": "hi"}).headers == [("content-type", "text/plain; charset=utf-8")]


def test_v2_unknown_keys_and_multi_value_headers_are_ignored() -> None:
    """HTTP APIs have no multiValueHeaders in format 2.0 and skip keys they do not know."""
    result = {"statusCode": "201", "multiValueHeaders": {"X-M": ["1"]}, "extra": 1, "body": ""}
    assert v2(result) == ProxyResponse(201, [("content-type", "text/plain; charset=utf-8")], b"")


def test_v2_header_values_are_stringified() -> None:
    result = {"statusCode": 200, "headers": {"X-N": 3, "X-B": True, "X-Null": None, "content-type": "a/b"}}
    assert v2(result).headers == [("X-N", "3"), ("X-B", "true"), ("content-type", "a/b")]


def test_v2_base64_body_is_always_decoded() -> None:
    result = {
        "statusCode": 200,
        "headers": {"content-type": "image/png"},
        "body": "AAH+",
        "isBase64Encoded": True,
    }
    assert v2(result) == ProxyResponse(200, [("content-type", "image/png")], b"\x00\x01\xfe")


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (b"{not json", "the result is not JSON"),
        (b'{"statusCode": "abc"}', "statusCode 'abc' is not a number"),
        (b'{"statusCode": 200, "body": {"a": 1}}', "body is an object, not a string"),
        (b'{"statusCode": 200, "headers": "x"}', "headers is not an object"),
        (b'{"statusCode": 200, "headers": {"X-A": [1]}}', "header 'X-A' has an array value"),
        (b'{"statusCode": 200, "cookies": "a=1"}', "cookies is not a list of strings"),
        (b'{"statusCode": 200, "body": "%%", "isBase64Encoded": true}', "the body is not valid base64"),
    ],
)
def test_v2_failures_are_rejected(payload: bytes, reason: str) -> None:
    """HTTP APIs answer these with 500 Internal Server Error."""
    with pytest.raises(MalformedResponse) as caught:
        parse_v2_response(payload, function_error=None)
    assert caught.value.reason == reason


def test_v2_function_error_is_rejected() -> None:
    with pytest.raises(MalformedResponse):
        parse_v2_response(b'{"errorMessage": "boom"}', function_error="Unhandled")


def test_v1_base64_body_with_line_breaks_is_decoded() -> None:
    """Encoders that wrap base64 at 76 characters (MIME style) still decode."""
    assert v1({"body": "aGVs\nbG8=", "isBase64Encoded": True}).body == b"hello"
