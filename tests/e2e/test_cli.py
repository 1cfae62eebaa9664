"""The real CLI: every command, its help, its errors and exit codes."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import pytest
import yaml

from support import EXAMPLES, run_cli, write
from tollway.cli.main import build_parser, main


@pytest.fixture
def store(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path}/cli.db"


def _commands(parser: argparse.ArgumentParser, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every command and sub-command path of the parser (``("keys", "create")``...)."""
    found = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found.append((*prefix, name))
                found += _commands(sub, (*prefix, name))
    return found


COMMANDS = _commands(build_parser())


def test_the_command_list_is_complete() -> None:
    tops = {path[0] for path in COMMANDS}
    assert len(tops) >= 16 and {"serve", "invoke", "generate-event", "identities", "usage"} <= tops


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_command_has_help(command: tuple[str, ...], capsys: pytest.CaptureFixture[str]) -> None:
    """In-process (45 subprocesses would cost CI 20 s); test_version runs the real one."""
    with pytest.raises(SystemExit) as exited:
        main([*command, "--help"])
    assert exited.value.code == 0
    assert f"usage: tollway {' '.join(command)}" in capsys.readouterr().out


def test_version() -> None:
    result = run_cli("version")
    assert result.returncode == 0
    assert result.stdout.startswith("tollway ")


def test_import_list_deploy_export_round_trip(store: str, tmp_path: Path) -> None:
    imported = run_cli(
        "--store", store, "import", str(EXAMPLES / "petstore" / "openapi.yaml"), "--stage", "v1"
    )
    assert imported.returncode == 0, imported.stderr
    api_id = imported.stdout.split()[0]
    assert run_cli("--store", store, "apis", "list").stdout.split()[:2] == [api_id, "PetStore"]
    deployed = run_cli("--store", store, "deploy", api_id, "beta", "--variable", "color=red")
    assert deployed.returncode == 0, deployed.stderr
    stages = run_cli("--store", store, "stages", "list", "--api", api_id).stdout
    assert {line.split("\t")[1] for line in stages.strip().splitlines()} == {"v1", "beta"}
    for flavor in ("oas30", "swagger"):
        out = tmp_path / f"export-{flavor}.yaml"
        exported = run_cli("--store", store, "export", api_id, "v1", "--type", flavor, "-o", str(out))
        assert exported.returncode == 0, exported.stderr
        doc = yaml.safe_load(out.read_text())
        assert ("openapi" in doc) == (flavor == "oas30")
        assert "/pets/{petId}" in doc["paths"]
        # import -> export -> import yields the same API (same id, nothing new)
        again = run_cli("--store", store, "import", str(out), "--stage", "v1")
        assert again.returncode == 0, again.stderr
    assert len(run_cli("--store", store, "apis", "list").stdout.strip().splitlines()) == 1


def test_bad_files_name_the_file_and_place_and_apply_nothing(store: str, tmp_path: Path) -> None:
    good = EXAMPLES / "petstore" / "openapi.yaml"
    broken_yaml = write(tmp_path / "broken.yaml", "openapi: 3.0.1\npaths:\n  /x: [unclosed\n")
    result = run_cli("--store", store, "import", str(good), str(broken_yaml))
    assert result.returncode == 1
    assert "broken.yaml" in result.stderr and "line" in result.stderr
    assert "Traceback" not in result.stderr
    assert run_cli("--store", store, "apis", "list").stdout == ""  # nothing half-applied


def test_bad_path_parameter_names_its_pointer(store: str, tmp_path: Path) -> None:
    bad = write(
        tmp_path / "bad.json",
        '{"openapi": "3.0.1", "info": {"title": "t", "version": "1"}, "paths": {"/a{b}": {"get": {}}}}',
    )
    result = run_cli("--store", store, "import", str(bad))
    assert result.returncode == 1
    assert "bad.json" in result.stderr and "/paths/" in result.stderr
    assert "Traceback" not in result.stderr


def test_missing_file_and_unknown_api(store: str) -> None:
    missing = run_cli("--store", store, "import", "/nonexistent/api.yaml")
    assert missing.returncode == 1
    assert "/nonexistent/api.yaml" in missing.stderr
    unknown = run_cli("--store", store, "deploy", "nosuchapi0", "prod")
    assert unknown.returncode == 1
    assert "nosuchapi0" in unknown.stderr


def test_usage_errors_exit_2() -> None:
    assert run_cli("frobnicate").returncode == 2
    assert run_cli("serve", "--port", "notaport").returncode == 2


INLINE = """\
Resources:
  Inline:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.11
      Handler: index.handler
      Role: arn:aws:iam::123456789012:role/r
      Code:
        ZipFile: |
          def handler(event, context):
              return "inline"
"""


def test_tests_keep_inline_code_out_of_the_users_cache(store: str, tmp_path: Path) -> None:
    """The suite runs with a private XDG_CACHE_HOME, and tollway honours it."""
    cache = Path(os.environ["XDG_CACHE_HOME"])
    assert not cache.is_relative_to(Path.home() / ".cache")
    result = run_cli("--store", store, "import", str(write(tmp_path / "inline.yaml", INLINE)))
    assert result.returncode == 0, result.stderr
    assert any((cache / "tollway" / "inline").rglob("index.py"))
