"""OpenAPI 3.0 / Swagger 2.0 import: what API Gateway's ImportRestApi builds, and clear errors."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft4Validator

from tollway.errors import DefinitionError
from tollway.formats.openapi import bundled_schema, import_openapi_file, rest_api_from_openapi
from tollway.model.api import (
    Authorizer,
    GatewayResponse,
    Integration,
    IntegrationResponse,
    Method,
    MethodResponse,
    RequestValidator,
    RestApi,
    StageSpec,
)

FIXTURES = Path(__file__).parents[2] / "fixtures" / "openapi"
RICH_OAS3 = str(FIXTURES / "rich-oas30.yaml")
RICH_SWAGGER = str(FIXTURES / "rich-swagger.yaml")
POINTER = "/Resources/MyApi/Properties/DefinitionBody"
AUTH_URI = (
    "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
    "arn:aws:lambda:us-east-1:123456789012:function:auth/invocations"
)


@pytest.fixture(scope="module")
def rich() -> RestApi:
    return import_openapi_file(RICH_OAS3).apis[0].api


def _doc(paths: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"openapi": "3.0.1", "info": {"title": "t", "version": "1"}, "paths": paths, **extra}


def _error(doc: Any) -> DefinitionError:
    with pytest.raises(DefinitionError) as caught:
        rest_api_from_openapi(doc, source="template.yaml", pointer=POINTER)
    return caught.value


def test_info_gives_name_version_description_and_id_is_left_to_control_plane(rich: RestApi) -> None:
    assert (rich.id, rich.name, rich.version) == ("", "PetStore", "2024-01-01")
    assert rich.description == "A rich API exercising every supported extension"


def test_missing_title_names_the_api_api() -> None:
    api = rest_api_from_openapi({"swagger": "2.0", "paths": {}}, source="x.yaml")
    assert (api.name, api.version) == ("api", None)


def test_aws_creates_root_and_every_intermediate_resource_sorted_by_path(rich: RestApi) -> None:
    assert [(r.path, sorted(r.methods)) for r in rich.resources] == [
        ("/", []),
        ("/admin", []),
        ("/admin/signed", ["GET"]),
        ("/files", []),
        ("/files/{proxy+}", ["ANY"]),
        ("/health", ["OPTIONS"]),
        ("/orphan", []),
        ("/pets", ["GET", "POST"]),
        ("/pets/{petId}", ["DELETE", "GET"]),
    ]


def test_http_integration_with_lowercase_values_and_selection_pattern_keys(rich: RestApi) -> None:
    """AWS accepts `type: http` / `passthroughBehavior: when_no_templates`; key `default` = no pattern."""
    resource = rich.resource("/pets")
    assert resource is not None
    assert resource.methods["GET"] == Method(
        http_method="GET",
        api_key_required=True,
        operation_name="listPets",
        request_parameters={
            "method.request.querystring.limit": False,
            "method.request.header.X-Trace": True,
        },
        request_validator_id="params-only",
        integration=Integration(
            type="HTTP",
            http_method="GET",
            uri="http://petstore.example.com/pets",
            request_parameters={"integration.request.querystring.limit": "method.request.querystring.limit"},
            passthrough_behavior="WHEN_NO_TEMPLATES",
            timeout_ms=5000,
            responses=(
                IntegrationResponse(
                    status_code="200",
                    response_parameters={"method.response.header.Access-Control-Allow-Origin": "'*'"},
                ),
                IntegrationResponse(
                    status_code="400",
                    selection_pattern=r"4\d{2}",
                    response_templates={"application/json": '{"error": "bad request"}'},
                ),
            ),
            cache_key_parameters=("method.request.querystring.limit",),
            cache_namespace="pets",
            tls_config={"insecureSkipVerification": True},
        ),
        method_responses=(
            MethodResponse(
                status_code="200",
                response_parameters={"method.response.header.Access-Control-Allow-Origin": False},
                response_models={"application/json": "Pets"},
            ),
            MethodResponse(status_code="400"),
        ),
    )


def test_cognito_security_with_scopes_and_request_body_model(rich: RestApi) -> None:
    resource = rich.resource("/pets")
    assert resource is not None
    post = resource.methods["POST"]
    assert (post.authorization_type, post.authorizer_id, post.authorization_scopes) == (
        "COGNITO_USER_POOLS",
        "CognitoPool",
        ("pets/write",),
    )
    assert post.request_models == {"application/json": "NewPet"}
    assert post.request_validator_id == "all"  # the root default validator
    assert post.integration is not None
    assert (post.integration.type, post.integration.passthrough_behavior) == ("AWS", "NEVER")
    assert post.integration.credentials == "arn:aws:iam::123456789012:role/ddb"
    assert post.integration.content_handling == "CONVERT_TO_TEXT"
    assert post.integration.responses[0].content_handling == "CONVERT_TO_TEXT"


def test_path_level_parameters_apply_to_every_operation_and_path_params_are_required(rich: RestApi) -> None:
    resource = rich.resource("/pets/{petId}")
    assert resource is not None
    for method in resource.methods.values():
        assert method.request_parameters == {"method.request.path.petId": True}


def test_lambda_authorizer_plus_api_key_in_one_operation(rich: RestApi) -> None:
    resource = rich.resource("/pets/{petId}")
    assert resource is not None
    get = resource.methods["GET"]
    assert (get.authorization_type, get.authorizer_id, get.api_key_required) == ("CUSTOM", "TokenAuth", True)


def test_x_amazon_apigateway_auth_aws_iam_and_awssigv4_scheme_both_mean_iam(rich: RestApi) -> None:
    pet, signed = rich.resource("/pets/{petId}"), rich.resource("/admin/signed")
    assert pet is not None and signed is not None
    assert pet.methods["DELETE"].authorization_type == "AWS_IAM"
    assert signed.methods["GET"].authorization_type == "AWS_IAM"


def test_root_level_security_is_ignored_for_rest_apis(rich: RestApi) -> None:
    """AWS known issue: root `security` does not apply to REST API operations."""
    health = rich.resource("/health")
    assert health is not None
    assert health.methods["OPTIONS"].api_key_required is False


def test_method_without_integration_has_none(rich: RestApi) -> None:
    health = rich.resource("/health")
    assert health is not None
    assert health.methods["OPTIONS"].integration is None


def test_any_method_with_greedy_proxy_and_vpc_link(rich: RestApi) -> None:
    files = rich.resource("/files/{proxy+}")
    assert files is not None
    method = files.methods["ANY"]
    assert (method.authorization_type, method.authorizer_id) == ("CUSTOM", "RequestAuth")
    assert method.request_parameters == {"method.request.path.proxy": True}
    assert method.integration is not None
    assert (method.integration.type, method.integration.http_method) == ("HTTP_PROXY", "ANY")
    assert (method.integration.connection_type, method.integration.connection_id) == ("VPC_LINK", "vpclink1")


def test_security_schemes_with_authorizer_become_authorizers(rich: RestApi) -> None:
    """A TOKEN/Cognito authorizer without identitySource reads the header the scheme names."""
    assert rich.authorizers == (
        Authorizer(
            id="TokenAuth",
            name="TokenAuth",
            type="TOKEN",
            authorizer_uri=AUTH_URI,
            identity_source="method.request.header.Authorization",
            identity_validation_expression="^Bearer .+$",
            result_ttl_seconds=60,
            auth_type="custom",
            credentials="arn:aws:iam::123456789012:role/invoke-auth",
        ),
        Authorizer(
            id="RequestAuth",
            name="RequestAuth",
            type="REQUEST",
            authorizer_uri=AUTH_URI,
            identity_source="method.request.header.X-User, method.request.querystring.token",
            result_ttl_seconds=0,
            auth_type="custom",
        ),
        Authorizer(
            id="CognitoPool",
            name="CognitoPool",
            type="COGNITO_USER_POOLS",
            identity_source="method.request.header.Authorization",
            provider_arns=("arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_abc",),
            auth_type="cognito_user_pools",
        ),
    )


def test_api_level_extensions(rich: RestApi) -> None:
    assert rich.request_validators == (
        RequestValidator("all", "all", validate_request_body=True, validate_request_parameters=True),
        RequestValidator("params-only", "params-only", validate_request_parameters=True),
    )
    assert rich.gateway_responses == (
        GatewayResponse(
            "MISSING_AUTHENTICATION_TOKEN",
            status_code="404",
            response_parameters={"gatewayresponse.header.Access-Control-Allow-Origin": "'*'"},
            response_templates={"application/json": '{"message": "no such route"}'},
        ),
        GatewayResponse(
            "DEFAULT_4XX", response_templates={"application/json": '{"error": $context.error.messageString}'}
        ),
    )
    assert rich.binary_media_types == ("image/png", "application/octet-stream")
    assert (rich.api_key_source, rich.minimum_compression_size) == ("AUTHORIZER", 1024)
    assert (rich.endpoint_types, rich.disable_execute_api_endpoint) == (("REGIONAL",), True)
    assert rich.policy is not None and rich.policy["Statement"][0]["Action"] == "execute-api:Invoke"


def test_model_refs_are_stored_as_definitions_and_inline_schemas_get_model_names(rich: RestApi) -> None:
    models = {m.name: m for m in rich.models}
    assert list(models)[:4] == ["Pet", "Pets", "NewPet", "Owner"]
    assert models["Pets"].schema == {"type": "array", "items": {"$ref": "#/definitions/Pet"}}
    pet = rich.resource("/pets/{petId}")
    assert pet is not None
    inline = pet.methods["GET"].method_responses[0].response_models["application/json"]
    assert re.fullmatch(r"MODEL[0-9a-f]{6}", inline)  # AWS names inline models MODEL<hash>
    assert models[inline].schema == {
        "type": "object",
        "properties": {"id": {"type": "string"}, "owner": {"$ref": "#/definitions/Owner"}},
    }


def test_bundled_schema_validates_with_draft4_across_model_references(rich: RestApi) -> None:
    validator = Draft4Validator(bundled_schema(rich.models, "Pets"))
    assert validator.is_valid([{"id": "1", "owner": {"email": "a@b"}}])
    assert [e.message for e in validator.iter_errors([{"name": "no id"}])] == ["'id' is a required property"]
    assert [e.message for e in validator.iter_errors([{"id": "1", "owner": {"email": 5}}])] == [
        "5 is not of type 'string'"
    ]


def test_swagger2_body_parameter_produces_and_integer_status_codes() -> None:
    api = import_openapi_file(RICH_SWAGGER).apis[0].api
    orders = api.resource("/orders")
    assert orders is not None
    assert orders.methods["POST"] == Method(
        http_method="POST",
        api_key_required=True,
        operation_name="placeOrder",
        request_parameters={"method.request.querystring.dryRun": False},
        request_models={"application/json": "Order"},
        request_validator_id="body",
        integration=Integration(
            type="AWS",
            http_method="POST",
            uri="arn:aws:apigateway:us-east-1:sqs:path/123456789012/orders",
            responses=(
                IntegrationResponse(
                    status_code="200",
                    response_parameters={
                        "method.response.header.X-Order-Id": "integration.response.body.MessageId"
                    },
                ),
            ),
        ),
        method_responses=(
            MethodResponse(
                status_code="200",
                response_parameters={"method.response.header.X-Order-Id": False},
                response_models={"application/json": "Receipt"},
            ),
        ),
    )
    assert api.binary_media_types == ("image/jpeg",)
    assert [r.path for r in api.resources] == ["/", "/orders", "/{proxy+}"]
    assert api.resources[2].methods["ANY"].integration == Integration(
        type="AWS_PROXY",
        http_method="POST",
        uri="arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
        "arn:aws:lambda:us-east-1:123456789012:function:orders/invocations",
    )


def test_oas3_response_header_required_is_kept() -> None:
    op = {"responses": {"200": {"description": "ok", "headers": {"X-Id": {"required": True}}}}}
    api = rest_api_from_openapi(_doc({"/a": {"get": op}}), source="x")
    assert api.resources[1].methods["GET"].method_responses == (
        MethodResponse("200", response_parameters={"method.response.header.X-Id": True}),
    )


def test_import_openapi_file_keys_the_api_by_title_with_one_stage() -> None:
    result = import_openapi_file(RICH_SWAGGER, stage_name="dev")
    assert result.source == RICH_SWAGGER
    assert [(a.key, a.stages) for a in result.apis] == [("openapi#Orders", (StageSpec("dev"),))]
    assert result.warnings == ()


def test_import_openapi_file_imports_an_http_api_document_as_an_http_api() -> None:
    """Formerly refused; an HTTP API document now becomes an HTTP API on the $default stage."""
    path = str(FIXTURES / "http-api.yaml")
    result = import_openapi_file(path, stage_name=None)
    (api,) = result.apis
    assert api.http_api is not None and api.key == f"openapi#{api.http_api.name}"
    assert [s.name for s in api.stages] == ["$default"]


def test_root_cors_extension_on_a_rest_document_is_ignored_with_a_warning() -> None:
    path = str(FIXTURES / "rest-with-cors-extension.yaml")
    result = import_openapi_file(path)
    assert result.apis[0].key == "openapi#Copied Cors"
    assert result.warnings == (
        f"{path}: /x-amazon-apigateway-cors: x-amazon-apigateway-cors is an HTTP API extension; "
        "REST APIs ignore it",
    )


# --- errors: file + exact JSON pointer + problem -------------------------------------------


def test_error_not_an_openapi_document() -> None:
    error = _error({"AWSTemplateFormatVersion": "2010-09-09"})
    assert str(error) == (
        f"template.yaml: {POINTER}: "
        "not an OpenAPI 3.0 or Swagger 2.0 document: no 'openapi' or 'swagger' field"
    )


def test_error_document_is_not_an_object() -> None:
    assert _error(["openapi"]).location == POINTER


def test_error_missing_paths() -> None:
    error = _error({"openapi": "3.0.1", "info": {"title": "t"}})
    assert error.location == f"{POINTER}/paths"
    assert "missing 'paths'" in error.problem


def test_error_path_parameter_must_be_a_whole_segment() -> None:
    """AWS: path parameters must be whole path parts ("{id}"), not "id{x}"."""
    error = _error(_doc({"/pets/id{x}": {}}))
    assert str(error) == (
        f"template.yaml: {POINTER}/paths/~1pets~1id{{x}}: "
        "path parameter in 'id{x}' must be a whole path part, like '{id}'"
    )


def test_error_greedy_proxy_must_be_the_last_segment() -> None:
    error = _error(_doc({"/{proxy+}/more": {}}))
    assert error.location == f"{POINTER}/paths/~1{{proxy+}}~1more"
    assert error.problem == "greedy path parameter '{proxy+}' must be the last part of the path"


def test_error_unknown_integration_type() -> None:
    op = {"x-amazon-apigateway-integration": {"type": "lambda", "uri": "arn"}}
    error = _error(_doc({"/a": {"post": op}}))
    assert error.location == f"{POINTER}/paths/~1a/post/x-amazon-apigateway-integration/type"
    assert error.problem == "unknown type 'lambda'; expected one of HTTP, HTTP_PROXY, MOCK, AWS, AWS_PROXY"


def test_error_missing_integration_type() -> None:
    error = _error(_doc({"/a": {"get": {"x-amazon-apigateway-integration": {"uri": "http://x"}}}}))
    assert error.location == f"{POINTER}/paths/~1a/get/x-amazon-apigateway-integration/type"


def test_error_unresolved_intrinsic_names_the_function() -> None:
    integration = {"type": "aws_proxy", "uri": {"Fn::Sub": "arn:${Fn}"}}
    error = _error(_doc({"/a": {"get": {"x-amazon-apigateway-integration": integration}}}))
    assert error.location == f"{POINTER}/paths/~1a/get/x-amazon-apigateway-integration/uri"
    assert error.problem == (
        "expected a string, found an unresolved CloudFormation intrinsic function (Fn::Sub)"
    )


def test_error_undefined_request_validator() -> None:
    error = _error(_doc({"/a": {"get": {"x-amazon-apigateway-request-validator": "nope"}}}))
    assert error.location == f"{POINTER}/paths/~1a/get/x-amazon-apigateway-request-validator"


def test_error_undefined_security_scheme() -> None:
    error = _error(_doc({"/a": {"get": {"security": [{"missing": []}]}}}))
    assert error.location == f"{POINTER}/paths/~1a/get/security/0/missing"
    assert error.problem == "security scheme 'missing' is not defined"


def test_error_model_name_must_be_alphanumeric() -> None:
    """AWS: "Model name must be alphanumeric"."""
    error = _error(_doc({}, components={"schemas": {"Pet-Item": {"type": "object"}}}))
    assert error.location == f"{POINTER}/components/schemas/Pet-Item"


def test_error_ref_to_undefined_model() -> None:
    body = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Nope"}}}}
    error = _error(_doc({"/a": {"post": {"requestBody": body}}}))
    assert error.location == f"{POINTER}/paths/~1a/post/requestBody/content/application~1json/schema/$ref"


def test_error_unknown_gateway_response_type() -> None:
    error = _error(_doc({}, **{"x-amazon-apigateway-gateway-responses": {"NOT_A_TYPE": {}}}))
    assert error.location == f"{POINTER}/x-amazon-apigateway-gateway-responses/NOT_A_TYPE"


def test_local_refs_to_shared_parameters_and_responses_are_followed() -> None:
    doc = _doc(
        {
            "/v1/items:batchGet": {
                "get": {
                    "parameters": [{"$ref": "#/components/parameters/Q"}],
                    "responses": {"404": {"$ref": "#/components/responses/NotFound"}},
                }
            }
        },
        components={
            "parameters": {"Q": {"name": "q", "in": "query", "required": True}},
            "responses": {"NotFound": {"description": "nf", "headers": {"X-Why": {"schema": {}}}}},
        },
    )
    api = rest_api_from_openapi(doc, source="x")
    assert [r.path for r in api.resources] == ["/", "/v1", "/v1/items:batchGet"]
    method = api.resources[2].methods["GET"]
    assert method.request_parameters == {"method.request.querystring.q": True}
    assert method.method_responses == (
        MethodResponse("404", response_parameters={"method.response.header.X-Why": False}),
    )


def test_error_path_part_with_characters_aws_refuses() -> None:
    error = _error(_doc({"/a b": {}}))
    assert error.location == f"{POINTER}/paths/~1a b"
    assert error.problem == "path part 'a b' may only use a-z A-Z 0-9 . _ - : , or be a '{name}'"
