"""Definitions as frozen dataclasses; no I/O, imports nothing else of tollway."""

from tollway.model.api import (
    Authorizer,
    Deployment,
    GatewayResponse,
    Integration,
    IntegrationResponse,
    Method,
    MethodResponse,
    MethodSetting,
    Model,
    RequestValidator,
    Resource,
    RestApi,
    Stage,
    StageSpec,
)
from tollway.model.functions import FunctionAlias, FunctionConfig, FunctionDef
from tollway.model.imported import ImportedApi, ImportResult, ManagementResource

__all__ = [
    "Authorizer",
    "Deployment",
    "FunctionAlias",
    "FunctionConfig",
    "FunctionDef",
    "GatewayResponse",
    "ImportResult",
    "ImportedApi",
    "Integration",
    "IntegrationResponse",
    "ManagementResource",
    "Method",
    "MethodResponse",
    "MethodSetting",
    "Model",
    "RequestValidator",
    "Resource",
    "RestApi",
    "Stage",
    "StageSpec",
]
