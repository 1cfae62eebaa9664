"""The scenarios: the request each one repeats, its reference peers, and its capability probe.

A scenario whose feature tollway does not enforce yet (API keys, authorizers, validation)
still runs its probe every time: a request that AWS rejects. While tollway answers it 2xx the
scenario reports "not available" with that evidence; once a later issue lands the probe is
rejected and the scenario measures, with no change here.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from suite import files
from suite.load import Target


@dataclass(frozen=True, slots=True)
class Probe:
    """A request AWS rejects with ``status``; a 2xx answer means the feature is not enforced."""

    target: Target
    status: int
    feature: str


EMPTY = Target("")


@dataclass(frozen=True, slots=True)
class Variant:
    """One of a scenario's rows per peer: what the peer serves, and how it is loaded."""

    name: str
    """Shown after the peer's name ("" for a scenario without variants)."""
    serves: str
    """What the peer is launched with (the scenario's name, or a name of its own)."""
    request: Target | None = None
    """Replaces the scenario's request."""
    connections: int | None = None
    """Replaces ``--connections``."""


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str
    description: str
    references: tuple[str, ...] = ()
    """Peers every row is compared with (req/s ratio), in the same variant."""
    request: Target = EMPTY
    cold: bool = False
    scale: bool = False
    """config_scale: start-up and redeployment times of a big store (``suite.scale``), no load."""
    functions: bool = False
    """Warm up until the request rate stops growing: function instances start during the warm-up."""
    probes: tuple[Probe, ...] = ()
    unavailable: tuple[tuple[str, str], ...] = ()
    """(row label, reason): variants that cannot be measured; the label starts with the peer family."""
    variants: tuple[Variant, ...] = ()
    """Several rows per peer, each in its own process."""
    versus_first: bool = False
    """The table compares each variant with the same peer's first one (req/s ratio, RSS difference)."""
    baseline: str = ""
    """Another scenario: the table compares each row with the same peer's row there (or its
    family's: tollway-1w-redis with tollway-1w), and selecting this scenario runs it too."""
    transfer_bytes: int = 0
    """Body bytes each request moves: the table adds MB/s."""

    def cases(self) -> tuple[Variant, ...]:
        return self.variants or (Variant("", self.name),)

    def target(
        self, url: str, headers: dict[str, str] | None = None, variant: Variant | None = None
    ) -> Target:
        """The request at ``url``; ``headers`` (a peer's own, e.g. its token) replace the scenario's."""
        request = variant.request if variant is not None and variant.request is not None else self.request
        return replace(request, url=url, headers={**request.headers, **(headers or {})})


JSON = {"Content-Type": "application/json"}
REALISTIC_HEADERS = {**JSON, "x-api-key": files.API_KEY, "Authorization": "allow"}


def _without(headers: dict[str, str], name: str) -> dict[str, str]:
    return {key: value for key, value in headers.items() if key != name}


SCENARIOS = [
    Scenario("mock", "MOCK integration returning a fixed JSON body", ("nginx", "uvicorn", "ministack")),
    Scenario("proxy", "HTTP_PROXY to an nginx upstream on loopback", ("nginx", "ministack")),
    Scenario(
        "lambda_warm",
        "AWS_PROXY to a Python handler returning a small JSON body, instances warm",
        ("sls-offline", "chalice", "ministack"),
        functions=True,
    ),
    Scenario(
        "lambda_cold",
        f"time to the first response of {files.COLD_FUNCTIONS} never-invoked functions (cold starts)",
        ("sls-offline",),
        cold=True,
        unavailable=(
            (
                "chalice",
                "chalice local runs every handler inside its one server process: no cold start to measure",
            ),
        ),
    ),
    Scenario(
        "vtl",
        "HTTP integration with request and response templates ($input.json, $input.path, "
        "#foreach over 20 items) to the upstream",
        request=Target("", "POST", files.VTL_REQUEST_BODY, JSON),
        baseline="proxy",
    ),
    Scenario(
        "key_plan",
        "MOCK method with apiKeyRequired and a usage plan that never throttles (memory state, and "
        "Redis state in the -redis rows: one script round trip per request)",
        request=Target("", headers={"x-api-key": files.API_KEY}),
        probes=(Probe(Target(""), 403, "API keys and usage plans (a request without x-api-key"),),
        baseline="mock",
    ),
    Scenario(
        "authorizer",
        "Lambda TOKEN authorizer with result caching (300 s) in front of the warm function; the -jwt "
        "rows: a Cognito user pool authorizer instead (an RS256 ID token verified against the "
        "issuer's JWKS once, then its claims cached for the authorizer's TTL, as AWS caches)",
        request=Target("", headers={"Authorization": "allow"}),
        functions=True,
        probes=(Probe(Target(""), 401, "authorizers (a request without the Authorization header"),),
        baseline="lambda_warm",
    ),
    Scenario(
        "validate",
        "POST of a 2 KB JSON body validated against a JSON-Schema model (MOCK integration)",
        request=Target("", "POST", files.VALIDATE_BODY, JSON),
        probes=(Probe(Target("", "POST", '{"name": 1}', JSON), 400, "request validation (an invalid body"),),
        baseline="mock",
    ),
    Scenario(
        "realistic",
        "POST of the 2 KB body with an API key (a plan that never throttles), a Lambda TOKEN "
        "authorizer (cached 300 s), JSON-Schema validation of the body and the warm function behind "
        "AWS_PROXY: every step of the scenarios above on one request",
        request=Target("", "POST", files.VALIDATE_BODY, REALISTIC_HEADERS),
        functions=True,
        probes=(
            Probe(
                Target("", "POST", files.VALIDATE_BODY, _without(REALISTIC_HEADERS, "x-api-key")),
                403,
                "API keys with an authorizer (a request without x-api-key",
            ),
            Probe(
                Target("", "POST", files.VALIDATE_BODY, _without(REALISTIC_HEADERS, "Authorization")),
                401,
                "authorizers with an API key (a request without the Authorization header",
            ),
            Probe(
                Target("", "POST", '{"name": 1}', REALISTIC_HEADERS),
                400,
                "request validation behind an authorizer (an invalid body",
            ),
        ),
        baseline="lambda_warm",
    ),
    Scenario(
        "http_lambda",
        "HTTP API (API Gateway v2): a function's HttpApi event, payload format 2.0, to the same "
        "warm Python handler as lambda_warm, stage $default at the root",
        functions=True,
        baseline="lambda_warm",
    ),
    Scenario(
        "http_proxy",
        "HTTP API (API Gateway v2): route ANY /{proxy+}, an HTTP_PROXY integration to the same "
        "upstream as proxy ({proxy} path variable), stage $default at the root",
        baseline="proxy",
    ),
    Scenario(
        "routes",
        "GET 5 levels deep (2 {param} levels) in the last of N groups of 10 resources (literal, "
        "{param} and greedy {proxy+}, each a MOCK GET): an API of 1,000 resources against one of 10",
        variants=(Variant("10 resources", "routes_10"), Variant("1,000 resources", "routes_1000")),
        versus_first=True,
    ),
    Scenario(
        "large_body",
        "HTTP_PROXY of a 1 MiB body each way: a POST the upstream nginx reads and discards, and a "
        "GET of its 1 MiB static file",
        ("nginx",),
        variants=(
            Variant("1 MB POST", "large_post", Target("", "POST", files.LARGE_BODY, JSON)),
            Variant("1 MB response", "large_get"),
        ),
        transfer_bytes=files.LARGE_BYTES,
    ),
    Scenario(
        "connections",
        "the mock scenario's request on 1,000 concurrent keep-alive connections against 50",
        variants=(
            Variant("50 connections", "connections", connections=50),
            Variant("1,000 connections", "connections", connections=1000),
        ),
        versus_first=True,
    ),
    Scenario(
        "config_scale",
        f"{files.SCALE_APIS:,} APIs of {files.SCALE_GROUPS * len(files.ROUTE_GROUP)} resources (MOCK "
        "GETs) in one store: `tollway import` of them all, `serve` (every API of the store) until it "
        "answers the last API, its RSS, then one API re-imported with a new answer until every "
        "request gets it",
        scale=True,
    ),
]

BY_NAME = {scenario.name: scenario for scenario in SCENARIOS}


def probe_verdict(probe: Probe, status: int) -> str | None:
    """None when the feature is enforced, else the "not available" reason."""
    if 200 <= status < 300:
        return (
            f"not available: tollway does not enforce {probe.feature} got {status}; "
            f"AWS answers {probe.status})"
        )
    return None
