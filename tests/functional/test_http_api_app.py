"""HTTP APIs in-process: the whole Gateway with HTTP API stages built from the model, functions
and backends replaced by recorders. What each test asserts is AWS's documented behaviour for
HTTP APIs (addressing, route priority, payload 2.0, errors, CORS, throttling, authorizers)."""

from __future__ import annotations

import asyncio
import base64
import json
import time
from dataclasses import replace
from typing import Any

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from tollway.dataplane.app import Gateway
from tollway.dataplane.authorizers.iam import IdentityIndex
from tollway.dataplane.authorizers.services import AuthServices
from tollway.dataplane.http_api.snapshot import ServedHttpStage, compile_http_stage
from tollway.dataplane.integrations.lambda_ import LambdaIntegration
from tollway.dataplane.integrations.mock import MockIntegration
from tollway.dataplane.messages import IntegrationRequest, IntegrationResult, Request, Response
from tollway.dataplane.services import Services
from tollway.dataplane.snapshot import ServedStage, compile_stage
from tollway.functions.runtime.executor import InvokeResult
from tollway.model import Deployment, MethodSetting, RestApi, Stage
from tollway.model.api import Integration, IntegrationResponse, Method, Resource
from tollway.model.http_api import (
    CorsConfiguration,
    HttpApi,
    HttpAuthorizer,
    HttpIntegration,
    HttpRoute,
)
from tollway.model.identity import Identity

FIXED_TIME = 1_700_000_000.25
API = "httpapi001"
OTHER = "httpapi002"
FN = "arn:aws:lambda:us-east-1:123456789012:function:echo"


class Functions:
    """An executor whose functions answer from a table and record their events."""

    def __init__(self) -> None:
        self.events: list[tuple[str, dict[str, Any]]] = []
        self.answers: dict[str, Any] = {}
        self.delay = 0.0

    async def invoke(self, name: str, payload: bytes, **_: Any) -> InvokeResult:
        event = json.loads(payload)
        self.events.append((name, event))
        if self.delay:
            await asyncio.sleep(self.delay)
        answer = self.answers.get(name, {"statusCode": 200, "body": "ok"})
        if isinstance(answer, Exception):
            return InvokeResult(json.dumps({"errorMessage": str(answer)}).encode(), "Unhandled")
        return InvokeResult(json.dumps(answer).encode())

    def check(self, name: str, qualifier: str | None = None) -> None:
        return None

    async def close(self) -> None:
        return None

    def last(self, name: str = "echo") -> dict[str, Any]:
        return next(event for called, event in reversed(self.events) if called == name)


class Backend:
    """An HTTP_PROXY transport that records the requests it gets."""

    def __init__(self) -> None:
        self.requests: list[IntegrationRequest] = []
        self.status = 200

    async def call(self, request: IntegrationRequest) -> IntegrationResult:
        self.requests.append(request)
        return IntegrationResult(self.status, [("content-type", "text/plain")], b"from backend")


def lambda_integration(id_: str = "i1", version: str = "2.0", timeout_ms: int = 30000) -> HttpIntegration:
    return HttpIntegration(id_, "AWS_PROXY", FN, payload_format_version=version, timeout_ms=timeout_ms)


def http_api(api_id: str = API, routes: tuple[HttpRoute, ...] = (), **extra: Any) -> HttpApi:
    integrations = extra.pop(
        "integrations",
        (lambda_integration(), lambda_integration("v1", "1.0"), lambda_integration("fast", timeout_ms=50)),
    )
    return HttpApi(api_id, "things", routes=routes, integrations=integrations, **extra)


ROUTES = (
    HttpRoute("GET /pets/{id}", "i1"),
    HttpRoute("GET /pets/dog", "i1"),
    HttpRoute("ANY /pets/{id}", "i1"),
    HttpRoute("GET /files/{proxy+}", "i1"),
    HttpRoute("GET /old/{name}", "v1"),
    HttpRoute("GET /slow", "fast"),
    HttpRoute("GET /limited", "i1"),
    HttpRoute("GET /orphan"),
)


def served(api: HttpApi, name: str = "$default", **variables: str) -> ServedHttpStage:
    shell = RestApi(api.id, api.name)
    deployment = Deployment("dep1", api.id, 0.0, shell, http_api=api)
    settings = {"GET /limited": MethodSetting(throttling_rate_limit=1, throttling_burst_limit=1)}
    stage = Stage(api.id, name, "dep1", dict(variables), method_settings=settings)
    return compile_http_stage(stage, deployment)


def rest_stage() -> ServedStage:
    templates = {"application/json": '{"statusCode": 200}'}
    integration = Integration("MOCK", request_templates=templates, responses=(IntegrationResponse("200"),))
    method = Method("GET", integration=integration)
    api = RestApi("restapi001", "rest", resources=(Resource("/", {"GET": method}),))
    return compile_stage(Stage(api.id, "prod", "d"), Deployment("d", api.id, 0.0, api))


@pytest.fixture
def functions() -> Functions:
    return Functions()


@pytest.fixture
def backend() -> Backend:
    return Backend()


def make_gateway(
    functions: Functions, backend: Backend, *stages: Any, clock: Any = lambda: FIXED_TIME
) -> Gateway:
    services = Services(
        integrations={
            "AWS_PROXY": LambdaIntegration(functions),
            "HTTP_PROXY": backend,
            "MOCK": MockIntegration(),
        },
        clock=clock,
        auth=AuthServices(executor=functions),
    )
    gateway = Gateway(services)
    gateway.load(stages)
    return gateway


@pytest.fixture
def gateway(functions: Functions, backend: Backend) -> Gateway:
    return make_gateway(functions, backend, served(http_api(routes=ROUTES), color="blue"), rest_stage())


async def call(
    gateway: Gateway,
    method: str,
    target: str,
    headers: list[tuple[str, str]] | None = None,
    body: bytes = b"",
    host: str = "127.0.0.1:3000",
) -> Response:
    request = Request(method, target, [("Host", host), *(headers or [])], body, "10.1.2.3")
    return await gateway.handle(request)


def header(response: Response, name: str) -> str | None:
    return next((v for k, v in response.headers if k.lower() == name.lower()), None)


def message(response: Response) -> tuple[int, Any]:
    return response.status, json.loads(response.body)


async def test_default_stage_is_served_without_a_stage_segment_beside_rest_stages(
    gateway: Gateway, functions: Functions
) -> None:
    assert (await call(gateway, "GET", "/pets/1")).status == 200
    assert functions.last()["rawPath"] == "/pets/1"
    assert (await call(gateway, "GET", "/prod")).status == 200  # the REST API's stage still answers


async def test_execute_api_host_addresses_the_default_stage_of_that_api(
    functions: Functions, backend: Backend
) -> None:
    gateway = make_gateway(
        functions, backend, served(http_api(routes=ROUTES)), served(http_api(OTHER, routes=ROUTES))
    )
    # two $default stages: only the host tells them apart
    assert message(await call(gateway, "GET", "/pets/1"))[0] == 403
    answer = await call(gateway, "GET", "/pets/1", host=f"{OTHER}.execute-api.localhost:3000")
    assert answer.status == 200
    assert functions.last()["requestContext"]["apiId"] == OTHER


async def test_named_stage_is_addressed_by_its_segment_and_reported_in_raw_path(
    functions: Functions, backend: Backend
) -> None:
    gateway = make_gateway(functions, backend, served(http_api(routes=ROUTES), "beta"))
    assert (await call(gateway, "GET", "/beta/pets/7?a=1")).status == 200
    event = functions.last()
    assert (event["rawPath"], event["requestContext"]["http"]["path"]) == ("/beta/pets/7", "/beta/pets/7")
    assert event["requestContext"]["stage"] == "beta"


async def test_route_priority_literal_then_method_then_any_then_greedy(
    gateway: Gateway, functions: Functions
) -> None:
    await call(gateway, "GET", "/pets/dog")
    assert functions.last()["routeKey"] == "GET /pets/dog"
    await call(gateway, "GET", "/pets/cat")
    assert functions.last()["routeKey"] == "GET /pets/{id}"
    assert functions.last()["pathParameters"] == {"id": "cat"}
    await call(gateway, "DELETE", "/pets/cat")
    assert functions.last()["routeKey"] == "ANY /pets/{id}"
    await call(gateway, "GET", "/files/a/b/c.txt")
    assert functions.last()["pathParameters"] == {"proxy": "a/b/c.txt"}


async def test_no_route_is_404_not_found(gateway: Gateway) -> None:
    answer = await call(gateway, "GET", "/nothing/here")
    assert message(answer) == (404, {"message": "Not Found"})
    assert header(answer, "apigw-requestid")


async def test_default_route_takes_what_no_other_route_matches(
    functions: Functions, backend: Backend
) -> None:
    api = http_api(routes=(*ROUTES, HttpRoute("$default", "i1")))
    gateway = make_gateway(functions, backend, served(api))
    assert (await call(gateway, "PATCH", "/nothing/here")).status == 200
    assert functions.last()["routeKey"] == "$default"


async def test_payload_2_event_as_aws_documents_it(gateway: Gateway, functions: Functions) -> None:
    headers = [("Cookie", "a=1; b=2"), ("X-Multi", "one"), ("X-Multi", "two"), ("User-Agent", "probe/1")]
    body = b'{"x": 1}'
    answer = await call(
        gateway, "POST", "/pets/5?q=1&q=2&e=", [*headers, ("Content-Type", "application/json")], body
    )
    assert answer.status == 200
    event = functions.last()
    assert event["version"] == "2.0"
    assert event["routeKey"] == "ANY /pets/{id}"
    assert event["rawQueryString"] == "q=1&q=2&e="
    assert event["cookies"] == ["a=1", "b=2"]
    assert event["headers"]["x-multi"] == "one,two"
    assert "cookie" not in event["headers"]
    assert event["queryStringParameters"] == {"q": "1,2", "e": ""}
    assert event["pathParameters"] == {"id": "5"}
    assert event["stageVariables"] == {"color": "blue"}
    assert (event["body"], event["isBase64Encoded"]) == ('{"x": 1}', False)
    context = event["requestContext"]
    assert context["http"] == {
        "method": "POST",
        "path": "/pets/5",
        "protocol": "HTTP/1.1",
        "sourceIp": "10.1.2.3",
        "userAgent": "probe/1",
    }
    assert context["requestId"] == header(answer, "apigw-requestid")
    assert (context["routeKey"], context["stage"], context["apiId"]) == ("ANY /pets/{id}", "$default", API)
    assert context["timeEpoch"] == int(FIXED_TIME * 1000)
    assert context["time"] == "14/Nov/2023:22:13:20 +0000"
    assert (context["domainName"], context["domainPrefix"]) == ("127.0.0.1", "127")


async def test_binary_and_form_bodies_arrive_base64_encoded(gateway: Gateway, functions: Functions) -> None:
    for media_type, body in (
        ("application/octet-stream", b"\x00\x01\xff"),
        ("application/x-www-form-urlencoded", b"a=1"),
    ):
        await call(gateway, "POST", "/pets/1", [("Content-Type", media_type)], body)
        event = functions.last()
        assert (base64.b64decode(event["body"]), event["isBase64Encoded"]) == (body, True)


async def test_payload_1_event_on_an_http_api(gateway: Gateway, functions: Functions) -> None:
    await call(gateway, "GET", "/old/ann?x=1")
    event = functions.last()
    assert (event["version"], event["resource"], event["path"], event["httpMethod"]) == (
        "1.0",
        "/old/{name}",
        "/old/ann",
        "GET",
    )
    assert event["requestContext"]["resourceId"] is None
    assert event["requestContext"]["authorizer"] == {"claims": None, "scopes": None}
    assert event["multiValueQueryStringParameters"] == {"x": ["1"]}


@pytest.mark.parametrize(
    ("answer", "status", "content_type", "body"),
    [
        ({"hello": "world"}, 200, "application/json", b'{"hello": "world"}'),
        ("just text", 200, "application/json", b"just text"),
        (
            {"statusCode": 201, "body": "made", "headers": {"x-a": "1"}},
            201,
            "text/plain; charset=utf-8",
            b"made",
        ),
    ],
)
async def test_payload_2_answers_are_inferred(
    gateway: Gateway, functions: Functions, answer: Any, status: int, content_type: str, body: bytes
) -> None:
    functions.answers["echo"] = answer
    response = await call(gateway, "GET", "/pets/1")
    assert (response.status, header(response, "content-type"), response.body) == (status, content_type, body)


async def test_cookies_of_the_answer_become_set_cookie_headers(
    gateway: Gateway, functions: Functions
) -> None:
    functions.answers["echo"] = {"statusCode": 200, "cookies": ["a=1", "b=2; Path=/"], "body": ""}
    response = await call(gateway, "GET", "/pets/1")
    assert [v for k, v in response.headers if k.lower() == "set-cookie"] == ["a=1", "b=2; Path=/"]


@pytest.mark.parametrize("answer", [RuntimeError("boom"), {"statusCode": "nope"}])
async def test_failed_or_malformed_function_is_500_internal_server_error(
    gateway: Gateway, functions: Functions, answer: Any
) -> None:
    functions.answers["echo"] = answer
    assert message(await call(gateway, "GET", "/pets/1")) == (500, {"message": "Internal Server Error"})


async def test_integration_timeout_is_503_service_unavailable(gateway: Gateway, functions: Functions) -> None:
    functions.delay = 0.3  # the route's integration allows 50 ms
    assert message(await call(gateway, "GET", "/slow")) == (503, {"message": "Service Unavailable"})


async def test_route_without_integration_is_500(gateway: Gateway) -> None:
    assert message(await call(gateway, "GET", "/orphan")) == (500, {"message": "Internal Server Error"})


async def test_route_settings_throttle_that_route_only(gateway: Gateway) -> None:
    statuses = [(await call(gateway, "GET", "/limited")).status for _ in range(4)]
    assert statuses[0] == 200 and 429 in statuses
    limited = await call(gateway, "GET", "/limited")
    assert message(limited) == (429, {"message": "Too Many Requests"})
    assert (await call(gateway, "GET", "/pets/1")).status == 200


CORS = CorsConfiguration(
    allow_origins=("https://app.example.com",),
    allow_methods=("GET", "POST"),
    allow_headers=("content-type",),
    expose_headers=("x-trace",),
    allow_credentials=True,
    max_age=600,
)


async def test_cors_preflight_is_answered_by_the_gateway(functions: Functions, backend: Backend) -> None:
    gateway = make_gateway(functions, backend, served(http_api(routes=ROUTES, cors=CORS)))
    preflight = [("Origin", "https://app.example.com"), ("Access-Control-Request-Method", "GET")]
    answer = await call(gateway, "OPTIONS", "/nothing/routed/here", preflight)
    assert answer.status == 204
    assert header(answer, "access-control-allow-origin") == "https://app.example.com"
    assert header(answer, "access-control-max-age") == "600"
    assert not functions.events


async def test_a_route_that_takes_options_takes_the_preflight(functions: Functions, backend: Backend) -> None:
    """AWS: ANY (and $default) routes catch OPTIONS, preflights included."""
    gateway = make_gateway(functions, backend, served(http_api(routes=ROUTES, cors=CORS)))
    preflight = [("Origin", "https://app.example.com"), ("Access-Control-Request-Method", "GET")]
    answer = await call(gateway, "OPTIONS", "/pets/1", preflight)
    assert answer.status == 200
    assert functions.last()["routeKey"] == "ANY /pets/{id}"
    assert header(answer, "access-control-allow-origin") == "https://app.example.com"


async def test_cors_headers_on_answers_to_allowed_origins_only(
    functions: Functions, backend: Backend
) -> None:
    gateway = make_gateway(functions, backend, served(http_api(routes=ROUTES, cors=CORS)))
    functions.answers["echo"] = {
        "statusCode": 200,
        "headers": {"Access-Control-Allow-Origin": "*"},
        "body": "x",
    }
    allowed = await call(gateway, "GET", "/pets/1", [("Origin", "https://app.example.com")])
    assert header(allowed, "access-control-allow-origin") == "https://app.example.com"
    assert header(allowed, "access-control-expose-headers") == "x-trace"
    refused = await call(gateway, "GET", "/pets/1", [("Origin", "https://evil.example")])
    assert not [k for k, _ in refused.headers if k.lower().startswith("access-control-")]


def _lambda_authorized(simple: bool, version: str, ttl: int = 300) -> HttpApi:
    authorizer = HttpAuthorizer(
        "a1",
        "gate",
        "REQUEST",
        identity_source=("$request.header.x-pass",),
        authorizer_uri="arn:aws:lambda:us-east-1:123456789012:function:gate",
        payload_format_version=version,
        enable_simple_responses=simple,
        result_ttl_seconds=ttl,
    )
    route = HttpRoute("GET /gated", "i1", authorization_type="CUSTOM", authorizer_id="a1")
    return http_api(routes=(route,), authorizers=(authorizer,))


async def test_lambda_authorizer_simple_answer_and_its_cache(functions: Functions, backend: Backend) -> None:
    gateway = make_gateway(functions, backend, served(_lambda_authorized(True, "2.0")))
    functions.answers["gate"] = {"isAuthorized": True, "context": {"who": "ali"}}
    assert message(await call(gateway, "GET", "/gated")) == (401, {"message": "Unauthorized"})
    assert not functions.events  # no identity: the authorizer is not invoked
    assert (await call(gateway, "GET", "/gated", [("x-pass", "yes")])).status == 200
    assert (await call(gateway, "GET", "/gated", [("x-pass", "yes")])).status == 200
    assert [name for name, _ in functions.events].count("gate") == 1
    gate_event = functions.last("gate")
    assert (gate_event["version"], gate_event["type"], gate_event["identitySource"]) == (
        "2.0",
        "REQUEST",
        ["yes"],
    )
    assert gate_event["routeArn"] == f"arn:aws:execute-api:us-east-1:123456789012:{API}/$default/GET/gated"
    assert functions.last()["requestContext"]["authorizer"] == {"lambda": {"who": "ali"}}
    functions.answers["gate"] = {"isAuthorized": False}
    denied = await call(gateway, "GET", "/gated", [("x-pass", "no")])
    assert message(denied) == (403, {"message": "Forbidden"})


async def test_lambda_authorizer_policy_answer_v1(functions: Functions, backend: Backend) -> None:
    gateway = make_gateway(functions, backend, served(_lambda_authorized(False, "1.0", ttl=0)))

    def policy(effect: str) -> dict[str, Any]:
        statement = {"Action": "execute-api:Invoke", "Effect": effect, "Resource": "*"}
        return {"principalId": "u", "policyDocument": {"Version": "2012-10-17", "Statement": [statement]}}

    functions.answers["gate"] = policy("Allow")
    assert (await call(gateway, "GET", "/gated", [("x-pass", "t")])).status == 200
    event = functions.last("gate")
    assert (event["version"], event["identitySource"], event["authorizationToken"]) == ("1.0", "t", "t")
    functions.answers["gate"] = policy("Deny")
    assert message(await call(gateway, "GET", "/gated", [("x-pass", "t")])) == (403, {"message": "Forbidden"})
    functions.answers["gate"] = RuntimeError("broken")
    assert message(await call(gateway, "GET", "/gated", [("x-pass", "t")])) == (
        500,
        {"message": "Internal Server Error"},
    )


async def test_http_proxy_substitutes_path_variables_and_passes_the_query(
    functions: Functions, backend: Backend
) -> None:
    integration = HttpIntegration(
        "p", "HTTP_PROXY", "http://backend.local:8080/v2/{proxy}", payload_format_version="1.0"
    )
    api = http_api(routes=(HttpRoute("ANY /api/{proxy+}", "p"),), integrations=(integration,))
    gateway = make_gateway(functions, backend, served(api))
    answer = await call(gateway, "PUT", "/api/a/b?x=1&y", [("X-Client", "c")], b"payload")
    assert (answer.status, answer.body) == (200, b"from backend")
    sent = backend.requests[-1]
    assert (sent.method, sent.url, sent.body) == ("PUT", "http://backend.local:8080/v2/a/b?x=1&y", b"payload")
    assert ("X-Client", "c") in sent.headers


async def test_private_integration_is_served_at_the_vpc_link_address(
    functions: Functions, backend: Backend
) -> None:
    integration = HttpIntegration(
        "p",
        "HTTP_PROXY",
        "MyListener",
        connection_type="VPC_LINK",
        connection_id="link1",
        payload_format_version="1.0",
    )
    api = http_api(routes=(HttpRoute("ANY /{proxy+}", "p"),), integrations=(integration,))
    gateway = make_gateway(functions, backend, served(api))
    unmapped = await call(gateway, "GET", "/orders/1")
    assert message(unmapped) == (500, {"message": "Internal Server Error"})  # no --vpc-link for it
    gateway.services.vpc_links = {"MyListener": "http://10.0.0.5:8080"}
    assert (await call(gateway, "GET", "/orders/1?x=2")).status == 200
    assert backend.requests[-1].url == "http://10.0.0.5:8080/orders/1?x=2"


def _signed(method: str, path: str, who: Credentials) -> Request:
    """A request SigV4-signed now (botocore signs with the wall clock)."""
    aws = AWSRequest(method=method, url=f"http://127.0.0.1:3000{path}", headers={"Host": "127.0.0.1:3000"})
    SigV4Auth(who, "execute-api", "us-east-1").add_auth(aws)
    return Request(method, path, list(aws.headers.items()), b"", "10.1.2.3")


async def test_aws_iam_route_needs_a_signer_whose_policy_allows_the_route(
    functions: Functions, backend: Backend
) -> None:
    route = HttpRoute("GET /private", "i1", authorization_type="AWS_IAM")
    stage = served(http_api(routes=(route, HttpRoute("GET /other", "i1"))))
    gateway = make_gateway(functions, backend, stage, clock=time.time)
    allowed = Credentials("AKIDHTTPAPI0000001", "secret-one")
    denied = Credentials("AKIDHTTPAPI0000002", "secret-two")
    only_private = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "execute-api:Invoke",
                "Resource": f"arn:aws:execute-api:*:*:{API}/*/GET/private",
            }
        ],
    }
    elsewhere = {
        **only_private,
        "Statement": [{**only_private["Statement"][0], "Resource": "arn:aws:execute-api:*:*:other/*"}],
    }
    gateway.install(
        replace(
            gateway.world,
            identities=IdentityIndex(
                [
                    Identity("ann", allowed.access_key, allowed.secret_key, policy=only_private),
                    Identity("bob", denied.access_key, denied.secret_key, policy=elsewhere),
                ]
            ),
        )
    )
    unsigned = await call(gateway, "GET", "/private")
    assert unsigned.status == 403
    assert not functions.events
    assert (await gateway.handle(_signed("GET", "/private", allowed))).status == 200
    iam = functions.last()["requestContext"]["authorizer"]["iam"]
    assert (iam["accessKey"], iam["accountId"]) == (allowed.access_key, "123456789012")
    assert message(await gateway.handle(_signed("GET", "/private", denied)))[0] == 403


async def test_http_proxy_path_variables_are_sent_encoded(functions: Functions, backend: Backend) -> None:
    integration = HttpIntegration(
        "p", "HTTP_PROXY", "http://b.local/items/{name}", payload_format_version="1.0"
    )
    api = http_api(routes=(HttpRoute("GET /items/{name}", "p"),), integrations=(integration,))
    gateway = make_gateway(functions, backend, served(api))
    assert (await call(gateway, "GET", "/items/a%20b")).status == 200
    assert backend.requests[-1].url == "http://b.local/items/a%20b"


async def test_a_trailing_slash_does_not_escape_an_iam_deny_of_the_route(
    functions: Functions, backend: Backend
) -> None:
    """The route ARN is the matched path without its trailing slash, as REST's methodArn: a
    Deny of GET/private holds for /private/, which the route serves too."""
    route = HttpRoute("GET /private", "i1", authorization_type="AWS_IAM")
    gateway = make_gateway(functions, backend, served(http_api(routes=(route,))), clock=time.time)
    who = Credentials("AKIDHTTPAPI0000003", "secret-three")
    statements = [
        {"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "*"},
        {
            "Effect": "Deny",
            "Action": "execute-api:Invoke",
            "Resource": f"arn:aws:execute-api:*:*:{API}/*/GET/private",
        },
    ]
    policy = {"Version": "2012-10-17", "Statement": statements}
    identities = IdentityIndex([Identity("eve", who.access_key, who.secret_key, policy=policy)])
    gateway.install(replace(gateway.world, identities=identities))
    for path in ("/private", "/private/"):
        assert message(await gateway.handle(_signed("GET", path, who)))[0] == 403, path
    assert not functions.events
