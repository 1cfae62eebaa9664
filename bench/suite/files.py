"""The files each peer serves, generated into a temporary folder: same work for every peer.

Every peer answers the same small JSON body (``BODY``); the proxy and vtl scenarios go to one
shared upstream nginx answering ``UPSTREAM_BODY`` (20 items, for the templates' ``#foreach``).
"""

from __future__ import annotations

import json
from pathlib import Path

BODY = '{"message":"hello"}'
ITEMS = [{"id": i, "name": f"item{i}"} for i in range(20)]
UPSTREAM_BODY = json.dumps({"message": "hello", "items": ITEMS}, separators=(",", ":"))
VTL_REQUEST_BODY = json.dumps({"name": "bench", "items": ITEMS}, separators=(",", ":"))
COLD_FUNCTIONS = 20
API_KEY = "bench-api-key-0123456789abcdef"
VALIDATE_BODY = json.dumps(
    {"name": "bench", "tags": [f"tag-{i:03d}-{'x' * 40}" for i in range(32)]}, separators=(",", ":")
)
"""About 2 KB of JSON that satisfies the ``validate`` scenario's model."""
VALIDATE_SCHEMA = {
    "type": "object",
    "required": ["name", "tags"],
    "properties": {"name": {"type": "string"}, "tags": {"type": "array", "items": {"type": "string"}}},
}
LARGE_BYTES = 1 << 20
LARGE_BODY = '{"data":"' + "x" * (LARGE_BYTES - 11) + '"}'
"""1 MiB of JSON: the ``large_body`` scenario's request body and the upstream's large answer."""
ROUTE_GROUP = (
    "/g{k}",
    "/g{k}/{{id}}",
    "/g{k}/{{id}}/items",
    "/g{k}/{{id}}/items/{{item}}",
    "/g{k}/{{id}}/items/{{item}}/detail",
    "/g{k}/static",
    "/g{k}/static/{{proxy+}}",
    "/g{k}/v1",
    "/g{k}/v1/{{name}}",
    "/g{k}/v1/{{name}}/{{proxy+}}",
)
"""One group of 10 resources, literal, ``{param}`` and greedy ``{proxy+}``, each with a GET."""
ROUTE_REQUEST = "/g{k}/42/items/7/detail"
"""The request of the ``routes`` scenario: in the last group, 5 levels deep, through 2 parameters."""

HANDLER = """import json

BODY = json.dumps({"message": "hello"}, separators=(",", ":"))


def lambda_handler(event, context):
    return {"statusCode": 200, "headers": {"Content-Type": "application/json"}, "body": BODY}
"""

ASGI_APP = f"""BODY = {BODY!r}.encode()
HEADERS = [(b"content-type", b"application/json"), (b"content-length", str(len(BODY)).encode())]


async def app(scope, receive, send):
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            await send({{"type": message["type"] + ".complete"}})
            if message["type"] == "lifespan.shutdown":
                return
    await send({{"type": "http.response.start", "status": 200, "headers": HEADERS}})
    await send({{"type": "http.response.body", "body": BODY}})
"""

CHALICE_APP = """from chalice import Chalice, Response

from chalicelib.handler import lambda_handler

app = Chalice(app_name="bench")


@app.route("/hello")
def hello():
    result = lambda_handler(app.current_request.to_dict(), None)
    return Response(body=result["body"], status_code=result["statusCode"], headers=result["headers"])
"""


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def nginx_conf(folder: Path, port: int, locations: str, upstream_port: int = 0) -> Path:
    """A one-worker nginx serving ``locations`` on 127.0.0.1:port, everything inside ``folder``."""
    backend = (
        f"upstream backend {{ server 127.0.0.1:{upstream_port}; keepalive 64; }}" if upstream_port else ""
    )
    temp = "\n".join(
        f"  {kind}_temp_path {folder}/{kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return write(
        folder / "nginx.conf",
        f"""worker_processes 1;
daemon off;
pid {folder}/nginx.pid;
error_log stderr warn;
events {{ worker_connections 4096; }}
http {{
  access_log off;
{temp}
  keepalive_requests 1000000;
  {backend}
  server {{
    listen 127.0.0.1:{port} backlog=2048;
{locations}
  }}
}}
""",
    )


def nginx_peer_locations(proxy: bool) -> str:
    """The nginx peer's locations; those that proxy only when the run started the upstream."""
    keep_alive = """proxy_http_version 1.1;
      proxy_set_header Connection "";"""
    # large_body: the 1 MiB body and answer stay in memory, as they do in tollway.
    large = """client_max_body_size 8m;
      client_body_buffer_size 2m;
      proxy_buffer_size 64k;
      proxy_buffers 32 64k;"""
    mock = f"    location = /mock {{ default_type application/json; return 200 '{BODY}'; }}"
    if not proxy:
        return mock
    return f"""{mock}
    location = /proxy {{
      proxy_pass http://backend/;
      {keep_alive}
    }}
    location = /large_get {{
      proxy_pass http://backend/large.json;
      {keep_alive}
      {large}
    }}
    location = /large_post {{
      proxy_pass http://backend/discard;
      {keep_alive}
      {large}
    }}"""


def upstream_locations(folder: Path) -> str:
    """The shared upstream: ``UPSTREAM_BODY`` everywhere; ``/large.json`` answers ``LARGE_BODY``
    (a static file); ``/discard`` reads and discards a body of up to 8 MB and answers ``BODY``."""
    write(folder / "static" / "large.json", LARGE_BODY)
    return f"""    location / {{ default_type application/json; return 200 '{UPSTREAM_BODY}'; }}
    location = /large.json {{ default_type application/json; root {folder / "static"}; }}
    location = /discard {{
      client_max_body_size 8m;
      default_type application/json;
      return 200 '{BODY}';
    }}"""


def _integration(kind: str, uri: str = "", method: str = "GET", body: str = BODY) -> dict[str, object]:
    if kind == "mock":
        return {
            "type": "mock",
            "requestTemplates": {"application/json": '{"statusCode": 200}'},
            "responses": {"default": {"statusCode": "200", "responseTemplates": {"application/json": body}}},
        }
    return {"type": kind, "httpMethod": method, "uri": uri}


def _openapi(paths: dict[str, object], **extra: object) -> dict[str, object]:
    return {"openapi": "3.0.1", "info": {"title": "bench", "version": "1"}, "paths": paths, **extra}


def _op(integration: dict[str, object], **extra: object) -> dict[str, object]:
    return {
        "responses": {"200": {"description": "ok"}},
        "x-amazon-apigateway-integration": integration,
        **extra,
    }


def tollway_mock(folder: Path) -> Path:
    return write(folder / "mock.json", json.dumps(_openapi({"/mock": {"get": _op(_integration("mock"))}})))


def tollway_proxy(folder: Path, upstream_port: int) -> Path:
    op = _op(_integration("http_proxy", f"http://127.0.0.1:{upstream_port}/"))
    return write(folder / "proxy.json", json.dumps(_openapi({"/proxy": {"get": op}})))


VTL_REQUEST = """{
  "name": $input.json('$.name'),
  "count": $input.path('$.items').size(),
  "items": [#foreach($item in $input.path('$.items'))
    {"id": $item.id, "label": "$item.name"}#if($foreach.hasNext),#end
  #end]
}"""

VTL_RESPONSE = """#set($root = $input.path('$'))
{"message": "$root.message", "names": [#foreach($item in $root.items)
  "$item.name"#if($foreach.hasNext),#end
#end]}"""


def tollway_large(folder: Path, upstream_port: int) -> Path:
    """GET /large_get: HTTP_PROXY to the upstream's 1 MiB answer; POST /large_post: a body to discard."""
    up = f"http://127.0.0.1:{upstream_port}"
    paths: dict[str, object] = {
        "/large_get": {"get": _op(_integration("http_proxy", f"{up}/large.json"))},
        "/large_post": {"post": _op(_integration("http_proxy", f"{up}/discard", "POST"))},
    }
    return write(folder / "large.json", json.dumps(_openapi(paths)))


def route_paths(groups: int, body: str = BODY) -> dict[str, object]:
    """``groups`` groups of ``ROUTE_GROUP``: 10 resources each, every one a GET answering ``body``."""
    paths: dict[str, object] = {}
    for k in range(groups):
        for path in ROUTE_GROUP:
            paths[path.format(k=k)] = {"get": _op(_integration("mock", body=body))}
    return paths


def route_request(groups: int) -> str:
    return ROUTE_REQUEST.format(k=groups - 1)


def tollway_routes(folder: Path, groups: int) -> Path:
    return write(folder / f"routes_{groups}.json", json.dumps(_openapi(route_paths(groups))))


def scale_api(folder: Path, number: int, body: str = BODY) -> Path:
    """API ``scale-NNNN`` of the ``config_scale`` scenario: 2 route groups (20 resources)."""
    doc = _openapi(route_paths(SCALE_GROUPS, body))
    doc["info"] = {"title": scale_title(number), "version": "1"}
    return write(folder / f"{scale_title(number)}.json", json.dumps(doc))


SCALE_APIS = 1000
SCALE_GROUPS = 2


def scale_title(number: int) -> str:
    return f"scale-{number:04d}"


def tollway_vtl(folder: Path, upstream_port: int) -> Path:
    integration = {
        **_integration("http", f"http://127.0.0.1:{upstream_port}/items", "POST"),
        "requestTemplates": {"application/json": VTL_REQUEST},
        "passthroughBehavior": "never",
        "responses": {
            "default": {"statusCode": "200", "responseTemplates": {"application/json": VTL_RESPONSE}}
        },
    }
    return write(folder / "vtl.json", json.dumps(_openapi({"/vtl": {"post": _op(integration)}})))


def tollway_validate(folder: Path) -> Path:
    schema = VALIDATE_SCHEMA
    op = _op(
        _integration("mock"),
        requestBody={
            "required": True,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Item"}}},
        },
    )
    op["x-amazon-apigateway-request-validator"] = "body"
    doc = _openapi(
        {"/validate": {"post": op}},
        components={"schemas": {"Item": schema}},
        **{"x-amazon-apigateway-request-validators": {"body": {"validateRequestBody": True}}},
    )
    return write(folder / "validate.json", json.dumps(doc))


def tollway_key_plan(folder: Path) -> Path:
    """CloudFormation: a MOCK method with apiKeyRequired, a key and a usage plan that never throttles."""
    op = _op(_integration("mock"), security=[{"api_key": []}])
    body = _openapi(
        {"/mock": {"get": op}},
        components={"securitySchemes": {"api_key": {"type": "apiKey", "name": "x-api-key", "in": "header"}}},
    )
    resources = {
        "Api": {"Type": "AWS::ApiGateway::RestApi", "Properties": {"Name": "bench", "Body": body}},
        "Deployment": {"Type": "AWS::ApiGateway::Deployment", "Properties": {"RestApiId": {"Ref": "Api"}}},
        "Stage": {
            "Type": "AWS::ApiGateway::Stage",
            "Properties": {
                "RestApiId": {"Ref": "Api"},
                "StageName": "prod",
                "DeploymentId": {"Ref": "Deployment"},
            },
        },
        "Key": {"Type": "AWS::ApiGateway::ApiKey", "Properties": {"Enabled": True, "Value": API_KEY}},
        "Plan": {
            "Type": "AWS::ApiGateway::UsagePlan",
            "DependsOn": "Stage",
            "Properties": {
                "ApiStages": [{"ApiId": {"Ref": "Api"}, "Stage": "prod"}],
                "Throttle": {"RateLimit": 1000000, "BurstLimit": 1000000},
            },
        },
        "PlanKey": {
            "Type": "AWS::ApiGateway::UsagePlanKey",
            "Properties": {"KeyId": {"Ref": "Key"}, "KeyType": "API_KEY", "UsagePlanId": {"Ref": "Plan"}},
        },
    }
    return write(folder / "key_plan.json", json.dumps({"Resources": resources}))


def sam_functions(folder: Path, names: list[str], authorizer: str = "") -> Path:
    """A SAM template: one Python function per name at GET /NAME (stage Prod), code in folder/code.

    ``authorizer``: "" none; "token" a Lambda TOKEN authorizer (300 s result cache); "cognito" a
    user pool authorizer (``UserPoolArn``, ``USER_POOL_ARN``), both the API's DefaultAuthorizer.
    """
    write(folder / "code" / "handler.py", HANDLER)
    write(folder / "code" / "authorizer.py", AUTHORIZER)
    resources: dict[str, object] = {}
    for name in names:
        event: dict[str, object] = {"Path": f"/{name}", "Method": "get"}
        if authorizer:
            event["RestApiId"] = {"Ref": "Api"}
        resources[f"Fn{name.replace('_', '')}"] = {
            "Type": "AWS::Serverless::Function",
            "Properties": {
                "CodeUri": "code/",
                "Handler": "handler.lambda_handler",
                "Runtime": "python3.11",
                "Events": {"Get": {"Type": "Api", "Properties": event}},
            },
        }
    if authorizer == "token":
        resources["Authorizer"] = {
            "Type": "AWS::Serverless::Function",
            "Properties": {"CodeUri": "code/", "Handler": "authorizer.handler", "Runtime": "python3.11"},
        }
    if authorizer:
        name = "Pool" if authorizer == "cognito" else "Token"
        auth = {"DefaultAuthorizer": name, "Authorizers": {name: _sam_authorizer(authorizer)}}
        resources["Api"] = {"Type": "AWS::Serverless::Api", "Properties": {"StageName": "Prod", "Auth": auth}}
    doc = {"Transform": "AWS::Serverless-2016-10-31", "Resources": resources}
    return write(folder / "template.json", json.dumps(doc))


def sam_http_function(folder: Path) -> Path:
    """A SAM template: the Python handler at GET /hello of an implicit HTTP API (API Gateway v2,
    a function's ``HttpApi`` event, payload format 2.0), served by its auto-deployed ``$default``
    stage at the root (no stage segment in the path), code in folder/code."""
    write(folder / "code" / "handler.py", HANDLER)
    event = {"Path": "/hello", "Method": "get", "PayloadFormatVersion": "2.0"}
    resources = {
        "Fnhello": {
            "Type": "AWS::Serverless::Function",
            "Properties": {
                "CodeUri": "code/",
                "Handler": "handler.lambda_handler",
                "Runtime": "python3.11",
                "Events": {"Get": {"Type": "HttpApi", "Properties": event}},
            },
        }
    }
    doc = {"Transform": "AWS::Serverless-2016-10-31", "Resources": resources}
    return write(folder / "template.json", json.dumps(doc))


def http_api_proxy(folder: Path, upstream_port: int) -> Path:
    """CloudFormation: an HTTP API (``AWS::ApiGatewayV2::Api``) whose ``ANY /{proxy+}`` route is an
    HTTP_PROXY integration to the upstream (``{proxy}`` path variable), stage ``$default``
    (auto-deployed, served at the root): GET /proxy reaches the upstream's /proxy."""
    resources = {
        "Api": {"Type": "AWS::ApiGatewayV2::Api", "Properties": {"Name": "bench", "ProtocolType": "HTTP"}},
        "Upstream": {
            "Type": "AWS::ApiGatewayV2::Integration",
            "Properties": {
                "ApiId": {"Ref": "Api"},
                "IntegrationType": "HTTP_PROXY",
                "IntegrationMethod": "ANY",
                "IntegrationUri": f"http://127.0.0.1:{upstream_port}/{{proxy}}",
                "PayloadFormatVersion": "1.0",
            },
        },
        "Route": {
            "Type": "AWS::ApiGatewayV2::Route",
            "Properties": {
                "ApiId": {"Ref": "Api"},
                "RouteKey": "ANY /{proxy+}",
                "Target": {"Fn::Join": ["/", ["integrations", {"Ref": "Upstream"}]]},
            },
        },
        "Stage": {
            "Type": "AWS::ApiGatewayV2::Stage",
            "Properties": {"ApiId": {"Ref": "Api"}, "StageName": "$default", "AutoDeploy": True},
        },
    }
    return write(folder / "http_proxy.json", json.dumps({"Resources": resources}))


def sam_realistic(folder: Path) -> Path:
    """A SAM template: POST /hello (stage Prod) needs an API key that a plan grants, passes a Lambda
    TOKEN authorizer (300 s result cache), has its body validated against ``VALIDATE_SCHEMA``,
    and reaches the Python handler through AWS_PROXY."""
    write(folder / "code" / "handler.py", HANDLER)
    write(folder / "code" / "authorizer.py", AUTHORIZER)
    code = {"CodeUri": "code/", "Runtime": "python3.11"}
    model = {"Model": "Item", "Required": True, "ValidateBody": True}
    event = {"Path": "/hello", "Method": "post", "RestApiId": {"Ref": "Api"}, "RequestModel": model}
    auth = {
        "DefaultAuthorizer": "Token",
        "Authorizers": {"Token": _sam_authorizer("token")},
        "ApiKeyRequired": True,
    }
    resources: dict[str, object] = {
        "Fnhello": {
            "Type": "AWS::Serverless::Function",
            "Properties": {
                **code,
                "Handler": "handler.lambda_handler",
                "Events": {"Post": {"Type": "Api", "Properties": event}},
            },
        },
        "Authorizer": {
            "Type": "AWS::Serverless::Function",
            "Properties": {**code, "Handler": "authorizer.handler"},
        },
        "Api": {
            "Type": "AWS::Serverless::Api",
            "Properties": {"StageName": "Prod", "Auth": auth, "Models": {"Item": VALIDATE_SCHEMA}},
        },
        "Key": {"Type": "AWS::ApiGateway::ApiKey", "Properties": {"Enabled": True, "Value": API_KEY}},
        "Plan": {
            "Type": "AWS::ApiGateway::UsagePlan",
            "Properties": {
                "ApiStages": [{"ApiId": {"Ref": "Api"}, "Stage": {"Ref": "Api.Stage"}}],
                "Throttle": {"RateLimit": 1000000, "BurstLimit": 1000000},
            },
        },
        "PlanKey": {
            "Type": "AWS::ApiGateway::UsagePlanKey",
            "Properties": {"KeyId": {"Ref": "Key"}, "KeyType": "API_KEY", "UsagePlanId": {"Ref": "Plan"}},
        },
    }
    doc = {"Transform": "AWS::Serverless-2016-10-31", "Resources": resources}
    return write(folder / "template.json", json.dumps(doc))


def _sam_authorizer(kind: str) -> dict[str, object]:
    if kind == "cognito":
        return {"UserPoolArn": USER_POOL_ARN}
    return {
        "Type": "TOKEN",
        "FunctionPayloadType": "TOKEN",
        "FunctionArn": {"Fn::GetAtt": ["Authorizer", "Arn"]},
        "Identity": {"ReauthorizeEvery": 300},
    }


USER_POOL_ARN = "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_Bench"
"""The -jwt peers' user pool; ``serve --user-pool-issuer`` maps it to the bench's issuer."""

MINT_TOKEN = """import json, sys, time
from pathlib import Path

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

folder, issuer = Path(sys.argv[1]), sys.argv[2]
key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
jwk = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
jwk.update({"kid": "bench", "alg": "RS256", "use": "sig"})
(folder / "jwks.json").write_text(json.dumps({"keys": [jwk]}))
now = int(time.time())
claims = {
    "sub": "bench-user",
    "cognito:username": "bench",
    "email": "bench@example.com",
    "iss": issuer,
    "aud": "bench-client",
    "token_use": "id",
    "auth_time": now,
    "iat": now,
    "exp": now + 86400,
}
(folder / "token.txt").write_text(jwt.encode(claims, key, algorithm="RS256", headers={"kid": "bench"}))
"""
"""Run by tollway's interpreter (PyJWT and cryptography are tollway dependencies; the suite is
stdlib only) with FOLDER ISSUER_URL: writes FOLDER/jwks.json (one RS256 key, kid "bench") and
FOLDER/token.txt (a Cognito-shaped ID token of that issuer, valid for a day)."""


AUTHORIZER = """def handler(event, context):
    effect = "Allow" if event.get("authorizationToken") == "allow" else "Deny"
    statement = {"Action": "execute-api:Invoke", "Effect": effect, "Resource": event["methodArn"]}
    return {"principalId": "bench", "policyDocument": {"Version": "2012-10-17", "Statement": [statement]}}
"""


def serverless_service(folder: Path, names: list[str]) -> Path:
    """A serverless.yml (framework v3) with the same handler at GET /NAME for each name."""
    write(folder / "handler.py", HANDLER)
    functions = {
        name: {"handler": "handler.lambda_handler", "events": [{"http": {"path": name, "method": "get"}}]}
        for name in names
    }
    doc = {
        "service": "bench",
        "frameworkVersion": "3",
        "provider": {"name": "aws", "runtime": "python3.11"},
        "plugins": ["serverless-offline"],
        "functions": functions,
    }
    # JSON is YAML: no YAML writer needed.
    return write(folder / "serverless.yml", json.dumps(doc, indent=2))


def chalice_project(folder: Path) -> Path:
    write(folder / "app.py", CHALICE_APP)
    write(folder / "chalicelib" / "__init__.py", "")
    write(folder / "chalicelib" / "handler.py", HANDLER)
    write(folder / "requirements.txt", "")
    config = {"version": "2.0", "app_name": "bench", "stages": {"dev": {"api_gateway_stage": "api"}}}
    write(folder / ".chalice" / "config.json", json.dumps(config))
    return folder


MINISTACK_SETUP = """import io, json, sys, zipfile

import boto3

endpoint, scenario, upstream, folder = sys.argv[1:5]
config = {"endpoint_url": endpoint, "region_name": "us-east-1"}
config.update(aws_access_key_id="test", aws_secret_access_key="test")
apigateway = boto3.client("apigateway", **config)
api = apigateway.create_rest_api(name="bench")["id"]
root = next(r["id"] for r in apigateway.get_resources(restApiId=api)["items"] if r["path"] == "/")
route = {"mock": "mock", "proxy": "proxy", "lambda_warm": "hello"}[scenario]
resource = apigateway.create_resource(restApiId=api, parentId=root, pathPart=route)["id"]
method = {"restApiId": api, "resourceId": resource, "httpMethod": "GET"}
apigateway.put_method(**method, authorizationType="NONE")
if scenario == "mock":
    status = {"application/json": '{"statusCode": 200}'}
    apigateway.put_integration(**method, type="MOCK", requestTemplates=status)
    apigateway.put_method_response(**method, statusCode="200")
    answer = {"application/json": sys.argv[5]}
    apigateway.put_integration_response(**method, statusCode="200", responseTemplates=answer)
elif scenario == "proxy":
    uri = f"http://127.0.0.1:{upstream}/"
    apigateway.put_integration(**method, type="HTTP_PROXY", integrationHttpMethod="GET", uri=uri)
else:
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as archive:
        archive.write(f"{folder}/handler.py", "handler.py")
    function = boto3.client("lambda", **config).create_function(
        FunctionName="hello",
        Runtime="python3.11",
        Role="arn:aws:iam::000000000000:role/bench",
        Handler="handler.lambda_handler",
        Code={"ZipFile": code.getvalue()},
    )
    arn = function["FunctionArn"]
    uri = f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{arn}/invocations"
    apigateway.put_integration(**method, type="AWS_PROXY", integrationHttpMethod="POST", uri=uri)
apigateway.create_deployment(restApiId=api, stageName="prod")
print(json.dumps({"path": f"/_aws/execute-api/{api}/prod/{route}"}))
"""
"""Run by bench/.venv's python (boto3) with ENDPOINT SCENARIO UPSTREAM_PORT FOLDER BODY: sets a
ministack up through its API Gateway and Lambda APIs (a REST API, one GET method, its MOCK,
HTTP_PROXY or AWS_PROXY integration, the function from FOLDER/handler.py, a deployment to stage
prod) and prints the invoke path, ministack's LocalStack-style ``/_aws/execute-api/ID/prod/...``."""
