"""The ``Store`` protocol: tollway's durable configuration (APIs, deployments, stages,
management resources, Lambda functions) and the generation counter servers poll for changes.

Every implementation (SQLite now, PostgreSQL later) passes the same contract suite in
``tests/contract/test_store_contract.py``. All methods are synchronous; the server calls
them off the event loop, in a thread.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Protocol

from tollway.model.api import Deployment, RestApi, Stage
from tollway.model.functions import FunctionDef
from tollway.model.http_api import HttpApi
from tollway.model.identity import Identity
from tollway.model.imported import ManagementResource
from tollway.model.plans import ApiKey, UsagePlan


@dataclass(frozen=True, slots=True)
class ApiRecord:
    """A stored API: its id, the stable import key it was derived from, its current
    (undeployed) definition, and the file it was last imported from, if any. An HTTP API's
    definition is ``http_api``, beside a ``RestApi`` shell of the same id and name."""

    id: str
    key: str
    api: RestApi
    source: str | None = None
    http_api: HttpApi | None = None

    @property
    def protocol(self) -> str:
        """``REST`` or ``HTTP``."""
        return "REST" if self.http_api is None else "HTTP"


@dataclass(frozen=True, slots=True)
class FunctionRecord:
    """A stored function (with its published versions and aliases), keyed by its name, and
    the file it was last imported from (None when it was created otherwise)."""

    name: str
    function: FunctionDef
    source: str | None = None


class StoreReader(Protocol):
    """Reads. Inside ``Store.snapshot()`` or ``Store.transaction()`` all reads see one
    consistent state; on the store itself each call is its own snapshot."""

    def generation(self) -> int:
        """A counter bumped once by every committed transaction that changed something."""
        ...

    def get_api(self, api_id: str) -> ApiRecord | None: ...

    def list_apis(self) -> list[ApiRecord]:
        """All APIs, ordered by name then id."""
        ...

    def get_deployment(self, deployment_id: str) -> Deployment | None: ...

    def list_deployments(self, api_id: str) -> list[Deployment]:
        """The API's deployments, oldest first."""
        ...

    def get_stage(self, api_id: str, name: str) -> Stage | None: ...

    def list_stages(self, api_id: str | None = None) -> list[Stage]:
        """Stages of one API (or of all APIs), ordered by API id then stage name."""
        ...

    def list_management(self, scope: str | None = None) -> list[tuple[str, ManagementResource]]:
        """``(scope, resource)`` pairs in the order they were stored, per scope."""
        ...

    def serving_state(self) -> list[tuple[Stage, Deployment]]:
        """Every stage with the deployment it points at, read in one snapshot."""
        ...

    def get_function(self, name: str) -> FunctionRecord | None: ...

    def list_functions(self) -> list[FunctionRecord]:
        """All functions, ordered by name."""
        ...

    def get_api_key(self, key_id: str) -> ApiKey | None: ...

    def find_api_key(self, value: str) -> ApiKey | None:
        """The key whose secret value is ``value`` (values are unique). For management
        only: the data plane matches values in its own snapshot, in constant time."""
        ...

    def list_api_keys(self) -> list[ApiKey]:
        """All API keys, ordered by name then id."""
        ...

    def get_usage_plan(self, plan_id: str) -> UsagePlan | None: ...

    def list_usage_plans(self) -> list[UsagePlan]:
        """All usage plans, ordered by name then id."""
        ...

    def get_identity(self, name: str) -> Identity | None:
        """The IAM identity named exactly ``name``."""
        ...

    def list_identities(self) -> list[Identity]:
        """All IAM identities (with their secrets: never log them), ordered by name."""
        ...


class StoreWriter(StoreReader, Protocol):
    """Writes, only available inside ``Store.transaction()``. A write that leaves a row
    exactly as it was is not a change (it does not bump the generation)."""

    def put_api(self, record: ApiRecord) -> None:
        """Insert or replace the API with ``record.id``."""
        ...

    def put_deployment(self, deployment: Deployment) -> None:
        """Insert a deployment. Deployments are immutable: reusing an id is a StoreError,
        as is a deployment of an API that is not stored."""
        ...

    def put_stage(self, stage: Stage) -> None:
        """Insert or replace the stage ``(api_id, name)``. Its deployment must exist and
        belong to the same API (StoreError otherwise)."""
        ...

    def delete_stage(self, api_id: str, name: str) -> bool: ...

    def delete_api(self, api_id: str) -> bool:
        """Delete an API with its stages and deployments. True if it existed."""
        ...

    def replace_management(self, scope: str, resources: tuple[ManagementResource, ...]) -> None:
        """Make ``resources`` the whole set of management resources of ``scope``."""
        ...

    def put_function(self, record: FunctionRecord) -> None:
        """Insert or replace the function named ``record.name``."""
        ...

    def delete_function(self, name: str) -> bool:
        """Delete a function with its versions and aliases. True if it existed."""
        ...

    def put_api_key(self, key: ApiKey) -> None:
        """Insert or replace the key with ``key.id``. A value another key already has is
        a StoreError (that never names the value)."""
        ...

    def delete_api_key(self, key_id: str) -> bool:
        """Delete a key (plans keep its id: the caller removes it from them). True if it existed."""
        ...

    def put_usage_plan(self, plan: UsagePlan) -> None:
        """Insert or replace the usage plan with ``plan.id``."""
        ...

    def delete_usage_plan(self, plan_id: str) -> bool:
        """Delete a usage plan. True if it existed."""
        ...

    def put_identity(self, identity: Identity) -> None:
        """Insert or replace the identity named ``identity.name``. An access key id another
        identity has is a StoreError (that never names the secret)."""
        ...

    def delete_identity(self, name: str) -> bool:
        """Delete the identity named ``name``. True if it existed."""
        ...


class Store(StoreReader, Protocol):
    """Durable configuration shared by every process of one tollway installation."""

    def transaction(self) -> AbstractContextManager[StoreWriter]:
        """One atomic logical operation: everything written inside commits together when
        the block exits normally, and nothing does if it raises (or the process dies)."""
        ...

    def snapshot(self) -> AbstractContextManager[StoreReader]:
        """Several reads that see one consistent state."""
        ...

    def close(self) -> None: ...
