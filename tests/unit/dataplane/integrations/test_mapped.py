"""Edges of non-proxy integrations: MOCK's statusCode, binary payloads and templates, Lambda's
refusal of a payload that is not JSON."""

from __future__ import annotations

import pytest

from tollway.dataplane.integrations.lambda_ import check_lambda_payload
from tollway.dataplane.integrations.mock import mock_status
from tollway.dataplane.mapping.binary import BinaryTypes, template_refuses
from tollway.errors import LambdaPayloadRejected


@pytest.mark.parametrize(
    ("rendered", "status"),
    [
        (b'{"statusCode": 404}', 404),
        (b'{"statusCode": "201"}', 201),
        (b"{statusCode: 200}", 200),  # CDK's CORS preflight template (AWS reads it)
        (b"{statusCode: 404}", 404),
        (b"{ 'statusCode' : 503, other: x }", 503),
        (b'{"statusCode": 700}', 200),
        (b'{"statusCode": true}', 200),
        (b"not json at all", 200),
        (b"", 200),
    ],
)
def test_mock_status_reads_status_code_also_from_javascript_style_objects(
    rendered: bytes, status: int
) -> None:
    assert mock_status(rendered) == status


@pytest.mark.parametrize(
    ("types", "content_type", "handling", "refused"),
    [
        (["image/png"], "image/png", None, True),
        (["image/png"], "image/png", "CONVERT_TO_BINARY", True),
        (["image/png"], "image/png", "CONVERT_TO_TEXT", False),
        (["image/png"], "application/json", None, False),
        (["*/*"], None, None, True),  # no Content-Type is application/json, which */* covers
        ([], "image/png", None, False),
    ],
)
def test_a_template_is_refused_for_a_binary_payload_not_converted_to_text(
    types: list[str], content_type: str | None, handling: str | None, refused: bool
) -> None:
    assert template_refuses(content_type, BinaryTypes(types), handling) is refused


@pytest.mark.parametrize("payload", [b"", b"  \n", b"{}", b'{"a": [1, "x"]}', b'"text"', b"3", b"null"])
def test_json_payloads_and_the_empty_payload_reach_lambda(payload: bytes) -> None:
    check_lambda_payload(payload)


@pytest.mark.parametrize(
    ("payload", "detail"),
    [
        (b"abc", "Unrecognized token 'abc': was expecting (JSON String, Number, Array, Object or token"),
        (b"'x'", "Unexpected character (''' (code 39)): expected a valid value (JSON String"),
        (b'{"a": 1', "Unexpected end-of-input"),
        (b'{"a": x}', "Unrecognized token 'x'"),
    ],
)
def test_a_payload_that_is_not_json_is_refused_with_lambdas_message(payload: bytes, detail: str) -> None:
    with pytest.raises(LambdaPayloadRejected) as caught:
        check_lambda_payload(payload)
    prefix = "Could not parse request body into json: Could not parse payload into json: "
    assert caught.value.status_code == 400
    assert caught.value.message.startswith(prefix + detail)
    assert "line: 1, column: " in caught.value.message
