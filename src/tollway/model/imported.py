"""What a format importer hands to the control plane: APIs with their stages, plus the
management resources a file declares (kept as data for the issues that serve them)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tollway.model.api import RestApi, StageSpec
from tollway.model.functions import FunctionDef
from tollway.model.http_api import HttpApi


@dataclass(frozen=True, slots=True)
class ImportedApi:
    """One API found in a file.

    ``key`` is the API's stable identity across imports: ``"<stack>#<LogicalId>"`` for a
    template resource, ``"openapi#<title>"`` for a standalone OpenAPI document. The
    control plane derives the API id from it, so importing again updates, never
    duplicates. ``api.id`` is ignored on import.

    An HTTP API has its definition in ``http_api`` and a ``RestApi`` of the same name (no
    resources) in ``api``; its stages' ``method_settings`` are its route settings, keyed by
    route key, ``*/*`` holding ``DefaultRouteSettings``.
    """

    key: str
    api: RestApi
    stages: tuple[StageSpec, ...] = ()
    http_api: HttpApi | None = None


@dataclass(frozen=True, slots=True)
class ManagementResource:
    """An ``AWS::ApiGateway::ApiKey`` / ``UsagePlan`` / ``UsagePlanKey`` and the like,
    resolved to plain data (intrinsics evaluated), kept for the API-management issue."""

    kind: str
    logical_id: str
    properties: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ImportResult:
    """Everything one file defines. ``warnings`` are shown to the user once."""

    source: str
    apis: tuple[ImportedApi, ...] = ()
    management: tuple[ManagementResource, ...] = ()
    warnings: tuple[str, ...] = ()
    functions: tuple[FunctionDef, ...] = ()
    """Lambda functions the file declares (served by the function runtime)."""
