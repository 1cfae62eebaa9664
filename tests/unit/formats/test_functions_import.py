"""Lambda functions read from SAM and CloudFormation templates, as CloudFormation would create
them: properties and their documented defaults (Timeout 3 s, MemorySize 128 MB), SAM Globals,
AutoPublishAlias, versions numbered per function, weighted aliases, local layers, and ARNs
in integration URIs that name the function by its FunctionName."""

from __future__ import annotations

import sys
import textwrap
from dataclasses import replace
from pathlib import Path

import pytest

from corpus_support import CORPUS, manifest_rows
from tollway.errors import DefinitionError
from tollway.formats.loader import import_file
from tollway.functions.packaging.snapshots import snapshot_code
from tollway.model.functions import FunctionAlias, FunctionConfig, FunctionDef
from tollway.model.imported import ImportResult

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "sam_functions"
SAM = str(FIXTURES / "template.yaml")
CFN = str(FIXTURES / "cloudformation.yaml")
LAYER = str(FIXTURES / "layers" / "shared")
PY = f"{sys.version_info.major}.{sys.version_info.minor}"
ARN = "arn:aws:lambda:us-east-1:123456789012:function"


@pytest.fixture(autouse=True)
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Inline code is written under $XDG_CACHE_HOME/tollway/inline."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path / "cache"


def by_name(result: ImportResult) -> dict[str, FunctionDef]:
    return {fn.name: fn for fn in result.functions}


def uris(result: ImportResult) -> dict[str, str]:
    return {
        res.path: method.integration.uri or ""
        for imported in result.apis
        for res in imported.api.resources
        for method in res.methods.values()
        if method.integration is not None
    }


def write(folder: Path, text: str) -> str:
    path = folder / "template.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return str(path)


def test_sam_function_reads_every_property_with_globals_merged_as_sam_does() -> None:
    """Globals: scalars are overridden by the function, Environment.Variables maps are merged,
    Layers lists are combined (the external ARN kept for tollway build); YAML numbers and booleans
    in Environment become strings, as CloudFormation passes them."""
    hello = by_name(import_file(SAM))["hello-fn"]

    expected_config = FunctionConfig(
        handler="app.handler",
        runtime="python3.11",
        code_path=str(FIXTURES / "hello"),
        environment={"STAGE": "global", "TABLE": "hello-table", "RETRIES": "3", "DEBUG": "true"},
        timeout_s=10,
        memory_mb=256,
        layers=(LAYER, POWERTOOLS),
    )
    assert hello == FunctionDef(
        name="hello-fn",
        logical_id="HelloFunction",
        config=expected_config,
        reserved_concurrency=5,
        versions={"1": replace(expected_config, code_path=snapshot_code(str(FIXTURES / "hello")))},
        aliases={"live": FunctionAlias("live", "1")},
        auto_publish_alias="live",
    )


def test_timeout_and_memory_default_to_lambdas_3_seconds_and_128_mb() -> None:
    result = import_file(SAM)
    defaults = by_name(result)["DefaultsFunction"]

    assert (defaults.config.timeout_s, defaults.config.memory_mb) == (3, 128)
    assert defaults.reserved_concurrency is None
    assert (defaults.versions, defaults.aliases, defaults.auto_publish_alias) == ({}, {}, None)


def test_missing_code_folder_keeps_the_function_with_a_warning() -> None:
    result = import_file(SAM)

    assert by_name(result)["DefaultsFunction"].config.code_path == str(FIXTURES / "missing")
    assert (
        f"{SAM}: function DefaultsFunction: code missing/ does not exist (looked for {FIXTURES / 'missing'})"
        in result.warnings
    )


def test_non_python_function_is_imported_with_its_runtime_and_named_in_one_warning() -> None:
    """Its routes must exist (AWS has them); invoking it fails as a runtime that cannot start."""
    result = import_file(SAM)

    node = by_name(result)["NodeFunction"]
    assert node.config.runtime == "nodejs20.x"
    named = [w for w in result.warnings if "Python functions only" in w]
    assert named == [
        f"{SAM}: tollway runs Python functions only; these fail when invoked, as a function whose "
        "runtime cannot start (502 behind a REST API's Lambda proxy integration, 500 behind an HTTP API's): "
        "NodeFunction (runtime nodejs20.x)"
    ]
    assert not [w for w in result.warnings if "NodeFunction" in w and w not in named]


@pytest.mark.skipif(PY == "3.9", reason="the fixture's other runtime is python3.9")
def test_a_python_runtime_other_than_the_installed_one_runs_on_it_with_a_warning() -> None:
    result = import_file(SAM)

    assert by_name(result)["DefaultsFunction"].config.runtime == "python3.9"
    assert f"{SAM}: DefaultsFunction: python3.9 runs on the installed Python {PY}" in result.warnings


def test_a_public_layer_arn_is_kept_and_named_as_installed_by_tollway_build() -> None:
    result = import_file(SAM)

    assert by_name(result)["hello-fn"].config.layers == (LAYER, POWERTOOLS)
    assert (
        f"{SAM}: public layers that `tollway build` installs from PyPI: {POWERTOOLS}"
        " -> aws-lambda-powertools[all]==2.22.0"
    ) in result.warnings


POWERTOOLS = "arn:aws:lambda:us-east-1:017000801446:layer:AWSLambdaPowertoolsPythonV2:40"


def test_inline_code_is_written_to_index_py_as_cloudformation_does(cache_home: Path) -> None:
    functions = by_name(import_file(SAM))
    folder = Path(functions["InlineFunction"].config.code_path)

    assert folder.parent == cache_home / "tollway" / "inline"
    assert (folder / "index.py").read_text(encoding="utf-8") == (
        'def handler(event, context):\n    return {"statusCode": 200, "body": "inline"}\n'
    )
    assert functions["InlineFunction"].config.handler == "index.handler"


def test_sam_integration_uris_name_the_function_by_its_function_name_and_alias() -> None:
    """With AutoPublishAlias, SAM points the API at the alias; FunctionName names the function."""
    found = uris(import_file(SAM))

    assert found["/hello"] == (
        f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{ARN}:hello-fn:live/invocations"
    )
    assert found["/other"] == (
        f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{ARN}:DefaultsFunction/invocations"
    )


def test_cloudformation_function_versions_and_weighted_alias() -> None:
    """Versions are numbered 1, 2 per function in template order; an alias's
    AdditionalVersionWeights become version -> weight."""
    result = import_file(CFN)
    orders = by_name(result)["orders"]

    config = FunctionConfig(
        handler="index.handler",
        runtime="python3.11",
        code_path=str(FIXTURES / "cfn_code"),
        environment={"MODE": "cfn"},
        timeout_s=30,
        memory_mb=512,
        layers=(LAYER,),
        description="Orders service",
    )
    frozen = snapshot_code(str(FIXTURES / "cfn_code"))
    assert frozen != config.code_path  # a version runs a frozen copy of the code
    assert orders == FunctionDef(
        name="orders",
        logical_id="Fn",
        config=config,
        versions={
            "1": FunctionConfig(**{**_fields(config), "description": "first", "code_path": frozen}),
            "2": FunctionConfig(**{**_fields(config), "description": None, "code_path": frozen}),
        },
        aliases={"live": FunctionAlias("live", "2", {"1": 0.25})},
    )
    assert result.warnings == ()


def _fields(config: FunctionConfig) -> dict[str, object]:
    return {name: getattr(config, name) for name in FunctionConfig.__slots__}


def test_cloudformation_zipfile_code_is_index_py() -> None:
    zipped = by_name(import_file(CFN))["Zipped"]

    assert (Path(zipped.config.code_path) / "index.py").read_text(encoding="utf-8") == (
        'def handler(event, context):\n    return "zipfile"\n'
    )


def test_ref_and_getatt_give_function_name_version_and_alias_arns_in_uris() -> None:
    """Fn::GetAtt Fn.Arn -> the FunctionName ARN; Ref of a Version -> ARN:N; Ref of an
    Alias -> ARN:alias."""
    prefix = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"

    assert uris(import_file(CFN)) == {
        "/latest": f"{prefix}{ARN}:orders/invocations",
        "/pinned": f"{prefix}{ARN}:orders:1/invocations",
        "/aliased": f"{prefix}{ARN}:orders:live/invocations",
    }


def test_zip_code_uri_is_kept_as_the_zip_file(tmp_path: Path) -> None:
    (tmp_path / "code.zip").write_bytes(b"PK\x05\x06" + b"\0" * 18)  # an empty zip
    path = write(
        tmp_path,
        """
        Transform: AWS::Serverless-2016-10-31
        Resources:
          Fn:
            Type: AWS::Serverless::Function
            Properties: {Handler: app.handler, Runtime: python3.11, CodeUri: code.zip}
        """,
    )
    result = import_file(path)

    assert by_name(result)["Fn"].config.code_path == str(tmp_path / "code.zip")
    assert [w for w in result.warnings if "Fn" in w] == []


def test_out_of_range_values_and_s3_code_warn_and_keep_the_function(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        Resources:
          Fn:
            Type: AWS::Lambda::Function
            Properties:
              Handler: app.handler
              Runtime: python3.11
              Timeout: 901
              MemorySize: lots
              Code: {S3Bucket: my-bucket, S3Key: builds/fn.zip}
        """,
    )
    result = import_file(path)

    assert by_name(result)["Fn"].config.timeout_s == 3
    assert by_name(result)["Fn"].config.memory_mb == 128
    assert by_name(result)["Fn"].config.code_path == str(tmp_path / "fn.zip")
    assert [w for w in result.warnings if "Fn" in w] == [
        f"{path}: function Fn: code s3://my-bucket/builds/fn.zip is in Amazon S3 and cannot be read offline",
        f"{path}: Fn: Timeout 901 is not an integer from 1 to 900; 3 is used",
        f"{path}: Fn: MemorySize 'lots' is not an integer from 128 to 10240; 128 is used",
    ]


def test_functions_whose_condition_is_false_are_not_created(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        Conditions:
          Never: !Equals [a, b]
        Resources:
          Fn:
            Type: AWS::Lambda::Function
            Condition: Never
            Properties: {Handler: app.handler, Runtime: python3.11, Code: .}
          Kept:
            Type: AWS::Lambda::Function
            Properties: {Handler: app.handler, Runtime: python3.11, Code: .}
        """,
    )

    assert list(by_name(import_file(path))) == ["Kept"]


def test_alias_to_a_version_that_does_not_exist_is_skipped_with_a_warning(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        Resources:
          Fn:
            Type: AWS::Lambda::Function
            Properties: {Handler: app.handler, Runtime: python3.11, Code: .}
          Broken:
            Type: AWS::Lambda::Alias
            Properties: {FunctionName: !Ref Fn, Name: live, FunctionVersion: "7"}
        """,
    )
    result = import_file(path)

    assert by_name(result)["Fn"].aliases == {}
    assert f"{path}: alias live of function Fn: version 7 does not exist; skipped" in result.warnings


def test_functions_of_a_local_nested_stack_are_imported(tmp_path: Path) -> None:
    (tmp_path / "child.yaml").write_text(
        "Resources:\n  Child:\n    Type: AWS::Lambda::Function\n"
        "    Properties: {Handler: app.handler, Runtime: python3.11, Code: .}\n",
        encoding="utf-8",
    )
    path = write(
        tmp_path,
        """
        Resources:
          Nested:
            Type: AWS::CloudFormation::Stack
            Properties: {TemplateURL: child.yaml}
          Parent:
            Type: AWS::Lambda::Function
            Properties: {Handler: app.handler, Runtime: python3.11, Code: .}
        """,
    )

    assert [fn.name for fn in import_file(path).functions] == ["Parent", "Child"]


def _python_corpus_files() -> list[str]:
    return [row["path"] for row in manifest_rows() if "python" in row["features"].split(",")]


@pytest.mark.parametrize("relative", _python_corpus_files())
def test_every_python_template_of_the_corpus_yields_its_functions(relative: str) -> None:
    """Real-world templates the corpus marks as Python, whatever API types they declare: each
    one that imports defines at least one Python FunctionDef (its code folder may be absent
    from the corpus: a warning, not an error)."""
    try:
        result = import_file(str(CORPUS / relative))
    except DefinitionError:
        pytest.skip("refused as a whole (not a REST template); test_corpus checks the reason")
    assert any(fn.config.runtime.startswith("python") for fn in result.functions), result.warnings
