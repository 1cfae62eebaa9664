"""Finding the shared real-world corpus, the one way every test does it.

The corpus (MANIFEST.tsv and the files it lists) lives outside the repository: at
``$TOLLWAY_CORPUS`` when that is set, else in the ``shared/corpus`` folder beside the
repository's parent (a checkout at ``/work/main`` reads ``/work/shared/corpus``). Under CI
(``$CI`` set) a missing corpus fails the test that needs it; elsewhere it is skipped with
the reason.
"""

from __future__ import annotations

import csv
import os
import re
from pathlib import Path

import pytest

from tollway.formats.loader import import_file
from tollway.model.imported import ImportResult

REPO = Path(__file__).resolve().parents[1]


def corpus_dir() -> Path:
    """The corpus folder (it may not exist; see ``require_corpus``)."""
    configured = os.environ.get("TOLLWAY_CORPUS")
    return Path(configured) if configured else REPO.parent / "shared" / "corpus"


CORPUS = corpus_dir()
MANIFEST = CORPUS / "MANIFEST.tsv"


def missing_reason() -> str | None:
    """Why the corpus cannot be read, or None when it can."""
    if MANIFEST.is_file():
        return None
    return f"real-world corpus not found at {CORPUS} (set TOLLWAY_CORPUS to its folder)"


def require_corpus() -> None:
    """Fail (under CI) or skip (elsewhere) the calling test when the corpus is absent."""
    reason = missing_reason()
    if reason is None:
        return
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


def manifest_rows() -> list[dict[str, str]]:
    """MANIFEST.tsv as dicts (path, source_repo, ..., api_kind, features, routes); [] when absent."""
    if not MANIFEST.is_file():
        return []
    with MANIFEST.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


# --- what the MANIFEST promises, shared by the import and the serving walks -----------------

# Files that are not (rendered) API definitions and may be refused.
REFUSABLE_FEATURES = {"event-sample", "cookiecutter", "terraform-template"}

# Parameter values a file needs for its listed routes to exist.
OVERRIDES = {
    # MockApi exists only when IsVolatile is "true" (its Condition); default is false.
    "serverless-test-samples/typescript-test-samples/apigw-lambda-external/template.yaml": {
        "IsVolatile": "true"
    },
}

# Listed routes AWS itself would not create; the MANIFEST reads them statically.
NOT_CREATED_BY_AWS = {
    # SAM: with an explicit DefinitionBody an Api event's path and method "must correspond
    # to an operation in the OpenAPI definition"; SAM does not add ANY / to it.
    "serverless-patterns/multi-account-private-apigw/accountB/template.yaml": {"ANY /"},
    # A SAM translator test: HttpApi events pointed at a REST API (skipped with a warning),
    # and a body whose "any" key is not an OpenAPI operation (REST import ignores it).
    "serverless-application-model/translator-input/api_with_any_method_in_swagger.yaml": {
        "ANY /",
        "GET /",
    },
}

# Files AWS itself refuses when the API is deployed: they import, but compiling for serving
# fails with this problem (tollway's `import` refuses them, naming the file).
REFUSED_ON_DEPLOY = {
    # SAM Cors values without the inner single quotes (AllowHeaders: headers) become mapping
    # expressions; API Gateway answers "Invalid mapping expression specified: headers".
    "serverless-application-model/translator-input/api_with_cors_openapi_3.yaml": (
        "invalid mapping expression 'headers'"
    ),
}


def import_row(row: dict[str, str]) -> ImportResult:
    """``import_file`` of a MANIFEST row's file, with the parameter overrides it needs."""
    return import_file(str(CORPUS / row["path"]), parameter_overrides=OVERRIDES.get(row["path"]))


def normalise(path: str) -> str:
    """A resource path as API Gateway compares it: a trailing slash is ignored."""
    return path.rstrip("/") or "/"


def must_import(row: dict[str, str], api_kind: str = "REST") -> bool:
    """A file of ``api_kind`` (REST unless told: ``"HTTP"``) that is a rendered API
    definition: it must import and serve its routes."""
    features = set(row["features"].split(","))
    return row["api_kind"] == api_kind and not features & REFUSABLE_FEATURES


def expected_routes(row: dict[str, str], api_kind: str = "REST") -> set[tuple[str, str]]:
    """The MANIFEST routes an import must contain, as (METHOD, path).

    REST (the default): resources, so ``$default`` and WebSocket route keys are left out and
    a trailing slash is ignored. HTTP: every route key as HTTP APIs write it, ``METHOD
    /path`` as (METHOD, /path) and the default route (the MANIFEST writes ``ANY $default``,
    the OpenAPI operation SAM writes for it, or ``$default``) as ``DEFAULT_ROUTE_KEY``.
    """
    if row["routes"] in ("-", "?"):
        return set()
    if api_kind == "HTTP":
        return {http_route(listed) for listed in row["routes"].split(";") if listed.strip()}
    skip = NOT_CREATED_BY_AWS.get(row["path"], set())
    routes = set()
    for route in row["routes"].split(";"):
        method, _, path = route.strip().partition(" ")
        if route.strip() in skip or not path.startswith("/"):
            continue  # "$default" and WebSocket route keys are not REST resources
        routes.add((method.upper(), normalise(path)))
    return routes


DEFAULT_ROUTE_KEY = ("$default", "")
"""An HTTP API's ``$default`` route as (METHOD, path): it takes every request no other
route matches."""
PROBE_PATH = "/tollway-probe"
"""A path no corpus route names: a request to it reaches the ``$default`` route."""


def http_route(route_key: str) -> tuple[str, str]:
    """An HTTP API route key (``GET /pets/{id}``, ``$default``, ``ANY $default``) as
    (METHOD, path); the default route is ``DEFAULT_ROUTE_KEY``."""
    method, _, path = route_key.strip().partition(" ")
    if "$default" in (method, path.strip()):
        return DEFAULT_ROUTE_KEY
    return method.upper(), path.strip()


def http_route_key(route: tuple[str, str]) -> str:
    """(METHOD, path) as the HTTP API's route key (``HttpRoute.route_key``)."""
    return "$default" if route == DEFAULT_ROUTE_KEY else " ".join(route)


_GREEDY = re.compile(r"\{[^{}/]+\+\}")
_PARAM = re.compile(r"\{[^{}/]+\}")


def request_for(method: str, path: str) -> tuple[str, str]:
    """A request the route serves: ``{x}`` is "1", ``{x+}`` is "a/b", ANY is sent as GET."""
    filled = _PARAM.sub("1", _GREEDY.sub("a/b", path))
    return ("GET" if method == "ANY" else method), filled


def request_for_route(route: tuple[str, str]) -> tuple[str, str]:
    """A request an HTTP API route (as ``http_route`` reads it) serves: as ``request_for``,
    and for the ``$default`` route a GET of ``PROBE_PATH``, a path no other route names."""
    if route == DEFAULT_ROUTE_KEY:
        return "GET", PROBE_PATH
    return request_for(*route)


# A ``sitecustomize`` for the `tollway serve` the corpus walk starts: the corpus's HTTP
# integrations name real hosts (httpbin.org, execute-api..., load balancers), and tests
# must never send traffic beyond loopback. It refuses, as a refused connection, every
# name resolution and connection whose host is not loopback: in Python's socket module
# (blocking clients) and in uvloop (the gateway's own HTTP client).
NETWORK_GUARD = """
import errno
import ipaddress
import socket

_LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}


def _check(host):
    if host is None or host == "":
        return
    name = host.decode() if isinstance(host, bytes) else str(host)
    try:
        loopback = ipaddress.ip_address(name.strip("[]")).is_loopback
    except ValueError:
        loopback = name.lower().rstrip(".") in _LOOPBACK_NAMES
    if not loopback:
        raise ConnectionRefusedError(errno.ECONNREFUSED, f"test network guard: {name} is not loopback")


_getaddrinfo = socket.getaddrinfo


def _guarded_getaddrinfo(host, *args, **kwargs):
    _check(host)
    return _getaddrinfo(host, *args, **kwargs)


socket.getaddrinfo = _guarded_getaddrinfo

try:
    import uvloop
except ImportError:
    uvloop = None

if uvloop is not None:

    class _GuardedLoop(uvloop.Loop):
        async def create_connection(self, protocol_factory, host=None, port=None, **kwargs):
            _check(host)
            return await super().create_connection(protocol_factory, host, port, **kwargs)

        async def getaddrinfo(self, host, *args, **kwargs):
            _check(host)
            return await super().getaddrinfo(host, *args, **kwargs)

    _run = uvloop.run

    def _guarded_run(main, **kwargs):
        kwargs.setdefault("loop_factory", _GuardedLoop)
        return _run(main, **kwargs)

    uvloop.run = _guarded_run
"""


def network_guard(folder: Path) -> dict[str, str]:
    """Write the guard into ``folder`` and return the environment that loads it into a
    `tollway serve` subprocess (function instances run with ``-I`` and never load it)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "sitecustomize.py").write_text(NETWORK_GUARD, encoding="utf-8")
    existing = os.environ.get("PYTHONPATH")
    return {"PYTHONPATH": os.pathsep.join([str(folder), *([existing] if existing else [])])}
