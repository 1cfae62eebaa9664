"""The path bypass matrix (issue 14, item 3) through the real `tollway serve`: every spelling
of a path (encoded dots and slashes, double encoding, ``%00``, ``%23``, ``%3F``, ``%5C`` and a
raw backslash, ``;params``, case, duplicate and trailing slashes, ``/./``, stage crossing)
against every protection tollway has: API keys, AWS_IAM, the resource policy, a per-method
stage throttle, TOKEN and REQUEST Lambda authorizers. Response caching does not exist yet
(issue 20): there is no cache key to poison.

The rule: one canonical path everywhere, or 400. Each vector is sent as raw bytes (no client
normalises it) and must be answered either for the resource and stage its canonical path
names, with that resource's protection applied, or 400 / 401 / 403 / 404 / 429; never the
protected integration without its protection, never another stage. The MOCK answers name
the resource, stage, ``$context.path`` and ``{proxy}`` value that answered; the open
resource is an HTTP_PROXY whose upstream records the path it received.

What AWS does (``../shared/reference/aws-api-gateway.md`` and the conformance suite): paths
are case-sensitive; ``//`` and a trailing slash reach the same resource and the Lambda proxy
event keeps the client's spelling of empty segments (LocalStack's recording
``test_lambda_aws_proxy_integration``); stage names are only ``[A-Za-z0-9_-]``
(api-gateway-known-issues), so no encoded or dotted first segment names a stage. AWS
documents nothing for ``.``/``..``, ``%2F``, ``%5C``, ``\\`` or ``%00``: tollway resolves dot
segments within the stage (never above its root, so no stage reaches another) and answers
400 for the rest (``tollway.dataplane.routing.normalize``).
"""

from __future__ import annotations

import http.client
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from support import REPO, Running, Upstream, run_cli, start_server, write

KEY = "path-bypass-key-0123456789abcdef"
ALICE = Credentials("AKIAALICE0000000TEST", "alice/secret/key/for/tests/only/0000000000")
ANSWER = (
    '{"resource": "$context.resourcePath", "stage": "$context.stage", "path": "$context.path",'
    ' "proxy": "$input.params(\'proxy\')"}'
)
MOCK = {
    "type": "mock",
    "requestTemplates": {"application/json": '{"statusCode": 200}'},
    "responses": {"default": {"statusCode": "200", "responseTemplates": {"application/json": ANSWER}}},
}
REFUSED = {400, 401, 403, 404, 429}
"""The answers that deny: AWS's 400 / 401 / 403 Missing Authentication Token... / 429."""

IDENTITIES = """
- name: alice
  accessKeyId: AKIAALICE0000000TEST
  secretAccessKey: alice/secret/key/for/tests/only/0000000000
  policy:
    Statement:
      - {Effect: Allow, Action: execute-api:Invoke, Resource: "*"}
"""


def _template(upstream: Upstream) -> str:
    keyed = {"get": {"security": [{"api_key": []}], "x-amazon-apigateway-integration": MOCK}}
    signed = {"get": {"security": [{"sigv4": []}], "x-amazon-apigateway-integration": MOCK}}
    plain = {"get": {"x-amazon-apigateway-integration": MOCK}}
    proxy = {
        "type": "http_proxy",
        "httpMethod": "GET",
        "uri": f"{upstream.url}/open/{{x}}",
        "requestParameters": {"integration.request.path.x": "method.request.path.x"},
    }
    body = {
        "openapi": "3.0.1",
        "info": {"title": "bypass", "version": "1"},
        "components": {
            "securitySchemes": {
                "api_key": {"type": "apiKey", "name": "x-api-key", "in": "header"},
                "sigv4": {
                    "type": "apiKey",
                    "name": "Authorization",
                    "in": "header",
                    "x-amazon-apigateway-authtype": "awsSigv4",
                },
            }
        },
        "x-amazon-apigateway-policy": {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "*"},
                {  # prod only: dev's /denied is open
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": "execute-api:Invoke",
                    "Resource": "execute-api:/prod/GET/denied",
                },
            ],
        },
        "paths": {
            "/open/{x}": {
                "get": {
                    "parameters": [
                        {"name": "x", "in": "path", "required": True, "schema": {"type": "string"}}
                    ],
                    "x-amazon-apigateway-integration": proxy,
                }
            },
            "/keyed": keyed,
            "/keyed/{proxy+}": keyed,
            "/iam": signed,
            "/iam/{proxy+}": signed,
            "/denied": plain,
            "/throttled": plain,
        },
    }
    template = {
        "Transform": "AWS::Serverless-2016-10-31",
        "Resources": {
            "Api": {
                "Type": "AWS::Serverless::Api",
                "Properties": {
                    "StageName": "prod",
                    "MethodSettings": [  # prod only: dev's /throttled is not throttled
                        {
                            "ResourcePath": "/~1throttled",
                            "HttpMethod": "GET",
                            "ThrottlingRateLimit": 0.001,
                            "ThrottlingBurstLimit": 2,
                        }
                    ],
                    "DefinitionBody": body,
                },
            }
        },
    }
    return json.dumps(template)


@dataclass
class Answer:
    status: int
    body: Any


def raw_get(server: Running, target: str, headers: dict[str, str] | None = None) -> Answer:
    """GET ``target`` exactly as written: no client normalisation of dots or escapes."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        conn.request("GET", target, headers=headers or {})
        response = conn.getresponse()
        data = response.read()
    finally:
        conn.close()
    try:
        body: Any = json.loads(data) if data else None
    except ValueError:
        body = data.decode("utf-8", "replace")
    return Answer(response.status, body)


def _cli(server: Running, *args: str) -> str:
    done = run_cli("--store", server.store, *args)
    assert done.returncode == 0, done.stderr
    return done.stdout


def _until(check: Any, what: str) -> None:
    deadline = time.monotonic() + 20  # serve reloads the store once a second
    while not check():
        assert time.monotonic() < deadline, what
        time.sleep(0.2)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, upstream: Upstream) -> Iterator[Running]:
    folder = tmp_path_factory.mktemp("bypass")
    template = write(folder / "template.json", _template(upstream))
    identities = write(folder / "identities.yaml", IDENTITIES)
    running = start_server(template, folder, "--identities", str(identities))
    try:
        api_id = _cli(running, "apis", "list").split()[0]
        key_id = _cli(running, "keys", "create", "buyer", "--value", KEY).split()[0]
        plan_id = _cli(running, "plans", "create", "gold", "--stage", f"{api_id}:prod").split()[0]
        _cli(running, "plans", "add-key", plan_id, key_id)
        _cli(running, "deploy", api_id, "dev")
        _until(lambda: raw_get(running, "/prod/keyed", {"x-api-key": KEY}).status == 200, "key granted")
        _until(lambda: raw_get(running, "/dev/open/x").status == 200, "stage dev served")
        yield running
    finally:
        running.stop()


# Each vector: (spelling, canonical (stage, path) it names, or None when it must be refused).
# ``P`` is the protected resource's path, substituted per protection.
VECTORS: list[tuple[str, str, tuple[str, str] | None]] = [
    ("canonical", "/prod{P}", ("prod", "{P}")),
    ("trailing-slash", "/prod{P}/", ("prod", "{P}")),
    ("double-trailing-slash", "/prod{P}//", ("prod", "{P}")),
    ("leading-double-slash", "//prod{P}", ("prod", "{P}")),
    ("inner-double-slash", "/prod/{P}", ("prod", "{P}")),
    ("dot-segment", "/prod/.{P}", ("prod", "{P}")),
    ("trailing-dot", "/prod{P}/.", ("prod", "{P}")),
    ("dot-dot", "/prod/open/x/../..{P}", ("prod", "{P}")),
    ("encoded-dot-dot", "/prod/open/%2e%2e{P}", ("prod", "{P}")),
    ("encoded-dot-dot-upper", "/prod/open/%2E%2E{P}", ("prod", "{P}")),
    ("encoded-unreserved", "/prod/{PENC}", ("prod", "{P}")),
    ("encoded-slash", "/prod/open/..%2F..{P}", None),
    ("encoded-slash-lower", "/prod/open/..%2f..{P}", None),
    ("encoded-slash-in-segment", "/prod{P}%2Fx", None),
    ("double-encoded-slash", "/prod/open/..%252F..{P}", None),
    ("double-encoded-dots", "/prod/open/%252e%252e{P}", None),
    ("nul", "/prod{P}%00", None),
    ("nul-then-open", "/prod/open/x%00{P}", None),
    ("hash", "/prod{P}%23", None),
    ("question", "/prod{P}%3F", None),
    ("encoded-backslash", "/prod/open/..%5C..{P}", None),
    ("raw-backslash", "/prod/open\\..{P}", None),
    ("raw-backslash-end", "/prod{P}\\", None),
    ("params", "/prod{P};x=1", None),
    ("params-then-dots", "/prod/open;x=1/../..{P}", ("prod", "{P}")),
    ("upper-case", "/prod{PU}", None),
    ("upper-case-stage", "/PROD{P}", None),
    ("stage-cross", "/prod/../dev{P}", None),
    ("stage-cross-encoded", "/prod/%2e%2e/dev{P}", None),
    ("stage-cross-back", "/dev/../prod{P}", None),
    ("stage-encoded-slash", "/prod%2F..%2Fdev{P}", None),
    ("above-the-root", "/prod/../../..{P}", ("prod", "{P}")),
]
"""Refused vectors: ``%2F``/``%5C``/``\\``/``%00`` are 400; ``%252F``, ``%23``, ``%3F``,
``;x=1`` and case variants name another (absent) resource: 403 Missing Authentication Token;
``/prod/../dev/x`` stays in prod (``/dev/x`` there: 403)."""


def _spell(template: str, protected: str) -> str:
    encoded = f"%{ord(protected[1]):02x}{protected[2:]}"  # /keyed -> %6beyed
    return template.replace("{PU}", protected.upper()).replace("{PENC}", encoded).replace("{P}", protected)


def _credentials(server: Running, protected: str, target: str) -> dict[str, str]:
    if protected == "/keyed":
        return {"x-api-key": KEY}
    if protected == "/iam":  # botocore signs its own normal spelling; tollway verifies alike
        request = AWSRequest(method="GET", url=f"{server.url}{target}")
        SigV4Auth(ALICE, "execute-api", "us-east-1").add_auth(request)
        return dict(request.headers.items())
    return {}


def _answered_for(answer: Answer, stage: str, path: str) -> None:
    assert answer.status == 200, answer.body
    assert isinstance(answer.body, dict) and answer.body["resource"] == path, answer.body
    # $context.path: the normal spelling; a trailing slash is kept (routing ignores it)
    assert (answer.body["stage"], answer.body["path"].rstrip("/")) == (stage, f"/{stage}{path}"), answer.body


@pytest.mark.parametrize("protected", ["/keyed", "/iam"])
@pytest.mark.parametrize(("name", "spelling", "canonical"), VECTORS, ids=[v[0] for v in VECTORS])
def test_no_spelling_reaches_a_key_or_iam_method_without_its_credentials(
    server: Running, protected: str, name: str, spelling: str, canonical: tuple[str, str] | None
) -> None:
    target = _spell(spelling, protected)
    bare = raw_get(server, target)
    assert bare.status in REFUSED, (target, bare.status, bare.body)
    with_credentials = raw_get(server, target, _credentials(server, protected, target))
    if canonical is None:
        assert with_credentials.status in REFUSED, (target, with_credentials.status, with_credentials.body)
        return
    stage, path = canonical
    _answered_for(with_credentials, stage, _spell(path, protected))


@pytest.mark.parametrize(("name", "spelling", "canonical"), VECTORS, ids=[v[0] for v in VECTORS])
def test_no_spelling_escapes_the_resource_policys_deny(
    server: Running, name: str, spelling: str, canonical: tuple[str, str] | None
) -> None:
    """The policy denies GET /denied in prod: every spelling is refused; dev's is open."""
    target = _spell(spelling, "/denied")
    answer = raw_get(server, target)
    assert answer.status in REFUSED, (target, answer.status, answer.body)
    if canonical is not None:
        assert answer.status == 403 and "explicit deny" in json.dumps(answer.body), answer.body
    _answered_for(raw_get(server, "/dev/denied"), "dev", "/denied")


def test_no_spelling_escapes_the_methods_throttle(server: Running) -> None:
    """prod's GET /throttled has a burst of 2: once spent, every spelling gets 429 (one bucket
    per canonical method) or a refusal, never a 200 from a fresh bucket; dev is not throttled."""
    statuses = [raw_get(server, "/prod/throttled").status for _ in range(3)]
    assert statuses[-1] == 429, statuses
    for _, spelling, canonical in VECTORS:
        target = _spell(spelling, "/throttled")
        answer = raw_get(server, target)
        assert answer.status in REFUSED, (target, answer.status, answer.body)
        if canonical is not None:
            assert answer.status == 429, (target, answer.status, answer.body)
    _answered_for(raw_get(server, "/dev/throttled"), "dev", "/throttled")


@pytest.mark.parametrize(
    ("target", "proxy"),
    [
        ("/prod/keyed/a/b", "a/b"),
        ("/prod/keyed//a//b/", "a/b"),  # mappings see the normal value (proxy events the spelled one)
        ("/prod/keyed/a/./b", "a/b"),
        ("/prod/keyed/a/x/../b", "a/b"),
        ("/prod/keyed/a/%2e%2e/b", "b"),
        ("/prod/keyed/%61", "a"),
        ("/prod/open/x/../../keyed/z", "z"),
    ],
)
def test_the_greedy_proxy_value_is_the_canonical_one(server: Running, target: str, proxy: str) -> None:
    answer = raw_get(server, target, {"x-api-key": KEY})
    assert answer.status == 200, answer.body
    assert (answer.body["resource"], answer.body["proxy"]) == ("/keyed/{proxy+}", proxy)
    assert raw_get(server, target).status == 403  # and the key was required


@pytest.mark.parametrize(
    ("target", "seen"),
    [
        ("/prod/open/a", "/open/a"),
        ("/prod/open/a%23b", "/open/a%23b"),  # reserved characters reach the upstream encoded
        ("/prod/open/a%3Fb", "/open/a%3Fb"),
        ("/prod/open/a;b", "/open/a%3Bb"),
        ("/prod/open/a%252Fb", "/open/a%252Fb"),  # decoded once: the upstream sees %2F as data
        ("/prod/open/%2e%2e%2e", "/open/..."),
        ("/prod/keyed/../open/a", "/open/a"),
    ],
)
def test_the_open_resources_upstream_sees_the_canonical_path(server: Running, target: str, seen: str) -> None:
    answer = raw_get(server, target)
    assert answer.status == 200, answer.body
    assert answer.body["path"] == seen


@pytest.mark.parametrize("target", ["/prod/open/..%2Fkeyed", "/prod/open/..%5Ckeyed", "/prod/open/a%00"])
def test_an_open_resource_never_forwards_a_path_the_upstream_would_read_otherwise(
    server: Running, target: str
) -> None:
    answer = raw_get(server, target)
    assert (answer.status, answer.body) == (400, {"message": "Bad Request"})


# --- Lambda authorizers (TOKEN on /admin and /pets, REQUEST on /tenant/{id}) -----------------

AUTHORIZERS = REPO / "tests" / "fixtures" / "authorizers"


@pytest.fixture(scope="module")
def authorized(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    running = start_server(AUTHORIZERS / "template.yaml", tmp_path_factory.mktemp("bypass-authz"))
    yield running
    running.stop()


@pytest.mark.parametrize("protected", ["/admin", "/tenant/9"])
@pytest.mark.parametrize(("name", "spelling", "canonical"), VECTORS, ids=[v[0] for v in VECTORS])
def test_no_spelling_skips_a_lambda_authorizer(
    authorized: Running, protected: str, name: str, spelling: str, canonical: tuple[str, str] | None
) -> None:
    """TOKEN (/admin) and REQUEST (/tenant/{id}) authorizers: without the identity every
    spelling is refused; with it, a spelling is answered only after the authorizer ran, for
    the canonical resource and path (``%23``, ``;x=1``... are another ``{id}`` value of
    /tenant/{id}, and so its authorizer's business)."""
    target = _spell(spelling, protected)
    bare = raw_get(authorized, target)
    assert bare.status in REFUSED, (target, bare.status, bare.body)
    if protected == "/admin":
        allowed = raw_get(authorized, target, {"Authorization": "Bearer allow-all"})
    else:
        allowed = raw_get(authorized, target + "?tenant=acme", {"X-User": "ann"})
    if allowed.status in REFUSED:
        assert canonical is None, (target, allowed.status, allowed.body)
        return
    assert allowed.status == 200, (target, allowed.body)
    authorizer = allowed.body["authorizer"]
    assert authorizer is not None
    if protected == "/admin":
        assert canonical is not None
        # the function saw the canonical path (empty segments kept, as AWS reports them)
        assert allowed.body["path"].replace("//", "/").rstrip("/") == "/admin", allowed.body
    else:
        assert authorizer["resource"] == "/tenant/{id}"
        assert authorizer["path"] == allowed.body["path"]  # authorizer and function agree
        assert "/." not in authorizer["path"] and "%2e" not in authorizer["path"].lower()


def test_the_lambda_event_path_is_never_the_clients_dotted_spelling(authorized: Running) -> None:
    """AWS keeps the client's ``//`` in ``path`` (recorded); a dot segment is resolved first, so
    a function routing on ``path`` sees what was authorized."""
    token = {"Authorization": "Bearer allow-all"}
    assert raw_get(authorized, "/prod/open/%2e%2e/admin", token).body["path"] == "/admin"
    assert raw_get(authorized, "/prod/pets/../admin", token).body["path"] == "/admin"
    assert raw_get(authorized, "/prod/admin//", token).body["path"] == "/admin//"
    # the request is unaffected by a client that does normalise
    assert httpx.get(f"{authorized.url}/prod/admin", headers=token, timeout=30).status_code == 200
