"""What a worker is given: code folders (zips extracted once by content), layers, environment."""

from __future__ import annotations

import sys
import zipfile
from pathlib import Path

import pytest

from tollway.functions.runtime import code
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
    sdk = code.sdk.runtime_sdk_dir()
    assert sdk is not None  # boto3 is installed with tollway
    assert spec.cwd == str(tmp_path)
    assert spec.path == [str(tmp_path), "/builds/fn", str(layer / "python"), sdk]
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
        "PYTHONPATH": f"{tmp_path}:/builds/fn:{layer / 'python'}:{sdk}",
    }


def test_the_worker_runs_isolated_without_site_packages() -> None:
    argv = code.worker_argv(7)
    assert argv[1:3] == ["-I", "-S"] and argv[3] == code.BOOTSTRAP and argv[4] == "7"


def test_layers_merge_as_lambda_merges_them_into_opt(tmp_path: Path) -> None:
    """Lambda extracts layers into /opt in the order the function lists them, a later layer's
    files over an earlier one's, and puts /opt/python/lib/python3.x/site-packages before
    /opt/python: so a later layer comes first, and every site-packages before any python/."""
    site = f"python/lib/python{sys.version_info.major}.{sys.version_info.minor}/site-packages"
    first, second, bare = tmp_path / "first", tmp_path / "second", tmp_path / "bare"
    (first / site).mkdir(parents=True)
    (second / "python").mkdir(parents=True)
    bare.mkdir()
    assert code.layers_path([str(first), str(second), str(bare)]) == [
        str(first / site),
        str(bare),
        str(second / "python"),
        str(first / "python"),
    ]


def test_layer_arns_are_left_to_tollway_build_and_the_runtime_sdk_comes_last(tmp_path: Path) -> None:
    layer = tmp_path / "layer"
    (layer / "python").mkdir(parents=True)
    powertools = "arn:aws:lambda:us-east-1:017000801446:layer:AWSLambdaPowertoolsPythonV2:62"
    config = FunctionConfig("app.handler", "python3.12", str(tmp_path), layers=(str(layer), powertools))
    assert code.local_layers(config) == (str(layer),)
    spec = code.worker_spec("fn", "$LATEST", config, None, "us-east-1")
    assert spec.path == [str(tmp_path), str(layer / "python"), code.sdk.runtime_sdk_dir()]
    built = tmp_path / "built"
    (built / "python").mkdir(parents=True)
    debugging = code.worker_spec("fn", "$LATEST", config, None, "us-east-1", [str(built)], debug=True)
    sdk_dirs = [code.sdk.runtime_sdk_dir(), code.sdk.debugger_dir()]
    assert debugging.path == [str(tmp_path), str(built / "python"), *sdk_dirs]
    assert debugging.env["PYDEVD_DISABLE_FILE_VALIDATION"] == "1"
    assert code.worker_argv(5, debug=True)[1:5] == ["-I", "-S", "-X", "frozen_modules=off"]
