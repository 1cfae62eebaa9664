"""API keys and usage plans, as Amazon API Gateway defines them (``ApiKey``, ``UsagePlan``,
``UsagePlanKey``). Plain frozen dataclasses; the store keeps them, the data plane reads a
snapshot of them that each worker refreshes when the store changes."""

from __future__ import annotations

from dataclasses import dataclass, field

QUOTA_PERIODS = ("DAY", "WEEK", "MONTH")


@dataclass(frozen=True, slots=True)
class ApiKey:
    """An API key. ``value`` is the secret clients send in ``x-api-key``; it is never logged.

    ``stage_keys`` are AWS's ``{restApiId}/{stage}`` pairs (kept as declared; AWS uses usage
    plans, not stage keys, to decide access)."""

    id: str
    name: str
    value: str
    enabled: bool = True
    description: str | None = None
    created_epoch: float = 0.0
    stage_keys: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ThrottleSettings:
    """A token bucket: ``rate_limit`` requests per second, ``burst_limit`` capacity."""

    rate_limit: float
    burst_limit: int


@dataclass(frozen=True, slots=True)
class QuotaSettings:
    """At most ``limit`` requests per ``period`` (DAY, WEEK or MONTH, in UTC).

    ``offset`` is the day the periods start (WEEK: days after Sunday, MONTH: days after the
    1st), the AWS SDKs' meaning; see ``tollway.state.periods``."""

    limit: int
    period: str
    offset: int = 0


@dataclass(frozen=True, slots=True)
class ApiStage:
    """An API stage a usage plan covers, with per-method throttling overrides keyed
    ``{resourcePath}/{httpMethod}`` (``/pets/GET``)."""

    api_id: str
    stage: str
    throttle: dict[str, ThrottleSettings] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class UsagePlan:
    """A usage plan and the keys subscribed to it."""

    id: str
    name: str
    description: str | None = None
    api_stages: tuple[ApiStage, ...] = ()
    throttle: ThrottleSettings | None = None
    quota: QuotaSettings | None = None
    key_ids: tuple[str, ...] = ()
