"""Mutation fuzzing of the real `tollway serve` (issue 14, item 2): shared by the quick CI test
(tests/e2e/test_fuzz.py) and the full run (scripts/fuzz, which runs this module).

What is fuzzed: one API served by ``serve --workers 2`` with a route of every kind that
protects something differently: a MOCK (``/mock``, ``/mock/{id}``), an open HTTP_PROXY
(``/open/{proxy+}``), an API key route with a usage plan (``/keyed``), a Lambda TOKEN
authorizer route (``/authz``), a Lambda REQUEST authorizer route (``/tenant``), an AWS_IAM
(SigV4) route (``/iam``) and a request-validated route with a JSON Schema body model
(``/valid``). Requests come from two generators:

- ``mutant(seed, index)``: a valid request of one of the route kinds (``seed_requests``),
  put through one to six byte-level mutations (``mutate``), its Content-Length repaired half
  of the time so that mutants also get past framing into routing, authorization and
  validation. The same (seed, index) always gives the same bytes (an IAM seed is signed
  when it is rendered, so its date and signature differ: the positions they sit at do not).
- ``structured_requests``: Hypothesis strategies for well-framed requests whose path,
  query, credentials, duplicated headers, content types and JSON bodies vary.

Each request goes over a raw socket of its own (``exchange``), so malformed framing reaches
the gateway as sent. Its verdict: the answers owed (what llhttp, the gateway's own parser,
finds complete in the bytes) must arrive within ``DEADLINE_S`` of the last byte sent, or the
connection be closed; a bytes string llhttp still waits on gets its write side shut, and must
then be closed in that time. A 500, an answer that is not HTTP, or none at all is a finding.

The oracle for the protected routes is the backends' own record: each proxies to a
recording upstream of its own on loopback (``Backend``), which checks every arrival for the
credential its route requires: the valid API key (``x-api-key`` as forwarded, and
``context.identity.apiKey`` mapped into ``x-oracle-key``), the authorizer's principal
(``context.authorizer.principalId`` mapped into ``x-oracle-principal``; a value no client ever
sends), the signer (``context.identity.userArn`` / ``accessKey`` mapped into headers), a body
valid against the model. An arrival without it is a bypass.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import random
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import httptools
import jsonschema
import yaml
from botocore.auth import SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from hypothesis import strategies as st

from support import free_port, tollway_cmd, write

DEADLINE_S = 2.0
"""A request's answer (or the connection's close) must come within this of its last byte."""
RSS_GROWTH_LIMIT_MB = 50.0
DEFAULT_SEED = 14
CASE_HEADER = "x-fuzz-case"
"""Every request carries its case id in this header (before mutation), so a backend's record
of a bypass names the case that made it."""

PET = {
    "type": "object",
    "required": ["name", "price"],
    "properties": {
        "name": {"type": "string", "minLength": 1},
        "price": {"type": "number", "minimum": 0},
        "tags": {"type": "array", "items": {"$ref": "#/components/schemas/Tag"}},
    },
}
TAG = {"type": "object", "required": ["label"], "properties": {"label": {"type": "string"}}}
_PET_ORACLE = jsonschema.Draft4Validator(
    {**PET, "properties": {**PET["properties"], "tags": {"type": "array", "items": TAG}}}
)


# --- secrets -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Secrets:
    """The credentials of one run, derived from its seed."""

    valid_key: str
    unsubscribed_key: str
    """Enabled, in no usage plan: 403."""
    disabled_key: str
    """In the plan, disabled: 403."""
    token: str
    """The bearer token the authorizer allows."""
    deny_token: str
    principal: str
    """The principalId the authorizer answers for ``token``: never sent by a client."""
    alice: Credentials
    alice_arn: str
    mallory: Credentials
    """Another account's identity: the API has no resource policy admitting it."""


def make_secrets(seed: int) -> Secrets:
    rng = random.Random(f"{seed}/secrets")

    def word(n: int) -> str:
        return "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(n))

    return Secrets(
        valid_key=f"fuzz-valid-{word(24)}",
        unsubscribed_key=f"fuzz-unsub-{word(24)}",
        disabled_key=f"fuzz-disab-{word(24)}",
        token=f"tok-{word(16)}",
        deny_token=f"deny-{word(16)}",
        principal=f"principal-{word(20)}",
        alice=Credentials("AKIAFUZZALICE000TEST", f"alice/{word(35)}"),
        alice_arn="arn:aws:iam::123456789012:user/fuzz-alice",
        mallory=Credentials("AKIAFUZZMALLORYTEST0", f"mallory/{word(33)}"),
    )


# --- the oracle: recording backends ----------------------------------------------------------


@dataclass
class Arrival:
    path: str
    headers: list[tuple[str, str]]
    body: bytes

    def values(self, name: str) -> list[str]:
        return [v for k, v in self.headers if k.lower() == name]

    @property
    def case(self) -> str:
        return ",".join(self.values(CASE_HEADER)) or "?"


Check = Callable[[Arrival], str]
"""'' when an arrival carries what its route requires, else why not."""


@dataclass
class Backend:
    """A recording upstream: counts arrivals, keeps (a bounded list of) those its check fails."""

    name: str
    check: Check
    arrivals: int = 0
    credentialed: int = 0
    bypasses: list[dict[str, Any]] = field(default_factory=list)
    bypass_count: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    server: ThreadingHTTPServer | None = None

    @property
    def port(self) -> int:
        assert self.server is not None
        return int(self.server.server_address[1])

    def record(self, arrival: Arrival | None, raw_line: bytes = b"") -> None:
        why = "the gateway sent a request the backend could not parse" if arrival is None else ""
        why = why or self.check(arrival)  # type: ignore[arg-type]
        with self.lock:
            self.arrivals += 1
            if not why:
                self.credentialed += 1
                return
            self.bypass_count += 1
            if len(self.bypasses) < 20:
                seen = {"path": raw_line.decode("latin-1")[:200]} if arrival is None else _brief(arrival)
                self.bypasses.append({"backend": self.name, "why": why, **seen})

    def start(self) -> None:
        handler = type("Recording", (_RecordingHandler,), {"backend": self})
        self.server = _QuietServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()


def _brief(arrival: Arrival) -> dict[str, Any]:
    return {
        "case": arrival.case,
        "path": arrival.path[:200],
        "headers": arrival.headers[:40],
        "body": arrival.body[:200].decode("latin-1"),
    }


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):  # the gateway closed a pooled one
            super().handle_error(request, client_address)


class _RecordingHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    backend: Backend

    def setup(self) -> None:
        super().setup()  # its head and body are two writes: no Nagle wait between them
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def parse_request(self) -> bool:
        ok = super().parse_request()
        if not ok:
            self.backend.record(None, self.raw_requestline)
        return ok

    def _answer(self) -> None:
        body = self._read_body()
        self.backend.record(Arrival(self.path, list(self.headers.items()), body))
        answer = b'{"backend":"' + self.backend.name.encode() + b'"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(answer)

    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            parts = []
            while size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16):
                parts.append(self.rfile.read(size))
                self.rfile.readline()
            while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                pass
            return b"".join(parts)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def __getattr__(self, name: str) -> Any:
        if name.startswith("do_"):  # every method the gateway forwards, whatever its name
            return self._answer
        raise AttributeError(name)

    def log_message(self, format: str, *args: object) -> None:
        pass


def _media_type(value: str) -> str:
    return value.split(";", 1)[0].strip().lower()


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def oracle_checks(secrets: Secrets) -> dict[str, Check]:
    """What each backend requires of every request that reaches it."""

    def keyed(arrival: Arrival) -> str:
        if secrets.valid_key not in arrival.values("x-oracle-key"):
            return "no valid API key established by the gateway (x-oracle-key)"
        if secrets.valid_key not in arrival.values("x-api-key"):
            return "the valid API key did not arrive in x-api-key"
        return ""

    def authz(arrival: Arrival) -> str:
        if secrets.principal not in arrival.values("x-oracle-principal"):
            return "no principal from the authorizer (x-oracle-principal)"
        if f"Bearer {secrets.token}" not in arrival.values("authorization"):
            return "the allowed token did not arrive in Authorization"
        return ""

    def tenant(arrival: Arrival) -> str:
        if f"{secrets.principal}-tenant" not in arrival.values("x-oracle-principal"):
            return "no principal from the REQUEST authorizer (x-oracle-principal)"
        if "ann" not in arrival.values("x-user"):
            return "X-User: ann did not arrive"
        if "acme" not in parse_qs(urlsplit(arrival.path).query).get("tenant", []):
            return "tenant=acme did not arrive in the query"
        return ""

    def iam(arrival: Arrival) -> str:
        if secrets.alice_arn not in arrival.values("x-oracle-caller"):
            return "no signer established by the gateway (x-oracle-caller)"
        if secrets.alice.access_key not in arrival.values("x-oracle-access-key"):
            return "not alice's access key (x-oracle-access-key)"
        signed = " ".join(arrival.values("authorization")) + arrival.path
        if f"{secrets.alice.access_key}/" not in signed and f"{secrets.alice.access_key}%2F" not in signed:
            return "no SigV4 credential of alice in Authorization or the query"
        return ""

    def valid(arrival: Arrival) -> str:
        types = [_media_type(v) for v in arrival.values("content-type")]
        if types and "application/json" not in types:
            return ""  # AWS: a body whose content type has no model is not validated
        try:  # as Python reads JSON: UTF-8 (a BOM ignored), or UTF-16/32 as RFC 4627 detects them
            document = json.loads(arrival.body or b"{}", parse_constant=_no_constant)
        except ValueError as exc:
            return f"a JSON body that does not parse reached the backend ({exc})"
        errors = sorted(e.message for e in _PET_ORACLE.iter_errors(document))
        return f"a body the model refuses reached the backend: {errors[:3]}" if errors else ""

    return {
        "open": lambda arrival: "",
        "keyed": keyed,
        "authz": authz,
        "tenant": tenant,
        "iam": iam,
        "valid": valid,
    }


# --- the API under test ------------------------------------------------------------------------

AUTHORIZER = '''
"""The fuzzed API's TOKEN authorizer: allows one token, denies another, else Unauthorized."""
TOKEN, DENY, PRINCIPAL = {token!r}, {deny!r}, {principal!r}


def _policy(principal, effect, arn):
    resource = arn.split("/prod/")[0] + "/prod/*"
    statement = {{"Action": "execute-api:Invoke", "Effect": effect, "Resource": resource}}
    policy = {{"Version": "2012-10-17", "Statement": [statement]}}
    return {{"principalId": principal, "policyDocument": policy}}


def token(event, context):
    presented = event["authorizationToken"]
    if presented == "Bearer " + TOKEN:
        return _policy(PRINCIPAL, "Allow", event["methodArn"])
    if presented == "Bearer " + DENY:
        return _policy("denied-user", "Deny", event["methodArn"])
    raise Exception("Unauthorized")


def request(event, context):
    headers = {{name.lower(): value for name, value in (event["headers"] or {{}}).items()}}
    query = event["queryStringParameters"] or {{}}
    if headers.get("x-user") == "ann" and query.get("tenant") == "acme":
        return _policy(PRINCIPAL + "-tenant", "Allow", event["methodArn"])
    raise Exception("Unauthorized")
'''

_AUTHORIZER_URI = (
    "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
    "arn:aws:lambda:us-east-1:123456789012:function:{}/invocations"
)


def _mock(response_template: str = "{}") -> dict[str, Any]:
    return {
        "type": "mock",
        "requestTemplates": {"application/json": '{"statusCode": 200}'},
        "responses": {
            "default": {"statusCode": "200", "responseTemplates": {"application/json": response_template}}
        },
    }


def _proxy(port: int, name: str, mapping: dict[str, str] | None = None) -> dict[str, Any]:
    integration: dict[str, Any] = {"type": "http_proxy", "httpMethod": "ANY"}
    integration["uri"] = f"http://127.0.0.1:{port}/{name}" + ("/{proxy}" if name == "open" else "")
    if mapping:
        integration["requestParameters"] = {f"integration.request.header.{k}": v for k, v in mapping.items()}
    return integration


def definition(ports: dict[str, int]) -> dict[str, Any]:
    """The OpenAPI body of the fuzzed API (stage ``prod``); ``ports``: each backend's."""
    any_method = "x-amazon-apigateway-any-method"
    integration = "x-amazon-apigateway-integration"
    echo = (
        '{"id": "$util.escapeJavaScript($input.params(\'id\'))", '
        '"q": "$util.urlEncode($input.params(\'q\'))"}'
    )
    path_id = {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
    return {
        "openapi": "3.0.1",
        "info": {"title": "fuzzed", "version": "1"},
        "x-amazon-apigateway-request-validators": {
            "body": {"validateRequestBody": True, "validateRequestParameters": False}
        },
        "components": {
            "securitySchemes": {
                "api_key": {"type": "apiKey", "name": "x-api-key", "in": "header"},
                "token": {
                    "type": "apiKey",
                    "name": "Authorization",
                    "in": "header",
                    "x-amazon-apigateway-authtype": "custom",
                    "x-amazon-apigateway-authorizer": {
                        "type": "token",
                        "authorizerUri": _AUTHORIZER_URI.format("FuzzAuthorizer"),
                        "authorizerResultTtlInSeconds": 300,
                        "identityValidationExpression": "^Bearer [-0-9a-zA-Z]+$",
                    },
                },
                "request": {
                    "type": "apiKey",
                    "name": "Unused",
                    "in": "header",
                    "x-amazon-apigateway-authtype": "custom",
                    "x-amazon-apigateway-authorizer": {
                        "type": "request",
                        "authorizerUri": _AUTHORIZER_URI.format("FuzzRequestAuthorizer"),
                        "authorizerResultTtlInSeconds": 300,
                        "identitySource": "method.request.header.X-User, method.request.querystring.tenant",
                    },
                },
                "sigv4": {
                    "type": "apiKey",
                    "name": "Authorization",
                    "in": "header",
                    "x-amazon-apigateway-authtype": "awsSigv4",
                },
            },
            "schemas": {"Pet": PET, "Tag": TAG},
        },
        "paths": {
            "/mock": {"get": {integration: _mock()}, "post": {integration: _mock()}},
            "/mock/{id}": {"get": {"parameters": [path_id], integration: _mock(echo)}},
            "/open/{proxy+}": {any_method: {integration: _proxy(ports["open"], "open")}},
            "/keyed": {
                any_method: {
                    "security": [{"api_key": []}],
                    integration: _proxy(ports["keyed"], "keyed", {"x-oracle-key": "context.identity.apiKey"}),
                }
            },
            "/authz": {
                any_method: {
                    "security": [{"token": []}],
                    integration: _proxy(
                        ports["authz"], "authz", {"x-oracle-principal": "context.authorizer.principalId"}
                    ),
                }
            },
            "/tenant": {
                any_method: {
                    "security": [{"request": []}],
                    integration: _proxy(
                        ports["tenant"], "tenant", {"x-oracle-principal": "context.authorizer.principalId"}
                    ),
                }
            },
            "/iam": {
                any_method: {
                    "security": [{"sigv4": []}],
                    integration: _proxy(
                        ports["iam"],
                        "iam",
                        {
                            "x-oracle-caller": "context.identity.userArn",
                            "x-oracle-access-key": "context.identity.accessKey",
                        },
                    ),
                }
            },
            "/valid": {
                "post": {
                    "x-amazon-apigateway-request-validator": "body",
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Pet"}}},
                    },
                    integration: _proxy(ports["valid"], "valid"),
                }
            },
        },
    }


def write_api(folder: Path, secrets: Secrets, ports: dict[str, int]) -> tuple[Path, Path]:
    """The SAM template (API, authorizer function, keys and plan) and the identities file."""
    (folder / "src").mkdir(exist_ok=True)
    code = AUTHORIZER.format(token=secrets.token, deny=secrets.deny_token, principal=secrets.principal)
    write(folder / "src" / "auth.py", code)

    def key(value: str, enabled: bool = True) -> dict[str, Any]:
        return {"Type": "AWS::ApiGateway::ApiKey", "Properties": {"Enabled": enabled, "Value": value}}

    def plan_key(key_id: str) -> dict[str, Any]:
        props = {"KeyId": {"Ref": key_id}, "KeyType": "API_KEY", "UsagePlanId": {"Ref": "Plan"}}
        return {"Type": "AWS::ApiGateway::UsagePlanKey", "Properties": props}

    template = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Transform": "AWS::Serverless-2016-10-31",
        "Resources": {
            "FuzzApi": {
                "Type": "AWS::Serverless::Api",
                "Properties": {"StageName": "prod", "DefinitionBody": definition(ports)},
            },
            "FuzzAuthorizer": {
                "Type": "AWS::Serverless::Function",
                "Properties": {
                    "Runtime": "python3.11",
                    "Handler": "auth.token",
                    "CodeUri": "src/",
                    "Timeout": 5,
                },
            },
            "FuzzRequestAuthorizer": {
                "Type": "AWS::Serverless::Function",
                "Properties": {
                    "Runtime": "python3.11",
                    "Handler": "auth.request",
                    "CodeUri": "src/",
                    "Timeout": 5,
                },
            },
            "ValidKey": key(secrets.valid_key),
            "UnsubscribedKey": key(secrets.unsubscribed_key),
            "DisabledKey": key(secrets.disabled_key, enabled=False),
            "Plan": {
                "Type": "AWS::ApiGateway::UsagePlan",
                "Properties": {
                    "ApiStages": [{"ApiId": {"Ref": "FuzzApi"}, "Stage": {"Ref": "FuzzApi.Stage"}}],
                    "Throttle": {"RateLimit": 100000, "BurstLimit": 100000},
                },
            },
            "ValidPlanKey": plan_key("ValidKey"),
            "DisabledPlanKey": plan_key("DisabledKey"),
        },
    }
    invoke = {"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "*"}
    identities = [
        {
            "name": "fuzz-alice",
            "accessKeyId": secrets.alice.access_key,
            "secretAccessKey": secrets.alice.secret_key,
            "policy": {"Version": "2012-10-17", "Statement": [invoke]},
        },
        {
            "name": "fuzz-mallory",
            "accessKeyId": secrets.mallory.access_key,
            "secretAccessKey": secrets.mallory.secret_key,
            "accountId": "999999999999",
            "policy": {"Version": "2012-10-17", "Statement": [invoke]},
        },
    ]
    return (
        write(folder / "template.yaml", yaml.safe_dump(template, sort_keys=False)),
        write(folder / "identities.yaml", yaml.safe_dump(identities, sort_keys=False)),
    )


# --- the gateway process ---------------------------------------------------------------------


@dataclass
class Gateway:
    """``tollway serve --workers 2`` with its output in files (a pipe nobody reads would block it)."""

    process: subprocess.Popen[bytes]
    port: int
    log: Path

    def children(self) -> list[int]:
        found: list[int] = []
        for task in Path(f"/proc/{self.process.pid}/task").glob("*/children"):
            with contextlib.suppress(OSError):
                found += [int(pid) for pid in task.read_text().split()]
        return sorted(found)

    def rss_mb(self, pids: Iterable[int]) -> float:
        total_kb = 0
        for pid in pids:
            with contextlib.suppress(OSError):
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        total_kb += int(line.split()[1])
        return total_kb / 1024

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(20)


def start_gateway(folder: Path, template: Path, identities: Path, workers: int = 2) -> Gateway:
    port = free_port()
    store = f"sqlite:///{folder}/store.db"
    args = ["--store", store, "serve", str(template), "--identities", str(identities)]
    args += ["--workers", str(workers), "--quiet-functions", "--port", str(port)]
    log = folder / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            tollway_cmd(*args), stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=folder
        )
    gateway = Gateway(process, port, log)
    deadline = time.monotonic() + 60
    while True:
        if process.poll() is not None:
            raise AssertionError(f"tollway serve exited {process.returncode}:\n{gateway.log_text()}")
        if time.monotonic() > deadline:
            gateway.stop()
            raise AssertionError(f"tollway serve did not answer in time:\n{gateway.log_text()}")
        mock = exchange(port, http_request("GET", "/prod/mock"), owed=1)
        if mock.statuses == [200] and len(gateway.children()) >= workers:
            return gateway
        time.sleep(0.1)


# --- requests: rendering, seeds ----------------------------------------------------------------


def http_request(
    method: str,
    target: str,
    headers: Sequence[tuple[str, str]] = (),
    body: bytes = b"",
    *,
    host: str | None = "127.0.0.1",
    chunked: bool = False,
    marker: str | None = None,
) -> bytes:
    lines = [f"{method} {target} HTTP/1.1"]
    if marker is not None:
        lines.append(f"{CASE_HEADER}: {marker}")
    if host is not None:
        lines.append(f"Host: {host}")
    lines += [f"{name}: {value}" for name, value in headers]
    if chunked:
        lines.append("Transfer-Encoding: chunked")
        framed = (
            b"".join(b"%x\r\n%s\r\n" % (len(part), part) for part in _halves(body) if part) + b"0\r\n\r\n"
        )
    else:
        if body or method in ("POST", "PUT", "PATCH"):
            lines.append(f"Content-Length: {len(body)}")
        framed = body
    return "\r\n".join(lines).encode("utf-8", "surrogateescape") + b"\r\n\r\n" + framed


def _halves(body: bytes) -> tuple[bytes, bytes]:
    return body[: len(body) // 2], body[len(body) // 2 :]


def signed_request(
    port: int,
    who: Credentials,
    method: str,
    target: str,
    body: bytes = b"",
    headers: Sequence[tuple[str, str]] = (),
    *,
    presign: bool = False,
    marker: str | None = None,
    chunked: bool = False,
) -> bytes:
    """A request signed by botocore's own SigV4 signer (in a header, or presigned in the query)."""
    request = AWSRequest(
        method=method, url=f"http://127.0.0.1:{port}{target}", data=body, headers=dict(headers)
    )
    if presign:
        SigV4QueryAuth(who, "execute-api", "us-east-1", expires=300).add_auth(request)
    else:
        SigV4Auth(who, "execute-api", "us-east-1").add_auth(request)
    url = urlsplit(request.url)
    signed_target = url.path + (f"?{url.query}" if url.query else "")
    sent = [(k, v) for k, v in request.headers.items() if k.lower() != "host"]
    return http_request(
        method, signed_target, sent, body, host=f"127.0.0.1:{port}", marker=marker, chunked=chunked
    )


@dataclass(frozen=True)
class Seed:
    kind: str
    """The route kind it exercises (mock, open, keyed, authz, iam, valid)."""
    render: Callable[[str | None], bytes]
    """Its bytes, with the case marker given."""
    expect: int
    """The status it gets as it is."""


def seed_requests(secrets: Secrets, port: int, api_id: str) -> list[Seed]:
    """Valid requests of every route kind (and the near-misses each protection refuses)."""
    pet = json.dumps({"name": "rex", "price": 3, "tags": [{"label": "dog"}]}).encode()
    bad_pet = json.dumps({"name": "rex", "price": "3"}).encode()
    json_type = ("Content-Type", "application/json")
    key = ("x-api-key", secrets.valid_key)
    bearer = ("Authorization", f"Bearer {secrets.token}")

    def plain(kind: str, expect: int, method: str, target: str, *headers: tuple[str, str], **kw: Any) -> Seed:
        return Seed(kind, lambda m: http_request(method, target, headers, marker=m, **kw), expect)

    def signed(kind: str, expect: int, who: Credentials, method: str, target: str, **kw: Any) -> Seed:
        return Seed(kind, lambda m: signed_request(port, who, method, target, marker=m, **kw), expect)

    user_request = f"/restapis/{api_id}/prod/_user_request_"
    return [
        plain("mock", 200, "GET", "/prod/mock"),
        plain("mock", 200, "POST", "/prod/mock", json_type, body=b'{"a": [1, 2]}'),
        plain("mock", 200, "GET", "/prod/mock/42?q=a%20b&q=c", ("Accept", "application/json")),
        plain("open", 200, "HEAD", "/prod/open/h"),
        plain("mock", 200, "GET", f"{user_request}/mock"),
        plain("open", 200, "GET", "/prod/open/a/b?x=1&y=%2F", ("Cookie", "a=b")),
        plain("open", 200, "POST", "/prod/open/up", json_type, body=pet),
        plain("open", 200, "PUT", "/prod/open/chunked", json_type, body=pet, chunked=True),
        plain("open", 200, "DELETE", "/prod/open/x", host=f"{api_id}.execute-api.localhost"),
        plain("open", 200, "POST", "/prod/open/expect", ("Expect", "100-continue"), body=b"ab"),
        plain("keyed", 200, "GET", "/prod/keyed", key),
        plain("keyed", 200, "POST", "/prod/keyed?x=1", key, json_type, body=pet),
        plain("keyed", 200, "GET", f"{user_request}/keyed", key),
        plain("keyed", 403, "GET", "/prod/keyed", ("x-api-key", secrets.unsubscribed_key)),
        plain("keyed", 403, "GET", "/prod/keyed", ("x-api-key", secrets.disabled_key)),
        plain("keyed", 403, "GET", "/prod/keyed"),
        plain("authz", 200, "GET", "/prod/authz", bearer),
        plain("authz", 200, "POST", "/prod/authz", bearer, json_type, body=pet),
        plain("authz", 403, "GET", "/prod/authz", ("Authorization", f"Bearer {secrets.deny_token}")),
        plain("authz", 401, "GET", "/prod/authz", ("Authorization", "Bearer stranger")),
        plain("authz", 401, "GET", "/prod/authz"),
        plain("tenant", 200, "GET", "/prod/tenant?tenant=acme", ("X-User", "ann")),
        plain("tenant", 200, "POST", "/prod/tenant?x=1&tenant=acme", ("X-User", "ann"), json_type, body=pet),
        plain("tenant", 401, "GET", "/prod/tenant?tenant=acme", ("X-User", "bob")),
        plain("tenant", 401, "GET", "/prod/tenant", ("X-User", "ann")),
        signed("iam", 200, secrets.alice, "GET", "/prod/iam?b=2&a=x%20y"),
        signed("iam", 200, secrets.alice, "POST", "/prod/iam", body=pet, headers=[json_type]),
        signed("iam", 200, secrets.alice, "GET", "/prod/iam", presign=True),
        signed("iam", 403, secrets.mallory, "GET", "/prod/iam"),
        plain("iam", 403, "GET", "/prod/iam"),
        plain("valid", 200, "POST", "/prod/valid", json_type, body=pet),
        plain("valid", 200, "POST", "/prod/valid", json_type, body=pet, chunked=True),
        plain("valid", 200, "POST", "/prod/valid", ("Content-Type", "text/plain"), body=bad_pet),
        plain("valid", 400, "POST", "/prod/valid", json_type, body=bad_pet),
        plain("valid", 400, "POST", "/prod/valid", json_type, body=b'{"name": "rex", '),
    ]


# --- the byte mutator --------------------------------------------------------------------------

_TOKENS = [
    b"\r\n", b"\n", b"\r", b"\x00", b" ", b"\t", b":", b";", b",", b"%", b"%00", b"%2e", b"%2e%2e",
    b"%2f", b"%2F", b"%5c", b"%23", b"%3f", b"%25", b"..", b"/..", b"/./", b"//", b"\\", b"?", b"#",
    b"&", b"=", b"\xff", b"\xc0\xae", b"\x7f", b"\x0b", b'"', b"'", b"{", b"}", b"[", b"]", b"-1",
    b"0", b"+5", b"0x5", b"99999999999999999999", b"chunked", b"Transfer-Encoding: chunked\r\n",
    b"Content-Length: 0\r\n", b"Content-Length: 5\r\n", b"Expect: 100-continue\r\n",
    b"Connection: close\r\n", b"Upgrade: h2c\r\n", b"Host: evil.example\r\n", b"0\r\n\r\n",
    b"GET /prod/mock HTTP/1.1\r\nHost: a\r\n\r\n", b"HTTP/1.0", b"HTTP/1.1", b"/prod", b"/dev",
    b"/restapis/", b"_user_request_", b"+", b"\xe2\x80\xae", b"Content-Type: text/plain\r\n",
    b"Content-Type: application/json\r\n", b"x-api-key: \r\n", b"Authorization: Bearer \r\n",
    b"/keyed", b"/authz", b"/iam", b"/valid", b"/open", b"/mock", b"/tenant", b"X-User: ann\r\n",
    b"tenant=acme", b"&tenant=", b"X-User: bob\r\n",
]  # fmt: skip


def _tokens(secrets: Secrets) -> list[bytes]:
    """The generic tokens and the run's own credentials, so mutants move them between routes."""
    own = [
        f"x-api-key: {secrets.valid_key}\r\n".encode(),
        f"Authorization: Bearer {secrets.token}\r\n".encode(),
        secrets.valid_key.encode(),
        secrets.token.encode(),
        secrets.alice.access_key.encode(),
    ]
    return _TOKENS + own


def mutate(data: bytes, rng: random.Random, others: Sequence[bytes], tokens: Sequence[bytes]) -> bytes:
    """One to six random byte-level mutations of ``data``; half of the time its
    Content-Length is made to fit its body again."""
    buf = bytearray(data)
    for _ in range(min(6, 1 + int(rng.expovariate(0.8)))):
        buf = _MUTATIONS[rng.randrange(len(_MUTATIONS))](buf, rng, others, tokens)
    if rng.random() < 0.5:
        buf = _fit_length(buf)
    return bytes(buf)


def _pos(buf: bytearray, rng: random.Random) -> int:
    """A position, biased to the head, where most of the parsing happens."""
    head = buf.find(b"\r\n\r\n")
    if head > 0 and rng.random() < 0.75:
        return rng.randrange(head + 1)
    return rng.randrange(len(buf) + 1)


def _span(buf: bytearray, rng: random.Random) -> tuple[int, int]:
    start = _pos(buf, rng)
    return start, min(len(buf), start + 1 + int(rng.expovariate(0.15)))


def _replace_byte(
    buf: bytearray, rng: random.Random, others: Sequence[bytes], tokens: Sequence[bytes]
) -> bytearray:
    if buf:
        buf[min(_pos(buf, rng), len(buf) - 1)] = rng.randrange(256)
    return buf


def _flip_bit(
    buf: bytearray, rng: random.Random, others: Sequence[bytes], tokens: Sequence[bytes]
) -> bytearray:
    if buf:
        buf[min(_pos(buf, rng), len(buf) - 1)] ^= 1 << rng.randrange(8)
    return buf


def _insert_token(
    buf: bytearray, rng: random.Random, others: Sequence[bytes], tokens: Sequence[bytes]
) -> bytearray:
    at = _pos(buf, rng)
    return buf[:at] + rng.choice(tokens) + buf[at:]


def _insert_random(
    buf: bytearray, rng: random.Random, others: Sequence[bytes], tokens: Sequence[bytes]
) -> bytearray:
    at = _pos(buf, rng)
    return buf[:at] + bytes(rng.randrange(256) for _ in range(rng.randint(1, 8))) + buf[at:]


def _delete(
    buf: bytearray, rng: random.Random, others: Sequence[bytes], tokens: Sequence[bytes]
) -> bytearray:
    start, end = _span(buf, rng)
    return buf[:start] + buf[end:]


def _duplicate(
    buf: bytearray, rng: random.Random, others: Sequence[bytes], tokens: Sequence[bytes]
) -> bytearray:
    start, end = _span(buf, rng)
    return buf[:end] + buf[start:end] + buf[end:]


def _repeat(
    buf: bytearray, rng: random.Random, others: Sequence[bytes], tokens: Sequence[bytes]
) -> bytearray:
    """A byte many times over: long values, the header and body limits."""
    at = _pos(buf, rng)
    filler = bytes([buf[at - 1] if at and rng.random() < 0.5 else rng.choice(b"a%/.\x00 ")])
    return buf[:at] + filler * rng.choice((64, 1000, 5000, 11000, 70000)) + buf[at:]


def _lines(buf: bytearray) -> tuple[list[bytes], bytes]:
    head, sep, body = bytes(buf).partition(b"\r\n\r\n")
    return head.split(b"\r\n"), sep + body


def _line_op(
    buf: bytearray, rng: random.Random, others: Sequence[bytes], tokens: Sequence[bytes]
) -> bytearray:
    """Duplicate, delete, swap, or case-flip a line of the head (duplicate headers, lost Host...)."""
    lines, rest = _lines(buf)
    i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
    op = rng.randrange(5)
    if op == 0:
        lines.insert(j, lines[i])
    elif op == 1 and len(lines) > 1:
        del lines[i]
    elif op == 2:
        lines[i], lines[j] = lines[j], lines[i]
    elif op == 3:
        lines[i] = lines[i].swapcase()
    else:  # move a header from another seed in
        lines.insert(max(1, j), rng.choice(_lines(bytearray(rng.choice(others)))[0][1:] or [b"X: y"]))
    return bytearray(b"\r\n".join(lines) + rest)


def _number(
    buf: bytearray, rng: random.Random, others: Sequence[bytes], tokens: Sequence[bytes]
) -> bytearray:
    """A run of digits (a length, a chunk size, a date, a price) replaced by an interesting one."""
    runs = [m.span() for m in re.finditer(rb"[0-9a-fA-F]+", bytes(buf))]
    if not runs:
        return buf
    start, end = rng.choice(runs)
    value = rng.choice(
        [b"0", b"1", b"-1", b"00", b"7fffffff", b"4294967296", b"18446744073709551616", b"1e9"]
    )
    return buf[:start] + value + buf[end:]


def _splice(
    buf: bytearray, rng: random.Random, others: Sequence[bytes], tokens: Sequence[bytes]
) -> bytearray:
    other = rng.choice(others)
    return buf[: _pos(buf, rng)] + other[rng.randrange(len(other) + 1) :]


def _truncate(
    buf: bytearray, rng: random.Random, others: Sequence[bytes], tokens: Sequence[bytes]
) -> bytearray:
    return buf[: _pos(buf, rng)]


def _append_request(
    buf: bytearray, rng: random.Random, others: Sequence[bytes], tokens: Sequence[bytes]
) -> bytearray:
    """Pipelining: another seed (or this one) after it."""
    return buf + rng.choice([*others, bytes(buf)])


_MUTATIONS: list[Callable[[bytearray, random.Random, Sequence[bytes], Sequence[bytes]], bytearray]] = [
    _replace_byte, _flip_bit, _insert_token, _insert_token, _insert_token, _insert_random, _delete,
    _duplicate, _repeat, _line_op, _line_op, _line_op, _number, _splice, _truncate, _append_request,
]  # fmt: skip

_CONTENT_LENGTH = re.compile(rb"(?im)^content-length:[ \t]*[0-9]+[ \t]*$")


def _fit_length(buf: bytearray) -> bytearray:
    head, sep, body = bytes(buf).partition(b"\r\n\r\n")
    if not sep or len(_CONTENT_LENGTH.findall(head)) != 1 or b"chunked" in head.lower():
        return buf
    fitted = _CONTENT_LENGTH.sub(b"Content-Length: %d" % len(body), head)
    return bytearray(fitted + sep + body)


def mutant(seed: int, index: int, seeds: Sequence[Seed], tokens: Sequence[bytes]) -> tuple[str, bytes]:
    """Case ``index`` of run ``seed``: the kind of its seed and its bytes (an IAM seed is signed
    as it is rendered, so its date and signature are today's; their positions do not move)."""
    rng = random.Random(f"{seed}/{index}")
    chosen = seeds[rng.randrange(len(seeds))]
    marker = f"m{seed}-{index}"
    others = [s.render(marker) for s in rng.sample(list(seeds), 3)]
    return chosen.kind, mutate(chosen.render(marker), rng, others, tokens)


# --- sending: one raw connection per request ---------------------------------------------------


class _Counter:
    __slots__ = ("complete",)

    def __init__(self) -> None:
        self.complete = 0

    def on_message_complete(self) -> None:
        self.complete += 1


def answers_owed(data: bytes) -> int:
    """How many answers ``data`` is owed, as llhttp (the gateway's parser) reads it: one per
    complete request, one more for a parse error; 0 when it still waits for bytes."""
    counter = _Counter()
    parser = httptools.HttpRequestParser(counter)
    try:
        parser.feed_data(data)
    except httptools.HttpParserUpgrade:
        return counter.complete
    except httptools.HttpParserError:
        return counter.complete + 1
    return counter.complete


@dataclass
class Outcome:
    statuses: list[int] = field(default_factory=list)
    closed: bool = False
    hang: bool = False
    bad_response: str = ""
    """What was not HTTP in the answer, if anything."""
    refused: bool = False
    """The connection could not be made."""
    owed: int = 0
    seconds: float = 0.0


_STATUS_LINE = re.compile(rb"HTTP/1\.1 ([1-5][0-9][0-9]) [^\r\n]*")


def _parse_answers(raw: bytes) -> tuple[list[int], bool, str]:
    """Final statuses of the whole answers in ``raw``, whether one said ``connection: close``,
    and what was not HTTP."""
    statuses: list[int] = []
    pos = 0
    while (end := raw.find(b"\r\n\r\n", pos)) >= 0:
        lines = raw[pos:end].split(b"\r\n")
        line = _STATUS_LINE.fullmatch(lines[0])
        if line is None:
            return statuses, True, f"not a status line: {lines[0][:80]!r}"
        status = int(line.group(1))
        lengths = [
            v.strip() for n, _, v in (x.partition(b":") for x in lines[1:]) if n.lower() == b"content-length"
        ]
        if status >= 200 and (len(lengths) != 1 or not lengths[0].isdigit()):
            return statuses, True, f"{status} without one Content-Length"
        size = int(lengths[0]) if lengths else 0
        if len(raw) < end + 4 + size:
            break
        pos = end + 4 + size
        if status < 200:
            continue
        statuses.append(status)
        if any(x.lower() == b"connection: close" for x in lines[1:]):
            return statuses, True, ""
    return statuses, False, ""


def exchange(port: int, data: bytes, owed: int | None = None, deadline_s: float = DEADLINE_S) -> Outcome:
    """Send ``data`` on a connection of its own and read what it is owed (``answers_owed``)."""
    owed = answers_owed(data) if owed is None else owed
    outcome = Outcome(owed=owed)
    started = time.monotonic()
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(deadline_s)
        try:
            sock.connect(("127.0.0.1", port))
        except OSError:
            outcome.refused = True
            return outcome
        try:
            sock.sendall(data)
            if owed == 0:  # it waits for bytes that will never come: say so
                sock.shutdown(socket.SHUT_WR)
        except TimeoutError:
            outcome.hang = True  # the gateway stopped reading for the whole deadline
            return outcome
        except OSError:
            pass  # closed early (a refusal): what it answered is still there to read
        sent = time.monotonic()
        raw = b""
        while (left := sent + deadline_s - time.monotonic()) > 0:
            sock.settimeout(left)
            try:
                chunk = sock.recv(65536)
            except TimeoutError:
                break
            except OSError:
                outcome.closed = True
                break
            if not chunk:
                outcome.closed = True
                break
            raw += chunk
            statuses, closing, bad = _parse_answers(raw)
            if bad or closing or (owed and len(statuses) >= owed):
                outcome.closed = outcome.closed or closing
                break
        outcome.statuses, _, outcome.bad_response = _parse_answers(raw)
        done = outcome.closed or (owed > 0 and len(outcome.statuses) >= owed) or bool(outcome.bad_response)
        outcome.hang = not done
        outcome.seconds = time.monotonic() - started
    return outcome


# --- a run ---------------------------------------------------------------------------------


@dataclass
class Finding:
    what: str
    case: str
    data: bytes
    detail: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"what": self.what, "case": self.case, "detail": self.detail, "bytes": repr(self.data[:600])}


@dataclass
class Tally:
    """What one run sent and got; thread-safe."""

    sent: int = 0
    by_class: Counter[str] = field(default_factory=Counter)
    by_kind: dict[str, Counter[str]] = field(default_factory=dict)
    status_5xx: Counter[int] = field(default_factory=Counter)
    hangs: int = 0
    bad_responses: int = 0
    refused: int = 0
    dropped: int = 0
    """A complete request got no answer at all before its connection closed."""
    slowest_s: float = 0.0
    findings: list[Finding] = field(default_factory=list)
    finding_count: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, case: str, data: bytes, outcome: Outcome) -> str:
        """Count ``outcome``; the finding it is ('' if none)."""
        if outcome.refused:
            label = "refused"
        elif outcome.hang:
            label = "hang"
        elif outcome.bad_response:
            label = "bad_response"
        elif not outcome.statuses:
            label = "incomplete_closed" if outcome.owed == 0 else "dropped"
        else:
            label = f"{outcome.statuses[0] // 100}xx"
        finding = ""
        if label in ("hang", "bad_response", "dropped"):
            finding = label
        elif 500 in outcome.statuses:
            finding = "500"
        with self.lock:
            self.sent += 1
            self.by_class[label] += 1
            self.by_kind.setdefault(kind, Counter())[label] += 1
            self.status_5xx.update(s for s in outcome.statuses if s >= 500)
            self.hangs += outcome.hang
            self.bad_responses += bool(outcome.bad_response)
            self.refused += outcome.refused
            self.dropped += label == "dropped"
            self.slowest_s = max(self.slowest_s, outcome.seconds if not outcome.hang else DEADLINE_S)
            if finding:
                self.finding_count += 1
                if len(self.findings) < 30:
                    detail = outcome.bad_response or f"statuses {outcome.statuses}, owed {outcome.owed}"
                    self.findings.append(Finding(finding, case, data, detail))
        return finding


@dataclass
class Target:
    """The API under fuzzing: its gateway, its backends and what it takes to call it."""

    seed: int
    secrets: Secrets
    backends: dict[str, Backend]
    gateway: Gateway
    api_id: str
    seeds: list[Seed]
    pids: list[int]
    """The gateway's workers when fuzzing began."""
    rss_before_mb: float

    @property
    def bypasses(self) -> int:
        return sum(b.bypass_count for b in self.backends.values())

    def stop(self) -> None:
        self.gateway.stop()
        for backend in self.backends.values():
            backend.stop()


def start_target(folder: Path, seed: int) -> Target:
    secrets = make_secrets(seed)
    checks = oracle_checks(secrets)
    backends = {name: Backend(name, check) for name, check in checks.items()}
    for backend in backends.values():
        backend.start()
    try:
        template, identities = write_api(folder, secrets, {n: b.port for n, b in backends.items()})
        gateway = start_gateway(folder, template, identities)
    except BaseException:
        for backend in backends.values():
            backend.stop()
        raise
    try:
        api_id = _api_id(gateway.port, backends["open"])
        seeds = seed_requests(secrets, gateway.port, api_id)
        target = Target(seed, secrets, backends, gateway, api_id, seeds, [], 0.0)
        # warm every route (the authorizer's instances, the upstream connections) before measuring
        for _ in range(3):
            for n, s in enumerate(seeds):
                exchange(gateway.port, s.render(f"warm-{n}"))
        target.pids = gateway.children()
        target.rss_before_mb = gateway.rss_mb(target.pids)
        return target
    except BaseException:
        gateway.stop()
        for backend in backends.values():
            backend.stop()
        raise


def _api_id(port: int, open_backend: Backend) -> str:
    """The served API's id, from the header API Gateway adds to what it proxies."""
    seen: list[str] = []
    check = open_backend.check
    open_backend.check = lambda arrival: seen.extend(arrival.values("x-amzn-apigateway-api-id")) or ""
    try:
        outcome = exchange(port, http_request("GET", "/prod/open/api-id"), owed=1)
    finally:
        open_backend.check = check
    assert outcome.statuses == [200] and seen, outcome
    return seen[0]


def send_mutants(target: Target, indexes: Iterable[int], threads: int, deadline: float) -> Tally:
    """Send the byte-mutated cases ``indexes`` from ``threads`` threads, until ``deadline``
    (``time.monotonic()``) at the latest."""
    tally = Tally()
    tokens = _tokens(target.secrets)
    port = target.gateway.port

    def one(index: int) -> None:
        if time.monotonic() > deadline:
            return
        kind, data = mutant(target.seed, index, target.seeds, tokens)
        tally.add(kind, f"m{target.seed}-{index}", data, exchange(port, data))

    with ThreadPoolExecutor(max_workers=threads) as pool:
        for _ in pool.map(one, indexes):
            pass
    return tally


# --- Hypothesis: structured requests -----------------------------------------------------------

_SEGMENTS = [
    "mock", "open", "keyed", "authz", "tenant", "iam", "valid", "prod", "dev", ".", "..", "%2e", "%2e%2e",
    "%2E%2e", ".%2e", "%2f", "%2F", "%5c", "%00", "%23", "%3f", "%3F", "%25", "%252e", "a;b=c", ";",
    "~", "", "KEYED", "%6Beyed", "%C3%A9", "é", "%c0%ae", "x" * 300, "{id}", "{proxy+}", "*",
]  # fmt: skip
_PREFIXES = [
    "/prod",
    "/prod/",
    "//prod",
    "/prod/.",
    "/Prod",
    "/dev",
    "/prod/../prod",
    "",
    "/prod;x",
    "/%70rod",
]
_ROUTES = [
    "mock",
    "mock/7",
    "open/a",
    "keyed",
    "authz",
    "iam",
    "valid",
    "2015-03-31/functions/FuzzAuthorizer",
]
_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]
_CONTENT_TYPES = [
    None, "application/json", "application/json; charset=utf-8", "APPLICATION/JSON", "text/plain",
    "application/x-www-form-urlencoded", "application/json, text/plain", " application/json",
    "application/jsonx", "*/*", "", "multipart/form-data; boundary=x", "application/octet-stream",
]  # fmt: skip
_HEADER_NAMES = [
    "X-Api-Key", "Authorization", "Content-Type", "Accept", "Host", "X-Amz-Date", "X-Amz-Security-Token",
    "X-Amz-Content-Sha256", "Cookie", "X-Forwarded-For", "X-Amzn-Trace-Id", "Content-Encoding",
    "Accept-Encoding", "X-HTTP-Method-Override", "Range", "If-None-Match", "Origin", "X-User",
]  # fmt: skip
_IAM_MODES = [
    "none", "alice", "alice", "alice-presign", "mallory", "alice-bad-secret", "alice-tamper-signature",
    "alice-tamper-date", "alice-tamper-credential", "alice-session-token", "alice-add-query",
]  # fmt: skip

_text = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=24)
_json = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats(allow_nan=False) | _text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_text, inner, max_size=4),
    max_leaves=12,
)
_pets = st.fixed_dictionaries(
    {},
    optional={
        "name": st.one_of(_text, st.integers(), st.none()),
        "price": st.one_of(st.integers(-3, 2**65), st.floats(allow_nan=False), _text, st.booleans()),
        "tags": st.lists(
            st.fixed_dictionaries({}, optional={"label": st.one_of(_text, st.integers())}), max_size=3
        )
        | _json,
        "extra": _json,
    },
)


def _encode_json(value: Any, compact: bool) -> bytes:
    return json.dumps(value, separators=(",", ":") if compact else None, ensure_ascii=compact).encode()


_bodies = st.one_of(
    st.builds(_encode_json, _pets, st.booleans()),
    st.builds(_encode_json, _json, st.booleans()),
    st.binary(max_size=64),
    st.sampled_from(
        [b"", b"  ", b"{}", b"[]", b"null", b'{"name": "a", "price": 1}garbage',
         b'\xef\xbb\xbf{"name":"a","price":1}', b'{"name":"a","price":1,"price":"x"}',
         b'{"name":"a","price":NaN}', b'{"name":"a","price":1e999}', b'{"name":"a","price":1,"x":"\xe1"}',
         b'{"name":"\\ud800","price":1}', b'{"name":"a","price":-0}', b'{"name":"a","price":1}\x00']
    ),
)  # fmt: skip


@dataclass(frozen=True)
class Structured:
    """A well-framed request Hypothesis drew; ``render`` signs it (when it is signed) now."""

    method: str
    path: str
    query: tuple[tuple[str, str], ...]
    key: str | None
    bearer: str | None
    iam: str
    content_types: tuple[str | None, ...]
    extra: tuple[tuple[str, str], ...]
    body: bytes
    chunked: bool
    host: str

    def render(self, port: int, secrets: Secrets, marker: str) -> bytes:
        target = self.path + ("?" + "&".join(f"{k}={v}" for k, v in self.query) if self.query else "")
        headers: list[tuple[str, str]] = []
        if self.key is not None:
            headers.append(("x-api-key", self.key))
        if self.bearer is not None:
            headers.append(("Authorization", self.bearer))
        headers += [("Content-Type", ct) for ct in self.content_types if ct is not None]
        headers += self.extra
        if self.iam != "none":
            with contextlib.suppress(Exception):  # botocore refuses some targets: send them unsigned
                return self._signed(port, secrets, marker, target, headers)
        return http_request(
            self.method, target, headers, self.body, host=self.host, chunked=self.chunked, marker=marker
        )

    def _signed(
        self, port: int, secrets: Secrets, marker: str, target: str, headers: list[tuple[str, str]]
    ) -> bytes:
        mode = self.iam
        who = secrets.mallory if mode == "mallory" else secrets.alice
        if mode == "alice-bad-secret":
            who = Credentials(who.access_key, who.secret_key[::-1])
        if mode == "alice-session-token":
            who = Credentials(who.access_key, who.secret_key, token="FwoGZXIvYXdzEOr//////////")
        data = signed_request(
            port, who, self.method, target, self.body, headers,
            presign=mode == "alice-presign", marker=marker, chunked=self.chunked,
        )  # fmt: skip
        head, sep, body = data.partition(b"\r\n\r\n")
        if mode == "alice-tamper-signature":
            head = re.sub(
                rb"Signature=([0-9a-f])", lambda m: b"Signature=" + (b"0" if m[1] != b"0" else b"1"), head
            )
        elif mode == "alice-tamper-date":
            head = re.sub(rb"(X-Amz-Date[:=] ?)(\d{8})", rb"\g<1>20200101", head)
        elif mode == "alice-tamper-credential":
            head = head.replace(b"/execute-api/", b"/s3/")
        elif mode == "alice-add-query":
            head = head.replace(
                b" HTTP/1.1",
                b"&added=1 HTTP/1.1" if b"?" in head.split(b"\r\n")[0] else b"?added=1 HTTP/1.1",
                1,
            )
        return head + sep + body


def structured_requests(secrets: Secrets, api_id: str) -> st.SearchStrategy[Structured]:
    """Well-framed requests: wild ones (spellings of every route and stage, every credential and
    near miss of it on any route, duplicated and conflicting headers) and coherent ones (a
    route with its own credential or a near miss, a JSON body at the edges of the model)."""
    segment = st.sampled_from(_SEGMENTS) | st.text(
        st.characters(min_codepoint=0x21, max_codepoint=0x7E, exclude_characters="?#"), max_size=10
    )
    prefix = st.sampled_from(
        [*_PREFIXES, f"/restapis/{api_id}/prod/_user_request_", "/restapis/nope/prod/_user_request_"]
    )
    path = st.builds(
        lambda p, r, extra: p + "/" + r + "".join("/" + s for s in extra),
        prefix,
        st.sampled_from(_ROUTES),
        st.lists(segment, max_size=3),
    )
    query_name = st.sampled_from(
        ["q", "id", "tenant", "X-Amz-Credential", "X-Amz-Signature", "a", ""]
    ) | _text.map(quote)
    query = st.lists(
        st.tuples(query_name, _text.map(quote) | st.sampled_from(["", "%00", "%2", "a+b", "%E9"])), max_size=3
    )
    valid = secrets.valid_key
    key = st.sampled_from(
        [None, valid, secrets.unsubscribed_key, secrets.disabled_key, valid + "x", valid.upper(), " " + valid,
         valid + " ", valid[:-1], "", valid + "," + valid, secrets.token]
    )  # fmt: skip
    tok = secrets.token
    bearer = st.sampled_from(
        [None, f"Bearer {tok}", f"Bearer {secrets.deny_token}", f"bearer {tok}", f"Bearer  {tok}",
         f"Bearer {tok} ", f"Bearer {tok}x", f"Bearer {tok.upper()}", "Basic abc", tok, "Bearer ",
         f"Bearer {tok},Bearer {tok}", f"Bearer {valid}"]
    )  # fmt: skip
    extra_value = _text | st.sampled_from(
        [
            valid,
            f"Bearer {tok}",
            "127.0.0.1",
            "evil.example",
            "chunked",
            "gzip",
            "application/json",
            "AWS4-HMAC-SHA256",
        ]
    )
    extra = st.lists(st.tuples(st.sampled_from(_HEADER_NAMES), extra_value), max_size=4)
    content_types = st.lists(st.sampled_from(_CONTENT_TYPES), min_size=1, max_size=2).map(tuple)
    header = st.tuples(st.sampled_from(_HEADER_NAMES), extra_value)
    users = ["ann", "Ann", "ann ", " ann", "bob", "ann,ann", "ann,acme", "", "an%6E"]
    user = st.just([("X-User", "ann")]) | st.lists(
        st.tuples(st.sampled_from(["X-User", "x-user"]), st.sampled_from(users)), max_size=2
    )
    tenants = ["acme", "ACME", "acme%20", "ac%6De", "", "acme%00", "acme,acme", "ac+me", "%61cme"]
    tenant_name = st.sampled_from(["tenant", "Tenant", "tenant%20"])
    tenant_query = st.just([("tenant", "acme")]) | st.lists(
        st.tuples(tenant_name, st.sampled_from(tenants)), max_size=2
    )

    def coherent(route: str) -> st.SearchStrategy[Structured]:
        """A request to ``/prod/{route}`` with that route's credential, or a near miss of it."""
        return st.builds(
            Structured,
            method=st.just("POST") if route == "valid" else st.sampled_from(["GET", "POST", "PUT", "DELETE"]),
            path=st.lists(segment, max_size=1 if route == "open/a" else 0).map(
                lambda extra: "/prod/" + route + "".join("/" + s for s in extra)
            ),
            query=(tenant_query if route == "tenant" else query).map(tuple),
            key=st.just(valid) | key if route == "keyed" else st.none(),
            bearer=st.just(f"Bearer {tok}") | bearer if route == "authz" else st.none(),
            iam=st.sampled_from(["alice", *_IAM_MODES]) if route == "iam" else st.just("none"),
            content_types=st.sampled_from(_CONTENT_TYPES).map(lambda ct: (ct,)),
            extra=(user if route == "tenant" else st.lists(header, max_size=1)).map(tuple),
            body=_bodies,
            chunked=st.booleans(),
            host=st.just("127.0.0.1"),
        )

    wild = st.builds(
        Structured,
        method=st.sampled_from(_METHODS),
        path=path,
        query=query.map(tuple),
        key=key,
        bearer=bearer,
        iam=st.sampled_from(_IAM_MODES),
        content_types=content_types,
        extra=extra.map(tuple),
        body=_bodies,
        chunked=st.booleans(),
        host=st.sampled_from(
            ["127.0.0.1", f"{api_id}.execute-api.localhost", "nope.execute-api.localhost", "a:b"]
        ),
    )
    routes = ["mock", "open/a", "keyed", "authz", "tenant", "iam", "valid"]
    return wild | st.sampled_from(routes).flatmap(coherent)


def check_structured(target: Target, tally: Tally, request: Structured, number: int) -> None:
    """Send one structured request; raise AssertionError (Hypothesis then shrinks it) on a finding."""
    marker = f"h{target.seed}-{number}"
    data = request.render(target.gateway.port, target.secrets, marker)
    bypasses = target.bypasses
    finding = tally.add("structured", marker, data, exchange(target.gateway.port, data))
    assert not finding, f"{finding}: {data[:600]!r}"
    assert target.bypasses == bypasses, f"bypass: {_bypass_list(target)[-1:]}"


def _bypass_list(target: Target) -> list[dict[str, Any]]:
    return [b for backend in target.backends.values() for b in backend.bypasses]


def run_structured(target: Target, examples: int, deadline: float) -> tuple[Tally, str]:
    """Hypothesis: ``examples`` structured requests (seeded by the run's seed); the failure it
    shrank to, if any."""
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import seed as hypothesis_seed

    tally = Tally()
    strategy = structured_requests(target.secrets, target.api_id)

    @hypothesis_seed(target.seed)
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        phases=[Phase.generate, Phase.shrink],
        suppress_health_check=list(HealthCheck),
        report_multiple_bugs=False,
    )
    @given(strategy)
    def fuzz(request: Structured) -> None:
        if time.monotonic() < deadline:
            check_structured(target, tally, request, tally.sent)

    try:
        fuzz()
    except AssertionError as exc:
        return tally, str(exc)
    return tally, ""


# --- the full run (scripts/fuzz) -----------------------------------------------------------------


def _merge(tallies: Sequence[Tally]) -> Tally:
    total = Tally()
    for tally in tallies:
        total.sent += tally.sent
        total.by_class.update(tally.by_class)
        for kind, counts in tally.by_kind.items():
            total.by_kind.setdefault(kind, Counter()).update(counts)
        total.status_5xx.update(tally.status_5xx)
        total.hangs += tally.hangs
        total.bad_responses += tally.bad_responses
        total.refused += tally.refused
        total.dropped += tally.dropped
        total.slowest_s = max(total.slowest_s, tally.slowest_s)
        total.findings += tally.findings
        total.finding_count += tally.finding_count
    return total


def summary(target: Target, tallies: Sequence[Tally], wall_s: float, shrunk: str = "") -> dict[str, Any]:
    """The figures of a run, as JSON-able values (``problems`` lists what failed)."""
    total = _merge(tallies)
    gateway = target.gateway
    pids_after = gateway.children()
    alive = exchange(gateway.port, http_request("GET", "/prod/mock"), owed=1).statuses == [200]
    log = gateway.log_text()
    figures: dict[str, Any] = {
        "seed": target.seed,
        "requests": total.sent,
        "by_phase": {"hypothesis": tallies[0].sent, "byte_mutations": sum(t.sent for t in tallies[1:])},
        "by_class": dict(sorted(total.by_class.items())),
        "by_kind": {k: dict(sorted(v.items())) for k, v in sorted(total.by_kind.items())},
        "status_5xx": {str(k): v for k, v in sorted(total.status_5xx.items())},
        "status_500": total.status_5xx[500],
        "hangs": total.hangs,
        "dropped": total.dropped,
        "bad_responses": total.bad_responses,
        "refused_connections": total.refused,
        "slowest_answer_s": round(total.slowest_s, 3),
        "worker_pids_before": target.pids,
        "worker_pids_after": pids_after,
        "worker_deaths": len(set(target.pids) - set(pids_after)) + log.count("starting another"),
        "unhandled_errors_logged": log.count("unhandled error"),
        "rss_before_mb": round(target.rss_before_mb, 1),
        "rss_after_mb": round(gateway.rss_mb(pids_after), 1),
        "arrivals": {n: b.arrivals for n, b in target.backends.items()},
        "credentialed_arrivals": {n: b.credentialed for n, b in target.backends.items() if n != "open"},
        "bypasses": target.bypasses,
        "gateway_still_answers": alive,
        "wall_s": round(wall_s, 1),
    }
    figures["rss_growth_mb"] = round(figures["rss_after_mb"] - figures["rss_before_mb"], 1)
    problems = []
    for name in (
        "status_500",
        "hangs",
        "dropped",
        "bad_responses",
        "worker_deaths",
        "unhandled_errors_logged",
        "bypasses",
    ):
        if figures[name]:
            problems.append(f"{name}: {figures[name]}")
    if figures["rss_growth_mb"] >= RSS_GROWTH_LIMIT_MB:
        problems.append(f"RSS grew {figures['rss_growth_mb']} MB")
    if not alive:
        problems.append("the gateway no longer answers")
    if shrunk:
        problems.append(f"Hypothesis: {shrunk[:2000]}")
    figures["problems"] = problems
    figures["findings"] = [f.as_dict() for f in total.findings[:10]]
    figures["bypass_records"] = _bypass_list(target)[:10]
    return figures


def markdown(figures: dict[str, Any]) -> str:
    rows = [
        ("seed", figures["seed"]),
        ("requests sent", f"{figures['requests']:,} ({figures['by_phase']['hypothesis']:,} Hypothesis, "
         f"{figures['by_phase']['byte_mutations']:,} byte mutations)"),
        ("by status class", ", ".join(f"{k} {v:,}" for k, v in figures["by_class"].items())),
        ("5xx by status", ", ".join(f"{k}: {v}" for k, v in figures["status_5xx"].items()) or "none"),
        ("500s", figures["status_500"]),
        (f"hangs over {DEADLINE_S:g} s", figures["hangs"]),
        ("complete requests dropped unanswered", figures["dropped"]),
        ("answers that are not HTTP", figures["bad_responses"]),
        ("worker deaths", f"{figures['worker_deaths']} "
         f"(pids {figures['worker_pids_before']} -> {figures['worker_pids_after']})"),
        ("RSS of the workers", f"{figures['rss_before_mb']} MB -> {figures['rss_after_mb']} MB "
         f"({figures['rss_growth_mb']:+} MB)"),
        ("backend arrivals", ", ".join(f"{k} {v:,}" for k, v in figures["arrivals"].items())),
        ("bypasses", figures["bypasses"]),
        ("wall time", f"{figures['wall_s']} s"),
    ]  # fmt: skip
    table = "| figure | value |\n|---|---|\n" + "\n".join(f"| {name} | {value} |" for name, value in rows)
    verdict = "PASS" if not figures["problems"] else "FAIL: " + "; ".join(figures["problems"])
    return f"{table}\n\n{verdict}\n"


def replay(target: Target, cases: Sequence[int]) -> None:
    """Print the bytes of each byte-mutated case and what the gateway answers to them."""
    for index in cases:
        kind, data = mutant(target.seed, index, target.seeds, _tokens(target.secrets))
        outcome = exchange(target.gateway.port, data)
        print(f"case {index} ({kind}): {data!r}\n  -> {outcome}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/fuzz", description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=50_000, help="requests in all (default 50,000)")
    parser.add_argument(
        "--hypothesis-share", type=float, default=0.1, help="of them, Hypothesis's (default 0.1)"
    )
    parser.add_argument(
        "--seed", default=str(DEFAULT_SEED), help=f"an integer, or 'random' (default {DEFAULT_SEED})"
    )
    parser.add_argument("--threads", type=int, default=6, help="sending threads for the byte mutations")
    parser.add_argument("--max-seconds", type=float, default=1500, help="stop sending after this long")
    parser.add_argument(
        "--case", type=int, action="append", help="replay byte-mutated case N only (repeatable)"
    )
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument(
        "--workdir", type=Path, help="folder for the template, store and log (default: a new temp one)"
    )
    args = parser.parse_args(argv)
    seed = random.SystemRandom().randrange(2**31) if args.seed == "random" else int(args.seed)
    import tempfile

    folder = args.workdir or Path(tempfile.mkdtemp(prefix="tollway-fuzz-"))
    folder.mkdir(parents=True, exist_ok=True)
    print(f"fuzz: seed {seed} (replay: scripts/fuzz --seed {seed}), work folder {folder}", flush=True)
    started = time.monotonic()
    target = start_target(folder, seed)
    try:
        if args.case:
            replay(target, args.case)
            return 0
        deadline = started + args.max_seconds
        examples = int(args.requests * args.hypothesis_share)
        structured, shrunk = run_structured(target, examples, deadline)
        print(
            f"fuzz: {structured.sent:,} Hypothesis requests in {time.monotonic() - started:.0f} s", flush=True
        )
        tallies = [structured]
        first, batch = 0, 5_000
        while first < args.requests - structured.sent and time.monotonic() < deadline:
            last = min(args.requests - structured.sent, first + batch)
            tallies.append(send_mutants(target, range(first, last), args.threads, deadline))
            first = last
            print(
                f"fuzz: {first:,} byte-mutated requests sent, {time.monotonic() - started:.0f} s", flush=True
            )
        time.sleep(0.5)  # the last arrivals are recorded
        figures = summary(target, tallies, time.monotonic() - started, shrunk)
    finally:
        target.stop()
    print(markdown(figures))
    print(json.dumps(figures, indent=1))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1))
    return 1 if figures["problems"] else 0


if __name__ == "__main__":
    sys.exit(main())
