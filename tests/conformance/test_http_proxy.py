"""Conformance: HTTP_PROXY integrations, the headers each way and the status, as AWS answers.

One `tollway serve` of fixtures/proxy/proxy.yaml (stage ``test``) in front of the header
backend of tests/proxy_support.py. The client sends the headers LocalStack's
TestApiGatewayHeaderRemapping sent to AWS; each case cites the recording it encodes.
"""

from __future__ import annotations

import httpx
import pytest

from proxy_support import (
    BACKEND_ANSWER_HEADERS,
    CLIENT_HEADERS,
    INTERNAL_ERROR,
    MAPPED_SENT,
    gateway_fixture,
    header_backend,
    received,
    recording,
    served_api_id,
)

__all__ = ["header_backend"]

REMAP = "test_apigateway_integrations"
REMAP_HTTP_PROXY = recording(
    REMAP, "TestApiGatewayHeaderRemapping::test_apigateway_header_remapping_http[HTTP_PROXY]"
)
HTTP = "test_apigateway_http"
WITH_LAMBDA = recording(HTTP, "test_http_integration_with_lambda[HTTP_PROXY]")
STATUS = recording(HTTP, "test_http_integration_invoke_status_code_passthrough[HTTP_PROXY]")


gateway = gateway_fixture("http-proxy")


@pytest.fixture(scope="module")
def no_param(gateway: httpx.Client) -> httpx.Response:
    """The recording's "no-param-integration" call: every client header, no mapping."""
    response = gateway.get("/hp/answer", headers=CLIENT_HEADERS)
    assert response.status_code == 200
    return response


@pytest.fixture(scope="module")
def full(gateway: httpx.Client) -> httpx.Response:
    """The recording's "full-integration" call: REQUEST_PARAMETERS mapped onto the request."""
    response = gateway.get("/hp-full", headers=CLIENT_HEADERS)
    assert response.status_code == 200
    return response


PASSED = [
    "Accept",
    "Accept-Charset",
    "Accept-Encoding",
    "Age",
    "Authorization",
    "Content-Type",
    "Date",
    "Pragma",
    "Range",
    "Referer",
    "User-Agent",
    "Warn",
]


@pytest.mark.aws(REMAP_HTTP_PROXY)
@pytest.mark.parametrize("name", PASSED)
def test_client_header_reaches_the_backend_unchanged(no_param: httpx.Response, name: str) -> None:
    assert received(no_param)[name.lower()] == [CLIENT_HEADERS[name]]


NOT_PASSED = [
    "Connection",
    "Content-Encoding",
    "Content-MD5",
    "Expect",
    "Max-Forwards",
    "Proxy-Authenticate",
    "Server",
    "TE",
    "Trailer",
    "Upgrade",
    "Via",
    "WWW-Authenticate",
]


@pytest.mark.aws(REMAP_HTTP_PROXY)
@pytest.mark.parametrize("name", NOT_PASSED)
def test_client_header_is_not_passed_to_the_backend(no_param: httpx.Response, name: str) -> None:
    assert name.lower() not in received(no_param)


@pytest.mark.aws(REMAP_HTTP_PROXY)
def test_backend_gets_its_own_host_and_api_gateways_headers(
    gateway: httpx.Client, no_param: httpx.Response, header_backend: str
) -> None:
    headers = received(no_param)
    assert headers["host"] == [header_backend.removeprefix("http://")]
    assert headers["x-amzn-apigateway-api-id"] == [served_api_id(gateway)]
    assert len(headers["x-amzn-trace-id"]) == 1


@pytest.mark.aws(WITH_LAMBDA)
def test_backend_gets_x_forwarded_for_proto_and_port(no_param: httpx.Response) -> None:
    headers = received(no_param)
    assert headers["x-forwarded-for"] == ["127.0.0.1"]
    assert set(headers) >= {"x-forwarded-proto", "x-forwarded-port"}


@pytest.mark.aws(REMAP_HTTP_PROXY)
def test_mapped_headers_replace_the_clients_and_reach_the_backend(full: httpx.Response) -> None:
    """Even Upgrade and Trailer, which the client itself cannot pass."""
    headers = received(full)
    assert {name: headers.get(name.lower()) for name in MAPPED_SENT} == {
        name: [value] for name, value in MAPPED_SENT.items()
    }


@pytest.mark.aws(REMAP_HTTP_PROXY)
def test_mapped_headers_that_api_gateway_never_sends_are_dropped(full: httpx.Response) -> None:
    dropped = ["connection", "expect", "proxy-authenticate", "te", "via"]
    assert [name for name in dropped if name in received(full)] == []


@pytest.mark.aws(REMAP_HTTP_PROXY)
def test_host_mapped_from_the_method_request_is_the_host_the_backend_sees(
    gateway: httpx.Client, full: httpx.Response
) -> None:
    """``integration.request.header.Host: method.request.header.Host``: the API's own host."""
    assert received(full)["host"] == [str(gateway.base_url.netloc.decode())]


@pytest.mark.aws(REMAP_HTTP_PROXY)
@pytest.mark.parametrize("path", ["/hp-content-length", "/hp-transfer-encoding"])
def test_mapping_content_length_or_transfer_encoding_is_500(gateway: httpx.Client, path: str) -> None:
    response = gateway.get(path, headers=CLIENT_HEADERS)
    assert (response.status_code, response.json()) == (500, INTERNAL_ERROR)
    assert response.headers["x-amzn-ErrorType"] == "InternalServerErrorException"
    assert "x-amzn-trace-id" not in response.headers


REMAPPED_ANSWER = ["Connection", "Content-Length", "Date", "Server"]


@pytest.mark.aws(REMAP_HTTP_PROXY)
@pytest.mark.parametrize("name", REMAPPED_ANSWER)
def test_backend_answer_header_api_gateway_owns_comes_back_remapped(
    no_param: httpx.Response, name: str
) -> None:
    assert f"x-amzn-Remapped-{name}" in no_param.headers


@pytest.mark.aws(REMAP_HTTP_PROXY)
def test_remapped_content_length_is_the_backends(no_param: httpx.Response) -> None:
    assert no_param.headers["x-amzn-Remapped-Content-Length"] == str(len(no_param.content))
    assert no_param.headers["x-amzn-Remapped-Server"].startswith("HeaderBackend/1.0")
    assert no_param.headers["x-amzn-Remapped-Connection"] == "keep-alive"


@pytest.mark.aws(WITH_LAMBDA)
def test_backend_request_id_comes_back_remapped_beside_api_gateways(no_param: httpx.Response) -> None:
    backend_id = dict(BACKEND_ANSWER_HEADERS)["x-amzn-RequestId"]
    assert no_param.headers["x-amzn-Remapped-x-amzn-RequestId"] == backend_id
    assert no_param.headers["x-amzn-RequestId"] != backend_id


@pytest.mark.aws(REMAP_HTTP_PROXY)
@pytest.mark.parametrize("name", ["Access-Control-Allow-Origin", "Access-Control-Allow-Credentials"])
def test_other_backend_answer_headers_pass(no_param: httpx.Response, name: str) -> None:
    assert no_param.headers[name] == dict(BACKEND_ANSWER_HEADERS)[name]


@pytest.mark.aws(WITH_LAMBDA)
def test_backends_own_trace_header_is_answered_and_api_gateway_adds_none(no_param: httpx.Response) -> None:
    assert no_param.headers.get_list("X-Amzn-Trace-Id") == [dict(BACKEND_ANSWER_HEADERS)["X-Amzn-Trace-Id"]]


@pytest.mark.aws(REMAP_HTTP_PROXY)
def test_answer_of_a_backend_without_trace_header_has_none(full: httpx.Response) -> None:
    assert "x-amzn-trace-id" not in full.headers


@pytest.mark.aws(STATUS)
@pytest.mark.parametrize("status", [200, 400])
def test_backend_status_and_body_pass_through(gateway: httpx.Client, status: int) -> None:
    response = gateway.post(f"/hp-status/status/{status}")
    assert (response.status_code, response.json()) == (status, {"message": "", "status_code": status})
