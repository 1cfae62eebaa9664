"""A resource policy and request validation through the real `tollway serve`: the policy's
IP conditions decide before anything else, and validators answer AWS's 400s with
$context.error.validationErrorString for gateway response templates."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest

from support import REPO, Running, start_server

API = REPO / "tests" / "fixtures" / "guarded" / "api.yaml"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    running = start_server(API, tmp_path_factory.mktemp("guarded"))
    yield running
    running.stop()


def test_an_ip_deny_in_the_resource_policy_answers_403_with_aws_message(server: Running) -> None:
    answer = httpx.get(f"{server.url}/prod/loopback-blocked")
    assert answer.status_code == 403
    message = answer.json()["Message"]
    assert message.startswith(
        "User: anonymous is not authorized to perform: execute-api:Invoke on resource: "
    )
    assert message.endswith("/prod/GET/loopback-blocked with an explicit deny")
    assert "arn:aws:execute-api:us-east-1:********9012:" in message
    assert httpx.get(f"{server.url}/prod/office-only").status_code == 403  # NotIpAddress 10.20/16
    assert httpx.get(f"{server.url}/prod/search?q=x").status_code == 200  # allowed for everyone


def post_pet(server: Running, body: object, query: str = "?store=main", **headers: str) -> httpx.Response:
    headers = {"X-Tenant": "t1", "Content-Type": "application/json", **headers}
    return httpx.post(f"{server.url}/prod/pets{query}", content=json.dumps(body), headers=headers)


def test_a_valid_request_passes_validation(server: Running) -> None:
    assert post_pet(server, {"name": "rex", "price": 3, "tags": [{"label": "dog"}]}).status_code == 200


def test_missing_required_parameters_are_listed(server: Running) -> None:
    answer = httpx.post(
        f"{server.url}/prod/pets", content=b"{}", headers={"Content-Type": "application/json"}
    )
    assert answer.status_code == 400
    assert answer.json() == {"message": "Missing required request parameters: [X-Tenant, store]"}
    assert answer.headers["x-amzn-ErrorType"] == "BadRequestException"
    search = httpx.get(f"{server.url}/prod/search")
    assert search.json() == {"message": "Missing required request parameters: [q]"}


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        ({"name": "rex"}, '[object has missing required properties (["price"])]'),
        (
            {"name": "rex", "price": "3"},
            "[instance type (string) does not match any allowed primitive type"
            ' (allowed: ["integer","number"])]',
        ),
        ({"name": "rex", "price": 1, "tags": [{}]}, '[object has missing required properties (["label"])]'),
    ],
)
def test_an_invalid_body_is_400_with_the_validation_error_string(
    server: Running, body: object, detail: str
) -> None:
    answer = post_pet(server, body)
    assert answer.status_code == 400
    # the API's BAD_REQUEST_BODY template puts the string between quotes as it is (as AWS
    # renders it: the result is JSON only when the string holds no quote)
    assert answer.text == '{"message": "Invalid request body", "detail": "' + detail + '"}'
