"""The report: a Markdown table per scenario (printed and written) and the JSON of everything."""

from __future__ import annotations

import datetime
import json
import statistics
from dataclasses import asdict
from pathlib import Path

from suite.results import OK, Row
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
    return row.reason.replace("|", "/") if row.status != OK else ""


def _load_table(rows: list[Row], references: list[Row]) -> list[str]:
    ref_cols = [f"x {ref.peer}" for ref in references]
    head = ["peer", "req/s median (min-max)", *ref_cols, "p50 ms", "p99 ms", "p99.9 ms", "errors"]
    head += ["gateway RSS MB", "functions RSS MB", "gateway CPU µs/req", "functions CPU µs/req"]
    head += ["machine idle %", "note"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for row in rows:
        if not row.samples:
            cells = [row.peer, *["-"] * (len(head) - 2), _note(row)]
        else:
            rps = row.median("requests_per_s")
            ratios = [_ratio(rps, ref.median("requests_per_s")) for ref in references]
            errors = sum(row.error_total().values())
            functions = _range(row, "functions_rss_mb") if row.median("functions_rss_mb") else "-"
            cells = [row.peer, _range(row, "requests_per_s"), *ratios, _range(row, "p50_ms", 2)]
            cells += [_range(row, "p99_ms", 2), _range(row, "p999_ms", 2), str(errors)]
            cells += [_range(row, "gateway_rss_mb"), functions, _range(row, "gateway_cpu_us")]
            cells.append(_range(row, "functions_cpu_us") if row.median("functions_cpu_us") else "-")
            cells += [_range(row, "idle_pct"), _note(row)]
        lines.append("| " + " | ".join(cells) + " |")
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
        references = [
            row for name in scenario.references for row in own if row.peer == name and row.status == OK
        ]
        lines += [f"## {scenario.name}", "", scenario.description + ".", ""]
        if scenario.cold:
            references = [row for row in references if row.cold_ms]
            lines += _cold_table(own, references)
        else:
            references = [row for row in references if row.samples]
            lines += _load_table(own, references)
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
