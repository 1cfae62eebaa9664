"""API keys and usage plans through the ControlPlane, with API Gateway's rules: generated
values of 40 alphanumerics, given values of 20-128 characters, unique values ("API Key already
exists"), API stages that must exist, one plan per API stage for each key, AWS's CSV key file
format, keys and plans from templates, and GetUsage-shaped reports."""

from __future__ import annotations

import datetime as dt
import string
from collections.abc import Iterator
from pathlib import Path

import pytest

from tollway.controlplane.errors import BadRequest, Conflict, NotFound
from tollway.controlplane.keyfile import KeyFileError
from tollway.controlplane.plans import PlanChanges
from tollway.controlplane.service import ControlPlane
from tollway.controlplane.usage import build_usage, read_usage
from tollway.errors import DefinitionError
from tollway.model import ids
from tollway.model.api import Integration, Method, Resource, RestApi, StageSpec
from tollway.model.imported import ImportedApi, ImportResult, ManagementResource
from tollway.model.plans import QuotaSettings, ThrottleSettings, UsagePlan
from tollway.state import Bucket, MemoryState, usage_key
from tollway.stores import Store, open_store

VALUE = "given-value-0123456789-xyz"
API_KEY_REF = "shop#Api"
API = ids.api_id(API_KEY_REF)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = open_store(f"sqlite:///{tmp_path / 'tollway.db'}")
    yield opened
    opened.close()


@pytest.fixture
def control(store: Store) -> ControlPlane:
    plane = ControlPlane(store, clock=lambda: 1700000000.0)
    plane.apply([shop("prod", "dev")])
    return plane


def shop(
    *stages: str, source: str = "shop.yaml", management: tuple[ManagementResource, ...] = ()
) -> ImportResult:
    mock = Method("GET", integration=Integration("MOCK", request_templates={"application/json": "{}"}))
    api = RestApi(id="x", name="Shop", resources=(Resource("/items", {"GET": mock}),))
    specs = tuple(StageSpec(name) for name in stages)
    return ImportResult(source, (ImportedApi(API_KEY_REF, api, specs),), management)


# -- keys ------------------------------------------------------------------------------


def test_generated_values_are_40_random_alphanumerics_as_aws_generates(control: ControlPlane) -> None:
    first, second = control.create_key("a"), control.create_key("b")

    assert len(first.value) == 40 and set(first.value) <= set(string.ascii_letters + string.digits)
    assert first.value != second.value and first.id != second.id
    assert [k.name for k in control.list_keys()] == ["a", "b"]


@pytest.mark.parametrize("value", ["x" * 19, "y" * 129])
def test_a_given_value_must_be_20_to_128_characters_and_the_error_hides_it(
    control: ControlPlane, value: str
) -> None:
    with pytest.raises(BadRequest) as caught:
        control.create_key("short", value=value)

    assert str(caught.value) == (
        f"API key 'short': an API key value must be 20 to 128 characters long, not {len(value)}"
    )
    assert control.list_keys() == []


def test_a_value_another_key_has_is_refused_with_aws_api_key_already_exists(control: ControlPlane) -> None:
    control.create_key("first", value=VALUE)

    with pytest.raises(Conflict) as caught:
        control.create_key("second", value=VALUE)

    assert str(caught.value) == "API Key already exists"
    assert [k.name for k in control.list_keys()] == ["first"]


def test_disable_enable_and_delete_a_key_which_leaves_every_plan(control: ControlPlane) -> None:
    key = control.create_key("k", value=VALUE, description="d")
    plan = control.create_plan(PlanChanges(name="p", stages=((API, "prod"),)))
    control.add_plan_key(plan.id, key.id)

    assert control.set_key_enabled(key.id, False).enabled is False
    assert control.set_key_enabled(key.id, True).enabled is True
    control.delete_key(key.id)

    assert control.list_keys() == [] and control.get_plan(plan.id).key_ids == ()
    with pytest.raises(NotFound, match=f"^Invalid API Key identifier specified: {key.id}$"):
        control.delete_key(key.id)


# -- plans -----------------------------------------------------------------------------


def test_a_plan_keeps_throttle_quota_stages_and_method_throttles(control: ControlPlane) -> None:
    changes = PlanChanges(
        name="Gold",
        throttle=ThrottleSettings(10, 20),
        quota=QuotaSettings(1000, "WEEK"),
        stages=((API, "prod"),),
        method_throttle={(API, "prod"): {"/items/GET": ThrottleSettings(1, 2)}},
    )
    plan = control.create_plan(changes)

    assert control.list_plans() == [plan]
    assert (plan.throttle, plan.quota) == (ThrottleSettings(10, 20), QuotaSettings(1000, "WEEK"))
    assert plan.api_stages[0].throttle == {"/items/GET": ThrottleSettings(1, 2)}

    updated = control.update_plan(plan.id, PlanChanges(quota=QuotaSettings(5, "DAY")))
    assert (updated.name, updated.throttle, updated.quota) == (
        "Gold",
        ThrottleSettings(10, 20),
        QuotaSettings(5, "DAY"),
    )
    assert updated.api_stages == plan.api_stages


def test_an_unknown_api_stage_is_refused_as_aws_does(control: ControlPlane) -> None:
    with pytest.raises(NotFound, match=f"^Invalid stage identifier specified: {API}:staging$"):
        control.create_plan(PlanChanges(name="p", stages=((API, "staging"),)))
    assert control.list_plans() == []


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        (
            PlanChanges(name="p", quota=QuotaSettings(10, "YEAR")),
            "quota period must be one of DAY, WEEK, MONTH",
        ),
        (
            PlanChanges(name="p", throttle=ThrottleSettings(-1, 1)),
            "throttle rate and burst must be zero or more",
        ),
        (PlanChanges(name=" "), "a name is required"),
        (
            PlanChanges(name="p", quota=QuotaSettings(10, "DAY", 1)),
            "a quota offset must be 0 for a DAY period, not 1",
        ),
        (
            PlanChanges(name="p", quota=QuotaSettings(10, "WEEK", 7)),
            "a quota offset must be between 0 and 6 for a WEEK period, not 7",
        ),
        (
            PlanChanges(name="p", quota=QuotaSettings(10, "MONTH", 28)),
            "a quota offset must be between 0 and 27 for a MONTH period, not 28",
        ),
    ],
)
def test_bad_plan_settings_are_refused(control: ControlPlane, changes: PlanChanges, problem: str) -> None:
    with pytest.raises(BadRequest, match=problem):
        control.create_plan(changes)


def test_a_method_throttle_needs_its_stage_in_the_plan(control: ControlPlane) -> None:
    changes = PlanChanges(name="p", method_throttle={(API, "prod"): {"/items/GET": ThrottleSettings(1, 1)}})
    with pytest.raises(BadRequest, match="that API stage is not in the plan"):
        control.create_plan(changes)


def test_a_key_may_be_in_many_plans_but_in_one_plan_per_api_stage(control: ControlPlane) -> None:
    key = control.create_key("k")
    prod = control.create_plan(PlanChanges(name="prod", stages=((API, "prod"),)))
    dev = control.create_plan(PlanChanges(name="dev", stages=((API, "dev"),)))
    again = control.create_plan(PlanChanges(name="prod again", stages=((API, "prod"),)))
    control.add_plan_key(prod.id, key.id)
    control.add_plan_key(dev.id, key.id)

    with pytest.raises(Conflict) as caught:
        control.add_plan_key(again.id, key.id)
    assert str(caught.value) == (
        f"Usage Plan {again.id} cannot be added because API Key {key.id} cannot reference "
        f"multiple Usage Plans with the same API Stage: {API}:prod"
    )
    with pytest.raises(Conflict):  # adding the stage afterwards is caught too
        control.update_plan(dev.id, PlanChanges(stages=((API, "dev"), (API, "prod"))))

    assert control.remove_plan_key(prod.id, key.id).key_ids == ()
    assert control.add_plan_key(again.id, key.id).key_ids == (key.id,)


# -- CSV key files ---------------------------------------------------------------------


def test_csv_import_reads_aws_columns_in_any_case_and_order_and_re_import_updates_by_value(
    control: ControlPlane, tmp_path: Path
) -> None:
    plan_a = control.create_plan(PlanChanges(name="a", stages=((API, "prod"),)))
    plan_b = control.create_plan(PlanChanges(name="b", stages=((API, "dev"),)))
    path = tmp_path / "keys.csv"
    path.write_text(
        "Enabled,NAME,key,UsageplanIds,Colour\n"
        f'false,first,{VALUE},"{plan_a.id},{plan_b.id}",red\n'
        f"TRUE,second,{VALUE}-2,'{plan_b.id}',blue\n",
        encoding="utf-8",
    )
    first, second = control.import_keys(str(path))

    assert (first.name, first.enabled, second.name, second.enabled) == ("first", False, "second", True)
    assert control.get_plan(plan_a.id).key_ids == (first.id,)
    assert control.get_plan(plan_b.id).key_ids == (first.id, second.id)

    path.write_text(f"name,key,description\nrenamed,{VALUE},now described\n", encoding="utf-8")
    (again,) = control.import_keys(str(path))
    assert (again.id, again.name, again.description, again.enabled) == (
        first.id,
        "renamed",
        "now described",
        True,
    )
    assert len(control.list_keys()) == 2


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("name\nx\n", "line 1: the header has no Key column"),
        (f"key,name\n{VALUE},ok\nshort-value,bad\n", "line 3: an API key value must be 20 to 128"),
        (f"key,name,enabled\n{VALUE},ok,maybe\n", "line 2: Enabled must be true or false"),
        (f"key,name,usageplanids\n{VALUE},ok,nope\n", "line 2: Invalid Usage Plan ID specified: nope"),
        (f"key,name\n{VALUE},a\n{VALUE},b\n", "line 3: the same key value as line 2"),
    ],
)
def test_a_bad_csv_row_names_the_file_and_line_and_nothing_is_applied(
    control: ControlPlane, tmp_path: Path, text: str, problem: str
) -> None:
    path = tmp_path / "keys.csv"
    path.write_text(text, encoding="utf-8")

    with pytest.raises(KeyFileError) as caught:
        control.import_keys(str(path))

    assert str(caught.value).startswith(f"{path}: {problem}")
    assert VALUE not in str(caught.value)
    assert control.list_keys() == []


# -- templates -------------------------------------------------------------------------


def resource(kind: str, logical_id: str, **props: object) -> ManagementResource:
    return ManagementResource(f"AWS::ApiGateway::{kind}", logical_id, dict(props))


def template_ids(source: str, *logical_ids: str) -> list[str]:
    stack = str(Path(source).resolve())
    return [ids.stable_id("cfn", stack, lid, length=6) for lid in logical_ids]


def test_template_keys_and_plans_get_ids_stable_across_re_imports(control: ControlPlane) -> None:
    """Ids are what ``Ref`` gives in the template; a key without Value keeps its first
    value; Enabled defaults to false as in CloudFormation."""
    key_id, plan_id = template_ids("shop.yaml", "Key", "Plan")
    management = (
        resource("ApiKey", "Key", Name="partner"),
        resource("ApiKey", "Fixed", Value=VALUE, Enabled=True),
        resource(
            "UsagePlan",
            "Plan",
            UsagePlanName="Gold",
            ApiStages=[
                {"ApiId": API, "Stage": "prod", "Throttle": {"/items/GET": {"RateLimit": 5, "BurstLimit": 9}}}
            ],
            Quota={"Limit": 100, "Period": "DAY"},
            Throttle={"RateLimit": 10, "BurstLimit": 20},
        ),
        resource("UsagePlanKey", "PlanKey", KeyId=key_id, KeyType="API_KEY", UsagePlanId=plan_id),
    )
    control.apply([shop("prod", management=management)])
    first = {k.name: k for k in control.list_keys()}

    control.apply([shop("prod", management=management)])
    again = {k.name: k for k in control.list_keys()}

    assert again == first and first["partner"].id == key_id and len(first["partner"].value) == 40
    assert (first["partner"].enabled, first["Fixed"].enabled) == (False, True)
    (plan,) = control.list_plans()
    assert plan == UsagePlan(
        plan_id,
        "Gold",
        api_stages=plan.api_stages,
        throttle=ThrottleSettings(10, 20),
        quota=QuotaSettings(100, "DAY"),
        key_ids=(key_id,),
    )
    assert plan.api_stages[0].throttle == {"/items/GET": ThrottleSettings(5, 9)}


def test_re_import_deletes_what_the_file_dropped_and_keeps_keys_added_by_hand(control: ControlPlane) -> None:
    key_id, plan_id = template_ids("shop.yaml", "Key", "Plan")
    plan = resource("UsagePlan", "Plan", ApiStages=[{"ApiId": API, "Stage": "prod"}])
    subscribe = resource("UsagePlanKey", "PlanKey", KeyId=key_id, KeyType="API_KEY", UsagePlanId=plan_id)
    control.apply([shop("prod", management=(resource("ApiKey", "Key"), plan, subscribe))])
    assert control.get_plan(plan_id).key_ids == (key_id,)
    manual = control.create_key("manual")
    control.add_plan_key(plan_id, manual.id)

    control.apply([shop("prod", management=(plan,))])

    assert [k.id for k in control.list_keys()] == [manual.id]
    assert control.get_plan(plan_id).key_ids == (manual.id,)


def test_a_template_plan_on_an_unknown_stage_fails_the_whole_import(control: ControlPlane) -> None:
    plan = resource("UsagePlan", "Plan", ApiStages=[{"ApiId": API, "Stage": "nope"}])
    with pytest.raises(
        DefinitionError, match=f"/Resources/Plan: Invalid stage identifier specified: {API}:nope"
    ):
        control.apply([shop("prod", source="other.yaml", management=(resource("ApiKey", "K"), plan))])

    assert (control.list_keys(), control.list_plans()) == ([], [])


def test_a_real_template_with_refs_subscribes_its_key(store: Store, tmp_path: Path) -> None:
    template = tmp_path / "keys.yaml"
    template.write_text(
        """
Resources:
  Api:
    Type: AWS::ApiGateway::RestApi
    Properties: {Name: Shop}
  Items:
    Type: AWS::ApiGateway::Resource
    Properties: {RestApiId: !Ref Api, ParentId: !GetAtt Api.RootResourceId, PathPart: items}
  Get:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Api
      ResourceId: !Ref Items
      HttpMethod: GET
      AuthorizationType: NONE
      ApiKeyRequired: true
      Integration: {Type: MOCK, RequestTemplates: {application/json: '{"statusCode": 200}'}}
  Deployment:
    Type: AWS::ApiGateway::Deployment
    DependsOn: Get
    Properties: {RestApiId: !Ref Api, StageName: prod}
  Key:
    Type: AWS::ApiGateway::ApiKey
    Properties: {Name: partner, Enabled: true, Value: given-value-0123456789-xyz}
  Plan:
    Type: AWS::ApiGateway::UsagePlan
    Properties:
      ApiStages: [{ApiId: !Ref Api, Stage: prod}]
      Quota: {Limit: 10, Period: MONTH}
  PlanKey:
    Type: AWS::ApiGateway::UsagePlanKey
    Properties: {KeyId: !Ref Key, KeyType: API_KEY, UsagePlanId: !Ref Plan}
""",
        encoding="utf-8",
    )
    control = ControlPlane(store)
    control.import_files([str(template)])

    (key,) = control.list_keys()
    (plan,) = control.list_plans()
    assert (key.name, key.value, plan.key_ids) == ("partner", VALUE, (key.id,))
    assert [(s.api_id, s.stage) for s in plan.api_stages] == [(control.list_apis()[0].id, "prod")]


# -- usage -----------------------------------------------------------------------------


def test_usage_is_shaped_like_aws_get_usage_with_remaining_per_quota_period() -> None:
    """A WEEK quota (weeks start on Sunday) counts what was used earlier in the week."""
    plan = UsagePlan("p", "w", quota=QuotaSettings(100, "WEEK"), key_ids=("k",))
    saturday, sunday = dt.date(2024, 6, 1), dt.date(2024, 6, 2)
    counts = {usage_key("p", "k", dt.date(2024, 5, 31)): 30, usage_key("p", "k", saturday): 5}
    counts[usage_key("p", "k", sunday)] = 7

    report = build_usage(plan, ("k",), saturday, sunday, counts)

    assert report == {
        "usagePlanId": "p",
        "startDate": "2024-06-01",
        "endDate": "2024-06-02",
        "items": {"k": [[5, 65], [7, 93]]},
    }


async def test_usage_reads_the_counters_the_state_backend_counted() -> None:
    state = MemoryState()
    day = dt.date(2024, 6, 1)
    now = dt.datetime(2024, 6, 1, 12, tzinfo=dt.UTC).timestamp()
    for _ in range(3):
        await state.admit([Bucket("b", 100, 100)], None, usage_key("p", "k", day), now)
    plan = UsagePlan("p", "n", key_ids=("k",))

    report = await read_usage(state, plan, ("k",), day, day + dt.timedelta(days=1))

    assert report["items"] == {"k": [[3, None], [0, None]]}


def test_a_usage_range_ending_before_it_starts_is_refused() -> None:
    with pytest.raises(BadRequest, match="the end date 2024-01-01 is before the start date 2024-01-02"):
        build_usage(UsagePlan("p", "n"), (), dt.date(2024, 1, 2), dt.date(2024, 1, 1), {})
