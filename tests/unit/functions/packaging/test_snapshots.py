"""Published versions run a frozen copy of their code (Lambda: a version is immutable)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tollway.functions.packaging.snapshots import snapshot_code


@pytest.fixture(autouse=True)
def versions_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "versions"
    monkeypatch.setenv("TOLLWAY_VERSIONS_DIR", str(folder))
    return folder


def test_a_version_keeps_the_code_it_was_published_with(tmp_path: Path, versions_dir: Path) -> None:
    code = tmp_path / "code"
    (code / "pkg").mkdir(parents=True)
    (code / "app.py").write_text("VALUE = 1\n")
    (code / "pkg" / "util.py").write_text("X = 1\n")
    first = snapshot_code(str(code))
    assert Path(first).parent == versions_dir
    assert snapshot_code(str(code)) == first  # same code, same version folder
    (code / "app.py").write_text("VALUE = 2\n")
    second = snapshot_code(str(code))
    assert second != first
    assert (Path(first) / "app.py").read_text() == "VALUE = 1\n"
    assert (Path(first) / "pkg" / "util.py").read_text() == "X = 1\n"
    assert (Path(second) / "app.py").read_text() == "VALUE = 2\n"


def test_bytecode_caches_do_not_make_a_new_version(tmp_path: Path) -> None:
    code = tmp_path / "code"
    code.mkdir()
    (code / "app.py").write_text("VALUE = 1\n")
    first = snapshot_code(str(code))
    (code / "__pycache__").mkdir()
    (code / "__pycache__" / "app.cpython-311.pyc").write_bytes(b"\0")
    assert snapshot_code(str(code)) == first
    assert not (Path(first) / "__pycache__").exists()


def test_zip_code_is_copied_and_missing_code_is_left_as_is(tmp_path: Path) -> None:
    archive = tmp_path / "code.zip"
    archive.write_bytes(b"PK\x05\x06" + b"\0" * 18)
    frozen = snapshot_code(str(archive))
    assert frozen.endswith(".zip") and Path(frozen).read_bytes() == archive.read_bytes()
    assert snapshot_code(str(tmp_path / "absent")) == str(tmp_path / "absent")
