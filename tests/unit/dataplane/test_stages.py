"""Each data-plane stage in isolation, on a compiled snapshot and a hand-made context."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from tollway.dataplane.context import RequestContext
from tollway.dataplane.messages import IntegrationRequest, IntegrationResult, Request, Response
from tollway.dataplane.services import Services
from tollway.dataplane.snapshot import ServedStage, compile_stage
from tollway.dataplane.steps.integrate import integrate
from tollway.dataplane.steps.map_request import map_request
from tollway.dataplane.steps.map_response import map_response
from tollway.dataplane.steps.on_error import on_error
from tollway.dataplane.steps.parse import parse
from tollway.dataplane.steps.respond import respond
from tollway.dataplane.steps.route import route
from tollway.errors import (
    ApiConfigurationError,
    GatewayError,
    MissingAuthenticationToken,
    UnsupportedMediaType,
)
from tollway.model import (
    Deployment,
    GatewayResponse,
    Integration,
    IntegrationResponse,
    Method,
    Resource,
    RestApi,
    Stage,
)

API_ID = "a1b2c3d4e5"
CLIENT_IP = "203.0.113.9"
SERVICES = Services(integrations={}, clock=lambda: 0.0)
Headers = Sequence[tuple[str, str]]


def snapshot(
    *resources: Resource,
    variables: dict[str, str] | None = None,
    gateway_responses: tuple[GatewayResponse, ...] = (),
) -> ServedStage:
    api = RestApi(id=API_ID, name="pets", resources=resources, gateway_responses=gateway_responses)
    stage = Stage(api_id=API_ID, name="prod", deployment_id="dep1", variables=variables or {})
    return compile_stage(stage, Deployment(id="dep1", api_id=API_ID, created_epoch=0.0, api=api))


def one_method(path: str, verb: str, integration: Integration | None) -> ServedStage:
    return snapshot(Resource(path, {verb: Method(verb, integration=integration)}))


def context(
    served: ServedStage | None,
    method: str = "GET",
    target: str = "/",
    headers: Headers = (),
    body: bytes = b"",
) -> RequestContext:
    request = Request(method, target, list(headers), body, CLIENT_IP)
    path = target.partition("?")[0]
    return RequestContext(request, "req-1", "ext-1=", 1_700_000_000_000, served, path)


async def mapped(
    served: ServedStage, method: str, target: str, headers: Headers = (), body: bytes = b""
) -> IntegrationRequest:
    ctx = context(served, method, target, headers, body)
    for stage in (parse, route, map_request):
        stage(ctx, SERVICES)
    assert ctx.integration_request is not None
    return ctx.integration_request


async def answered(served: ServedStage, result: IntegrationResult, headers: Headers = ()) -> Response:
    ctx = context(served, "GET", "/r", headers)
    for stage in (parse, route):
        stage(ctx, SERVICES)
    ctx.integration_result = result
    map_response(ctx, SERVICES)
    assert ctx.response is not None
    return ctx.response


# parse


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("a=1&b=x%20y&a=2&c=&d&e=1%2B1", {"a": ["1", "2"], "b": ["x y"], "c": [""], "d": [""], "e": ["1+1"]}),
        ("a=1;b=2;a=3", {"a": ["1", "3"], "b": ["2"]}),  # AWS known issue: ";" splits the query string
        ("", {}),
    ],
)
async def test_parse_keeps_repeated_query_keys_and_decodes_values(
    query: str, expected: dict[str, list[str]]
) -> None:
    ctx = context(None, target=f"/p?{query}")
    parse(ctx, SERVICES)
    assert ctx.query == expected


async def test_parse_header_map_is_lower_cased_and_last_value_wins() -> None:
    ctx = context(None, headers=[("X-Foo", "1"), ("Host", "h"), ("x-foo", "2")])
    parse(ctx, SERVICES)
    assert ctx.header_map == {"x-foo": "2", "host": "h"}


# route


async def test_route_sets_method_resource_path_and_decoded_path_params() -> None:
    served = snapshot(
        Resource("/pets", {"GET": Method("GET")}),
        Resource("/pets/{petId}/toys/{toyId}", {"GET": Method("GET")}),
    )
    ctx = context(served, "GET", "/pets/a%20b/toys/7")
    route(ctx, SERVICES)
    assert ctx.method is not None and ctx.method.http_method == "GET"
    assert ctx.resource_path == "/pets/{petId}/toys/{toyId}"
    assert ctx.path_params == {"petId": "a b", "toyId": "7"}


@pytest.mark.parametrize(("verb", "path"), [("GET", "/nope"), ("DELETE", "/pets"), ("GET", "/pets/1/x")])
async def test_route_without_a_declared_method_is_403_missing_authentication_token(
    verb: str, path: str
) -> None:
    served = snapshot(Resource("/pets", {"GET": Method("GET")}))
    with pytest.raises(MissingAuthenticationToken) as raised:
        route(context(served, verb, path), SERVICES)
    assert raised.value.status_code == 403


# map_request: HTTP_PROXY


PROXY = Integration(
    type="HTTP_PROXY",
    http_method="ANY",
    uri="http://backend:8080/base/{proxy}",
    request_parameters={"integration.request.path.proxy": "method.request.path.proxy"},
)


async def test_http_proxy_passes_path_query_headers_body_and_appends_x_forwarded_for() -> None:
    served = one_method("/{proxy+}", "ANY", PROXY)
    headers = [("Host", "api.local"), ("X-Forwarded-For", "198.51.100.1"), ("X-Custom", "v")]
    request = await mapped(
        served, "POST", "/a/b%20c?x=1&x=2&y=z%26", [*headers, ("Connection", "close")], b"hi"
    )
    assert (request.method, request.url, request.body, request.timeout_s) == (
        "POST",
        "http://backend:8080/base/a/b%20c?x=1&x=2&y=z%26",
        b"hi",
        29.0,
    )
    assert request.headers[:-1] == [
        ("X-Custom", "v"),
        ("X-Forwarded-For", "198.51.100.1, 203.0.113.9"),
        ("X-Forwarded-Proto", "http"),
        ("X-Forwarded-Port", "80"),
        ("X-Amzn-Apigateway-Api-Id", API_ID),
    ]
    assert request.headers[-1][0] == "X-Amzn-Trace-Id"


async def test_http_proxy_without_client_x_forwarded_for_sends_the_source_ip() -> None:
    served = one_method("/{proxy+}", "ANY", PROXY)
    request = await mapped(served, "GET", "/x")
    assert request.headers[:3] == [
        ("X-Forwarded-For", CLIENT_IP),
        ("X-Forwarded-Proto", "http"),
        ("X-Forwarded-Port", "80"),
    ]


async def test_http_proxy_integration_http_method_overrides_the_request_method() -> None:
    integration = Integration(type="HTTP_PROXY", http_method="PUT", uri="http://backend/fixed")
    request = await mapped(one_method("/r", "POST", integration), "POST", "/r")
    assert (request.method, request.url) == ("PUT", "http://backend/fixed")


# map_request: HTTP (non-proxy)


def http(**fields: object) -> Integration:
    base: dict[str, object] = {"type": "HTTP", "http_method": "POST", "uri": "http://backend/items"}
    base.update(fields)
    return Integration(**base)  # type: ignore[arg-type]


async def test_http_sends_only_mapped_headers_plus_aws_user_agent_and_accept() -> None:
    integration = http(
        request_parameters={"integration.request.header.X-Trace": "method.request.header.x-trace-id"}
    )
    client = [("X-Trace-Id", "t1"), ("Cookie", "c=1"), ("Content-Type", "application/json")]
    request = await mapped(one_method("/r", "POST", integration), "POST", "/r", client, b'{"a":1}')
    assert request.headers[:-1] == [
        ("User-Agent", f"AmazonAPIGateway_{API_ID}"),
        ("Accept", "application/json"),
        ("Content-Type", "application/json"),
        ("X-Trace", "t1"),
        ("X-Amzn-Apigateway-Api-Id", API_ID),
    ]
    assert request.headers[-1][0] == "X-Amzn-Trace-Id"
    assert (request.method, request.url, request.body) == ("POST", "http://backend/items", b'{"a":1}')


TEMPLATES = {"application/json": "json:$input.json('$.a')", "application/xml": "xml:$input.body"}


async def test_http_request_template_is_chosen_by_content_type_without_parameters() -> None:
    served = one_method("/r", "POST", http(request_templates=TEMPLATES))
    headers = [("Content-Type", "Application/XML; charset=utf-8")]
    request = await mapped(served, "POST", "/r", headers, b"<a/>")
    assert request.body == b"xml:<a/>"
    assert ("Content-Type", "application/xml") in request.headers


async def test_http_request_without_content_type_uses_the_application_json_template() -> None:
    served = one_method("/r", "POST", http(request_templates=TEMPLATES))
    request = await mapped(served, "POST", "/r", [], b'{"a":[1,2]}')
    assert request.body == b"json:[1,2]"


@pytest.mark.parametrize(
    ("behavior", "templates", "content_type", "expected"),
    [
        ("WHEN_NO_MATCH", TEMPLATES, "text/plain", b"raw"),
        ("WHEN_NO_TEMPLATES", TEMPLATES, "text/plain", None),
        ("WHEN_NO_TEMPLATES", {}, "text/plain", b"raw"),
        ("NEVER", {}, "text/plain", None),
        ("NEVER", TEMPLATES, "application/xml", b"xml:raw"),
    ],
)
async def test_http_passthrough_behavior_for_an_unmapped_content_type(
    behavior: str, templates: dict[str, str], content_type: str, expected: bytes | None
) -> None:
    """WHEN_NO_MATCH passes through; WHEN_NO_TEMPLATES only with no templates; NEVER: 415."""
    served = one_method("/r", "POST", http(passthrough_behavior=behavior, request_templates=templates))
    headers = [("Content-Type", content_type)]
    if expected is None:
        with pytest.raises(UnsupportedMediaType):
            await mapped(served, "POST", "/r", headers, b"raw")
    else:
        assert (await mapped(served, "POST", "/r", headers, b"raw")).body == expected


async def test_stage_variables_are_substituted_in_the_uri() -> None:
    integration = http(uri="http://${stageVariables.host}/v1/${stageVariables.empty}x")
    served = snapshot(
        Resource("/r", {"GET": Method("GET", integration=integration)}),
        variables={"host": "backend.internal:9000", "empty": ""},
    )
    assert (await mapped(served, "GET", "/r")).url == "http://backend.internal:9000/v1/x"


async def test_undefined_stage_variable_in_the_uri_is_500_internal_server_error() -> None:
    integration = http(uri="http://${stageVariables.host}/v1/${stageVariables.missing}")
    served = snapshot(
        Resource("/r", {"GET": Method("GET", integration=integration)}),
        variables={"host": "backend.internal:9000"},
    )
    with pytest.raises(ApiConfigurationError) as caught:
        await mapped(served, "GET", "/r")
    assert (caught.value.status_code, caught.value.message) == (500, "Internal server error")
    assert caught.value.detail is not None and "missing" in caught.value.detail


async def test_path_parameter_is_percent_encoded_but_proxy_keeps_its_slashes() -> None:
    integration = http(
        http_method="GET",
        uri="http://b/f/{name}/{proxy}",
        request_parameters={
            "integration.request.path.name": "method.request.path.name",
            "integration.request.path.proxy": "method.request.path.proxy",
        },
    )
    served = one_method("/files/{name}/{proxy+}", "GET", integration)
    request = await mapped(served, "GET", "/files/a%2Fb%20c/d/e%20f")
    assert request.url == "http://b/f/a%2Fb%20c/d/e%20f"


async def test_querystring_header_and_path_mappings_build_the_integration_request() -> None:
    integration = http(
        http_method="GET",
        uri="http://b/items/{id}",
        request_parameters={
            "integration.request.path.id": "method.request.querystring.item",
            "integration.request.querystring.q": "method.request.querystring.search",
            "integration.request.querystring.v": "'2'",
            "integration.request.header.X-Stage": "context.stage",
            "integration.request.querystring.absent": "method.request.querystring.nope",
        },
    )
    served = one_method("/r", "GET", integration)
    request = await mapped(served, "GET", "/r?item=42&search=a%26b&other=x")
    assert request.url == "http://b/items/42?q=a%26b&v=2"
    assert request.headers[2:3] == [("X-Stage", "prod")]


async def test_integration_timeout_comes_from_timeout_in_millis() -> None:
    request = await mapped(one_method("/r", "GET", http(timeout_ms=1500)), "GET", "/r")
    assert request.timeout_s == 1.5


@pytest.mark.parametrize("kind", ["AWS", "AWS_PROXY"])
async def test_unserved_integration_type_is_an_api_configuration_error(kind: str) -> None:
    served = one_method("/r", "GET", Integration(type=kind, uri="arn:aws:apigateway:us-east-1:s3:path/b"))
    with pytest.raises(ApiConfigurationError):
        await mapped(served, "GET", "/r")


# integrate


class Recording:
    """A fake transport: records what it was asked and answers a fixed result."""

    def __init__(self, result: IntegrationResult) -> None:
        self.result = result
        self.requests: list[IntegrationRequest] = []

    async def call(self, request: IntegrationRequest) -> IntegrationResult:
        self.requests.append(request)
        return self.result


async def test_integrate_calls_the_transport_registered_for_the_integration_type() -> None:
    fake = Recording(IntegrationResult(202, [("X-A", "1")], b"done"))
    services = Services(integrations={"HTTP": fake}, clock=lambda: 0.0)
    ctx = context(one_method("/r", "GET", http(http_method="GET")), "GET", "/r")
    for stage in (parse, route, map_request):
        stage(ctx, services)
    await integrate(ctx, services)
    assert fake.requests == [ctx.integration_request]
    assert ctx.integration_result == IntegrationResult(202, [("X-A", "1")], b"done")


# map_response


def responding(*responses: IntegrationResponse) -> ServedStage:
    return one_method("/r", "GET", http(http_method="GET", responses=responses))


SELECTING = responding(
    IntegrationResponse("200"),
    IntegrationResponse("400", selection_pattern=r"4\d\d"),
    IntegrationResponse("418", selection_pattern="40"),
)


@pytest.mark.parametrize(("backend", "status"), [(404, 400), (500, 200), (201, 200), (40, 418)])
async def test_selection_pattern_must_match_the_whole_backend_status(backend: int, status: int) -> None:
    """AWS matches like Java String.matches: "40" does not select a 404; no match takes the default."""
    response = await answered(SELECTING, IntegrationResult(backend, [], b"{}"))
    assert response.status == status


async def test_no_matching_response_and_no_default_is_an_api_configuration_error() -> None:
    served = responding(IntegrationResponse("400", selection_pattern="4.."))
    with pytest.raises(ApiConfigurationError):
        await answered(served, IntegrationResult(200, [], b""))


async def test_response_parameters_map_backend_header_body_and_static_values() -> None:
    parameters = {
        "method.response.header.X-Up": "integration.response.header.x-upstream",
        "method.response.header.X-Static": "'fixed'",
        "method.response.header.X-Name": "integration.response.body.name",
        "method.response.header.X-Absent": "integration.response.header.nope",
    }
    served = responding(IntegrationResponse("200", response_parameters=parameters))
    result = IntegrationResult(200, [("X-Upstream", "u1"), ("Content-Type", "text/plain")], b'{"name":"rex"}')
    response = await answered(served, result)
    assert response.headers == [
        ("X-Up", "u1"),
        ("X-Static", "fixed"),
        ("X-Name", "rex"),
        ("Content-Type", "application/json"),
    ]
    assert response.body == b'{"name":"rex"}'


RESPONSE_TEMPLATES = {
    "text/plain": "name=$input.path('$.name')",
    "application/json": '{"n":"$input.path(\'$.name\')"}',
}


@pytest.mark.parametrize(
    ("accept", "body", "content_type"),
    [
        ("text/plain, application/json", b"name=rex", "text/plain"),
        ("application/json, text/plain", b'{"n":"rex"}', "application/json"),
        ("text/html", b'{"n":"rex"}', "application/json"),
        (None, b'{"n":"rex"}', "application/json"),
    ],
)
async def test_response_template_by_first_accept_type_else_application_json(
    accept: str | None, body: bytes, content_type: str
) -> None:
    served = responding(IntegrationResponse("200", response_templates=RESPONSE_TEMPLATES))
    headers = [("Accept", accept)] if accept else []
    response = await answered(served, IntegrationResult(200, [], b'{"name":"rex"}'), headers)
    assert (response.body, response.headers) == (body, [("Content-Type", content_type)])


async def test_http_proxy_response_remaps_server_date_and_content_length() -> None:
    served = one_method("/r", "GET", Integration(type="HTTP_PROXY", http_method="GET", uri="http://b/"))
    remapped = [("Server", "up"), ("Date", "Mon, 01 Jan 2024 00:00:00 GMT"), ("Content-Length", "5")]
    kept = [("X-Other", "o"), ("Content-Type", "text/plain")]
    backend = [*remapped, ("Transfer-Encoding", "chunked"), *kept]
    response = await answered(served, IntegrationResult(201, backend, b"hello"))
    assert (response.status, response.body) == (201, b"hello")
    assert response.headers == [(f"x-amzn-Remapped-{k}", v) for k, v in remapped] + kept


# on_error


async def test_on_error_renders_the_apis_custom_gateway_response() -> None:
    custom = GatewayResponse(
        "MISSING_AUTHENTICATION_TOKEN",
        status_code="404",
        response_parameters={"gatewayresponse.header.X-Why": "'no-route'"},
        response_templates={
            "application/json": '{"error":"$context.error.message","stage":"$context.stage"}'
        },
    )
    served = snapshot(Resource("/r", {"GET": Method("GET")}), gateway_responses=(custom,))
    ctx = context(served, "GET", "/missing")
    error = MissingAuthenticationToken()
    on_error(ctx, error, SERVICES)
    assert ctx.error is error
    assert ctx.response == Response(
        404,
        [
            ("Content-Type", "application/json"),
            ("X-Why", "no-route"),
            ("x-amzn-ErrorType", "MissingAuthenticationTokenException"),
        ],
        b'{"error":"Missing Authentication Token","stage":"prod"}',
    )


@pytest.mark.parametrize(
    ("error", "status", "body"),
    [
        (UnsupportedMediaType(), 415, b'{"message": "Unsupported Media Type"}'),
        (MissingAuthenticationToken(), 403, b'{"message":"Missing Authentication Token"}'),
    ],
)
async def test_on_error_without_a_stage_uses_aws_default_gateway_responses(
    error: GatewayError, status: int, body: bytes
) -> None:
    ctx = context(None, "GET", "/x")
    on_error(ctx, error, SERVICES)
    assert ctx.response is not None
    assert (ctx.response.status, ctx.response.body) == (status, body)


# respond


@pytest.mark.parametrize(("verb", "body"), [("GET", b"ok"), ("HEAD", b"")])
async def test_respond_adds_request_id_headers_and_head_has_no_body(verb: str, body: bytes) -> None:
    ctx = context(None, verb)
    ctx.response = Response(200, [("Content-Type", "text/plain")], b"ok")
    respond(ctx, SERVICES)
    assert ctx.response.body == body
    assert ctx.response.headers == [
        ("Content-Type", "text/plain"),
        ("x-amzn-RequestId", "req-1"),
        ("x-amz-apigw-id", "ext-1="),
    ]


async def test_respond_without_a_response_answers_500_internal_server_error() -> None:
    ctx = context(None)
    respond(ctx, SERVICES)
    assert ctx.response is not None
    assert (ctx.response.status, ctx.response.body) == (500, b'{"message": "Internal server error"}')
