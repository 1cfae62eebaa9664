"""Who may call: API keys and the usage plans that grant them an API stage.

Built once per change of the store, as part of a ``World``, and never changed. Keys are
found by the SHA-256 of their value, then compared in constant time, so a lookup neither
scans every key nor leaks a value's prefix through timing.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tollway.dataplane.caller import CallerIdentity
from tollway.model.plans import ApiKey, ApiStage, UsagePlan
from tollway.state.base import StateBackend
from tollway.state.local_bucket import LocalBucket

if TYPE_CHECKING:
    from tollway.dataplane.steps.throttle import LimitsMemo


@dataclass(frozen=True, slots=True)
class Grant:
    """A key's access to one API stage, through one usage plan (AWS: one plan per key per stage)."""

    key: ApiKey
    plan: UsagePlan
    stage: ApiStage
    identity: CallerIdentity = field(init=False, repr=False, compare=False)
    """``$context.identity`` of an unsigned request with this key (``apiKey``, ``apiKeyId``)."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "identity", CallerIdentity.key_holder(self.key.value, self.key.id))


class AccessIndex:
    """Keys by value and the plan granting each key each API stage."""

    def __init__(self, keys: Iterable[ApiKey] = (), plans: Iterable[UsagePlan] = ()) -> None:
        self._by_digest = {_digest(key.value.encode()): (key, key.value.encode()) for key in keys}
        by_id = {key.id: key for key, _ in self._by_digest.values()}
        self._grants: dict[tuple[str, str, str], Grant] = {}
        for plan in plans:
            for stage in plan.api_stages:
                for key_id in plan.key_ids:
                    key = by_id.get(key_id)
                    if key is not None:
                        self._grants[(key_id, stage.api_id, stage.stage)] = Grant(key, plan, stage)

    def find(self, value: str) -> ApiKey | None:
        """The key whose value is ``value`` (enabled or not), or None."""
        given = value.encode()
        found = self._by_digest.get(_digest(given))
        if found is None or not hmac.compare_digest(found[1], given):
            return None
        return found[0]

    def grant(self, key_id: str, api_id: str, stage: str) -> Grant | None:
        return self._grants.get((key_id, api_id, stage))


class Access:
    """What the throttle step counts in: the state backend and this process's share of the
    account-level limit (the keys and plans are the world's: ``World.keys``)."""

    def __init__(self, state: StateBackend, account: LocalBucket | None = None) -> None:
        self.state = state
        self.account = account or LocalBucket()
        self.limits_memo: LimitsMemo = {}
        """The throttle step's limits by grant, method and day (built once per such triple)."""


def _digest(value: bytes) -> bytes:
    return hashlib.sha256(value).digest()
