"""Every HTTP API file of the shared corpus imports as an HTTP API with the MANIFEST's routes.

The corpus is found as ``corpus_support`` finds it (skipped outside CI when absent). A row
whose ``api_kind`` is HTTP must import, unless it is no API definition at all (a Lambda
test event, ``REFUSABLE_FEATURES``): then it is refused with a DefinitionError naming the
file. The MANIFEST writes the default route as ``ANY $default`` (the OpenAPI operation SAM
writes for it); its route key is ``$default``.
"""

from __future__ import annotations

import pytest

from corpus_support import CORPUS, REFUSABLE_FEATURES, import_row, manifest_rows, require_corpus
from tollway.errors import DefinitionError
from tollway.model.imported import ImportResult

HTTP_ROWS = [row for row in manifest_rows() if row["api_kind"] == "HTTP"]


def route_key(listed: str) -> str:
    """A MANIFEST route as an HTTP API route key."""
    key = listed.strip()
    return "$default" if key in ("ANY $default", "$default") else key


def expected_keys(row: dict[str, str]) -> set[str]:
    if row["routes"] in ("-", "?"):
        return set()
    return {route_key(route) for route in row["routes"].split(";") if route.strip()}


def imported_keys(result: ImportResult) -> set[str]:
    return {route.route_key for api in result.apis if api.http_api for route in api.http_api.routes}


def test_corpus_has_http_files() -> None:
    require_corpus()
    assert HTTP_ROWS, "the MANIFEST lists no HTTP API file"


@pytest.mark.parametrize("row", [pytest.param(row, id=row["path"]) for row in HTTP_ROWS])
def test_http_corpus_file(row: dict[str, str]) -> None:
    require_corpus()
    path = str(CORPUS / row["path"])
    if set(row["features"].split(",")) & REFUSABLE_FEATURES:
        with pytest.raises(DefinitionError) as caught:
            import_row(row)
        assert path in str(caught.value)
        return
    result = import_row(row)
    http_apis = [api for api in result.apis if api.http_api is not None]
    assert http_apis, result.warnings
    missing = expected_keys(row) - imported_keys(result)
    assert not missing, f"routes missing from the import: {sorted(missing)}"
    for api in http_apis:
        assert api.http_api is not None
        known = {integration.id for integration in api.http_api.integrations}
        for route in api.http_api.routes:
            assert route.integration_id is None or route.integration_id in known, route
        assert all(stage.name for stage in api.stages)
        assert api.api.name == api.http_api.name and api.api.resources == ()


def test_http_corpus_sam_events_reach_their_functions() -> None:
    """SAM's generated integrations keep the Lambda invocation URI of the event's function."""
    require_corpus()
    (row,) = [r for r in HTTP_ROWS if r["path"].endswith("http_api_lambda_auth_full.yaml")]
    (api,) = import_row(row).apis
    assert api.http_api is not None
    uris = {integration.uri for integration in api.http_api.integrations}
    assert uris == {
        "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
        "arn:aws:lambda:us-east-1:123456789012:function:HttpApiFunction/invocations"
    }
    (authorizer,) = api.http_api.authorizers
    assert (authorizer.name, authorizer.type, authorizer.enable_simple_responses) == (
        "LambdaAuth",
        "REQUEST",
        True,
    )
    assert authorizer.identity_source == (
        "$request.header.Authorization",
        "$request.querystring.petId",
        "$stageVariables.stageVar",
        "$context.contextVar",
    )
    assert authorizer.result_ttl_seconds == 60
    assert {r.route_key: r.authorization_type for r in api.http_api.routes} == {
        "POST /basic": "CUSTOM",
        "GET /basic": "CUSTOM",
        "$default": "CUSTOM",
    }
