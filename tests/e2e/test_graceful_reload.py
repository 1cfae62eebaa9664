"""Graceful restarts: SIGHUP replaces the workers one at a time with the configuration and
function code read again, SIGTERM finishes what is in flight; no request is lost.

The load is real clients on keep-alive connections (httpx, one connection per thread),
each sending its next request as soon as the last is answered: the case where closing a
connection at the wrong moment loses a request."""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from e2e.polling import wait_until
from support import Running, write

TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  VersionFunction:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.11
      CodeUri: code/
      Handler: app.handler
      Environment:
        Variables:
          SETTING: "{setting}"
      Events:
        Version:
          Type: Api
          Properties: {{Path: /version, Method: get}}
        Slow:
          Type: Api
          Properties: {{Path: /slow, Method: get}}
"""

CODE = """\
import json, os, time

def handler(event, context):
    if event["path"] == "/slow":
        time.sleep(1.5)
    body = {{"code": "{code}", "setting": os.environ["SETTING"], "pid": os.getpid()}}
    return {{"statusCode": 200, "body": json.dumps(body)}}
"""


def project(folder: Path, setting: str, code: str) -> Path:
    """The template (its environment says ``setting``) and the handler (it says ``code``),
    each replaced whole: an instance starting meanwhile reads the old file or the new one."""
    (folder / "code").mkdir(exist_ok=True)
    for path, text in (
        (folder / "code" / "app.py", CODE.format(code=code)),
        (folder / "template.yaml", TEMPLATE.format(setting=setting)),
    ):
        os.replace(write(path.with_suffix(".tmp"), text), path)
    return folder / "template.yaml"


def workers(running: Running) -> set[int]:
    """The serve process's children: its workers (function instances are theirs)."""
    pid = running.process.pid
    with open(f"/proc/{pid}/task/{pid}/children") as children:
        return {int(child) for child in children.read().split()}


@dataclass
class Load:
    """``threads`` clients asking ``url`` back to back until stopped (at most ``limit_s``)."""

    url: str
    threads: int = 8
    limit_s: float = 120.0
    answers: Counter[str] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _client(self) -> None:
        deadline = time.monotonic() + self.limit_s
        with httpx.Client(timeout=10) as client:
            while not self._stop.is_set() and time.monotonic() < deadline:
                try:
                    response = client.get(self.url)
                    code = response.json().get("code") if response.status_code == 200 else response.text
                    outcome = f"{response.status_code} {code}"
                except (httpx.HTTPError, ValueError) as exc:
                    outcome = f"error {type(exc).__name__}: {exc}"
                with self._lock:
                    if outcome.startswith("200 "):
                        self.answers[outcome] += 1
                    else:
                        self.failures.append(outcome)

    @property
    def total(self) -> int:
        with self._lock:
            return sum(self.answers.values()) + len(self.failures)

    @contextlib.contextmanager
    def run(self) -> Iterator[Load]:
        pool = [threading.Thread(target=self._client) for _ in range(self.threads)]
        for thread in pool:
            thread.start()
        try:
            yield self
        finally:
            self._stop.set()
            for thread in pool:
                thread.join(timeout=30)


def answer(running: Running, path: str = "/version") -> dict[str, object]:
    response = httpx.get(f"{running.url}/Prod{path}", timeout=10)
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


@pytest.fixture
def two_workers(serve: Callable[..., Running], tmp_path: Path) -> Running:
    return serve(str(project(tmp_path, "s0", "c0")), "--workers", "2", "--quiet-functions", "--verbose")


def test_ten_reloads_under_load_lose_no_request_and_serve_the_new_configuration(
    two_workers: Running, tmp_path: Path
) -> None:
    running = two_workers
    before = workers(running)
    assert len(before) == 2
    load = Load(f"{running.url}/Prod/version")
    with load.run():
        wait_until(lambda: load.total > 200, timeout=30, what="the load to get going")
        for n in range(1, 11):
            # New configuration and new code; the code grows, as CPython trusts a cached .pyc
            # whose source has the same size and modification second.
            project(tmp_path, f"s{n}", f"c{n}" + "-" * n)
            old = workers(running)
            sent = load.total
            running.process.send_signal(signal.SIGHUP)
            wait_until(lambda old=old: not workers(running) & old, timeout=30, what=f"reload {n}")  # type: ignore[misc]
            assert len(workers(running)) == 2
            assert answer(running) | {"pid": 0} == {"code": f"c{n}" + "-" * n, "setting": f"s{n}", "pid": 0}
            wait_until(lambda sent=sent: load.total > sent + 100, timeout=30, what=f"traffic after {n}")  # type: ignore[misc]
    print(f"10 reloads under load: {load.total} requests, {len(load.failures)} lost")  # README figure
    assert load.failures == []
    assert load.answers["200 c10" + "-" * 10] > 0
    assert len(load.answers) >= 10, load.answers  # answered by the code of most reloads in turn
    assert running.process.poll() is None
    code, _, err = running.stop()
    assert code == 0, err
    assert err.count("reloaded: 2 worker(s) replaced") == 10, err


def test_a_broken_template_on_sighup_replaces_nothing(two_workers: Running, tmp_path: Path) -> None:
    running = two_workers
    before = workers(running)
    write(tmp_path / "template.yaml", "Resources: [this is not a template\n")
    running.process.send_signal(signal.SIGHUP)
    time.sleep(2)  # a reload that would replace them takes well under a second here
    assert workers(running) == before
    assert answer(running)["code"] == "c0"
    project(tmp_path, "s1", "c1-")
    running.process.send_signal(signal.SIGHUP)
    wait_until(lambda: not workers(running) & before, timeout=30, what="the reload after the fix")
    assert answer(running)["code"] == "c1-"
    code, _, err = running.stop()
    assert code == 0
    assert "reload failed, the workers keep serving the previous configuration" in err
    assert err.count("reloaded: 2 worker(s) replaced") == 1


def test_one_worker_reloads_in_place_with_new_instances(
    serve: Callable[..., Running], tmp_path: Path
) -> None:
    running = serve(str(project(tmp_path, "s0", "c0")), "--quiet-functions")
    first = answer(running)
    assert first["code"] == "c0"
    project(tmp_path, "s1", "c1-")
    running.process.send_signal(signal.SIGHUP)
    now = wait_until(
        lambda: (body := answer(running))["code"] == "c1-" and body, timeout=10, what="the new code"
    )
    assert now["setting"] == "s1"
    assert now["pid"] != first["pid"]
    assert running.process.poll() is None


@pytest.mark.parametrize("count", ["1", "2"])
def test_sigterm_finishes_a_function_invocation_in_flight(
    serve: Callable[..., Running], tmp_path: Path, count: str
) -> None:
    running = serve(str(project(tmp_path, "s0", "c0")), "--workers", count, "--quiet-functions")
    answer(running)  # warm: the slow call below starts at once
    result: dict[str, httpx.Response] = {}
    thread = threading.Thread(
        target=lambda: result.setdefault("slow", httpx.get(f"{running.url}/Prod/slow", timeout=10))
    )
    thread.start()
    time.sleep(0.5)  # the handler is sleeping now
    running.process.send_signal(signal.SIGTERM)
    thread.join(timeout=15)
    assert result["slow"].status_code == 200
    assert result["slow"].json()["code"] == "c0"
    assert running.process.wait(timeout=15) == 0
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{running.url}/Prod/version", timeout=2)
