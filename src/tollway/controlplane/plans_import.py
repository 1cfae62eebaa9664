"""``AWS::ApiGateway::ApiKey`` / ``UsagePlan`` / ``UsagePlanKey`` of an imported template,
applied to the store inside the import's transaction.

A key's or plan's id is the one ``Ref`` gives in the template (derived from the stack and the
logical id), so re-importing updates the same rows and ``!Ref MyKey`` in a UsagePlanKey finds
the key. A key without ``Value`` keeps the value it got at its first import. Re-importing
deletes the keys and plans the file no longer declares, and keeps the keys subscribed to the
file's plans by hand (``plans add-key``). ``Enabled`` defaults to false, as in CloudFormation.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from tollway.controlplane import plans as management
from tollway.errors import DefinitionError, TollwayError
from tollway.model import ids
from tollway.model.imported import ImportResult, ManagementResource
from tollway.model.plans import ApiKey, ApiStage, QuotaSettings, ThrottleSettings, UsagePlan
from tollway.stores.base import StoreWriter

API_KEY = "AWS::ApiGateway::ApiKey"
USAGE_PLAN = "AWS::ApiGateway::UsagePlan"
USAGE_PLAN_KEY = "AWS::ApiGateway::UsagePlanKey"
T = TypeVar("T")


class _Bad(TollwayError):
    """A property that cannot be read; becomes a DefinitionError naming the resource."""


@dataclass(slots=True)
class ManagementImport:
    """Applies one file's keys and plans; ``stages`` are the API stages the same import
    declares (they may not be deployed yet)."""

    tx: StoreWriter
    result: ImportResult
    previous: tuple[ManagementResource, ...]
    stages: frozenset[tuple[str, str]]
    now: float
    generate_value: Callable[[], str] = management.generate_value

    def apply(self) -> None:
        declared = {r.logical_id for r in self.result.management}
        for resource in self.previous:
            if resource.logical_id not in declared and resource.kind in (API_KEY, USAGE_PLAN):
                self._delete(resource)
        for resource in self._of(API_KEY):
            self._guarded(resource, self._put_key, resource)
        plans = [(r, self._guarded(r, self._put_plan, r)) for r in self._of(USAGE_PLAN)]
        # Checked once all are stored, so two plans giving one key the same stage are caught.
        for resource, plan in plans:
            self._guarded(resource, management.check_plan, self.tx, plan, self.stages)

    def physical_id(self, logical_id: str) -> str:
        # The same derivation as formats.cloudformation.refs.short_id (Ref of the resource).
        return ids.stable_id("cfn", str(Path(self.result.source).resolve()), logical_id, length=6)

    def _of(self, kind: str) -> list[ManagementResource]:
        return [r for r in self.result.management if r.kind == kind]

    def _guarded(self, resource: ManagementResource, action: Callable[..., T], *args: Any) -> T:
        try:
            return action(*args)
        except TollwayError as exc:  # _Bad and the management checks' errors
            raise DefinitionError(self.result.source, f"/Resources/{resource.logical_id}", str(exc)) from None

    def _delete(self, resource: ManagementResource) -> None:
        target = self.physical_id(resource.logical_id)
        if resource.kind == API_KEY and self.tx.get_api_key(target) is not None:
            management.delete_key(self.tx, target)
        elif resource.kind == USAGE_PLAN:
            self.tx.delete_usage_plan(target)

    def _put_key(self, resource: ManagementResource) -> None:
        props = resource.properties
        key_id = self.physical_id(resource.logical_id)
        stored = self.tx.get_api_key(key_id)
        value = _text(props, "Value") or (stored.value if stored else self.generate_value())
        stage_keys = tuple(
            f"{_text(item, 'RestApiId')}/{_text(item, 'StageName')}" for item in _dicts(props, "StageKeys")
        )
        key = ApiKey(
            id=key_id,
            name=_text(props, "Name") or resource.logical_id,
            value=value,
            enabled=_flag(props, "Enabled", default=False),
            description=_text(props, "Description"),
            created_epoch=stored.created_epoch if stored else self.now,
            stage_keys=stage_keys,
        )
        management.put_key(self.tx, key)

    def _put_plan(self, resource: ManagementResource) -> UsagePlan:
        props = resource.properties
        plan_id = self.physical_id(resource.logical_id)
        plan = UsagePlan(
            id=plan_id,
            name=_text(props, "UsagePlanName") or resource.logical_id,
            description=_text(props, "Description"),
            api_stages=tuple(_api_stage(item) for item in _dicts(props, "ApiStages")),
            throttle=_throttle(props.get("Throttle")),
            quota=_quota(props.get("Quota")),
            key_ids=self._subscriptions(plan_id),
        )
        self.tx.put_usage_plan(plan)
        return plan

    def _subscriptions(self, plan_id: str) -> tuple[str, ...]:
        """The file's UsagePlanKeys of the plan, then the keys added to it by hand."""
        mine = _plan_keys(self.result.management, plan_id)
        before = set(_plan_keys(self.previous, plan_id))
        stored = self.tx.get_usage_plan(plan_id)
        manual = [k for k in (stored.key_ids if stored else ()) if k not in before and k not in mine]
        for key_id in mine:
            if self.tx.get_api_key(key_id) is None:
                raise _Bad(
                    f"a UsagePlanKey names an unknown key: Invalid API Key identifier specified: {key_id}"
                )
        return (*mine, *manual)


def apply_management(
    tx: StoreWriter,
    result: ImportResult,
    previous: tuple[ManagementResource, ...],
    stages: Iterable[tuple[str, str]],
    now: float,
) -> None:
    """Apply the file's keys and plans (see the module docstring)."""
    ManagementImport(tx, result, previous, frozenset(stages), now).apply()


def _plan_keys(resources: Iterable[ManagementResource], plan_id: str) -> list[str]:
    found = []
    for resource in resources:
        if resource.kind == USAGE_PLAN_KEY and resource.properties.get("UsagePlanId") == plan_id:
            key_id = resource.properties.get("KeyId")
            if isinstance(key_id, str) and key_id not in found:
                found.append(key_id)
    return found


def _api_stage(item: Mapping[str, Any]) -> ApiStage:
    methods = item.get("Throttle") or {}
    if not isinstance(methods, dict):
        raise _Bad("ApiStages Throttle must map /path/METHOD to {RateLimit, BurstLimit}")
    throttle = {str(path): _throttle(settings) for path, settings in methods.items()}
    return ApiStage(
        _text(item, "ApiId") or "",
        _text(item, "Stage") or "",
        {path: settings for path, settings in throttle.items() if settings is not None},
    )


def _throttle(value: Any) -> ThrottleSettings | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise _Bad("Throttle must be {RateLimit, BurstLimit}")
    return ThrottleSettings(_number(value, "RateLimit", float), int(_number(value, "BurstLimit", int)))


def _quota(value: Any) -> QuotaSettings | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise _Bad("Quota must be {Limit, Period, Offset}")
    period = _text(value, "Period") or ""
    return QuotaSettings(
        int(_number(value, "Limit", int)), period.upper(), int(_number(value, "Offset", int))
    )


def _number(props: Mapping[str, Any], name: str, kind: type[float] | type[int]) -> float:
    value = props.get(name, 0)
    try:
        return kind(value)
    except (TypeError, ValueError):
        raise _Bad(f"{name} must be a number, not {value!r}") from None


def _text(props: Mapping[str, Any], name: str) -> str | None:
    value = props.get(name)
    if value is None or value == "":
        return None
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return str(value)
    raise _Bad(f"{name} must be a string")


def _flag(props: Mapping[str, Any], name: str, *, default: bool) -> bool:
    value = props.get(name, default)
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise _Bad(f"{name} must be true or false")


def _dicts(props: Mapping[str, Any], name: str) -> list[dict[str, Any]]:
    value = props.get(name) or []
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise _Bad(f"{name} must be a list of objects")
    return value
