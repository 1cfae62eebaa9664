"""Quota periods and counter names, shared by the data plane (which counts) and the control
plane (which reports usage), so both agree on every boundary.

A quota's ``offset`` is the day its periods start (the meaning the AWS SDKs document: "with
a time period of WEEK, an offset of 0 starts on Sunday, and an offset of 1 starts on
Monday"): WEEK 0-6 (days after Sunday), MONTH 0-27 (days after the 1st, so every month
has the start day), DAY only 0. The API reference's other reading ("requests subtracted from
the limit in the initial period") is not implemented. Periods are in UTC.
"""

from __future__ import annotations

import calendar
import datetime as dt

MAX_OFFSET = {"DAY": 0, "WEEK": 6, "MONTH": 27}


def offset_problem(period: str, offset: int) -> str | None:
    """Why ``offset`` is not valid for ``period``, or None."""
    highest = MAX_OFFSET.get(period)
    if highest is None or 0 <= offset <= highest:
        return None
    if highest == 0:
        return f"a quota offset must be 0 for a {period} period, not {offset}"
    return f"a quota offset must be between 0 and {highest} for a {period} period, not {offset}"


def period_start(day: dt.date, period: str, offset: int = 0) -> dt.date:
    """The first day of the quota period holding ``day``."""
    if period == "WEEK":
        return day - dt.timedelta(days=(day.weekday() + 1 - offset) % 7)
    if period == "MONTH":
        start = day.replace(day=1 + offset)
        if start <= day:
            return start
        previous = day.replace(day=1) - dt.timedelta(days=1)
        return previous.replace(day=1 + offset)
    return day


def period_end(day: dt.date, period: str, offset: int = 0) -> dt.date:
    """The first day after the quota period holding ``day``."""
    start = period_start(day, period, offset)
    if period == "WEEK":
        return start + dt.timedelta(days=7)
    if period == "MONTH":
        return start + dt.timedelta(days=calendar.monthrange(start.year, start.month)[1])
    return start + dt.timedelta(days=1)


def quota_key(plan_id: str, key_id: str) -> str:
    """The quota counter of one key in one plan."""
    return f"quota:{plan_id}:{key_id}"
