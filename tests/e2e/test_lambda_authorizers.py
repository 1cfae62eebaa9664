"""Lambda authorizers (TOKEN and REQUEST) through the real `tollway serve`, with real
authorizer functions (tests/fixtures/authorizers): identity sources, validation expression,
the function's verdicts, its context in the integration's event, result caching and the
cached-policy trap, and usageIdentifierKey with API key source AUTHORIZER."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from support import REPO, Running, run_cli, start_server

FIXTURES = REPO / "tests" / "fixtures" / "authorizers"
EXPLICIT_DENY = {"Message": "User is not authorized to access this resource with an explicit deny"}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    running = start_server(FIXTURES / "template.yaml", tmp_path_factory.mktemp("authz"))
    yield running
    running.stop()


def get(server: Running, path: str, token: str | None = None, **headers: str) -> httpx.Response:
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return httpx.get(f"{server.url}/prod{path}", headers=headers, timeout=30)


def test_an_allowed_token_reaches_the_function_with_the_authorizer_context(server: Running) -> None:
    answer = get(server, "/pets", "allow")
    assert answer.status_code == 200
    authorizer = answer.json()["authorizer"]
    assert authorizer["principalId"] == "user-7"
    # numbers and booleans arrive as strings, as API Gateway passes them on
    assert (authorizer["tier"], authorizer["admin"], authorizer["ratio"]) == ("gold", "false", "1.5")


def test_a_missing_or_malformed_token_is_401_without_invoking(server: Running) -> None:
    for answer in (get(server, "/pets"), get(server, "/pets", **{"Authorization": "Basic abc"})):
        assert answer.status_code == 401
        assert answer.json() == {"message": "Unauthorized"}
        assert answer.headers["x-amzn-ErrorType"] == "UnauthorizedException"


def test_the_functions_verdicts_answer_as_aws_does(server: Running) -> None:
    denied = get(server, "/pets", "deny")
    assert (denied.status_code, denied.json()) == (403, EXPLICIT_DENY)
    assert denied.headers["x-amzn-ErrorType"] == "AccessDeniedException"
    unauthorized = get(server, "/pets", "stranger")  # the function raises "Unauthorized"
    assert (unauthorized.status_code, unauthorized.json()) == (401, {"message": "Unauthorized"})
    for token in ("broken", "object-context"):  # no policy / a non-scalar context value
        failed = get(server, "/pets", token)
        assert (failed.status_code, failed.json()) == (500, {"message": None})
        assert failed.headers["x-amzn-ErrorType"] == "AuthorizerConfigurationException"


def test_a_cached_result_is_reused_for_its_ttl(server: Running) -> None:
    first = get(server, "/pets", "allow").json()["authorizer"]["calls"]
    again = get(server, "/pets", "allow").json()["authorizer"]["calls"]
    assert again == first  # the authorizer did not run again (ReauthorizeEvery 300)
    # its policy allowed GET /pets only (the function answered with the event's methodArn)
    assert get(server, "/admin", "allow").status_code == 403


def test_a_cached_policy_for_one_method_denies_the_others_the_aws_trap(server: Running) -> None:
    assert get(server, "/pets", "only-pets").status_code == 200
    other = get(server, "/admin", "only-pets")  # served from the cache, evaluated on /admin
    assert (other.status_code, other.json()) == (
        403,
        {"Message": "User is not authorized to access this resource"},
    )
    post = httpx.post(f"{server.url}/prod/pets", headers={"Authorization": "Bearer only-pets"}, timeout=30)
    assert post.status_code == 403


def test_a_request_authorizer_reads_headers_and_query_strings_and_gets_the_request_event(
    server: Running,
) -> None:
    answer = get(server, "/tenant/9?tenant=acme", **{"X-User": "ann"})
    assert answer.status_code == 200
    echo = answer.json()["authorizer"]
    assert (echo["path"], echo["resource"], echo["stage"], echo["hasBody"]) == (
        "/tenant/9",
        "/tenant/{id}",
        "prod",
        "false",
    )
    again = get(server, "/tenant/9?tenant=acme", **{"X-User": "ann"}).json()["authorizer"]
    assert int(again["calls"]) > int(echo["calls"])  # ReauthorizeEvery 0: no caching
    assert get(server, "/tenant/9", **{"X-User": "ann"}).status_code == 401  # a source missing
    assert get(server, "/tenant/9?tenant=acme", **{"X-User": "bob"}).status_code == 401


def test_a_method_without_authorizer_is_open(server: Running) -> None:
    assert get(server, "/open").status_code == 200


def test_usage_identifier_key_is_the_api_key_with_key_source_authorizer(tmp_path: Path) -> None:
    running = start_server(FIXTURES / "template.yaml", tmp_path, FIXTURES.joinpath("keyed.yaml").as_posix())
    try:

        def cli(*args: str) -> str:
            done = run_cli("--store", running.store, *args)
            assert done.returncode == 0, done.stderr
            return done.stdout

        api_id = next(line.split()[0] for line in cli("apis", "list").splitlines() if "keyed" in line)
        url = f"{running.url}/restapis/{api_id}/prod/_user_request_/metered"
        assert httpx.get(url, headers={"Authorization": "Bearer allow"}).status_code == 403  # no key
        key_id = cli("keys", "create", "issued", "--value", "authorizer-issued-key-0123456789").split()[0]
        plan_id = cli("plans", "create", "metered", "--stage", f"{api_id}:prod").split()[0]
        cli("plans", "add-key", plan_id, key_id)
        for _ in range(60):  # the server reloads the store once a second
            answer = httpx.get(url, headers={"Authorization": "Bearer keyed"})
            if answer.status_code == 200:
                break
        assert answer.json() == {"keyId": key_id, "principal": "user-7"}
        # the x-api-key header does not count with key source AUTHORIZER
        plain = {"Authorization": "Bearer allow", "x-api-key": "authorizer-issued-key-0123456789"}
        assert httpx.get(url, headers=plain).status_code == 403
    finally:
        running.stop()


SPELLINGS = ["//admin", "/public/../admin", "/%61dmin", "/x/%2e%2e/admin", "/./admin"]


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_no_spelling_of_a_protected_path_skips_its_authorizer(server: Running, spelling: str) -> None:
    answer = httpx.get(f"{server.url}/prod{spelling}", timeout=30)
    assert (answer.status_code, answer.json()) == (401, {"message": "Unauthorized"})
    token = {"Authorization": "Bearer allow-all"}
    allowed = httpx.get(f"{server.url}/prod{spelling}", headers=token, timeout=30)
    assert allowed.status_code == 200 and allowed.json()["authorizer"] is not None
    # /admin's method ran; its proxy event reports the path as the client spelled it (AWS)
    assert allowed.json()["path"] in ("/admin", spelling)


def test_paths_are_case_sensitive_so_a_case_variant_is_another_path(server: Running) -> None:
    answer = httpx.get(f"{server.url}/prod/ADMIN", timeout=30)
    assert (answer.status_code, answer.json()) == (403, {"message": "Missing Authentication Token"})


def test_sam_auth_extras_and_a_cloudformation_authorizer(tmp_path: Path) -> None:
    """SAM: AddDefaultAuthorizerToCorsPreflight false leaves OPTIONS open, ResourcePolicy
    CustomStatements deny a path; CloudFormation: AWS::ApiGateway::Authorizer on a Method."""
    running = start_server(FIXTURES / "extras.yaml", tmp_path)
    try:
        listed = run_cli("--store", running.store, "apis", "list").stdout.splitlines()
        plain = next(line.split()[0] for line in listed if "\tplain" in line)
        sam = next(line.split()[0] for line in listed if "\tplain" not in line)

        def url(api: str, path: str) -> str:
            return f"{running.url}/restapis/{api}/prod/_user_request_{path}"

        token = {"Authorization": "Bearer allow-all"}
        assert httpx.options(url(sam, "/items")).status_code == 200  # the preflight needs no token
        assert httpx.get(url(sam, "/items")).status_code == 401
        assert httpx.get(url(sam, "/items"), headers=token).status_code == 200
        retired = httpx.get(url(sam, "/retired"), headers=token)
        assert retired.status_code == 403 and retired.json()["Message"].endswith("with an explicit deny")
        assert httpx.get(url(plain, "/guarded")).status_code == 401
        assert httpx.get(url(plain, "/guarded"), headers=token).json() == {"principal": "user-7"}
    finally:
        running.stop()
