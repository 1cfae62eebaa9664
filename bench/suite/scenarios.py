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
class Scenario:
    name: str
    description: str
    references: tuple[str, ...] = ()
    request: Target = EMPTY
    cold: bool = False
    functions: bool = False
    """Warm up until the request rate stops growing: function instances start during the warm-up."""
    probe: Probe | None = None
    unavailable: tuple[tuple[str, str], ...] = ()
    """(row label, reason): variants that cannot be measured; the label starts with the peer family."""

    def target(self, url: str, headers: dict[str, str] | None = None) -> Target:
        """The request at ``url``; ``headers`` (a peer's own, e.g. its token) replace the scenario's."""
        return replace(self.request, url=url, headers={**self.request.headers, **(headers or {})})


JSON = {"Content-Type": "application/json"}

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
    ),
    Scenario(
        "key_plan",
        "MOCK method with apiKeyRequired and a usage plan that never throttles (memory state, and "
        "Redis state in the -redis rows: one script round trip per request)",
        request=Target("", headers={"x-api-key": files.API_KEY}),
        probe=Probe(Target(""), 403, "API keys and usage plans (a request without x-api-key"),
    ),
    Scenario(
        "authorizer",
        "Lambda TOKEN authorizer with result caching (300 s) in front of the warm function; the -jwt "
        "rows: a Cognito user pool authorizer instead (an RS256 ID token verified against the "
        "issuer's JWKS once, then its claims cached for the authorizer's TTL, as AWS caches)",
        request=Target("", headers={"Authorization": "allow"}),
        functions=True,
        probe=Probe(Target(""), 401, "authorizers (a request without the Authorization header"),
    ),
    Scenario(
        "validate",
        "POST of a 2 KB JSON body validated against a JSON-Schema model (MOCK integration)",
        request=Target("", "POST", files.VALIDATE_BODY, JSON),
        probe=Probe(Target("", "POST", '{"name": 1}', JSON), 400, "request validation (an invalid body"),
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
