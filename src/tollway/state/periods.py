"""Quota periods and counter names, shared by the data plane (which counts) and the control
plane (which reports usage), so both agree on every boundary."""

from __future__ import annotations

import calendar
import datetime as dt


def period_start(day: dt.date, period: str) -> dt.date:
    """The first day of the quota period holding ``day`` (UTC): weeks start on Sunday, as
    AWS's offset 0 does, months on the 1st."""
    if period == "WEEK":
        return day - dt.timedelta(days=(day.weekday() + 1) % 7)
    if period == "MONTH":
        return day.replace(day=1)
    return day


def period_end(day: dt.date, period: str) -> dt.date:
    """The first day after the quota period holding ``day``."""
    start = period_start(day, period)
    if period == "WEEK":
        return start + dt.timedelta(days=7)
    if period == "MONTH":
        return start + dt.timedelta(days=calendar.monthrange(start.year, start.month)[1])
    return start + dt.timedelta(days=1)


def quota_key(plan_id: str, key_id: str) -> str:
    """The quota counter of one key in one plan."""
    return f"quota:{plan_id}:{key_id}"
