"""``tollway build`` for layers: ``Metadata: BuildMethod`` layers built as ``sam build``
builds them (Python: the source and its requirements under ``python/``; makefile:
``make build-<LogicalId>`` with ``ARTIFACTS_DIR``), public layers by ARN from PyPI, and the
folders a function then runs with (``resolve_layers``). pip is a stand-in here."""

from __future__ import annotations

import shutil
import sys
import textwrap
from pathlib import Path

import pytest

from tollway.functions.packaging.build import MARKER, BuildError
from tollway.functions.packaging.layer_build import LayerOutcome, build_layers, layer_folder, resolve_layers
from tollway.model.functions import FunctionConfig

POWERTOOLS = "arn:aws:lambda:us-east-1:017000801446:layer:AWSLambdaPowertoolsPythonV2:62"
UNKNOWN = "arn:aws:lambda:us-east-1:111122223333:layer:private:3"

# Stands in for pip: records what it was asked to install into --target.
FAKE_PIP = textwrap.dedent(
    """
    import sys, pathlib
    args = sys.argv[1:]
    target = pathlib.Path(args[args.index("--target") + 1])
    requirements = pathlib.Path(args[args.index("--requirement") + 1]).read_text()
    (target / "installed.txt").write_text(requirements)
    """
)


@pytest.fixture
def fake_pip(tmp_path: Path) -> tuple[str, ...]:
    script = tmp_path / "fake_pip.py"
    script.write_text(FAKE_PIP, encoding="utf-8")
    return (sys.executable, str(script))


def python_layer(tmp_path: Path, requirements: str | None = "attrs==23.1.0\n") -> Path:
    layer = tmp_path / "deps"
    (layer / "helpers").mkdir(parents=True)
    (layer / "helpers" / "__init__.py").write_text("NAME = 'helpers'\n", encoding="utf-8")
    (layer / "__pycache__").mkdir()
    if requirements is not None:
        (layer / "requirements.txt").write_text(requirements, encoding="utf-8")
    return layer


def config_with(*layers: str, builds: dict[str, tuple[str, str]] | None = None) -> FunctionConfig:
    return FunctionConfig("app.handler", "python3.12", "/code", layers=layers, layer_builds=builds or {})


def test_a_python_build_method_layer_gets_its_source_and_requirements_under_python(
    tmp_path: Path, fake_pip: tuple[str, ...]
) -> None:
    layer = python_layer(tmp_path)
    config = config_with(str(layer), builds={str(layer): ("python3.12", "DepsLayer")})
    root = str(tmp_path / "build")

    outcomes = build_layers([config], cache_root=root, pip=fake_pip)

    built = layer_folder(f"python3.12:{layer}", root)
    assert outcomes == [LayerOutcome("DepsLayer", str(built))]
    assert (built / "python" / "helpers" / "__init__.py").is_file()
    assert (built / "python" / "installed.txt").read_text() == "attrs==23.1.0\n"
    assert not (built / "python" / "__pycache__").exists()
    assert resolve_layers(config, root) == (str(built),)


def test_a_layer_is_built_anew_each_time_as_sam_build_does(tmp_path: Path, fake_pip: tuple[str, ...]) -> None:
    layer = python_layer(tmp_path, requirements=None)
    config = config_with(str(layer), builds={str(layer): ("python3.12", "DepsLayer")})
    root = str(tmp_path / "build")
    build_layers([config], cache_root=root, pip=fake_pip)
    (layer / "helpers" / "__init__.py").write_text("NAME = 'edited'\n", encoding="utf-8")

    [outcome] = build_layers([config], cache_root=root, pip=fake_pip)

    assert (Path(outcome.folder) / "python" / "helpers" / "__init__.py").read_text() == "NAME = 'edited'\n"
    assert not (Path(outcome.folder) / "python" / "installed.txt").exists()  # no requirements.txt


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_a_makefile_layer_runs_its_build_target_with_artifacts_dir(tmp_path: Path) -> None:
    layer = tmp_path / "made"
    layer.mkdir()
    (layer / "Makefile").write_text(
        "build-MadeLayer:\n"
        "\tmkdir -p $(ARTIFACTS_DIR)/python\n"
        "\techo 'MADE = 1' > $(ARTIFACTS_DIR)/python/made.py\n",
        encoding="utf-8",
    )
    config = config_with(str(layer), builds={str(layer): ("makefile", "MadeLayer")})

    [outcome] = build_layers([config], cache_root=str(tmp_path / "build"))

    assert (Path(outcome.folder) / "python" / "made.py").read_text() == "MADE = 1\n"


def test_a_failing_makefile_is_a_build_error_naming_the_layer(tmp_path: Path) -> None:
    layer = tmp_path / "made"
    layer.mkdir()
    config = config_with(str(layer), builds={str(layer): ("makefile", "MadeLayer")})
    with pytest.raises(BuildError, match=r"^layer MadeLayer: BuildMethod makefile needs .*Makefile$"):
        build_layers([config], cache_root=str(tmp_path / "build"))


def test_a_public_layer_arn_installs_its_package_into_python_once(
    tmp_path: Path, fake_pip: tuple[str, ...]
) -> None:
    config = config_with(POWERTOOLS, UNKNOWN)
    other = config_with(POWERTOOLS)
    root = str(tmp_path / "build")

    outcomes = build_layers([config, other], cache_root=root, pip=fake_pip)

    built = layer_folder("pypi:aws-lambda-powertools[all]==2.33.1", root)
    assert outcomes == [LayerOutcome(POWERTOOLS, str(built))]  # once, and nothing for UNKNOWN
    assert (built / "python" / "installed.txt").read_text() == "aws-lambda-powertools[all]==2.33.1\n"
    assert (built / MARKER).is_file()
    never = (sys.executable, "-c", "raise SystemExit('pip must not run')")
    assert build_layers([config], cache_root=root, pip=never) == [LayerOutcome(POWERTOOLS, str(built))]
    assert resolve_layers(config, root) == (str(built),)


def test_before_a_build_local_layers_run_from_source_and_public_ones_are_left_out(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    layer = python_layer(tmp_path)
    plain = tmp_path / "plain"
    plain.mkdir()
    config = config_with(
        str(layer), str(plain), POWERTOOLS, UNKNOWN, builds={str(layer): ("python3.12", "DepsLayer")}
    )
    with caplog.at_level("WARNING", logger="tollway"):
        assert resolve_layers(config, str(tmp_path / "build")) == (str(layer), str(plain))
        resolve_layers(config, str(tmp_path / "build"))
    messages = [record.getMessage() for record in caplog.records]
    assert messages == [
        f"layer {layer} is not built (run `tollway build`); its source is used",
        f"layer {POWERTOOLS} is not installed (run `tollway build`); it is left out",
    ]  # once each
