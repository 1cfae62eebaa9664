"""OpenAPI 3.0 / Swagger 2.0 export (AWS GetExport with extensions=integrations) and round trips."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any, Literal

import pytest
import yaml

from corpus_support import CORPUS, require_corpus
from tollway.formats.openapi import export_openapi, export_text, http_api_marker, rest_api_from_openapi
from tollway.formats.yamlio import load_file
from tollway.model.api import (
    Integration,
    IntegrationResponse,
    Method,
    MethodResponse,
    Model,
    Resource,
    RestApi,
    Stage,
)

FIXTURES = Path(__file__).parents[2] / "fixtures" / "openapi"
FLAVORS: tuple[Literal["oas30", "swagger"], ...] = ("oas30", "swagger")

SMALL = RestApi(
    id="a1b2c3",
    name="Small",
    version="1.0",
    resources=(
        Resource("/"),
        Resource(
            "/items/{id}",
            {
                "ANY": Method(
                    http_method="ANY",
                    api_key_required=True,
                    request_parameters={"method.request.path.id": True},
                    request_models={"application/json": "Item"},
                    integration=Integration(
                        type="MOCK",
                        request_templates={"application/json": '{"statusCode": 200}'},
                        responses=(IntegrationResponse("200"),),
                    ),
                    method_responses=(MethodResponse("200", response_models={"application/json": "Item"}),),
                )
            },
        ),
    ),
    models=(
        Model("Item", schema={"type": "object", "properties": {"next": {"$ref": "#/definitions/Item"}}}),
    ),
)
STAGE = Stage(api_id="a1b2c3", name="prod", deployment_id="d1")


def _fixture_api(name: str) -> RestApi:
    return rest_api_from_openapi(load_file(FIXTURES / name), source=name)


@pytest.mark.parametrize("flavor", FLAVORS)
@pytest.mark.parametrize("fixture", ["rich-oas30.yaml", "rich-swagger.yaml"])
def test_export_then_import_gives_the_same_api_without_its_id(fixture: str, flavor: str) -> None:
    api = dataclasses.replace(_fixture_api(fixture), id="abc123")
    doc = export_openapi(api, flavor=flavor, stage=STAGE)  # type: ignore[arg-type]
    assert rest_api_from_openapi(doc, source="x") == dataclasses.replace(api, id="")


@pytest.mark.parametrize("flavor", FLAVORS)
def test_round_trip_survives_json_and_yaml_text(flavor: str) -> None:
    api = _fixture_api("rich-oas30.yaml")
    doc = export_openapi(api, flavor=flavor)  # type: ignore[arg-type]
    assert rest_api_from_openapi(json.loads(export_text(doc, "json")), source="x") == api
    assert rest_api_from_openapi(yaml.safe_load(export_text(doc, "yaml")), source="x") == api


def test_oas30_export_shape_with_stage_servers_and_extensions() -> None:
    """AWS exports servers with a basePath variable defaulting to the stage, lower-case types."""
    assert export_openapi(SMALL, flavor="oas30", stage=STAGE) == {
        "openapi": "3.0.1",
        "info": {"title": "Small", "version": "1.0"},
        "servers": [{"url": "/{basePath}", "variables": {"basePath": {"default": "prod"}}}],
        "paths": {
            "/items/{id}": {
                "x-amazon-apigateway-any-method": {
                    "parameters": [
                        {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
                    ],
                    "requestBody": {
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Item"}}},
                        "required": True,
                    },
                    "responses": {
                        "200": {
                            "description": "200 response",
                            "content": {
                                "application/json": {"schema": {"$ref": "#/components/schemas/Item"}}
                            },
                        }
                    },
                    "security": [{"api_key": []}],
                    "x-amazon-apigateway-integration": {
                        "type": "mock",
                        "requestTemplates": {"application/json": '{"statusCode": 200}'},
                        "passthroughBehavior": "when_no_match",
                        "timeoutInMillis": 29000,
                        "responses": {"default": {"statusCode": "200"}},
                    },
                }
            }
        },
        "components": {
            "schemas": {
                "Item": {"type": "object", "properties": {"next": {"$ref": "#/components/schemas/Item"}}}
            },
            "securitySchemes": {"api_key": {"type": "apiKey", "name": "x-api-key", "in": "header"}},
        },
    }


def test_swagger_export_shape_with_base_path_body_parameter_and_definitions() -> None:
    doc = export_openapi(SMALL, flavor="swagger", stage=STAGE)
    assert (doc["swagger"], doc["basePath"], doc["schemes"]) == ("2.0", "/prod", ["https"])
    op = doc["paths"]["/items/{id}"]["x-amazon-apigateway-any-method"]
    assert op["consumes"] == ["application/json"]
    assert op["produces"] == ["application/json"]
    assert op["parameters"] == [
        {"name": "id", "in": "path", "required": True, "type": "string"},
        {"in": "body", "name": "Item", "required": True, "schema": {"$ref": "#/definitions/Item"}},
    ]
    assert op["responses"] == {
        "200": {"description": "200 response", "schema": {"$ref": "#/definitions/Item"}}
    }
    assert doc["definitions"] == {
        "Item": {"type": "object", "properties": {"next": {"$ref": "#/definitions/Item"}}}
    }
    assert doc["securityDefinitions"] == {"api_key": {"type": "apiKey", "name": "x-api-key", "in": "header"}}


def test_export_without_stage_has_no_servers_or_base_path() -> None:
    assert "servers" not in export_openapi(SMALL, flavor="oas30")
    assert "basePath" not in export_openapi(SMALL, flavor="swagger")


def test_export_text_json_is_indented_and_keeps_key_order() -> None:
    assert export_text({"openapi": "3.0.1", "info": {"title": "é"}}, "json") == (
        '{\n  "openapi": "3.0.1",\n  "info": {\n    "title": "é"\n  }\n}\n'
    )


def test_export_text_yaml_keeps_key_order() -> None:
    assert (
        export_text({"swagger": "2.0", "info": {"title": "t"}}, "yaml")
        == "swagger: '2.0'\ninfo:\n  title: t\n"
    )


# --- corpus round trips ---------------------------------------------------------------------


def _stub_intrinsics(value: Any) -> Any:
    """Stand-in for the template importer's intrinsic resolution (Ref/GetAtt/Sub -> strings)."""
    if isinstance(value, dict):
        if len(value) == 1:
            ((key, arg),) = value.items()
            if key == "Ref":
                return f"ref-{arg}"
            if key == "Fn::GetAtt":
                return "arn:getatt:" + ".".join(arg if isinstance(arg, list) else [arg])
            if key == "Fn::Sub":
                return arg if isinstance(arg, str) else arg[0]
            if isinstance(key, str) and key.startswith("Fn::"):
                return f"value-of-{key}"
        return {k: _stub_intrinsics(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_stub_intrinsics(item) for item in value]
    return value


def _corpus_rest_documents() -> list[Path]:
    if not CORPUS.is_dir():
        return []
    found = []
    for path in sorted(CORPUS.rglob("*")):
        if path.suffix not in (".yaml", ".yml", ".json") or "LICENSES" in path.parts:
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        if not any(marker in text[:400] for marker in ("openapi", "swagger")):
            continue
        doc = load_file(path)
        if isinstance(doc, dict) and ("openapi" in doc or "swagger" in doc) and not http_api_marker(doc):
            found.append(path)
    return found


CORPUS_DOCS = _corpus_rest_documents()


@pytest.mark.skipif(not CORPUS_DOCS, reason=f"corpus of standalone REST OpenAPI files absent ({CORPUS})")
@pytest.mark.parametrize("flavor", FLAVORS)
@pytest.mark.parametrize("path", CORPUS_DOCS, ids=lambda p: str(p.relative_to(CORPUS)))
def test_corpus_rest_documents_round_trip(path: Path, flavor: str) -> None:
    api = rest_api_from_openapi(_stub_intrinsics(load_file(path)), source=str(path))
    assert any(r.methods for r in api.resources)  # every corpus document declares an operation
    again = rest_api_from_openapi(export_openapi(api, flavor=flavor), source="x")  # type: ignore[arg-type]
    assert again == api


def test_corpus_has_enough_rest_documents_to_mean_something() -> None:
    require_corpus()
    assert len(CORPUS_DOCS) >= 10
