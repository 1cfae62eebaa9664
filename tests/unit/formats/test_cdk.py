"""CDK assets (``aws:asset:path`` / ``aws:asset:property`` metadata) are read locally."""

from __future__ import annotations

import json
from pathlib import Path

from tollway.formats.loader import import_file

BUCKET = {"Fn::Sub": "cdk-hnb659fds-assets-${AWS::AccountId}-${AWS::Region}"}


def _template(folder: Path, resources: dict[str, object]) -> str:
    path = folder / "Stack.template.json"
    path.write_text(json.dumps({"Resources": resources}), encoding="utf-8")
    return str(path)


def _function(asset: str, layers: list[object] | None = None) -> dict[str, object]:
    props: dict[str, object] = {
        "Code": {"S3Bucket": BUCKET, "S3Key": "abc.zip"},
        "Handler": "app.handler",
        "Runtime": "python3.12",
    }
    if layers:
        props["Layers"] = layers
    return {
        "Type": "AWS::Lambda::Function",
        "Properties": props,
        "Metadata": {"aws:asset:path": asset, "aws:asset:is-bundled": False, "aws:asset:property": "Code"},
    }


def test_function_code_is_its_asset_folder_and_layers_theirs(tmp_path: Path) -> None:
    (tmp_path / "asset.fn").mkdir()
    (tmp_path / "asset.layer" / "python").mkdir(parents=True)
    layer = {
        "Type": "AWS::Lambda::LayerVersion",
        "Properties": {"Content": {"S3Bucket": BUCKET, "S3Key": "def.zip"}},
        "Metadata": {"aws:asset:path": "asset.layer", "aws:asset:property": "Content"},
    }
    path = _template(tmp_path, {"Fn": _function("asset.fn", [{"Ref": "Layer"}]), "Layer": layer})

    result = import_file(path)

    [fn] = result.functions
    assert fn.config.code_path == str(tmp_path / "asset.fn")
    assert fn.config.layers == (str(tmp_path / "asset.layer"),)
    assert not [w for w in result.warnings if "S3" in w or "layer" in w], result.warnings


def test_a_missing_asset_is_named_in_a_warning(tmp_path: Path) -> None:
    path = _template(tmp_path, {"Fn": _function("asset.gone")})

    warnings = import_file(path).warnings

    assert (
        f"{path}: /Resources/Fn/Metadata: CDK asset asset.gone does not exist (looked for "
        f"{tmp_path / 'asset.gone'}); run `cdk synth` again"
    ) in warnings


def test_an_api_definition_asset_becomes_the_rest_api_body(tmp_path: Path) -> None:
    """CDK's ``ApiDefinition.fromAsset`` uploads the OpenAPI file as BodyS3Location."""
    openapi = {
        "openapi": "3.0.1",
        "info": {"title": "FromAsset", "version": "1"},
        "paths": {"/ping": {"get": {"x-amazon-apigateway-integration": {"type": "mock"}}}},
    }
    (tmp_path / "asset.spec.json").write_text(json.dumps(openapi), encoding="utf-8")
    api = {
        "Type": "AWS::ApiGateway::RestApi",
        "Properties": {"BodyS3Location": {"Bucket": BUCKET, "Key": "spec.json"}, "Name": "Spec"},
        "Metadata": {"aws:asset:path": "asset.spec.json", "aws:asset:property": "BodyS3Location"},
    }
    [imported] = import_file(_template(tmp_path, {"Api": api})).apis
    assert imported.api.name == "Spec"
    assert [r.path for r in imported.api.resources if r.methods] == ["/ping"]


def test_a_nested_stack_asset_is_followed(tmp_path: Path) -> None:
    (tmp_path / "asset.fn").mkdir()
    child = tmp_path / "StackChild.nested.template.json"
    child.write_text(json.dumps({"Resources": {"Inner": _function("asset.fn")}}), encoding="utf-8")
    stack = {
        "Type": "AWS::CloudFormation::Stack",
        "Properties": {"TemplateURL": "https://s3.us-east-1.amazonaws.com/cdk-assets/child.json"},
        "Metadata": {"aws:asset:path": child.name, "aws:asset:property": "TemplateURL"},
    }
    result = import_file(_template(tmp_path, {"Child": stack}))
    assert [fn.name for fn in result.functions] == ["Inner"]
