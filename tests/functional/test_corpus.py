"""Every real-world file of the shared corpus imports, or is refused with a clear error.

The corpus (found by ``corpus_support``: ``$TOLLWAY_CORPUS``, else ``shared/corpus`` beside
the repository's folder) lists each file in MANIFEST.tsv with its API kind and routes. A
REST file must import and contain each listed route, and every API it defines must compile
as ``tollway serve`` compiles it, with each listed route served (the route index finds its
resource). An HTTP API file imports as an HTTP API (its routes are checked by
tests/unit/formats/test_http_corpus.py). A WebSocket template imports its functions and
names its APIs in one warning ("served in a later release"), or, when it holds nothing else,
raises a DefinitionError that names the file, as Lambda test events, unrendered cookiecutter
templates and Terraform templatefiles may. Nothing may raise anything else.
"""

from __future__ import annotations

import dataclasses
import re

import pytest

from corpus_support import (
    CORPUS,
    REFUSED_ON_DEPLOY,
    expected_routes,
    import_row,
    manifest_rows,
    must_import,
    normalise,
    request_for,
    require_corpus,
)
from tollway.controlplane.importing import DEFAULT_STAGE
from tollway.dataplane.snapshot import ServedStage, compile_stage
from tollway.errors import DefinitionError
from tollway.model.api import Deployment, Stage, StageSpec
from tollway.model.ids import api_id
from tollway.model.imported import ImportResult

ROWS = manifest_rows()


def test_corpus_is_present() -> None:
    require_corpus()


def imported_routes(result: ImportResult) -> set[tuple[str, str]]:
    return {
        (method, normalise(resource.path))
        for api in result.apis
        for resource in api.api.resources
        for method in resource.methods
    }


def served_stages(result: ImportResult) -> list[ServedStage]:
    """Every stage of every API in ``result``, compiled as the server compiles it."""
    served = []
    for imported in result.apis:
        api = dataclasses.replace(imported.api, id=api_id(imported.key))
        deployment = Deployment(id="corpus", api_id=api.id, created_epoch=0.0, api=api)
        for spec in imported.stages or (StageSpec(DEFAULT_STAGE),):
            stage = Stage(
                api_id=api.id,
                name=spec.name,
                deployment_id=deployment.id,
                variables=dict(spec.variables),
                method_settings=dict(spec.method_settings),
            )
            served.append(compile_stage(stage, deployment))
    return served


def unserved_routes(routes: set[tuple[str, str]], served: list[ServedStage]) -> set[tuple[str, str]]:
    """The routes no served stage routes to their own resource."""
    missing = set()
    for method, path in routes:
        verb, request_path = request_for(method, path)
        matches = (stage.routes.match(verb, request_path) for stage in served)
        if not any(m is not None and normalise(m.resource_path) == path for m in matches):
            missing.add((method, path))
    return missing


@pytest.mark.parametrize("row", [pytest.param(row, id=row["path"]) for row in ROWS])
def test_corpus_file(row: dict[str, str]) -> None:
    path = str(CORPUS / row["path"])
    if must_import(row):
        result = import_row(row)
        missing = expected_routes(row) - imported_routes(result)
        assert not missing, f"routes missing from the import: {sorted(missing)}"
        refused = REFUSED_ON_DEPLOY.get(row["path"])
        if refused is not None:
            with pytest.raises(DefinitionError, match=re.escape(refused)):
                served_stages(result)
            return
        unserved = unserved_routes(expected_routes(row), served_stages(result))
        assert not unserved, f"routes imported but not served: {sorted(unserved)}"
        return
    try:
        result = import_row(row)
    except DefinitionError as exc:
        assert path in str(exc), f"the error does not name the file: {exc}"
        return
    if row["api_kind"] == "HTTP":
        # Served now: imported as an HTTP API (test_http_corpus checks its routes).
        assert any(api.http_api is not None for api in result.apis), result.warnings
        return
    if row["api_kind"] == "WEBSOCKET":
        # Imported for its functions (invoke, build); its API named in exactly one warning.
        assert result.functions, result.warnings
        later = [w for w in result.warnings if "served in a later release" in w]
        assert len(later) == 1 and later[0].startswith(f"{path}: "), result.warnings
