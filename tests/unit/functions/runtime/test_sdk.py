"""The packages the Python runtime provides: boto3 with its dependencies, as Lambda's Python
runtimes include them, in a folder of links that holds nothing else of the gateway's."""

from __future__ import annotations

import importlib.metadata
import os
from pathlib import Path

from tollway.functions.runtime import sdk


def test_the_runtime_sdk_folder_holds_boto3_and_its_dependencies_only() -> None:
    folder = sdk.runtime_sdk_dir()
    assert folder is not None
    names = set(os.listdir(folder))
    packages = {name for name in names if not name.endswith(".dist-info")} - {"__pycache__"}
    assert packages == {"boto3", "botocore", "s3transfer", "jmespath", "dateutil", "six.py", "urllib3"}
    assert f"boto3-{importlib.metadata.version('boto3')}.dist-info" in names  # versions readable
    for gateway_only in ("tollway", "yaml", "httptools", "uvloop", "pytest"):
        assert gateway_only not in names


def test_the_folder_links_to_the_installed_distributions_and_is_made_once() -> None:
    folder = Path(sdk.runtime_sdk_dir() or "")
    boto3 = importlib.metadata.distribution("boto3")
    assert (folder / "boto3").resolve() == Path(str(boto3.locate_file("boto3"))).resolve()
    assert sdk.linked_folder("runtime-sdk", sdk.closure(sdk.SDK_ROOT)) == str(folder)


def test_the_dependency_closure_leaves_extras_out() -> None:
    names = {dist.metadata["Name"].lower() for dist in sdk.closure("boto3")}
    assert {"boto3", "botocore", "s3transfer", "jmespath", "python-dateutil", "six", "urllib3"} == names
    assert "awscrt" not in names  # boto3[crt] is an extra


def test_a_missing_distribution_gives_no_folder() -> None:
    assert sdk.closure("no-such-distribution-for-tollway") == []
    assert sdk.linked_folder("missing", []) is None


def test_the_debugger_folder_holds_debugpy() -> None:
    folder = sdk.debugger_dir()
    assert folder is not None
    assert {name for name in os.listdir(folder) if not name.endswith(".dist-info")} == {"debugpy"}
