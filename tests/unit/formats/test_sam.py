"""SAM templates expanded offline with aws-sam-translator, then imported."""

from __future__ import annotations

from pathlib import Path

import pytest

from tollway.errors import DefinitionError
from tollway.formats.loader import import_file
from tollway.model.imported import ImportedApi, ImportResult

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "templates"
SAM_API = FIXTURES / "sam_api.yaml"


@pytest.fixture(autouse=True)
def no_aws_configuration(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The transform must not need an AWS region, credentials or config files."""
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE", "AWS_ACCESS_KEY_ID"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


@pytest.fixture()
def sam_api() -> ImportResult:
    return import_file(str(SAM_API))


def api(result: ImportResult, logical_id: str) -> ImportedApi:
    return next(a for a in result.apis if a.key.endswith(f"#{logical_id}"))


def test_implicit_api_is_serverless_rest_api_with_prod_stage(sam_api: ImportResult) -> None:
    """SAM's implicit API is ``ServerlessRestApi`` with stage ``Prod``; without
    ``OpenApiVersion`` SAM also deploys its well-known extra stage named ``Stage``."""
    implicit = api(sam_api, "ServerlessRestApi")
    assert implicit.key == f"{SAM_API}#ServerlessRestApi"
    assert [s.name for s in implicit.stages] == ["Stage", "Prod"]
    get = implicit.api.resource("/hello/{name}").methods["GET"]  # type: ignore[union-attr]
    assert get.integration is not None
    assert (get.integration.type, get.integration.http_method, get.integration.uri) == (
        "AWS_PROXY",
        "POST",
        "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
        "arn:aws:lambda:us-east-1:123456789012:function:Hello/invocations",
    )


def test_sam_api_title_is_the_stack_name(sam_api: ImportResult) -> None:
    """SAM names generated APIs after the stack; tollway's stack name is the folder name."""
    assert api(sam_api, "ServerlessRestApi").api.name == "templates"


def test_serverless_api_stage_name_and_variables(sam_api: ImportResult) -> None:
    shop = api(sam_api, "ShopApi")
    stage = next(s for s in shop.stages if s.name == "v1")
    assert stage.variables == {"tier": "gold"}
    assert shop.api.binary_media_types == ("image/jpeg",)


def test_serverless_api_cors_generates_mock_options_with_allow_headers(
    sam_api: ImportResult,
) -> None:
    shop = api(sam_api, "ShopApi")
    options = shop.api.resource("/items").methods["OPTIONS"]  # type: ignore[union-attr]
    assert options.integration is not None
    assert options.integration.type == "MOCK"
    assert options.integration.request_templates == {"application/json": '{\n  "statusCode" : 200\n}\n'}
    [response] = options.integration.responses
    assert response.status_code == "200"
    assert response.response_parameters == {
        "method.response.header.Access-Control-Allow-Origin": "'https://shop.example.com'",
        "method.response.header.Access-Control-Allow-Methods": "'GET,POST'",
        "method.response.header.Access-Control-Allow-Headers": "'Content-Type'",
    }
    assert sorted(shop.api.resource("/items").methods) == ["GET", "OPTIONS"]  # type: ignore[union-attr]


def test_sam_resources_without_transform_line_are_still_sam(tmp_path: Path) -> None:
    path = tmp_path / "template.yaml"
    path.write_text(
        """
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      InlineCode: "def handler(e, c): pass"
      Events:
        Get: {Type: Api, Properties: {Path: /ping, Method: get}}
""",
        encoding="utf-8",
    )
    result = import_file(str(path))
    assert [a.key.rsplit("#", 1)[1] for a in result.apis] == ["ServerlessRestApi"]
    assert "GET" in result.apis[0].api.resource("/ping").methods  # type: ignore[union-attr]


def test_local_definition_uri_is_inlined(tmp_path: Path) -> None:
    (tmp_path / "api.yaml").write_text(
        'swagger: "2.0"\ninfo: {title: x, version: "1"}\npaths:\n  /a:\n    get:\n'
        "      x-amazon-apigateway-integration: {type: mock, requestTemplates: "
        '{application/json: "{\\"statusCode\\": 200}"}}\n',
        encoding="utf-8",
    )
    path = tmp_path / "template.yaml"
    path.write_text(
        "Transform: AWS::Serverless-2016-10-31\nResources:\n  Api:\n"
        "    Type: AWS::Serverless::Api\n    Properties: {StageName: dev, DefinitionUri: api.yaml}\n",
        encoding="utf-8",
    )
    result = import_file(str(path))
    assert result.apis[0].api.resource("/a").methods["GET"].integration.type == "MOCK"  # type: ignore[union-attr]


def test_translator_error_names_file_resource_and_message(tmp_path: Path) -> None:
    path = tmp_path / "template.yaml"
    path.write_text(
        """
Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      CodeUri: src/
      Events:
        Get: {Type: Api, Properties: {Method: get}}
""",
        encoding="utf-8",
    )
    with pytest.raises(DefinitionError) as err:
        import_file(str(path))
    message = str(err.value)
    assert message.startswith(
        f"{path}: /Resources/Fn: SAM transform failed: Resource with id [Fn] is invalid."
    )
    assert "Path" in message


def test_http_api_events_build_an_http_api_and_leave_the_function_importable(tmp_path: Path) -> None:
    """As ``sam local invoke`` does, a function behind an HTTP API is still invocable."""
    path = tmp_path / "template.yaml"
    path.write_text(
        """
Transform: AWS::Serverless-2016-10-31
Resources:
  Http:
    Type: AWS::Serverless::HttpApi
    Properties: {StageName: v1}
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      CodeUri: src/
      Events:
        Get: {Type: HttpApi, Properties: {Path: /a, Method: get, ApiId: !Ref Http}}
""",
        encoding="utf-8",
    )
    result = import_file(str(path))
    assert [fn.name for fn in result.functions] == ["Fn"]
    (api,) = result.apis
    assert api.key.endswith("#Http") and [s.name for s in api.stages] == ["v1"]
    assert api.http_api is not None and [r.route_key for r in api.http_api.routes] == ["GET /a"]
    assert not [w for w in result.warnings if "later release" in w]


def test_http_api_without_events_imports_with_no_routes(tmp_path: Path) -> None:
    path = tmp_path / "template.yaml"
    path.write_text("Resources:\n  H: {Type: AWS::Serverless::HttpApi, Properties: {}}\n", encoding="utf-8")
    (api,) = import_file(str(path)).apis
    assert api.http_api is not None and api.http_api.routes == ()
    assert [s.name for s in api.stages] == ["$default"]
