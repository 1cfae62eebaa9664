"""The benchmark suite cannot rot: `bench/run --quick --scenario mock` measures tollway end to end.

No timing assert (performance is bench/'s business, not CI's): only that the suite runs, loads
a real `tollway serve` with wrk, prints a table with a tollway row and writes the JSON history.
tollway runs on this interpreter (``TOLLWAY_PYTHON``), so no network is needed once wrk is
installed; without wrk the suite installs it with apt-get.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from support import REPO


def bench_env() -> dict[str, str]:
    """This suite's interpreter and build: TOLLWAY_NO_MYPYC keeps bench/run from compiling
    its own wheel (minutes), so it runs whatever build the suite imports (PYTHONPATH)."""
    env = {**os.environ, "TOLLWAY_PYTHON": sys.executable, "TOLLWAY_NO_MYPYC": "1"}
    env.pop("TOLLWAY_STORE", None)
    return env


def test_quick_mock_run_prints_a_tollway_row_and_writes_the_json(tmp_path: Path) -> None:
    out = tmp_path / "results"
    env = bench_env()
    cmd = [str(REPO / "bench" / "run"), "--quick", "--scenario", "mock", "--peers", "tollway"]
    done = subprocess.run(
        [*cmd, "--duration", "1", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 0, done.stderr

    table = [line for line in done.stdout.splitlines() if line.startswith("| tollway-1w |")]
    assert len(table) == 1, done.stdout
    assert "## mock" in done.stdout

    [written] = list(out.glob("*.json"))
    document = json.loads(written.read_text())
    rows = {row["peer"]: row for row in document["rows"]}
    assert set(rows) == {"tollway-1w", "tollway-2w"}
    one_worker = rows["tollway-1w"]
    assert one_worker["scenario"] == "mock"
    assert one_worker["status"] == "ok", one_worker["reason"]
    assert one_worker["samples"][0]["requests_per_s"] > 0
    assert one_worker["samples"][0]["gateway_rss_mb"] > 0
    assert document["versions"]["tollway"] != "not used"
    assert written.with_suffix(".md").read_text().startswith("# tollway benchmark")


def test_quick_jwt_authorizer_run_measures_a_cognito_user_pool_row(tmp_path: Path) -> None:
    """The -jwt peer: a bench issuer serves the JWKS, the request carries a minted ID token,
    and the probe without it is refused (else the row would say "not available")."""
    out = tmp_path / "results"
    env = bench_env()
    cmd = [str(REPO / "bench" / "run"), "--quick", "--scenario", "authorizer", "--peers", "tollway-1w-jwt"]
    done = subprocess.run(
        [*cmd, "--duration", "1", "--connections", "8", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 0, done.stderr

    [written] = list(out.glob("*.json"))
    rows = {row["peer"]: row for row in json.loads(written.read_text())["rows"]}
    assert set(rows) == {"tollway-1w-jwt"}
    row = rows["tollway-1w-jwt"]
    assert (row["scenario"], row["status"]) == ("authorizer", "ok"), row["reason"]
    assert row["samples"][0]["requests_per_s"] > 0
