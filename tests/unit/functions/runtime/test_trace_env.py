"""The worker's ``_X_AMZN_TRACE_ID`` per invocation: visible to Python code, and a unique value
per invocation does not grow the process (glibc keeps every string given to ``setenv``)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import tollway.functions.runtime.bootstrap as bootstrap

PROBE = """
import os, sys
sys.path.insert(0, sys.argv[1])
import bootstrap
def rss():
    return int(open("/proc/self/status").read().split("VmRSS:")[1].split()[0])
bootstrap.set_trace_id("Root=1-warm")
before = rss()
for n in range(100_000):
    bootstrap.set_trace_id(f"Root=1-5e5ff9de-{n:024x};Parent=1234567890abcdef;Sampled=0")
value = os.environ["_X_AMZN_TRACE_ID"]
print(value, os.getenv("_X_AMZN_TRACE_ID") == value, rss() - before)
"""


def test_a_trace_per_invocation_is_seen_by_python_and_costs_no_memory() -> None:
    folder = str(Path(bootstrap.__file__).parent)
    done = subprocess.run(
        [sys.executable, "-I", "-S", "-c", PROBE, folder],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    value, same, grown_kb = done.stdout.split()
    assert value == f"Root=1-5e5ff9de-{99_999:024x};Parent=1234567890abcdef;Sampled=0"
    assert same == "True"
    assert int(grown_kb) < 2048  # through setenv: about 14 MB for 100,000 values
