"""API keys and usage plans enforced on requests, through the real `tollway serve`:
keys and plans are created with the CLI while the server runs (picked up within a second)."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import httpx

from support import EXAMPLES, SHARED_REDIS, Running, run_cli, shared_redis, write

VALUE = "k" * 24 + "-enforced-test"
MARKER_TEMPLATE = {"application/json": '{"marker": "$stageVariables.marker"}'}


def _api(tmp_path: Path) -> Path:
    mock = {
        "type": "mock",
        "requestTemplates": {"application/json": '{"statusCode": 200}'},
        "responses": {
            "default": {
                "statusCode": "200",
                "responseTemplates": {"application/json": '{"keyId": "$context.identity.apiKeyId"}'},
            }
        },
    }
    marker = {**mock, "responses": {"default": {"statusCode": "200", "responseTemplates": MARKER_TEMPLATE}}}
    doc = {
        "openapi": "3.0.1",
        "info": {"title": "paid", "version": "1"},
        "components": {
            "securitySchemes": {"api_key": {"type": "apiKey", "name": "x-api-key", "in": "header"}}
        },
        "paths": {
            "/open": {"get": {"x-amazon-apigateway-integration": mock}},
            "/paid": {"get": {"security": [{"api_key": []}], "x-amazon-apigateway-integration": mock}},
            "/marker": {"get": {"x-amazon-apigateway-integration": marker}},
        },
    }
    return write(tmp_path / "paid.json", json.dumps(doc))


def _cli(server: Running, *args: str) -> str:
    done = run_cli("--store", server.store, *args)
    assert done.returncode == 0, done.stderr
    return done.stdout


def _until(url: str, status: int, headers: dict[str, str], marker: str | None = None) -> httpx.Response:
    deadline = time.monotonic() + 15  # serve reloads the store once a second
    while True:
        response = httpx.get(url, headers=headers)
        seen = marker is None or response.json().get("marker") == marker
        if (response.status_code == status and seen) or time.monotonic() > deadline:
            return response
        time.sleep(0.2)


def _setup(serve: Any, tmp_path: Path, *plan: str) -> tuple[Running, str, str]:
    server = serve(str(_api(tmp_path)))
    api_id = _cli(server, "apis", "list").split()[0]
    key_id = _cli(server, "keys", "create", "buyer", "--value", VALUE).split()[0]
    plan_id = _cli(server, "plans", "create", "gold", "--stage", f"{api_id}:prod", *plan).split()[0]
    _cli(server, "plans", "add-key", plan_id, key_id)
    return server, key_id, plan_id


def test_api_key_required_method_needs_a_key_a_plan_grants(serve: Any, tmp_path: Path) -> None:
    """AWS: missing, unknown, disabled or unsubscribed key -> 403 {"message":"Forbidden"}."""
    server = serve(str(_api(tmp_path)))
    url = f"{server.url}/prod/paid"
    assert httpx.get(f"{server.url}/prod/open").status_code == 200
    missing = httpx.get(url)
    assert (missing.status_code, missing.json()) == (403, {"message": "Forbidden"})
    assert missing.headers["x-amzn-ErrorType"] == "ForbiddenException"
    api_id = _cli(server, "apis", "list").split()[0]
    key_id = _cli(server, "keys", "create", "buyer", "--value", VALUE).split()[0]
    # A deployment made after the key shows when the server has reloaded past the key.
    _cli(server, "deploy", api_id, "prod", "--variable", "marker=after-key")
    assert _until(f"{server.url}/prod/marker", 200, {}, marker="after-key").json() == {"marker": "after-key"}
    assert httpx.get(url, headers={"x-api-key": VALUE}).status_code == 403  # in no usage plan yet
    plan_id = _cli(server, "plans", "create", "gold", "--stage", f"{api_id}:prod").split()[0]
    _cli(server, "plans", "add-key", plan_id, key_id)
    granted = _until(url, 200, {"x-api-key": VALUE})
    assert (granted.status_code, granted.json()) == (200, {"keyId": key_id})
    assert httpx.get(url, headers={"x-api-key": VALUE[:-1] + "X"}).status_code == 403
    _cli(server, "keys", "disable", key_id)
    assert _until(url, 403, {"x-api-key": VALUE}).status_code == 403


def test_plan_throttle_then_quota_answer_429(serve: Any, tmp_path: Path) -> None:
    """AWS: bucket empty -> 429 Too Many Requests; quota spent -> 429 Limit Exceeded; a
    rejected request is not counted against the quota."""
    server, _, _ = _setup(
        serve, tmp_path, "--rate", "0.01", "--burst", "2", "--quota-limit", "5", "--quota-period", "DAY"
    )
    url, key = f"{server.url}/prod/paid", {"x-api-key": VALUE}
    assert _until(url, 200, key).status_code == 200
    assert httpx.get(url, headers=key).status_code == 200
    throttled = httpx.get(url, headers=key)
    assert (throttled.status_code, throttled.json()) == (429, {"message": "Too Many Requests"})
    assert throttled.headers["x-amzn-ErrorType"] == "TooManyRequestsException"


def test_quota_admits_exactly_its_limit(serve: Any, tmp_path: Path) -> None:
    server, _, _ = _setup(
        serve, tmp_path, "--rate", "1000", "--burst", "1000", "--quota-limit", "3", "--quota-period", "DAY"
    )
    url, key = f"{server.url}/prod/paid", {"x-api-key": VALUE}
    assert _until(url, 200, key).status_code == 200
    statuses = [httpx.get(url, headers=key).status_code for _ in range(4)]
    assert statuses == [200, 200, 429, 429]
    spent = httpx.get(url, headers=key)
    assert spent.json() == {"message": "Limit Exceeded"}
    assert spent.headers["x-amzn-ErrorType"] == "LimitExceededException"


def test_quota_counted_in_redis_state(serve: Any, tmp_path: Path) -> None:
    """--state redis://: the plan's counters live in Redis (the throttle stage waits on it)."""
    shared_redis().close()
    server = serve(str(_api(tmp_path)), "--state", SHARED_REDIS)
    api_id = _cli(server, "apis", "list").split()[0]
    key_id = _cli(server, "keys", "create", "buyer", "--value", VALUE).split()[0]
    plan_id = _cli(
        server,
        "plans",
        "create",
        "gold",
        "--stage",
        f"{api_id}:prod",
        "--quota-limit",
        "2",
        "--quota-period",
        "DAY",
    ).split()[0]
    _cli(server, "plans", "add-key", plan_id, key_id)
    url, key = f"{server.url}/prod/paid", {"x-api-key": VALUE}
    assert _until(url, 200, key).status_code == 200
    assert [httpx.get(url, headers=key).status_code for _ in range(2)] == [200, 429]


SAM_USAGE_PLAN = """
Transform: AWS::Serverless-2016-10-31
Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: prod
      Auth:
        ApiKeyRequired: true
        UsagePlan:
          CreateUsagePlan: PER_API
          Quota: {Limit: 2, Period: DAY}
          Throttle: {RateLimit: 100, BurstLimit: 100}
      DefinitionBody:
        openapi: "3.0.1"
        info: {title: sam-plan, version: "1"}
        paths:
          /x:
            get:
              x-amazon-apigateway-integration:
                type: mock
                requestTemplates: {application/json: '{"statusCode": 200}'}
                responses: {default: {statusCode: "200"}}
"""


def test_sam_auth_usage_plan_creates_the_key_and_plan_it_enforces(serve: Any, tmp_path: Path) -> None:
    """SAM Auth {ApiKeyRequired, UsagePlan: {CreateUsagePlan: PER_API, Quota, Throttle}}: the
    translator's ApiKey, UsagePlan and UsagePlanKey are imported and enforced as declared."""
    server = serve(str(write(tmp_path / "template.yaml", SAM_USAGE_PLAN)))
    plans = _cli(server, "plans", "list")
    assert "throttle: 100/s burst 100" in plans and "quota: 2/DAY" in plans
    value = _cli(server, "keys", "list", "--include-values").split()[-1]
    url = f"{server.url}/prod/x"
    assert httpx.get(url).status_code == 403
    assert [httpx.get(url, headers={"x-api-key": value}).status_code for _ in range(3)] == [200, 200, 429]


def test_the_paid_example_holds_its_key_plan_and_stage_throttle_as_the_readme_says(serve: Any) -> None:
    server = serve(str(EXAMPLES / "paid" / "template.yaml"))
    key = {"x-api-key": "demo-key-for-tollway-0123456789"}
    with httpx.Client(base_url=server.url) as http:
        assert http.get("/prod/quote").json() == {"message": "Forbidden"}
        first = http.get("/prod/quote", headers=key)
        assert first.status_code == 200 and "The best way out" in first.json()["quote"]
        burst = [http.get("/prod/quote", headers=key).status_code for _ in range(6)]
        assert burst[:4] == [200] * 4 and burst[-1] == 429  # burst 5, then 2 per second
        free = [http.get("/prod/free").status_code for _ in range(4)]
        assert free[:3] == [200] * 3 and free[3] == 429  # the stage's method setting: burst 3
