"""``bench/run``: start the peers of each scenario, load them in interleaved repetitions, report.

Repetitions interleave (A B C A B C): every peer of a scenario runs at once (idle ones cost
nothing) and each repetition loads them one after another, so a slow phase of the machine
spreads over all of them instead of favouring one.
"""

from __future__ import annotations

import argparse
import contextlib
import resource
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from suite import about, install, load, peers, report, scale
from suite.install import Missing
from suite.measure import TreeSampler, tree_memory
from suite.peers import Context, Peer, Running
from suite.results import INVALID, MISSING, NOT_AVAILABLE, Row, Sample
from suite.scenarios import BY_NAME, SCENARIOS, Scenario, Variant, probe_verdict

UPSTREAM_SCENARIOS = {"proxy", "vtl", "large_body", "http_proxy"}
FILES_PER_PEER = 256
"""Open files a peer needs besides one per connection (its own files, upstream connections)."""


@dataclass(frozen=True, slots=True)
class Options:
    duration_s: float
    warmup_s: float
    connections: int
    repetitions: int


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="bench/run", description="tollway's benchmark suite (bench/README.md)"
    )
    parser.add_argument("--quick", action="store_true", help="one short repetition of each scenario")
    parser.add_argument(
        "--scenario", action="append", default=[], help="scenario(s) to run (repeatable, a,b)"
    )
    parser.add_argument("--peers", default="", help="peers to run, e.g. tollway,nginx (default all)")
    parser.add_argument("--duration", type=float, help="seconds of load per run (default 10, --quick 3)")
    parser.add_argument("--connections", type=int, default=50, help="wrk connections (default 50)")
    parser.add_argument("--repetitions", type=int, help="interleaved repetitions (default 3, --quick 1)")
    parser.add_argument("--out", type=Path, default=install.BENCH / "results", help="default bench/results")
    return parser.parse_args(argv)


def select(args: argparse.Namespace) -> tuple[list[Scenario], list[Peer]]:
    names = [name.strip() for item in args.scenario for name in item.split(",") if name.strip()]
    unknown = [name for name in names if name not in BY_NAME]
    if unknown:
        raise SystemExit(f"bench: unknown scenario {', '.join(unknown)} (known: {', '.join(BY_NAME)})")
    wanted = [name.strip() for name in args.peers.split(",") if name.strip()]
    chosen = [
        p for p in peers.PEERS if not wanted or any(p.name == w or p.name.startswith(f"{w}-") for w in wanted)
    ]
    if not chosen:
        raise SystemExit(
            f"bench: no peer matches {args.peers} (known: {', '.join(p.name for p in peers.PEERS)})"
        )
    ordered: list[str] = []
    for name in names or [scenario.name for scenario in SCENARIOS]:
        baseline = BY_NAME[name].baseline
        # A scenario compared with another runs after it, in the same run.
        for needed in (baseline, name) if baseline else (name,):
            if needed not in ordered:
                ordered.append(needed)
    return [BY_NAME[name] for name in ordered], chosen


def raise_open_files() -> None:
    """Raise the soft limit of open files to the hard one (inherited by wrk and the peers)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    scenarios, chosen = select(args)
    options = Options(
        duration_s=args.duration or (3.0 if args.quick else 10.0),
        warmup_s=1.0 if args.quick else 2.0,
        connections=args.connections,
        repetitions=args.repetitions or (1 if args.quick else 3),
    )
    try:
        wrk = install.ensure_apt("wrk", ["wrk"])
    except Missing as exc:
        print(f"bench: cannot measure anything: {exc}", file=sys.stderr)
        return 1
    raise_open_files()
    workdir = Path(tempfile.mkdtemp(prefix="tollway-bench-"))
    ctx = Context(workdir, options.connections)
    upstream = _start_upstream(ctx) if UPSTREAM_SCENARIOS & {s.name for s in scenarios} else None
    rows: list[Row] = []
    try:
        for scenario in scenarios:
            print(f"bench: {scenario.name}", file=sys.stderr, flush=True)
            rows += run_scenario(ctx, scenario, chosen, upstream, wrk, options)
    finally:
        if isinstance(upstream, Running):
            upstream.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    setup = about.collect(
        ctx, wrk, options.connections, options.duration_s, options.repetitions, options.warmup_s
    )
    text = report.markdown(rows, scenarios, setup)
    md, js = report.write(args.out, text, rows, setup)
    print(text)
    print(f"bench: wrote {md} and {js}", file=sys.stderr)
    return 0


def _start_upstream(ctx: Context) -> Running | Missing:
    upstream = next(p for p in peers.PEERS if p.name == peers.UPSTREAM)
    try:
        upstream.prepare(ctx)
        running = peers.start(ctx, upstream, "shared")
    except Missing as exc:
        return exc
    ctx.upstream_port = running.port
    return running


def run_scenario(
    ctx: Context,
    scenario: Scenario,
    chosen: list[Peer],
    upstream: Running | Missing | None,
    wrk: str,
    options: Options,
) -> list[Row]:
    if scenario.scale:
        rows = _run_scale(ctx, scenario, chosen, upstream)
    else:
        rows = _run_load(ctx, scenario, chosen, upstream, wrk, options)
    families = {peer.name.split("-")[0] for peer in chosen}
    for label, reason in scenario.unavailable:
        if label.split()[0] in families:
            rows.append(Row(scenario.name, label, NOT_AVAILABLE, f"not available: {reason}"))
    return rows


def _run_load(
    ctx: Context,
    scenario: Scenario,
    chosen: list[Peer],
    upstream: Running | Missing | None,
    wrk: str,
    options: Options,
) -> list[Row]:
    rows: list[Row] = []
    started: list[tuple[Row, Variant, Running]] = []
    open_files = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    for peer in chosen:
        if scenario.name not in peer.scenarios:
            continue
        for index, variant in enumerate(scenario.cases()):
            row = Row(scenario.name, peer.name, variant=variant.name)
            rows.append(row)
            connections = variant.connections or options.connections
            if connections + FILES_PER_PEER > open_files:
                row.fail(
                    NOT_AVAILABLE,
                    f"not available: the open files limit ({open_files}) is below {connections} "
                    f"connections and {FILES_PER_PEER} of the peer's own (raise ulimit -Hn)",
                )
                continue
            try:
                running = _start(ctx, scenario, index, variant, peer, upstream)
            except Missing as exc:
                row.fail(MISSING, str(exc))
                continue
            if _check(scenario, variant, row, running):
                started.append((row, variant, running))
            else:
                running.stop()
    try:
        if scenario.cold:
            for row, _, running in started:
                _cold(row, running)
        else:
            for _ in range(options.repetitions):
                for row, variant, running in started:
                    _load(row, running, scenario, variant, wrk, options)
    finally:
        for _, _, running in started:
            running.stop()
    return rows


def _run_scale(
    ctx: Context, scenario: Scenario, chosen: list[Peer], upstream: Running | Missing | None
) -> list[Row]:
    """One peer at a time: each one's start-up is timed alone."""
    rows: list[Row] = []
    for peer in chosen:
        if scenario.name not in peer.scenarios:
            continue
        row = Row(scenario.name, peer.name)
        rows.append(row)
        try:
            running = _start(ctx, scenario, 0, scenario.cases()[0], peer, upstream)
        except Missing as exc:
            row.fail(MISSING, str(exc))
            continue
        try:
            scale.measure(row, running)
        finally:
            running.stop()
    return rows


def _start(
    ctx: Context,
    scenario: Scenario,
    index: int,
    variant: Variant,
    peer: Peer,
    upstream: Running | Missing | None,
) -> Running:
    if isinstance(upstream, Missing) and scenario.name in UPSTREAM_SCENARIOS:
        raise Missing(f"the upstream nginx is missing: {upstream}")
    if peer.name == peers.UPSTREAM and isinstance(upstream, Running):
        return upstream.at(peers.UPSTREAM_PATHS[variant.serves])
    peer.prepare(ctx)
    label = f"{scenario.name}-{index}" if scenario.variants else scenario.name
    return peers.start(ctx, peer, variant.serves, label)


def _check(scenario: Scenario, variant: Variant, row: Row, running: Running) -> bool:
    """Probe the features, then check the peer answers the scenario's request 200 (else the row says why)."""
    try:
        for probe in scenario.probes:
            status, _ = load.request(replace(probe.target, url=running.url()))
            verdict = probe_verdict(probe, status)
            if verdict:
                row.fail(NOT_AVAILABLE, verdict)
                return False
        if scenario.cold:
            load.request(load.Target(running.url("not_a_function")))  # the server is up; no function runs
            return True
        status, body = load.request(scenario.target(running.url(), running.headers, variant))
    except OSError as exc:
        row.fail(INVALID, f"invalid: the first request failed: {exc}")
        return False
    if status != 200:
        row.fail(INVALID, f"invalid: answered {status} instead of 200: {body[:160].decode(errors='replace')}")
        return False
    return True


def _load(
    row: Row, running: Running, scenario: Scenario, variant: Variant, wrk: str, options: Options
) -> None:
    target = scenario.target(running.url(), running.headers, variant)
    connections = variant.connections or options.connections
    try:
        _warm_up(wrk, target, connections, options.warmup_s, scenario.functions)
        sampler = TreeSampler(running.process.pid, running.peer.function_marker)
        sampler.start()
        try:
            result = load.run_wrk(wrk, target, connections, options.duration_s)
        finally:
            usage = sampler.stop()
    except (OSError, ValueError, subprocess.SubprocessError) as exc:
        row.fail(INVALID, f"invalid: wrk failed: {exc}")
        return
    served = max(result.requests, 1)
    row.samples.append(
        Sample(
            result.requests_per_s,
            result.p50_ms,
            result.p99_ms,
            result.p999_ms,
            result.errors,
            usage.peak.gateway_mb,
            usage.peak.functions_mb,
            result.requests,
            usage.gateway_cpu_s * 1e6 / served,
            usage.functions_cpu_s * 1e6 / served,
            usage.idle_pct,
        )
    )
    if result.error_count:
        errors = ", ".join(f"{kind} {count}" for kind, count in row.error_total().items())
        row.fail(INVALID, f"invalid: errors ({errors})")
    elif not result.requests:
        row.fail(INVALID, f"invalid: no answer in the {options.duration_s:g} s run")


WARM_UP_ROUNDS = 15


def _warm_up(wrk: str, target: load.Target, connections: int, warmup_s: float, until_stable: bool) -> None:
    """Load before measuring; with functions, until the rate grows less than 10% a round and the
    round answered at least two requests per connection (every instance started and in use)."""
    previous = load.run_wrk(wrk, target, connections, warmup_s).requests_per_s
    for _ in range(WARM_UP_ROUNDS if until_stable else 0):
        current = load.run_wrk(wrk, target, connections, warmup_s)
        if current.requests_per_s < previous * 1.1 and current.requests >= 2 * connections:
            return
        previous = current.requests_per_s


def _cold(row: Row, running: Running) -> None:
    for name in peers.cold_names():
        try:
            elapsed, status = load.first_response_ms(load.Target(running.url(name)))
        except OSError as exc:
            row.fail(INVALID, f"invalid: cold start {name} failed: {exc}")
            return
        if status != 200:
            row.fail(INVALID, f"invalid: cold start {name} answered {status}")
        row.cold_ms.append(elapsed)
    row.functions_rss_mb = tree_memory(running.process.pid, running.peer.function_marker).functions_mb
