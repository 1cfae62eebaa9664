"""The peers: what each one runs for a scenario, and how it is started, checked and stopped.

A peer's ``prepare`` installs what it needs (or raises ``Missing``); its ``launch`` writes the
scenario's files into a folder and says the command to run and the URL path to load.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from suite import files, install
from suite.install import Missing

START_TIMEOUT_S = 90.0


@dataclass
class Context:
    """What the peers share in one run: a temp folder, the installed tools and the upstream."""

    workdir: Path
    connections: int = 50
    upstream_port: int = 0
    _tools: dict[str, str | Missing] = field(default_factory=dict)

    def tool(self, key: str, find: Callable[[], object]) -> str:
        """``find()`` once per run (an install, maybe); a Missing is remembered and re-raised."""
        if key not in self._tools:
            try:
                self._tools[key] = str(find())
            except Missing as exc:
                self._tools[key] = exc
        found = self._tools[key]
        if isinstance(found, Missing):
            raise found
        return found

    def found(self, key: str) -> str | None:
        """What ``tool(key)`` found, without installing anything."""
        found = self._tools.get(key)
        return found if isinstance(found, str) else None


@dataclass(frozen=True, slots=True)
class Launch:
    cmd: list[str]
    path: str
    """URL path to load; ``{name}`` is a cold-start function's name."""
    cwd: Path
    env: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    """Request headers of this peer over the scenario's (a token minted for it); the probe never has them."""
    cleanup: Callable[[], None] | None = None
    """Stops what the launch started beside the peer (a JWKS issuer), once the peer has stopped."""
    configure: Callable[[int], str] | None = None
    """Sets the peer up through its own API once it listens on the port (ministack); returns the
    URL path to load, in place of ``path``. Raises Missing when it cannot."""
    redeploy: Callable[[], Change] | None = None
    """config_scale: changes one API's answer through the peer's control plane."""
    measures: dict[str, float] = field(default_factory=dict)
    """What preparing the launch measured (config_scale: the import's duration)."""


@dataclass(frozen=True, slots=True)
class Change:
    """A redeployment: where the changed answer is served, the answer, the command's duration."""

    path: str
    answer: bytes
    elapsed_s: float


@dataclass(frozen=True, slots=True)
class Peer:
    name: str
    scenarios: frozenset[str]
    prepare: Callable[[Context], None]
    launch: Callable[[Context, str, Path, int], Launch]
    function_marker: str | None = None
    """Processes whose command line contains this are function instances, measured apart."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _nginx(ctx: Context) -> str:
    return ctx.tool("nginx", lambda: install.ensure_apt("nginx", ["nginx-light", "nginx"]))


def _launch_nginx(ctx: Context, scenario: str, folder: Path, port: int) -> Launch:
    locations = files.nginx_peer_locations(proxy=bool(ctx.upstream_port))
    conf = files.nginx_conf(folder, port, locations, ctx.upstream_port)
    return Launch([_nginx(ctx), "-p", str(folder), "-c", str(conf), "-e", "stderr"], f"/{scenario}", folder)


def _need_nginx(ctx: Context) -> None:
    _nginx(ctx)


def launch_upstream(ctx: Context, scenario: str, folder: Path, port: int) -> Launch:
    # nginx started as root reads files as "nobody": its static file's folders must be searchable.
    ctx.workdir.chmod(ctx.workdir.stat().st_mode | 0o011)
    conf = files.nginx_conf(folder, port, files.upstream_locations(folder))
    return Launch([_nginx(ctx), "-p", str(folder), "-c", str(conf), "-e", "stderr"], "/", folder)


UPSTREAM_PATHS = {"proxy": "/", "large_get": "/large.json", "large_post": "/discard"}
"""What the upstream's "direct" row loads, per scenario (variant)."""


def _asgi(ctx: Context) -> None:
    ctx.tool("uvicorn", lambda: install.ensure_pip("uvicorn, uvloop, httptools", ["uvicorn[standard]"]))


def _launch_uvicorn(ctx: Context, scenario: str, folder: Path, port: int) -> Launch:
    files.write(folder / "hello.py", files.ASGI_APP)
    cmd = [
        str(install.VENV / "bin" / "uvicorn"),
        "hello:app",
        "--app-dir",
        str(folder),
        "--host",
        "127.0.0.1",
    ]
    cmd += ["--port", str(port), "--loop", "uvloop", "--http", "httptools", "--workers", "1"]
    return Launch([*cmd, "--log-level", "warning", "--no-access-log"], "/mock", folder)


def _granian(ctx: Context) -> None:
    _asgi(ctx)  # granian's uvloop comes with uvicorn[standard]
    ctx.tool("granian", lambda: install.ensure_pip("granian", ["granian"]))


def _launch_granian(ctx: Context, scenario: str, folder: Path, port: int) -> Launch:
    files.write(folder / "hello.py", files.ASGI_APP)
    cmd = [str(install.VENV / "bin" / "granian"), "--interface", "asgi", "--host", "127.0.0.1"]
    cmd += ["--port", str(port), "--workers", "1", "--loop", "uvloop", "--http", "1"]
    return Launch([*cmd, "--no-access-log", "--working-dir", str(folder), "hello:app"], "/mock", folder)


def _chalice(ctx: Context) -> None:
    ctx.tool("chalice", lambda: install.ensure_pip("chalice", ["chalice"]))


def _launch_chalice(ctx: Context, scenario: str, folder: Path, port: int) -> Launch:
    files.chalice_project(folder)
    cmd = [str(install.VENV / "bin" / "chalice"), "local", "--host", "127.0.0.1", "--port", str(port)]
    return Launch([*cmd, "--no-autoreload"], "/hello", folder)


def _sls(ctx: Context) -> None:
    ctx.tool("serverless", install.ensure_serverless)
    _tollway(ctx)


def _launch_sls(ctx: Context, scenario: str, folder: Path, port: int) -> Launch:
    names = cold_names() if scenario == "lambda_cold" else ["hello"]
    files.serverless_service(folder, names)
    (folder / "node_modules").symlink_to(install.NODE / "node_modules")
    # serverless-offline runs a python3.11 runtime as `python3` from PATH, through a shell:
    # put the interpreter tollway uses first, so both run handlers on the same Python.
    (folder / "bin").mkdir()
    (folder / "bin" / "python3").symlink_to(_tollway(ctx))
    cmd = [
        "node",
        ctx.tool("serverless", install.ensure_serverless),
        "offline",
        "start",
        "--httpPort",
        str(port),
    ]
    for option in ("--lambdaPort", "--websocketPort", "--albPort"):
        cmd += [option, str(free_port())]
    env = {
        "PATH": f"{folder / 'bin'}:{os.environ.get('PATH', '')}",
        "SLS_TELEMETRY_DISABLED": "1",
        "SLS_NOTIFICATIONS_MODE": "off",
        "SLS_DEPRECATION_DISABLE": "*",
        "VIRTUAL_ENV": "",
    }
    path = "/dev/{name}" if scenario == "lambda_cold" else "/dev/hello"
    return Launch(cmd, path, folder, env)


def _ministack(ctx: Context) -> str:
    return ctx.tool("ministack", lambda: install.ensure_pip("ministack, boto3", ["ministack", "boto3"]))


def _need_ministack(ctx: Context) -> None:
    _ministack(ctx)


MINISTACK_SETUP_TIMEOUT_S = 120.0


def _launch_ministack(ctx: Context, scenario: str, folder: Path, port: int) -> Launch:
    """``ministack`` on 127.0.0.1:PORT, its optional listeners off; once it listens, the setup
    script makes the scenario's API through boto3 (``files.MINISTACK_SETUP``)."""
    python = _ministack(ctx)
    files.write(folder / "handler.py", files.HANDLER)
    (folder / "tmp").mkdir()
    env = {
        "GATEWAY_PORT": str(port),
        "BIND_HOST": "127.0.0.1",
        "LOG_LEVEL": "WARNING",
        "IOT_MTLS_ENABLED": "0",
        "SFTP_ENABLED": "0",
        # Its pid file and each function instance's code folder (ministack-lambda-NAME-*) go here.
        "TMPDIR": str(folder / "tmp"),
    }

    def configure(port: int) -> str:
        endpoint = f"http://127.0.0.1:{port}"
        cmd = [python, "-c", files.MINISTACK_SETUP, endpoint, scenario, str(ctx.upstream_port), str(folder)]
        keys = {
            "AWS_ACCESS_KEY_ID": "test",
            "AWS_SECRET_ACCESS_KEY": "test",
            "AWS_DEFAULT_REGION": "us-east-1",
        }
        try:
            done = subprocess.run(
                [*cmd, files.BODY],
                capture_output=True,
                text=True,
                timeout=MINISTACK_SETUP_TIMEOUT_S,
                env={**os.environ, **keys},
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise Missing(f"setting ministack up through boto3 failed: {exc}") from None
        if done.returncode != 0:
            tail = done.stderr.strip().splitlines()[-3:]
            raise Missing(f"setting ministack up through boto3 failed: {' / '.join(tail)}")
        return str(json.loads(done.stdout.strip().splitlines()[-1])["path"])

    cmd = [str(Path(python).with_name("ministack"))]
    return Launch(cmd, "", folder, env, configure=configure)


def _tollway(ctx: Context) -> str:
    python = ctx.tool("tollway", install.tollway_python)
    ctx.tool("tollway build", lambda: install.use_tollway_build(Path(python)))
    return python


def _need_tollway(ctx: Context) -> None:
    _tollway(ctx)


TOLLWAY_PATHS = {
    "mock": "/prod/mock",
    "proxy": "/prod/proxy",
    "vtl": "/prod/vtl",
    "validate": "/prod/validate",
    "key_plan": "/prod/mock",
    "connections": "/prod/mock",
    "lambda_warm": "/Prod/hello",
    "authorizer": "/Prod/hello",
    "realistic": "/Prod/hello",
    "lambda_cold": "/Prod/{name}",
    # HTTP APIs: the $default stage is served at the root, with no stage segment.
    "http_lambda": "/hello",
    "http_proxy": "/proxy",
    "large_get": "/prod/large_get",
    "large_post": "/prod/large_post",
    **{f"routes_{groups * 10}": f"/prod{files.route_request(groups)}" for groups in (1, 100)},
}
"""The URL path tollway serves each scenario (or variant) at."""
TOLLWAY_SCENARIOS = frozenset(
    {
        *("mock", "proxy", "lambda_warm", "lambda_cold", "vtl", "key_plan", "authorizer", "validate"),
        *("realistic", "routes", "large_body", "connections", "config_scale"),
        *("http_lambda", "http_proxy"),
    }
)


def _tollway_file(scenario: str, folder: Path, upstream_port: int, jwt: bool = False) -> Path:
    if scenario in ("mock", "connections"):
        return files.tollway_mock(folder)
    if scenario == "proxy":
        return files.tollway_proxy(folder, upstream_port)
    if scenario == "vtl":
        return files.tollway_vtl(folder, upstream_port)
    if scenario == "validate":
        return files.tollway_validate(folder)
    if scenario == "key_plan":
        return files.tollway_key_plan(folder)
    if scenario == "realistic":
        return files.sam_realistic(folder)
    if scenario == "http_lambda":
        return files.sam_http_function(folder)
    if scenario == "http_proxy":
        return files.http_api_proxy(folder, upstream_port)
    if scenario.startswith("large_"):
        return files.tollway_large(folder, upstream_port)
    if scenario.startswith("routes_"):
        return files.tollway_routes(folder, int(scenario.removeprefix("routes_")) // 10)
    names = cold_names() if scenario == "lambda_cold" else ["hello"]
    authorizer = ("cognito" if jwt else "token") if scenario == "authorizer" else ""
    return files.sam_functions(folder, names, authorizer)


class Issuer:
    """The -jwt peers' user pool issuer: ``/.well-known/jwks.json`` on loopback, from a thread of
    the bench process (not the measured process tree). tollway fetches the key set on the first
    request and keeps it (an hour), so the issuer is idle while the load runs."""

    def __init__(self) -> None:
        self.body = b""
        issuer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                found = self.path == "/.well-known/jwks.json"
                body = issuer.body if found else b'{"message":"not found"}'
                self.send_response(200 if found else 404)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread: threading.Thread | None = None

    def serve(self, body: bytes) -> None:
        self.body = body
        self.thread = threading.Thread(target=self.server.serve_forever, name="jwks-issuer", daemon=True)
        self.thread.start()

    def stop(self) -> None:
        if self.thread is not None:
            self.server.shutdown()
            self.thread.join(timeout=5)
            self.thread = None
        self.server.server_close()


def _user_pool(ctx: Context, folder: Path) -> tuple[list[str], dict[str, str], Callable[[], None]]:
    """Start an issuer and mint its key set and an ID token with tollway's interpreter (PyJWT):
    the serve options, the request's Authorization header, and what stops the issuer."""
    issuer = Issuer()
    try:
        mint = [_tollway(ctx), "-c", files.MINT_TOKEN, str(folder), issuer.url]
        try:
            done = subprocess.run(mint, capture_output=True, text=True, timeout=60)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise Missing(f"minting the user pool token failed: {exc}") from None
        if done.returncode != 0:
            tail = done.stderr.strip().splitlines()[-3:]
            raise Missing(f"minting the user pool token failed: {' / '.join(tail)}")
        issuer.serve((folder / "jwks.json").read_bytes())
        token = (folder / "token.txt").read_text().strip()
    except BaseException:
        issuer.stop()
        raise
    options = ["--user-pool-issuer", f"{files.USER_POOL_ARN}={issuer.url}"]
    return options, {"Authorization": token}, issuer.stop


REDIS_STATE = "redis://127.0.0.1:6379/0"


def _need_tollway_and_redis(ctx: Context) -> None:
    _tollway(ctx)
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
    except OSError as exc:
        raise Missing(f"no Redis at 127.0.0.1:6379 ({exc.strerror or exc})") from None


def _tollway_command(ctx: Context, folder: Path, args: list[str]) -> list[str]:
    cmd = [_tollway(ctx), "-m", "tollway.cli.main", "--store", f"sqlite:///{folder}/b.db"]
    return [*cmd, *args]


def tollway_peer(workers: int, state: str | None = None, jwt: bool = False) -> Peer:
    """``tollway-Nw``; ``-redis``: key_plan with Redis state; ``-jwt``: the authorizer scenario
    with a Cognito user pool authorizer (a bench issuer, a minted ID token) instead of Lambda's."""

    def launch(ctx: Context, scenario: str, folder: Path, port: int) -> Launch:
        if scenario == "config_scale":
            return _scale_store(ctx, folder, serve_command(ctx, scenario, folder, port, []))
        source = _tollway_file(scenario, folder, ctx.upstream_port, jwt)
        cmd = serve_command(ctx, scenario, folder, port, [str(source)])
        if not jwt:
            return Launch(cmd, TOLLWAY_PATHS[scenario], folder)
        options, headers, cleanup = _user_pool(ctx, folder)
        return Launch([*cmd, *options], TOLLWAY_PATHS[scenario], folder, headers=headers, cleanup=cleanup)

    def serve_command(ctx: Context, scenario: str, folder: Path, port: int, sources: list[str]) -> list[str]:
        cmd = _tollway_command(ctx, folder, ["serve", *sources])
        cmd += ["--port", str(port), "--workers", str(workers)]
        # AWS's account-level default (10,000 rps, burst 5,000 per server) would throttle the
        # load itself: the bench measures the gateway's capacity, not that limit.
        cmd += ["--account-rate", "10000000", "--account-burst", "10000000"]
        if state:
            cmd += ["--state", state]
        if scenario.startswith("lambda") or scenario in ("authorizer", "realistic", "http_lambda"):
            # Up to one instance per connection, as serverless-offline makes: the default (16 per
            # worker) answers the extra concurrent requests 429, as Lambda throttles. Per worker,
            # as connections do not spread evenly over the workers; instances start on demand.
            cmd += ["--function-concurrency", str(max(16, ctx.connections))]
        return cmd

    marker = "functions/runtime/bootstrap.py"
    if state:
        return Peer(f"tollway-{workers}w-redis", frozenset({"key_plan"}), _need_tollway_and_redis, launch)
    if jwt:
        return Peer(f"tollway-{workers}w-jwt", frozenset({"authorizer"}), _need_tollway, launch, marker)
    return Peer(f"tollway-{workers}w", TOLLWAY_SCENARIOS, _need_tollway, launch, marker)


IMPORT_TIMEOUT_S = 900.0
SCALE_CHANGED = files.scale_title(files.SCALE_APIS // 2)
"""The API that config_scale redeploys (the first request goes to the last one)."""


def _scale_store(ctx: Context, folder: Path, serve: list[str]) -> Launch:
    """config_scale: ``tollway import`` of ``files.SCALE_APIS`` generated APIs into the peer's
    store (timed), then ``serve`` with no file (every API in the store) from an empty folder."""
    apis = folder / "apis"
    sources = [str(files.scale_api(apis, number)) for number in range(files.SCALE_APIS)]
    started = time.perf_counter()
    _tollway_cli(ctx, folder, ["import", *sources])
    imported_s = time.perf_counter() - started
    listed = _tollway_cli(ctx, folder, ["apis", "list"])
    ids = {
        fields[1]: fields[0]
        for fields in (line.split("\t") for line in listed.splitlines())
        if len(fields) > 1
    }
    last, changed = files.scale_title(files.SCALE_APIS - 1), SCALE_CHANGED
    if last not in ids or changed not in ids:
        raise Missing(f"tollway apis list does not show {last} and {changed}: {listed[-300:]}")
    route = files.route_request(files.SCALE_GROUPS)

    def redeploy() -> Change:
        answer = '{"message":"redeployed"}'
        source = files.scale_api(apis, files.SCALE_APIS // 2, answer)
        started = time.perf_counter()
        _tollway_cli(ctx, folder, ["import", str(source)])
        path = f"/restapis/{ids[changed]}/prod/_user_request_{route}"
        return Change(path, answer.encode(), time.perf_counter() - started)

    (folder / "serve").mkdir()
    path = f"/restapis/{ids[last]}/prod/_user_request_{route}"
    return Launch(serve, path, folder / "serve", redeploy=redeploy, measures={"import_s": imported_s})


def _tollway_cli(ctx: Context, folder: Path, args: list[str]) -> str:
    """Run a tollway command on the peer's store; its output, or Missing with its error."""
    cmd = _tollway_command(ctx, folder, args)
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=IMPORT_TIMEOUT_S, cwd=folder)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise Missing(f"tollway {args[0]} failed: {exc}") from None
    if done.returncode != 0:
        tail = done.stderr.strip().splitlines()[-3:]
        raise Missing(f"tollway {args[0]} failed: {' / '.join(tail)}")
    return done.stdout


def cold_names() -> list[str]:
    return [f"cold_{i:02d}" for i in range(files.COLD_FUNCTIONS)]


UPSTREAM = "upstream"
"""The shared upstream itself (the proxy scenario's "direct" row): started once per run."""

PEERS = [
    Peer("nginx", frozenset({"mock", "proxy", "large_body"}), _need_nginx, _launch_nginx),
    Peer(UPSTREAM, frozenset({"proxy", "large_body"}), _need_nginx, launch_upstream),
    Peer("uvicorn", frozenset({"mock"}), _asgi, _launch_uvicorn),
    Peer("granian", frozenset({"mock"}), _granian, _launch_granian),
    Peer("sls-offline", frozenset({"lambda_warm", "lambda_cold"}), _sls, _launch_sls, "invoke.py"),
    Peer("chalice", frozenset({"lambda_warm"}), _chalice, _launch_chalice),
    Peer(
        "ministack",
        frozenset({"mock", "proxy", "lambda_warm"}),
        _need_ministack,
        _launch_ministack,
        "ministack-lambda-",
    ),
    tollway_peer(1),
    tollway_peer(2),
    tollway_peer(1, REDIS_STATE),
    tollway_peer(2, REDIS_STATE),
    tollway_peer(1, jwt=True),
    tollway_peer(2, jwt=True),
]


@dataclass
class Running:
    """A started peer: its process (its own process group) and where it listens."""

    peer: Peer
    process: subprocess.Popen[bytes]
    port: int
    path: str
    log: Path
    headers: dict[str, str] = field(default_factory=dict)
    """The peer's own request headers (``Launch.headers``)."""
    cleanup: Callable[[], None] | None = None
    started_at: float = 0.0
    """``time.perf_counter()`` when its process started."""
    redeploy: Callable[[], Change] | None = None
    measures: dict[str, float] = field(default_factory=dict)
    owned: bool = True
    """False for a view of the shared upstream (``at``): whoever started it stops it."""

    def url(self, name: str = "") -> str:
        return f"http://127.0.0.1:{self.port}{self.path.replace('{name}', name)}"

    def at(self, path: str) -> Running:
        """The same process loaded at another path, not stopped by whoever holds this view."""
        return replace(self, path=path, owned=False)

    def stop(self) -> None:
        if not self.owned:
            return
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        if self.cleanup is not None:
            cleanup, self.cleanup = self.cleanup, None
            cleanup()


def start(ctx: Context, peer: Peer, scenario: str, label: str = "", launch: Launch | None = None) -> Running:
    """Start ``peer`` for ``scenario`` (what ``launch`` serves: a scenario or variant name) and wait
    until it accepts connections, then configure it (Missing if it never does). Its files go in
    WORKDIR/LABEL-PEER, ``label`` defaulting to ``scenario``."""
    folder = ctx.workdir / f"{label or scenario}-{peer.name}"
    folder.mkdir(parents=True)
    port = free_port()
    launch = launch or peer.launch(ctx, scenario, folder, port)
    log = folder / "peer.log"
    try:
        with log.open("wb") as out:
            started_at = time.perf_counter()
            process = subprocess.Popen(
                launch.cmd,
                cwd=launch.cwd,
                env={**os.environ, **launch.env},
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
    except BaseException:
        if launch.cleanup:
            launch.cleanup()
        raise
    running = Running(
        peer,
        process,
        port,
        launch.path,
        log,
        launch.headers,
        launch.cleanup,
        started_at,
        launch.redeploy,
        dict(launch.measures),
    )
    try:
        _wait_listening(running)
        if launch.configure is not None:
            running.path = launch.configure(port)
    except BaseException:
        running.stop()
        raise
    return running


def _wait_listening(running: Running) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if running.process.poll() is not None:
            tail = running.log.read_text(errors="replace").strip().splitlines()[-5:]
            raise Missing(f"exited with status {running.process.returncode} at start: {' / '.join(tail)}")
        try:
            with socket.create_connection(("127.0.0.1", running.port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    running.stop()
    raise Missing(f"did not listen within {START_TIMEOUT_S:.0f} s")
