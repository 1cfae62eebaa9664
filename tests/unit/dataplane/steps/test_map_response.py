"""map_response: integration responses by selection pattern, header mappings, templates; proxy answers."""

from __future__ import annotations

import pytest

from step_support import answered, http, one_method
from tollway.dataplane.messages import IntegrationResult
from tollway.dataplane.snapshot import ServedStage
from tollway.errors import (
    ApiConfigurationError,
)
from tollway.model import (
    Integration,
    IntegrationResponse,
)


def responding(*responses: IntegrationResponse) -> ServedStage:
    return one_method("/r", "GET", http(http_method="GET", responses=responses))


SELECTING = responding(
    IntegrationResponse("200"),
    IntegrationResponse("400", selection_pattern=r"4\d\d"),
    IntegrationResponse("418", selection_pattern="40"),
)


@pytest.mark.parametrize(("backend", "status"), [(404, 400), (500, 200), (201, 200), (40, 418)])
async def test_selection_pattern_must_match_the_whole_backend_status(backend: int, status: int) -> None:
    """AWS matches like Java String.matches: "40" does not select a 404; no match takes the default."""
    response = await answered(SELECTING, IntegrationResult(backend, [], b"{}"))
    assert response.status == status


async def test_no_matching_response_and_no_default_is_an_api_configuration_error() -> None:
    served = responding(IntegrationResponse("400", selection_pattern="4.."))
    with pytest.raises(ApiConfigurationError):
        await answered(served, IntegrationResult(200, [], b""))


async def test_response_parameters_map_backend_header_body_and_static_values() -> None:
    parameters = {
        "method.response.header.X-Up": "integration.response.header.x-upstream",
        "method.response.header.X-Static": "'fixed'",
        "method.response.header.X-Name": "integration.response.body.name",
        "method.response.header.X-Absent": "integration.response.header.nope",
    }
    served = responding(IntegrationResponse("200", response_parameters=parameters))
    result = IntegrationResult(200, [("X-Upstream", "u1"), ("Content-Type", "text/plain")], b'{"name":"rex"}')
    response = await answered(served, result)
    assert response.headers == [
        ("X-Up", "u1"),
        ("X-Static", "fixed"),
        ("X-Name", "rex"),
        ("Content-Type", "application/json"),
    ]
    assert response.body == b'{"name":"rex"}'


RESPONSE_TEMPLATES = {
    "text/plain": "name=$input.path('$.name')",
    "application/json": '{"n":"$input.path(\'$.name\')"}',
}


@pytest.mark.parametrize(
    ("accept", "body", "content_type"),
    [
        ("text/plain, application/json", b"name=rex", "text/plain"),
        ("application/json, text/plain", b'{"n":"rex"}', "application/json"),
        ("text/html", b'{"n":"rex"}', "application/json"),
        (None, b'{"n":"rex"}', "application/json"),
    ],
)
async def test_response_template_by_first_accept_type_else_application_json(
    accept: str | None, body: bytes, content_type: str
) -> None:
    served = responding(IntegrationResponse("200", response_templates=RESPONSE_TEMPLATES))
    headers = [("Accept", accept)] if accept else []
    response = await answered(served, IntegrationResult(200, [], b'{"name":"rex"}'), headers)
    assert (response.body, response.headers) == (body, [("Content-Type", content_type)])


async def test_http_proxy_response_remaps_server_date_and_content_length() -> None:
    served = one_method("/r", "GET", Integration(type="HTTP_PROXY", http_method="GET", uri="http://b/"))
    remapped = [("Server", "up"), ("Date", "Mon, 01 Jan 2024 00:00:00 GMT"), ("Content-Length", "5")]
    kept = [("X-Other", "o"), ("Content-Type", "text/plain")]
    backend = [*remapped, ("Transfer-Encoding", "chunked"), *kept]
    response = await answered(served, IntegrationResult(201, backend, b"hello"))
    assert (response.status, response.body) == (201, b"hello")
    assert response.headers == [(f"x-amzn-Remapped-{k}", v) for k, v in remapped] + kept
