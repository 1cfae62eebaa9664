"""API management commands: ``keys``, ``plans`` and ``usage``.

Key values are printed once, by ``keys create``, and by ``keys list --include-values``
(AWS's includeValues); never in an error.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import datetime as dt
import io
import json
import logging
import sys
from collections.abc import Coroutine
from typing import Any, TypeVar

from tollway.controlplane.errors import BadRequest
from tollway.controlplane.plans import PlanChanges
from tollway.controlplane.service import ControlPlane
from tollway.controlplane.usage import parse_day, read_usage
from tollway.model.plans import QUOTA_PERIODS, ApiKey, QuotaSettings, ThrottleSettings, UsagePlan
from tollway.state import StateBackend, open_state
from tollway.state.periods import quota_key

MEMORY_STATE = ("memory", "memory://")
T = TypeVar("T")


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    keys = sub.add_parser("keys", help="create, list, enable, disable, delete and import API keys")
    actions = keys.add_subparsers(dest="action", required=True, metavar="ACTION")
    create = actions.add_parser("create", help="create a key (its value is printed once)")
    create.add_argument("name", metavar="NAME")
    create.add_argument("--value", help="the key's value, 20 to 128 characters (default: 40 random ones)")
    create.add_argument("--description")
    create.add_argument("--disabled", action="store_true", help="create it disabled")
    listing = actions.add_parser("list", help="list keys (values hidden)")
    listing.add_argument("--include-values", action="store_true", help="print the values too")
    for verb in ("enable", "disable", "delete"):
        actions.add_parser(verb, help=f"{verb} a key").add_argument("key_id", metavar="KEY_ID")
    imp = actions.add_parser("import", help="import keys from AWS's CSV key file format")
    imp.add_argument("file", metavar="FILE.csv")

    plans = sub.add_parser("plans", help="create, list, update and delete usage plans and their keys")
    actions = plans.add_subparsers(dest="action", required=True, metavar="ACTION")
    _plan_options(actions.add_parser("create", help="create a usage plan"), positional="name")
    actions.add_parser("list", help="list usage plans")
    update = actions.add_parser("update", help="change a usage plan (only what is given)")
    _plan_options(update, positional="plan_id")
    update.add_argument("--name")
    actions.add_parser("delete", help="delete a usage plan").add_argument("plan_id", metavar="PLAN_ID")
    for verb in ("add-key", "remove-key"):
        pair = actions.add_parser(verb, help=f"{verb.replace('-', ' ')} to/from a plan")
        pair.add_argument("plan_id", metavar="PLAN_ID")
        pair.add_argument("key_id", metavar="KEY_ID")

    usage = sub.add_parser(
        "usage",
        help="print a plan's daily usage (GetUsage), or `usage extend PLAN_ID KEY_ID --by N` (UpdateUsage)",
    )
    usage.add_argument("words", nargs="+", metavar="PLAN_ID | extend PLAN_ID KEY_ID")
    usage.add_argument("--start", help="first day, YYYY-MM-DD")
    usage.add_argument("--end", help="last day, YYYY-MM-DD")
    usage.add_argument("--key", help="only this key id")
    usage.add_argument("--format", choices=("table", "json", "csv"), default="table")
    usage.add_argument("--by", type=int, help="extend: requests to add to the key's remaining quota")
    usage.add_argument("--state", default="memory", help="the state URL the server uses (redis://...)")


def _plan_options(parser: argparse.ArgumentParser, positional: str) -> None:
    parser.add_argument(positional, metavar=positional.upper())
    parser.add_argument("--description")
    parser.add_argument("--rate", type=float, help="throttle: requests per second (with --burst)")
    parser.add_argument("--burst", type=int, help="throttle: bucket size (with --rate)")
    parser.add_argument("--quota-limit", type=int, help="requests per period (with --quota-period)")
    parser.add_argument("--quota-period", choices=QUOTA_PERIODS, type=str.upper)
    parser.add_argument(
        "--quota-offset",
        type=int,
        default=0,
        help="the day periods start: WEEK 0-6 (0 Sunday, 1 Monday...), MONTH 0-27 (days after the 1st)",
    )
    parser.add_argument("--stage", action="append", metavar="API_ID:STAGE", help="API stage (repeatable)")
    parser.add_argument(
        "--method-throttle", action="append", metavar="API_ID:STAGE:/path/GET=RATE,BURST", help="(repeatable)"
    )


def run(args: argparse.Namespace, control: ControlPlane) -> int:
    if args.command == "keys":
        return _keys(args, control)
    if args.command == "plans":
        return _plans(args, control)
    return _usage(args, control)


def _keys(args: argparse.Namespace, control: ControlPlane) -> int:
    action = args.action
    if action == "create":
        key = control.create_key(
            args.name, value=args.value, description=args.description, enabled=not args.disabled
        )
        print(f"{key.id}\t{key.name}\t{key.value}")
    elif action == "list":
        for key in control.list_keys():
            print(_key_line(key, args.include_values))
    elif action in ("enable", "disable"):
        key = control.set_key_enabled(args.key_id, action == "enable")
        print(_key_line(key, False))
    elif action == "delete":
        control.delete_key(args.key_id)
        print(f"deleted key {args.key_id}")
    else:
        for key in control.import_keys(args.file):
            print(_key_line(key, False))
    return 0


def _key_line(key: ApiKey, include_value: bool) -> str:
    fields = [key.id, key.name, "enabled" if key.enabled else "disabled", key.description or "-"]
    return "\t".join([*fields, key.value] if include_value else fields)


def _plans(args: argparse.Namespace, control: ControlPlane) -> int:
    action = args.action
    if action == "create":
        print(_plan_line(control.create_plan(_changes(args, args.name))))
    elif action == "update":
        print(_plan_line(control.update_plan(args.plan_id, _changes(args, args.name))))
    elif action == "list":
        for plan in control.list_plans():
            print(_plan_line(plan))
    elif action == "delete":
        control.delete_plan(args.plan_id)
        print(f"deleted usage plan {args.plan_id}")
    elif action == "add-key":
        print(_plan_line(control.add_plan_key(args.plan_id, args.key_id)))
    else:
        print(_plan_line(control.remove_plan_key(args.plan_id, args.key_id)))
    return 0


def _changes(args: argparse.Namespace, name: str | None) -> PlanChanges:
    if (args.rate is None) != (args.burst is None):
        raise BadRequest("--rate and --burst go together")
    if (args.quota_limit is None) != (args.quota_period is None):
        raise BadRequest("--quota-limit and --quota-period go together")
    throttle = None if args.rate is None else ThrottleSettings(args.rate, args.burst)
    quota = None
    if args.quota_limit is not None:
        quota = QuotaSettings(args.quota_limit, args.quota_period, args.quota_offset)
    stages = tuple(_stage(text) for text in args.stage) if args.stage else None
    methods: dict[tuple[str, str], dict[str, ThrottleSettings]] = {}
    for text in args.method_throttle or ():
        stage, path, settings = _method_throttle(text)
        methods.setdefault(stage, {})[path] = settings
    return PlanChanges(name, args.description, throttle, quota, stages, methods or None)


def _stage(text: str) -> tuple[str, str]:
    api_id, sep, stage = text.partition(":")
    if not sep or not api_id or not stage:
        raise BadRequest(f"--stage expects API_ID:STAGE, got {text!r}")
    return api_id, stage


def _method_throttle(text: str) -> tuple[tuple[str, str], str, ThrottleSettings]:
    target, _, limits = text.rpartition("=")
    parts = target.split(":", 2)
    rate, _, burst = limits.partition(",")
    try:
        settings = ThrottleSettings(float(rate), int(burst))
    except ValueError:
        parts = []
    if len(parts) != 3 or not all(parts):
        raise BadRequest(f"--method-throttle expects API_ID:STAGE:/path/METHOD=RATE,BURST, got {text!r}")
    return (parts[0], parts[1]), parts[2], settings


def _plan_line(plan: UsagePlan) -> str:
    throttle = f"{plan.throttle.rate_limit:g}/s burst {plan.throttle.burst_limit}" if plan.throttle else "-"
    quota = f"{plan.quota.limit}/{plan.quota.period}" if plan.quota else "-"
    stages = ",".join(f"{s.api_id}:{s.stage}" for s in plan.api_stages) or "-"
    keys = ",".join(plan.key_ids) or "-"
    return f"{plan.id}\t{plan.name}\tthrottle: {throttle}\tquota: {quota}\tstages: {stages}\tkeys: {keys}"


def _usage(args: argparse.Namespace, control: ControlPlane) -> int:
    words: list[str] = args.words
    extend = words[0] == "extend"
    if (extend and len(words) != 3) or (not extend and len(words) != 1):
        return _usage_error(
            "expects `usage PLAN_ID --start D --end D` or `usage extend PLAN_ID KEY_ID --by N`"
        )
    if extend and args.by is None:
        return _usage_error("extend needs --by N")
    if not extend and not (args.start and args.end):
        return _usage_error("needs --start YYYY-MM-DD and --end YYYY-MM-DD")
    plan, key_ids = control.usage_subject(*words[1:]) if extend else control.usage_subject(words[0], args.key)
    if args.state in MEMORY_STATE:
        print(
            "tollway: usage: with --state memory the counters live inside the serving process, where "
            "no other process can read them; serve with --state redis://... and pass the same URL here",
            file=sys.stderr,
        )
        return 1
    # An unreachable Redis fails this command with one line; the server's "using local
    # limits" notice would only mislead here.
    logging.getLogger("tollway.state").setLevel(logging.ERROR)
    state = open_state(args.state, on_unavailable="closed")
    if extend:
        return _extend(plan, state, words[2], args.by)
    start, end = parse_day(args.start, "--start"), parse_day(args.end, "--end")
    report = asyncio.run(_closing(state, read_usage(state, plan, key_ids, start, end)))
    sys.stdout.write(render_usage(report, args.format, start))
    return 0


def _extend(plan: UsagePlan, state: StateBackend, key_id: str, by: int) -> int:
    if plan.quota is None:
        raise BadRequest(f"usage plan {plan.id} has no quota to extend")
    used = asyncio.run(_closing(state, state.add_to_quota(quota_key(plan.id, key_id), by)))
    period = plan.quota.period.lower()
    print(f"key {key_id} in usage plan {plan.id}: {by:+d} requests this {period}, used {used}")
    return 0


async def _closing(state: StateBackend, work: Coroutine[Any, Any, T]) -> T:
    try:
        return await work
    finally:
        await state.close()


def render_usage(report: dict[str, Any], fmt: str, start: dt.date) -> str:
    """The GetUsage document as JSON, or one row per key and day as CSV or a table."""
    if fmt == "json":
        return json.dumps(report, indent=2) + "\n"
    rows = [
        (key_id, (start + dt.timedelta(days=n)).isoformat(), str(used), "" if left is None else str(left))
        for key_id, days in report["items"].items()
        for n, (used, left) in enumerate(days)
    ]
    header = ("keyId", "date", "used", "remaining")
    if fmt == "csv":
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerows([header, *rows])
        return out.getvalue()
    rows = [(*row[:3], row[3] or "-") for row in rows]  # a table shows "no quota" as "-"
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(4)]
    return "".join(
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() + "\n"
        for row in [header, *rows]
    )


def _usage_error(problem: str) -> int:
    print(f"tollway: usage {problem}", file=sys.stderr)
    return 2
