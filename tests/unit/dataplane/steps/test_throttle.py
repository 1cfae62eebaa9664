"""The throttle stage's limits: AWS's bucket order and the quota period of the request's day."""

from __future__ import annotations

from dataclasses import replace

import pytest

from step_support import context, one_method
from tollway.dataplane.context import RequestContext
from tollway.dataplane.services import Services
from tollway.dataplane.snapshot import stage_bucket
from tollway.dataplane.steps.throttle import _limits, throttle
from tollway.dataplane.usage_plans.access import Access, Grant
from tollway.errors import QuotaExceeded, Throttled
from tollway.model.api import Integration, MethodSetting, Stage
from tollway.model.plans import ApiKey, ApiStage, QuotaSettings, ThrottleSettings, UsagePlan
from tollway.state.base import Bucket, Quota
from tollway.state.local_bucket import LocalBucket
from tollway.state.memory import MemoryState

DAY = 86400.0
NOV_25 = 1795564800.0  # 2026-11-25T00:00:00Z (a Wednesday)


def grant(quota: QuotaSettings | None = None) -> Grant:
    key = ApiKey("kid", "k", "v" * 30)
    stage = ApiStage("api", "prod", {"/pets/GET": ThrottleSettings(5, 1)})
    plan = UsagePlan("pid", "p", api_stages=(stage,), throttle=ThrottleSettings(100, 50), quota=quota)
    return Grant(key, plan, stage)


def ctx_for(
    granted: Grant | None, path: str = "/pets", verb: str = "GET", stage_bucket: Bucket | None = None
) -> RequestContext:
    served = one_method(path, verb, Integration("MOCK"))
    found = served.routes.match(verb, path)
    assert found is not None
    ctx = context(served, verb, path)
    ctx.method = replace(found.target, stage_bucket=stage_bucket)
    ctx.grant = granted
    return ctx


def services(now: float, account: LocalBucket | None = None) -> Services:
    return Services(integrations={}, clock=lambda: now, access=Access(MemoryState(), account))


def limits(ctx: RequestContext, now: float) -> tuple[list[Bucket], Quota | None, str | None, float]:
    assert ctx.method is not None
    return _limits(ctx, ctx.method, {}, now)


def test_per_key_per_method_bucket_comes_before_the_per_key_bucket_aws_order() -> None:
    stage = Bucket("s:api:prod:/pets/GET", 10, 10)
    buckets, _, usage, _ = limits(ctx_for(grant(), stage_bucket=stage), NOV_25 + 3600)
    assert [(b.key, b.rate, b.burst) for b in buckets] == [
        ("t:pid:kid:/pets/GET", 5, 1),
        ("t:pid:kid", 100, 50),
        ("s:api:prod:/pets/GET", 10, 10),
    ]
    assert usage == "usage:pid:kid:2026-11-25"
    other, _, _, _ = limits(ctx_for(grant(), verb="POST"), NOV_25)
    assert [b.key for b in other] == ["t:pid:kid"]


def test_quota_period_follows_the_day_of_the_request() -> None:
    weekly = grant(QuotaSettings(10, "WEEK"))
    _, quota, _, _ = limits(ctx_for(weekly), NOV_25)
    assert quota is not None and quota.period_key == "2026-11-22"  # weeks start on Sunday
    assert quota.expires_at == NOV_25 + 4 * DAY  # Sunday 2026-11-29
    _, later, usage, _ = limits(ctx_for(weekly), NOV_25 + 5 * DAY)
    assert later is not None and later.period_key == "2026-11-29"
    assert usage == "usage:pid:kid:2026-11-30"


def test_a_quota_offset_moves_the_day_its_periods_start() -> None:
    monday_weeks = grant(QuotaSettings(10, "WEEK", 1))
    _, quota, _, _ = limits(ctx_for(monday_weeks), NOV_25)  # Wednesday
    assert quota is not None and quota.period_key == "2026-11-23"  # Monday
    assert quota.expires_at == NOV_25 + 5 * DAY  # Monday 2026-11-30
    from_the_26th = grant(QuotaSettings(10, "MONTH", 25))
    _, quota, _, _ = limits(ctx_for(from_the_26th), NOV_25)
    assert quota is not None and quota.period_key == "2026-10-26"
    assert quota.expires_at == NOV_25 + DAY
    _, quota, _, _ = limits(ctx_for(from_the_26th), NOV_25 + DAY)
    assert quota is not None and quota.period_key == "2026-11-26"


def test_rejections_raise_aws_gateway_errors() -> None:
    granted = grant(QuotaSettings(1, "DAY"))
    on = services(NOV_25)
    assert throttle(ctx_for(granted), on) is None
    with pytest.raises(Throttled):  # the per-method bucket holds one token
        throttle(ctx_for(granted), on)
    with pytest.raises(QuotaExceeded):  # POST has no method bucket; the day's quota is spent
        throttle(ctx_for(granted, verb="POST"), on)


def test_a_stage_throttle_holds_requests_without_a_key() -> None:
    on = services(NOV_25)
    ctx = ctx_for(None, stage_bucket=Bucket("s:api:prod:/pets/GET", 0, 2))
    assert throttle(ctx, on) is None
    assert throttle(ctx, on) is None
    with pytest.raises(Throttled):
        throttle(ctx, on)
    assert throttle(ctx_for(None, path="/other"), on) is None


def test_the_account_limit_comes_last_and_a_request_it_rejects_spends_no_quota() -> None:
    account = LocalBucket(rate=1, burst=2)
    granted = grant(QuotaSettings(5, "DAY"))
    on = services(NOV_25, account)
    assert throttle(ctx_for(None, path="/free"), on) is None
    assert throttle(ctx_for(granted, verb="POST"), on) is None
    with pytest.raises(Throttled):  # the account bucket is empty
        throttle(ctx_for(granted, verb="POST"), on)
    later = services(NOV_25 + 1, account)
    later.access = on.access
    assert throttle(ctx_for(granted, verb="POST"), later) is None
    state = on.access.state
    assert isinstance(state, MemoryState)
    assert (
        state.admit_now(
            [], Quota("quota:pid:kid", 5, "2026-11-25", NOV_25 + DAY), None, NOV_25 + 1
        ).quota_remaining
        == 2
    )


def stage_with(settings: dict[str, MethodSetting]) -> Stage:
    return Stage("api", "prod", "dep", method_settings=settings)


def test_stage_throttling_is_per_method_and_a_method_setting_overrides_star_star_value_by_value() -> None:
    stage = stage_with(
        {
            "*/*": MethodSetting(throttling_rate_limit=10, throttling_burst_limit=20),
            "/pets/GET": MethodSetting(throttling_burst_limit=3),
            "/admin/*": MethodSetting(throttling_rate_limit=1),
        }
    )
    assert stage_bucket(stage, "/pets", "GET") == Bucket("s:api:prod:/pets/GET", 10, 3)
    assert stage_bucket(stage, "/pets", "POST") == Bucket("s:api:prod:/pets/POST", 10, 20)
    assert stage_bucket(stage, "/admin", "DELETE") == Bucket("s:api:prod:/admin/DELETE", 1, 20)


def test_a_stage_without_throttling_settings_adds_no_bucket_and_a_lone_value_takes_account_defaults() -> None:
    assert stage_bucket(stage_with({}), "/pets", "GET") is None
    assert stage_bucket(stage_with({"*/*": MethodSetting(caching_enabled=True)}), "/pets", "GET") is None
    assert stage_bucket(stage_with({"*/*": MethodSetting(throttling_rate_limit=-1)}), "/", "GET") is None
    only_rate = stage_bucket(stage_with({"*/*": MethodSetting(throttling_rate_limit=7)}), "/", "GET")
    assert only_rate == Bucket("s:api:prod://GET", 7, 5000)
