"""Secrets stay secret (issue 14, item 8), through the real `tollway serve -v` and CLI.

One server, at the most verbose level tollway has (``-v``: INFO; tollway logs nothing at
DEBUG), serves an API with every kind of credential: an API key route, AWS_IAM routes (one
proxied to a dead upstream), a Cognito user pool route, a Lambda TOKEN authorizer route, a
function that raises with the event in scope, HTTP_PROXY routes to a dead and a slow
upstream. The scenario drives every path that handles a secret -- good and bad keys, SigV4
with good, bad, expired and presigned signatures, good, expired and forged JWTs, authorizer
tokens that are denied and that make the authorizer fail, malformed requests carrying those
headers, the Lambda Invoke API, the CLI commands that create, list and export keys and
identities -- and keeps everything tollway wrote: serve's stdout and stderr, every file under
the store's folder but the store database itself (function logs...), every CLI output, every
answer's headers and body. The tests then look for every secret the scenario used, in
every spelling a log could give it (as is, percent-encoded), and name the place and line of
each one found.

Where AWS echoes the client's own data back to it, the answer may hold that client's own
secret, and nothing else: IncompleteSignatureException quotes the Authorization header
("'tok' not a valid key=value pair (missing equal-sign) in Authorization header: 'Bearer
tok'." -- serverless/serverless#3205) and InvalidSignatureException the canonical request,
with the signed headers' values such as X-Amz-Security-Token (mhart/aws4#33,
aws/aws-sdk-js#2372); neither quotes the secret access key, which the client never sends.
The CLI shows a value where it promises to: ``keys create`` once (as CreateApiKey answers
it), ``keys list --include-values`` (GetApiKeys' includeValues), ``identities create`` once
(as IAM's CreateAccessKey).

Inputs the scenario writes (the template, the identities file, the CSV key file) hold
secrets on purpose and live outside the store's folder.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import socket
import sys
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import boto3
import httpx
import jwt
import pytest
from botocore.auth import SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from support import JwksServer, Running, Upstream, free_port, run_cli, start_server, write

POOL = "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_Secrets"
FUNCTION_ARN = "arn:aws:lambda:us-east-1:123456789012:function:{}"
LAMBDA_URI = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{}/invocations"
ECHOING = {"IncompleteSignatureException", "InvalidSignatureException"}
"""Error types whose AWS message quotes the client's own Authorization header or canonical request."""
ALLOW_ALL = {"Statement": [{"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "*"}]}
STORE_DATABASE = ("store.db", "store.db-wal", "store.db-shm", "store.db-journal")


def _secret(kind: str) -> str:
    return f"{kind}-{secrets.token_hex(10)}"


@dataclass
class Secrets:
    """Every secret the scenario uses, by name (a leak report names it, never shows it)."""

    values: dict[str, str] = field(default_factory=dict)

    def add(self, name: str, value: str) -> str:
        assert value, name
        self.values[name] = value
        return value

    def names_in(self, text: str) -> set[str]:
        """The secrets in ``text`` (the caller's own request, say), by name."""
        return {name for name, value in self.values.items() if any(v in text for v in _spellings(value))}


def _spellings(value: str) -> set[str]:
    return {value, quote(value, safe=""), quote(value, safe="/")}


@dataclass
class Artifact:
    """Something tollway wrote: a log, a file, a CLI output, an answer to a request."""

    where: str
    text: str
    allowed: frozenset[str] = frozenset()
    """Secrets (by name) this artifact may show: the one a ``keys create`` prints, say."""


@dataclass
class Scenario:
    secrets: Secrets
    artifacts: list[Artifact]
    statuses: dict[str, int]


# -- the API, its functions and its credentials ------------------------------------------------

FUNCTIONS = """
import json


def ok(event, context):
    return {"statusCode": 200, "body": json.dumps({"ok": True})}


def fail(event, context):
    headers = event.get("headers") or {}
    token = headers.get("Authorization") or event.get("token")
    assert token
    raise ValueError("the handler failed on purpose")


def authorize(event, context):
    token = event["authorizationToken"]
    arn = event["methodArn"]
    if token.startswith("Bearer allow-"):
        effect = "Allow"
    elif token.startswith("Bearer deny-"):
        effect = "Deny"
    elif token.startswith("Bearer error-"):
        raise RuntimeError("the authorizer failed on purpose")
    else:
        raise Exception("Unauthorized")
    statement = {"Action": "execute-api:Invoke", "Effect": effect, "Resource": arn}
    return {"principalId": "user-1", "policyDocument": {"Version": "2012-10-17", "Statement": [statement]}}
"""

TEMPLATE = """
Transform: AWS::Serverless-2016-10-31
Parameters:
  DbPassword: {Type: String, NoEcho: true}
Globals:
  Function: {Runtime: python3.11, Timeout: 5, CodeUri: src/}
Resources:
  OkFunction:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.ok
      Environment: {Variables: {DB_PASSWORD: !Ref DbPassword, API_TOKEN: placeholder}}
  FailFunction:
    Type: AWS::Serverless::Function
    Properties: {Handler: app.fail}
  AuthFunction:
    Type: AWS::Serverless::Function
    Properties: {Handler: app.authorize}
"""


def _mock(template: str = '{"ok": true}') -> dict[str, Any]:
    return {
        "type": "mock",
        "requestTemplates": {"application/json": '{"statusCode": 200}'},
        "responses": {"default": {"statusCode": "200", "responseTemplates": {"application/json": template}}},
    }


def _function(name: str) -> dict[str, Any]:
    uri = LAMBDA_URI.format(FUNCTION_ARN.format(name))
    return {"type": "aws_proxy", "httpMethod": "POST", "uri": uri}


def _http_proxy(url: str, timeout_ms: int | None = None) -> dict[str, Any]:
    integration: dict[str, Any] = {"type": "http_proxy", "httpMethod": "GET", "uri": url}
    if timeout_ms is not None:
        integration["timeoutInMillis"] = timeout_ms
    return integration


def _api(dead: str, upstream: Upstream) -> dict[str, Any]:
    def op(integration: dict[str, Any], *security: str) -> dict[str, Any]:
        return {
            "get": {
                "security": [{name: []} for name in security],
                "x-amazon-apigateway-integration": integration,
            }
        }

    authorizer = {
        "type": "token",
        "authorizerUri": LAMBDA_URI.format(FUNCTION_ARN.format("AuthFunction")),
        "identityValidationExpression": "Bearer [A-Za-z0-9-]+",
        "authorizerResultTtlInSeconds": 0,
    }
    identity = '{"user": "$context.identity.userArn"}'
    return {
        "openapi": "3.0.1",
        "info": {"title": "secrets", "version": "1"},
        "components": {
            "securitySchemes": {
                "api_key": {"type": "apiKey", "name": "x-api-key", "in": "header"},
                "sigv4": {
                    "type": "apiKey",
                    "name": "Authorization",
                    "in": "header",
                    "x-amazon-apigateway-authtype": "awsSigv4",
                },
                "pool": {
                    "type": "apiKey",
                    "name": "Authorization",
                    "in": "header",
                    "x-amazon-apigateway-authtype": "cognito_user_pools",
                    "x-amazon-apigateway-authorizer": {"type": "cognito_user_pools", "providerARNs": [POOL]},
                },
                "token": {
                    "type": "apiKey",
                    "name": "Authorization",
                    "in": "header",
                    "x-amazon-apigateway-authtype": "custom",
                    "x-amazon-apigateway-authorizer": authorizer,
                },
            }
        },
        "paths": {
            "/open": op(_mock()),
            "/keyed": op(_mock('{"key": "$context.identity.apiKeyId"}'), "api_key"),
            "/iam": op(_mock(identity), "sigv4"),
            "/iam-proxy": op(_http_proxy(f"{dead}/iam-backend"), "sigv4"),
            "/pool": op(_mock('{"sub": "$context.authorizer.claims.sub"}'), "pool"),
            "/token": op(_function("OkFunction"), "token"),
            "/fail": op(_function("FailFunction")),
            "/dead": op(_http_proxy(f"{dead}/backend")),
            "/slow": op(_http_proxy(f"{upstream.url}/slow/3000", timeout_ms=100)),
        },
    }


class Issuer(JwksServer):
    """A user pool's issuer on loopback: serves /.well-known/jwks.json for its key."""

    def __init__(self) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        super().__init__(json.loads(RSAAlgorithm.to_jwk(self.key.public_key())))

    def token(self, key: Any = None, **claims: Any) -> str:
        now = int(time.time())
        body = {"sub": "user-1", "iss": self.url, "token_use": "id", "iat": now, "exp": now + 600}
        body.update(claims, jti=secrets.token_hex(8))
        return jwt.encode(body, key or self.key, algorithm="RS256", headers={"kid": "k1"})

    def unsigned(self) -> str:
        def b64(part: dict[str, Any]) -> str:
            return base64.urlsafe_b64encode(json.dumps(part).encode()).rstrip(b"=").decode()

        claims = {"sub": "user-1", "iss": self.url, "token_use": "id", "exp": int(time.time()) + 600}
        return f"{b64({'alg': 'none', 'kid': 'k1'})}.{b64({**claims, 'jti': secrets.token_hex(8)})}."


# -- driving the server --------------------------------------------------------------------------


class Driver:
    """Sends requests and runs CLI commands, keeping every answer as an Artifact."""

    def __init__(self, server: Running, found: Secrets) -> None:
        self.server = server
        self.secrets = found
        self.artifacts: list[Artifact] = []
        self.statuses: dict[str, int] = {}
        self.http = httpx.Client(timeout=30)

    def answer(self, label: str, response: httpx.Response, sent: str) -> httpx.Response:
        """Keep an answer; it may quote the request's own secrets when AWS's would."""
        error_type = response.headers.get("x-amzn-ErrorType", "")
        allowed = self.secrets.names_in(sent) if error_type in ECHOING else set()
        head = "\n".join(f"{name}: {value}" for name, value in response.headers.items())
        text = f"{head}\n\n{response.text}"
        self.artifacts.append(
            Artifact(f"answer to {label} ({response.status_code})", text, frozenset(allowed))
        )
        self.statuses[label] = response.status_code
        return response

    def get(self, label: str, path: str, headers: dict[str, str] | None = None) -> httpx.Response:
        url = f"{self.server.url}/prod{path}"
        headers = headers or {}
        response = self.http.get(url, headers=headers)
        return self.answer(label, response, url + json.dumps(headers))

    def signed(self, label: str, path: str, who: Credentials, *, tamper: str = "") -> httpx.Response:
        url = f"{self.server.url}/prod{path}"
        request = AWSRequest(method="GET", url=url)
        SigV4Auth(who, "execute-api", "us-east-1").add_auth(request)
        headers = dict(request.headers.items())
        match = re.search(r"Signature=([0-9a-f]{64})", headers["Authorization"])
        assert match is not None
        self.secrets.add(f"signature of {label}", match.group(1))
        response = self.http.get(url + tamper, headers=headers)
        return self.answer(label, response, url + json.dumps(headers))

    def presigned(self, label: str, path: str, who: Credentials, *, forge: bool = False) -> httpx.Response:
        request = AWSRequest(method="GET", url=f"{self.server.url}/prod{path}")
        SigV4QueryAuth(who, "execute-api", "us-east-1", expires=60).add_auth(request)
        url = request.url
        match = re.search(r"X-Amz-Signature=([0-9a-f]{64})", url)
        assert match is not None
        signature = match.group(1)
        if forge:
            url = url.replace(signature, signature[::-1])
            signature = signature[::-1]
        self.secrets.add(f"signature of {label}", signature)
        return self.answer(label, self.http.get(url), url)

    def raw(self, label: str, data: bytes) -> None:
        """A malformed request on its own connection; its answer kept as it came."""
        with socket.create_connection(("127.0.0.1", self.server.port), timeout=10) as sock:
            sock.sendall(data)
            chunks = []
            try:
                while chunk := sock.recv(65536):
                    chunks.append(chunk)
            except (TimeoutError, ConnectionResetError):
                pass
        text = b"".join(chunks).decode("latin-1")
        self.artifacts.append(Artifact(f"answer to {label}", text))
        status = re.match(r"HTTP/1\.1 (\d{3})", text)
        self.statuses[label] = int(status.group(1)) if status else 0

    def cli(self, label: str, *args: str, code: int | None = 0, allowed: Iterable[str] = ()) -> str:
        done = run_cli("--store", self.server.store, "-v", *args)
        if code is not None:
            assert done.returncode == code, f"{label}: {done.stdout}{done.stderr}"
        self.artifacts.append(Artifact(f"stdout of tollway {label}", done.stdout, frozenset(allowed)))
        self.artifacts.append(Artifact(f"stderr of tollway {label}", done.stderr))
        return done.stdout


def _dead_url() -> str:
    return f"http://127.0.0.1:{free_port()}"  # nothing listens there: connection refused


def _setup(store_dir: Path, inputs: Path, found: Secrets, kept: list[Artifact]) -> tuple[str, str]:
    """Keys, a plan and identities in the store before `serve` starts (no reload to wait for)."""
    store = f"sqlite:///{store_dir}/store.db"

    def cli(*args: str, allowed: Iterable[str] = ()) -> str:
        done = run_cli("--store", store, "-v", *args)
        assert done.returncode == 0, done.stderr
        label = " ".join(args[:2])
        kept.append(Artifact(f"stdout of tollway {label}", done.stdout, frozenset(allowed)))
        kept.append(Artifact(f"stderr of tollway {label}", done.stderr))
        return done.stdout

    api = inputs / "api.json"
    api_id = cli("import", str(api)).split("\t")[0]
    given = found.add("given key value", _secret("given-api-key"))
    given_id = cli("keys", "create", "given", "--value", given, allowed=["given key value"]).split("\t")[0]
    csv = write(
        inputs / "keys.csv", f"Name,Key\nimported,{found.add('imported key value', _secret('csv-key'))}\n"
    )
    imported_id = cli("keys", "import", str(csv)).split("\t")[0]
    plan_id = cli("plans", "create", "gold", "--stage", f"{api_id}:prod").split("\t")[0]
    for key_id in (given_id, imported_id):
        cli("plans", "add-key", plan_id, key_id)
    policy = json.dumps(ALLOW_ALL)
    carol = found.add("carol's secret access key", _secret("carol/secret/access/key"))
    credentials = ("--access-key-id", "AKIACAROLSECRETS0001", "--secret-access-key", carol)
    cli(
        "identities",
        "create",
        "carol",
        *credentials,
        "--policy",
        policy,
        allowed=["carol's secret access key"],
    )
    return api_id, plan_id


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory, upstream: Upstream) -> Iterator[Scenario]:
    found = Secrets()
    inputs = tmp_path_factory.mktemp("secret-inputs")
    store_dir = tmp_path_factory.mktemp("secret-store")
    (inputs / "src").mkdir()
    write(inputs / "src" / "app.py", FUNCTIONS)
    template = write(inputs / "template.yaml", TEMPLATE)
    write(inputs / "api.json", json.dumps(_api(_dead_url(), upstream)))
    alice = Credentials(
        "AKIAALICESECRETS0001", found.add("alice's secret access key", _secret("alice/secret/key"))
    )
    identity = {"accessKeyId": alice.access_key, "secretAccessKey": alice.secret_key, "policy": ALLOW_ALL}
    identities = [{"name": "alice", **identity}]
    write(inputs / "identities.json", json.dumps(identities))
    kept: list[Artifact] = []
    api_id, plan_id = _setup(store_dir, inputs, found, kept)
    issuer = Issuer()
    redis_password = found.add("Redis password", _secret("redis-password"))
    db_password = found.add("a NoEcho parameter's password", _secret("db-password"))
    env = {"API_TOKEN": found.add("a token in --env-vars", _secret("env-token"))}
    env["UNDECLARED_TOKEN"] = found.add("an undeclared token in --env-vars", _secret("env-token"))
    env_vars = write(inputs / "env.json", json.dumps({"OkFunction": env}))
    server = start_server(
        template,
        store_dir,
        str(inputs / "api.json"),
        "-v",
        "--identities",
        str(inputs / "identities.json"),
        "--user-pool-issuer",
        f"{POOL}={issuer.url}",
        "--state",
        f"redis://:{redis_password}@127.0.0.1:{free_port()}/0",  # nobody there: "unreachable" warnings
        "--parameter-overrides",
        f"DbPassword={db_password}",
        "--env-vars",
        str(env_vars),
    )
    drive = Driver(server, found)
    drive.artifacts.extend(kept)
    try:
        _drive_requests(drive, found, issuer, alice)
        _drive_cli(drive, found, api_id, plan_id)
        _drive_invoke_api(drive, found)
    finally:
        drive.http.close()
        issuer.server.shutdown()
        _, out, err = server.stop()
    artifacts = [*drive.artifacts, Artifact("serve -v: stdout", out), Artifact("serve -v: stderr", err)]
    for path in sorted(p for p in store_dir.rglob("*") if p.is_file()):
        if path.parent == store_dir and path.name in STORE_DATABASE:
            continue  # the store holds the secrets SigV4 and keys are checked with (owner-only)
        text = path.read_bytes().decode("utf-8", "replace")
        artifacts.append(Artifact(str(path.relative_to(store_dir.parent)), text))
    yield Scenario(found, artifacts, drive.statuses)


def _drive_requests(drive: Driver, found: Secrets, issuer: Issuer, alice: Credentials) -> None:
    basic_password = found.add("basic password", _secret("hunter2"))
    basic = found.add("basic credentials", base64.b64encode(f"ann:{basic_password}".encode()).decode())
    bearer = found.add("a bearer token", _secret("bearer"))
    wrong_key = found.add("an unknown key value", _secret("wrong-api-key"))
    query_token = found.add("a query-string token", _secret("access-token"))
    everything = {
        "Authorization": f"Bearer {bearer}",
        "x-api-key": wrong_key,
        "Cookie": f"session={found.add('a session cookie', _secret('cookie'))}",
        "Proxy-Authorization": f"Basic {basic}",
    }

    # API keys
    drive.get("keyed without a key", "/keyed")
    drive.get("keyed with an unknown key", "/keyed", {"x-api-key": wrong_key})
    drive.get("keyed with the given key", "/keyed", {"x-api-key": found.values["given key value"]})
    drive.get("keyed with the imported key", "/keyed", {"x-api-key": found.values["imported key value"]})
    drive.get("keyed with a Basic password", "/keyed", {"Authorization": f"Basic {basic}"})

    # SigV4: identities from the file and from the store; every kind of bad signature
    carol = Credentials("AKIACAROLSECRETS0001", found.values["carol's secret access key"])
    wrong = Credentials(alice.access_key, found.add("a wrong secret access key", _secret("wrong/secret")))
    token = found.add("a session token never issued", _secret("FwoGZXIvYXdzEXAMPLE"))
    drive.signed("iam signed by alice", "/iam", alice)
    drive.signed("iam signed by carol", "/iam", carol)
    drive.signed("iam signed with a wrong secret", "/iam", wrong)
    drive.signed(
        "iam with a session token and a wrong secret",
        "/iam",
        Credentials(wrong.access_key, wrong.secret_key, token),
    )
    drive.signed(
        "iam with a session token never issued",
        "/iam",
        Credentials(alice.access_key, alice.secret_key, token),
    )
    drive.signed("iam tampered after signing", "/iam", alice, tamper="?extra=1")
    drive.signed(
        "iam of an unknown access key", "/iam", Credentials("AKIAUNKNOWNSECRETS01", wrong.secret_key)
    )
    drive.presigned("iam presigned by alice", "/iam", alice)
    drive.presigned("iam presigned, forged", "/iam", alice, forge=True)
    drive.get("iam with a bearer token", "/iam", {"Authorization": f"Bearer {bearer}"})
    drive.get("iam with a Basic password", "/iam", {"Authorization": f"Basic {basic}"})
    scope = f"{alice.access_key}/20240101/us-east-1/execute-api/aws4_request"
    broken = found.add("a broken header signature", secrets.token_hex(32))
    no_signed_headers = f"AWS4-HMAC-SHA256 Credential={scope}, Signature={broken}"
    drive.get("iam with a broken SigV4 header", "/iam", {"Authorization": no_signed_headers})
    drive.signed("iam-proxy signed by alice, dead upstream", "/iam-proxy", alice)
    drive.presigned("iam-proxy presigned by alice, dead upstream", "/iam-proxy", alice)

    # Cognito user pool tokens
    drive.get("pool with a valid token", "/pool", {"Authorization": found.add("a valid JWT", issuer.token())})
    expired = found.add(
        "an expired JWT", issuer.token(iat=int(time.time()) - 7200, exp=int(time.time()) - 3600)
    )
    drive.get("pool with an expired token", "/pool", {"Authorization": f"Bearer {expired}"})
    forged = found.add("a JWT signed by another key", issuer.token(key=issuer.other))
    drive.get("pool with a forged token", "/pool", {"Authorization": forged})
    drive.get(
        "pool with an unsigned token",
        "/pool",
        {"Authorization": found.add("an alg-none JWT", issuer.unsigned())},
    )
    drive.get("pool with a bearer token", "/pool", {"Authorization": f"Bearer {bearer}"})

    # Lambda TOKEN authorizer
    for verdict in ("allow", "deny", "error", "stranger"):
        value = found.add(f"an authorizer token to {verdict}", _secret(verdict))
        drive.get(f"token authorizer, {verdict}", "/token", {"Authorization": f"Bearer {value}"})
    invalid = found.add("an authorizer token failing the expression", _secret("not_valid"))
    drive.get("token authorizer, fails the expression", "/token", {"Authorization": f"Bearer {invalid}"})

    # a raising function, failing upstreams, unmatched routes, all with every header and a query token
    paths = {"/fail": "a raising function", "/dead": "a dead upstream", "/slow": "a slow upstream"}
    for path, label in {**paths, "/nowhere": "no route", "/open": "an open route"}.items():
        drive.get(label, f"{path}?access_token={query_token}", everything)

    # malformed requests carrying the headers
    secret_headers = "".join(f"{name}: {value}\r\n" for name, value in everything.items())
    head = f"GET /prod/open?access_token={query_token} HTTP/1.1\r\n"
    drive.raw("two Host headers", f"{head}Host: a\r\nHost: b\r\n{secret_headers}\r\n".encode())
    smuggled = "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
    drive.raw("CL and TE", f"{head}Host: a\r\n{secret_headers}{smuggled}".encode())
    drive.raw("bare LF", f"{head}Host: a\n{secret_headers}\r\n".encode())
    drive.raw("huge headers", f"{head}Host: a\r\n{secret_headers}X-Pad: {'p' * 12000}\r\n\r\n".encode())
    drive.raw("folded token", f"{head}Host: a\r\nAuthorization: Bearer\r\n {bearer}\r\n\r\n".encode())
    drive.raw(
        "bad version",
        f"GET /prod/open?access_token={query_token} HTTP/1.7\r\nHost: a\r\n{secret_headers}\r\n".encode(),
    )


def _drive_cli(drive: Driver, found: Secrets, api_id: str, plan_id: str) -> None:
    created = drive.cli("keys create", "keys", "create", "generated")
    found.add("generated key value", created.strip().split("\t")[2])
    drive.artifacts[-2].allowed = frozenset({"generated key value"})  # shown once, by create
    keys = [name for name in found.values if name.endswith("key value") and name != "an unknown key value"]
    drive.cli("keys list", "keys", "list")
    drive.cli("keys list --include-values", "keys", "list", "--include-values", allowed=keys)
    given = found.values["given key value"]
    drive.cli("keys create with a taken value", "keys", "create", "again", "--value", given, code=1)
    short = found.add("a too short key value", "short-" + secrets.token_hex(4))
    drive.cli("keys create with a short value", "keys", "create", "short", "--value", short, code=1)
    policy = json.dumps(ALLOW_ALL)
    identity = drive.cli("identities create", "identities", "create", "gen", "--policy", policy)
    found.add("generated secret access key", identity.strip().split("\t")[2])
    drive.artifacts[-2].allowed = frozenset({"generated secret access key"})
    drive.cli("identities list", "identities", "list")
    carol = found.values["carol's secret access key"]
    taken = ("identities", "create", "carol", "--secret-access-key", carol, "--policy", policy)
    drive.cli("identities create, taken name", *taken, code=1)
    for kind, form in (("oas30", "json"), ("swagger", "yaml")):
        drive.cli(f"export {kind}", "export", api_id, "prod", "--type", kind, "--format", form)
    for command in (("apis", "list"), ("stages", "list"), ("plans", "list"), ("functions", "list")):
        drive.cli(" ".join(command), *command)
    redis = f"redis://:{found.values['Redis password']}@127.0.0.1:{free_port()}/0"
    usage = ("usage", plan_id, "--start", "2024-06-01", "--end", "2024-06-01", "--state", redis)
    drive.cli("usage from an unreachable Redis", *usage, code=None)
    for name in ("OkFunction", "FailFunction", "AuthFunction"):
        drive.cli(f"logs {name}", "logs", name, code=None)


def _drive_invoke_api(drive: Driver, found: Secrets) -> None:
    """Lambda's Invoke API on the same port, signed by boto3 with a secret of its own."""
    secret = found.add("the Invoke API client's secret", _secret("invoke/secret/key"))
    client = boto3.client(
        "lambda",
        endpoint_url=drive.server.url,
        region_name="us-east-1",
        aws_access_key_id="AKIAINVOKESECRETS001",
        aws_secret_access_key=secret,
        config=Config(retries={"max_attempts": 0}, read_timeout=30),
    )
    payload = json.dumps({"token": found.add("a token in an Invoke payload", _secret("payload-token"))})
    answer = client.invoke(FunctionName="FailFunction", Payload=payload.encode(), LogType="Tail")
    text = answer["Payload"].read().decode() + base64.b64decode(answer.get("LogResult", "")).decode()
    drive.artifacts.append(Artifact("answer of the Invoke API", text))
    client.invoke(FunctionName="FailFunction", Payload=payload.encode(), InvocationType="Event")
    time.sleep(1.5)  # the asynchronous invocation fails and is logged meanwhile


# -- the checks -----------------------------------------------------------------------------------


def _leaks(scenario: Scenario, artifacts: Iterable[Artifact]) -> list[str]:
    found = []
    for artifact in artifacts:
        for number, line in enumerate(artifact.text.splitlines(), 1):
            for name, value in scenario.secrets.values.items():
                if name in artifact.allowed:
                    continue
                if any(spelling in line for spelling in _spellings(value)):
                    shown = line
                    for spelling in _spellings(value):
                        shown = shown.replace(spelling, f"<{name}>")
                    found.append(f"{artifact.where}: line {number}: {name}: {shown[:300]}")
    return found


def test_the_scenario_reached_every_path(scenario: Scenario) -> None:
    """The checks below mean something only if the requests got the answers they were built for."""
    expected = {
        "keyed with the given key": 200,
        "keyed with the imported key": 200,
        "keyed with an unknown key": 403,
        "iam signed by alice": 200,
        "iam signed by carol": 200,
        "iam signed with a wrong secret": 403,
        "iam presigned by alice": 200,
        "iam presigned, forged": 403,
        "iam-proxy signed by alice, dead upstream": 504,
        "pool with a valid token": 200,
        "pool with an expired token": 401,
        "pool with a forged token": 401,
        "token authorizer, allow": 200,
        "token authorizer, deny": 403,
        "token authorizer, error": 500,
        "token authorizer, stranger": 401,
        "a raising function": 502,
        "a dead upstream": 504,
        "a slow upstream": 504,
        "two Host headers": 400,
        "huge headers": 431,
    }
    assert {label: scenario.statuses.get(label) for label in expected} == expected


def test_no_log_or_file_holds_a_secret(scenario: Scenario) -> None:
    """serve's stdout and stderr at -v, every file under the store's folder (function logs)."""
    logs = [
        a
        for a in scenario.artifacts
        if not a.where.startswith(("answer", "stdout of tollway", "stderr of tollway"))
    ]
    assert any(a.where.endswith("FailFunction.log") for a in logs), [a.where for a in logs]
    stderr = next(a.text for a in logs if a.where == "serve -v: stderr")
    for reached in ("INTEGRATION_FAILURE", "INTEGRATION_TIMEOUT", "INVALID_SIGNATURE", "Redis at"):
        assert reached in stderr  # -v logged the paths where a secret could slip in
    leaks = _leaks(scenario, logs)
    assert not leaks, "secrets in logs:\n" + "\n".join(leaks)


def test_no_cli_output_shows_a_secret_it_does_not_promise(scenario: Scenario) -> None:
    outputs = [
        a for a in scenario.artifacts if a.where.startswith(("stdout of tollway", "stderr of tollway"))
    ]
    leaks = _leaks(scenario, outputs)
    assert not leaks, "secrets in CLI output:\n" + "\n".join(leaks)
    promised = {a.where: a for a in outputs if a.allowed}
    listed = promised["stdout of tollway keys list --include-values"].text
    assert scenario.secrets.values["given key value"] in listed  # the promise is kept, too


def test_no_answer_holds_a_secret_but_the_clients_own_where_aws_echoes_it(scenario: Scenario) -> None:
    answers = [a for a in scenario.artifacts if a.where.startswith("answer")]
    leaks = _leaks(scenario, answers)
    assert not leaks, "secrets in answers:\n" + "\n".join(leaks)
    echoed = next(a for a in answers if a.where.startswith("answer to iam with a session token and a wrong"))
    assert scenario.secrets.values["a session token never issued"] in echoed.text  # AWS's canonical request
    quoted = next(a for a in answers if a.where.startswith("answer to iam with a bearer token"))
    assert f"Bearer {scenario.secrets.values['a bearer token']}" in quoted.text  # AWS quotes the header


E2E = Path(__file__).resolve().parent


def _suite_secrets() -> dict[str, str]:
    """The secrets the e2e modules loaded in this session declare at module level: botocore
    ``Credentials`` (their secret keys) and strings named ``*SECRET*`` or ``VALUE``."""
    found: dict[str, str] = {}
    for module in list(sys.modules.values()):
        path = Path(getattr(module, "__file__", None) or "/")
        if path.parent != E2E or not path.name.startswith("test_"):
            continue
        for attr, value in vars(module).items():
            if isinstance(value, Credentials):
                found[f"{path.stem}.{attr}"] = value.secret_key
            elif isinstance(value, str) and ("SECRET" in attr or attr == "VALUE") and len(value) >= 16:
                found[f"{path.stem}.{attr}"] = value
    return found


def test_no_function_log_of_this_session_holds_a_secret_of_the_suite(
    scenario: Scenario, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """A session-wide guard, kept in this module rather than in conftest.py: every function log
    that a `serve` or `invoke` of this pytest session left under its store's folder (each
    store's ``logs/``), checked for this module's secrets and for those the other e2e modules
    of the session declare. Run with the whole suite (this module sorts after the auth and key
    modules), it covers their servers' function logs too; run alone, only its own."""
    known = Secrets({**_suite_secrets(), **scenario.secrets.values})
    logs = [p for p in tmp_path_factory.getbasetemp().rglob("*") if p.is_file() and p.parent.name == "logs"]
    assert logs
    artifacts = [Artifact(str(p), p.read_bytes().decode("utf-8", "replace")) for p in logs]
    leaks = _leaks(Scenario(known, artifacts, {}), artifacts)
    assert not leaks, "secrets in function logs:\n" + "\n".join(leaks)
