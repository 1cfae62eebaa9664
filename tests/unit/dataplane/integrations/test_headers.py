"""The header policy of REST APIs (dataplane/headers.py), as recorded against AWS."""

from __future__ import annotations

import pytest

from tollway.dataplane.context import RequestContext
from tollway.dataplane.integrations.headers import (
    mapped_response_headers,
    proxy_request_headers,
    proxy_response_headers,
    refused_mapping,
)
from tollway.dataplane.integrations.http import _encode
from tollway.dataplane.mapping.variables import template_inputs
from tollway.dataplane.messages import IntegrationRequest, Request
from tollway.dataplane.services import Services
from tollway.dataplane.steps.parse import parse

SERVICES = Services(integrations={}, clock=lambda: 0.0)


@pytest.mark.parametrize("kind", ["HTTP", "HTTP_PROXY", "AWS", "AWS_PROXY"])
@pytest.mark.parametrize("name", ["Content-Length", "transfer-encoding"])
def test_every_integration_refuses_a_mapped_content_length_or_transfer_encoding(kind: str, name: str) -> None:
    reason = refused_mapping(kind, {f"integration.request.header.{name}": "'0'"})
    assert reason is not None and name in reason


@pytest.mark.parametrize("name", ["Authorization", "Connection", "Expect", "Proxy-Authenticate", "TE"])
def test_lambda_integrations_also_refuse_these_and_http_ones_map_them(name: str) -> None:
    mapping = {f"integration.request.header.{name}": "'x'"}
    assert refused_mapping("AWS", mapping) is not None
    assert refused_mapping("AWS_PROXY", mapping) is not None
    assert refused_mapping("HTTP", mapping) is None


def test_other_mappings_are_served() -> None:
    mapping = {
        "integration.request.header.X-Custom": "'x'",
        "integration.request.querystring.Content-Length": "'0'",  # a query parameter of that name
        "integration.request.path.id": "method.request.path.id",
    }
    assert refused_mapping("HTTP", mapping) is None


def test_http_proxy_passes_the_method_request_headers_but_not_those_api_gateway_sets() -> None:
    client = [
        ("Host", "api"),
        ("Content-Encoding", "gzip"),
        ("Via", "1.1 p"),
        ("X-Forwarded-For", "198.51.100.1"),
        ("X-Amzn-Trace-Id", "Root=1-x"),
        ("X-Amzn-Apigateway-Api-Id", "spoofed"),
        ("Keep-Alive", "timeout=5"),
        ("Accept", "*/*"),
        ("X-Custom", "v"),
    ]
    assert proxy_request_headers(client, {}) == [("Accept", "*/*"), ("X-Custom", "v")]


def test_a_mapped_header_replaces_every_client_header_of_its_name() -> None:
    client = [("x-a", "1"), ("Accept", "*/*"), ("X-A", "2")]
    mapped = {"X-A": ["m"], "Host": ["h"], "Content-Encoding": ["br"], "Via": ["v"], "Expect": ["e"]}
    mapped |= {"x-amzn-trace-id": ["t"], "X-Amzn-Apigateway-Api-Id": ["i"]}  # API Gateway sets these
    assert proxy_request_headers(client, mapped) == [
        ("Accept", "*/*"),
        ("X-A", "m"),
        ("Host", "h"),
        ("Content-Encoding", "br"),
    ]


def test_proxy_answer_headers_api_gateway_owns_are_remapped_and_hop_by_hop_dropped() -> None:
    backend = [
        ("Server", "s"),
        ("Date", "d"),
        ("Content-Length", "5"),
        ("Connection", "keep-alive"),
        ("x-amzn-RequestId", "r"),
        ("WWW-Authenticate", "Basic"),
        ("Transfer-Encoding", "chunked"),
        ("Keep-Alive", "timeout=5"),
        ("Content-Type", "text/plain"),
        ("X-Amzn-Trace-Id", "Root=1-x"),
    ]
    assert proxy_response_headers(backend) == [
        ("x-amzn-Remapped-Server", "s"),
        ("x-amzn-Remapped-Date", "d"),
        ("x-amzn-Remapped-Content-Length", "5"),
        ("x-amzn-Remapped-Connection", "keep-alive"),
        ("x-amzn-Remapped-x-amzn-RequestId", "r"),
        ("x-amzn-Remapped-WWW-Authenticate", "Basic"),
        ("Content-Type", "text/plain"),
        ("X-Amzn-Trace-Id", "Root=1-x"),
    ]


def test_mapped_method_response_headers_keep_their_spelling_when_remapped() -> None:
    mapped = {"Content-MD5": "m", "User-Agent": "u", "TE": "t", "Transfer-Encoding": "c", "X-A": "a"}
    assert mapped_response_headers(mapped) == [
        ("x-amzn-Remapped-Content-MD5", "m"),
        ("x-amzn-Remapped-User-Agent", "u"),
        ("TE", "t"),
        ("X-A", "a"),
    ]


def test_parse_keeps_every_header_for_the_gateway_and_drops_aws_ones_from_the_method_request() -> None:
    raw = [("Host", "h"), ("Connection", "close"), ("Content-Length", "2"), ("TE", "x"), ("X-A", "1")]
    ctx = RequestContext(Request("POST", "/p", raw, b"{}", "203.0.113.9"), "r", "e", 0)
    parse(ctx, SERVICES)
    assert ctx.headers == [("Host", "h"), ("X-A", "1")]
    assert set(ctx.header_map) == {"host", "connection", "content-length", "te", "x-a"}
    inputs = template_inputs(ctx, "{}")
    assert (inputs.headers.get("X-A"), inputs.headers.get("TE")) == ("1", None)


def test_the_http_client_sends_a_mapped_host_and_owns_framing_headers() -> None:
    headers = [("Host", "api.example:8080"), ("Connection", "x"), ("Content-Length", "9"), ("Upgrade", "h2")]
    request = IntegrationRequest("POST", "http://backend:9000/p", headers, b"hi", 1.0)
    data = b"".join(_encode(request, ("http", "backend", 9000), "/p"))
    assert data == (
        b"POST /p HTTP/1.1\r\nHost: api.example:8080\r\nUpgrade: h2\r\nContent-Length: 2\r\n\r\nhi"
    )
    plain = IntegrationRequest("GET", "http://backend:9000/p", [], b"", 1.0)
    assert _encode(plain, ("http", "backend", 9000), "/p") == (
        b"GET /p HTTP/1.1\r\nHost: backend:9000\r\n\r\n",
        b"",
    )
