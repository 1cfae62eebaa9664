"""The whole Gateway in-process: addressing, snapshot swaps, $context, errors AWS answers with 500."""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace

import pytest

from tollway.dataplane.app import Gateway
from tollway.dataplane.integrations.mock import MockIntegration
from tollway.dataplane.messages import IntegrationRequest, IntegrationResult, Request, Response
from tollway.dataplane.services import Services
from tollway.dataplane.snapshot import ServedStage, compile_stage
from tollway.formats.openapi import rest_api_from_openapi
from tollway.formats.yamlio import parse_text
from tollway.model import Deployment, Stage

FIXED_TIME = 1_700_000_000.25  # Tue, 14 Nov 2023 22:13:20.250 UTC
API_A = "aaaaaaaaaa"
API_B = "bbbbbbbbbb"

CONTEXT_TEMPLATE = (
    '{"requestId":"$context.requestId","stage":"$context.stage","resourcePath":"$context.resourcePath",'
    '"path":"$context.path","httpMethod":"$context.httpMethod","sourceIp":"$context.identity.sourceIp",'
    '"epoch":$context.requestTimeEpoch,"time":"$context.requestTime","apiId":"$context.apiId",'
    '"color":"$stageVariables.color","input":"$input.params(\'q\')"}'
)

LAMBDA_URI = (
    "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
    "arn:aws:lambda:us-east-1:123456789012:function:f/invocations"
)

OPENAPI = """
openapi: 3.0.1
info: {title: pets, version: "1"}
paths:
  /pets/{petId}:
    get:
      parameters: [{name: petId, in: path, required: true, schema: {type: string}}]
      x-amazon-apigateway-integration:
        type: http
        httpMethod: GET
        uri: http://${stageVariables.backend}/pets/{petId}
        requestParameters: {integration.request.path.petId: method.request.path.petId}
        responses:
          default:
            statusCode: "200"
            responseTemplates:
              application/json: |
                {"version":"$stageVariables.version","backend":$input.json('$')}
  /context/{item}:
    get:
      parameters: [{name: item, in: path, required: true, schema: {type: string}}]
      x-amazon-apigateway-integration:
        type: mock
        requestTemplates:
          application/json: '{"statusCode": 200}'
        responses:
          default:
            statusCode: "200"
            responseTemplates:
              application/json: |
                CONTEXT_TEMPLATE
  /health:
    get:
      x-amazon-apigateway-integration:
        type: mock
        requestTemplates:
          application/json: '{"statusCode": 200}'
        responses:
          default:
            statusCode: "200"
            responseTemplates:
              application/json: '{"path":"$context.path","stage":"$context.stage"}'
  /proxy/{proxy+}:
    x-amazon-apigateway-any-method:
      parameters: [{name: proxy, in: path, required: true, schema: {type: string}}]
      x-amazon-apigateway-integration:
        type: http_proxy
        httpMethod: ANY
        uri: http://backend/{proxy}
        requestParameters: {integration.request.path.proxy: method.request.path.proxy}
  /lambda:
    post:
      x-amazon-apigateway-integration:
        type: aws_proxy
        httpMethod: POST
        uri: LAMBDA_URI
  /s3:
    get:
      x-amazon-apigateway-integration:
        type: aws
        httpMethod: GET
        uri: arn:aws:apigateway:us-east-1:s3:path/bucket
  /bare:
    get:
      responses: {"200": {description: ok}}
""".replace("CONTEXT_TEMPLATE", CONTEXT_TEMPLATE).replace("LAMBDA_URI", LAMBDA_URI)


class Backend:
    """A fake HTTP/HTTP_PROXY transport: records requests; can be held on an Event or made to crash."""

    def __init__(self, body: bytes = b'{"from":"backend"}') -> None:
        self.body = body
        self.requests: list[IntegrationRequest] = []
        self.hold: asyncio.Event | None = None
        self.entered = asyncio.Event()
        self.crash = False

    async def call(self, request: IntegrationRequest) -> IntegrationResult:
        self.requests.append(request)
        self.entered.set()
        if self.hold is not None:
            await self.hold.wait()
        if self.crash:
            raise RuntimeError("backend transport bug")
        return IntegrationResult(200, [("Content-Type", "application/json")], self.body)


def stage_of(api_id: str, name: str = "prod", text: str = OPENAPI, **variables: str) -> ServedStage:
    api = replace(rest_api_from_openapi(parse_text(text, "api.yaml"), source="api.yaml"), id=api_id)
    deployment = Deployment(id="dep1", api_id=api_id, created_epoch=0.0, api=api)
    return compile_stage(Stage(api_id, name, "dep1", dict(variables)), deployment)


@pytest.fixture
def backend() -> Backend:
    return Backend()


@pytest.fixture
def gateway(backend: Backend) -> Gateway:
    services = Services(
        integrations={"HTTP": backend, "HTTP_PROXY": backend, "MOCK": MockIntegration()},
        clock=lambda: FIXED_TIME,
    )
    gateway = Gateway(services)
    gateway.load([stage_of(API_A, backend="a.internal", version="v1", color="blue")])
    return gateway


async def call(
    gateway: Gateway, target: str, host: str = "localhost:3000", method: str = "GET", body: bytes = b""
) -> Response:
    return await gateway.handle(Request(method, target, [("Host", host)], body, "198.51.100.7"))


def json_of(response: Response) -> object:
    return json.loads(response.body)


def header(response: Response, name: str) -> str | None:
    return next((v for k, v in response.headers if k.lower() == name.lower()), None)


MISSING_TOKEN = (403, {"message": "Missing Authentication Token"})
INTERNAL = (500, {"message": "Internal server error"})


# addressing


async def test_host_execute_api_localhost_addresses_the_api_then_stage(
    gateway: Gateway, backend: Backend
) -> None:
    response = await call(gateway, "/prod/pets/7", host=f"{API_A}.execute-api.localhost:4566")
    assert response.status == 200
    assert [r.url for r in backend.requests] == ["http://a.internal/pets/7"]


async def test_host_of_an_unknown_api_is_missing_authentication_token(gateway: Gateway) -> None:
    response = await call(gateway, "/prod/pets/7", host="zzzzzzzzzz.execute-api.localhost:4566")
    assert (response.status, json_of(response)) == MISSING_TOKEN


async def test_restapis_user_request_path_addresses_api_and_stage(gateway: Gateway, backend: Backend) -> None:
    response = await call(gateway, f"/restapis/{API_A}/prod/_user_request_/health", host="example.com")
    assert (response.status, json_of(response)) == (200, {"path": "/prod/health", "stage": "prod"})


async def test_restapis_user_request_path_keeps_every_segment(gateway: Gateway, backend: Backend) -> None:
    response = await call(gateway, f"/restapis/{API_A}/prod/_user_request_/pets/7?x=1")
    assert response.status == 200
    assert [r.url for r in backend.requests] == ["http://a.internal/pets/7"]


async def test_stage_path_on_any_host_needs_an_unambiguous_stage_name(
    gateway: Gateway, backend: Backend
) -> None:
    """/{stage}/... works when one API has that stage; a name two APIs share answers 403."""
    gateway.load(
        [
            stage_of(API_A, "prod", backend="a.internal"),
            stage_of(API_A, "beta", backend="a-beta.internal"),
            stage_of(API_B, "prod", backend="b.internal"),
        ]
    )
    assert (await call(gateway, "/beta/pets/1")).status == 200
    ambiguous = await call(gateway, "/prod/pets/2")
    assert (ambiguous.status, json_of(ambiguous)) == MISSING_TOKEN
    assert (await call(gateway, "/prod/pets/3", host=f"{API_B}.execute-api.localhost")).status == 200
    assert [r.url for r in backend.requests] == ["http://a-beta.internal/pets/1", "http://b.internal/pets/3"]


async def test_unknown_stage_and_unknown_path_are_missing_authentication_token(gateway: Gateway) -> None:
    for target in ("/nostage/pets/1", "/prod/nothing-here", "/"):
        response = await call(gateway, target)
        assert (response.status, json_of(response)) == MISSING_TOKEN


# snapshot swap


async def test_load_keeps_an_in_flight_request_on_its_snapshot(gateway: Gateway, backend: Backend) -> None:
    backend.hold = asyncio.Event()
    first = asyncio.create_task(call(gateway, "/prod/pets/1"))
    await asyncio.wait_for(backend.entered.wait(), 5)
    gateway.load([stage_of(API_A, backend="new.internal", version="v2")])
    backend.hold.set()
    old = await asyncio.wait_for(first, 5)
    new = await call(gateway, "/prod/pets/2")
    assert json_of(old) == {"version": "v1", "backend": {"from": "backend"}}
    assert json_of(new) == {"version": "v2", "backend": {"from": "backend"}}
    assert [r.url for r in backend.requests] == ["http://a.internal/pets/1", "http://new.internal/pets/2"]


# $context and stage variables


async def test_context_variables_seen_by_a_mapping_template(gateway: Gateway) -> None:
    response = await call(gateway, "/prod/context/a%20b?q=find", host=f"{API_A}.execute-api.localhost:4566")
    assert response.status == 200
    assert header(response, "Content-Type") == "application/json"
    seen = json_of(response)
    assert isinstance(seen, dict)
    assert seen == {
        "requestId": header(response, "x-amzn-RequestId"),
        "stage": "prod",
        "resourcePath": "/context/{item}",
        "path": "/prod/context/a%20b",
        "httpMethod": "GET",
        "sourceIp": "198.51.100.7",
        "epoch": 1_700_000_000_250,
        "time": "14/Nov/2023:22:13:20 +0000",
        "apiId": API_A,
        "color": "blue",
        "input": "find",
    }


async def test_each_request_gets_its_own_request_id(gateway: Gateway) -> None:
    ids = [json_of(await call(gateway, "/prod/context/x"))["requestId"] for _ in range(3)]  # type: ignore[index]
    assert len(set(ids)) == 3


# what AWS answers with 500


@pytest.mark.parametrize("target", ["/prod/lambda", "/prod/s3"])
async def test_aws_and_aws_proxy_integrations_answer_internal_server_error(
    gateway: Gateway, target: str
) -> None:
    method = "POST" if target.endswith("lambda") else "GET"
    response = await call(gateway, target, method=method)
    assert (response.status, json_of(response)) == INTERNAL


async def test_a_method_without_integration_answers_internal_server_error(gateway: Gateway) -> None:
    response = await call(gateway, "/prod/bare")
    assert (response.status, json_of(response)) == INTERNAL
    assert header(response, "x-amzn-ErrorType") == "InternalServerErrorException"


async def test_an_unexpected_exception_in_an_integration_is_a_500_not_raised(
    gateway: Gateway, backend: Backend
) -> None:
    backend.crash = True
    response = await call(gateway, "/prod/proxy/anything", method="DELETE")
    assert (response.status, json_of(response)) == INTERNAL
    assert backend.requests[0].method == "DELETE"


@pytest.mark.parametrize(
    ("target", "status"),
    [("/prod/pets/1", 200), ("/prod/context/x", 200), ("/prod/nothing", 403), ("/prod/s3", 500), ("/x", 403)],
)
async def test_every_response_carries_x_amzn_request_id_and_apigw_id(
    gateway: Gateway, target: str, status: int
) -> None:
    response = await call(gateway, target)
    assert response.status == status
    request_id = header(response, "x-amzn-RequestId")
    assert request_id is not None and len(request_id) == 36 and request_id.count("-") == 4
    apigw_id = header(response, "x-amz-apigw-id")
    assert apigw_id is not None and len(apigw_id) == 16 and apigw_id.endswith("=")


async def test_head_request_gets_the_get_headers_but_no_body(gateway: Gateway) -> None:
    response = await call(gateway, "/prod/proxy/file", method="HEAD")
    assert (response.status, response.body) == (200, b"")
    assert header(response, "Content-Type") == "application/json"
