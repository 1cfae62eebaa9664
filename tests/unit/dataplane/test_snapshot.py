"""Stages compiled together share what is the same in them: a mapping template by its text,
gateway responses by the API's customisations. What fails is never kept: the next stage with
it fails again, naming itself."""

from __future__ import annotations

import pytest

from tollway.dataplane.mapping.vtl import CompiledTemplate
from tollway.dataplane.snapshot import CompileCache, ServedStage, compile_stage
from tollway.errors import DefinitionError
from tollway.model.api import (
    Deployment,
    GatewayResponse,
    Integration,
    IntegrationResponse,
    Method,
    Resource,
    RestApi,
    Stage,
)

PATHS = ("/a", "/b")
ANSWER = '{"id": "$context.requestId"}'


def rest_api(
    api_id: str,
    request_template: str = '{"statusCode": 200}',
    gateway_responses: tuple[GatewayResponse, ...] = (),
    authorizer_id: str | None = None,
) -> RestApi:
    integration = Integration(
        type="MOCK",
        request_templates={"application/json": request_template},
        responses=(IntegrationResponse("200", response_templates={"application/json": ANSWER}),),
    )
    method = Method(
        "GET",
        "CUSTOM" if authorizer_id else "NONE",
        authorizer_id,
        integration=integration,
    )
    resources = tuple(Resource(path, {"GET": method}) for path in PATHS)
    return RestApi(api_id, api_id, resources=resources, gateway_responses=gateway_responses)


def compiled(api: RestApi, cache: CompileCache | None = None) -> ServedStage:
    return compile_stage(Stage(api.id, "prod", "dep1"), Deployment("dep1", api.id, 0.0, api), cache)


def answers(served: ServedStage) -> list[CompiledTemplate]:
    found = []
    for path in PATHS:
        match = served.routes.match("GET", path)
        assert match is not None and match.target.default_response is not None
        found.append(match.target.default_response.templates["application/json"])
    return found


def test_stages_compiled_together_share_templates_and_gateway_responses() -> None:
    cache = CompileCache()
    one, two = compiled(rest_api("apione"), cache), compiled(rest_api("apitwo"), cache)
    alone = compiled(rest_api("apione"))

    shared = answers(one) + answers(two)
    assert all(template is shared[0] for template in shared)
    assert one.gateway_responses is two.gateway_responses
    assert answers(alone)[0] is not shared[0]
    assert alone.gateway_responses is not one.gateway_responses


def test_an_api_with_its_own_gateway_responses_gets_its_own() -> None:
    cache = CompileCache()
    plain = compiled(rest_api("apione"), cache)
    teapot = compiled(rest_api("apitwo", gateway_responses=(GatewayResponse("DEFAULT_4XX", "418"),)), cache)

    assert teapot.gateway_responses is not plain.gateway_responses


def test_a_bad_template_fails_every_stage_that_has_it_naming_that_stage() -> None:
    cache = CompileCache()
    for api_id in ("apione", "apitwo"):
        with pytest.raises(DefinitionError) as caught:
            compiled(rest_api(api_id, "#if($a)x"), cache)
        assert f"({api_id})" in str(caught.value)
        assert "invalid mapping template" in str(caught.value)


def test_a_method_with_a_bad_template_and_an_unknown_authorizer_is_refused_for_its_template() -> None:
    with pytest.raises(DefinitionError) as caught:
        compiled(rest_api("apione", "#if($a)x", authorizer_id="nosuch"))

    assert "invalid mapping template" in str(caught.value)
