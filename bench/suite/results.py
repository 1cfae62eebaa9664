"""What a run records: one Row per scenario, peer and variant, with a Sample per repetition."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field

OK = "ok"
INVALID = "invalid"
MISSING = "missing"
NOT_AVAILABLE = "not available"


@dataclass(slots=True)
class Sample:
    requests_per_s: float
    p50_ms: float
    p99_ms: float
    p999_ms: float
    errors: dict[str, int]
    gateway_rss_mb: float
    functions_rss_mb: float
    requests: int = 0
    """Requests wrk completed in the measured run."""
    gateway_cpu_us: float = 0.0
    """CPU time (user + system) of the gateway's processes during the run, per request."""
    functions_cpu_us: float = 0.0
    """The same for its function instances."""
    idle_pct: float = 0.0
    """The machine's idle CPU during the run, % of every core's time."""


@dataclass(slots=True)
class Row:
    scenario: str
    peer: str
    status: str = OK
    reason: str = ""
    variant: str = ""
    """The scenario's variant this row measured ("" when it has none)."""
    samples: list[Sample] = field(default_factory=list)
    cold_ms: list[float] = field(default_factory=list)
    """lambda_cold: time to the first response of each cold start."""
    functions_rss_mb: float = 0.0
    """lambda_cold: RSS of the function instances after the cold starts."""
    measures: dict[str, float] = field(default_factory=dict)
    """config_scale: the scenario's own measures, by name (``scale.MEASURES``)."""

    @property
    def label(self) -> str:
        return f"{self.peer}, {self.variant}" if self.variant else self.peer

    def fail(self, status: str, reason: str) -> None:
        """Record the first failure only: later ones are usually its consequence."""
        if self.status == OK:
            self.status, self.reason = status, reason

    def values(self, name: str) -> list[float]:
        return [float(getattr(sample, name)) for sample in self.samples]

    def median(self, name: str) -> float:
        values = self.values(name)
        return statistics.median(values) if values else 0.0

    def error_total(self) -> dict[str, int]:
        total: dict[str, int] = {}
        for sample in self.samples:
            for kind, count in sample.errors.items():
                total[kind] = total.get(kind, 0) + count
        return {kind: count for kind, count in total.items() if count}
