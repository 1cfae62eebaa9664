"""What a worker is given: code folders (zips extracted once by content), layers, environment."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from tollway.functions import code
from tollway.model.functions import FunctionConfig


def make_zip(path: Path, files: dict[str, str]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return path


def test_a_zip_is_extracted_once_per_content_and_a_changed_zip_gets_a_new_folder(tmp_path: Path) -> None:
    archive = make_zip(tmp_path / "code.zip", {"app.py": "X = 1\n"})
    first = code.code_folder(str(archive))
    assert code.code_folder(str(archive)) == first
    assert (Path(first) / "app.py").read_text() == "X = 1\n"
    make_zip(archive, {"app.py": "X = 2\n"})
    second = code.code_folder(str(archive))
    assert second != first and (Path(second) / "app.py").read_text() == "X = 2\n"


def test_bad_code_paths_are_code_errors(tmp_path: Path) -> None:
    (tmp_path / "broken.zip").write_bytes(b"not a zip")
    with pytest.raises(code.CodeError, match="cannot use code archive"):
        code.code_folder(str(tmp_path / "broken.zip"))
    with pytest.raises(code.CodeError, match=r"is not a folder or a \.zip file"):
        code.code_folder(str(tmp_path / "missing"))


def test_layers_contribute_their_python_folder_or_themselves(tmp_path: Path) -> None:
    (tmp_path / "with" / "python").mkdir(parents=True)
    (tmp_path / "bare").mkdir()
    assert code.layer_entries(str(tmp_path / "with")) == [str(tmp_path / "with" / "python")]
    assert code.layer_entries(str(tmp_path / "bare")) == [str(tmp_path / "bare")]


def test_worker_environment_has_only_the_function_and_lambda_variables(tmp_path: Path) -> None:
    layer = tmp_path / "layer"
    (layer / "python").mkdir(parents=True)
    config = FunctionConfig(
        handler="app.handler",
        runtime="python3.13",
        code_path=str(tmp_path),
        environment={"MINE": "1", "AWS_REGION": "ignored", "TZ": "Europe/Paris"},
        memory_mb=512,
        layers=(str(layer),),
    )
    spec = code.worker_spec("fn", "2", config, "/builds/fn", "eu-west-1")
    assert spec.cwd == str(tmp_path)
    assert spec.path == [str(tmp_path), "/builds/fn", str(layer / "python")]
    stream = spec.env.pop("AWS_LAMBDA_LOG_STREAM_NAME")
    assert stream.endswith("]" + stream[-32:]) and "/[2]" in stream
    assert spec.env == {
        **code.DUMMY_CREDENTIALS,
        "MINE": "1",
        "AWS_LAMBDA_FUNCTION_NAME": "fn",
        "AWS_LAMBDA_FUNCTION_VERSION": "2",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512",
        "AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/fn",
        "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
        "AWS_REGION": "eu-west-1",
        "AWS_DEFAULT_REGION": "eu-west-1",
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.13",
        "_HANDLER": "app.handler",
        "LAMBDA_TASK_ROOT": str(tmp_path),
        "LAMBDA_RUNTIME_DIR": str(Path(code.BOOTSTRAP).parent),
        "TZ": "Europe/Paris",
        "LANG": "en_US.UTF-8",
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "PYTHONPATH": f"{tmp_path}:/builds/fn:{layer / 'python'}",
    }


def test_the_worker_runs_isolated_without_site_packages() -> None:
    argv = code.worker_argv(7)
    assert argv[1:3] == ["-I", "-S"] and argv[3] == code.BOOTSTRAP and argv[4] == "7"
