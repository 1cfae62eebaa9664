"""End to end: binary payloads and CORS through the real `tollway serve`, a real upstream
and a real client.

Binary conversions follow AWS's two tables in "Content type conversions in API Gateway"
(api-gateway-payload-encodings-workflow): the request side depends on the request's
Content-Type, the API's ``binaryMediaTypes`` and the integration's ``contentHandling``; the
response side on the client's first Accept type, the integration response's content type
and the integration response's ``contentHandling``. CORS is checked as SAM generates it
(an OPTIONS MOCK method per path) and as an OpenAPI file declares it by hand.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from support import Running, Upstream, write

ALL_BYTES = bytes(range(256))
ALL_BYTES_B64 = base64.b64encode(ALL_BYTES).decode()
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PNG_SIGNATURE_B64 = "iVBORw0KGgo="
OCTETS = {"Content-Type": "application/octet-stream"}
INTERNAL_ERROR = {"message": "Internal server error"}
MISSING_TOKEN = {"message": "Missing Authentication Token"}


def _http(uri: str, verb: str, **extra: Any) -> dict[str, Any]:
    """A non-proxy HTTP integration answering the backend's body as is (default 200)."""
    responses = extra.pop("responses", {"default": {"statusCode": "200"}})
    return {"type": "http", "httpMethod": verb, "uri": uri, "responses": responses, **extra}


def _binary_api(tmp_path: Path, upstream: Upstream) -> Path:
    up = upstream.url
    text_response = {"default": {"statusCode": "200", "contentHandling": "CONVERT_TO_TEXT"}}
    paths: dict[str, Any] = {
        "/proxy/{proxy+}": {
            "x-amazon-apigateway-any-method": {
                "x-amazon-apigateway-integration": {
                    "type": "http_proxy",
                    "httpMethod": "ANY",
                    "uri": up + "/{proxy}",
                }
            }
        },
        "/raw": {"post": {"x-amazon-apigateway-integration": _http(up + "/echo", "POST")}},
        "/to-text": {
            "post": {
                "x-amazon-apigateway-integration": _http(
                    up + "/echo", "POST", contentHandling="CONVERT_TO_TEXT"
                )
            }
        },
        "/to-text-template": {
            "post": {
                "x-amazon-apigateway-integration": _http(
                    up + "/echo",
                    "POST",
                    contentHandling="CONVERT_TO_TEXT",
                    requestTemplates={"application/octet-stream": '{"data": "$input.body"}'},
                )
            }
        },
        "/to-binary": {
            "post": {
                "x-amazon-apigateway-integration": _http(
                    up + "/echo", "POST", contentHandling="CONVERT_TO_BINARY"
                )
            }
        },
        "/png": {"get": {"x-amazon-apigateway-integration": _http(up + "/binary", "GET")}},
        "/png-as-text": {
            "get": {"x-amazon-apigateway-integration": _http(up + "/binary", "GET", responses=text_response)}
        },
        "/base64-text": {
            "get": {"x-amazon-apigateway-integration": _http(f"{up}/say/{PNG_SIGNATURE_B64}", "GET")}
        },
        "/plain-text": {"get": {"x-amazon-apigateway-integration": _http(up + "/text", "GET")}},
    }
    doc = {
        "openapi": "3.0.1",
        "info": {"title": "binary", "version": "1"},
        "paths": paths,
        "x-amazon-apigateway-binary-media-types": ["application/octet-stream", "image/*"],
    }
    return write(tmp_path / "binary.json", json.dumps(doc))


@pytest.fixture
def binary_server(serve: Any, tmp_path: Path, upstream: Upstream) -> Running:
    server: Running = serve(str(_binary_api(tmp_path, upstream)))
    return server


# -- HTTP_PROXY ----------------------------------------------------------------------


def test_http_proxy_sends_every_byte_value_to_the_backend_unchanged(binary_server: Running) -> None:
    response = httpx.post(f"{binary_server.url}/prod/proxy/echo", content=ALL_BYTES, headers=OCTETS)
    assert response.status_code == 200
    echo = response.json()
    assert echo["body_b64"] == ALL_BYTES_B64
    assert echo["headers"]["content-type"] == "application/octet-stream"


def test_http_proxy_returns_a_binary_backend_response_unchanged(binary_server: Running) -> None:
    png = httpx.get(f"{binary_server.url}/prod/proxy/binary", headers={"Accept": "image/png"})
    assert png.status_code == 200
    assert png.content == b"\x89PNG"
    assert png.headers["content-type"] == "image/png"
    reflected = httpx.post(
        f"{binary_server.url}/prod/proxy/reflect",
        content=ALL_BYTES,
        headers={**OCTETS, "Accept": "application/octet-stream"},
    )
    assert reflected.status_code == 200
    assert reflected.content == ALL_BYTES


# -- HTTP (non-proxy), request side --------------------------------------------------


@pytest.mark.parametrize("content_type", ["application/octet-stream", "image/jpeg"])
def test_binary_request_without_content_handling_reaches_the_backend_as_binary(
    binary_server: Running, content_type: str
) -> None:
    """AWS: binary data, binary media type listed, contentHandling undefined -> binary data."""
    response = httpx.post(
        f"{binary_server.url}/prod/raw", content=ALL_BYTES, headers={"Content-Type": content_type}
    )
    assert response.status_code == 200
    echo = response.json()
    assert echo["body_b64"] == ALL_BYTES_B64
    assert echo["headers"]["content-type"] == content_type


def test_convert_to_text_base64_encodes_a_binary_request_body(binary_server: Running) -> None:
    """AWS: binary data with CONVERT_TO_TEXT -> base64-encoded string."""
    response = httpx.post(f"{binary_server.url}/prod/to-text", content=ALL_BYTES, headers=OCTETS)
    assert response.status_code == 200
    assert response.json()["body"] == ALL_BYTES_B64


def test_convert_to_text_leaves_a_text_request_body_as_text(binary_server: Running) -> None:
    """AWS: text data (not a binary media type) with CONVERT_TO_TEXT -> text data."""
    response = httpx.post(
        f"{binary_server.url}/prod/to-text",
        content=b'{"a": "\xc3\xa9"}',
        headers={"Content-Type": "application/json"},
    )
    assert response.json()["body"] == '{"a": "\u00e9"}'


def test_convert_to_text_gives_the_template_the_base64_body_as_input_body(binary_server: Running) -> None:
    response = httpx.post(f"{binary_server.url}/prod/to-text-template", content=ALL_BYTES, headers=OCTETS)
    assert response.status_code == 200
    assert json.loads(response.json()["body"]) == {"data": ALL_BYTES_B64}


def test_convert_to_binary_base64_decodes_a_text_request_body(binary_server: Running) -> None:
    """AWS: text data with CONVERT_TO_BINARY -> base64-decoded binary blob."""
    response = httpx.post(
        f"{binary_server.url}/prod/to-binary",
        content=ALL_BYTES_B64.encode(),
        headers={"Content-Type": "text/plain"},
    )
    assert response.status_code == 200
    assert response.json()["body_b64"] == ALL_BYTES_B64


# -- HTTP (non-proxy), response side -------------------------------------------------


def test_binary_backend_response_is_binary_for_a_binary_accept(binary_server: Running) -> None:
    """AWS: binary payload, binary Accept, contentHandling undefined -> binary data."""
    response = httpx.get(f"{binary_server.url}/prod/png", headers={"Accept": "image/png"})
    assert response.status_code == 200
    assert response.content == b"\x89PNG"


def test_binary_backend_response_is_base64_for_a_text_accept(binary_server: Running) -> None:
    """AWS: binary payload, text Accept, contentHandling undefined -> base64-encoded string."""
    for accept in ("application/json", "application/json, image/png"):  # only the first counts
        response = httpx.get(f"{binary_server.url}/prod/png", headers={"Accept": accept})
        assert response.status_code == 200
        assert response.text == base64.b64encode(b"\x89PNG").decode()


@pytest.mark.parametrize("accept", ["application/json", "image/png"])
def test_response_convert_to_text_base64_encodes_a_binary_backend_response(
    binary_server: Running, accept: str
) -> None:
    """AWS: binary payload with CONVERT_TO_TEXT -> base64-encoded string, whatever Accept says."""
    response = httpx.get(f"{binary_server.url}/prod/png-as-text", headers={"Accept": accept})
    assert response.status_code == 200
    assert response.text == "iVBORw=="


def test_text_backend_response_is_base64_decoded_for_a_binary_accept(binary_server: Running) -> None:
    """AWS: text payload, binary Accept, contentHandling undefined -> base64-decoded blob."""
    response = httpx.get(f"{binary_server.url}/prod/base64-text", headers={"Accept": "image/png"})
    assert response.status_code == 200
    assert response.content == PNG_SIGNATURE
    as_text = httpx.get(f"{binary_server.url}/prod/base64-text", headers={"Accept": "text/plain"})
    assert as_text.text == PNG_SIGNATURE_B64


def test_text_backend_response_that_is_not_base64_is_a_500_for_a_binary_accept(
    binary_server: Running,
) -> None:
    response = httpx.get(f"{binary_server.url}/prod/plain-text", headers={"Accept": "image/png"})
    assert response.status_code == 500
    assert response.json() == INTERNAL_ERROR
    assert response.headers["x-amzn-ErrorType"] == "InternalServerErrorException"
    as_text = httpx.get(f"{binary_server.url}/prod/plain-text", headers={"Accept": "text/plain"})
    assert (as_text.status_code, as_text.text) == (200, "plain words")


# -- CORS ----------------------------------------------------------------------------

CORS_HEADERS = {
    "access-control-allow-origin": "https://example.com",
    "access-control-allow-headers": "Content-Type,X-Api-Key",
    "access-control-allow-methods": "GET,POST,OPTIONS",
    "access-control-max-age": "600",
}
PREFLIGHT = {
    "Origin": "https://example.com",
    "Access-Control-Request-Method": "POST",
    "Access-Control-Request-Headers": "Content-Type",
}

SAM_CORS = """\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  CorsApi:
    Type: AWS::Serverless::Api
    Properties:
      StageName: prod
      Cors:
        AllowOrigin: "'https://example.com'"
        AllowHeaders: "'Content-Type,X-Api-Key'"
        AllowMethods: "'GET,POST,OPTIONS'"
        MaxAge: "'600'"
      GatewayResponses:
        DEFAULT_4XX:
          ResponseParameters:
            Headers:
              Access-Control-Allow-Origin: "'https://example.com'"
      DefinitionBody:
        openapi: "3.0.1"
        info: {title: sam-cors, version: "1"}
        paths:
          /items:
            get:
              x-amazon-apigateway-integration:
                type: http_proxy
                httpMethod: GET
                uri: UPSTREAM/items
"""


def _cors_headers(response: httpx.Response) -> dict[str, str]:
    return {k: v for k, v in response.headers.items() if k.lower().startswith("access-control-")}


def _check_preflight_and_get(server: Running) -> None:
    preflight = httpx.options(f"{server.url}/prod/items", headers=PREFLIGHT)
    assert preflight.status_code == 200
    assert _cors_headers(preflight) == CORS_HEADERS
    got = httpx.get(f"{server.url}/prod/items", headers={"Origin": "https://example.com"})
    assert got.status_code == 200
    assert got.json()["path"] == "/items"  # the backend's answer
    assert got.headers["x-upstream"] == "yes"
    # a proxy method's CORS headers are the backend's job; this backend sends none
    assert _cors_headers(got) == {}


def test_sam_cors_preflight_answers_the_configured_headers(
    serve: Any, tmp_path: Path, upstream: Upstream
) -> None:
    """SAM `Cors` on an AWS::Serverless::Api adds an OPTIONS MOCK method to every path that
    answers 200 with Access-Control-Allow-Origin/-Headers/-Methods and -Max-Age."""
    template = write(tmp_path / "template.yaml", SAM_CORS.replace("UPSTREAM", upstream.url))
    server = serve(str(template))
    _check_preflight_and_get(server)
    preflight = httpx.options(f"{server.url}/prod/items", headers=PREFLIGHT)
    assert preflight.json() == {}  # SAM's response template is "{}"


def test_sam_gateway_response_header_is_added_to_missing_authentication_token(
    serve: Any, tmp_path: Path, upstream: Upstream
) -> None:
    """SAM GatewayResponses DEFAULT_4XX header -> every 4XX gateway response carries it."""
    template = write(tmp_path / "template.yaml", SAM_CORS.replace("UPSTREAM", upstream.url))
    server = serve(str(template))
    for method, path in (("GET", "/prod/nope"), ("DELETE", "/prod/items")):
        response = httpx.request(method, server.url + path)
        assert response.status_code == 403
        assert response.json() == MISSING_TOKEN
        assert response.headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"
        assert response.headers["access-control-allow-origin"] == "https://example.com"


def _openapi_cors(upstream: Upstream) -> dict[str, Any]:
    header_names = ["Allow-Origin", "Allow-Headers", "Allow-Methods", "Max-Age"]
    values = ["'https://example.com'", "'Content-Type,X-Api-Key'", "'GET,POST,OPTIONS'", "'600'"]
    options = {
        "responses": {
            "200": {
                "description": "CORS preflight",
                "headers": {
                    f"Access-Control-{name}": {"schema": {"type": "string"}} for name in header_names
                },
            }
        },
        "x-amazon-apigateway-integration": {
            "type": "mock",
            "requestTemplates": {"application/json": '{"statusCode": 200}'},
            "passthroughBehavior": "when_no_match",
            "responses": {
                "default": {
                    "statusCode": "200",
                    "responseParameters": {
                        f"method.response.header.Access-Control-{name}": value
                        for name, value in zip(header_names, values, strict=True)
                    },
                }
            },
        },
    }
    get = {
        "x-amazon-apigateway-integration": {
            "type": "http_proxy",
            "httpMethod": "GET",
            "uri": upstream.url + "/items",
        }
    }
    return {
        "openapi": "3.0.1",
        "info": {"title": "hand-made-cors", "version": "1"},
        "paths": {"/items": {"get": get, "options": options}},
        "x-amazon-apigateway-gateway-responses": {
            "MISSING_AUTHENTICATION_TOKEN": {
                "responseParameters": {
                    "gatewayresponse.header.Access-Control-Allow-Origin": "'https://example.com'"
                }
            }
        },
    }


def test_openapi_options_mock_method_answers_its_access_control_headers(
    serve: Any, tmp_path: Path, upstream: Upstream
) -> None:
    """The console's "Enable CORS" shape: an OPTIONS MOCK method mapping static
    method.response.header.Access-Control-* values."""
    api = write(tmp_path / "cors.json", json.dumps(_openapi_cors(upstream)))
    server = serve(str(api))
    _check_preflight_and_get(server)


def test_openapi_gateway_response_header_is_added_to_missing_authentication_token(
    serve: Any, tmp_path: Path, upstream: Upstream
) -> None:
    api = write(tmp_path / "cors.json", json.dumps(_openapi_cors(upstream)))
    server = serve(str(api))
    response = httpx.get(f"{server.url}/prod/nope")
    assert response.status_code == 403
    assert response.json() == MISSING_TOKEN
    assert response.headers["access-control-allow-origin"] == "https://example.com"
