"""OpenAPI 3.0 and Swagger 2.0 import and export for REST APIs (``x-amazon-apigateway-*``),
and OpenAPI 3.0 import and export for HTTP APIs (``http_import``, ``http_export``)."""

from tollway.formats.openapi.exporter import export_openapi, export_text
from tollway.formats.openapi.files import http_api_marker, import_openapi_file
from tollway.formats.openapi.http_export import export_http_api
from tollway.formats.openapi.http_import import http_api_from_openapi
from tollway.formats.openapi.importer import rest_api_from_openapi
from tollway.formats.openapi.schemas import bundled_schema

__all__ = [
    "bundled_schema",
    "export_http_api",
    "export_openapi",
    "export_text",
    "http_api_from_openapi",
    "http_api_marker",
    "import_openapi_file",
    "rest_api_from_openapi",
]
