"""The report: a Markdown table per scenario (printed and written) and the JSON of everything."""

from __future__ import annotations

import datetime
import json
import statistics
from dataclasses import asdict
from pathlib import Path

from suite.results import OK, Row
from suite.scale import MEASURES
from suite.scenarios import Scenario


def _range(row: Row, name: str, digits: int = 0) -> str:
    values = row.values(name)
    if not values:
        return "-"
    median = statistics.median(values)
    if len(values) == 1:
        return f"{median:,.{digits}f}"
    return f"{median:,.{digits}f} ({min(values):,.{digits}f}-{max(values):,.{digits}f})"


def _ratio(value: float, reference: float) -> str:
    return f"{value / reference:.2f}x" if value and reference else "-"


def _note(row: Row) -> str:
    return " ".join(row.reason.replace("|", "/").split()) if row.status != OK else ""


def _baseline_row(rows: list[Row], scenario: str, peer: str) -> Row | None:
    """The row of ``peer`` in ``scenario``, or of its family (tollway-1w for tollway-1w-redis)."""
    while True:
        found = next((r for r in rows if r.scenario == scenario and r.peer == peer and r.samples), None)
        if found is not None or "-" not in peer:
            return found
        peer = peer.rsplit("-", 1)[0]


def _load_table(scenario: Scenario, own: list[Row], every: list[Row]) -> list[str]:
    """A row per peer and variant: req/s and its ratios (to the references of the same variant,
    to the same peer's row in the baseline scenario, to its first variant), latency, memory, CPU."""
    usable = [row for row in own if row.status == OK and row.samples]
    references = [name for name in scenario.references if any(row.peer == name for row in usable)]
    first = scenario.variants[0].name if scenario.versus_first else ""
    head = ["peer", "req/s median (min-max)"]
    head += ["MB/s"] if scenario.transfer_bytes else []
    head += [f"x {name}" for name in references]
    head += [f"x {scenario.baseline} (same peer)"] if scenario.baseline else []
    head += [f"x {first} (same peer)"] if first else []
    head += ["p50 ms", "p99 ms", "p99.9 ms", "errors", "gateway RSS MB"]
    head += [f"RSS MB over {first}"] if first else []
    head += ["functions RSS MB", "gateway CPU µs/req", "functions CPU µs/req", "machine idle %", "note"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for row in own:
        if not row.samples:
            lines.append("| " + " | ".join([row.label, *["-"] * (len(head) - 2), _note(row)]) + " |")
            continue
        rps = row.median("requests_per_s")
        versus_first = next((r for r in usable if r.peer == row.peer and r.variant == first), None)
        cells = [row.label, _range(row, "requests_per_s")]
        if scenario.transfer_bytes:
            cells.append(f"{rps * scenario.transfer_bytes / 1e6:,.0f}")
        for name in references:
            reference = next((r for r in usable if r.peer == name and r.variant == row.variant), None)
            cells.append(_ratio(rps, reference.median("requests_per_s")) if reference else "-")
        if scenario.baseline:
            baseline = _baseline_row(every, scenario.baseline, row.peer)
            cells.append(_ratio(rps, baseline.median("requests_per_s")) if baseline else "-")
        if first:
            cells.append(_ratio(rps, versus_first.median("requests_per_s")) if versus_first else "-")
        cells += [_range(row, "p50_ms", 2), _range(row, "p99_ms", 2), _range(row, "p999_ms", 2)]
        cells += [str(sum(row.error_total().values())), _range(row, "gateway_rss_mb")]
        if first and versus_first:
            cells.append(f"{row.median('gateway_rss_mb') - versus_first.median('gateway_rss_mb'):+,.0f}")
        elif first:
            cells.append("-")
        cells.append(_range(row, "functions_rss_mb") if row.median("functions_rss_mb") else "-")
        cells.append(_range(row, "gateway_cpu_us"))
        cells.append(_range(row, "functions_cpu_us") if row.median("functions_cpu_us") else "-")
        cells += [_range(row, "idle_pct"), _note(row)]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def _scale_table(own: list[Row]) -> list[str]:
    head = ["peer", *(column for _, column, _ in MEASURES), "note"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for row in own:
        cells = [row.label]
        for key, _, digits in MEASURES:
            cells.append(f"{row.measures[key]:,.{digits}f}" if key in row.measures else "-")
        lines.append("| " + " | ".join([*cells, _note(row)]) + " |")
    return lines


def _cold_table(rows: list[Row], references: list[Row]) -> list[str]:
    ref_cols = [f"x {ref.peer} (median)" for ref in references]
    head = ["peer", "median ms", "max ms", *ref_cols, "cold starts", "functions RSS MB", "note"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for row in rows:
        if not row.cold_ms:
            cells = [row.peer, "-", "-", *["-"] * len(references), "0", "-", _note(row)]
        else:
            median = statistics.median(row.cold_ms)
            ratios = [_ratio(median, statistics.median(ref.cold_ms)) for ref in references]
            cells = [row.peer, f"{median:.0f}", f"{max(row.cold_ms):.0f}", *ratios, str(len(row.cold_ms))]
            cells += [f"{row.functions_rss_mb:.0f}" if row.functions_rss_mb else "-", _note(row)]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def _header(setup: dict[str, object]) -> list[str]:
    machine = setup["machine"]
    versions = setup["versions"]
    load = setup["setup"]
    assert isinstance(machine, dict) and isinstance(versions, dict) and isinstance(load, dict)
    return [
        f"# tollway benchmark, {setup['date']}",
        "",
        f"Machine: {machine['nproc']} cores, {machine['cpu']}, {machine['memory']} "
        f"(Linux {machine['kernel']}).",
        f"Load: {load['load']}, {load['repetitions']} interleaved repetition(s), median (min-max); "
        f"{load['note']}.",
        "Versions: " + ", ".join(f"{name} {version}" for name, version in versions.items()) + ".",
        "",
    ]


def markdown(rows: list[Row], scenarios: list[Scenario], setup: dict[str, object]) -> str:
    lines = _header(setup)
    for scenario in scenarios:
        own = [row for row in rows if row.scenario == scenario.name]
        if not own:
            continue
        lines += [f"## {scenario.name}", "", scenario.description + ".", ""]
        if scenario.cold:
            references = [
                row
                for name in scenario.references
                for row in own
                if row.peer == name and row.status == OK and row.cold_ms
            ]
            lines += _cold_table(own, references)
        elif scenario.scale:
            lines += _scale_table(own)
        else:
            lines += _load_table(scenario, own, rows)
        lines.append("")
    return "\n".join(lines)


def write(out: Path, text: str, rows: list[Row], setup: dict[str, object]) -> tuple[Path, Path]:
    """bench/results/<YYYY-MM-DD>.md and .json (the JSON keeps every sample, for history)."""
    out.mkdir(parents=True, exist_ok=True)
    stem = datetime.date.today().isoformat()
    md, js = out / f"{stem}.md", out / f"{stem}.json"
    md.write_text(text + "\n", encoding="utf-8")
    document = {**setup, "rows": [asdict(row) for row in rows]}
    js.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    return md, js
