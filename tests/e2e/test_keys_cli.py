"""The real ``tollway keys|plans|usage`` commands as subprocesses, against one store file.

Redis cases use the shared Redis at 127.0.0.1:6379 (CI starts it): they fail when CI is
set and Redis is missing, and are skipped otherwise.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from support import SHARED_REDIS, run_cli, shared_redis

VALUE = "cli-given-value-0123456789"
REDIS_URL = SHARED_REDIS
TEMPLATE = """
Resources:
  Api:
    Type: AWS::ApiGateway::RestApi
    Properties: {Name: Shop}
  Get:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Api
      ResourceId: !GetAtt Api.RootResourceId
      HttpMethod: GET
      AuthorizationType: NONE
      Integration: {Type: MOCK, RequestTemplates: {application/json: '{"statusCode": 200}'}}
  Deployment:
    Type: AWS::ApiGateway::Deployment
    DependsOn: Get
    Properties: {RestApiId: !Ref Api, StageName: prod}
"""


@pytest.fixture
def store(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path}/keys.db"


def cli(store: str, *args: str, code: int = 0) -> str:
    done = run_cli("--store", store, *args)
    assert done.returncode == code, done.stderr
    return done.stdout if code == 0 else done.stderr


def api_id(store: str, tmp_path: Path) -> str:
    template = tmp_path / "shop.yaml"
    template.write_text(TEMPLATE, encoding="utf-8")
    return cli(store, "import", str(template)).split("\t")[0]


def test_create_prints_the_value_once_and_list_hides_it_unless_asked(store: str) -> None:
    """AWS's GetApiKeys returns values only with includeValues."""
    key_id, name, value = (
        cli(store, "keys", "create", "partner", "--description", "Partner").strip().split("\t")
    )

    assert name == "partner" and re.fullmatch(r"[A-Za-z0-9]{40}", value)
    assert cli(store, "keys", "list") == f"{key_id}\tpartner\tenabled\tPartner\n"
    assert cli(store, "keys", "list", "--include-values") == f"{key_id}\tpartner\tenabled\tPartner\t{value}\n"
    assert cli(store, "keys", "disable", key_id) == f"{key_id}\tpartner\tdisabled\tPartner\n"
    assert cli(store, "keys", "delete", key_id) == f"deleted key {key_id}\n"
    assert cli(store, "keys", "list") == ""


def test_bad_and_duplicate_values_exit_1_and_never_show_the_value(store: str) -> None:
    """AWS: a value is 20-128 characters; a taken value is "API Key already exists"."""
    cli(store, "keys", "create", "first", "--value", VALUE)

    duplicate = cli(store, "-v", "keys", "create", "second", "--value", VALUE, code=1)
    short = cli(store, "-v", "keys", "create", "short", "--value", "tooshort-secret", code=1)

    assert duplicate == "tollway: API Key already exists\n"
    assert short == "tollway: API key 'short': an API key value must be 20 to 128 characters long, not 15\n"
    assert VALUE not in duplicate and "tooshort-secret" not in short


def test_plans_enforce_existing_stages_and_one_plan_per_api_stage(store: str, tmp_path: Path) -> None:
    api = api_id(store, tmp_path)
    key_id = cli(store, "keys", "create", "k").split("\t")[0]
    plan = cli(
        store, "plans", "create", "Gold", "--rate", "10", "--burst", "20", "--quota-limit", "1000",
        "--quota-period", "month", "--stage", f"{api}:prod", "--method-throttle", f"{api}:prod:/GET=1.5,3",
    )  # fmt: skip
    plan_id = plan.split("\t")[0]
    assert (
        plan == f"{plan_id}\tGold\tthrottle: 10/s burst 20\tquota: 1000/MONTH\tstages: {api}:prod\tkeys: -\n"
    )
    other_id = cli(store, "plans", "create", "Other", "--stage", f"{api}:prod").split("\t")[0]

    cli(store, "plans", "add-key", plan_id, key_id)
    conflict = cli(store, "plans", "add-key", other_id, key_id, code=1)
    unknown = cli(store, "plans", "create", "Nope", "--stage", f"{api}:staging", code=1)

    assert conflict == (
        f"tollway: Usage Plan {other_id} cannot be added because API Key {key_id} cannot reference "
        f"multiple Usage Plans with the same API Stage: {api}:prod\n"
    )
    assert unknown == f"tollway: Invalid stage identifier specified: {api}:staging\n"
    assert cli(store, "plans", "remove-key", plan_id, key_id).endswith("keys: -\n")
    assert cli(store, "plans", "delete", other_id) == f"deleted usage plan {other_id}\n"
    assert [line.split("\t")[0] for line in cli(store, "plans", "list").splitlines()] == [plan_id]


def test_csv_import_applies_every_row_or_none(store: str, tmp_path: Path) -> None:
    """AWS's api-key-file-format: case-insensitive headers; a bad row names file and line."""
    good, bad = tmp_path / "good.csv", tmp_path / "bad.csv"
    good.write_text(f"Name,key,Enabled\nimported,{VALUE},false\n", encoding="utf-8")
    bad.write_text(f"name,key\nfine,{VALUE}-other\nbroken,secret-short\n", encoding="utf-8")

    error = cli(store, "keys", "import", str(bad), code=1)
    assert error == f"tollway: {bad}: line 3: an API key value must be 20 to 128 characters long, not 12\n"
    assert cli(store, "keys", "list") == ""

    key_id = cli(store, "keys", "import", str(good)).split("\t")[0]
    assert cli(store, "keys", "list") == f"{key_id}\timported\tdisabled\t-\n"


def test_usage_from_a_memory_state_is_refused_with_the_reason(store: str) -> None:
    plan_id = cli(store, "plans", "create", "gold").split()[0]
    error = cli(store, "usage", plan_id, "--start", "2024-06-01", "--end", "2024-06-02", code=1)
    assert "--state memory the counters live inside the serving process" in error
    assert "serve with --state redis://" in error


@pytest.fixture
def client() -> Iterator[redis.Redis]:
    client = shared_redis()
    yield client
    client.close()


def test_usage_reads_redis_counters_as_aws_get_usage_and_extend_updates_the_quota(
    store: str, tmp_path: Path, client: redis.Redis
) -> None:
    api = api_id(store, tmp_path)
    key_id = cli(store, "keys", "create", "k").split("\t")[0]
    plan_id = cli(
        store, "plans", "create", "Daily", "--quota-limit", "100", "--quota-period", "DAY",
        "--stage", f"{api}:prod",
    ).split("\t")[0]  # fmt: skip
    cli(store, "plans", "add-key", plan_id, key_id)
    counters = [f"usage:{plan_id}:{key_id}:2024-06-01", f"quota:{plan_id}:{key_id}"]
    client.set(counters[0], 7)
    try:
        args = ("usage", plan_id, "--start", "2024-06-01", "--end", "2024-06-02", "--state", REDIS_URL)
        report = json.loads(cli(store, *args, "--format", "json"))
        table = cli(store, *args)
        csv_text = cli(store, *args, "--key", key_id, "--format", "csv")
        extended = cli(store, "usage", "extend", plan_id, key_id, "--by", "5", "--state", REDIS_URL)
    finally:
        client.delete(*counters)

    assert report == {
        "usagePlanId": plan_id,
        "startDate": "2024-06-01",
        "endDate": "2024-06-02",
        "items": {key_id: [[7, 93], [0, 100]]},
    }
    assert table.splitlines()[1].split() == [key_id, "2024-06-01", "7", "93"]
    assert csv_text == f"keyId,date,used,remaining\n{key_id},2024-06-01,7,93\n{key_id},2024-06-02,0,100\n"
    assert extended == f"key {key_id} in usage plan {plan_id}: +5 requests this day, used -5\n"
