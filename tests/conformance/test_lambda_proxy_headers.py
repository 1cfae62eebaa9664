"""Conformance: header mappings of Lambda integrations, proxy (AWS_PROXY) and not (AWS).

One `tollway serve` of fixtures/proxy/proxy.yaml (stage ``test``). The methods are those of
LocalStack's TestApiGatewayHeaderRemapping::test_apigateway_header_remapping_aws, recorded
against AWS: mapping a header API Gateway owns fails every call, and method response
headers API Gateway owns come back as ``x-amzn-Remapped-*``.
"""

from __future__ import annotations

import httpx
import pytest

from proxy_support import (
    INTERNAL_ERROR,
    PASSED_ANSWER,
    REMAPPED_ANSWER,
    gateway_fixture,
    header_backend,
    recording,
)

__all__ = ["header_backend"]

TEST = "TestApiGatewayHeaderRemapping::test_apigateway_header_remapping_aws"
REMAP_AWS = recording("test_apigateway_integrations", f"{TEST}[AWS]")
REMAP_AWS_PROXY = recording("test_apigateway_integrations", f"{TEST}[AWS_PROXY]")
REFUSED = [
    "content-length",
    "transfer-encoding",
    "authorization",
    "connection",
    "expect",
    "proxy-authenticate",
    "te",
]


gateway = gateway_fixture("lambda-proxy-headers")


def _refused(response: httpx.Response) -> None:
    assert (response.status_code, response.json()) == (500, INTERNAL_ERROR)
    assert response.headers["x-amzn-ErrorType"] == "InternalServerErrorException"
    assert "x-amzn-trace-id" not in response.headers


@pytest.mark.parametrize(
    ("prefix", "name"),
    [
        pytest.param(prefix, name, marks=pytest.mark.aws(source), id=f"{kind}-{name}")
        for kind, prefix, source in [
            # AWS_PROXY ignores request parameters, yet these make every call fail.
            ("AWS_PROXY", "lp", REMAP_AWS_PROXY),
            ("AWS", "a", REMAP_AWS),
        ]
        for name in REFUSED
    ],
)
def test_lambda_method_mapping_a_header_api_gateway_owns_is_500(
    gateway: httpx.Client, prefix: str, name: str
) -> None:
    _refused(gateway.get(f"/{prefix}-refused/{name}"))


@pytest.mark.aws(REMAP_AWS)
def test_lambda_answer_is_json_with_a_trace(gateway: httpx.Client) -> None:
    """no-param-integration: the function's result, application/json, X-Amzn-Trace-Id."""
    response = gateway.get("/a-no-param")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.headers["X-Amzn-Trace-Id"].startswith("Root=1-")


@pytest.fixture(scope="module")
def full(gateway: httpx.Client) -> httpx.Response:
    response = gateway.get("/a-full", headers={"Accept": "application/json", "Via": "p.example.net"})
    assert response.status_code == 200
    return response


@pytest.mark.aws(REMAP_AWS)
def test_mapped_method_response_headers_pass_and_transfer_encoding_is_dropped(full: httpx.Response) -> None:
    assert {name: full.headers.get(name) for name in PASSED_ANSWER} == {
        name: f"response_param_{name}" for name in PASSED_ANSWER
    }
    assert "transfer-encoding" not in full.headers


@pytest.mark.aws(REMAP_AWS)
@pytest.mark.parametrize("name", REMAPPED_ANSWER)
def test_mapped_method_response_header_api_gateway_owns_comes_back_remapped(
    full: httpx.Response, name: str
) -> None:
    assert full.headers[f"x-amzn-Remapped-{name}"] == f"response_param_{name}"
