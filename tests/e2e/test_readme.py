"""The README's commands, run exactly as written: the first set-up command, the short tour,
the HTTP API tour and the paid example's tour, each line through bash in a fresh folder with
`tollway` on the PATH. Every command of those blocks must be known to this test (a new README line without a
check here fails), and each is checked for what its comment promises.

The second set-up command, `bash .ci/run`, is what CI itself runs.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from support import REPO, shared_redis

README = REPO / "README.md"
BIN = Path(sys.executable).parent


def sh_blocks(text: str) -> list[list[str]]:
    """The commands of every ```sh block: continuations joined, comments dropped."""
    blocks = []
    for body in re.findall(r"```sh\n(.*?)```", text, re.S):
        commands: list[str] = []
        pending = ""
        for line in body.splitlines():
            stripped = line.strip()
            if not stripped or stripped.startswith("#"):
                continue
            code = re.sub(r"\s+#\s.*$", "", line).rstrip()
            pending += code.strip() if not pending else " " + code.strip()
            if pending.endswith("\\"):
                pending = pending[:-1].rstrip()
                continue
            commands.append(pending)
            pending = ""
        blocks.append(commands)
    return blocks


def block_starting(prefix: str) -> list[str]:
    found = [b for b in sh_blocks(README.read_text()) if b and b[0].startswith(prefix)]
    assert len(found) == 1, f"the README has no single sh block starting with {prefix!r}"
    return found[0]


def wait_for_port(port: int, process: subprocess.Popen[str], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"exited {process.returncode}: {process.communicate()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"nothing listens on {port}")


def port_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


@dataclass
class Tour:
    """Runs README lines in ``folder``; remembers the ids they print for API_ID, PLAN_ID, KEY_ID."""

    folder: Path
    ids: dict[str, str] = field(default_factory=dict)
    servers: list[subprocess.Popen[str]] = field(default_factory=list)

    @property
    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k != "TOLLWAY_STORE"}
        return {**env, "PATH": f"{BIN}{os.pathsep}{env.get('PATH', '')}"}

    def run(self, command: str) -> str:
        for placeholder, value in self.ids.items():
            command = command.replace(placeholder, value)
        assert not re.search(r"\b(API|PLAN|KEY)_ID\b", command), f"no id printed yet for: {command}"
        if command.startswith("tollway serve"):
            return self._serve(command)
        timeout = 3 if "--follow" in command else 180
        try:
            done = subprocess.run(
                ["bash", "-c", command],
                cwd=self.folder,
                env=self.env,
                capture_output=True,
                text=True,
                timeout=timeout,
            )
        except subprocess.TimeoutExpired as stopped:  # `logs --follow` runs until stopped
            return stopped.stdout.decode() if isinstance(stopped.stdout, bytes) else stopped.stdout or ""
        assert done.returncode == 0, (command, done.stdout, done.stderr)
        self._remember(command, done.stdout)
        return done.stdout

    def _serve(self, command: str) -> str:
        port = int(m.group(1)) if (m := re.search(r"--port (\d+)", command)) else 8080
        assert port_free(port), f"port {port} is taken; the README's tour needs it"
        process = subprocess.Popen(
            ["bash", "-c", f"exec {command}"],
            cwd=self.folder,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        self.servers.append(process)
        wait_for_port(port, process)
        assert process.stdout is not None
        banner = process.stdout.readline()
        urls = process.stdout.readline()
        assert "listening on" in banner, banner
        if found := re.search(r"\((\w{10})\) stage", urls):
            self.ids["API_ID"] = found.group(1)
        return urls

    def _remember(self, command: str, out: str) -> None:
        first = out.split()[0] if out.split() else ""
        if command.startswith("tollway import"):
            self.ids["API_ID"] = first
        elif command.startswith("tollway keys create"):
            self.ids["KEY_ID"] = first
        elif command.startswith("tollway plans create"):
            self.ids["PLAN_ID"] = first
        elif command.startswith("tollway plans list"):
            self.ids["PLAN_ID"] = next(line.split("\t")[0] for line in out.splitlines() if "\tgold\t" in line)

    def stop(self) -> None:
        for process in self.servers:
            process.terminate()
            process.wait(timeout=20)


@pytest.fixture
def tour(tmp_path: Path) -> Iterator[Tour]:
    shutil.copytree(REPO / "examples", tmp_path / "examples")
    shutil.copy(REPO / "examples" / "petstore" / "openapi.yaml", tmp_path / "api.yaml")  # "your" api.yaml
    running = Tour(tmp_path)
    yield running
    running.stop()


def _json(out: str) -> object:
    return json.loads(out)


def _statuses(out: str) -> None:
    codes = out.split()
    ok = codes.count("200")
    assert codes == ["200"] * ok + ["429"] * (len(codes) - ok), codes
    assert 4 <= ok <= 5 and len(codes) == 7, codes


Check = Callable[[str], object]

SHORT_TOUR: dict[str, Check] = {
    "tollway serve examples/petstore/openapi.yaml": lambda out: None,
    "curl http://127.0.0.1:8080/prod/pets": lambda out: isinstance(_json(out), list),
    "curl http://127.0.0.1:8080/prod/pets/2": lambda out: _json(out),
    "tollway serve examples/hello/template.yaml --port 3000": lambda out: None,
    "curl http://127.0.0.1:3000/Prod/hello": lambda out: "hello" in out.lower(),
    "tollway serve examples/functions/template.yaml --port 3001": lambda out: None,
    "curl http://127.0.0.1:3001/Prod/hello/ann": lambda out: "hello ann" in out,
    "tollway invoke HelloFunction --event examples/functions/events/event.json "
    "--template examples/functions/template.yaml": lambda out: (
        _json(out.splitlines()[-1])["statusCode"] == 200
    ),  # type: ignore[index]
    "tollway logs HelloFunction --follow": lambda out: "START RequestId" in out and "REPORT RequestId" in out,
    "tollway build examples/functions/template.yaml": lambda out: out.startswith("HelloFunction"),
    "tollway import api.yaml --stage beta": lambda out: "beta" in out,
    "tollway apis list": lambda out: "PetStore" in out,
    "tollway deploy API_ID beta --variable backend=10.0.0.5": lambda out: out.startswith("deployed"),
    "tollway stages list": lambda out: "\tbeta\t" in out,
    "tollway export API_ID beta --type swagger --format json": lambda out: _json(out)["swagger"] == "2.0",  # type: ignore[index]
}

HTTP_TOUR: dict[str, Check] = {
    "tollway serve examples/http_api/template.yaml --port 3003": lambda out: None,
    "curl http://127.0.0.1:3003/hello/ann": lambda out: (
        _json(out) == {"greeting": "hello ann", "route": "GET /hello/{name}", "stage": "$default"}
    ),
    'curl -X OPTIONS http://127.0.0.1:3003/hello/ann -H "Origin: https://example.com" '
    '-H "Access-Control-Request-Method: GET" -o /dev/null -w "%{http_code}"': lambda out: (
        out.strip() == "204"
    ),
    "curl http://127.0.0.1:3003/nothing": lambda out: _json(out) == {"message": "Not Found"},
}

TODAYS_USAGE = (
    "tollway usage PLAN_ID --start $(date -u +%F) --end $(date -u +%F) --state redis://127.0.0.1:6379/0"
)
PAID_TOUR: dict[str, Check] = {
    "tollway serve examples/paid/template.yaml --port 3002 --state redis://127.0.0.1:6379/0": lambda out: (
        None
    ),
    "curl http://127.0.0.1:3002/prod/quote": lambda out: _json(out) == {"message": "Forbidden"},
    'curl -H "x-api-key: demo-key-for-tollway-0123456789" http://127.0.0.1:3002/prod/quote': lambda out: (
        "quote" in _json(out)
    ),  # type: ignore[operator]
    'for i in 1 2 3 4 5 6 7; do curl -s -o /dev/null -w "%{http_code} " -H "x-api-key: '
    'demo-key-for-tollway-0123456789" http://127.0.0.1:3002/prod/quote; done': _statuses,
    "tollway plans list": lambda out: "\tgold\t" in out,
    TODAYS_USAGE: lambda out: int(out.splitlines()[1].split()[2]) >= 5,
    "tollway keys create buyer": lambda out: len(out.split()) == 3,
    "tollway plans create silver --stage API_ID:prod --rate 10 --burst 20 --quota-limit 1000 "
    "--quota-period DAY": lambda out: "silver" in out,
    "tollway plans add-key PLAN_ID KEY_ID": lambda out: "silver" in out,
}


def walk(tour: Tour, commands: list[str], checks: dict[str, Check]) -> None:
    assert commands == list(checks), "the README's commands and this test's checks differ"
    for command in commands:
        out = tour.run(command)
        assert checks[command](out) is not False, (command, out)


def test_the_short_tour_runs_as_written(tour: Tour) -> None:
    walk(tour, block_starting("tollway serve examples/petstore/openapi.yaml"), SHORT_TOUR)


def test_the_http_api_tour_runs_as_written(tour: Tour) -> None:
    walk(tour, block_starting("tollway serve examples/http_api/template.yaml"), HTTP_TOUR)


def test_the_paid_tour_runs_as_written(tour: Tour) -> None:
    shared_redis().close()  # the tour counts in the machine's Redis: fail (CI) or skip without it
    walk(tour, block_starting("tollway serve examples/paid/template.yaml"), PAID_TOUR)


@pytest.mark.registry
def test_the_first_set_up_command_installs_and_serves_the_pet_store(tmp_path: Path) -> None:
    """`python3 -m venv .venv && .venv/bin/pip install . && .venv/bin/tollway serve ...` in a
    copy of this checkout (pip reaches PyPI for the dependencies)."""
    command = sh_blocks(README.read_text())[0][0]
    assert command.startswith("python3 -m venv .venv && .venv/bin/pip install . && ")
    clone = tmp_path / "clone"
    shutil.copytree(
        REPO,
        clone,
        ignore=shutil.ignore_patterns(".venv", ".git", "*.egg-info", "__pycache__", ".tollway", "build"),
    )
    tour = Tour(clone)
    assert port_free(8080), "port 8080 is taken; the README's first command needs it"
    process = subprocess.Popen(
        ["bash", "-c", command],
        cwd=clone,
        env=tour.env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_for_port(8080, process, timeout=600)
        out = subprocess.run(
            ["curl", "-s", "http://127.0.0.1:8080/prod/pets"], capture_output=True, text=True, timeout=30
        )
        assert isinstance(json.loads(out.stdout), list)
        # `pip install .` compiles the request path (setup.py, mypyc): the server it runs is
        # the extension module, not its Python source.
        served_from = subprocess.run(
            [
                str(clone / ".venv/bin/python"),
                "-c",
                "import tollway.dataplane.server as s; print(s.__file__)",
            ],
            capture_output=True,
            text=True,
            timeout=60,
            cwd=tmp_path,
        )
        assert served_from.stdout.strip().endswith(".so"), served_from.stdout + served_from.stderr
    finally:
        process.terminate()
        process.wait(timeout=30)
