"""API keys and usage plans in the store, with API Gateway's rules, inside a transaction the
caller owns (``ControlPlane`` opens one per operation).

Rules matched: a generated key value is 40 alphanumerics, a given one 20 to 128 characters;
two keys never share a value ("API Key already exists"); a plan's API stages must exist;
a key may be in many plans but in only one plan per API stage. Values never appear in an
error message (they end up in logs).
"""

from __future__ import annotations

import re
import secrets
import string
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace

from tollway.controlplane.errors import BadRequest, Conflict, NotFound
from tollway.model.plans import (
    QUOTA_PERIODS,
    ApiKey,
    ApiStage,
    QuotaSettings,
    ThrottleSettings,
    UsagePlan,
)
from tollway.state.periods import offset_problem
from tollway.stores.base import StoreReader, StoreWriter

KEY_VALUE_LENGTH = 40
MIN_VALUE, MAX_VALUE = 20, 128
MAX_NAME = 1024
_ALNUM = string.ascii_letters + string.digits
_ID_ALPHABET = string.ascii_lowercase + string.digits
# ``{resourcePath}/{httpMethod}``: "/pets/GET", "/pets/{id}/DELETE", "/*/*".
_METHOD_PATH = re.compile(r"/(?:[^/]+/)*(?:[A-Z]+|\*)|/\*/\*")

NewId = Callable[[int], str]


def random_id(length: int) -> str:
    """A lowercase alphanumeric id (AWS key ids are 10 characters, plan ids 6)."""
    return "".join(secrets.choice(_ID_ALPHABET) for _ in range(length))


def generate_value() -> str:
    """A fresh key value: 40 random alphanumerics, as AWS generates."""
    return "".join(secrets.choice(_ALNUM) for _ in range(KEY_VALUE_LENGTH))


def value_problem(value: str) -> str | None:
    """Why ``value`` cannot be a key value (never quoting it), or None."""
    if not MIN_VALUE <= len(value) <= MAX_VALUE:
        return f"an API key value must be {MIN_VALUE} to {MAX_VALUE} characters long, not {len(value)}"
    if not value.isprintable() or any(c.isspace() for c in value):
        return "an API key value must be printable characters without spaces"
    return None


def name_problem(name: str) -> str | None:
    if not name.strip():
        return "a name is required"
    if len(name) > MAX_NAME:
        return f"a name must be at most {MAX_NAME} characters, not {len(name)}"
    return None


# -- keys ------------------------------------------------------------------------------


def key_or_raise(reader: StoreReader, key_id: str) -> ApiKey:
    key = reader.get_api_key(key_id)
    if key is None:
        raise NotFound(f"Invalid API Key identifier specified: {key_id}")
    return key


def plan_or_raise(reader: StoreReader, plan_id: str) -> UsagePlan:
    plan = reader.get_usage_plan(plan_id)
    if plan is None:
        raise NotFound(f"Invalid Usage Plan ID specified: {plan_id}")
    return plan


def put_key(tx: StoreWriter, key: ApiKey) -> ApiKey:
    """Store ``key`` after checking its name and value (ConflictException on a value
    another key has)."""
    problem = name_problem(key.name) or value_problem(key.value)
    if problem is not None:
        raise BadRequest(f"API key {key.name[:60]!r}: {problem}")
    holder = tx.find_api_key(key.value)
    if holder is not None and holder.id != key.id:
        raise Conflict("API Key already exists")
    tx.put_api_key(key)
    return key


def new_key_id(reader: StoreReader, new_id: NewId = random_id) -> str:
    return _unused(lambda: new_id(10), lambda candidate: reader.get_api_key(candidate) is None)


def set_key_enabled(tx: StoreWriter, key_id: str, enabled: bool) -> ApiKey:
    key = key_or_raise(tx, key_id)
    tx.put_api_key(replace(key, enabled=enabled))
    return replace(key, enabled=enabled)


def delete_key(tx: StoreWriter, key_id: str) -> None:
    """Delete a key and its subscriptions (AWS deletes the key's usage plan keys too)."""
    key_or_raise(tx, key_id)
    for plan in tx.list_usage_plans():
        if key_id in plan.key_ids:
            tx.put_usage_plan(replace(plan, key_ids=tuple(k for k in plan.key_ids if k != key_id)))
    tx.delete_api_key(key_id)


# -- plans -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PlanChanges:
    """What ``plans create`` / ``plans update`` set; None leaves a field as it is.

    ``method_throttle`` maps ``(api_id, stage)`` to ``{"/path/METHOD": settings}``."""

    name: str | None = None
    description: str | None = None
    throttle: ThrottleSettings | None = None
    quota: QuotaSettings | None = None
    stages: tuple[tuple[str, str], ...] | None = None
    method_throttle: Mapping[tuple[str, str], Mapping[str, ThrottleSettings]] | None = None


def new_plan_id(reader: StoreReader, new_id: NewId = random_id) -> str:
    return _unused(lambda: new_id(6), lambda candidate: reader.get_usage_plan(candidate) is None)


def put_plan(tx: StoreWriter, plan: UsagePlan, changes: PlanChanges) -> UsagePlan:
    """Apply ``changes`` to ``plan`` (a new one for ``create``), check it and store it."""
    stages = plan.api_stages
    if changes.stages is not None:
        old = {(s.api_id, s.stage): s for s in plan.api_stages}
        stages = tuple(old.get(pair, ApiStage(*pair)) for pair in _unique(changes.stages))
    for (api_id, stage), methods in (changes.method_throttle or {}).items():
        stages = _with_method_throttle(stages, api_id, stage, methods)
    updated = replace(
        plan,
        name=plan.name if changes.name is None else changes.name,
        description=plan.description if changes.description is None else changes.description,
        throttle=changes.throttle or plan.throttle,
        quota=changes.quota or plan.quota,
        api_stages=stages,
    )
    check_plan(tx, updated)
    tx.put_usage_plan(updated)
    return updated


def check_plan(
    reader: StoreReader, plan: UsagePlan, also_existing: frozenset[tuple[str, str]] = frozenset()
) -> None:
    """Refuse a plan with a bad name or limits, an unknown API stage (``also_existing``
    names stages about to be created), or a subscribed key that another plan already gives
    one of its API stages."""
    problem = name_problem(plan.name) or limits_problem(plan.throttle, plan.quota)
    for stage in plan.api_stages:
        for path, settings in stage.throttle.items():
            if not _METHOD_PATH.fullmatch(path):
                problem = problem or f"method throttle {path!r} is not /resource/path/HTTPMETHOD"
            problem = problem or limits_problem(settings, None)
    if problem is not None:
        raise BadRequest(f"usage plan {plan.name[:60]!r}: {problem}")
    for stage in plan.api_stages:
        known = (stage.api_id, stage.stage) in also_existing
        if not known and reader.get_stage(stage.api_id, stage.stage) is None:
            raise NotFound(f"Invalid stage identifier specified: {stage.api_id}:{stage.stage}")
    for key_id in plan.key_ids:
        check_one_plan_per_stage(reader, plan, key_id)


def limits_problem(throttle: ThrottleSettings | None, quota: QuotaSettings | None) -> str | None:
    if throttle is not None and (throttle.rate_limit < 0 or throttle.burst_limit < 0):
        return "throttle rate and burst must be zero or more"
    if quota is None:
        return None
    if quota.period not in QUOTA_PERIODS:
        return f"quota period must be one of {', '.join(QUOTA_PERIODS)}, not {quota.period!r}"
    if quota.limit < 0:
        return "quota limit must be zero or more"
    return offset_problem(quota.period, quota.offset)


def check_one_plan_per_stage(reader: StoreReader, plan: UsagePlan, key_id: str) -> None:
    """AWS: a key can be in several plans, but only one of them may cover an API stage."""
    mine = {(s.api_id, s.stage) for s in plan.api_stages}
    for other in reader.list_usage_plans():
        if other.id == plan.id or key_id not in other.key_ids:
            continue
        for stage in other.api_stages:
            if (stage.api_id, stage.stage) in mine:
                raise Conflict(
                    f"Usage Plan {plan.id} cannot be added because API Key {key_id} cannot reference "
                    f"multiple Usage Plans with the same API Stage: {stage.api_id}:{stage.stage}"
                )


def add_key(tx: StoreWriter, plan_id: str, key_id: str) -> UsagePlan:
    """CreateUsagePlanKey: subscribe a key to a plan."""
    plan = plan_or_raise(tx, plan_id)
    key_or_raise(tx, key_id)
    if key_id in plan.key_ids:
        raise Conflict(f"API key {key_id} is already in usage plan {plan_id}")
    check_one_plan_per_stage(tx, plan, key_id)
    updated = replace(plan, key_ids=(*plan.key_ids, key_id))
    tx.put_usage_plan(updated)
    return updated


def remove_key(tx: StoreWriter, plan_id: str, key_id: str) -> UsagePlan:
    """DeleteUsagePlanKey: unsubscribe a key."""
    plan = plan_or_raise(tx, plan_id)
    if key_id not in plan.key_ids:
        raise NotFound(f"Invalid Usage Plan Key identifier specified: {key_id} is not in plan {plan_id}")
    updated = replace(plan, key_ids=tuple(k for k in plan.key_ids if k != key_id))
    tx.put_usage_plan(updated)
    return updated


def _with_method_throttle(
    stages: tuple[ApiStage, ...], api_id: str, stage: str, methods: Mapping[str, ThrottleSettings]
) -> tuple[ApiStage, ...]:
    if not any((s.api_id, s.stage) == (api_id, stage) for s in stages):
        raise BadRequest(f"method throttle for {api_id}:{stage}: that API stage is not in the plan")
    return tuple(
        replace(s, throttle={**s.throttle, **methods}) if (s.api_id, s.stage) == (api_id, stage) else s
        for s in stages
    )


def _unique(pairs: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    return list(dict.fromkeys(pairs))


def _unused(make: Callable[[], str], free: Callable[[str], bool]) -> str:
    for _ in range(20):
        candidate = make()
        if free(candidate):
            return candidate
    raise RuntimeError("no unused id after 20 attempts")
