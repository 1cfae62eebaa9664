"""config_scale: how a store of many APIs starts, and how soon one redeployed API reaches traffic.

The peer's launch imports the APIs (timed) and starts ``serve``; here the first request is
repeated until it answers 200 (the time from the process start), the RSS is read, then one API
is re-imported with a new answer and its route polled on fresh connections until every answer
has been the new one for ``SETTLE_S`` (longer than a worker's reload interval, so with several
workers all of them have swapped).
"""

from __future__ import annotations

import time

from suite import load
from suite.install import Missing
from suite.load import Target
from suite.measure import TreeSampler, tree_memory
from suite.peers import Running
from suite.results import INVALID, Row

FIRST_ANSWER_TIMEOUT_S = 600.0
REACH_TIMEOUT_S = 120.0
SETTLE_S = 2.5
POLL_S = 0.01

MEASURES = (
    ("import_s", "import s", 1),
    ("first_answer_s", "serve to first answer s", 2),
    ("gateway_rss_mb", "gateway RSS MB", 0),
    ("redeploy_cli_s", "re-import command s", 2),
    ("reach_s", "new answer served after s", 2),
    ("reload_rss_mb", "peak gateway RSS during reload MB", 0),
    ("reload_cpu_s", "gateway CPU during reload s", 2),
)
"""(key, column, digits) of what ``measure`` records in ``Row.measures``."""


def measure(row: Row, running: Running) -> None:
    row.measures.update(running.measures)
    first = _first_answer(Target(running.url()), running.started_at + FIRST_ANSWER_TIMEOUT_S)
    if first is None:
        row.fail(INVALID, f"invalid: no 200 answer within {FIRST_ANSWER_TIMEOUT_S:.0f} s of the start")
        return
    row.measures["first_answer_s"] = first - running.started_at
    row.measures["gateway_rss_mb"] = tree_memory(running.process.pid, running.peer.function_marker).gateway_mb
    if running.redeploy is None:
        return
    sampler = TreeSampler(running.process.pid, running.peer.function_marker)
    sampler.start()
    try:
        change = running.redeploy()
        returned = time.perf_counter()
        url = f"http://127.0.0.1:{running.port}{change.path}"
        reached = _served_from(Target(url), change.answer, returned + REACH_TIMEOUT_S)
    except Missing as exc:
        row.fail(INVALID, f"invalid: the redeployment failed: {exc}")
        return
    finally:
        usage = sampler.stop()
    row.measures["redeploy_cli_s"] = change.elapsed_s
    row.measures["reload_rss_mb"] = usage.peak.gateway_mb
    row.measures["reload_cpu_s"] = usage.gateway_cpu_s
    if reached is None:
        row.fail(INVALID, f"invalid: the new answer was not served within {REACH_TIMEOUT_S:.0f} s")
        return
    row.measures["reach_s"] = reached - returned


def _answer(target: Target) -> tuple[int, bytes]:
    try:
        return load.request(target, timeout=FIRST_ANSWER_TIMEOUT_S)
    except OSError:
        return 0, b""


def _first_answer(target: Target, deadline: float) -> float | None:
    """When ``target`` first answered 200, or None by ``deadline``."""
    while time.perf_counter() < deadline:
        status, _ = _answer(target)
        if status == 200:
            return time.perf_counter()
        time.sleep(POLL_S)
    return None


def _served_from(target: Target, answer: bytes, deadline: float) -> float | None:
    """The start of the first run of ``answer`` answers that lasts ``SETTLE_S``, or None."""
    streak: float | None = None
    while time.perf_counter() < deadline:
        status, body = _answer(target)
        now = time.perf_counter()
        if status == 200 and body.strip() == answer:
            streak = now if streak is None else streak
            if now - streak >= SETTLE_S:
                return streak
        else:
            streak = None
        time.sleep(POLL_S)
    return None
