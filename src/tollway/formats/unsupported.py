"""Settings that change how AWS runs a function or serves an API, which tollway does not
implement: named in one warning per file at import, never ignored silently.

Decided by what changes behaviour a user would notice and what tollway really does:

- functions: ``ProvisionedConcurrencyConfig`` (on a function's alias or version; tollway
  starts instances on demand), ``SnapStart`` (no snapshot restore: every cold start runs
  the init), ``TenancyConfig`` (no per-tenant execution environments), ``VpcConfig`` (the
  function reaches what this machine reaches, not the VPC), ``FileSystemConfigs`` (no EFS
  mount at the ``LocalMountPath``), ``Architectures`` other than this machine's (native
  code built for the other one does not load);
- REST APIs: ``MinimumCompressionSize`` (responses are never compressed),
  ``DisableExecuteApiEndpoint`` (the default endpoint still answers), a ``PRIVATE``
  endpoint (served to whoever reaches this machine, not only through a VPC endpoint),
  ``CloneFrom`` (the API it clones is not there);
- stages: ``CacheClusterEnabled`` and ``CachingEnabled`` method settings (no cache: every
  request reaches the integration), canary settings (every request goes to the stage's
  deployment);
- ``AWS::ApiGateway::DomainName`` / ``BasePathMapping`` and ``AWS::ApiGatewayV2::DomainName``
  / ``ApiMapping``: custom domain names are not served (the stage answers at tollway's own
  addresses);
- HTTP APIs: ``DisableExecuteApiEndpoint`` (the default endpoint still answers).

Ignored without a word because nothing observable changes on one machine: ``Role``,
``Policies``, ``Tags``, ``KmsKeyArn``, ``TracingConfig``, ``LoggingConfig``,
``CodeSigningConfigArn``, ``RuntimeManagementConfig``, ``EphemeralStorage``,
``RecursiveLoop``, access log and metrics settings. ``ReservedConcurrentExecutions``,
``Timeout``, ``MemorySize``, ``Layers`` and the rest tollway implements.
"""

from __future__ import annotations

import platform
from collections.abc import Iterable
from typing import Any

from tollway.errors import DefinitionError
from tollway.formats.cloudformation.intrinsics import NO_VALUE, Resolver
from tollway.model.imported import ImportedApi

_FUNCTION_PROPERTIES = ("SnapStart", "TenancyConfig", "VpcConfig", "FileSystemConfigs")
_PROVISIONED = ("AWS::Lambda::Alias", "AWS::Lambda::Version")
_DOMAIN_TYPES = (
    "AWS::ApiGateway::DomainName",
    "AWS::ApiGateway::BasePathMapping",
    "AWS::ApiGatewayV2::DomainName",
    "AWS::ApiGatewayV2::ApiMapping",
)
_CANARY = {
    "AWS::ApiGateway::Stage": "CanarySetting",
    "AWS::ApiGateway::Deployment": "DeploymentCanarySettings",
}


def warning(source: str, items: Iterable[str]) -> str | None:
    """The one warning naming ``items`` (``"Fn: SnapStart"``...), or None when there are none."""
    listed = list(dict.fromkeys(items))
    if not listed:
        return None
    return (
        f"{source}: tollway does not implement these settings, which change how AWS behaves; "
        f"they were ignored: {'; '.join(listed)}"
    )


def api_items(apis: Iterable[ImportedApi]) -> list[str]:
    """What the imported REST and HTTP APIs and their stages declare that tollway does not do."""
    items = []
    for imported in apis:
        api, name = imported.api, imported.api.name
        if imported.http_api is not None and imported.http_api.disable_execute_api_endpoint:
            items.append(f"API {name}: DisableExecuteApiEndpoint (the default endpoint answers)")
        if api.minimum_compression_size is not None:
            items.append(f"API {name}: MinimumCompressionSize (responses are not compressed)")
        if api.disable_execute_api_endpoint:
            items.append(f"API {name}: DisableExecuteApiEndpoint (the default endpoint answers)")
        if "PRIVATE" in api.endpoint_types:
            items.append(f"API {name}: a PRIVATE endpoint (served to any client that reaches tollway)")
        for stage in imported.stages:
            caching = [key for key, s in stage.method_settings.items() if s.caching_enabled]
            if stage.cache_cluster_enabled or caching:
                items.append(
                    f"API {name} stage {stage.name}: caching (every request reaches the integration)"
                )
    return items


def template_items(r: Resolver) -> list[str]:
    """What the template's functions and API resources declare that tollway does not do."""
    items: list[str] = []
    machine = _architecture()
    for logical_id, resource in r.resources.items():
        kind = resource.get("Type") if isinstance(resource, dict) else None
        if not isinstance(kind, str) or not r.resource_enabled(logical_id):
            continue
        if kind == "AWS::Lambda::Function":
            items += _function_items(r, logical_id, machine)
        elif kind in _PROVISIONED and _declared(r, logical_id, "ProvisionedConcurrencyConfig"):
            items.append(f"{logical_id}: ProvisionedConcurrencyConfig (instances start on demand)")
        elif kind == "AWS::ApiGateway::RestApi" and _declared(r, logical_id, "CloneFrom"):
            items.append(f"{logical_id}: CloneFrom (the API it clones is not there)")
        elif kind in _CANARY and _declared(r, logical_id, _CANARY[kind]):
            items.append(f"{logical_id}: {_CANARY[kind]} (no canary: the stage serves its deployment)")
        elif kind in _DOMAIN_TYPES:
            items.append(f"{logical_id}: {kind} (custom domain names are not served)")
    return items


def _function_items(r: Resolver, logical_id: str, machine: str) -> list[str]:
    found = [name for name in _FUNCTION_PROPERTIES if _declared(r, logical_id, name)]
    architectures = _value(r, logical_id, "Architectures")
    if isinstance(architectures, list) and architectures and architectures != [machine]:
        declared = ", ".join(map(str, architectures))
        found.append(
            f"Architectures {declared} (this is {machine}: native code for {declared} does not load)"
        )
    return [f"{logical_id}: {name}" for name in found]


def _value(r: Resolver, logical_id: str, name: str) -> Any:
    try:
        value = r.resource_property(logical_id, name)
    except DefinitionError:
        return None  # the readers of the resource report a value they cannot evaluate
    return None if value is NO_VALUE else value


def _declared(r: Resolver, logical_id: str, name: str) -> bool:
    value = _value(r, logical_id, name)
    if isinstance(value, dict) and name == "SnapStart":
        return bool(value.get("ApplyOn", "None") != "None")  # SnapStart {ApplyOn: None} is off
    return value not in (None, "", [], {}, False)


def _architecture() -> str:
    machine = platform.machine().lower()
    return "arm64" if machine in ("arm64", "aarch64") else "x86_64"
