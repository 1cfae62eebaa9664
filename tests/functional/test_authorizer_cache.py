"""The Lambda authorizer cache in-process, with a counting executor: a REQUEST authorizer's
result is keyed by every identity source's value, a TOKEN authorizer's by the token, and
entries expire with the TTL."""

from __future__ import annotations

import json
from dataclasses import replace

from tollway.dataplane.app import Gateway
from tollway.dataplane.authorizers.services import AuthServices
from tollway.dataplane.integrations.mock import MockIntegration
from tollway.dataplane.messages import Request
from tollway.dataplane.services import Services
from tollway.dataplane.snapshot import compile_stage
from tollway.formats.openapi import rest_api_from_openapi
from tollway.formats.yamlio import parse_text
from tollway.functions.runtime.executor import InvokeResult
from tollway.model import Deployment, Stage

URI = (
    "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
    "arn:aws:lambda:us-east-1:123456789012:function:auth/invocations"
)
API = f"""
openapi: 3.0.1
info: {{title: cached, version: "1"}}
components:
  securitySchemes:
    req:
      type: apiKey
      name: Unused
      in: header
      x-amazon-apigateway-authtype: custom
      x-amazon-apigateway-authorizer:
        type: request
        identitySource: method.request.header.X-User, method.request.querystring.tenant
        authorizerUri: {URI}
        authorizerResultTtlInSeconds: 60
paths:
  /a:
    get:
      security: [{{req: []}}]
      x-amazon-apigateway-integration:
        type: mock
        requestTemplates: {{application/json: '{{"statusCode": 200}}'}}
        responses: {{default: {{statusCode: "200"}}}}
"""


class CountingAuthorizer:
    """An executor whose only function allows everything and counts its invocations."""

    def __init__(self) -> None:
        self.events: list[dict[str, object]] = []

    async def invoke(
        self, name: str, payload: bytes, *, qualifier: str | None = None, request_id: str | None = None
    ) -> InvokeResult:
        self.events.append(json.loads(payload))
        statement = {"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "*"}
        answer = {"principalId": "p", "policyDocument": {"Statement": [statement]}}
        return InvokeResult(json.dumps(answer).encode())

    def check(self, name: str, qualifier: str | None = None) -> None:
        return None

    async def close(self) -> None:
        return None


async def test_request_authorizer_results_are_keyed_by_every_identity_source_and_expire() -> None:
    now = [1_000.0]
    executor = CountingAuthorizer()
    services = Services(
        integrations={"MOCK": MockIntegration()}, clock=lambda: now[0], auth=AuthServices(executor=executor)
    )
    api = replace(rest_api_from_openapi(parse_text(API, "api.yaml"), source="api.yaml"), id="cachedapi0")
    gateway = Gateway(services)
    gateway.load([compile_stage(Stage(api.id, "prod", "d1"), Deployment("d1", api.id, 0.0, api))])

    async def status(user: str, tenant: str) -> int:
        headers = [("Host", "localhost"), ("X-User", user)]
        request = Request("GET", f"/prod/a?tenant={tenant}", headers, b"", "198.51.100.7")
        return (await gateway.handle(request)).status

    assert [await status("ann", "acme") for _ in range(3)] == [200, 200, 200]
    assert len(executor.events) == 1  # cached
    assert await status("ann", "other") == 200  # another tenant: another entry
    assert await status("bob", "acme") == 200  # another user: another entry
    assert len(executor.events) == 3
    assert executor.events[0]["type"] == "REQUEST"
    now[0] += 61  # past the TTL
    assert await status("ann", "acme") == 200
    assert len(executor.events) == 4


async def test_repeated_and_comma_joined_identity_values_are_not_one_cache_entry() -> None:
    """``tenant=acme&tenant=acme`` and ``tenant=acme%2Cacme`` join to the same ``acme,acme``,
    but the authorizer sees them differently (the last value ``acme``, or ``acme,acme``): a
    result cached for one must not answer the other (found by scripts/fuzz's oracle)."""
    executor = CountingAuthorizer()
    services = Services(
        integrations={"MOCK": MockIntegration()}, clock=lambda: 1_000.0, auth=AuthServices(executor=executor)
    )
    api = replace(rest_api_from_openapi(parse_text(API, "api.yaml"), source="api.yaml"), id="cachedapi0")
    gateway = Gateway(services)
    gateway.load([compile_stage(Stage(api.id, "prod", "d1"), Deployment("d1", api.id, 0.0, api))])

    async def ask(query: str) -> None:
        request = Request(
            "GET", f"/prod/a?{query}", [("Host", "localhost"), ("X-User", "ann")], b"", "198.51.100.7"
        )
        assert (await gateway.handle(request)).status == 200

    await ask("tenant=acme&tenant=acme")
    await ask("tenant=acme%2Cacme")
    assert len(executor.events) == 2  # two entries: each authorized on what it said
    seen = [event["queryStringParameters"] for event in executor.events]
    assert seen == [{"tenant": "acme"}, {"tenant": "acme,acme"}]
