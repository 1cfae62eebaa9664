"""The throttle stage's limits: AWS's bucket order and the quota period of the request's day."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from tollway.dataplane.access import Access, AccessIndex, Grant
from tollway.dataplane.stages.throttle import _limits, throttle_now
from tollway.errors import QuotaExceeded, Throttled
from tollway.model.management import ApiKey, ApiStage, QuotaSettings, ThrottleSettings, UsagePlan
from tollway.state.memory import MemoryState

DAY = 86400.0
NOV_25 = 1795564800.0  # 2026-11-25T00:00:00Z (a Wednesday)


def grant(quota: QuotaSettings | None = None) -> Grant:
    key = ApiKey("kid", "k", "v" * 30)
    stage = ApiStage("api", "prod", {"/pets/GET": ThrottleSettings(5, 1)})
    plan = UsagePlan("pid", "p", api_stages=(stage,), throttle=ThrottleSettings(100, 50), quota=quota)
    return Grant(key, plan, stage)


def ctx_for(granted: Grant, path: str = "/pets", verb: str = "GET") -> SimpleNamespace:
    return SimpleNamespace(grant=granted, method=SimpleNamespace(resource_path=path, http_method=verb))


def services(now: float) -> SimpleNamespace:
    return SimpleNamespace(clock=lambda: now, access=Access(MemoryState(), AccessIndex()))


def test_per_key_per_method_bucket_comes_before_the_per_key_bucket_aws_order() -> None:
    buckets, _, usage, _ = _limits(ctx_for(grant()), services(NOV_25 + 3600))  # type: ignore[arg-type]
    assert [(b.key, b.rate, b.burst) for b in buckets] == [
        ("t:pid:kid:/pets/GET", 5, 1),
        ("t:pid:kid", 100, 50),
    ]
    assert usage == "usage:pid:kid:2026-11-25"
    other, _, _, _ = _limits(ctx_for(grant(), verb="POST"), services(NOV_25))  # type: ignore[arg-type]
    assert [b.key for b in other] == ["t:pid:kid"]


def test_quota_period_follows_the_day_of_the_request() -> None:
    weekly = grant(QuotaSettings(10, "WEEK"))
    _, quota, _, _ = _limits(ctx_for(weekly), services(NOV_25))  # type: ignore[arg-type]
    assert quota is not None and quota.period_key == "2026-11-22"  # weeks start on Sunday
    assert quota.expires_at == NOV_25 + 4 * DAY  # Sunday 2026-11-29
    _, later, usage, _ = _limits(ctx_for(weekly), services(NOV_25 + 5 * DAY))  # type: ignore[arg-type]
    assert later is not None and later.period_key == "2026-11-29"
    assert usage == "usage:pid:kid:2026-11-30"


def test_rejections_raise_aws_gateway_errors() -> None:
    granted = grant(QuotaSettings(1, "DAY"))
    on = services(NOV_25)
    assert throttle_now(ctx_for(granted), on) is True  # type: ignore[arg-type]
    with pytest.raises(Throttled):  # the per-method bucket holds one token
        throttle_now(ctx_for(granted), on)  # type: ignore[arg-type]
    with pytest.raises(QuotaExceeded):  # POST has no method bucket; the day's quota is spent
        throttle_now(ctx_for(granted, verb="POST"), on)  # type: ignore[arg-type]
