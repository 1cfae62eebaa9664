"""One served world, swapped whole: a store write that changes a deployment, the API keys
and the IAM identities at once is served all together, and a request that was waiting when
the new world was installed finishes in the world it arrived in (its stage, its keys).

In-process, on a real SQLite store and the worker's own ``build_world``; the request waits
on a Lambda authorizer that the test releases after the swap.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import replace
from pathlib import Path

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from tollway.controlplane.service import ControlPlane
from tollway.dataplane.app import Gateway
from tollway.dataplane.authorizers.services import AuthServices
from tollway.dataplane.integrations.mock import MockIntegration
from tollway.dataplane.messages import Request, Response
from tollway.dataplane.services import Services
from tollway.formats.openapi import rest_api_from_openapi
from tollway.formats.yamlio import parse_text
from tollway.functions.runtime.executor import InvokeResult
from tollway.launcher import ServeOptions, build_world
from tollway.model import Deployment, Stage
from tollway.model.identity import Identity
from tollway.model.plans import ApiKey, ApiStage, UsagePlan
from tollway.stores.base import ApiRecord
from tollway.stores.sqlite import SqliteStore

API_ID = "swapapi001"
AUTHORIZER = (
    "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
    "arn:aws:lambda:us-east-1:123456789012:function:gate/invocations"
)
MOCK = """
      x-amazon-apigateway-integration:
        type: mock
        requestTemplates: {{application/json: '{{"statusCode": 200}}'}}
        responses:
          default:
            statusCode: "200"
            responseTemplates: {{application/json: '{{"deployment": "{version}"}}'}}
"""
API = """
openapi: 3.0.1
info: {{title: swap, version: "1"}}
components:
  securitySchemes:
    gate:
      type: apiKey
      name: Authorization
      in: header
      x-amazon-apigateway-authtype: custom
      x-amazon-apigateway-authorizer:
        type: token
        authorizerUri: {authorizer}
        authorizerResultTtlInSeconds: 0
    api_key: {{type: apiKey, name: x-api-key, in: header}}
    sigv4: {{type: apiKey, name: Authorization, in: header, x-amazon-apigateway-authtype: awsSigv4}}
paths:
  /keyed:
    get:
      security: [{{gate: [], api_key: []}}]
{mock}
  /signed:
    get:
      security: [{{sigv4: []}}]
{mock}
"""
ALLOW_ALL = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
OLD_SIGNER = Credentials("AKIAOLDSIGNER000TEST", "old/secret/key/for/tests/only/000000000000")
NEW_SIGNER = Credentials("AKIANEWSIGNER000TEST", "new/secret/key/for/tests/only/000000000000")
OLD_KEY = ApiKey("oldkey0001", "old", "old-key-value-0000000000000000000000000000")
NEW_KEY = ApiKey("newkey0001", "new", "new-key-value-0000000000000000000000000000")


def deployment(version: str) -> Deployment:
    text = API.format(authorizer=AUTHORIZER, mock=MOCK.format(version=version).rstrip("\n"))
    api = replace(rest_api_from_openapi(parse_text(text, "swap.yaml"), source="swap.yaml"), id=API_ID)
    return Deployment(f"dep{version}", API_ID, 0.0, api)


def plan(key: ApiKey) -> UsagePlan:
    return UsagePlan("plan000001", "plan", api_stages=(ApiStage(API_ID, "prod"),), key_ids=(key.id,))


def identity(who: Credentials, name: str) -> Identity:
    return Identity(name, who.access_key, who.secret_key, policy=ALLOW_ALL)


class GatedAuthorizer:
    """A Lambda authorizer that allows everyone, once ``open`` is set."""

    def __init__(self) -> None:
        self.called = asyncio.Event()
        self.open = asyncio.Event()

    async def invoke(
        self, name: str, payload: bytes, *, qualifier: str | None = None, request_id: str | None = None
    ) -> InvokeResult:
        self.called.set()
        await self.open.wait()
        statement = {"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "*"}
        answer = {"principalId": "p", "policyDocument": {"Statement": [statement]}}
        return InvokeResult(json.dumps(answer).encode())

    def check(self, name: str, qualifier: str | None = None) -> None:
        return None

    async def close(self) -> None:
        return None


def keyed(key: ApiKey) -> Request:
    headers = [("Host", "localhost"), ("Authorization", "token"), ("x-api-key", key.value)]
    return Request("GET", "/prod/keyed", headers, b"", "198.51.100.7")


def signed(who: Credentials) -> Request:
    aws = AWSRequest(method="GET", url="http://localhost/prod/signed", headers={"Host": "localhost"})
    SigV4Auth(who, "execute-api", "us-east-1").add_auth(aws)
    return Request("GET", "/prod/signed", list(aws.headers.items()), b"", "198.51.100.7")


def served_deployment(response: Response) -> str | None:
    if response.status != 200:
        return None
    found: str = json.loads(response.body)["deployment"]
    return found


async def test_a_store_write_is_served_whole_and_a_waiting_request_keeps_its_world(tmp_path: Path) -> None:
    store = SqliteStore(str(tmp_path / "tollway.db"))
    control = ControlPlane(store)
    with store.transaction() as tx:
        first = deployment("one")
        tx.put_api(ApiRecord(API_ID, "swap", first.api))
        tx.put_deployment(first)
        tx.put_stage(Stage(API_ID, "prod", first.id))
        tx.put_api_key(OLD_KEY)
        tx.put_usage_plan(plan(OLD_KEY))
        tx.put_identity(identity(OLD_SIGNER, "old"))
    options = ServeOptions("127.0.0.1", 0, 1, str(tmp_path / "tollway.db"), None)
    authorizer = GatedAuthorizer()
    services = Services({"MOCK": MockIntegration()}, clock=time.time)
    services.auth = AuthServices(executor=authorizer)
    gateway = Gateway(services)
    gateway.install(build_world(control, options))
    assert served_deployment(await gateway.handle(signed(OLD_SIGNER))) == "one"

    waiting = asyncio.create_task(gateway.handle(keyed(OLD_KEY)))
    await asyncio.wait_for(authorizer.called.wait(), 5)
    with store.transaction() as tx:  # one write: a new deployment, new keys, new identities
        second = deployment("two")
        tx.put_deployment(second)
        tx.put_stage(Stage(API_ID, "prod", second.id))
        tx.put_api_key(NEW_KEY)
        tx.put_usage_plan(plan(NEW_KEY))
        tx.delete_api_key(OLD_KEY.id)
        tx.put_identity(identity(NEW_SIGNER, "new"))
        tx.delete_identity("old")
    before = gateway.world
    gateway.install(build_world(control, options))
    assert gateway.world.generation > before.generation
    authorizer.open.set()

    # The waiting request arrived in the old world: its key is checked against the old keys.
    assert served_deployment(await waiting) == "one"
    # Every later request sees only the new world.
    assert served_deployment(await gateway.handle(keyed(NEW_KEY))) == "two"
    assert (await gateway.handle(keyed(OLD_KEY))).status == 403
    assert served_deployment(await gateway.handle(signed(NEW_SIGNER))) == "two"
    assert (await gateway.handle(signed(OLD_SIGNER))).status == 403
    store.close()
