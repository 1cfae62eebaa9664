"""HTTP API export to OpenAPI 3: the document carries the HTTP API extensions and imports
back to an equal ``HttpApi``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tollway.formats.loader import import_file
from tollway.formats.openapi import export_http_api, export_text, http_api_from_openapi, http_api_marker
from tollway.formats.openapi.http_import import authorizer_id
from tollway.model.http_api import CorsConfiguration, HttpApi, HttpAuthorizer, HttpIntegration, HttpRoute

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "http_api_formats"

LAMBDA = HttpIntegration(
    id="lam1234",
    type="AWS_PROXY",
    uri="arn:aws:lambda:us-east-1:123456789012:function:pets",
    method="POST",
    payload_format_version="2.0",
    timeout_ms=5000,
)
PROXY = HttpIntegration(
    id="prx1234",
    type="HTTP_PROXY",
    uri="https://backend.example/{proxy}",
    method="GET",
    payload_format_version="1.0",
    connection_type="VPC_LINK",
    connection_id="link",
    request_parameters={"append:header.x": "$context.requestId"},
    response_parameters={"404": {"overwrite:statuscode": "403"}},
)
UNUSED = HttpIntegration(id="unused1", type="AWS_PROXY", uri="f", method="POST", payload_format_version="1.0")
JWT = HttpAuthorizer(
    id=authorizer_id("jwt"),
    name="jwt",
    type="JWT",
    identity_source=("$request.header.Authorization",),
    issuer="https://issuer.example",
    audience=("a", "b"),
)
LAMBDA_AUTH = HttpAuthorizer(
    id=authorizer_id("custom"),
    name="custom",
    type="REQUEST",
    identity_source=("$request.header.X-Key", "$request.querystring.k"),
    authorizer_uri="arn:aws:lambda:us-east-1:123456789012:function:auth",
    payload_format_version="1.0",
    enable_simple_responses=True,
    result_ttl_seconds=300,
)
API = HttpApi(
    id="",
    name="Pets",
    description="d",
    version="7",
    routes=(
        HttpRoute("$default", integration_id="lam1234", authorization_type="AWS_IAM"),
        HttpRoute(
            "ANY /proxy/{proxy+}",
            integration_id="prx1234",
            authorization_type="CUSTOM",
            authorizer_id=LAMBDA_AUTH.id,
        ),
        HttpRoute("DELETE /pets/{id}"),
        HttpRoute(
            "GET /pets",
            integration_id="lam1234",
            authorization_type="JWT",
            authorizer_id=JWT.id,
            authorization_scopes=("read", "write"),
            operation_name="listPets",
        ),
        HttpRoute("GET /pets/{id}", integration_id="lam1234"),
    ),
    integrations=(LAMBDA, PROXY, UNUSED),
    authorizers=tuple(sorted((JWT, LAMBDA_AUTH), key=lambda a: a.id)),
    cors=CorsConfiguration(
        allow_origins=("*",),
        allow_methods=("GET",),
        allow_headers=("h",),
        expose_headers=("e",),
        allow_credentials=True,
        max_age=10,
    ),
    disable_execute_api_endpoint=True,
)


def reimport(api: HttpApi) -> HttpApi:
    return http_api_from_openapi(export_http_api(api), source="export.json")


def test_export_writes_the_http_api_extensions() -> None:
    doc = export_http_api(API, stage="$default")
    assert doc["openapi"] == "3.0.1" and doc["info"] == {"title": "Pets", "description": "d", "version": "7"}
    assert doc["servers"] == [{"url": "/{basePath}", "variables": {"basePath": {"default": ""}}}]
    assert doc["x-amazon-apigateway-importexport-version"] == "1.0"
    assert set(doc["paths"]) == {"$default", "/proxy/{proxy+}", "/pets/{id}", "/pets"}
    assert set(doc["paths"]["$default"]) == {"x-amazon-apigateway-any-method"}
    get = doc["paths"]["/pets"]["get"]
    assert get["security"] == [{"jwt": ["read", "write"]}]
    assert get["x-amazon-apigateway-integration"] == {
        "$ref": "#/components/x-amazon-apigateway-integrations/lam1234"
    }
    assert doc["paths"]["/pets/{id}"]["get"]["parameters"][0]["name"] == "id"
    schemes = doc["components"]["securitySchemes"]
    assert schemes["jwt"]["x-amazon-apigateway-authorizer"]["jwtConfiguration"] == {
        "issuer": "https://issuer.example",
        "audience": ["a", "b"],
    }
    assert schemes["custom"]["x-amazon-apigateway-authorizer"]["identitySource"] == (
        "$request.header.X-Key, $request.querystring.k"
    )
    assert schemes["sigv4"]["x-amazon-apigateway-authtype"] == "awsSigv4"
    assert doc["components"]["x-amazon-apigateway-integrations"]["prx1234"]["responseParameters"] == {
        "404": {"overwrite:statuscode": "403"}
    }
    assert doc["x-amazon-apigateway-cors"]["allowCredentials"] is True
    assert doc["x-amazon-apigateway-endpoint-configuration"] == {"disableExecuteApiEndpoint": True}
    assert http_api_marker(doc) is not None


def test_export_then_import_gives_an_equal_http_api() -> None:
    assert reimport(API) == API


def test_export_names_a_stage_as_its_base_path() -> None:
    doc = export_http_api(API, stage="prod")
    assert doc["servers"][0]["variables"]["basePath"]["default"] == "prod"
    assert "servers" not in export_http_api(API)


def test_an_empty_api_round_trips() -> None:
    empty = HttpApi(id="", name="empty")
    assert reimport(empty) == empty


def test_iam_scheme_name_avoids_an_authorizer_named_sigv4() -> None:
    sigv4 = HttpAuthorizer(
        id=authorizer_id("sigv4"),
        name="sigv4",
        type="JWT",
        identity_source=("$request.header.A",),
        issuer="i",
    )
    api = HttpApi(
        id="",
        name="x",
        routes=(
            HttpRoute("GET /a", authorization_type="AWS_IAM"),
            HttpRoute("GET /b", authorization_type="JWT", authorizer_id=sigv4.id),
        ),
        authorizers=(sigv4,),
    )
    assert reimport(api) == api


@pytest.mark.parametrize("fixture", ["sam_explicit.yaml", "cfn_v2.yaml", "http_api.yaml"])
def test_imported_apis_round_trip(tmp_path: Path, fixture: str) -> None:
    path = tmp_path / fixture
    path.write_text((FIXTURES / fixture).read_text(encoding="utf-8"), encoding="utf-8")
    for imported in import_file(str(path)).apis:
        assert imported.http_api is not None
        assert reimport(imported.http_api) == imported.http_api


def test_exported_text_imports_as_a_standalone_http_api_file(tmp_path: Path) -> None:
    path = tmp_path / "exported.json"
    path.write_text(export_text(export_http_api(API), "json"), encoding="utf-8")
    (imported,) = import_file(str(path)).apis
    assert imported.http_api == API
    assert [s.name for s in imported.stages] == ["$default"]
    assert json.loads(path.read_text())["info"]["title"] == imported.key.removeprefix("openapi#")
