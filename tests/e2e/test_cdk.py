"""End to end: a CDK app is served unchanged after `cdk synth` (issue 11, item 1).

tests/fixtures/cdk/cdk.out is what `cdk synth` writes for a stack with a ``LambdaRestApi``
(ANY / and ANY /{proxy+} to one Python function) and a ``RestApi`` (GET /items and GET
/items/{id} to another): ``AWS::Lambda::Function`` code in the CDK bootstrap bucket
(``Code: {S3Bucket: {Fn::Sub: cdk-hnb659fds-assets-${AWS::AccountId}-${AWS::Region}},
S3Key: <hash>.zip}``) with the ``aws:asset:path`` / ``aws:asset:property: Code`` metadata
naming the local ``asset.<hash>`` folder, the RestApi / Resource / Method / Deployment /
Stage / Account resources, ``AWS::Lambda::Permission``s, the ``BootstrapVersion``
parameter, the ``CheckBootstrapVersion`` rule and the ``CDKMetadata`` resource and its
condition. tollway runs each function from its asset folder.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from support import REPO, Running, run_cli, start_server

ASSEMBLY = REPO / "tests" / "fixtures" / "cdk" / "cdk.out"
STACK = "HelloStack.template.json"
HELLO = "HelloHandler2E4FBA4D"  # CDK's logical id: the function's name when FunctionName is unset


@pytest.fixture(scope="module")
def assembly(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of cdk.out (functions write __pycache__ into their code folders)."""
    target = tmp_path_factory.mktemp("app") / "cdk.out"
    shutil.copytree(ASSEMBLY, target)
    return target


@pytest.fixture(scope="module")
def server(assembly: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    running = start_server(assembly / STACK, tmp_path_factory.mktemp("store"))
    yield running
    running.stop()


def _api_ids(running: Running) -> dict[str, str]:
    listed = run_cli("--store", running.store, "apis", "list")
    assert listed.returncode == 0, listed.stderr
    return {fields[1]: fields[0] for fields in (line.split("\t") for line in listed.stdout.splitlines())}


def _get(running: Running, api: str, path: str, method: str = "GET") -> httpx.Response:
    """A request to stage prod of ``api`` (both APIs have a stage prod: addressed by host)."""
    api_id = _api_ids(running)[api]
    host = f"{api_id}.execute-api.localhost:{running.port}"
    return httpx.request(method, f"{running.url}/prod{path}", headers={"Host": host}, timeout=30)


@pytest.mark.parametrize(
    ("path", "resource"), [("/", "/"), ("/deep/er/path", "/{proxy+}")], ids=["root", "greedy"]
)
def test_lambda_rest_api_runs_the_function_from_its_asset_folder(
    server: Running, path: str, resource: str
) -> None:
    response = _get(server, "HelloApi", path)

    assert response.status_code == 200, response.text
    assert response.json() == {
        "message": "hello from cdk",  # the function's Environment, from the template
        "resource": resource,
        "path": path,
        "function": HELLO,
    }


def test_rest_api_methods_reach_their_function(server: Running) -> None:
    assert _get(server, "ItemsApi", "/items").json() == ["1", "2"]
    assert _get(server, "ItemsApi", "/items/2").json() == {"id": "2", "name": "second"}
    missing = _get(server, "ItemsApi", "/items/9")
    assert (missing.status_code, missing.json()) == (404, {"message": "no item 9"})


def test_a_method_the_stack_does_not_declare_is_missing_authentication_token(server: Running) -> None:
    response = _get(server, "ItemsApi", "/items", method="POST")
    assert (response.status_code, response.json()) == (403, {"message": "Missing Authentication Token"})


def test_import_reads_the_assets_locally_without_warnings_about_s3(assembly: Path, tmp_path: Path) -> None:
    done = run_cli("--store", f"sqlite:///{tmp_path}/s.db", "import", str(assembly / STACK))

    assert done.returncode == 0, done.stderr
    assert "S3" not in done.stderr and "does not exist" not in done.stderr, done.stderr
    assert sorted(line for line in done.stdout.splitlines() if line.startswith("function\t")) == [
        f"function\t{HELLO}",
        "function\tItemsHandler8F2C1E77",
    ]


def test_invoke_runs_a_cdk_function(assembly: Path, tmp_path: Path) -> None:
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"resource": "/x", "path": "/x"}), encoding="utf-8")
    done = run_cli(
        "--store", f"sqlite:///{tmp_path}/s.db", "invoke", HELLO,
        "--template", str(assembly / STACK), "--event", str(event),
    )  # fmt: skip

    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert json.loads(result["body"])["message"] == "hello from cdk"
