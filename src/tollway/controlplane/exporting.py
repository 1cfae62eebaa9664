"""Export goes through the OpenAPI writer of ``tollway.formats.openapi``."""

from __future__ import annotations

from typing import Literal

from tollway.model.api import RestApi, Stage


def render_export(
    api: RestApi, stage: Stage, flavor: Literal["oas30", "swagger"], fmt: Literal["json", "yaml"]
) -> str:
    """The deployed ``api`` of ``stage`` as OpenAPI text."""
    from tollway.formats.openapi import export_openapi, export_text  # late: heavy, optional

    document = export_openapi(api, flavor=flavor, stage=stage)
    return export_text(document, fmt)
