"""Conformance: the payload format 1.0 event of a Lambda proxy (AWS_PROXY) integration.

One `tollway serve` of fixtures/proxy/proxy.yaml (stage ``test``); its function answers the
event it got. The requests are those LocalStack's test_apigateway_lambda.py and
TestApiGatewayHeaderRemapping sent to AWS; each case cites the recording it encodes.
"""

from __future__ import annotations

from typing import Any

import pytest

from proxy_support import CLIENT_HEADERS, gateway_fixture, header_backend, recording, send
from support import Running

__all__ = ["header_backend"]

LAMBDA = "test_apigateway_lambda"
PROXY = recording(LAMBDA, "test_lambda_aws_proxy_integration")
REMAP_AWS_PROXY = recording(
    "test_apigateway_integrations",
    "TestApiGatewayHeaderRemapping::test_apigateway_header_remapping_aws[AWS_PROXY]",
)
RECORDED_CLIENT = {
    "User-Agent": "python-requests/testing",
    "tEsT-HEADeR": "aValUE",
    "authorization": "random-value",
}


gateway = gateway_fixture("lambda-proxy-event", client=False)


def event(gateway: Running, target: str, headers: dict[str, str] | None = None, **kw: Any) -> dict[str, Any]:
    status, answer = send(gateway.port, kw.pop("method", "GET"), target, headers or RECORDED_CLIENT, **kw)
    assert status == 200, answer
    document: dict[str, Any] = answer["event"]
    return document


@pytest.mark.aws(PROXY)
@pytest.mark.parametrize(
    ("target", "path", "context_path", "proxy"),
    [
        ("/test/proxy-value", "/proxy-value", "/test/proxy-value", "proxy-value"),
        ("/test/proxy-value/", "/proxy-value/", "/test/proxy-value/", "proxy-value"),
        (
            "/test/proxy-value//double-slash",
            "/proxy-value//double-slash",
            "/test/proxy-value//double-slash",
            "proxy-value//double-slash",
        ),
        ("//test/proxy-value", "/proxy-value", "/test/proxy-value", "proxy-value"),
        ("/test//proxy-value", "/proxy-value", "/test//proxy-value", "proxy-value"),
        ("/test/proxy-value?urlparam=test", "/proxy-value", "/test/proxy-value", "proxy-value"),
        ("/test/proxy-value/?urlparam=test", "/proxy-value/", "/test/proxy-value/", "proxy-value"),
        (
            "/test/proxy-value/api/user/test%2Balias@gmail.com/plus/test+alias@gmail.com",
            "/proxy-value/api/user/test%2Balias@gmail.com/plus/test+alias@gmail.com",
            "/test/proxy-value/api/user/test%2Balias@gmail.com/plus/test+alias@gmail.com",
            "proxy-value/api/user/test%2Balias@gmail.com/plus/test+alias@gmail.com",
        ),
    ],
    ids=[
        "without-trailing-slash",
        "with-trailing-slash",
        "with-double-slash",
        "with-prepended-slash-to-stage",
        "with-prepended-slash",
        "without-trailing-slash-and-query-params",
        "with-trailing-slash-and-query-params",
        "with-path-encoded-email",
    ],
)
def test_path_and_proxy_parameter_keep_the_clients_spelling(
    gateway: Running, target: str, path: str, context_path: str, proxy: str
) -> None:
    got = event(gateway, target)
    assert (got["resource"], got["path"], got["pathParameters"]) == ("/{proxy+}", path, {"proxy": proxy})
    assert (got["requestContext"]["path"], got["requestContext"]["resourcePath"]) == (
        context_path,
        "/{proxy+}",
    )


@pytest.mark.aws(PROXY)
def test_literal_resource_reached_through_a_double_slash_reports_it_in_the_context_path(
    gateway: Running,
) -> None:
    """invocation-hardcoded: ``//hardcoded`` routes to ``/hardcoded``."""
    got = event(gateway, "/test//hardcoded")
    assert (got["resource"], got["path"], got["pathParameters"]) == ("/hardcoded", "/hardcoded", None)
    assert got["requestContext"]["path"] == "/test//hardcoded"


@pytest.mark.aws(PROXY)
@pytest.mark.parametrize("spelling", ["authorization", "aUThorization"])
def test_authorization_is_named_so_however_the_client_spelled_it(gateway: Running, spelling: str) -> None:
    got = event(gateway, "/test/proxy-value", {spelling: "random-value", "tEsT-HEADeR": "aValUE"})
    assert (got["headers"]["Authorization"], got["multiValueHeaders"]["Authorization"]) == (
        "random-value",
        ["random-value"],
    )
    assert [name for name in got["headers"] if name.lower() == "authorization"] == ["Authorization"]
    assert got["headers"]["tEsT-HEADeR"] == "aValUE"  # other names keep the client's spelling


@pytest.mark.aws(PROXY)
def test_event_headers_carry_api_gateways_trace_and_forwarded_headers(gateway: Running) -> None:
    got = event(gateway, "/test/proxy-value")
    assert got["headers"]["X-Forwarded-For"] == "127.0.0.1"
    assert {"X-Forwarded-Port", "X-Forwarded-Proto", "X-Amzn-Trace-Id"} <= set(got["headers"])
    assert got["multiValueHeaders"]["X-Amzn-Trace-Id"] == [got["headers"]["X-Amzn-Trace-Id"]]
    assert "X-Amzn-Apigateway-Api-Id" not in got["headers"]


@pytest.mark.aws(PROXY)
def test_request_context_has_exactly_the_recorded_fields(gateway: Running) -> None:
    context = event(gateway, "/test/proxy-value")["requestContext"]
    assert sorted(context) == [
        "accountId",
        "apiId",
        "deploymentId",
        "domainName",
        "domainPrefix",
        "extendedRequestId",
        "httpMethod",
        "identity",
        "path",
        "protocol",
        "requestId",
        "requestTime",
        "requestTimeEpoch",
        "resourceId",
        "resourcePath",
        "stage",
    ]  # no "authorizer" on a method without one
    assert sorted(k for k, v in context["identity"].items() if v is not None) == ["sourceIp", "userAgent"]
    assert len(context["identity"]) == 12
    assert (context["stage"], context["protocol"], context["httpMethod"]) == ("test", "HTTP/1.1", "GET")


@pytest.fixture(scope="module")
def remap_event(gateway: Running) -> dict[str, Any]:
    """TestApiGatewayHeaderRemapping's "no-param-integration" call, on AWS_PROXY."""
    return event(gateway, "/test/proxy-value", CLIENT_HEADERS)


DROPPED = [
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


@pytest.mark.aws(REMAP_AWS_PROXY)
@pytest.mark.parametrize("name", DROPPED)
def test_header_api_gateway_drops_is_not_in_the_event(remap_event: dict[str, Any], name: str) -> None:
    assert name not in remap_event["headers"]
    assert name not in remap_event["multiValueHeaders"]
