"""The real CLI given bad input: every sub-command answers one clean line naming the file,
function, key, API or port at fault, and a non-zero exit; never a Python traceback."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from support import EXAMPLES, free_port, run_cli, write

PETSTORE = EXAMPLES / "petstore" / "openapi.yaml"
FUNCTIONS = EXAMPLES / "functions" / "template.yaml"


@pytest.fixture
def store(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path}/errors.db"


@pytest.fixture
def api_id(store: str) -> str:
    imported = run_cli("--store", store, "import", str(PETSTORE))
    assert imported.returncode == 0, imported.stderr
    return imported.stdout.split()[0]


@pytest.fixture
def busy_port() -> Iterator[int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(1)
        yield int(sock.getsockname()[1])


def assert_clean(args: list[str], *named: str, cwd: Path | None = None, code: int = 1) -> str:
    """Run the CLI; it fails with ``code`` and one line that contains every ``named`` text."""
    result = run_cli(*args, cwd=cwd, timeout=60)
    assert result.returncode == code, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr + result.stdout
    lines = [line for line in result.stderr.splitlines() if not line.startswith("tollway: warning:")]
    lines = [line for line in lines if "reading template" not in line]
    assert len(lines) == 1, result.stderr
    for text in named:
        assert text in lines[0], (text, lines[0])
    return lines[0]


BROKEN_YAML = "openapi: 3.0.1\npaths:\n  /x: [unclosed\n"


def test_serve_missing_file_bad_yaml_and_bad_files(store: str, tmp_path: Path) -> None:
    port = str(free_port())
    assert_clean(["--store", store, "serve", str(tmp_path / "nope.yaml"), "--port", port], "nope.yaml")
    broken = write(tmp_path / "broken.yaml", BROKEN_YAML)
    assert_clean(["--store", store, "serve", str(broken), "--port", port], "broken.yaml", "line")
    assert_clean(
        ["serve", str(PETSTORE), "--identities", str(tmp_path / "ids.yaml"), "--store", store], "ids.yaml"
    )
    env = write(tmp_path / "env.json", '{"HelloFunction": [1]}')
    assert_clean(
        ["serve", str(FUNCTIONS), "--env-vars", str(env), "--store", store], "env.json", "HelloFunction"
    )
    bad_json = write(tmp_path / "env2.json", "{not json")
    assert_clean(
        ["serve", str(FUNCTIONS), "--env-vars", str(bad_json), "--store", store], "env2.json", "line 1"
    )


def test_serve_port_in_use_and_out_of_range(store: str, busy_port: int) -> None:
    line = assert_clean(["--store", store, "serve", str(PETSTORE), "--port", str(busy_port)], str(busy_port))
    assert "in use" in line
    assert_clean(["serve", "--port", "99999"], "--port", "99999", code=2)
    assert_clean(["serve", "--idle-timeout", "-1"], "--idle-timeout", "-1", code=2)
    assert_clean(["serve", "--workers", "0"], "--workers", code=2)


def test_an_unusable_store_is_named(tmp_path: Path) -> None:
    assert_clean(["--store", "postgresql://nobody@127.0.0.1:1/x", "apis", "list"], "postgresql://")
    assert_clean(["apis", "list", "--store", "sqlite:///"], "sqlite:///")
    blocker = write(tmp_path / "file", "")
    assert_clean(["apis", "list", "--store", f"sqlite:///{blocker}/sub/x.db"], str(blocker))


def test_import_missing_and_broken(store: str, tmp_path: Path) -> None:
    assert_clean(["--store", store, "import", "/nonexistent/api.yaml"], "/nonexistent/api.yaml")
    broken = write(tmp_path / "broken.yaml", BROKEN_YAML)
    assert_clean(["--store", store, "import", str(broken)], "broken.yaml")
    samconfig = write(tmp_path / "samconfig.toml", "[default.deploy.parameters]\nparameter_overrides = 5\n")
    assert_clean(
        ["--store", store, "import", str(PETSTORE), "--config-file", str(samconfig)], "samconfig.toml"
    )


def test_export_deploy_stages_unknown_api_and_unwritable_output(store: str, api_id: str) -> None:
    assert_clean(["--store", store, "export", "nosuchapi0", "prod"], "nosuchapi0")
    assert_clean(["--store", store, "export", api_id, "nostage"], "nostage")
    assert_clean(["--store", store, "export", api_id, "prod", "-o", "/missing/dir/out.yaml"], "/missing/dir")
    assert_clean(["--store", store, "deploy", "nosuchapi0", "prod"], "nosuchapi0")
    assert_clean(["--store", store, "deploy", api_id, "bad stage!"], "bad stage!")


def test_invoke_unknown_function_and_bad_events(store: str, tmp_path: Path) -> None:
    template = ["--template", str(FUNCTIONS)]
    assert_clean(["--store", store, "invoke", "NoSuchFunction", *template], "NoSuchFunction", "HelloFunction")
    assert_clean(
        ["--store", store, "invoke", "HelloFunction", "--event", "missing.json", *template], "missing.json"
    )
    assert_clean(
        ["--store", store, "invoke", "HelloFunction", "--event", str(tmp_path), *template], str(tmp_path)
    )
    assert_clean(["--store", store, "invoke", "HelloFunction", "--template", "nope.yaml"], "nope.yaml")


def test_build_missing_template(store: str) -> None:
    assert_clean(["--store", store, "build", "/nonexistent/template.yaml"], "/nonexistent/template.yaml")


def test_logs_and_functions_of_an_unknown_function(store: str) -> None:
    assert_clean(["--store", store, "logs", "NoSuchFunction"], "NoSuchFunction")
    assert_clean(["--store", store, "functions", "publish", "NoSuchFunction"], "NoSuchFunction")
    assert_clean(["--store", store, "functions", "alias", "NoSuchFunction", "live", "1"], "NoSuchFunction")


def test_keys_plans_usage_unknown_ids(store: str, tmp_path: Path) -> None:
    for verb in ("enable", "disable", "delete"):
        assert_clean(["--store", store, "keys", verb, "nosuchkey0"], "nosuchkey0")
    assert_clean(["--store", store, "keys", "import", str(tmp_path / "keys.csv")], "keys.csv")
    assert_clean(["--store", store, "plans", "delete", "nosuchplan"], "nosuchplan")
    assert_clean(["--store", store, "plans", "add-key", "nosuchplan", "nosuchkey0"], "nosuchplan")
    args = ["--start", "2026-11-01", "--end", "2026-11-02"]
    assert_clean(["--store", store, "usage", "nosuchplan", *args], "nosuchplan")


def test_usage_with_unreachable_redis_names_it(store: str) -> None:
    created = run_cli("--store", store, "plans", "create", "gold")
    assert created.returncode == 0, created.stderr
    plan_id = created.stdout.split()[0]
    key_id = run_cli("--store", store, "keys", "create", "buyer").stdout.split()[0]
    assert run_cli("--store", store, "plans", "add-key", plan_id, key_id).returncode == 0
    url = f"redis://127.0.0.1:{free_port()}/0"
    args = ["usage", plan_id, "--start", "2026-11-01", "--end", "2026-11-02", "--state", url]
    assert_clean(["--store", store, *args], url.removesuffix("/0").removeprefix("redis://"))


def test_identities_unknown_and_bad_policy(store: str, tmp_path: Path) -> None:
    assert_clean(["--store", store, "identities", "delete", "nobody"], "nobody")
    assert_clean(
        ["--store", store, "identities", "create", "alice", "--policy", str(tmp_path / "p.json")], "p.json"
    )


def test_generate_event_unknown_service_is_a_usage_error() -> None:
    assert_clean(["generate-event", "nosuchservice", "x"], "nosuchservice", code=2)
