"""Export goes through the OpenAPI writer of ``tollway.formats.openapi``."""

from __future__ import annotations

from typing import Literal

from tollway.controlplane.errors import BadRequest
from tollway.model.api import Deployment, Stage


def render_export(
    deployment: Deployment, stage: Stage, flavor: Literal["oas30", "swagger"], fmt: Literal["json", "yaml"]
) -> str:
    """The deployed API of ``stage`` as OpenAPI text (an HTTP API: OpenAPI 3.0 only, as AWS
    exports HTTP APIs)."""
    from tollway.formats.openapi import export_http_api, export_openapi, export_text  # late: heavy

    if deployment.http_api is not None:
        if flavor != "oas30":
            raise BadRequest("an HTTP API exports as OpenAPI 3.0 only (oas30)")
        return export_text(export_http_api(deployment.http_api, stage=stage.name), fmt)
    return export_text(export_openapi(deployment.api, flavor=flavor, stage=stage), fmt)
