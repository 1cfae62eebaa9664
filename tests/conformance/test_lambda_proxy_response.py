"""Conformance: how a REST API reads a Lambda proxy (AWS_PROXY) function's answer.

One `tollway serve` of fixtures/proxy/proxy.yaml (stage ``test``): ``/lp-format`` runs
LocalStack's LAMBDA_RESPONSE_FROM_BODY, whose answer is the request body, so each case sends
the answer it wants, as test_aws_proxy_response_payload_format_validation did against AWS.
"""

from __future__ import annotations

import base64
from typing import Any

import httpx
import pytest

from proxy_support import INTERNAL_ERROR, gateway_fixture, header_backend, recording

__all__ = ["header_backend"]

FORMAT = recording("test_apigateway_lambda", "test_aws_proxy_response_payload_format_validation")
B64 = base64.b64encode(b"test-data").decode()


gateway = gateway_fixture("lambda-proxy-response")


def answer(gateway: httpx.Client, result: Any) -> httpx.Response:
    """What the client gets when the function answers ``result`` (None: no body, so the
    function fails, as the recording's ``{}`` case did)."""
    if result is None:
        return gateway.post("/lp-format", headers={"User-Agent": "python/test"})
    return gateway.post("/lp-format", json=result, headers={"User-Agent": "python/test"})


@pytest.mark.aws(FORMAT)
@pytest.mark.parametrize(
    ("result", "status", "body"),
    [
        ({"statusCode": 200}, 200, b""),
        ({"statusCode": 200, "headers": None}, 200, b""),
        ({"statusCode": 200, "body": B64, "isBase64Encoded": True}, 200, B64.encode()),
        ({"statusCode": 200, "body": B64}, 200, B64.encode()),
        ({"statusCode": "201"}, 201, b""),
        ({"headers": {"test-header": "value"}}, 200, b""),
    ],
    ids=[
        "invoke-api-no-body",
        "invoke-api-with-headers-null",
        "invoke-api-b64-encoded-true",
        "invoke-api-b64-encoded-false",
        "invoke-api-status-code-str",
        "invoke-api-only-headers",
    ],
)
def test_accepted_answer_shape(gateway: httpx.Client, result: Any, status: int, body: bytes) -> None:
    response = answer(gateway, result)
    assert (response.status_code, response.content) == (status, body)
    assert response.headers["content-type"] == "application/json"


@pytest.mark.aws(FORMAT)
@pytest.mark.parametrize(
    "result",
    [
        {"statusCode": 200, "wrongValue": "value"},
        None,
        {"statusCode": 200, "multiValueHeaders": {"test-multi-invalid": "value1"}},
        {"statusCode": "test"},
        "justAString",
    ],
    ids=[
        "invoke-api-wrong-format",
        "invoke-api-empty-response",
        "invoke-api-multi-headers-invalid",
        "invoke-api-invalid-status-code",
        "invoke-api-just-string",
    ],
)
def test_malformed_answer_is_502_internal_server_error(gateway: httpx.Client, result: Any) -> None:
    response = answer(gateway, result)
    assert (response.status_code, response.json()) == (502, INTERNAL_ERROR)
    assert "x-amzn-trace-id" not in response.headers


@pytest.mark.aws(FORMAT)
def test_header_values_are_sent_and_booleans_become_true(gateway: httpx.Client) -> None:
    """invoke-api-with-headers."""
    response = answer(gateway, {"statusCode": 200, "headers": {"test-header": "value", "header-bool": True}})
    assert (response.headers["test-header"], response.headers["header-bool"]) == ("value", "true")
    assert response.headers["content-type"] == "application/json"


@pytest.mark.aws(FORMAT)
@pytest.mark.parametrize(
    ("result", "name", "value"),
    [
        (
            {"statusCode": 200, "multiValueHeaders": {"test-multi": ["value1", "value2"]}},
            "test-multi",
            "value1, value2",
        ),
        (
            {
                "statusCode": 200,
                "multiValueHeaders": {"test-multi": ["value-multi"]},
                "headers": {"test-multi": "value-solo"},
            },
            "test-multi",
            "value-multi, value-solo",
        ),
        (
            {
                "statusCode": 200,
                "multiValueHeaders": {"tesT-Multi": ["value-multi"]},
                "headers": {"test-multi": "value-solo"},
            },
            "tesT-Multi",
            "value-multi, value-solo",
        ),
    ],
    ids=[
        "invoke-api-multi-headers-valid",
        "invoke-api-multi-headers-overwrite",
        "invoke-api-multi-headers-overwrite-casing",
    ],
)
def test_multi_value_headers_merge_with_headers_of_the_same_name(
    gateway: httpx.Client, result: Any, name: str, value: str
) -> None:
    response = answer(gateway, result)
    assert response.status_code == 200
    assert ", ".join(response.headers.get_list(name)) == value
    spelled = {key.decode() for key, _ in response.headers.raw if key.decode().lower() == name.lower()}
    assert spelled == {name}  # the multiValueHeaders spelling


@pytest.mark.aws(FORMAT)
def test_answer_carries_x_amzn_trace_id(gateway: httpx.Client) -> None:
    """Every recorded 200 of this test answers an X-Amzn-Trace-Id."""
    response = answer(gateway, {"statusCode": 200})
    assert response.headers["X-Amzn-Trace-Id"].startswith("Root=1-")
