"""End to end: the real `tollway serve` in front of a real upstream, called by a real client.

Each test names the API Gateway behaviour it checks.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from support import Upstream, write


def _api(tmp_path: Path, paths: dict[str, Any], **extra: Any) -> Path:
    doc = {"openapi": "3.0.1", "info": {"title": "e2e", "version": "1"}, "paths": paths, **extra}
    return write(tmp_path / "api.json", json.dumps(doc))


def _proxy(uri: str, method: str = "ANY", **extra: Any) -> dict[str, Any]:
    return {"type": "http_proxy", "httpMethod": method, "uri": uri, **extra}


@pytest.fixture
def proxy_api(tmp_path: Path, upstream: Upstream) -> Path:
    return _api(
        tmp_path,
        {
            "/items/{id}": {
                "get": {
                    "parameters": [{"name": "id", "in": "path", "required": True}],
                    "x-amazon-apigateway-integration": _proxy(
                        upstream.url + "/backend/items/{id}",
                        "GET",
                        requestParameters={
                            "integration.request.path.id": "method.request.path.id",
                            "integration.request.header.X-Stage": "stageVariables.color",
                            "integration.request.header.X-Req": "context.requestId",
                        },
                    ),
                }
            },
            "/{proxy+}": {
                "x-amazon-apigateway-any-method": {
                    "x-amazon-apigateway-integration": _proxy(upstream.url + "/{proxy}"),
                }
            },
            "/slow": {
                "get": {
                    "x-amazon-apigateway-integration": _proxy(
                        upstream.url + "/slow/3000", "GET", timeoutInMillis=300
                    )
                }
            },
            "/down": {"get": {"x-amazon-apigateway-integration": _proxy("http://127.0.0.1:9/x", "GET")}},
            "/lambda": {
                "get": {
                    "x-amazon-apigateway-integration": {
                        "type": "aws_proxy",
                        "httpMethod": "POST",
                        "uri": "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
                        "arn:aws:lambda:us-east-1:123456789012:function:Fn/invocations",
                    }
                }
            },
        },
    )


def test_http_proxy_passes_the_whole_request_through(serve: Any, proxy_api: Path) -> None:
    server = serve(str(proxy_api))
    response = httpx.post(
        f"{server.url}/prod/a/b%20c?x=1&x=2&y=z",
        content=b'{"hello": "world"}',
        headers={"Content-Type": "application/json", "X-Custom": "kept"},
    )
    assert response.status_code == 200
    echo = response.json()
    assert echo["method"] == "POST"
    assert echo["path"] == "/a/b%20c"
    assert echo["query"] == {"x": ["1", "2"], "y": ["z"]}
    assert echo["headers"]["x-custom"] == "kept"
    assert echo["headers"]["x-forwarded-for"] == "127.0.0.1"
    assert echo["body"] == '{"hello": "world"}'
    # AWS: HTTP_PROXY keeps backend headers but renames Server and Date.
    assert response.headers["x-upstream"] == "yes"
    assert response.headers["x-amzn-Remapped-Server"].startswith("EchoUpstream")
    assert "x-amzn-RequestId" in response.headers and "x-amz-apigw-id" in response.headers


def test_http_proxy_path_parameter_and_request_parameter_mapping(serve: Any, proxy_api: Path) -> None:
    server = serve(str(proxy_api))
    response = httpx.get(f"{server.url}/prod/items/42")
    echo = response.json()
    assert echo["path"] == "/backend/items/42"
    assert echo["headers"]["x-req"] == response.headers["x-amzn-RequestId"]
    assert "x-stage" not in echo["headers"]  # an absent stage variable maps to nothing


def test_integration_timeout_answers_504_endpoint_request_timed_out(serve: Any, proxy_api: Path) -> None:
    server = serve(str(proxy_api))
    response = httpx.get(f"{server.url}/prod/slow", timeout=10)
    assert response.status_code == 504
    assert response.json() == {"message": "Endpoint request timed out"}


def test_unreachable_backend_is_an_integration_failure(serve: Any, proxy_api: Path) -> None:
    server = serve(str(proxy_api))
    response = httpx.get(f"{server.url}/prod/down")
    assert response.status_code == 504
    assert response.json() == {"message": "Internal server error"}


def test_aws_proxy_answers_a_configuration_error_until_the_function_runtime(
    serve: Any, proxy_api: Path
) -> None:
    server = serve(str(proxy_api))
    response = httpx.get(f"{server.url}/prod/lambda")
    assert response.status_code == 500
    assert response.json() == {"message": "Internal server error"}


def test_unknown_stage_route_and_method_are_403_missing_authentication_token(
    serve: Any, tmp_path: Path, upstream: Upstream
) -> None:
    api = _api(tmp_path, {"/only": {"get": {"x-amazon-apigateway-integration": _proxy(upstream.url, "GET")}}})
    server = serve(str(api))
    for method, path in (("GET", "/prod/nope"), ("DELETE", "/prod/only"), ("GET", "/nostage/only")):
        response = httpx.request(method, server.url + path)
        assert response.status_code == 403, path
        assert response.json() == {"message": "Missing Authentication Token"}
        assert response.headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"


def test_http_non_proxy_maps_request_and_selects_response_by_status(
    serve: Any, tmp_path: Path, upstream: Upstream
) -> None:
    integration = {
        "type": "http",
        "httpMethod": "POST",
        "uri": upstream.url + "/status/{code}",
        "requestParameters": {
            "integration.request.path.code": "method.request.querystring.code",
            "integration.request.header.X-From-Query": "method.request.querystring.who",
            "integration.request.querystring.fixed": "'literal value'",
        },
        "requestTemplates": {
            "application/json": '{"name": $input.json(\'$.name\'), "stage": "$context.stage", '
            '"who": "$input.params(\'who\')"}'
        },
        "responses": {
            "4\\d{2}": {
                "statusCode": "400",
                "responseTemplates": {"application/json": '{"failed": "$input.path(\'$.method\')"}'},
            },
            "default": {
                "statusCode": "200",
                "responseParameters": {
                    "method.response.header.X-Backend": "integration.response.header.X-Upstream",
                    "method.response.header.X-Static": "'static'",
                },
                "responseTemplates": {
                    "application/json": "{\"got\": $input.json('$.body'), "
                    '"ua": "$input.path(\'$.headers.user-agent\')"}'
                },
            },
        },
    }
    api = _api(tmp_path, {"/things": {"post": {"x-amazon-apigateway-integration": integration}}})
    server = serve(str(api))
    ok = httpx.post(
        f"{server.url}/prod/things?code=200&who=ann",
        json={"name": "widget"},
        headers={"X-Not-Forwarded": "1"},
    )
    assert ok.status_code == 200
    assert ok.headers["x-backend"] == "yes"
    assert ok.headers["x-static"] == "static"
    got = ok.json()
    assert json.loads(got["got"]) == {"name": "widget", "stage": "prod", "who": "ann"}
    # AWS: non-proxy HTTP integrations send their own User-Agent, not the client's headers.
    assert got["ua"].startswith("AmazonAPIGateway_")
    failed = httpx.post(f"{server.url}/prod/things?code=404", json={"name": "x"})
    assert failed.status_code == 400
    assert failed.json() == {"failed": "POST"}


def test_passthrough_never_rejects_unmapped_content_type_with_415(
    serve: Any, tmp_path: Path, upstream: Upstream
) -> None:
    def method(behavior: str) -> dict[str, Any]:
        return {
            "post": {
                "x-amazon-apigateway-integration": {
                    "type": "http",
                    "httpMethod": "POST",
                    "uri": upstream.url + "/x",
                    "passthroughBehavior": behavior,
                    "requestTemplates": {"application/json": "{}"},
                    "responses": {"default": {"statusCode": "200"}},
                }
            }
        }

    api = _api(
        tmp_path,
        {
            "/never": method("NEVER"),
            "/nomatch": method("WHEN_NO_MATCH"),
            "/notemplates": method("WHEN_NO_TEMPLATES"),
        },
    )
    server = serve(str(api))
    xml = {"Content-Type": "application/xml"}
    never = httpx.post(f"{server.url}/prod/never", content=b"<a/>", headers=xml)
    assert never.status_code == 415
    assert never.json() == {"message": "Unsupported Media Type"}
    assert httpx.post(f"{server.url}/prod/notemplates", content=b"<a/>", headers=xml).status_code == 415
    passed = httpx.post(f"{server.url}/prod/nomatch", content=b"<a/>", headers=xml)
    assert passed.status_code == 200
    assert passed.json()["body"] == "<a/>"


def test_mock_integration_status_from_request_template(serve: Any, tmp_path: Path) -> None:
    integration = {
        "type": "mock",
        "requestTemplates": {"application/json": "{\"statusCode\": $input.params('code')}"},
        "responses": {
            "default": {"statusCode": "200", "responseTemplates": {"application/json": '{"ok": true}'}},
            "5\\d\\d": {"statusCode": "503", "responseTemplates": {"application/json": '{"ok": false}'}},
        },
    }
    api = _api(tmp_path, {"/mock": {"get": {"x-amazon-apigateway-integration": integration}}})
    server = serve(str(api))
    assert httpx.get(f"{server.url}/prod/mock?code=200").json() == {"ok": True}
    failed = httpx.get(f"{server.url}/prod/mock?code=500")
    assert (failed.status_code, failed.json()) == (503, {"ok": False})
