"""``AWS::ApiGateway::Stage`` and ``Deployment.StageName`` -> StageSpecs."""

from __future__ import annotations

from tollway.formats.cloudformation.apigateway import ApiParts
from tollway.formats.cloudformation.values import Props
from tollway.model.api import MethodSetting, StageSpec


def read_stages(parts: ApiParts) -> tuple[StageSpec, ...]:
    """Every stage a template declares for one API, by name.

    A Deployment's ``StageName`` creates a stage as CloudFormation does (SAM's generated
    ``Stage`` stage included); an ``AWS::ApiGateway::Stage`` of the same name wins.
    """
    stages: dict[str, StageSpec] = {}
    for _, props in parts.of("Deployment"):
        name = props.text("StageName")
        if name:
            description = props.values.get("StageDescription")
            settings = props.child("StageDescription", description) if description else None
            stages[name] = _stage(name, settings)
    for _, props in parts.of("Stage"):
        name = props.text("StageName")
        if not name:
            raise props.error("StageName", "a stage needs a StageName")
        stages[name] = _stage(name, props)
    return tuple(stages.values())


def _stage(name: str, props: Props | None) -> StageSpec:
    if props is None:
        return StageSpec(name=name)
    settings = {_setting_key(item): _setting(item) for item in props.items("MethodSettings")}
    # Stage-wide settings on a Deployment's StageDescription apply to every method (*/*).
    wide = _setting(props)
    if wide != MethodSetting() and "*/*" not in settings:
        settings["*/*"] = wide
    return StageSpec(
        name=name,
        variables=props.text_map("Variables"),
        description=props.text("Description"),
        method_settings=settings,
        tracing_enabled=props.flag("TracingEnabled"),
        cache_cluster_enabled=props.flag("CacheClusterEnabled"),
    )


def _setting_key(props: Props) -> str:
    """``{resourcePath}/{httpMethod}``, ``*/*`` for all methods.

    CloudFormation writes the path with ``/`` encoded as ``~1`` after the first slash
    (``/~1pets~1{id}``); the key uses the plain path (``/pets/{id}/GET``).
    """
    raw = props.text("ResourcePath") or "/*"
    method = (props.text("HttpMethod") or "*").upper()
    path = "/" + raw.lstrip("/").replace("~1", "/").lstrip("/")
    if path == "/*":
        return f"*/{method}"
    return f"{path}/{method}"


def _setting(props: Props) -> MethodSetting:
    return MethodSetting(
        throttling_rate_limit=props.number("ThrottlingRateLimit"),
        throttling_burst_limit=props.whole("ThrottlingBurstLimit"),
        caching_enabled=props.opt_flag("CachingEnabled"),
        cache_ttl_seconds=props.whole("CacheTtlInSeconds"),
        logging_level=props.text("LoggingLevel"),
        metrics_enabled=props.opt_flag("MetricsEnabled"),
        data_trace_enabled=props.opt_flag("DataTraceEnabled"),
    )
