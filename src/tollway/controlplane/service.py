"""The control plane: import files into the store, deploy, list, export.

Deploying freezes the API's current definition into an immutable ``Deployment`` and points
a stage at it; servers poll ``generation()`` and read ``serving_records()`` when it moves.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Literal, Protocol

from tollway.controlplane import functions, identities
from tollway.controlplane import plans as management
from tollway.controlplane.errors import BadRequest, NotFound
from tollway.controlplane.exporting import render_export
from tollway.controlplane.ids import DEPLOYMENT_ID, random_deployment_id
from tollway.controlplane.importing import Applier
from tollway.controlplane.keyfile import apply_key_rows, parse_key_file
from tollway.controlplane.plans import PlanChanges
from tollway.controlplane.validate import stage_name_problem, variables_problem
from tollway.controlplane.views import ApiSummary, ImportOutcome, ServingRecords
from tollway.dataplane.http_api.snapshot import compile_http_stage
from tollway.dataplane.snapshot import compile_stage
from tollway.model.account import ACCOUNT_ID
from tollway.model.api import Deployment, RestApi, Stage
from tollway.model.functions import FunctionAlias, FunctionDef
from tollway.model.http_api import DEFAULT_STAGE, HttpApi
from tollway.model.identity import Identity
from tollway.model.imported import ImportResult
from tollway.model.plans import ApiKey, UsagePlan
from tollway.stores.base import ApiRecord, FunctionRecord, Store, StoreReader, StoreWriter

_ID_ATTEMPTS = 20


def check_deployment(deployment: Deployment) -> None:
    """Compile a deployment as the data plane will (templates, patterns, gateway responses),
    so a definition that cannot be served is refused before anything is stored."""
    stage = Stage(api_id=deployment.api_id, name="check", deployment_id=deployment.id)
    if deployment.http_api is not None:
        compile_http_stage(stage, deployment)
    else:
        compile_stage(stage, deployment)


class Importer(Protocol):
    """The signature of ``tollway.formats.loader.import_file``."""

    def __call__(
        self,
        path: str,
        *,
        stage_name: str | None = None,
        parameter_overrides: Mapping[str, str] | None = None,
    ) -> ImportResult: ...


def _default_importer(
    path: str,
    *,
    stage_name: str | None = None,
    parameter_overrides: Mapping[str, str] | None = None,
) -> ImportResult:
    from tollway.formats.loader import import_file  # imported late: formats is optional here

    return import_file(path, stage_name=stage_name, parameter_overrides=parameter_overrides)


class ControlPlane:
    """Every management operation, each one store transaction.

    ``clock`` gives deployment creation times, ``random_id`` deployment ids, ``importer``
    reads one file; all three are injected so tests control them.
    """

    def __init__(
        self,
        store: Store,
        clock: Callable[[], float] = time.time,
        *,
        random_id: Callable[[], str] = random_deployment_id,
        importer: Importer = _default_importer,
        new_id: management.NewId = management.random_id,
    ) -> None:
        self.store = store
        self._clock = clock
        self._random_id = random_id
        self._importer = importer
        self._new_id = new_id  # ids of API keys and usage plans, given their length

    # -- import and deploy ---------------------------------------------------------

    def import_files(
        self,
        paths: Sequence[str],
        *,
        stage_name: str | None = None,
        parameter_overrides: Mapping[str, str] | None = None,
        deploy: bool = True,
    ) -> list[ImportOutcome]:
        """Read every file, then apply them all at once: if any file is bad, nothing of
        any file is applied (the error, usually a DefinitionError, propagates)."""
        results = [
            self._importer(path, stage_name=stage_name, parameter_overrides=parameter_overrides)
            for path in paths
        ]
        return self.apply(results, stage_name=stage_name, deploy=deploy)

    def apply(
        self, results: Sequence[ImportResult], *, stage_name: str | None = None, deploy: bool = True
    ) -> list[ImportOutcome]:
        """Apply already-read files in one transaction (see ``import_files``)."""
        outcomes: list[ImportOutcome] = []
        with self.store.transaction() as tx:
            applier = Applier(
                tx, self._new_deployment, stage_name=stage_name, deploy=deploy, now=self._clock()
            )
            for result in results:
                outcomes.extend(applier.apply(result))
        return outcomes

    def deploy(
        self,
        api_id: str,
        stage_name: str,
        *,
        description: str | None = None,
        variables: Mapping[str, str] | None = None,
    ) -> Deployment:
        """Snapshot the API's current definition as a new deployment and point
        ``stage_name`` at it, creating the stage if needed. ``variables`` are set on the
        stage, replacing same-named ones and keeping the others."""
        problem = variables_problem(variables or {})
        if stage_name != DEFAULT_STAGE:  # the one name only HTTP APIs may have
            problem = stage_name_problem(stage_name) or problem
        if problem is not None:
            raise BadRequest(problem)
        with self.store.transaction() as tx:
            record = _api_or_raise(tx, api_id)
            if stage_name == DEFAULT_STAGE and record.http_api is None:
                raise BadRequest(stage_name_problem(stage_name) or "")
            deployment = self._new_deployment(tx, api_id, record.api, record.http_api, description)
            stage = tx.get_stage(api_id, stage_name)
            if stage is None:
                stage = Stage(api_id, stage_name, deployment.id, dict(variables or {}))
            else:
                merged = {**stage.variables, **(variables or {})}
                stage = replace(stage, deployment_id=deployment.id, variables=merged)
            tx.put_stage(stage)
        return deployment

    # -- reads ---------------------------------------------------------------------

    def list_apis(self) -> list[ApiSummary]:
        with self.store.snapshot() as snap:
            stages: dict[str, list[str]] = {}
            for stage in snap.list_stages():
                stages.setdefault(stage.api_id, []).append(stage.name)
            return [
                ApiSummary(
                    id=r.id,
                    name=r.api.name,
                    key=r.key,
                    description=r.api.description,
                    source=r.source,
                    stages=tuple(stages.get(r.id, ())),
                    protocol=r.protocol,
                )
                for r in snap.list_apis()
            ]

    def list_stages(self, api_id: str | None = None) -> list[Stage]:
        with self.store.snapshot() as snap:
            if api_id is not None:
                _api_or_raise(snap, api_id)
            return snap.list_stages(api_id)

    def get_deployment(self, deployment_id: str) -> Deployment:
        deployment = self.store.get_deployment(deployment_id)
        if deployment is None:
            raise NotFound(f"Invalid Deployment identifier specified: {deployment_id}")
        return deployment

    def serving_state(self) -> list[tuple[Stage, Deployment]]:
        """Every stage with the deployment it serves (what the data plane compiles)."""
        return self.store.serving_state()

    def generation(self) -> int:
        """Moves whenever anything changes; cheap enough to poll every second."""
        return self.store.generation()

    def serving_records(self) -> ServingRecords:
        """What the data plane serves (stages, functions, keys, plans, identities), all read
        in one snapshot of the store."""
        with self.store.snapshot() as snap:
            return ServingRecords(
                generation=snap.generation(),
                stages=snap.serving_state(),
                functions={record.name: record.function for record in snap.list_functions()},
                keys=snap.list_api_keys(),
                plans=snap.list_usage_plans(),
                identities=snap.list_identities(),
            )

    def export(
        self,
        api_id: str,
        stage_name: str,
        *,
        flavor: Literal["oas30", "swagger"],
        fmt: Literal["json", "yaml"],
    ) -> str:
        """The stage's deployed API as OpenAPI 3.0 or Swagger 2.0 text, like AWS's
        ``GET /restapis/{id}/stages/{stage}/exports/{oas30|swagger}``."""
        if flavor not in ("oas30", "swagger"):
            raise BadRequest(f"export type must be oas30 or swagger, not {flavor!r}")
        if fmt not in ("json", "yaml"):
            raise BadRequest(f"export format must be json or yaml, not {fmt!r}")
        with self.store.snapshot() as snap:
            _api_or_raise(snap, api_id)
            stage = snap.get_stage(api_id, stage_name)
            if stage is None:
                raise NotFound(f"Invalid stage identifier specified: {api_id}/{stage_name}")
            deployment = snap.get_deployment(stage.deployment_id)
        if deployment is None:  # the store's foreign keys make this unreachable
            raise NotFound(f"Invalid Deployment identifier specified: {stage.deployment_id}")
        return render_export(deployment, stage, flavor, fmt)

    # -- functions -----------------------------------------------------------------

    def list_functions(self) -> list[FunctionRecord]:
        """Every stored function, ordered by name."""
        return self.store.list_functions()

    def get_function(self, name: str) -> FunctionRecord:
        """One function; NotFound (Lambda's ResourceNotFoundException) if there is none."""
        return functions.function_or_raise(self.store, name)

    def serving_functions(self) -> dict[str, FunctionDef]:
        """Name -> function, for the data plane and the executor (read in one snapshot)."""
        return {record.name: record.function for record in self.store.list_functions()}

    def publish_version(self, name: str, description: str | None = None) -> str:
        """Lambda's PublishVersion: the new version number, or the last one when nothing
        changed since it was published."""
        with self.store.transaction() as tx:
            return functions.publish_version(tx, name, description)

    def put_alias(
        self, name: str, alias: str, version: str, weights: Mapping[str, float] | None = None
    ) -> FunctionAlias:
        """Lambda's CreateAlias / UpdateAlias: point ``alias`` at ``version``, with
        ``weights`` (version -> share of invocations) for weighted routing."""
        with self.store.transaction() as tx:
            return functions.put_alias(tx, name, alias, version, weights)

    # -- API keys and usage plans ---------------------------------------------------

    def create_key(
        self, name: str, *, value: str | None = None, description: str | None = None, enabled: bool = True
    ) -> ApiKey:
        """CreateApiKey: a generated value (40 alphanumerics) unless ``value`` is given."""
        with self.store.transaction() as tx:
            key_id = management.new_key_id(tx, self._new_id)
            key = ApiKey(
                key_id, name, value or management.generate_value(), enabled, description, self._clock()
            )
            return management.put_key(tx, key)

    def list_keys(self) -> list[ApiKey]:
        return self.store.list_api_keys()

    def set_key_enabled(self, key_id: str, enabled: bool) -> ApiKey:
        with self.store.transaction() as tx:
            return management.set_key_enabled(tx, key_id, enabled)

    def delete_key(self, key_id: str) -> None:
        """DeleteApiKey, which also removes the key from every usage plan."""
        with self.store.transaction() as tx:
            management.delete_key(tx, key_id)

    def import_keys(self, path: str) -> list[ApiKey]:
        """ImportApiKeys from AWS's CSV key file: every row applies, or none does."""
        try:
            text = Path(path).read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise BadRequest(f"{path}: cannot read the key file: {exc}") from None
        rows = parse_key_file(path, text)
        with self.store.transaction() as tx:
            return apply_key_rows(tx, path, rows, self._clock(), self._new_id)

    def create_plan(self, changes: PlanChanges) -> UsagePlan:
        """CreateUsagePlan (``changes.name`` is required)."""
        with self.store.transaction() as tx:
            plan = UsagePlan(management.new_plan_id(tx, self._new_id), changes.name or "")
            return management.put_plan(tx, plan, changes)

    def update_plan(self, plan_id: str, changes: PlanChanges) -> UsagePlan:
        """UpdateUsagePlan: set what ``changes`` gives, keep the rest."""
        with self.store.transaction() as tx:
            return management.put_plan(tx, management.plan_or_raise(tx, plan_id), changes)

    def list_plans(self) -> list[UsagePlan]:
        return self.store.list_usage_plans()

    def get_plan(self, plan_id: str) -> UsagePlan:
        return management.plan_or_raise(self.store, plan_id)

    def delete_plan(self, plan_id: str) -> None:
        with self.store.transaction() as tx:
            management.plan_or_raise(tx, plan_id)
            tx.delete_usage_plan(plan_id)

    def add_plan_key(self, plan_id: str, key_id: str) -> UsagePlan:
        """CreateUsagePlanKey (one plan per API stage for each key, as AWS enforces)."""
        with self.store.transaction() as tx:
            return management.add_key(tx, plan_id, key_id)

    def remove_plan_key(self, plan_id: str, key_id: str) -> UsagePlan:
        with self.store.transaction() as tx:
            return management.remove_key(tx, plan_id, key_id)

    def usage_subject(self, plan_id: str, key_id: str | None = None) -> tuple[UsagePlan, tuple[str, ...]]:
        """The plan and the key ids a GetUsage / UpdateUsage of it covers."""
        plan = self.get_plan(plan_id)
        if key_id is None:
            return plan, plan.key_ids
        if key_id not in plan.key_ids:
            raise NotFound(f"Invalid API Key identifier specified: {key_id} is not in usage plan {plan_id}")
        return plan, (key_id,)

    # -- IAM identities --------------------------------------------------------------

    def create_identity(
        self,
        name: str,
        *,
        access_key_id: str | None = None,
        secret_access_key: str | None = None,
        account_id: str | None = None,
        policy: object,
    ) -> Identity:
        """An IAM user with one access key and an identity policy (a JSON object). The key id
        and secret are generated unless given; the result is the only time the secret is
        returned (``list_identities`` has it too, for the data plane: never show it)."""
        document = identities.policy_document(name, policy)
        with self.store.transaction() as tx:
            identity = Identity(
                name,
                identities.new_access_key_id(tx) if access_key_id is None else access_key_id,
                identities.generate_secret() if secret_access_key is None else secret_access_key,
                ACCOUNT_ID if account_id is None else account_id,
                document,
                self._clock(),
            )
            return identities.create_identity(tx, identity)

    def list_identities(self) -> list[Identity]:
        """Every identity, ordered by name (secrets included: for the data plane only)."""
        return self.store.list_identities()

    def delete_identity(self, name: str) -> None:
        """Delete the identity ``name`` (NotFound if there is none)."""
        with self.store.transaction() as tx:
            identities.delete_identity(tx, name)

    # -- helpers -------------------------------------------------------------------

    def _new_deployment(
        self, tx: StoreWriter, api_id: str, api: RestApi, http_api: HttpApi | None, description: str | None
    ) -> Deployment:
        deployment = Deployment(
            id=self._fresh_id(tx),
            api_id=api_id,
            created_epoch=self._clock(),
            api=api,
            description=description,
            http_api=http_api,
        )
        check_deployment(deployment)
        tx.put_deployment(deployment)
        return deployment

    def _fresh_id(self, tx: StoreReader) -> str:
        for _ in range(_ID_ATTEMPTS):
            candidate = self._random_id()
            if not DEPLOYMENT_ID.fullmatch(candidate):
                raise ValueError(f"random_id gave {candidate!r}; deployment ids are [a-z0-9]{{6,10}}")
            if tx.get_deployment(candidate) is None:
                return candidate
        raise RuntimeError(f"no unused deployment id after {_ID_ATTEMPTS} attempts")


def _api_or_raise(reader: StoreReader, api_id: str) -> ApiRecord:
    record = reader.get_api(api_id)
    if record is None:
        raise NotFound(f"Invalid API identifier specified: {api_id}")
    return record
