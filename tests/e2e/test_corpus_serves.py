"""Every REST and HTTP API file of the real-world corpus is served: the real `tollway serve`
answers each route MANIFEST.tsv lists with something other than "route not found" (403
``Missing Authentication Token`` for a REST API, 404 ``Not Found`` for an HTTP API).

The corpus holds templates, not handler code, so most answers are failures, and they must
be AWS's: a Python function whose code is absent answers 502 as a broken function does
(Runtime.ImportModuleError), a function on a runtime tollway does not run (Node.js, Java,
``provided``) answers 502 too and the server says why once per function, an AWS service
integration answers 500. What matters is that every route is found and the answer has the
shape of an API Gateway answer.

A REST stage is asked at ``/restapis/{apiId}/{stage}/_user_request_/{path}``. An HTTP API is
asked on its own host, ``{apiId}.execute-api.localhost:PORT``: ``/{stage}/{path}`` for a
named stage, ``/{path}`` for ``$default``; route keys are requested as REST routes are
(``{x}`` filled, ANY sent as GET), and the ``$default`` route at a path no route names. HTTP
APIs answer their failures in their own shapes: 500 ``{"message":"Internal Server Error"}``
for a function that cannot run or an AWS service integration, 401/403 from authorizers, 503
or 504 for an unreachable URL; every failure body is ``{"message": ...}``.

Several files share one server (files whose function names or API ids would collide go to
different servers). Servers run with a guard that refuses connections beyond loopback: the
corpus's HTTP integrations name real hosts, and those routes answer the gateway's
integration failure instead.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import subprocess
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from corpus_support import (
    CORPUS,
    OVERRIDES,
    REFUSED_ON_DEPLOY,
    expected_routes,
    http_route,
    http_route_key,
    import_row,
    manifest_rows,
    must_import,
    network_guard,
    request_for,
    request_for_route,
    require_corpus,
)
from support import free_port, tollway_cmd
from tollway.controlplane.importing import DEFAULT_STAGE
from tollway.model.http_api import DEFAULT_STAGE as HTTP_DEFAULT_STAGE
from tollway.model.ids import api_id

SERVERS = 16
"""The corpus is split over this many servers, started one after another (12 files
name a function MyFunction, and a file with parameter overrides needs its own)."""
START_TIMEOUT_S = 60.0
MISSING_TOKEN = {"message": "Missing Authentication Token"}
NOT_FOUND = {"message": "Not Found"}
"""What an HTTP API answers (404) to a request no route matches."""
REST, HTTP = "REST", "HTTP"
CANNOT_RUN = re.compile(r"function (\S+) cannot run")
# Statuses a gateway answers for a route it found when the backend is absent or broken,
# or when the request lacks what the method requires (a key, a token, a signature).
FAILURE_STATUSES = {400, 401, 403, 415, 429, 500, 502, 503, 504}


@dataclass
class CorpusFile:
    """One REST or HTTP API file of the corpus and where its stages answer."""

    relative: str
    overrides: dict[str, str]
    routes: set[tuple[str, str]]
    """The MANIFEST's routes, as ``expected_routes`` reads them for ``kind``."""
    stages: list[tuple[str, str]]
    """(API id, stage name) of every stage the file deploys."""
    functions: set[str]
    kind: str = REST
    not_imported: set[tuple[str, str]] = field(default_factory=set)
    """HTTP: MANIFEST routes no imported HTTP API of the file has (a product problem)."""

    @property
    def path(self) -> str:
        return str(CORPUS / self.relative)


@dataclass
class Batch:
    files: list[CorpusFile] = field(default_factory=list)

    def accepts(self, other: CorpusFile) -> bool:
        """Files of one server share parameter overrides and no function name or API id."""
        for mine in self.files:
            if mine.overrides != other.overrides or mine.functions & other.functions:
                return False
            if {a for a, _ in mine.stages} & {a for a, _ in other.stages}:
                return False
        return True


def _corpus_file(row: dict[str, str]) -> CorpusFile:
    overrides = OVERRIDES.get(row["path"], {})
    result = import_row(row)
    stages = [
        (api_id(imported.key), spec)
        for imported in result.apis
        for spec in [s.name for s in imported.stages] or [DEFAULT_STAGE]
    ]
    return CorpusFile(
        row["path"], overrides, expected_routes(row), stages, {f.name for f in result.functions}
    )


def _http_corpus_file(row: dict[str, str]) -> CorpusFile:
    """An HTTP API file: its HTTP APIs' stages (an HTTP API with no stage is served nowhere:
    ``serve`` deploys no default stage for it) and the MANIFEST routes its import lacks."""
    result = import_row(row)
    http_apis = [imported for imported in result.apis if imported.http_api is not None]
    assert http_apis, f"{row['path']}: no HTTP API imported: {result.warnings}"
    stages = [(api_id(imported.key), spec.name) for imported in http_apis for spec in imported.stages]
    imported_routes = {http_route(r.route_key) for i in http_apis if i.http_api for r in i.http_api.routes}
    routes = expected_routes(row, HTTP)
    return CorpusFile(
        row["path"],
        OVERRIDES.get(row["path"], {}),
        routes,
        stages,
        {f.name for f in result.functions},
        kind=HTTP,
        not_imported=routes - imported_routes,
    )


def _http_files() -> list[CorpusFile]:
    rows = [r for r in manifest_rows() if must_import(r, HTTP) and r["path"] not in REFUSED_ON_DEPLOY]
    return [f for f in map(_http_corpus_file, rows) if f.routes]


def _plan() -> list[Batch]:
    rows = [r for r in manifest_rows() if must_import(r) and r["path"] not in REFUSED_ON_DEPLOY]
    batches = [Batch() for _ in range(SERVERS)]
    files = [f for f in map(_corpus_file, rows) if f.routes]
    files += [f for f in _http_files() if f.stages]  # unstaged ones: see test_unstaged_http_apis
    names = Counter(name for f in files for name in f.functions)
    # The most constrained first: files with overrides (a server of their own), then those
    # whose function names many files share.
    order = sorted(files, key=lambda f: (not f.overrides, -max((names[n] for n in f.functions), default=0)))
    for corpus_file in order:
        fitting = [b for b in batches if b.accepts(corpus_file)]
        assert fitting, f"no server can take {corpus_file.relative}; raise SERVERS"
        min(fitting, key=lambda b: len(b.files)).files.append(corpus_file)
    return batches


@pytest.fixture(scope="module")
def plan() -> list[Batch]:
    require_corpus()
    return _plan()


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    url: str
    log: Path

    @property
    def port(self) -> int:
        return int(self.url.rpartition(":")[2])

    def stop(self) -> str:
        """Stop the server; its standard error (warnings and log lines)."""
        if self.process.poll() is None:
            self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        return self.log.read_text(encoding="utf-8", errors="replace")


# The identity requests to AWS_IAM methods are signed with (``serve --identities``).
KEY_ID, SECRET = "TWAYCORPUSWALK000001", "corpus-walk-secret-access-key-0123456789"
IDENTITIES = [
    {
        "name": "walker",
        "accessKeyId": KEY_ID,
        "secretAccessKey": SECRET,
        "policy": {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "arn:aws:execute-api:*"}
            ],
        },
    }
]


def _start(files: list[CorpusFile], folder: Path) -> Server:
    """`tollway serve FILES` with its output in files (a pipe could fill up and stall it)."""
    port = free_port()
    args = ["--store", f"sqlite:///{folder}/store.db", "serve", *(f.path for f in files), "--port", str(port)]
    identities = folder / "identities.json"
    identities.write_text(json.dumps(IDENTITIES), encoding="utf-8")
    args += ["--identities", str(identities)]
    overrides = files[0].overrides
    if overrides:
        args += ["--parameter-overrides", *(f"{k}={v}" for k, v in overrides.items())]
    log = folder / "serve.err"
    with (folder / "serve.out").open("wb") as out, log.open("wb") as err:
        process = subprocess.Popen(
            tollway_cmd(*args), stdout=out, stderr=err, cwd=folder, env=_env(folder / "guard")
        )
    server = Server(process, f"http://127.0.0.1:{port}", log)
    _wait_until_listening(server)
    return server


def _env(guard_folder: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "TOLLWAY_STORE"}
    return {**env, **network_guard(guard_folder)}


def _wait_until_listening(server: Server) -> None:
    with httpx.Client(timeout=1.0) as client:
        for _ in range(int(START_TIMEOUT_S / 0.05)):
            if server.process.poll() is not None:
                raise AssertionError(f"tollway serve exited {server.process.returncode}:\n{server.stop()}")
            try:
                client.get(f"{server.url}/")
                return
            except httpx.TransportError:
                # Not listening yet: wait on the process, not a sleep, for the next look.
                with contextlib.suppress(subprocess.TimeoutExpired):
                    server.process.wait(timeout=0.05)
    raise AssertionError(f"tollway serve did not listen within {START_TIMEOUT_S} s:\n{server.stop()}")


@pytest.fixture
def served(
    request: pytest.FixtureRequest, plan: list[Batch], tmp_path: Path
) -> Iterator[tuple[Batch, Server]]:
    batch = plan[request.param]
    if not batch.files:
        pytest.skip("no corpus file left for this server")
    server = _start(batch.files, tmp_path)
    try:
        yield batch, server
    finally:
        server.stop()


def _ask(
    client: httpx.Client, server: Server, api: str, stage: str, method: str, path: str
) -> httpx.Response:
    """One request to the route; a 403 Missing Authentication Token is asked again signed
    with SigV4, as an AWS_IAM method answers it to an unsigned request (AWS does too)."""
    verb, request_path = request_for(method, path)
    url = f"{server.url}/restapis/{api}/{stage}/_user_request_{request_path}"
    body = b"{}" if verb in ("POST", "PUT", "PATCH") else b""
    headers = {"Content-Type": "application/json"} if body else {}
    response = client.request(verb, url, content=body, headers=headers)
    if response.status_code == 403 and _json(response) == MISSING_TOKEN:
        response = client.request(verb, url, content=body, headers=_signed(verb, url, body, headers))
    return response


def _ask_http(
    client: httpx.Client, server: Server, api: str, stage: str, route: tuple[str, str]
) -> httpx.Response:
    """One request to an HTTP API route, on the API's host: ``/{stage}/path`` for a named
    stage, ``/path`` for ``$default``."""
    verb, request_path = request_for_route(route)
    prefix = "" if stage == HTTP_DEFAULT_STAGE else f"/{stage}"
    body = b"{}" if verb in ("POST", "PUT", "PATCH") else b""
    headers = {"Host": f"{api}.execute-api.localhost:{server.port}"}
    if body:
        headers["Content-Type"] = "application/json"
    return client.request(verb, f"{server.url}{prefix}{request_path}", content=body, headers=headers)


def _asked(
    client: httpx.Client,
    server: Server,
    corpus_file: CorpusFile,
    api: str,
    stage: str,
    route: tuple[str, str],
) -> httpx.Response:
    if corpus_file.kind == HTTP:
        return _ask_http(client, server, api, stage, route)
    return _ask(client, server, api, stage, *route)


def _shown(corpus_file: CorpusFile, api: str, stage: str, route: tuple[str, str]) -> str:
    """The request, as a report names it."""
    if corpus_file.kind == HTTP:
        verb, request_path = request_for_route(route)
        prefix = "" if stage == HTTP_DEFAULT_STAGE else f"/{stage}"
        return f"{verb} {prefix}{request_path} (Host {api}.execute-api.localhost)"
    verb, request_path = request_for(*route)
    return f"{verb} /restapis/{api}/{stage}/_user_request_{request_path}"


def _signed(verb: str, url: str, body: bytes, headers: dict[str, str]) -> dict[str, str]:
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    request = AWSRequest(method=verb, url=url, data=body, headers=headers)
    SigV4Auth(Credentials(KEY_ID, SECRET), "execute-api", "us-east-1").add_auth(request)
    return dict(request.headers.items())


def _json(response: httpx.Response) -> object:
    try:
        return json.loads(response.content)
    except ValueError:
        return None


def _problem(response: httpx.Response) -> str | None:
    """What is wrong with a route's answer, or None when it is a found route's answer."""
    doc = _json(response)
    if response.status_code == 403 and doc == MISSING_TOKEN:
        return "403 Missing Authentication Token: the route was not found"
    if response.status_code >= 500 and not (isinstance(doc, dict) and "message" in doc):
        return (
            f"{response.status_code} without API Gateway's {{'message': ...}} body: {response.text[:200]!r}"
        )
    if response.status_code >= 400 and response.status_code not in FAILURE_STATUSES:
        return f"unexpected status {response.status_code}: {response.text[:200]!r}"
    return None


def _http_problem(response: httpx.Response) -> str | None:
    """What is wrong with an HTTP API route's answer, or None when it is a found route's:
    2xx, or a failure status with HTTP APIs' ``{"message": ...}`` body."""
    doc = _json(response)
    status = response.status_code
    if status == 404 and doc == NOT_FOUND:
        return "404 Not Found: the route was not found"
    if status == 403 and doc == MISSING_TOKEN:
        return "403 Missing Authentication Token: the stage was not found"
    if status >= 400 and not (isinstance(doc, dict) and isinstance(doc.get("message"), str)):
        return f"{status} without API Gateway's {{'message': ...}} body: {response.text[:200]!r}"
    if not (200 <= status < 300 or status in FAILURE_STATUSES):
        return f"unexpected status {status}: {response.text[:200]!r}"
    return None


def _problem_of(corpus_file: CorpusFile, response: httpx.Response) -> str | None:
    return (_http_problem if corpus_file.kind == HTTP else _problem)(response)


def _route_name(corpus_file: CorpusFile, route: tuple[str, str]) -> str:
    return http_route_key(route) if corpus_file.kind == HTTP else " ".join(route)


def _is_broken(corpus_file: CorpusFile, response: httpx.Response) -> bool:
    """A failing function's answer: 502 on a REST API, 500 (or any 5xx) on an HTTP API."""
    if corpus_file.kind == HTTP:
        return response.status_code >= 500
    return response.status_code == 502


@pytest.mark.parametrize("served", range(SERVERS), indirect=True, ids=lambda i: f"server{i}")
def test_every_listed_route_is_served(served: tuple[Batch, Server]) -> None:
    batch, server = served
    problems: list[str] = []
    broken: list[tuple[CorpusFile, str, str, tuple[str, str]]] = []
    with httpx.Client(timeout=60.0) as client:
        for corpus_file in batch.files:
            problems += [
                f"{corpus_file.relative}: {_route_name(corpus_file, route)}: listed, but not imported"
                for route in sorted(corpus_file.not_imported)
            ]
            for route in sorted(corpus_file.routes):
                answers = [
                    (a, s, _asked(client, server, corpus_file, a, s, route)) for a, s in corpus_file.stages
                ]
                found = [(a, s, r) for a, s, r in answers if _problem_of(corpus_file, r) is None]
                if not found:
                    shown = "; ".join(
                        f"{_shown(corpus_file, a, s, route)}: {_problem_of(corpus_file, r)}"
                        for a, s, r in answers
                    )
                    problems.append(f"{corpus_file.relative}: {_route_name(corpus_file, route)}: {shown}")
                broken += [(corpus_file, a, s, route) for a, s, r in found if _is_broken(corpus_file, r)]
        # A second call of each failing function: the reason must not be logged again.
        for corpus_file, api, stage, route in broken:
            _asked(client, server, corpus_file, api, stage, route)
    log = server.stop()
    assert not problems, "\n".join(problems)
    repeated = {name: n for name, n in Counter(CANNOT_RUN.findall(log)).items() if n > 1}
    assert not repeated, f"logged more than once per function: {repeated}"


def test_a_function_on_another_runtime_answers_502_and_is_logged_once(
    plan: list[Batch], tmp_path: Path
) -> None:
    """AWS answers a Lambda proxy integration whose function fails to start with 502
    ``{"message": "Internal server error"}``; tollway says why once, not per request."""
    node = "serverless-application-model/examples/api_backend/template.yaml"  # nodejs12.x
    corpus_file = next((f for b in plan for f in b.files if f.relative == node), None)
    if corpus_file is None:
        pytest.skip(f"{node} is not in the corpus")
    server = _start([corpus_file], tmp_path)
    try:
        (api, stage), (method, path) = corpus_file.stages[0], sorted(corpus_file.routes)[0]
        with httpx.Client(timeout=60.0) as client:
            answers = [_ask(client, server, api, stage, method, path) for _ in range(3)]
    finally:
        log = server.stop()
    assert [(r.status_code, _json(r)) for r in answers] == [(502, {"message": "Internal server error"})] * 3
    assert len(CANNOT_RUN.findall(log)) == 1, log


def test_every_http_file_is_planned(plan: list[Batch]) -> None:
    """The walk covers the MANIFEST's HTTP API files (the Lambda test event is no template,
    and is refused as ``must_import`` says), each on some server."""
    planned = {f.relative for b in plan for f in b.files if f.kind == HTTP}
    staged = {f.relative for f in _http_files() if f.stages}
    assert planned == staged
    assert planned, "no HTTP API file of the corpus is served"


def test_unstaged_http_apis_import(plan: list[Batch]) -> None:
    """An HTTP API file whose APIs have no stage imports (``_http_files`` asserts it), but is
    served nowhere: AWS serves an HTTP API only at a stage, and so does tollway."""
    unstaged = [f.relative for f in _http_files() if not f.stages]
    if unstaged:
        pytest.skip(f"imported, but served nowhere (no stage), so not requested: {unstaged}")
