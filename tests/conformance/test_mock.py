"""Conformance: MOCK integrations, their templates and ``$context`` overrides, as AWS answers.

One `tollway serve` of fixtures/mapping/mock.yaml (stage ``dev``); each case cites the
recording or guide page its method reproduces.
"""

from __future__ import annotations

import base64
import json

import httpx
import pytest

from mapping_support import GUIDE, JSON_HEADERS, gateway_fixture

LS = "localstack:tests/aws/services/apigateway/"
INTEGRATIONS = LS + "test_apigateway_integrations.snapshot.json::tests/aws/services/apigateway/"
INTEGRATIONS += "test_apigateway_integrations.py::"
BASIC = LS + "test_apigateway_basic.snapshot.json::tests/aws/services/apigateway/test_apigateway_basic.py::"
MOCK_GUIDE = GUIDE + "how-to-mock-integration.html"
OVERRIDES_GUIDE = GUIDE + "apigateway-override-request-response-parameters.html"

gateway = gateway_fixture("mock.yaml", "dev", backend=False)


def _b64(document: dict[str, str]) -> str:
    return base64.b64encode(json.dumps(document).encode()).decode()


@pytest.mark.aws(INTEGRATIONS + "test_integration_mock_with_request_overrides_in_response_template")
@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("path1", "path was path one"),
        ("path2", "path was path two"),
        ("whatever", "this is the else clause"),
    ],
)
def test_request_override_set_by_request_template_is_read_by_response_template(
    gateway: httpx.Client, message: str, expected: str
) -> None:
    response = gateway.get(f"/overrides/{_b64({'message': message})}")
    assert response.status_code == 200
    assert response.json() == {"response": expected}


@pytest.mark.aws(INTEGRATIONS + "test_integration_mock_with_response_override_in_request_template[True]")
def test_response_override_set_in_request_template_sets_status_header_and_is_readable(
    gateway: httpx.Client,
) -> None:
    response = gateway.get("/response-override")
    assert response.status_code == 444
    assert response.headers["foo"] == "bar"
    assert response.json() == {
        "custom": "is also passed around",
        "fooHeader": "bar",
        "statusOverride": "444",
    }


@pytest.mark.aws(INTEGRATIONS + "test_integration_mock_with_response_override_in_request_template[False]")
def test_response_override_applies_without_a_response_template(gateway: httpx.Client) -> None:
    response = gateway.get("/response-override-no-template")
    assert response.status_code == 444
    assert response.headers["foo"] == "bar"
    assert response.content == b""


@pytest.mark.aws(INTEGRATIONS + "test_integration_mock_with_vtl_map_assignation")
def test_every_map_assignment_form_reaches_the_response_template(gateway: httpx.Client) -> None:
    response = gateway.get("/map-assignation")
    assert response.status_code == 200
    assert response.json() == {"value": "bar", "value2": "putBar", "value3": "nestedFoo"}


@pytest.mark.aws(INTEGRATIONS + "test_integration_mock_with_path_param")
def test_cdk_style_status_code_object_is_read_and_empty_templates_answer_empty(
    gateway: httpx.Client,
) -> None:
    response = gateway.get("/path-param/test-path")
    assert response.status_code == 200
    assert response.content == b""


PASSTHROUGH_CASES = [
    pytest.param(
        resource,
        verb,
        marks=pytest.mark.aws(
            f"{BASIC}TestIntegrations::test_mock_integration_response[{behavior}-UrlType.PATH_BASED-{verb}]"
        ),
        id=f"{behavior}-{verb}",
    )
    for resource, behavior in [
        ("when-no-match", "WHEN_NO_MATCH"),
        ("never", "NEVER"),
        ("when-no-templates", "WHEN_NO_TEMPLATES"),
    ]
    for verb in ("GET", "POST")
]


@pytest.mark.parametrize(("resource", "verb"), PASSTHROUGH_CASES)
def test_mock_response_template_reads_path_parameter_for_every_passthrough_behavior(
    gateway: httpx.Client, resource: str, verb: str
) -> None:
    response = gateway.request(verb, f"/{resource}/42", headers=JSON_HEADERS)
    assert response.status_code == 200
    assert response.json() == {"id": 42, "statusCode": 200}


@pytest.mark.aws(BASIC + "TestAPIGateway::test_api_gateway_mock_integration")
def test_mock_any_method_echoes_a_path_parameter(gateway: httpx.Client) -> None:
    response = gateway.get("/echo/foobar")
    assert response.status_code == 200
    assert response.json() == {"echo": "foobar", "response": "mocked"}


@pytest.mark.aws(MOCK_GUIDE)
@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("200", "Go ahead without me."),
        ("500", "The invoked method is not supported on the API resource."),
    ],
)
def test_request_template_status_code_selects_the_integration_response(
    gateway: httpx.Client, code: str, message: str
) -> None:
    response = gateway.get(f"/mock-status/{code}")
    assert response.status_code == int(code)
    assert response.json() == {"statusCode": int(code), "message": message}


@pytest.mark.aws(MOCK_GUIDE)
@pytest.mark.parametrize(("scope", "status", "allowed"), [("internal", 200, True), ("public", 500, False)])
def test_request_template_logic_decides_the_mock_response(
    gateway: httpx.Client, scope: str, status: int, allowed: bool
) -> None:
    response = gateway.get("/scoped", params={"scope": scope})
    assert response.status_code == status
    assert response.json() == {"allowed": allowed}


@pytest.mark.aws(OVERRIDES_GUIDE)
def test_overriding_the_same_parameter_twice_is_a_5xx(gateway: httpx.Client) -> None:
    response = gateway.get("/override-twice")
    assert response.status_code == 500
    assert response.json() == {"message": "Internal server error"}


@pytest.mark.aws(OVERRIDES_GUIDE)
@pytest.mark.parametrize(("fail", "status"), [("no", 200), ("yes", 409)])
def test_override_applied_once_from_a_variable_at_the_end(
    gateway: httpx.Client, fail: str, status: int
) -> None:
    response = gateway.get("/override-once-through-a-variable", params={"fail": fail})
    assert response.status_code == status
    assert response.json() == {"status": status}


@pytest.mark.aws(OVERRIDES_GUIDE)
def test_response_header_override_replaces_the_mapped_header_and_adds_new_ones(
    gateway: httpx.Client,
) -> None:
    response = gateway.get("/response-header-override")
    assert response.status_code == 200
    assert response.headers["X-Mapped"] == "from-override"
    assert response.headers["X-Added"] == "added"
    assert response.headers["X-Kept"] == "kept"
    assert response.json() == {"done": True}


@pytest.mark.aws(OVERRIDES_GUIDE)
def test_status_override_changes_the_status_not_the_selected_response(gateway: httpx.Client) -> None:
    response = gateway.get("/status-override-keeps-the-selected-template")
    assert response.status_code == 418
    assert response.json() == {"template": "the 200 response's"}
