"""Conformance: non-proxy HTTP and Lambda (``AWS``) integrations, status codes, overrides and
binary payloads meeting templates, as AWS answers them.

One `tollway serve` of fixtures/mapping/nonproxy.yaml: stage ``np`` (HTTP to the echo backend
of tests/mapping_support.py, Lambda functions of fixtures/mapping/functions), ``bin`` and
``anybin`` (binary media types). Each case cites the recording or guide page it encodes.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from mapping_support import GUIDE, JSON_HEADERS, echo_backend, serve_fixture
from support import Running

__all__ = ["echo_backend"]

LS = "localstack:tests/aws/services/apigateway/"
HTTP = LS + "test_apigateway_http.snapshot.json::tests/aws/services/apigateway/test_apigateway_http.py::"
LAMBDA = (
    LS + "test_apigateway_lambda.snapshot.json::tests/aws/services/apigateway/test_apigateway_lambda.py::"
)
INTEGRATIONS_PY = LS + "test_apigateway_integrations.py::"
LAMBDA_INVOKE = (
    "localstack:tests/aws/services/lambda_/test_lambda.snapshot.json::tests/aws/services/lambda_/"
    "test_lambda.py::TestLambdaErrors::test_lambda_invoke_payload_encoding_error"
)
OVERRIDES_GUIDE = GUIDE + "apigateway-override-request-response-parameters.html"
REFERENCE = GUIDE + "api-gateway-mapping-template-reference.html"
ENCODINGS = GUIDE + "api-gateway-payload-encodings-workflow.html"
INTERNAL_ERROR = {"message": "Internal server error"}
NOT_JSON = "Could not parse request body into json: Could not parse payload into json: "


@pytest.fixture(scope="module")
def running(echo_backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    server = serve_fixture("nonproxy.yaml", Path(tmp_path_factory.mktemp("nonproxy")), echo_backend)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def gateway(running: Running) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=f"{running.url}/np", timeout=30) as client:
        yield client


@pytest.fixture(scope="module")
def root(running: Running) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=running.url, timeout=30) as client:
        yield client


def _post(client: httpx.Client, path: str, document: Any, **kwargs: Any) -> httpx.Response:
    return client.post(path, content=json.dumps(document).encode(), headers=JSON_HEADERS, **kwargs)


# --- HTTP (non-proxy): the backend status goes through the integration responses ---


@pytest.mark.aws(HTTP + "test_http_integration_invoke_status_code_passthrough[HTTP]")
@pytest.mark.parametrize("backend_status", [200, 400])
def test_backend_status_without_a_matching_pattern_takes_the_default_response(
    gateway: httpx.Client, backend_status: int
) -> None:
    response = gateway.post(f"/passthrough/status/{backend_status}")
    assert response.status_code == 200
    assert response.json() == {"message": "", "status_code": backend_status}


@pytest.mark.aws(INTEGRATIONS_PY + "test_http_integration_status_code_selection")
@pytest.mark.parametrize(("backend_status", "status"), [(404, 400), (201, 200)])
def test_selection_pattern_maps_a_backend_status_family_to_one_method_status(
    gateway: httpx.Client, backend_status: int, status: int
) -> None:
    assert gateway.get(f"/select/{backend_status}").status_code == status


# --- $context.requestOverride / responseOverride with an HTTP backend ---


@pytest.fixture(scope="module")
def overridden_headers(gateway: httpx.Client) -> dict[str, str]:
    response = gateway.get("/override-headers", headers={"header1": "header1Val", "header2": "header2Val"})
    assert response.status_code == 200
    return {name.lower(): value for name, value in response.json().items()}


@pytest.mark.aws(OVERRIDES_GUIDE)
@pytest.mark.parametrize(
    ("header", "value"),
    [
        ("header3", "header1Valheader2Val"),  # a new header from two parameters
        ("header1", "foo"),  # the override replaces the parameter mapping
        ("header2", "header2Val"),  # mappings without an override stay
        ("multivalueheader", "foo,header1Valheader2Val"),  # a list is a multi-value header
    ],
)
def test_request_header_overrides_reach_the_endpoint(
    overridden_headers: dict[str, str], header: str, value: str
) -> None:
    assert overridden_headers[header] == value


@pytest.mark.aws(REFERENCE)
def test_request_path_and_query_string_overrides_replace_the_mapped_ones(gateway: httpx.Client) -> None:
    response = gateway.get("/override-target/7", params={"q": "z"})
    assert response.status_code == 200
    assert response.json() == {
        "path": "/items/id-7",
        "args": {"q": ["q-z"], "added": ["a", "b"]},
        "readBack": "id-7",
    }


@pytest.mark.aws(OVERRIDES_GUIDE)
@pytest.mark.parametrize(
    ("document", "status"),
    [
        ({"errors": [{"key": "GetPetRequest.petId", "message": "The value is out of range."}]}, 400),
        ({"id": 1, "type": "dog", "price": 249.99}, 200),
    ],
)
def test_response_status_override_from_the_integration_body(
    gateway: httpx.Client, document: dict[str, Any], status: int
) -> None:
    response = _post(gateway, "/override-status", document)
    assert response.status_code == status
    assert response.json() == document


@pytest.mark.aws(OVERRIDES_GUIDE)
def test_response_header_override_from_the_integration_body(gateway: httpx.Client) -> None:
    response = gateway.get("/override-response-header")
    assert response.status_code == 200
    assert response.headers["X-Backend-Method"] == "GET"
    assert response.json() == {"ok": True}


# --- Lambda non-proxy (AWS) integrations ---


@pytest.mark.aws(LAMBDA + "test_lambda_aws_integration")
def test_lambda_without_templates_gets_the_body_and_its_result_is_the_response(gateway: httpx.Client) -> None:
    response = gateway.post("/lambda-echo", content=json.dumps({"message": "hello world"}).encode())
    assert response.status_code == 200
    assert response.json() == {"message": "hello world"}


@pytest.mark.aws(LAMBDA + "test_lambda_aws_integration_with_request_template")
@pytest.mark.parametrize("query", ["param1=foobar", "param1=foobar&Signature=1"])
def test_lambda_request_template_reads_a_query_parameter(gateway: httpx.Client, query: str) -> None:
    response = gateway.get(f"/lambda-template?{query}")
    assert response.status_code == 200
    assert response.json() == {"param1": "foobar"}


@pytest.mark.aws(LAMBDA + "test_lambda_selection_patterns")
@pytest.mark.parametrize(
    ("code", "status", "error"),
    [
        ("200", 200, None),
        ("400", 405, "Error: Raising four hundred from within the Lambda function"),
        ("500", 502, "Error: Raising five hundred from within the Lambda function"),
    ],
)
def test_lambda_selection_patterns_match_the_error_message_not_the_status(
    gateway: httpx.Client, code: str, status: int, error: str | None
) -> None:
    response = gateway.get(f"/lambda-select/{code}")
    assert response.status_code == status
    if error is None:
        assert response.json() == "Pass"
    else:
        document = response.json()
        assert (document["errorMessage"], document["errorType"]) == (error, "Exception")
        assert isinstance(document["stackTrace"], list)


@pytest.mark.aws(LAMBDA + "test_lambda_aws_integration_response_with_mapping_templates")
@pytest.mark.parametrize(
    ("document", "status", "body"),
    [
        ({"httpStatus": "200"}, 202, "noerror"),
        ({"httpStatus": "400", "errorMessage": "Test Bad request"}, 400, "customerror"),
    ],
)
def test_lambda_response_template_overrides_the_status(
    gateway: httpx.Client, document: dict[str, str], status: int, body: str
) -> None:
    response = _post(gateway, "/lambda-mapping", document)
    assert response.status_code == status
    assert response.json() == {"body": body, "statusCode": 200}


@pytest.mark.aws(REFERENCE)
def test_lambda_request_template_iterates_every_parameter_map(gateway: httpx.Client) -> None:
    response = _post(gateway, "/lambda-params/7", {"k": 1}, params={"verbose": "1"})
    assert response.status_code == 200
    event = response.json()
    assert event["params"]["path"] == {"id": "7"}
    assert event["params"]["querystring"] == {"verbose": "1"}
    assert event["params"]["header"]["Content-Type"] == "application/json"
    assert (event["count"], event["body"]) == (3, {"k": 1})


@pytest.mark.aws(LAMBDA_INVOKE)
def test_lambda_refuses_a_template_output_that_is_not_json(gateway: httpx.Client) -> None:
    response = gateway.get("/lambda-not-json", params={"v": "abc"})
    assert response.status_code == 400
    assert response.json()["message"].startswith(NOT_JSON + "Unrecognized token 'abc': was expecting")


@pytest.mark.aws(LAMBDA_INVOKE)
def test_lambda_refuses_a_passed_through_payload_that_is_not_json(gateway: httpx.Client) -> None:
    response = gateway.post("/lambda-echo", content=b"hello", headers={"Content-Type": "text/plain"})
    assert response.status_code == 400
    assert response.json()["message"].startswith(NOT_JSON + "Unrecognized token 'hello'")


# --- binary payloads and request templates ---

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.mark.aws(ENCODINGS)
def test_a_binary_payload_cannot_go_through_a_request_template(root: httpx.Client) -> None:
    response = root.post("/bin/upload", content=PNG, headers={"Content-Type": "image/png"})
    assert response.status_code == 500
    assert response.json() == INTERNAL_ERROR


@pytest.mark.aws(ENCODINGS)
def test_convert_to_text_gives_the_template_the_base64_of_a_binary_payload(root: httpx.Client) -> None:
    response = root.post("/bin/upload-as-text", content=PNG, headers={"Content-Type": "image/png"})
    assert response.status_code == 200
    assert response.json() == {"data": base64.b64encode(PNG).decode()}


@pytest.mark.aws(ENCODINGS)
def test_with_every_type_binary_a_mock_template_fails_unless_converted_to_text(root: httpx.Client) -> None:
    failed = root.get("/anybin/mock")
    assert (failed.status_code, failed.json()) == (500, INTERNAL_ERROR)
    converted = root.get("/anybin/mock-as-text")
    assert (converted.status_code, converted.json()) == (200, {"ok": True})
