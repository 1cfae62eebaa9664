"""map_request: the integration request HTTP_PROXY and HTTP (non-proxy) integrations build."""

from __future__ import annotations

import pytest

from step_support import API_ID, CLIENT_IP, http, mapped, one_method, snapshot
from tollway.errors import (
    ApiConfigurationError,
    UnsupportedMediaType,
)
from tollway.model import (
    Integration,
    Method,
    Resource,
)

# map_request: HTTP_PROXY


PROXY = Integration(
    type="HTTP_PROXY",
    http_method="ANY",
    uri="http://backend:8080/base/{proxy}",
    request_parameters={"integration.request.path.proxy": "method.request.path.proxy"},
)


async def test_http_proxy_passes_path_query_headers_body_and_appends_x_forwarded_for() -> None:
    served = one_method("/{proxy+}", "ANY", PROXY)
    headers = [("Host", "api.local"), ("X-Forwarded-For", "198.51.100.1"), ("X-Custom", "v")]
    request = await mapped(
        served, "POST", "/a/b%20c?x=1&x=2&y=z%26", [*headers, ("Connection", "close")], b"hi"
    )
    assert (request.method, request.url, request.body, request.timeout_s) == (
        "POST",
        "http://backend:8080/base/a/b%20c?x=1&x=2&y=z%26",
        b"hi",
        29.0,
    )
    assert request.headers[:-1] == [
        ("X-Custom", "v"),
        ("X-Forwarded-For", "198.51.100.1, 203.0.113.9"),
        ("X-Forwarded-Proto", "http"),
        ("X-Forwarded-Port", "80"),
        ("X-Amzn-Apigateway-Api-Id", API_ID),
    ]
    assert request.headers[-1][0] == "X-Amzn-Trace-Id"


async def test_http_proxy_without_client_x_forwarded_for_sends_the_source_ip() -> None:
    served = one_method("/{proxy+}", "ANY", PROXY)
    request = await mapped(served, "GET", "/x")
    assert request.headers[:3] == [
        ("X-Forwarded-For", CLIENT_IP),
        ("X-Forwarded-Proto", "http"),
        ("X-Forwarded-Port", "80"),
    ]


async def test_http_proxy_integration_http_method_overrides_the_request_method() -> None:
    integration = Integration(type="HTTP_PROXY", http_method="PUT", uri="http://backend/fixed")
    request = await mapped(one_method("/r", "POST", integration), "POST", "/r")
    assert (request.method, request.url) == ("PUT", "http://backend/fixed")


# map_request: HTTP (non-proxy)


async def test_http_sends_only_mapped_headers_plus_aws_user_agent_and_accept() -> None:
    integration = http(
        request_parameters={"integration.request.header.X-Trace": "method.request.header.x-trace-id"}
    )
    client = [("X-Trace-Id", "t1"), ("Cookie", "c=1"), ("Content-Type", "application/json")]
    request = await mapped(one_method("/r", "POST", integration), "POST", "/r", client, b'{"a":1}')
    assert request.headers[:-1] == [
        ("User-Agent", f"AmazonAPIGateway_{API_ID}"),
        ("Accept", "application/json"),
        ("Content-Type", "application/json"),
        ("X-Trace", "t1"),
        ("X-Amzn-Apigateway-Api-Id", API_ID),
    ]
    assert request.headers[-1][0] == "X-Amzn-Trace-Id"
    assert (request.method, request.url, request.body) == ("POST", "http://backend/items", b'{"a":1}')


TEMPLATES = {"application/json": "json:$input.json('$.a')", "application/xml": "xml:$input.body"}


async def test_http_request_template_is_chosen_by_content_type_without_parameters() -> None:
    served = one_method("/r", "POST", http(request_templates=TEMPLATES))
    headers = [("Content-Type", "Application/XML; charset=utf-8")]
    request = await mapped(served, "POST", "/r", headers, b"<a/>")
    assert request.body == b"xml:<a/>"
    assert ("Content-Type", "application/xml") in request.headers


async def test_http_request_without_content_type_uses_the_application_json_template() -> None:
    served = one_method("/r", "POST", http(request_templates=TEMPLATES))
    request = await mapped(served, "POST", "/r", [], b'{"a":[1,2]}')
    assert request.body == b"json:[1,2]"


@pytest.mark.parametrize(
    ("behavior", "templates", "content_type", "expected"),
    [
        ("WHEN_NO_MATCH", TEMPLATES, "text/plain", b"raw"),
        ("WHEN_NO_TEMPLATES", TEMPLATES, "text/plain", None),
        ("WHEN_NO_TEMPLATES", {}, "text/plain", b"raw"),
        ("NEVER", {}, "text/plain", None),
        ("NEVER", TEMPLATES, "application/xml", b"xml:raw"),
    ],
)
async def test_http_passthrough_behavior_for_an_unmapped_content_type(
    behavior: str, templates: dict[str, str], content_type: str, expected: bytes | None
) -> None:
    """WHEN_NO_MATCH passes through; WHEN_NO_TEMPLATES only with no templates; NEVER: 415."""
    served = one_method("/r", "POST", http(passthrough_behavior=behavior, request_templates=templates))
    headers = [("Content-Type", content_type)]
    if expected is None:
        with pytest.raises(UnsupportedMediaType):
            await mapped(served, "POST", "/r", headers, b"raw")
    else:
        assert (await mapped(served, "POST", "/r", headers, b"raw")).body == expected


async def test_stage_variables_are_substituted_in_the_uri() -> None:
    integration = http(uri="http://${stageVariables.host}/v1/${stageVariables.empty}x")
    served = snapshot(
        Resource("/r", {"GET": Method("GET", integration=integration)}),
        variables={"host": "backend.internal:9000", "empty": ""},
    )
    assert (await mapped(served, "GET", "/r")).url == "http://backend.internal:9000/v1/x"


async def test_undefined_stage_variable_in_the_uri_is_500_internal_server_error() -> None:
    integration = http(uri="http://${stageVariables.host}/v1/${stageVariables.missing}")
    served = snapshot(
        Resource("/r", {"GET": Method("GET", integration=integration)}),
        variables={"host": "backend.internal:9000"},
    )
    with pytest.raises(ApiConfigurationError) as caught:
        await mapped(served, "GET", "/r")
    assert (caught.value.status_code, caught.value.message) == (500, "Internal server error")
    assert caught.value.detail is not None and "missing" in caught.value.detail


async def test_path_parameter_is_percent_encoded_but_proxy_keeps_its_slashes() -> None:
    integration = http(
        http_method="GET",
        uri="http://b/f/{name}/{proxy}",
        request_parameters={
            "integration.request.path.name": "method.request.path.name",
            "integration.request.path.proxy": "method.request.path.proxy",
        },
    )
    served = one_method("/files/{name}/{proxy+}", "GET", integration)
    request = await mapped(served, "GET", "/files/a%2Fb%20c/d/e%20f")
    assert request.url == "http://b/f/a%2Fb%20c/d/e%20f"


async def test_querystring_header_and_path_mappings_build_the_integration_request() -> None:
    integration = http(
        http_method="GET",
        uri="http://b/items/{id}",
        request_parameters={
            "integration.request.path.id": "method.request.querystring.item",
            "integration.request.querystring.q": "method.request.querystring.search",
            "integration.request.querystring.v": "'2'",
            "integration.request.header.X-Stage": "context.stage",
            "integration.request.querystring.absent": "method.request.querystring.nope",
        },
    )
    served = one_method("/r", "GET", integration)
    request = await mapped(served, "GET", "/r?item=42&search=a%26b&other=x")
    assert request.url == "http://b/items/42?q=a%26b&v=2"
    assert request.headers[2:3] == [("X-Stage", "prod")]


async def test_integration_timeout_comes_from_timeout_in_millis() -> None:
    request = await mapped(one_method("/r", "GET", http(timeout_ms=1500)), "GET", "/r")
    assert request.timeout_s == 1.5


@pytest.mark.parametrize("kind", ["AWS", "AWS_PROXY"])
async def test_unserved_integration_type_is_an_api_configuration_error(kind: str) -> None:
    served = one_method("/r", "GET", Integration(type=kind, uri="arn:aws:apigateway:us-east-1:s3:path/b"))
    with pytest.raises(ApiConfigurationError):
        await mapped(served, "GET", "/r")
