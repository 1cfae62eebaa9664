"""``tollway build`` as ``sam build`` does it for Python: each function's requirements.txt is
installed into its own folder, cached by the file's hash, so two functions that pin
different versions of one package each get theirs; an interrupted build is redone."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tollway.functions.packaging.build import (
    MARKER,
    BuildError,
    BuildOutcome,
    build_all,
    build_dir_for,
    build_function,
    default_build_root,
)
from tollway.model.functions import FunctionConfig, FunctionDef

# Stands in for pip: "installs" by writing the requirements into --target, and counts its runs.
FAKE_PIP = textwrap.dedent(
    """
    import sys, pathlib
    args = sys.argv[1:]
    target = pathlib.Path(args[args.index("--target") + 1])
    requirements = pathlib.Path(args[args.index("--requirement") + 1]).read_text()
    runs = pathlib.Path(sys.argv[0]).with_name("runs.txt")
    runs.write_text(runs.read_text() + "x" if runs.exists() else "x")
    if "broken" in requirements:
        print("ERROR: No matching distribution found for broken", file=sys.stderr)
        sys.exit(1)
    (target / "installed.txt").write_text(requirements)
    """
)


@pytest.fixture
def fake_pip(tmp_path: Path) -> tuple[str, ...]:
    script = tmp_path / "pip" / "fake_pip.py"
    script.parent.mkdir()
    script.write_text(FAKE_PIP, encoding="utf-8")
    return (sys.executable, str(script))


def pip_runs(fake: tuple[str, ...]) -> int:
    runs = Path(fake[1]).with_name("runs.txt")
    return len(runs.read_text()) if runs.exists() else 0


def function(tmp_path: Path, name: str, requirements: str | None) -> FunctionDef:
    code = tmp_path / "code" / name
    code.mkdir(parents=True)
    (code / "app.py").write_text("def handler(event, context):\n    return 1\n", encoding="utf-8")
    if requirements is not None:
        (code / "requirements.txt").write_text(requirements, encoding="utf-8")
    return FunctionDef(name, name, FunctionConfig("app.handler", "python3.11", str(code)))


def test_a_function_without_requirements_needs_no_build(tmp_path: Path, fake_pip: tuple[str, ...]) -> None:
    fn = function(tmp_path, "plain", None)
    root = str(tmp_path / "build")

    assert build_function(fn, fn.config, cache_root=root, pip=fake_pip) is None
    assert build_dir_for(fn, fn.config, root) is None
    assert pip_runs(fake_pip) == 0


def test_a_build_is_cached_by_the_requirements_file(tmp_path: Path, fake_pip: tuple[str, ...]) -> None:
    """Functions with the same requirements share one build; pip runs once."""
    first = function(tmp_path, "first", "requests==2.31.0\n")
    same = function(tmp_path, "same", "requests==2.31.0\n")
    root = str(tmp_path / "build")

    assert build_dir_for(first, first.config, root) is None
    folder = build_function(first, first.config, cache_root=root, pip=fake_pip)
    again = build_function(same, same.config, cache_root=root, pip=fake_pip)

    assert folder is not None and again == folder
    assert Path(folder).parent == tmp_path / "build"
    assert (Path(folder) / "installed.txt").read_text() == "requests==2.31.0\n"
    assert build_dir_for(same, same.config, root) == folder
    assert pip_runs(fake_pip) == 1


def test_an_interrupted_build_is_redone(tmp_path: Path, fake_pip: tuple[str, ...]) -> None:
    """A folder without the marker (written last) is not a build: it is replaced."""
    fn = function(tmp_path, "fn", "attrs==23.1.0\n")
    root = str(tmp_path / "build")
    folder = Path(build_function(fn, fn.config, cache_root=root, pip=fake_pip) or "")
    (folder / MARKER).unlink()
    (folder / "half-written.py").write_text("", encoding="utf-8")

    assert build_dir_for(fn, fn.config, root) is None
    assert build_function(fn, fn.config, cache_root=root, pip=fake_pip) == str(folder)
    assert sorted(p.name for p in folder.iterdir()) == [MARKER, "installed.txt"]
    assert pip_runs(fake_pip) == 2


def test_a_failed_install_is_a_build_error_and_leaves_no_build(
    tmp_path: Path, fake_pip: tuple[str, ...]
) -> None:
    fn = function(tmp_path, "fn", "broken==1.0\n")
    root = tmp_path / "build"

    with pytest.raises(BuildError, match="ERROR: No matching distribution found for broken") as caught:
        build_function(fn, fn.config, cache_root=str(root), pip=fake_pip)

    assert str(caught.value).startswith(
        f"function fn: installing {fn.config.code_path}/requirements.txt failed:"
    )
    assert build_dir_for(fn, fn.config, str(root)) is None
    assert list(root.iterdir()) == []


def test_build_all_builds_every_function_and_names_its_folder(
    tmp_path: Path, fake_pip: tuple[str, ...]
) -> None:
    with_reqs = function(tmp_path, "a", "attrs\n")
    plain = function(tmp_path, "b", None)
    root = str(tmp_path / "build")

    outcomes = build_all([with_reqs, plain], cache_root=root, pip=fake_pip)

    assert outcomes == [
        BuildOutcome(
            "a",
            build_dir_for(with_reqs, with_reqs.config, root),
            f"{with_reqs.config.code_path}/requirements.txt",
        ),
        BuildOutcome("b", None, None),
    ]
    assert outcomes[0].folder is not None


def test_default_build_root_is_next_to_the_store_unless_configured(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TOLLWAY_BUILD_DIR", raising=False)
    assert default_build_root(f"sqlite:///{tmp_path}/state/tollway.db") == str(tmp_path / "state" / "build")

    monkeypatch.setenv("TOLLWAY_BUILD_DIR", str(tmp_path / "elsewhere"))
    assert default_build_root(f"sqlite:///{tmp_path}/state/tollway.db") == str(tmp_path / "elsewhere")


@pytest.mark.registry  # installs six from the package registry (network to PyPI)
def test_two_functions_pinning_different_versions_of_a_package_each_get_theirs(tmp_path: Path) -> None:
    old = function(tmp_path, "old", "six==1.15.0\n")
    new = function(tmp_path, "new", "six==1.16.0\n")
    root = str(tmp_path / "build")

    outcomes = build_all([old, new], cache_root=root)

    versions = []
    for outcome in outcomes:
        assert outcome.folder is not None
        shown = subprocess.run(
            [
                sys.executable,
                "-I",
                "-c",
                f"import sys; sys.path.insert(0, {outcome.folder!r}); import six; print(six.__version__)",
            ],
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
        )
        versions.append(shown.stdout.strip())
    assert versions == ["1.15.0", "1.16.0"]
    # Built once: a second build finds both folders complete and runs no pip at all.
    never = (sys.executable, "-c", "raise SystemExit('pip must not run')")
    assert build_all([old, new], cache_root=root, pip=never) == outcomes
