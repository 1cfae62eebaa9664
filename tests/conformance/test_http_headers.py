"""Conformance: the headers of HTTP (non-proxy) integrations each way, as AWS answers.

One `tollway serve` of fixtures/proxy/proxy.yaml (stage ``test``) in front of the header
backend of tests/proxy_support.py. The client sends the headers LocalStack's
TestApiGatewayHeaderRemapping sent to AWS; each case cites the recording it encodes.
"""

from __future__ import annotations

import json

import httpx
import pytest

from proxy_support import (
    CLIENT_HEADERS,
    INTERNAL_ERROR,
    MAPPED_SENT,
    PASSED_ANSWER,
    REMAPPED_ANSWER,
    gateway_fixture,
    header_backend,
    received,
    recording,
    served_api_id,
)

__all__ = ["header_backend"]

REMAP_HTTP = recording(
    "test_apigateway_integrations",
    "TestApiGatewayHeaderRemapping::test_apigateway_header_remapping_http[HTTP]",
)
WITH_LAMBDA = recording("test_apigateway_http", "test_http_integration_with_lambda[HTTP]")


gateway = gateway_fixture("http-headers")


@pytest.fixture(scope="module")
def api_id(gateway: httpx.Client) -> str:
    return served_api_id(gateway)


@pytest.fixture(scope="module")
def no_param(gateway: httpx.Client) -> httpx.Response:
    """The recording's "no-param-integration" call: every client header, no mapping."""
    response = gateway.get("/h-no-param", headers=CLIENT_HEADERS)
    assert response.status_code == 200
    return response


@pytest.fixture(scope="module")
def full(gateway: httpx.Client) -> httpx.Response:
    """The recording's "full-integration" call: REQUEST_PARAMETERS mapped onto the request, a
    template of ``$input.params()`` for each header, a ``'response_param_X'`` for each."""
    response = gateway.get("/h-full", headers=CLIENT_HEADERS)
    assert response.status_code == 200
    return response


@pytest.mark.aws(REMAP_HTTP)
def test_backend_gets_only_api_gateways_headers_without_a_mapping(no_param: httpx.Response) -> None:
    assert sorted(received(no_param)) == [
        "accept",
        "content-length",
        "host",
        "user-agent",
        "x-amzn-apigateway-api-id",
        "x-amzn-trace-id",
    ]


@pytest.mark.aws(REMAP_HTTP)
def test_user_agent_and_api_id_name_the_api(no_param: httpx.Response, api_id: str) -> None:
    headers = received(no_param)
    assert (headers["user-agent"], headers["accept"]) == (
        [f"AmazonAPIGateway_{api_id}"],
        ["application/json"],
    )
    assert (headers["x-amzn-apigateway-api-id"], headers["content-length"]) == ([api_id], ["0"])


@pytest.mark.aws(WITH_LAMBDA)
def test_a_post_body_brings_its_content_type_and_length_and_nothing_of_the_client(
    gateway: httpx.Client,
) -> None:
    body = b'{"message": "hello world"}'
    headers = {
        "Content-Type": "application/json",
        "accept": "application/xml",
        "user-Agent": "test/integration",
    }
    response = gateway.post("/h-post", content=body, headers=headers)
    got = received(response)
    assert sorted(got) == [
        "accept",
        "content-length",
        "content-type",
        "host",
        "user-agent",
        "x-amzn-apigateway-api-id",
        "x-amzn-trace-id",
    ]
    assert (got["accept"], got["content-length"], got["content-type"]) == (
        ["application/json"],
        ["26"],
        ["application/json"],
    )


@pytest.mark.aws(WITH_LAMBDA)
def test_answer_has_content_type_request_ids_and_trace_but_no_backend_header(
    gateway: httpx.Client,
) -> None:
    response = gateway.post("/h-post", json={"message": "hello world"})
    names = {name.lower() for name in response.headers} - {"connection"}  # the server's own
    assert names == {
        "content-type",
        "content-length",
        "x-amzn-requestid",
        "x-amz-apigw-id",
        "x-amzn-trace-id",
    }
    assert response.headers["content-type"] == "application/json"


# The HTTP case checks the mapped Content-Type too (the HTTP_PROXY case leaves it out).
MAPPED_SENT_HTTP = {**MAPPED_SENT, "Content-Type": "application/json"}


@pytest.mark.aws(REMAP_HTTP)
def test_mapped_headers_reach_the_backend_and_win_over_the_defaults(full: httpx.Response) -> None:
    headers = received(full)
    assert {name: headers.get(name.lower()) for name in MAPPED_SENT_HTTP} == {
        name: [value] for name, value in MAPPED_SENT_HTTP.items()
    }


@pytest.mark.aws(REMAP_HTTP)
def test_host_mapped_from_the_method_request_is_the_host_the_backend_sees(
    gateway: httpx.Client, full: httpx.Response
) -> None:
    assert received(full)["host"] == [gateway.base_url.netloc.decode()]


@pytest.mark.aws(REMAP_HTTP)
def test_mapped_headers_that_api_gateway_never_sends_are_dropped(full: httpx.Response) -> None:
    dropped = ["connection", "expect", "proxy-authenticate", "te", "via"]
    assert [name for name in dropped if name in received(full)] == []


HIDDEN = [
    "Connection",
    "Content-MD5",
    "Expect",
    "Max-Forwards",
    "Proxy-Authenticate",
    "Server",
    "TE",
    "Trailer",
    "Upgrade",
    "WWW-Authenticate",
]


@pytest.mark.aws(REMAP_HTTP)
@pytest.mark.parametrize("name", HIDDEN)
def test_input_params_does_not_see_a_header_api_gateway_drops(full: httpx.Response, name: str) -> None:
    """The template wrote ``"$input.params('NAME')"`` for every header the client sent."""
    rendered = json.loads(full.json()["body"])  # the template's output, as the backend got it
    assert rendered[name] == ""


@pytest.mark.aws(REMAP_HTTP)
def test_input_params_sees_the_other_client_headers(full: httpx.Response) -> None:
    rendered = json.loads(full.json()["body"])
    kept = ["Accept", "Accept-Charset", "Authorization", "Content-Encoding", "Pragma", "Via", "Warn"]
    assert {name: rendered[name] for name in kept} == {name: CLIENT_HEADERS[name] for name in kept}


@pytest.mark.aws(REMAP_HTTP)
def test_mapped_method_response_headers_pass_and_transfer_encoding_is_dropped(full: httpx.Response) -> None:
    assert {name: full.headers.get(name) for name in PASSED_ANSWER} == {
        name: f"response_param_{name}" for name in PASSED_ANSWER
    }
    assert "transfer-encoding" not in full.headers


@pytest.mark.aws(REMAP_HTTP)
@pytest.mark.parametrize("name", REMAPPED_ANSWER)
def test_mapped_method_response_header_api_gateway_owns_comes_back_remapped(
    full: httpx.Response, name: str
) -> None:
    assert full.headers[f"x-amzn-Remapped-{name}"] == f"response_param_{name}"


@pytest.mark.aws(REMAP_HTTP)
def test_answer_carries_the_trace_the_backend_got(no_param: httpx.Response) -> None:
    assert no_param.headers.get_list("X-Amzn-Trace-Id") == received(no_param)["x-amzn-trace-id"]


@pytest.mark.aws(REMAP_HTTP)
@pytest.mark.parametrize("path", ["/h-content-length", "/h-transfer-encoding"])
def test_mapping_content_length_or_transfer_encoding_is_500(gateway: httpx.Client, path: str) -> None:
    response = gateway.get(path, headers=CLIENT_HEADERS)
    assert (response.status_code, response.json()) == (500, INTERNAL_ERROR)
    assert response.headers["x-amzn-ErrorType"] == "InternalServerErrorException"
    assert "x-amzn-trace-id" not in response.headers
