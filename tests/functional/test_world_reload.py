"""A reload keeps the compiled stages whose inputs did not change and serves every change.

``build_world`` with the world served so far reuses a stage's compiled snapshot when its stage
record and its deployed API are the ones read now (redeploying one API of a thousand compiles
that one); anything that changed (a deployment, a stage variable, a stage deleted or added,
keys, usage plans, functions, a definition fixed after it failed to compile) is served as a
fresh start would serve it. In-process, on a real SQLite store and the worker's ``build_world``.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from tollway.controlplane.service import ControlPlane
from tollway.dataplane.app import Gateway
from tollway.dataplane.integrations.mock import MockIntegration
from tollway.dataplane.messages import Request
from tollway.dataplane.services import Services
from tollway.dataplane.snapshot import ServedStage
from tollway.dataplane.world import World
from tollway.formats.openapi import rest_api_from_openapi
from tollway.formats.yamlio import parse_text
from tollway.launcher import ServeOptions, build_world
from tollway.model import Deployment, Stage
from tollway.model.functions import FunctionConfig, FunctionDef
from tollway.model.plans import ApiKey, ApiStage, UsagePlan
from tollway.stores.base import ApiRecord, FunctionRecord
from tollway.stores.sqlite import SqliteStore

API = """
openapi: 3.0.1
info: {{title: {api_id}, version: "1"}}
components:
  securitySchemes:
    api_key: {{type: apiKey, name: x-api-key, in: header}}
paths:
  /answer:
    get:
      security: [{security}]
      x-amazon-apigateway-integration:
        type: mock
        requestTemplates: {{application/json: '{{"statusCode": 200}}'}}
        responses:
          default:
            statusCode: "200"
            responseTemplates:
              application/json: '{{"api": "{api_id}", "v": "{version}", "who": "$stageVariables.who"}}'
"""
KEY = ApiKey("key0000001", "reader", "reader-key-value-000000000000000000000000")


class Served:
    """A store, the gateway serving it, and what a worker's reload does."""

    def __init__(self, path: Path) -> None:
        self.store = SqliteStore(str(path / "tollway.db"))
        self.control = ControlPlane(self.store)
        self.options = ServeOptions("127.0.0.1", 0, 1, str(path / "tollway.db"), None)
        self.gateway = Gateway(Services({"MOCK": MockIntegration()}, clock=time.time))

    def reload(self) -> World:
        world = build_world(self.control, self.options, self.gateway.world.directory.stages)
        self.gateway.install(world)
        return world

    def deploy(self, api_id: str, version: str, *, stage: str = "prod", keyed: bool = False) -> None:
        text = API.format(api_id=api_id, version=version, security="{api_key: []}" if keyed else "")
        api = replace(
            rest_api_from_openapi(parse_text(text, f"{api_id}.yaml"), source=f"{api_id}.yaml"), id=api_id
        )
        deployment = Deployment(f"{api_id}-{version}", api_id, 0.0, api)
        with self.store.transaction() as tx:
            tx.put_api(ApiRecord(api_id, f"k#{api_id}", api))
            tx.put_deployment(deployment)
            old = tx.get_stage(api_id, stage)
            variables = old.variables if old is not None else {"who": "first"}
            tx.put_stage(Stage(api_id, stage, deployment.id, variables))

    def stage(self, api_id: str, name: str = "prod") -> ServedStage | None:
        return next(
            (s for s in self.gateway.world.directory.stages if (s.api_id, s.name) == (api_id, name)), None
        )

    async def answer(self, api_id: str, stage: str = "prod", key: str | None = None) -> dict[str, str] | int:
        headers = [("Host", f"{api_id}.execute-api.localhost")]
        if key is not None:
            headers.append(("x-api-key", key))
        response = await self.gateway.handle(Request("GET", f"/{stage}/answer", headers, b"", "198.51.100.7"))
        if response.status != 200:
            return response.status
        found: dict[str, str] = json.loads(response.body)
        return found


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    serving = Served(tmp_path)
    yield serving
    serving.store.close()


async def test_redeploying_one_api_recompiles_it_alone_and_serves_its_new_answer(served: Served) -> None:
    for api_id in ("apione0001", "apitwo0002", "apithree03"):
        served.deploy(api_id, "v1")
    served.reload()
    before = {api_id: served.stage(api_id) for api_id in ("apione0001", "apitwo0002", "apithree03")}

    served.deploy("apitwo0002", "v2")
    served.reload()

    assert served.stage("apione0001") is before["apione0001"]
    assert served.stage("apithree03") is before["apithree03"]
    assert served.stage("apitwo0002") is not before["apitwo0002"]
    assert await served.answer("apitwo0002") == {"api": "apitwo0002", "v": "v2", "who": "first"}
    assert await served.answer("apione0001") == {"api": "apione0001", "v": "v1", "who": "first"}


async def test_a_changed_stage_variable_is_served_though_the_deployment_is_the_same(served: Served) -> None:
    served.deploy("apione0001", "v1")
    served.reload()
    with served.store.transaction() as tx:
        stage = tx.get_stage("apione0001", "prod")
        assert stage is not None
        tx.put_stage(replace(stage, variables={"who": "second"}))

    served.reload()

    assert await served.answer("apione0001") == {"api": "apione0001", "v": "v1", "who": "second"}


async def test_a_deleted_stage_is_gone_and_a_new_stage_is_served(served: Served) -> None:
    served.deploy("apione0001", "v1")
    served.deploy("apitwo0002", "v1")
    served.reload()
    with served.store.transaction() as tx:
        tx.delete_stage("apione0001", "prod")
    served.deploy("apitwo0002", "v2", stage="dev")

    served.reload()

    # AWS answers a stage that does not exist 403 {"message": "Missing Authentication Token"}.
    assert await served.answer("apione0001") == 403
    assert served.stage("apione0001") is None
    assert await served.answer("apitwo0002", "dev") == {"api": "apitwo0002", "v": "v2", "who": "first"}
    assert await served.answer("apitwo0002") == {"api": "apitwo0002", "v": "v1", "who": "first"}


async def test_keys_plans_and_functions_of_a_reload_apply_to_a_reused_stage(served: Served) -> None:
    served.deploy("apione0001", "v1", keyed=True)
    served.reload()
    before = served.stage("apione0001")
    assert await served.answer("apione0001", key=KEY.value) == 403  # AWS: 403 Forbidden, no such key

    function = FunctionDef("fn", "Fn", FunctionConfig("app.handler", "python3.12", "/code"))
    with served.store.transaction() as tx:
        tx.put_api_key(KEY)
        tx.put_usage_plan(
            UsagePlan("plan000001", "plan", api_stages=(ApiStage("apione0001", "prod"),), key_ids=(KEY.id,))
        )
        tx.put_function(FunctionRecord("fn", function))
    world = served.reload()

    assert served.stage("apione0001") is before
    answer = await served.answer("apione0001", key=KEY.value)
    assert answer == {"api": "apione0001", "v": "v1", "who": "first"}
    assert world.functions == {"fn": function}


async def test_a_stage_that_failed_to_compile_is_served_once_fixed(
    served: Served, caplog: pytest.LogCaptureFixture
) -> None:
    served.deploy("apione0001", "v1")
    good = served.store.get_deployment("apione0001-v1")
    assert good is not None
    answer = good.api.resource("/answer")
    assert answer is not None
    method = answer.methods["GET"]
    assert method.integration is not None
    bad = replace(method.integration, request_templates={"application/json": "#if($a)x"})
    resource = replace(answer, methods={"GET": replace(method, integration=bad)})
    broken = replace(good, id="apione0001-bad", api=replace(good.api, resources=(resource,)))
    with served.store.transaction() as tx:  # put as it is, not checked as a deploy checks it
        tx.put_deployment(broken)
        tx.put_stage(Stage("apione0001", "prod", broken.id, {"who": "first"}))

    with caplog.at_level(logging.ERROR, logger="tollway"):
        served.reload()
        served.reload()
    assert served.stage("apione0001") is None
    assert sum("not serving stage prod of API apione0001" in r.getMessage() for r in caplog.records) == 2

    served.deploy("apione0001", "v2")
    served.reload()
    assert await served.answer("apione0001") == {"api": "apione0001", "v": "v2", "who": "first"}


async def test_an_api_stored_again_under_the_same_ids_serves_its_new_definition(served: Served) -> None:
    served.deploy("apione0001", "v1")
    served.reload()
    first = served.stage("apione0001")
    assert first is not None
    with served.store.transaction() as tx:  # deleted, then stored with the same deployment id
        tx.delete_api("apione0001")
    changed = replace(first.api, description="changed")
    with served.store.transaction() as tx:
        tx.put_api(ApiRecord("apione0001", "k#apione0001", changed))
        tx.put_deployment(Deployment(first.stage.deployment_id, "apione0001", 0.0, changed))
        tx.put_stage(first.stage)

    served.reload()

    again = served.stage("apione0001")
    assert again is not None and again is not first
    assert again.api.description == "changed"
