"""Importing CloudFormation templates (AWS::ApiGateway::*) and dispatching files by kind."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tollway.errors import DefinitionError
from tollway.formats.loader import import_file
from tollway.model.api import MethodSetting
from tollway.model.imported import ImportResult

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "templates"
TREE = FIXTURES / "cfn_tree.yaml"


def write(tmp_path: Path, text: str, name: str = "template.yaml") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


@pytest.fixture(scope="module")
def tree() -> ImportResult:
    return import_file(str(TREE))


def test_api_key_is_stack_path_and_logical_id(tree: ImportResult) -> None:
    assert [api.key for api in tree.apis] == [f"{TREE}#Api"]


def test_resource_tree_paths_follow_parent_id_and_path_part(tree: ImportResult) -> None:
    api = tree.apis[0].api
    assert [(r.path, sorted(r.methods)) for r in api.resources] == [
        ("/", ["ANY"]),
        ("/pets", ["POST"]),
        ("/pets/{petId}", ["GET"]),
    ]


def test_method_properties_are_read_with_intrinsics_resolved(tree: ImportResult) -> None:
    api = tree.apis[0].api
    get = api.resource("/pets/{petId}").methods["GET"]  # type: ignore[union-attr]
    assert get.api_key_required is True
    assert get.request_parameters == {"method.request.path.petId": True}
    assert get.integration is not None
    assert get.integration.type == "HTTP"
    assert get.integration.uri == "http://backend.example.com/pets/{id}"
    assert get.integration.request_parameters == {"integration.request.path.id": "method.request.path.petId"}
    # An empty SelectionPattern marks the default integration response.
    assert [(r.status_code, r.selection_pattern) for r in get.integration.responses] == [
        ("200", None),
        ("404", "4\\d{2}"),
    ]
    assert [m.status_code for m in get.method_responses] == ["200", "404"]


def test_request_model_and_validator_link_by_ref(tree: ImportResult) -> None:
    api = tree.apis[0].api
    post = api.resource("/pets").methods["POST"]  # type: ignore[union-attr]
    assert post.request_models == {"application/json": "PetModel"}  # Ref of a model = its name
    assert [m.name for m in api.models] == ["PetModel"]
    assert [(v.id, v.name, v.validate_request_body) for v in api.request_validators] == [
        (post.request_validator_id, "body-only", True)
    ]


def test_aws_service_integration_stays_in_the_model(tree: ImportResult) -> None:
    post = tree.apis[0].api.resource("/pets").methods["POST"]  # type: ignore[union-attr]
    assert post.integration is not None
    assert (post.integration.type, post.integration.uri) == (
        "AWS",
        "arn:aws:apigateway:us-east-1:sqs:path/123456789012/orders",
    )


def test_cfn_binary_media_types_decode_tilde_one_to_slash(tree: ImportResult) -> None:
    """CloudFormation writes ``image/png`` as ``image~1png`` in BinaryMediaTypes."""
    api = tree.apis[0].api
    assert api.binary_media_types == ("image/png", "application/octet-stream")
    assert api.endpoint_types == ("REGIONAL",)
    assert api.name == "shop-dev"


def test_gateway_response_resource_is_attached(tree: ImportResult) -> None:
    [resp] = tree.apis[0].api.gateway_responses
    assert (resp.response_type, resp.status_code, resp.response_templates) == (
        "RESOURCE_NOT_FOUND",
        "404",
        {"application/json": '{"error":"nope"}'},
    )


def test_stage_with_variables_and_method_settings(tree: ImportResult) -> None:
    """MethodSettings ResourcePath ``/~1pets~1{petId}`` is the path ``/pets/{petId}``."""
    [stage] = tree.apis[0].stages
    assert stage.name == "dev"
    assert stage.variables == {"backend": "backend.example.com"}
    assert stage.method_settings == {
        "*/*": MethodSetting(throttling_rate_limit=10.0, throttling_burst_limit=5),
        "/pets/{petId}/GET": MethodSetting(caching_enabled=True, cache_ttl_seconds=60),
    }


def test_management_resources_are_kept_resolved(tree: ImportResult) -> None:
    api_id_ref = tree.management[1].properties["ApiStages"][0]["ApiId"]
    assert [(m.kind, m.logical_id) for m in tree.management] == [
        ("AWS::ApiGateway::ApiKey", "Key"),
        ("AWS::ApiGateway::UsagePlan", "Plan"),
    ]
    assert tree.management[0].properties == {"Name": "key-dev", "Enabled": True}
    assert tree.management[1].properties["ApiStages"] == [{"ApiId": api_id_ref, "Stage": "dev"}]
    assert len(api_id_ref) == 10


def test_one_warning_names_unemulated_resources_but_not_iam_or_disabled_ones(
    tree: ImportResult,
) -> None:
    assert tree.warnings[0] == (
        f"{TREE}: resources tollway does not emulate were ignored: "
        "AWS::DynamoDB::Table (Table); AWS::SQS::Queue (Orders)"
    )
    assert [w for w in tree.warnings[1:] if "resources" in w] == []


def test_stage_caching_is_named_as_not_implemented(tree: ImportResult) -> None:
    assert tree.warnings[1:] == (
        f"{TREE}: tollway does not implement these settings, which change how AWS behaves; they were "
        "ignored: API shop-dev stage dev: caching (every request reaches the integration)",
    )


def test_parameter_overrides_change_values_and_conditions() -> None:
    result = import_file(str(TREE), parameter_overrides={"Env": "prod"})
    assert result.apis[0].api.name == "shop-prod"
    assert [s.name for s in result.apis[0].stages] == ["prod"]
    assert "ProdOnlyTable" in result.warnings[0]


def test_unknown_parameter_override_is_refused() -> None:
    with pytest.raises(DefinitionError) as err:
        import_file(str(TREE), parameter_overrides={"Nope": "1"})
    assert str(err.value) == (
        f"{TREE}: /Parameters: parameter override 'Nope' names no parameter of this template "
        "(it declares: BackendHost, Env)"
    )


def test_api_without_stage_gets_the_stage_name_given(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "Resources:\n  Api:\n    Type: AWS::ApiGateway::RestApi\n    Properties: {Name: a}\n",
    )
    assert import_file(path).apis[0].stages == ()
    assert [s.name for s in import_file(path, stage_name="beta").apis[0].stages] == ["beta"]


def test_deployment_stage_name_creates_a_stage(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
Resources:
  Api: {Type: AWS::ApiGateway::RestApi, Properties: {Name: a}}
  Dep:
    Type: AWS::ApiGateway::Deployment
    Properties:
      RestApiId: !Ref Api
      StageName: live
      StageDescription: {Variables: {x: "1"}, ThrottlingRateLimit: 3}
""",
    )
    [stage] = import_file(path).apis[0].stages
    assert (stage.name, stage.variables) == ("live", {"x": "1"})
    assert stage.method_settings == {"*/*": MethodSetting(throttling_rate_limit=3.0)}


def test_body_s3_location_is_refused(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
Resources:
  Api:
    Type: AWS::ApiGateway::RestApi
    Properties: {BodyS3Location: {Bucket: b, Key: api.yaml}}
""",
    )
    with pytest.raises(
        DefinitionError,
        match=r"/Resources/Api/Properties/BodyS3Location: Api: the OpenAPI body is in Amazon S3",
    ):
        import_file(path)


def test_http_api_only_template_imports_the_http_api_and_warns_it_has_no_stage(tmp_path: Path) -> None:
    """HTTP APIs are served now; one with no Stage resource is served at no stage by AWS."""
    path = write(
        tmp_path,
        "Resources:\n  H:\n    Type: AWS::ApiGatewayV2::Api\n    Properties: {ProtocolType: HTTP}\n",
    )
    result = import_file(path)
    assert [(a.http_api is not None, a.api.name, a.stages) for a in result.apis] == [(True, "H", ())]
    assert [w for w in result.warnings if "Stage" in w] == [
        f"{path}: /Resources/H: HTTP API H has no AWS::ApiGatewayV2::Stage, so AWS serves it at no "
        "stage; add a Stage (or import with --stage)"
    ]


def test_websocket_api_only_template_is_refused(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "Resources:\n  W:\n    Type: AWS::ApiGatewayV2::Api\n    Properties: {ProtocolType: WEBSOCKET}\n",
    )
    with pytest.raises(
        DefinitionError, match=r"/Resources/W: .*: WebSocket APIs are served in a later release"
    ):
        import_file(path)


def test_http_and_websocket_template_with_a_function_imports_http_and_warns_once(tmp_path: Path) -> None:
    """``tollway invoke`` and ``build`` must work on a project whatever API types it declares."""
    path = write(
        tmp_path,
        """
Resources:
  H: {Type: AWS::ApiGatewayV2::Api, Properties: {ProtocolType: HTTP}}
  R: {Type: AWS::ApiGatewayV2::Route, Properties: {ApiId: !Ref H, RouteKey: GET /a}}
  W: {Type: AWS::ApiGatewayV2::Api, Properties: {ProtocolType: WEBSOCKET}}
  Fn:
    Type: AWS::Lambda::Function
    Properties: {Handler: app.handler, Runtime: python3.12, Code: .}
""",
    )
    result = import_file(path, stage_name="dev")
    assert [fn.name for fn in result.functions] == ["Fn"]
    assert [(a.key.rsplit("#", 1)[1], [s.name for s in a.stages]) for a in result.apis] == [("H", ["dev"])]
    http_api = result.apis[0].http_api
    assert http_api is not None and [(r.route_key, r.integration_id) for r in http_api.routes] == [
        ("GET /a", None)
    ]
    assert [w for w in result.warnings if "API" in w] == [
        f"{path}: WebSocket APIs are served in a later release of tollway, which serves "
        "REST and HTTP APIs today; skipped: W (AWS::ApiGatewayV2::Api WEBSOCKET)"
    ]


def test_rest_and_http_in_one_file_imports_both(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
Resources:
  Rest: {Type: AWS::ApiGateway::RestApi, Properties: {Name: r}}
  H:
    Type: AWS::ApiGatewayV2::Api
    Properties: {ProtocolType: HTTP, Name: h, Target: "arn:aws:lambda:us-east-1:123456789012:function:f"}
""",
    )
    result = import_file(path)
    assert [(a.api.name, a.http_api is not None) for a in result.apis] == [("r", False), ("h", True)]
    assert list(result.warnings) == []


def test_nested_stack_with_absent_child_and_no_api_is_refused(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "Resources:\n  Child:\n    Type: AWS::CloudFormation::Stack\n"
        "    Properties: {TemplateURL: ./child.yaml}\n",
    )
    with pytest.raises(DefinitionError) as err:
        import_file(path)
    assert str(err.value) == (
        f"{path}: /Resources/Child: nested stack Child: child template ./child.yaml is not "
        "available locally, so the APIs it may declare cannot be imported"
    )


def test_nested_stack_with_local_child_imports_its_apis(tmp_path: Path) -> None:
    write(
        tmp_path,
        "Parameters: {N: {Type: String}}\nResources:\n"
        "  Api: {Type: AWS::ApiGateway::RestApi, Properties: {Name: !Ref N}}\n",
        "child.yaml",
    )
    path = write(
        tmp_path,
        "Resources:\n  Child:\n    Type: AWS::CloudFormation::Stack\n"
        "    Properties: {TemplateURL: child.yaml, Parameters: {N: from-parent}}\n",
    )
    result = import_file(path)
    assert [(a.key, a.api.name) for a in result.apis] == [(f"{tmp_path / 'child.yaml'}#Api", "from-parent")]


def test_lambda_test_event_is_refused_with_what_it_looks_like(tmp_path: Path) -> None:
    path = write(tmp_path, '{"httpMethod": "GET", "path": "/", "requestContext": {}}', "event.json")
    with pytest.raises(DefinitionError) as err:
        import_file(path)
    assert str(err.value) == (
        f"{path}: not an API definition: it looks like an API Gateway Lambda proxy test event "
        "(payload format 1.0); import the template that defines the API instead"
    )


def test_empty_file_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "", "empty.yaml")
    with pytest.raises(DefinitionError, match="not an API definition: the file is empty"):
        import_file(path)


def test_unrendered_cookiecutter_template_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "Resources:\n{%- if cookiecutter.x %}\n  A: {}\n{%- endif %}\n")
    with pytest.raises(DefinitionError) as err:
        import_file(path)
    assert str(err.value) == (
        f"{path}: line 2: unrendered cookiecutter template (Jinja markup); run `sam init` or "
        "cookiecutter to render it first"
    )


def test_terraform_templatefile_placeholder_is_refused(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
openapi: 3.0.1
info: {title: t, version: "1"}
paths:
  /a:
    get:
      x-amazon-apigateway-integration: {type: aws_proxy, httpMethod: POST, uri: "${lambda_uri}"}
""",
        "spec.yaml",
    )
    with pytest.raises(
        DefinitionError,
        match=r"/paths/~1a/get/x-amazon-apigateway-integration/uri: "
        r"unfilled template placeholder \$\{lambda_uri\}",
    ):
        import_file(path)


def test_include_of_local_file_resolves_intrinsics_in_it() -> None:
    result = import_file(str(FIXTURES / "include_local" / "template.yaml"))
    post = result.apis[0].api.resource("/orders").methods["POST"]  # type: ignore[union-attr]
    assert post.integration is not None
    assert post.integration.uri == (
        "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
        "arn:aws:lambda:us-east-1:123456789012:function:Fn/invocations"
    )


def test_standalone_openapi_with_intrinsics_resolves_against_including_template() -> None:
    path = FIXTURES / "include_local" / "openapi.yaml"
    result = import_file(str(path))
    post = result.apis[0].api.resource("/orders").methods["POST"]  # type: ignore[union-attr]
    assert post.integration is not None
    assert post.integration.uri is not None
    assert post.integration.uri.endswith("function:Fn/invocations")
    assert [s.name for s in result.apis[0].stages] == ["prod"]
    assert result.warnings == (
        f"{path}: CloudFormation intrinsics were resolved against "
        f"{FIXTURES / 'include_local' / 'template.yaml'}, which includes this document; "
        "import that template to get its stages and settings",
    )


def test_nested_stack_that_includes_itself_is_refused(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "Resources:\n  Me:\n    Type: AWS::CloudFormation::Stack\n"
        "    Properties: {TemplateURL: template.yaml}\n",
    )
    with pytest.raises(DefinitionError, match="/Resources/Me: nested stacks are nested too deeply"):
        import_file(path)


def test_a_user_pool_in_the_template_has_cognito_shaped_ids_and_issuer(tmp_path: Path) -> None:
    """Ref of a pool is its id (``us-east-1_`` + 9 letters or digits, stable per logical id);
    GetAtt gives Arn, ProviderName and ProviderURL as Cognito does; a client id is 26 chars."""
    path = write(
        tmp_path,
        """
Resources:
  Pool: {Type: AWS::Cognito::UserPool}
  Client: {Type: AWS::Cognito::UserPoolClient, Properties: {UserPoolId: !Ref Pool}}
  Api:
    Type: AWS::ApiGateway::RestApi
    Properties:
      Name: a
      Description: !Join
        - " "
        - [!Ref Pool, !GetAtt Pool.Arn, !GetAtt Pool.ProviderName, !GetAtt Pool.ProviderURL, !Ref Client]
""",
    )
    pool_id, arn, provider, url, client = import_file(path).apis[0].api.description.split(" ")
    assert re.fullmatch(r"us-east-1_[0-9A-Za-z]{9}", pool_id)
    assert arn == f"arn:aws:cognito-idp:us-east-1:123456789012:userpool/{pool_id}"
    assert (provider, url) == (f"cognito-idp.us-east-1.amazonaws.com/{pool_id}", f"https://{provider}")
    assert re.fullmatch(r"[0-9a-z]{26}", client)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    other_stack = write(
        elsewhere,
        "Resources:\n  Pool: {Type: AWS::Cognito::UserPool}\n"
        "  Api: {Type: AWS::ApiGateway::RestApi, Properties: {Name: !Ref Pool}}\n",
    )
    assert import_file(other_stack).apis[0].api.name == pool_id  # stable per logical id
