"""Applying imported files to the store, inside one transaction the caller owns.

An API's id comes from its import key, so re-importing a file updates the same API. A
stage gets a new deployment only when the definition it would serve differs from what it
serves now; an identical re-import keeps every deployment id. The file's Lambda functions
are stored in the same transaction (``functions.store_imported``), and so are its API keys
and usage plans (``management_import``).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from tollway.controlplane.functions import store_imported
from tollway.controlplane.plans_import import apply_management
from tollway.controlplane.validate import stage_name_problem, variables_problem
from tollway.controlplane.views import ImportOutcome
from tollway.errors import DefinitionError
from tollway.model import ids
from tollway.model.api import Deployment, RestApi, Stage, StageSpec
from tollway.model.http_api import DEFAULT_STAGE as HTTP_DEFAULT_STAGE
from tollway.model.http_api import HttpApi
from tollway.model.imported import ImportedApi, ImportResult
from tollway.stores.base import ApiRecord, StoreWriter

DEFAULT_STAGE = "prod"
"""The stage a REST API of an OpenAPI file gets without ``--stage`` (HTTP APIs: ``$default``)."""


@dataclass(slots=True)
class Applier:
    """Applies ImportResults through one open transaction ``tx``."""

    tx: StoreWriter
    new_deployment: Callable[[StoreWriter, str, RestApi, HttpApi | None, str | None], Deployment]
    stage_name: str | None = None
    deploy: bool = True
    now: float = 0.0
    """Creation time of the API keys this import makes."""
    # Deployments made by this import, per API id: stages of one API that need a new
    # deployment share one, as SAM's single AWS::ApiGateway::Deployment does.
    _made: dict[str, Deployment] = field(default_factory=dict)

    def apply(self, result: ImportResult) -> list[ImportOutcome]:
        if not result.apis and not result.management and not result.functions:
            raise DefinitionError(result.source, "", "the file defines no REST API and no Lambda function")
        scope = management_scope(result.source)
        previous = tuple(resource for _, resource in self.tx.list_management(scope))
        self.tx.replace_management(scope, result.management)
        warnings = result.warnings + tuple(store_imported(self.tx, result.source, result.functions))
        outcomes = [self._apply_api(result.source, imported) for imported in result.apis]
        stages = [(o.api_id, name) for o in outcomes for name in o.stages]
        apply_management(self.tx, result, previous, stages, self.now)
        named = sorted({spec.name for imported in result.apis for spec in imported.stages})
        if self.stage_name and named:
            warnings += (
                f"{result.source}: --stage {self.stage_name} is for OpenAPI files; the template names "
                f"its own stage(s), {', '.join(named)}, and those are deployed",
            )
        names = tuple(fn.name for fn in result.functions)
        if not outcomes and names:  # a file of functions only still reports what it stored
            outcomes = [ImportOutcome(result.source, "", "", "")]
        if outcomes:
            outcomes[0] = replace(outcomes[0], warnings=warnings, functions=names)
        return outcomes

    def _apply_api(self, source: str, imported: ImportedApi) -> ImportOutcome:
        api_id = ids.api_id(imported.key)
        api = replace(imported.api, id=api_id)
        http_api = None if imported.http_api is None else replace(imported.http_api, id=api_id)
        self.tx.put_api(ApiRecord(id=api_id, key=imported.key, api=api, source=source, http_api=http_api))
        # An HTTP API declares its stages (SAM always does); one without is served nowhere,
        # as in AWS, and its importer said so.
        specs = imported.stages
        if not specs and http_api is None:
            specs = (StageSpec(self.stage_name or DEFAULT_STAGE),)
        for spec in specs:
            http_default = http_api is not None and spec.name == HTTP_DEFAULT_STAGE
            problem = None if http_default else stage_name_problem(spec.name)
            problem = problem or variables_problem(spec.variables)
            if problem is not None:
                raise DefinitionError(source, "", f"API {imported.key}: {problem}")
        names = tuple(spec.name for spec in specs)
        if not self.deploy:
            return ImportOutcome(source, api_id, api.name, imported.key, names)
        deployment_ids = tuple(self._deploy_stage(source, api, http_api, spec) for spec in specs)
        return ImportOutcome(source, api_id, api.name, imported.key, names, deployment_ids)

    def _deploy_stage(self, source: str, api: RestApi, http_api: HttpApi | None, spec: StageSpec) -> str:
        deployment_id = self._deployment_for(source, api, http_api, spec.name)
        self.tx.put_stage(
            Stage(
                api_id=api.id,
                name=spec.name,
                deployment_id=deployment_id,
                variables=dict(spec.variables),
                description=spec.description,
                method_settings=dict(spec.method_settings),
                tracing_enabled=spec.tracing_enabled,
                cache_cluster_enabled=spec.cache_cluster_enabled,
            )
        )
        return deployment_id

    def _deployment_for(self, source: str, api: RestApi, http_api: HttpApi | None, stage_name: str) -> str:
        def same(deployment: Deployment | None) -> bool:
            return deployment is not None and deployment.api == api and deployment.http_api == http_api

        current = self.tx.get_stage(api.id, stage_name)
        if current is not None:
            serving = self.tx.get_deployment(current.deployment_id)
            if serving is not None and same(serving):
                return serving.id
        made = self._made.get(api.id)
        if made is not None and same(made):
            return made.id
        history = self.tx.list_deployments(api.id)
        if history and same(history[-1]):
            return history[-1].id
        try:
            deployment = self.new_deployment(self.tx, api.id, api, http_api, f"imported from {source}")
        except DefinitionError as exc:  # name the file, not the compiled API
            raise DefinitionError(source, exc.location, f"API {api.name!r}: {exc.problem}") from None
        self._made[api.id] = deployment
        return deployment.id


def management_scope(source: str) -> str:
    """Management resources are grouped by the file (stack) that declares them."""
    return os.path.abspath(source)
