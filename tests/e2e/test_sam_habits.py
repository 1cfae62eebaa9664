"""The habits a user brings from SAM CLI, tried with the real CLI in a project folder:
template.yaml found by itself, global options anywhere, ``--env-vars``, ``samconfig``
parameter overrides, ``--event -`` and ``generate-event``."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import httpx
import pytest

from support import EXAMPLES, free_port, run_cli, start_server, tollway_cmd, write
from tollway.cli.sample_events import SAMPLES

TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Parameters:
  Greeting: {Type: String, Default: hello}
Resources:
  HelloFunction:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: greeter-fn
      CodeUri: hello_world/
      Handler: app.lambda_handler
      Runtime: python3.11
      Environment:
        Variables:
          GREETING: !Ref Greeting
      Events:
        HelloName:
          Type: Api
          Properties: {Path: "/hello/{name}", Method: get}
"""

EVENT = {"pathParameters": {"name": "ann"}, "path": "/hello/ann"}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A SAM project folder: template.yaml, the function's code, an event file."""
    folder = tmp_path / "project"
    shutil.copytree(EXAMPLES / "functions" / "hello_world", folder / "hello_world")
    write(folder / "template.yaml", TEMPLATE)
    write(folder / "event.json", json.dumps(EVENT))
    return folder


def invoke(project: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        tollway_cmd("invoke", "HelloFunction", *args),
        input=stdin,
        capture_output=True,
        text=True,
        cwd=project,
        timeout=60,
    )


def message(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    return str(json.loads(answer["body"])["message"])


def test_invoke_by_logical_id_reads_template_yaml_of_the_current_folder(project: Path) -> None:
    """`sam local invoke HelloFunction -e event.json`, with FunctionName set to something else."""
    result = invoke(project, "--event", "event.json")
    assert message(result) == "hello ann"
    assert "reading template.yaml" in result.stderr


def test_event_dash_reads_standard_input(project: Path) -> None:
    assert message(invoke(project, "--event", "-", stdin=json.dumps(EVENT))) == "hello ann"


def test_generate_event_pipes_into_invoke(project: Path) -> None:
    generated = run_cli("generate-event", "apigateway", "aws-proxy", "--method", "GET", "--path", "hello/bob")
    assert generated.returncode == 0, generated.stderr
    event = json.loads(generated.stdout)
    assert (event["httpMethod"], event["path"], event["requestContext"]["path"]) == (
        "GET",
        "/hello/bob",
        "/prod/hello/bob",
    )
    result = invoke(project, "--event", "-", stdin=generated.stdout)
    assert json.loads(json.loads(result.stdout.strip().splitlines()[-1])["body"])["path"] == "/hello/bob"


@pytest.mark.parametrize(("service", "event"), [(s, e) for s, events in SAMPLES.items() for e in events])
def test_every_sample_event_is_json_and_every_option_changes_it(service: str, event: str) -> None:
    default = run_cli("generate-event", service, event)
    assert default.returncode == 0, default.stderr
    json.loads(default.stdout)
    for option in SAMPLES[service][event].options:
        changed = run_cli("generate-event", service, event, f"--{option}", f"x-{option}-y")
        assert changed.returncode == 0, changed.stderr
        assert json.loads(changed.stdout) != json.loads(default.stdout), option


def test_authorizer_sample_has_the_token_event_shape() -> None:
    result = run_cli("generate-event", "apigateway", "authorizer", "--method", "GET", "--resource", "/pets")
    assert json.loads(result.stdout) == {
        "type": "TOKEN",
        "authorizationToken": "incoming-client-token",
        "methodArn": "arn:aws:execute-api:us-east-1:123456789012:1234567890/prod/GET/pets",
    }


def test_env_vars_file_overrides_declared_variables_only(project: Path) -> None:
    """SAM's shape: the function's own entry wins over Parameters; undeclared names are ignored."""
    env = write(project / "env.json", json.dumps({"Parameters": {"GREETING": "hi"}}))
    assert message(invoke(project, "--event", "event.json", "--env-vars", str(env))) == "hi ann"
    env.write_text(
        json.dumps({"Parameters": {"GREETING": "hi"}, "HelloFunction": {"GREETING": "howdy", "OTHER": "1"}})
    )
    result = invoke(project, "--event", "event.json", "--env-vars", "env.json")
    assert message(result) == "howdy ann"
    assert "does not declare OTHER" in result.stderr


def test_samconfig_parameter_overrides_and_their_precedence(project: Path) -> None:
    config = write(
        project / "samconfig.toml",
        'version = 0.1\n[default.deploy.parameters]\nparameter_overrides = "Greeting=deployed"\n',
    )
    assert message(invoke(project, "--event", "event.json")) == "deployed ann"
    config.write_text(
        config.read_text() + '[default.local_invoke.parameters]\nparameter_overrides = ["Greeting=local"]\n'
        '[staging.deploy.parameters]\nparameter_overrides = "ParameterKey=Greeting,ParameterValue=staged"\n'
    )
    assert message(invoke(project, "--event", "event.json")) == "local ann"
    assert message(invoke(project, "--event", "event.json", "--config-env", "staging")) == "staged ann"
    overridden = invoke(project, "--event", "event.json", "--parameter-overrides", "Greeting=cli")
    assert message(overridden) == "cli ann"


def test_samconfig_yaml_is_read_too(project: Path) -> None:
    write(
        project / "samconfig.yaml",
        "version: 0.1\ndefault:\n  global:\n    parameters:\n      parameter_overrides: Greeting=yaml\n",
    )
    assert message(invoke(project, "--event", "event.json")) == "yaml ann"


def test_build_without_files_reads_template_yaml(project: Path) -> None:
    write(project / "hello_world" / "requirements.txt", "")
    result = subprocess.run(tollway_cmd("build"), capture_output=True, text=True, cwd=project, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "reading template.yaml" in result.stderr
    assert result.stdout.split("\t")[0] == "greeter-fn"


def test_global_options_go_before_or_after_the_command(tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path}/g.db"
    petstore = str(EXAMPLES / "petstore" / "openapi.yaml")
    assert run_cli("import", petstore, "--store", store, "-v").returncode == 0
    before = run_cli("--store", store, "apis", "list")
    after = run_cli("apis", "list", "--store", store)
    assert before.stdout == after.stdout and "PetStore" in after.stdout
    assert run_cli("apis", "list", "--store", f"sqlite:///{tmp_path}/other.db").stdout == ""


def test_serve_as_the_readme_writes_it_with_the_store_after_the_file(project: Path, tmp_path: Path) -> None:
    """`tollway serve template.yaml --store sqlite:///x.db`; with --env-vars for the served functions."""
    env = write(project / "env.json", json.dumps({"HelloFunction": {"GREETING": "served"}}))
    running = start_server(
        project / "template.yaml", tmp_path, "--store", f"sqlite:///{tmp_path}/x.db", "--env-vars", str(env)
    )
    try:
        response = httpx.get(f"{running.url}/Prod/hello/ann", timeout=30)
        assert response.json()["message"] == "served ann"
        assert (tmp_path / "x.db").is_file()
    finally:
        running.stop()


def test_serve_without_files_serves_the_folders_template(project: Path) -> None:
    port = free_port()
    process = subprocess.Popen(
        tollway_cmd("serve", "--port", str(port)),
        cwd=project,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        response = None
        for _ in range(300):
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/Prod/hello/ann", timeout=30)
                break
            except httpx.TransportError:
                if process.poll() is not None:
                    break
                subprocess.run(["sleep", "0.1"], check=True)
        assert response is not None and response.json()["message"] == "hello ann"
    finally:
        process.terminate()
        _, err = process.communicate(timeout=20)
    assert "serve: reading template.yaml" in err


def test_stage_option_on_a_template_is_named_not_ignored(project: Path, tmp_path: Path) -> None:
    result = run_cli(
        "--store", f"sqlite:///{tmp_path}/s.db", "import", str(project / "template.yaml"), "--stage", "beta"
    )
    assert result.returncode == 0, result.stderr
    assert "--stage beta is for OpenAPI files" in result.stderr and "Prod" in result.stderr
