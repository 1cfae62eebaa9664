"""Importing HTTP APIs (API Gateway v2): SAM, CloudFormation ``AWS::ApiGatewayV2::*`` and
standalone OpenAPI 3 documents, into ``HttpApi`` with its stages."""

from __future__ import annotations

from pathlib import Path

import pytest

from tollway.errors import DefinitionError
from tollway.formats.loader import import_file
from tollway.formats.openapi.http_import import authorizer_id, http_api_from_openapi
from tollway.model.api import MethodSetting
from tollway.model.http_api import CorsConfiguration, HttpApi, HttpAuthorizer, HttpIntegration, HttpRoute
from tollway.model.imported import ImportedApi, ImportResult

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "http_api_formats"
"""Sample HTTP API definitions (SAM, CloudFormation, OpenAPI), shared with the export tests."""
FN_URI = (
    "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
    "arn:aws:lambda:us-east-1:123456789012:function:{}/invocations"
)


def write(tmp_path: Path, text: str, name: str = "template.yaml") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def only_http(result: ImportResult) -> tuple[ImportedApi, HttpApi]:
    (imported,) = [api for api in result.apis if api.http_api is not None]
    assert imported.http_api is not None
    return imported, imported.http_api


def routes(api: HttpApi) -> dict[str, HttpRoute]:
    return {route.route_key: route for route in api.routes}


def integration_of(api: HttpApi, route_key: str) -> HttpIntegration:
    integration_id = routes(api)[route_key].integration_id
    assert integration_id is not None
    found = api.integration(integration_id)
    assert found is not None
    return found


# --- SAM ------------------------------------------------------------------------------------

SAM_EXPLICIT = (FIXTURES / "sam_explicit.yaml").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def sam_explicit(tmp_path_factory: pytest.TempPathFactory) -> ImportResult:
    return import_file(write(tmp_path_factory.mktemp("sam"), SAM_EXPLICIT))


def test_sam_explicit_http_api_routes_and_integrations(sam_explicit: ImportResult) -> None:
    imported, api = only_http(sam_explicit)
    assert imported.key.endswith("#Api") and imported.api.name == api.name
    assert sorted(routes(api)) == ["$default", "GET /pets", "POST /open"]
    pets = integration_of(api, "GET /pets")
    assert (pets.type, pets.uri, pets.payload_format_version, pets.timeout_ms) == (
        "AWS_PROXY",
        FN_URI.format("Fn"),
        "1.0",
        5000,
    )
    assert integration_of(api, "POST /open").payload_format_version == "2.0"
    assert not [w for w in sam_explicit.warnings if "later release" in w]


def test_sam_auth_default_authorizer_scopes_and_none(sam_explicit: ImportResult) -> None:
    _, api = only_http(sam_explicit)
    (jwt,) = api.authorizers
    assert jwt == HttpAuthorizer(
        id=authorizer_id("Jwt"),
        name="Jwt",
        type="JWT",
        identity_source=("$request.header.Authorization",),
        issuer="https://issuer.example",
        audience=("aud1",),
    )
    by_key = routes(api)
    assert (by_key["GET /pets"].authorization_type, by_key["GET /pets"].authorizer_id) == ("JWT", jwt.id)
    assert by_key["GET /pets"].authorization_scopes == ("read",)
    assert (by_key["POST /open"].authorization_type, by_key["POST /open"].authorizer_id) == ("NONE", None)
    assert by_key["$default"].authorization_type == "JWT"  # DefaultAuthorizer


def test_sam_stage_variables_and_route_settings(sam_explicit: ImportResult) -> None:
    imported, _ = only_http(sam_explicit)
    (stage,) = imported.stages
    assert (stage.name, stage.variables) == ("prod", {"v": "1"})
    assert stage.method_settings == {
        "*/*": MethodSetting(throttling_rate_limit=5.0, throttling_burst_limit=10),
        "POST /open": MethodSetting(throttling_burst_limit=1),
        "GET /pets": MethodSetting(throttling_burst_limit=3),
    }


def test_sam_globals_cors(sam_explicit: ImportResult) -> None:
    _, api = only_http(sam_explicit)
    assert api.cors == CorsConfiguration(
        allow_origins=("https://a.example",),
        allow_methods=("GET",),
        allow_headers=("x-h",),
        expose_headers=("x-e",),
        allow_credentials=True,
        max_age=60,
    )


def test_sam_implicit_api_is_serverless_http_api_on_default_stage(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src
      Handler: app.handler
      Runtime: python3.12
      Events:
        Any: {Type: HttpApi}
        Get: {Type: HttpApi, Properties: {Path: "/items/{id}", Method: GET}}
""",
    )
    imported, api = only_http(import_file(path))
    assert imported.key == f"{Path(path).resolve()}#ServerlessHttpApi"
    assert [s.name for s in imported.stages] == ["$default"]
    assert sorted(routes(api)) == ["$default", "GET /items/{id}"]
    assert integration_of(api, "$default").uri == FN_URI.format("Fn")


def test_sam_cors_true_definition_uri_and_lambda_authorizer(tmp_path: Path) -> None:
    write(
        tmp_path,
        """
openapi: 3.0.1
info: {title: FromFile, version: "2"}
paths:
  /file:
    post:
      x-amazon-apigateway-integration:
        type: http_proxy
        httpMethod: POST
        uri: https://example.com/file
        payloadFormatVersion: "1.0"
""",
        "api.yaml",
    )
    path = write(
        tmp_path,
        """
Transform: AWS::Serverless-2016-10-31
Resources:
  Auth:
    Type: AWS::Serverless::Function
    Properties: {CodeUri: src, Handler: auth.handler, Runtime: python3.12}
  Api:
    Type: AWS::Serverless::HttpApi
    Properties:
      CorsConfiguration: true
      DefinitionUri: api.yaml
      Auth:
        DefaultAuthorizer: L
        Authorizers:
          L:
            FunctionArn: !GetAtt Auth.Arn
            AuthorizerPayloadFormatVersion: "2.0"
            EnableSimpleResponses: true
            Identity: {Headers: [X-Token], ReauthorizeEvery: 30}
""",
    )
    _, api = only_http(import_file(path))
    assert (api.name, api.version) == ("FromFile", "2")
    assert api.cors is not None and api.cors.allow_origins == ("*",)
    proxy = integration_of(api, "POST /file")
    assert (proxy.type, proxy.uri, proxy.method) == ("HTTP_PROXY", "https://example.com/file", "POST")
    (auth,) = api.authorizers
    assert (auth.type, auth.authorizer_uri, auth.identity_source) == (
        "REQUEST",
        FN_URI.format("Auth"),
        ("$request.header.X-Token",),
    )
    assert (auth.enable_simple_responses, auth.result_ttl_seconds, auth.payload_format_version) == (
        True,
        30,
        "2.0",
    )
    assert routes(api)["POST /file"].authorization_type == "CUSTOM"


def test_sam_definition_uri_missing_file_is_an_error(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "Transform: AWS::Serverless-2016-10-31\nResources:\n"
        "  Api: {Type: AWS::Serverless::HttpApi, Properties: {DefinitionUri: nope.yaml}}\n",
    )
    with pytest.raises(DefinitionError, match=r"DefinitionUri file nope\.yaml does not exist"):
        import_file(path)


def test_sam_http_event_on_a_rest_api_is_skipped_with_a_warning(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
Transform: AWS::Serverless-2016-10-31
Resources:
  Rest: {Type: AWS::Serverless::Api, Properties: {StageName: s}}
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src
      Handler: app.handler
      Runtime: python3.12
      Events:
        R: {Type: Api, Properties: {RestApiId: !Ref Rest, Path: /r, Method: get}}
        H: {Type: HttpApi, Properties: {ApiId: !Ref Rest, Path: /h, Method: get}}
""",
    )
    result = import_file(path)
    assert [a.http_api for a in result.apis] == [None]
    assert f"{path}: /Resources/Fn/Properties/Events/H: an HttpApi event names Rest, a REST API" in "\n".join(
        result.warnings
    )


def test_sam_websocket_api_is_still_named_in_the_later_release_warning(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
Transform: AWS::Serverless-2016-10-31
Resources:
  Ws: {Type: AWS::Serverless::WebSocketApi, Properties: {RouteSelectionExpression: $request.body.action}}
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src
      Handler: app.handler
      Runtime: python3.12
      Events: {H: {Type: HttpApi}}
""",
    )
    result = import_file(path)
    assert len([a for a in result.apis if a.http_api]) == 1
    assert [w for w in result.warnings if "later release" in w] == [
        f"{path}: WebSocket APIs are served in a later release of tollway, which serves REST and HTTP "
        "APIs today; skipped: Ws (AWS::Serverless::WebSocketApi)"
    ]


# --- CloudFormation AWS::ApiGatewayV2::* ----------------------------------------------------

CFN_V2 = (FIXTURES / "cfn_v2.yaml").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def cfn_v2(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, ImportResult]:
    path = write(tmp_path_factory.mktemp("cfn"), CFN_V2)
    return path, import_file(path)


def test_cfn_v2_api_routes_integrations_and_authorizers(cfn_v2: tuple[str, ImportResult]) -> None:
    path, result = cfn_v2
    imported, api = only_http(result)
    assert imported.key == f"{Path(path).resolve()}#Api"
    assert (api.name, api.description, imported.api.name) == ("items-api", "d", "items-api")
    assert sorted(routes(api)) == ["ANY /proxy/{proxy+}", "GET /items", "POST /queue"]
    lam = integration_of(api, "GET /items")
    assert (lam.type, lam.uri, lam.timeout_ms, lam.payload_format_version) == (
        "AWS_PROXY",
        FN_URI.format("items"),
        1000,
        "2.0",
    )
    url = integration_of(api, "ANY /proxy/{proxy+}")
    assert (url.type, url.method, url.connection_type, url.connection_id) == (
        "HTTP_PROXY",
        "GET",
        "VPC_LINK",
        "link1",
    )
    assert url.request_parameters == {"overwrite:path": "$request.path"}
    assert url.response_parameters == {"404": {"overwrite:statuscode": "403"}}
    get = routes(api)["GET /items"]
    jwt = api.authorizer(get.authorizer_id or "")
    assert jwt is not None and (jwt.name, jwt.issuer, jwt.audience) == (
        "jwt-auth",
        "https://issuer.example",
        ("a1", "a2"),
    )
    assert (get.authorization_type, get.authorization_scopes) == ("JWT", ("items.read",))
    proxy = routes(api)["ANY /proxy/{proxy+}"]
    lam_auth = api.authorizer(proxy.authorizer_id or "")
    assert lam_auth is not None and proxy.authorization_type == "CUSTOM"
    assert (lam_auth.identity_source, lam_auth.result_ttl_seconds, lam_auth.payload_format_version) == (
        ("$request.header.X-Key", "$request.querystring.k"),
        120,
        "1.0",
    )
    assert api.cors == CorsConfiguration(allow_origins=("*",), allow_methods=("GET", "POST"), max_age=10)


def test_cfn_v2_service_integration_route_is_kept_without_integration(
    cfn_v2: tuple[str, ImportResult],
) -> None:
    path, result = cfn_v2
    _, api = only_http(result)
    assert routes(api)["POST /queue"].integration_id is None
    assert f"{path}: /Resources/Api: AWS service integrations (IntegrationSubtype) are not served yet; " in (
        "\n".join(result.warnings)
    )
    assert "POST /queue" in "\n".join(result.warnings)


def test_cfn_v2_stage(cfn_v2: tuple[str, ImportResult]) -> None:
    _, result = cfn_v2
    imported, _ = only_http(result)
    (stage,) = imported.stages
    assert (stage.name, stage.variables) == ("live", {"env": "live"})
    assert stage.method_settings == {
        "*/*": MethodSetting(throttling_rate_limit=100.0, throttling_burst_limit=50, metrics_enabled=True),
        "GET /items": MethodSetting(throttling_rate_limit=1.0),
    }


def test_cfn_v2_refs_resolve_to_the_ids_tollway_uses(tmp_path: Path) -> None:
    """``Ref`` of the Api is its id; outputs and permissions naming it agree with the import."""
    from tollway.formats.cloudformation import refs
    from tollway.formats.cloudformation.intrinsics import Resolver
    from tollway.model import ids

    resources = {
        "Api": {"Type": "AWS::ApiGatewayV2::Api", "Properties": {"ProtocolType": "HTTP"}},
        "Auth": {"Type": "AWS::ApiGatewayV2::Authorizer", "Properties": {"Name": "a"}},
        "Int": {"Type": "AWS::ApiGatewayV2::Integration", "Properties": {}},
        "St": {"Type": "AWS::ApiGatewayV2::Stage", "Properties": {"StageName": "s1"}},
    }
    r = Resolver(source="t", stack_key="/k", parameters={}, resources=resources)
    assert r.resolve({"Ref": "Api"}, "") == ids.api_id(refs.api_key("/k", "Api"))
    assert r.resolve({"Fn::GetAtt": ["Api", "ApiId"]}, "") == ids.api_id(refs.api_key("/k", "Api"))
    assert r.resolve({"Fn::GetAtt": ["Api", "ApiEndpoint"]}, "").startswith("https://")
    assert r.resolve({"Ref": "Auth"}, "") == authorizer_id("a")
    assert r.resolve({"Ref": "Int"}, "") == refs.short_id("/k", "Int")
    assert r.resolve({"Ref": "St"}, "") == "s1"


def test_cfn_quick_create_lambda_gets_default_route_and_stage(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties: {Handler: app.handler, Runtime: python3.12, Code: .}
  Api:
    Type: AWS::ApiGatewayV2::Api
    Properties:
      Name: quick
      ProtocolType: HTTP
      Target: !GetAtt Fn.Arn
      CredentialsArn: arn:aws:iam::123456789012:role/r
      CorsConfiguration: {AllowOrigins: ["https://x.example"]}
""",
    )
    result = import_file(path)
    imported, api = only_http(result)
    assert [s.name for s in imported.stages] == ["$default"]
    assert list(routes(api)) == ["$default"]
    integration = integration_of(api, "$default")
    assert (integration.type, integration.uri, integration.payload_format_version) == (
        "AWS_PROXY",
        "arn:aws:lambda:us-east-1:123456789012:function:Fn",
        "2.0",
    )
    assert api.cors == CorsConfiguration(allow_origins=("https://x.example",))
    assert not [w for w in result.warnings if "Stage" in w]


def test_cfn_quick_create_url_with_route_key(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
Resources:
  Api:
    Type: AWS::ApiGatewayV2::Api
    Properties: {Name: q, ProtocolType: HTTP, Target: "https://backend.example", RouteKey: "post /x"}
""",
    )
    _, api = only_http(import_file(path))
    integration = integration_of(api, "POST /x")
    assert (integration.type, integration.payload_format_version, integration.method) == (
        "HTTP_PROXY",
        "1.0",
        "ANY",
    )


def test_cfn_body_is_read_as_an_http_openapi_document(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties: {Handler: app.handler, Runtime: python3.12, Code: .}
  Api:
    Type: AWS::ApiGatewayV2::Api
    Properties:
      Body:
        openapi: 3.0.1
        info: {title: from-body}
        paths:
          /b:
            get:
              x-amazon-apigateway-integration:
                type: AWS_PROXY
                uri: !GetAtt Fn.Arn
                payloadFormatVersion: 2.0
  Stage:
    Type: AWS::ApiGatewayV2::Stage
    Properties: {ApiId: !Ref Api, StageName: $default}
""",
    )
    imported, api = only_http(import_file(path))
    assert api.name == "from-body" and [s.name for s in imported.stages] == ["$default"]
    assert integration_of(api, "GET /b").uri == "arn:aws:lambda:us-east-1:123456789012:function:Fn"


def test_cfn_body_s3_location_is_refused(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "Resources:\n  Api:\n    Type: AWS::ApiGatewayV2::Api\n"
        "    Properties: {BodyS3Location: {Bucket: b, Key: api.yaml}}\n",
    )
    with pytest.raises(DefinitionError) as caught:
        import_file(path)
    assert caught.value.location == "/Resources/Api/Properties/BodyS3Location"
    assert "the OpenAPI body is in Amazon S3" in caught.value.problem


def test_cfn_v2_api_without_stage_warns_and_uses_the_asked_stage(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "Resources:\n  Api: {Type: AWS::ApiGatewayV2::Api, Properties: {Name: n, ProtocolType: HTTP}}\n",
    )
    plain = import_file(path)
    assert only_http(plain)[0].stages == ()
    assert any("has no AWS::ApiGatewayV2::Stage" in w for w in plain.warnings)
    asked = import_file(path, stage_name="dev")
    assert [s.name for s in only_http(asked)[0].stages] == ["dev"]


@pytest.mark.parametrize(
    ("resource", "pointer", "problem"),
    [
        (
            "R: {Type: AWS::ApiGatewayV2::Route, Properties: {ApiId: !Ref Api, RouteKey: FETCH /x}}",
            "/Resources/R/Properties/RouteKey",
            "route key 'FETCH /x' must be $default or 'METHOD /path'",
        ),
        (
            "R: {Type: AWS::ApiGatewayV2::Route,"
            " Properties: {ApiId: !Ref Api, RouteKey: GET /x, Target: integrations/zzz}}",
            "/Resources/R/Properties/Target",
            "R: Target names integration 'zzz', which this API does not have",
        ),
        (
            "R: {Type: AWS::ApiGatewayV2::Route,"
            " Properties: {ApiId: !Ref Api, RouteKey: GET /x, AuthorizationType: JWT}}",
            "/Resources/R/Properties/AuthorizerId",
            "a JWT route needs the AuthorizerId",
        ),
        (
            "I: {Type: AWS::ApiGatewayV2::Integration, Properties: {ApiId: !Ref Api, IntegrationType: MOCK}}",
            "/Resources/I/Properties/IntegrationType",
            "IntegrationType 'MOCK' does not exist in HTTP APIs",
        ),
        (
            "I: {Type: AWS::ApiGatewayV2::Integration,"
            " Properties: {ApiId: !Ref Api, IntegrationType: HTTP_PROXY,"
            " IntegrationUri: 'https://x', PayloadFormatVersion: '2.0'}}",
            "/Resources/I/Properties/PayloadFormatVersion",
            "HTTP_PROXY integrations support only payload format version 1.0",
        ),
        (
            "I: {Type: AWS::ApiGatewayV2::Integration,"
            " Properties: {ApiId: !Ref Api, IntegrationType: AWS_PROXY,"
            " IntegrationUri: f, PayloadFormatVersion: '2.0', TimeoutInMillis: 40000}}",
            "/Resources/I/Properties/TimeoutInMillis",
            "timeoutInMillis 40000 is out of range",
        ),
        (
            "A: {Type: AWS::ApiGatewayV2::Authorizer,"
            " Properties: {ApiId: !Ref Api, Name: a, AuthorizerType: JWT}}",
            "/Resources/A/Properties/JwtConfiguration/Issuer",
            "A: a JWT authorizer needs JwtConfiguration.Issuer",
        ),
    ],
)
def test_cfn_v2_bad_resources_are_definition_errors(
    tmp_path: Path, resource: str, pointer: str, problem: str
) -> None:
    path = write(
        tmp_path,
        "Resources:\n  Api: {Type: AWS::ApiGatewayV2::Api, Properties: {Name: n, ProtocolType: HTTP}}\n"
        f"  {resource}\n",
    )
    with pytest.raises(DefinitionError) as caught:
        import_file(path)
    assert caught.value.source == path
    assert caught.value.location == pointer
    assert problem in caught.value.problem


# --- OpenAPI 3 HTTP API documents -------------------------------------------------------------

HTTP_DOC = (FIXTURES / "http_api.yaml").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def http_doc(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, ImportResult]:
    path = write(tmp_path_factory.mktemp("oas"), HTTP_DOC, "api.yaml")
    return path, import_file(path)


def test_openapi_http_document_imports_as_http_api_on_default_stage(
    http_doc: tuple[str, ImportResult],
) -> None:
    _, result = http_doc
    imported, api = only_http(result)
    assert imported.key == "openapi#Pets HTTP"
    assert [s.name for s in imported.stages] == ["$default"]
    assert (api.name, api.description, api.version) == ("Pets HTTP", "an http api", "1.0")
    assert sorted(routes(api)) == ["$default", "ANY /pets/{id}", "GET /pets", "POST /pets", "POST /queue"]
    assert routes(api)["GET /pets"].operation_name == "listPets"


def test_openapi_http_stage_comes_from_the_cli(tmp_path: Path) -> None:
    path = write(tmp_path, HTTP_DOC, "api.yaml")
    assert [s.name for s in only_http(import_file(path, stage_name="beta"))[0].stages] == ["beta"]


def test_openapi_http_integrations_shared_by_ref_and_inline(http_doc: tuple[str, ImportResult]) -> None:
    _, result = http_doc
    _, api = only_http(result)
    assert routes(api)["GET /pets"].integration_id == routes(api)["POST /pets"].integration_id == "pets"
    proxy = integration_of(api, "ANY /pets/{id}")
    assert (proxy.type, proxy.uri, proxy.timeout_ms) == (
        "HTTP_PROXY",
        "https://backend.example/pets/{id}",
        2000,
    )
    assert proxy.request_parameters == {"append:header.x-from": "$context.requestId"}
    assert proxy.response_parameters == {"500": {"overwrite:statuscode": "502"}}
    assert integration_of(api, "$default").uri == "arn:aws:lambda:us-east-1:123456789012:function:fallback"


def test_openapi_http_security_default_override_and_iam(http_doc: tuple[str, ImportResult]) -> None:
    _, result = http_doc
    _, api = only_http(result)
    by_key = routes(api)
    named = {authorizer.name: authorizer for authorizer in api.authorizers}
    jwt, lam = named["jwt"], named["lambda"]
    assert (by_key["GET /pets"].authorization_type, by_key["GET /pets"].authorizer_id) == ("JWT", jwt.id)
    assert by_key["GET /pets"].authorization_scopes == ("pets.read",)
    assert (by_key["POST /pets"].authorization_type, by_key["POST /pets"].authorizer_id) == ("CUSTOM", lam.id)
    assert by_key["ANY /pets/{id}"].authorization_type == "NONE"
    assert (by_key["$default"].authorization_type, by_key["$default"].authorizer_id) == ("AWS_IAM", None)
    assert lam.identity_source == ("$request.header.X-Key", "$request.querystring.k")
    assert (lam.enable_simple_responses, lam.authorizer_uri) == (
        True,
        "arn:aws:lambda:us-east-1:123456789012:function:auth",
    )
    assert (jwt.issuer, jwt.audience) == ("https://issuer.example", ("pets",))


def test_openapi_http_cors(http_doc: tuple[str, ImportResult]) -> None:
    _, result = http_doc
    _, api = only_http(result)
    assert api.cors == CorsConfiguration(
        allow_origins=("*",),
        allow_methods=("GET",),
        allow_headers=("authorization",),
        expose_headers=("x-id",),
        allow_credentials=False,
        max_age=300,
    )


def test_openapi_http_service_integrations_are_named_in_one_warning(
    http_doc: tuple[str, ImportResult],
) -> None:
    path, result = http_doc
    _, api = only_http(result)
    assert routes(api)["POST /queue"].integration_id is None
    assert [w for w in result.warnings if "integrationSubtype" in w] == [
        f"{path}: AWS service integrations (integrationSubtype) are not served yet; these routes have "
        "no integration and answer 500: POST /queue"
    ]


def test_openapi_http_document_with_intrinsics_resolves_them(tmp_path: Path) -> None:
    write(
        tmp_path,
        "Transform: AWS::Serverless-2016-10-31\nResources:\n"
        "  Fn:\n    Type: AWS::Serverless::Function\n"
        "    Properties: {CodeUri: s, Handler: a.h, Runtime: python3.12}\n"
        "  Api: {Type: AWS::Serverless::HttpApi, Properties: {DefinitionUri: api.yaml}}\n",
    )
    path = write(
        tmp_path,
        """
openapi: 3.0.1
info: {title: T}
paths:
  /x:
    get:
      x-amazon-apigateway-integration:
        type: aws_proxy
        uri: {"Fn::GetAtt": [Fn, Arn]}
        payloadFormatVersion: "2.0"
""",
        "api.yaml",
    )
    _, api = only_http(import_file(path))
    assert integration_of(api, "GET /x").uri == "arn:aws:lambda:us-east-1:123456789012:function:Fn"


def doc(paths: str, extra: str = "") -> dict[str, object]:
    from tollway.formats import yamlio

    loaded = yamlio.parse_text(f"openapi: 3.0.1\ninfo: {{title: t}}\npaths:\n{paths}{extra}", "f.yaml")
    assert isinstance(loaded, dict)
    return loaded


INTEGRATION = "      x-amazon-apigateway-integration: {{type: {type}, uri: u, payloadFormatVersion: '{v}'}}\n"


@pytest.mark.parametrize(
    ("paths", "extra", "pointer", "problem"),
    [
        (
            "  /a:\n    get:\n" + INTEGRATION.format(type="mock", v="1.0"),
            "",
            "/paths/~1a/get/x-amazon-apigateway-integration/type",
            "integration type 'mock' does not exist in HTTP APIs",
        ),
        (
            "  /a:\n    get:\n" + INTEGRATION.format(type="aws_proxy", v="3.0"),
            "",
            "/paths/~1a/get/x-amazon-apigateway-integration/payloadFormatVersion",
            "unknown payload format version '3.0'",
        ),
        (
            "  $default:\n    get:\n" + INTEGRATION.format(type="aws_proxy", v="2.0"),
            "",
            "/paths/$default/get",
            "the $default path takes only x-amazon-apigateway-any-method",
        ),
        (
            "  /a:\n    get:\n      security: [{nope: []}]\n",
            "",
            "/paths/~1a/get/security/0/nope",
            "security names 'nope', which securitySchemes does not define",
        ),
        (
            "  /a:\n    get:\n      x-amazon-apigateway-integration:\n"
            "        {$ref: '#/components/x-amazon-apigateway-integrations/x'}\n",
            "",
            "/paths/~1a/get/x-amazon-apigateway-integration/$ref",
            "no integration 'x' in components/x-amazon-apigateway-integrations",
        ),
        (
            "  a:\n    get: {}\n",
            "",
            "/paths/a",
            "route key 'GET a' must be $default or 'METHOD /path'",
        ),
        (
            "  /a:\n    get: {}\n",
            "\ncomponents:\n  securitySchemes:\n    s: {x-amazon-apigateway-authorizer: {type: token}}\n",
            "/components/securitySchemes/s/x-amazon-apigateway-authorizer/type",
            "authorizer type 'token' does not exist in HTTP APIs",
        ),
        (
            "  /a:\n    get: {}\n",
            "\ncomponents:\n  securitySchemes:\n    s: {x-amazon-apigateway-authorizer: {type: jwt}}\n",
            "/components/securitySchemes/s/x-amazon-apigateway-authorizer/jwtConfiguration/issuer",
            "a jwt authorizer needs jwtConfiguration.issuer",
        ),
    ],
)
def test_openapi_http_bad_documents_are_definition_errors(
    paths: str, extra: str, pointer: str, problem: str
) -> None:
    with pytest.raises(DefinitionError) as caught:
        http_api_from_openapi(doc(paths, extra), source="f.yaml")
    assert (caught.value.source, caught.value.location) == ("f.yaml", pointer)
    assert problem in caught.value.problem


def test_openapi_http_errors_inside_a_template_body_point_into_the_template(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
Resources:
  Api:
    Type: AWS::ApiGatewayV2::Api
    Properties:
      Body:
        openapi: 3.0.1
        info: {title: t}
        paths:
          /a:
            get:
              x-amazon-apigateway-integration: {type: aws_proxy, payloadFormatVersion: "2.0"}
""",
    )
    with pytest.raises(DefinitionError) as caught:
        import_file(path)
    assert (
        caught.value.location
        == "/Resources/Api/Properties/Body/paths/~1a/get/x-amazon-apigateway-integration/uri"
    )
    assert "a AWS_PROXY integration needs a uri" in caught.value.problem
