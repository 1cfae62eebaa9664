"""Usage reports shaped like API Gateway's GetUsage, read from the state backend's daily
usage counters (``tollway.state.usage_key``).

``items`` maps each key id to one ``[used, remaining]`` pair per day from ``startDate`` to
``endDate``. ``remaining`` is the plan's quota limit minus what the key used in that quota
period up to the end of that day (never below 0), or None when the plan has no quota.
Extensions granted with UpdateUsage are not reflected: they live in the quota counter of the
current period, which the daily counters cannot see.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from tollway.controlplane.errors import BadRequest
from tollway.model.plans import QuotaSettings, UsagePlan
from tollway.state.base import StateBackend, usage_key
from tollway.state.periods import period_start

MAX_DAYS = 366


def parse_day(text: str, what: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise BadRequest(f"{what} must be a date like 2024-05-31, not {text!r}") from None


def days_between(start: dt.date, end: dt.date) -> list[dt.date]:
    if end < start:
        raise BadRequest(f"the end date {end} is before the start date {start}")
    count = (end - start).days + 1
    if count > MAX_DAYS:
        raise BadRequest(f"a usage report covers at most {MAX_DAYS} days, not {count}")
    return [start + dt.timedelta(days=n) for n in range(count)]


def counter_names(plan: UsagePlan, key_ids: Sequence[str], start: dt.date, end: dt.date) -> list[str]:
    """Every daily counter the report needs: from the start of the quota period that holds
    ``start`` (to know what was used before it) to ``end``."""
    first = period_start(start, plan.quota.period, plan.quota.offset) if plan.quota else start
    return [usage_key(plan.id, key_id, day) for key_id in key_ids for day in days_between(first, end)]


def build_usage(
    plan: UsagePlan, key_ids: Sequence[str], start: dt.date, end: dt.date, counts: dict[str, int]
) -> dict[str, Any]:
    """The GetUsage document from the counters ``counts`` (missing ones read as 0)."""
    days = days_between(start, end)
    items = {
        key_id: [[_used(counts, plan.id, key_id, day), _remaining(counts, plan, key_id, day)] for day in days]
        for key_id in key_ids
    }
    return {
        "usagePlanId": plan.id,
        "startDate": start.isoformat(),
        "endDate": end.isoformat(),
        "items": items,
    }


async def read_usage(
    state: StateBackend, plan: UsagePlan, key_ids: Sequence[str], start: dt.date, end: dt.date
) -> dict[str, Any]:
    """Read the counters from ``state`` and build the report."""
    counts = await state.usage(counter_names(plan, key_ids, start, end))
    return build_usage(plan, key_ids, start, end, counts)


def _used(counts: dict[str, int], plan_id: str, key_id: str, day: dt.date) -> int:
    return counts.get(usage_key(plan_id, key_id, day), 0)


def _remaining(counts: dict[str, int], plan: UsagePlan, key_id: str, day: dt.date) -> int | None:
    quota: QuotaSettings | None = plan.quota
    if quota is None:
        return None
    first = period_start(day, quota.period, quota.offset)
    used = sum(_used(counts, plan.id, key_id, d) for d in days_between(first, day))
    return max(quota.limit - used, 0)
