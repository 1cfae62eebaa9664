"""Every real-world file of the shared corpus imports, or is refused with a clear error.

The corpus (``/work/shared/corpus`` next to the repository, or ``$TOLLWAY_CORPUS``) lists
each file in MANIFEST.tsv with its API kind and routes. A REST file must import and contain
each listed route; HTTP, WebSocket, Lambda test events, unrendered cookiecutter templates
and Terraform templatefiles may instead raise a DefinitionError that names the file.
Nothing may raise anything else.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pytest

from tollway.errors import DefinitionError
from tollway.formats.loader import import_file
from tollway.model.imported import ImportResult

REPO_ROOT = Path(__file__).resolve().parents[2]
CORPUS = Path(os.environ.get("TOLLWAY_CORPUS") or REPO_ROOT.parent / "shared" / "corpus")
MANIFEST = CORPUS / "MANIFEST.tsv"

# Files that are not (rendered) API definitions and may be refused.
REFUSABLE_FEATURES = {"event-sample", "cookiecutter", "terraform-template"}

# Parameter values a file needs for its listed routes to exist.
OVERRIDES = {
    # MockApi exists only when IsVolatile is "true" (its Condition); default is false.
    "serverless-test-samples/typescript-test-samples/apigw-lambda-external/template.yaml": {
        "IsVolatile": "true"
    },
}

# Listed routes AWS itself would not create; the MANIFEST reads them statically.
NOT_CREATED_BY_AWS = {
    # SAM: with an explicit DefinitionBody an Api event's path and method "must correspond
    # to an operation in the OpenAPI definition"; SAM does not add ANY / to it.
    "serverless-patterns/multi-account-private-apigw/accountB/template.yaml": {"ANY /"},
    # A SAM translator test: HttpApi events pointed at a REST API (skipped with a warning),
    # and a body whose "any" key is not an OpenAPI operation (REST import ignores it).
    "serverless-application-model/translator-input/api_with_any_method_in_swagger.yaml": {
        "ANY /",
        "GET /",
    },
}


def _rows() -> list[dict[str, str]]:
    if not MANIFEST.is_file():
        return []
    with MANIFEST.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


ROWS = _rows()


def test_corpus_is_present() -> None:
    if MANIFEST.is_file():
        return
    reason = f"real-world corpus not found at {CORPUS} (set TOLLWAY_CORPUS to its folder)"
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


def _normalise(path: str) -> str:
    # API Gateway ignores a trailing slash on a resource path (/plantest/ is /plantest).
    return path.rstrip("/") or "/"


def expected_routes(row: dict[str, str]) -> set[tuple[str, str]]:
    """The MANIFEST routes a REST import must contain, as (METHOD, path)."""
    if row["routes"] in ("-", "?"):
        return set()
    skip = NOT_CREATED_BY_AWS.get(row["path"], set())
    routes = set()
    for route in row["routes"].split(";"):
        method, _, path = route.strip().partition(" ")
        if route.strip() in skip or not path.startswith("/"):
            continue  # "$default" and WebSocket route keys are not REST resources
        routes.add((method.upper(), _normalise(path)))
    return routes


def imported_routes(result: ImportResult) -> set[tuple[str, str]]:
    return {
        (method, _normalise(resource.path))
        for api in result.apis
        for resource in api.api.resources
        for method in resource.methods
    }


def _must_import(row: dict[str, str]) -> bool:
    features = set(row["features"].split(","))
    return row["api_kind"] == "REST" and not features & REFUSABLE_FEATURES


@pytest.mark.parametrize("row", ROWS, ids=[row["path"] for row in ROWS])
def test_corpus_file(row: dict[str, str]) -> None:
    path = str(CORPUS / row["path"])
    overrides = OVERRIDES.get(row["path"])
    if _must_import(row):
        result = import_file(path, parameter_overrides=overrides)
        missing = expected_routes(row) - imported_routes(result)
        assert not missing, f"routes missing from the import: {sorted(missing)}"
        return
    try:
        import_file(path, parameter_overrides=overrides)
    except DefinitionError as exc:
        assert path in str(exc), f"the error does not name the file: {exc}"
