"""HTTP APIs (API Gateway v2) through the real `tollway serve`, as AWS documents them:
addressing of the `$default` and named stages beside REST APIs, routes, the payload 2.0 and
1.0 events, 2.0 response inference, integration timeouts, CORS, JWT and Lambda authorizers,
route throttling, the 10 MB limit and HTTP_PROXY integrations with parameter mapping.

The fixture is tests/fixtures/http_api (a SAM HttpApi and an AWS::ApiGatewayV2 proxy API),
served together with a REST API (examples/petstore). Real servers on loopback stand in for
the OIDC issuer (discovery document, and the JWKS on a path of its own) and for the proxy's
upstream (which records what it received). Handlers append their name to an invocation log
(the template's InvocationLog parameter), so tests can count calls.
"""

from __future__ import annotations

import base64
import json
import re
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from support import EXAMPLES, REPO, Running, run_cli, start_server

FIXTURE = REPO / "tests" / "fixtures" / "http_api"
TEMPLATE = FIXTURE / "template.yaml"
REST_API = EXAMPLES / "petstore" / "openapi.yaml"
TEMPLATE_ISSUER = "https://issuer.example.com"  # the template's default Issuer
AUDIENCE = "tollway-app"
KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
OTHER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
JWKS_PATH = "/oauth2/v1/keys"  # not /.well-known/jwks.json: the discovery document names it
DISCOVERY_PATH = "/.well-known/openid-configuration"
APP_ORIGIN = "https://app.example.com"

NOT_FOUND = {"message": "Not Found"}
UNAUTHORIZED = {"message": "Unauthorized"}
FORBIDDEN = {"message": "Forbidden"}
INTERNAL = {"message": "Internal Server Error"}
TIMEOUT = 30


# --- servers on loopback -------------------------------------------------------------------


class OidcIssuer:
    """An OpenID Connect issuer: ``/.well-known/openid-configuration`` names the issuer and a
    ``jwks_uri`` elsewhere, where the public key of ``KEY`` is served as kid ``k1``. Records
    every path asked for."""

    def __init__(self) -> None:
        self.paths: list[str] = []
        jwk = json.loads(RSAAlgorithm.to_jwk(KEY.public_key()))
        keys = json.dumps({"keys": [{**jwk, "kid": "k1", "alg": "RS256", "use": "sig"}]}).encode()
        issuer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                issuer.paths.append(self.path)
                if self.path == DISCOVERY_PATH:
                    body = json.dumps(
                        {
                            "issuer": issuer.url,
                            "jwks_uri": issuer.url + JWKS_PATH,
                            "authorization_endpoint": issuer.url + "/authorize",
                            "token_endpoint": issuer.url + "/token",
                            "response_types_supported": ["code"],
                            "subject_types_supported": ["public"],
                            "id_token_signing_alg_values_supported": ["RS256"],
                        }
                    ).encode()
                elif self.path == JWKS_PATH:
                    body = keys
                else:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def token(self, key: Any = KEY, kid: str = "k1", drop: tuple[str, ...] = (), **claims: Any) -> str:
        """A token signed by ``key``: good claims, ``claims`` added or replacing, ``drop`` left out."""
        now = int(time.time())
        body = {
            "sub": "user-42",
            "email": "ann@example.com",
            "iss": self.url,
            "aud": AUDIENCE,
            "iat": now,
            "nbf": now - 5,
            "exp": now + 600,
            **claims,
        }
        for name in drop:
            body.pop(name)
        return str(jwt.encode(body, key, algorithm="RS256", headers={"kid": kid}))


@dataclass
class Received:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes


class RecordingUpstream:
    """The proxy API's backend: records each request; ``.../status/NNN`` answers NNN, every
    answer is JSON naming the path, with headers ``x-upstream: yes`` and ``x-reply: r1``."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        upstream = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                url = urlsplit(self.path)
                upstream.received.append(
                    Received(
                        self.command,
                        url.path,
                        parse_qs(url.query, keep_blank_values=True),
                        {k.lower(): v for k, v in self.headers.items()},
                        body,
                    )
                )
                found = re.search(r"/status/(\d{3})$", url.path)
                status = int(found.group(1)) if found else 200
                answer = json.dumps({"seen": url.path}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.send_header("x-upstream", "yes")
                self.send_header("x-reply", "r1")
                self.end_headers()
                self.wfile.write(answer)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle

            def log_message(self, format: str, *args: object) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@dataclass
class Gateway:
    running: Running
    invocations: Path
    api_id: str  # the SAM HttpApi (its $default stage)
    proxy_id: str  # the AWS::ApiGatewayV2 proxy API (stage live)
    listed: list[list[str]]  # `tollway apis list`, split on tabs

    @property
    def url(self) -> str:
        return self.running.url

    def calls(self, handler: str) -> int:
        """How many times ``handler`` of the fixture's app.py has run so far."""
        if not self.invocations.exists():
            return 0
        return self.invocations.read_text(encoding="utf-8").split().count(handler)

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return httpx.get(self.url + path, timeout=TIMEOUT, **kwargs)


@pytest.fixture(scope="module")
def issuer() -> Iterator[OidcIssuer]:
    running = OidcIssuer()
    yield running
    running.server.shutdown()


@pytest.fixture(scope="module")
def backend() -> Iterator[RecordingUpstream]:
    running = RecordingUpstream()
    yield running
    running.server.shutdown()


@pytest.fixture(scope="module")
def gateway(
    issuer: OidcIssuer, backend: RecordingUpstream, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Gateway]:
    folder: Path = tmp_path_factory.mktemp("http_api")
    invocations = folder / "invocations.log"
    running = start_server(
        TEMPLATE,
        folder,
        str(REST_API),
        "--parameter-overrides",
        f"Issuer={issuer.url}",
        f"UpstreamUrl={backend.url}",
        f"InvocationLog={invocations}",
    )
    try:
        done = run_cli("--store", running.store, "apis", "list")
        assert done.returncode == 0, done.stderr
        listed = [line.split("\t") for line in done.stdout.splitlines() if line.strip()]
        by_name = {row[1]: row[0] for row in listed if len(row) >= 2}
        yield Gateway(running, invocations, by_name["http_api"], by_name["proxy"], listed)
    finally:
        running.stop()


def event(answer: httpx.Response) -> dict[str, Any]:
    """The event the echo handler got (its answer's body)."""
    assert answer.status_code == 200, (answer.status_code, answer.text)
    got: dict[str, Any] = json.loads(answer.text)
    return got


def host(api_id: str, running: Running) -> dict[str, str]:
    return {"Host": f"{api_id}.execute-api.localhost:{running.port}"}


# --- addressing ----------------------------------------------------------------------------


def test_the_only_default_stage_is_served_without_a_stage_prefix(gateway: Gateway) -> None:
    """AWS: the $default stage is served from the base of the API's URL, no stage segment."""
    got = event(gateway.get("/echo/plain"))
    assert (got["routeKey"], got["rawPath"]) == ("GET /echo/{id}", "/echo/plain")
    assert got["requestContext"]["apiId"] == gateway.api_id
    assert got["requestContext"]["stage"] == "$default"


def test_the_default_stage_answers_on_its_execute_api_host(gateway: Gateway) -> None:
    """AWS: https://{apiId}.execute-api.{region}.amazonaws.com/{path} for $default; the
    domain name and prefix in the event are the host's."""
    got = event(gateway.get("/echo/hosted", headers=host(gateway.api_id, gateway.running)))
    context = got["requestContext"]
    assert (got["rawPath"], context["apiId"], context["stage"]) == (
        "/echo/hosted",
        gateway.api_id,
        "$default",
    )
    assert context["domainName"] == f"{gateway.api_id}.execute-api.localhost"
    assert context["domainPrefix"] == gateway.api_id


def test_a_named_stage_is_served_under_its_name(gateway: Gateway, backend: RecordingUpstream) -> None:
    """AWS: a stage other than $default is the first path segment: /live/{path}."""
    answer = gateway.get("/live/api/where")
    assert answer.status_code == 200, answer.text
    assert backend.received[-1].path == "/backend/where"
    hosted = gateway.get("/live/api/there", headers=host(gateway.proxy_id, gateway.running))
    assert hosted.status_code == 200, hosted.text
    assert backend.received[-1].path == "/backend/there"


SECOND_HTTP_API = """\
Transform: AWS::Serverless-2016-10-31
Resources:
  Second:
    Type: AWS::Serverless::HttpApi
  Who:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.11
      CodeUri: {code}
      Handler: app.echo
      Events:
        Who:
          Type: HttpApi
          Properties:
            ApiId: !Ref Second
            Path: /who
            Method: GET
"""


def test_two_default_stages_are_served_by_host_only(tmp_path: Path) -> None:
    """The stage-less loopback address belongs to the only $default stage: with two, each
    answers on its own {apiId}.execute-api host and neither on the bare address."""
    second = tmp_path / "second.yaml"
    second.write_text(SECOND_HTTP_API.format(code=FIXTURE / "src"), encoding="utf-8")
    running = start_server(TEMPLATE, tmp_path, str(second))
    try:
        done = run_cli("--store", running.store, "apis", "list")
        assert done.returncode == 0, done.stderr
        rows = [line.split("\t") for line in done.stdout.splitlines() if line.strip()]
        first_id = next(row[0] for row in rows if row[1] == "http_api")
        second_id = next(row[0] for row in rows if "second.yaml" in row[2])
        url = running.url
        first = event(httpx.get(f"{url}/echo/1", headers=host(first_id, running), timeout=TIMEOUT))
        assert (first["requestContext"]["apiId"], first["routeKey"]) == (first_id, "GET /echo/{id}")
        other = event(httpx.get(f"{url}/who", headers=host(second_id, running), timeout=TIMEOUT))
        assert (other["requestContext"]["apiId"], other["routeKey"]) == (second_id, "GET /who")
        for path in ("/echo/1", "/who"):
            bare = httpx.get(url + path, timeout=TIMEOUT)
            assert (bare.status_code, bare.json()) == (403, {"message": "Missing Authentication Token"})
    finally:
        running.stop()


def test_rest_apis_are_served_side_by_side(gateway: Gateway) -> None:
    """A REST API in the same serve keeps its /{stage}/{path} addressing."""
    answer = gateway.get("/prod/pets")
    assert answer.status_code == 200, answer.text
    assert [pet["type"] for pet in answer.json()] == ["dog", "cat", "fish"]


def test_apis_list_shows_rest_and_http_apis(gateway: Gateway) -> None:
    kinds = {row[1]: row[3] for row in gateway.listed if len(row) >= 4}
    assert kinds == {"http_api": "HTTP", "proxy": "HTTP", "PetStore": "REST"}


# --- routing -------------------------------------------------------------------------------


def test_a_path_variable_is_in_path_parameters(gateway: Gateway) -> None:
    got = event(gateway.get("/echo/abc-1"))
    assert got["routeKey"] == "GET /echo/{id}"
    assert got["pathParameters"] == {"id": "abc-1"}


def test_a_greedy_path_variable_takes_the_rest_of_the_path(gateway: Gateway) -> None:
    got = event(httpx.delete(f"{gateway.url}/files/a/b/c.txt", timeout=TIMEOUT))
    assert got["routeKey"] == "ANY /files/{proxy+}"
    assert got["pathParameters"] == {"proxy": "a/b/c.txt"}
    assert got["requestContext"]["http"]["method"] == "DELETE"


def test_the_default_route_catches_unmatched_paths_and_methods(gateway: Gateway) -> None:
    """AWS: requests that match no route go to the $default route (routeKey "$default")."""
    got = event(gateway.get("/nowhere/at/all"))
    assert (got["routeKey"], got["requestContext"]["routeKey"]) == ("$default", "$default")
    assert got["rawPath"] == "/nowhere/at/all"
    # GET /echo/{id} exists, PUT /echo/{id} does not: $default
    put = event(httpx.put(f"{gateway.url}/echo/1", content=b"{}", timeout=TIMEOUT))
    assert put["routeKey"] == "$default"
    # paths are case-sensitive; a greedy variable needs at least one character
    assert event(gateway.get("/ECHO/1"))["routeKey"] == "$default"
    assert event(gateway.get("/files"))["routeKey"] == "$default"


def test_a_method_specific_route_beats_any(gateway: Gateway) -> None:
    """AWS: of GET /pick and ANY /pick, a GET goes to GET /pick, a POST to ANY /pick."""
    assert event(gateway.get("/pick"))["routeKey"] == "GET /pick"
    posted = event(httpx.post(f"{gateway.url}/pick", content=b"x", timeout=TIMEOUT))
    assert posted["routeKey"] == "ANY /pick"


def test_no_route_and_no_default_route_is_404_not_found(gateway: Gateway) -> None:
    """AWS: an HTTP API without a $default route answers 404 {"message":"Not Found"}."""
    answer = gateway.get("/live/nothing")
    assert (answer.status_code, answer.json()) == (404, NOT_FOUND)
    assert answer.headers["apigw-requestid"]  # on the gateway's own answers too


# --- the payload 2.0 event -----------------------------------------------------------------


def test_the_payload_2_event_describes_the_request_as_aws_does(gateway: Gateway) -> None:
    headers = [
        ("Host", f"{gateway.api_id}.execute-api.localhost:{gateway.running.port}"),
        ("User-Agent", "tollway-e2e/1.0"),
        ("X-Dup", "one"),
        ("X-Dup", "two"),
        ("Cookie", "c1=v1; c2=v2"),
    ]
    answer = httpx.get(f"{gateway.url}/echo/42?a=1&a=2&b=x", headers=headers, timeout=TIMEOUT)
    got = event(answer)
    assert got["version"] == "2.0"
    assert got["routeKey"] == "GET /echo/{id}"
    assert (got["rawPath"], got["rawQueryString"]) == ("/echo/42", "a=1&a=2&b=x")
    assert got["cookies"] == ["c1=v1", "c2=v2"]
    assert all(name == name.lower() for name in got["headers"]), got["headers"]
    assert got["headers"]["x-dup"] == "one,two"  # duplicates comma-joined
    assert got["headers"]["user-agent"] == "tollway-e2e/1.0"
    assert got["queryStringParameters"] == {"a": "1,2", "b": "x"}  # repeated keys comma-joined
    assert got["pathParameters"] == {"id": "42"}
    assert got["stageVariables"] == {"color": "blue"}
    context = got["requestContext"]
    assert context["http"] == {
        "method": "GET",
        "path": "/echo/42",
        "protocol": "HTTP/1.1",
        "sourceIp": "127.0.0.1",
        "userAgent": "tollway-e2e/1.0",
    }
    assert context["requestId"] and context["requestId"] == answer.headers["apigw-requestid"]
    assert (context["routeKey"], context["stage"]) == ("GET /echo/{id}", "$default")
    assert re.fullmatch(r"\d{2}/[A-Z][a-z]{2}/\d{4}:\d{2}:\d{2}:\d{2} \+0000", context["time"]), context
    assert isinstance(context["timeEpoch"], int)
    # the two spellings of the request time agree (to the second)
    assert (
        datetime.strptime(context["time"], "%d/%b/%Y:%H:%M:%S %z").timestamp() == context["timeEpoch"] // 1000
    )
    assert context["domainName"] == f"{gateway.api_id}.execute-api.localhost"
    assert (context["domainPrefix"], context["apiId"]) == (gateway.api_id, gateway.api_id)
    assert re.fullmatch(r"\d{12}", context["accountId"]), context
    assert got["isBase64Encoded"] is False


def test_a_text_body_arrives_as_is_and_a_binary_one_base64_encoded(gateway: Gateway) -> None:
    """AWS payload 2.0: a JSON body is passed as text (isBase64Encoded false); an
    application/octet-stream body is base64-encoded (isBase64Encoded true)."""
    text = '{"name": "ann", "n": 1}'
    got = event(
        httpx.post(
            f"{gateway.url}/echo", content=text, headers={"Content-Type": "application/json"}, timeout=TIMEOUT
        )
    )
    assert got["routeKey"] == "POST /echo"
    assert (got["body"], got["isBase64Encoded"]) == (text, False)
    raw = b"\x00\x01\x02\xfe\xff"
    got = event(
        httpx.post(
            f"{gateway.url}/echo",
            content=raw,
            headers={"Content-Type": "application/octet-stream"},
            timeout=TIMEOUT,
        )
    )
    assert got["isBase64Encoded"] is True
    assert base64.b64decode(got["body"]) == raw


def test_payload_1_0_on_an_http_api_route(gateway: Gateway) -> None:
    """AWS: PayloadFormatVersion 1.0 sends the REST-shaped event, version "1.0", resource
    the route's path, requestContext.resourceId null."""
    headers = [("X-Dup", "one"), ("X-Dup", "two"), ("User-Agent", "tollway-e2e/1.0")]
    answer = httpx.get(f"{gateway.url}/v1/ann?a=1&a=2&b=x", headers=headers, timeout=TIMEOUT)
    got = event(answer)
    assert got["version"] == "1.0"
    assert (got["resource"], got["path"], got["httpMethod"]) == ("/v1/{name}", "/v1/ann", "GET")
    assert got["pathParameters"] == {"name": "ann"}
    assert got["multiValueQueryStringParameters"] == {"a": ["1", "2"], "b": ["x"]}
    assert got["queryStringParameters"]["b"] == "x"
    multi = {name.lower(): values for name, values in got["multiValueHeaders"].items()}
    assert multi["x-dup"] == ["one", "two"]
    assert got["stageVariables"] == {"color": "blue"}
    assert got["isBase64Encoded"] is False
    context = got["requestContext"]
    assert "resourceId" in context and context["resourceId"] is None
    assert (context["resourcePath"], context["httpMethod"], context["path"]) == (
        "/v1/{name}",
        "GET",
        "/v1/ann",
    )
    assert context["stage"] == "$default"
    assert context["requestId"] == answer.headers["apigw-requestid"]
    assert context["identity"]["sourceIp"] == "127.0.0.1"
    assert context["identity"]["userAgent"] == "tollway-e2e/1.0"


# --- payload 2.0 responses -----------------------------------------------------------------


def test_a_dict_without_status_code_is_200_json_of_it(gateway: Gateway) -> None:
    """AWS 2.0 inference: valid JSON without statusCode -> 200, application/json, the
    function's answer as the body."""
    answer = gateway.get("/shapes/dict")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/json")
    assert answer.json() == {"hello": "world"}


def test_a_string_answer_is_the_body(gateway: Gateway) -> None:
    answer = gateway.get("/shapes/string")
    assert (answer.status_code, answer.text) == (200, "just text")
    assert answer.headers["content-type"].startswith("application/json")


def test_cookies_become_set_cookie_headers(gateway: Gateway) -> None:
    answer = gateway.get("/shapes/cookies")
    assert (answer.status_code, answer.text) == (201, "set")
    assert answer.headers.get_list("set-cookie") == ["a=1; Path=/", "b=2"]


def test_a_base64_body_is_decoded_to_bytes(gateway: Gateway) -> None:
    answer = gateway.get("/shapes/binary")
    assert (answer.status_code, answer.content) == (200, b"\x00\x01\x02\xff")
    assert answer.headers["content-type"] == "application/octet-stream"


@pytest.mark.parametrize("kind", ["malformed", "explode"])
def test_a_malformed_answer_or_an_exception_is_500(gateway: Gateway, kind: str) -> None:
    """AWS: a function error or an answer API Gateway cannot read is 500
    {"message":"Internal Server Error"}."""
    answer = gateway.get(f"/shapes/{kind}")
    assert (answer.status_code, answer.json()) == (500, INTERNAL)


def test_an_integration_timeout_is_503_before_the_handler_finishes(gateway: Gateway) -> None:
    """AWS HTTP APIs: past TimeoutInMillis (500 ms here; the handler sleeps 3 s) the client
    gets 503 {"message":"Service Unavailable"}."""
    started = time.monotonic()
    answer = gateway.get("/slow")
    elapsed = time.monotonic() - started
    assert (answer.status_code, answer.json()) == (503, {"message": "Service Unavailable"})
    assert elapsed < 2.5, elapsed


# --- CORS ----------------------------------------------------------------------------------


def _names(value: str) -> set[str]:
    return {part.strip().lower() for part in value.split(",") if part.strip()}


def test_a_preflight_no_route_takes_is_answered_by_the_gateway(
    gateway: Gateway, backend: RecordingUpstream
) -> None:
    """AWS: with a CorsConfiguration, API Gateway answers a preflight OPTIONS that no route
    takes itself, 204 with the configured Access-Control-Allow-* (the proxy API: no
    $default route, and ANY /api/{proxy+} does not cover /nothing)."""
    before = len(backend.received)
    answer = httpx.options(
        f"{gateway.url}/live/nothing",
        headers={
            "Origin": APP_ORIGIN,
            "Access-Control-Request-Method": "PUT",
            "Access-Control-Request-Headers": "x-client",
        },
        timeout=TIMEOUT,
    )
    assert answer.status_code == 204, answer.text
    assert answer.headers["access-control-allow-origin"] == APP_ORIGIN
    assert _names(answer.headers["access-control-allow-methods"]) == {"get", "put"}
    assert _names(answer.headers["access-control-allow-headers"]) == {"x-client"}
    assert answer.headers["access-control-max-age"] == "300"
    assert answer.headers["access-control-allow-credentials"] == "true"
    assert answer.content == b""
    assert len(backend.received) == before  # no integration ran


def test_a_preflight_a_route_takes_goes_to_that_route(gateway: Gateway) -> None:
    """AWS: "The $default route catches requests for all methods and routes that you haven't
    explicitly defined, including OPTIONS requests" (hence AWS's advice of an unauthorized
    OPTIONS /{proxy+} route beside an authorized $default). The integration's answer gets
    the configured CORS headers. GET /me's JWT authorizer is not asked: OPTIONS /me is
    $default's."""
    for path in ("/echo/1", "/me"):
        before = gateway.calls("echo")
        answer = httpx.options(
            gateway.url + path,
            headers={"Origin": APP_ORIGIN, "Access-Control-Request-Method": "GET"},
            timeout=TIMEOUT,
        )
        got = event(answer)
        assert (got["routeKey"], got["requestContext"]["http"]["method"]) == ("$default", "OPTIONS")
        assert gateway.calls("echo") == before + 1
        assert answer.headers["access-control-allow-origin"] == APP_ORIGIN
        assert answer.headers["access-control-allow-credentials"] == "true"


def test_a_cors_request_from_an_allowed_origin_gets_the_cors_headers(gateway: Gateway) -> None:
    answer = gateway.get("/echo/1", headers={"Origin": APP_ORIGIN})
    assert answer.status_code == 200
    assert answer.headers["access-control-allow-origin"] == APP_ORIGIN
    assert _names(answer.headers["access-control-expose-headers"]) == {"x-trace"}
    assert answer.headers["access-control-allow-credentials"] == "true"
    assert answer.headers["x-trace"] == "t-1"


def test_a_disallowed_origin_gets_no_cors_headers(gateway: Gateway) -> None:
    answer = gateway.get("/echo/1", headers={"Origin": "https://evil.example"})
    assert answer.status_code == 200
    assert [name for name in answer.headers if name.lower().startswith("access-control-")] == []


# --- JWT authorizer ------------------------------------------------------------------------


def test_a_valid_jwt_passes_with_its_claims_in_the_event(gateway: Gateway, issuer: OidcIssuer) -> None:
    """AWS: the JWT authorizer validates the token (kid, iss, aud, exp) and passes its
    claims in requestContext.authorizer.jwt; the Bearer prefix is optional."""
    for value in ("Bearer " + issuer.token(), issuer.token()):
        got = event(gateway.get("/me", headers={"Authorization": value}))
        claims = got["requestContext"]["authorizer"]["jwt"]["claims"]
        assert (claims["sub"], claims["email"], claims["iss"]) == ("user-42", "ann@example.com", issuer.url)
        assert "scopes" in got["requestContext"]["authorizer"]["jwt"]


def test_the_issuers_keys_come_through_its_discovery_document(gateway: Gateway, issuer: OidcIssuer) -> None:
    """AWS: the keys are found from {issuer}/.well-known/openid-configuration's jwks_uri
    (here a path of its own, not /.well-known/jwks.json, which this issuer does not serve)."""
    assert gateway.get("/me", headers={"Authorization": issuer.token()}).status_code == 200
    assert DISCOVERY_PATH in issuer.paths
    assert JWKS_PATH in issuer.paths
    assert issuer.paths.index(DISCOVERY_PATH) < issuer.paths.index(JWKS_PATH)


def test_a_jwt_may_name_the_audience_in_client_id(gateway: Gateway, issuer: OidcIssuer) -> None:
    """AWS: the token's aud or client_id must match one of the audience entries (Cognito
    access tokens carry client_id, no aud); aud may be a list."""
    access = issuer.token(drop=("aud",), client_id=AUDIENCE, token_use="access")
    got = event(gateway.get("/me", headers={"Authorization": access}))
    assert got["requestContext"]["authorizer"]["jwt"]["claims"]["client_id"] == AUDIENCE
    listed = issuer.token(aud=["another", AUDIENCE])
    assert gateway.get("/me", headers={"Authorization": listed}).status_code == 200


BAD_JWTS = [
    "missing",
    "garbage",
    "wrong audience",
    "expired",
    "not yet valid",
    "bad signature",
    "other issuer",
    "unknown kid",
    "alg none",
]


def _unsigned(issuer: OidcIssuer) -> str:
    """The right claims with alg none and no signature."""
    now = int(time.time())
    head = {"alg": "none", "kid": "k1", "typ": "JWT"}
    claims = {"sub": "user-42", "iss": issuer.url, "aud": AUDIENCE, "iat": now, "exp": now + 600}
    return ".".join(_b64(json.dumps(part).encode()) for part in (head, claims)) + "."


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@pytest.mark.parametrize("bad", BAD_JWTS)
def test_bad_jwts_are_401_unauthorized(gateway: Gateway, issuer: OidcIssuer, bad: str) -> None:
    now = int(time.time())
    tokens: dict[str, str | None] = {
        "missing": None,
        "garbage": "not.a.jwt",
        "wrong audience": issuer.token(aud="someone-else"),
        "expired": issuer.token(iat=now - 7200, nbf=now - 7200, exp=now - 3600),
        "bad signature": issuer.token(key=OTHER_KEY),
        "other issuer": issuer.token(iss="https://evil.example.com"),
        "unknown kid": issuer.token(kid="rotated-away"),
        "not yet valid": issuer.token(nbf=now + 3600),
        "alg none": _unsigned(issuer),
    }
    token = tokens[bad]
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    answer = gateway.get("/me", headers=headers)
    assert (answer.status_code, answer.json()) == (401, UNAUTHORIZED)


def test_a_route_with_authorization_scopes_needs_one_of_them(gateway: Gateway, issuer: OidcIssuer) -> None:
    """AWS: AuthorizationScopes [admin]: a valid token whose scope claim lacks it is 403
    {"message":"Forbidden"}; one with it passes, its scopes in the event."""
    without = gateway.get("/admin", headers={"Authorization": "Bearer " + issuer.token(scope="read")})
    assert (without.status_code, without.json()) == (403, FORBIDDEN)
    none = gateway.get("/admin", headers={"Authorization": "Bearer " + issuer.token()})
    assert (none.status_code, none.json()) == (403, FORBIDDEN)
    got = event(
        gateway.get("/admin", headers={"Authorization": "Bearer " + issuer.token(scope="read admin")})
    )
    assert sorted(got["requestContext"]["authorizer"]["jwt"]["scopes"]) == ["admin", "read"]
    assert got["requestContext"]["authorizer"]["jwt"]["claims"]["sub"] == "user-42"


@pytest.fixture(scope="module")
def mapped(issuer: OidcIssuer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    """The template as written (Issuer https://issuer.example.com), with that issuer served
    from the local one by --jwt-issuer."""
    running = start_server(
        TEMPLATE,
        tmp_path_factory.mktemp("http_api_mapped"),
        "--jwt-issuer",
        f"{TEMPLATE_ISSUER}={issuer.url}",
    )
    yield running
    running.stop()


def test_jwt_issuer_serves_the_templates_issuer_from_a_local_one(mapped: Running, issuer: OidcIssuer) -> None:
    """`--jwt-issuer ISSUER=LOCAL`: keys come from LOCAL's discovery, tokens name LOCAL."""
    answer = httpx.get(f"{mapped.url}/me", headers={"Authorization": issuer.token()}, timeout=TIMEOUT)
    got = event(answer)
    assert got["requestContext"]["authorizer"]["jwt"]["claims"]["iss"] == issuer.url
    other = httpx.get(
        f"{mapped.url}/me", headers={"Authorization": issuer.token(iss="https://evil.example.com")}
    )
    assert (other.status_code, other.json()) == (401, UNAUTHORIZED)
    unsigned = httpx.get(f"{mapped.url}/me", headers={"Authorization": issuer.token(key=OTHER_KEY)})
    assert (unsigned.status_code, unsigned.json()) == (401, UNAUTHORIZED)


# --- Lambda authorizers --------------------------------------------------------------------


def test_a_missing_identity_source_is_401_without_calling_the_authorizer(gateway: Gateway) -> None:
    """AWS: when an identity source is missing, API Gateway answers 401 and does not call
    the authorizer."""
    before = gateway.calls("gatekeeper")
    answer = gateway.get("/gated")
    assert (answer.status_code, answer.json()) == (401, UNAUTHORIZED)
    assert gateway.calls("gatekeeper") == before


def test_a_simple_response_authorizer_allows_with_its_context(gateway: Gateway) -> None:
    """AWS: isAuthorized true -> the route runs, the authorizer's context in
    requestContext.authorizer.lambda."""
    got = event(gateway.get("/gated", headers={"x-pass": "open-sesame"}))
    arn = f"arn:aws:execute-api:{'[a-z0-9-]+'}:\\d{{12}}:{gateway.api_id}/\\$default/GET/gated"
    lambda_context = got["requestContext"]["authorizer"]["lambda"]
    assert lambda_context["who"] == "ali"
    assert re.fullmatch(arn, lambda_context["seen"]), lambda_context


def test_a_simple_response_authorizer_denies_with_403(gateway: Gateway) -> None:
    """AWS: isAuthorized false -> 403 {"message":"Forbidden"}."""
    answer = gateway.get("/gated", headers={"x-pass": "guess-" + uuid.uuid4().hex})
    assert (answer.status_code, answer.json()) == (403, FORBIDDEN)


def test_an_authorizer_result_is_cached_by_its_identity_sources(gateway: Gateway) -> None:
    """AWS: ReauthorizeEvery 300 caches the result by the identity source values: the same
    x-pass does not call the authorizer again; another value does."""
    assert event(gateway.get("/gated", headers={"x-pass": "open-sesame"}))["requestContext"]["authorizer"]
    cached = gateway.calls("gatekeeper")
    assert cached >= 1
    for _ in range(3):
        got = event(gateway.get("/gated", headers={"x-pass": "open-sesame"}))
        assert got["requestContext"]["authorizer"]["lambda"]["who"] == "ali"
    assert gateway.calls("gatekeeper") == cached
    assert gateway.get("/gated", headers={"x-pass": "fresh-" + uuid.uuid4().hex}).status_code == 403
    assert gateway.calls("gatekeeper") == cached + 1


def test_a_payload_1_0_authorizer_answers_with_an_iam_policy(gateway: Gateway) -> None:
    """AWS: a 1.0 authorizer's Allow policy lets the request through (context in
    requestContext.authorizer.lambda), Deny is 403, a missing identity source 401;
    ReauthorizeEvery 0 calls it every time."""
    before = gateway.calls("policy_keeper")
    got = event(gateway.get("/policed?ticket=good"))
    assert got["requestContext"]["authorizer"]["lambda"]["tier"] == "gold"
    assert gateway.get("/policed?ticket=good").status_code == 200
    assert gateway.calls("policy_keeper") == before + 2
    denied = gateway.get("/policed?ticket=bad")
    assert (denied.status_code, denied.json()) == (403, FORBIDDEN)
    missing = gateway.get("/policed")
    assert (missing.status_code, missing.json()) == (401, UNAUTHORIZED)
    assert gateway.calls("policy_keeper") == before + 3


# --- throttling and limits -----------------------------------------------------------------


def test_route_throttling_answers_429_beyond_the_routes_burst(gateway: Gateway) -> None:
    """AWS: RouteSettings "GET /limited" burst 2, rate 1: a quick burst gets some 429
    {"message":"Too Many Requests"}; other routes keep the default limits."""
    with httpx.Client(base_url=gateway.url, timeout=TIMEOUT) as client:
        answers = [client.get("/limited") for _ in range(6)]
        others = [client.get("/echo/unthrottled") for _ in range(6)]
    statuses = [answer.status_code for answer in answers]
    assert set(statuses) == {200, 429}, statuses
    assert all(a.json() == {"message": "Too Many Requests"} for a in answers if a.status_code == 429)
    assert [answer.status_code for answer in others] == [200] * 6


def test_a_body_over_10_mb_is_413_request_entity_too_large(gateway: Gateway) -> None:
    """AWS HTTP APIs: 413 {"message":"Request Entity Too Large"} (REST APIs: "Request Too
    Long")."""
    big = b"x" * (10 * 1024 * 1024 + 1)
    answer = httpx.post(f"{gateway.url}/echo", content=big, timeout=TIMEOUT)
    assert (answer.status_code, answer.json()) == (413, {"message": "Request Entity Too Large"})
    rest = httpx.post(f"{gateway.url}/prod/pets", content=big, timeout=TIMEOUT)
    assert (rest.status_code, rest.json()) == (413, {"message": "Request Too Long"})


# --- HTTP_PROXY ----------------------------------------------------------------------------


def test_http_proxy_forwards_the_request_with_its_parameter_mapping(
    gateway: Gateway, backend: RecordingUpstream
) -> None:
    """AWS: HTTP_PROXY sends the method, {proxy} in the URI, the query string, the client's
    headers and body; RequestParameters append header.x-from and overwrite
    querystring.stage with $context.stage."""
    answer = httpx.post(
        f"{gateway.url}/live/api/things/9?x=1&x=2&stage=other",
        content=b"payload-bytes",
        headers={"Content-Type": "text/plain", "X-Client": "c1"},
        timeout=TIMEOUT,
    )
    assert answer.status_code == 200, answer.text
    seen = backend.received[-1]
    assert (seen.method, seen.path) == ("POST", "/backend/things/9")
    assert seen.query == {"x": ["1", "2"], "stage": ["live"]}
    assert seen.headers["x-from"] == "tollway"
    assert seen.headers["x-client"] == "c1"
    assert seen.headers["content-type"] == "text/plain"
    assert seen.body == b"payload-bytes"


def test_http_proxy_passes_the_response_back(gateway: Gateway) -> None:
    answer = gateway.get("/live/api/status/202")
    assert answer.status_code == 202
    assert (answer.headers["x-upstream"], answer.headers["x-reply"]) == ("yes", "r1")
    assert answer.json() == {"seen": "/backend/status/202"}


def test_http_proxy_response_parameters_map_a_404_to_410(gateway: Gateway) -> None:
    """AWS: ResponseParameters "404": overwrite:statuscode 410, append:header.x-mapped."""
    answer = gateway.get("/live/api/status/404")
    assert answer.status_code == 410
    assert answer.headers["x-mapped"] == "gone"
    assert answer.json() == {"seen": "/backend/status/404"}
    # other statuses are not mapped
    assert "x-mapped" not in gateway.get("/live/api/status/200").headers
