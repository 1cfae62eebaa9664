"""Layers in templates: which ones `tollway build` builds (``Metadata: BuildMethod``, as
``sam build`` reads it), which public ones it installs by ARN, and one clear warning for
the rest (remote layers nobody can fetch offline, content in Amazon S3)."""

from __future__ import annotations

import textwrap
from pathlib import Path

from tollway.formats.loader import import_file

POWERTOOLS = "arn:aws:lambda:us-east-1:017000801446:layer:AWSLambdaPowertoolsPythonV3-python312-x86_64:3"
OTHER = "arn:aws:lambda:us-east-1:111122223333:layer:company-tools:7"

SAM_TEMPLATE = f"""
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Runtime: python3.12
    Handler: app.handler
    CodeUri: src/
Resources:
  DepsLayer:
    Type: AWS::Serverless::LayerVersion
    Properties:
      ContentUri: deps/
    Metadata:
      BuildMethod: python3.12
  MadeLayer:
    Type: AWS::Serverless::LayerVersion
    Properties:
      LayerName: made-by-make
      ContentUri: made/
    Metadata:
      BuildMethod: makefile
  PlainLayer:
    Type: AWS::Serverless::LayerVersion
    Properties:
      ContentUri: plain/
  BucketLayer:
    Type: AWS::Serverless::LayerVersion
    Properties:
      ContentUri: s3://my-artifacts/layers/bucket.zip
  OneFunction:
    Type: AWS::Serverless::Function
    Properties:
      Layers: [!Ref DepsLayer, !Ref MadeLayer, !Ref PlainLayer, !Ref BucketLayer, {POWERTOOLS}, {OTHER}]
  TwoFunction:
    Type: AWS::Serverless::Function
    Properties:
      Layers: [{OTHER}]
"""

CFN_TEMPLATE = """
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  DepsLayer:
    Type: AWS::Lambda::LayerVersion
    Properties:
      LayerName: deps
      Content: deps/
    Metadata:
      BuildMethod: python3.12
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      FunctionName: cfn-fn
      Runtime: python3.12
      Handler: app.handler
      Code: src/
      Layers: [!Ref DepsLayer]
"""


def write(folder: Path, text: str) -> str:
    for sub in ("src", "deps", "made", "plain"):
        (folder / sub).mkdir(exist_ok=True)
    path = folder / "template.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return str(path)


def test_layers_keep_their_order_with_build_methods_and_public_arns(tmp_path: Path) -> None:
    result = import_file(write(tmp_path, SAM_TEMPLATE))
    one = {fn.name: fn for fn in result.functions}["OneFunction"].config
    deps, made, plain = (str(tmp_path / name) for name in ("deps", "made", "plain"))
    assert one.layers == (deps, made, plain, POWERTOOLS, OTHER)
    assert one.layer_builds == {deps: ("python3.12", "DepsLayer"), made: ("makefile", "MadeLayer")}


def test_remote_layers_are_named_in_one_warning_and_s3_content_as_such(tmp_path: Path) -> None:
    source = write(tmp_path, SAM_TEMPLATE)
    warnings = import_file(source).warnings
    layer_warnings = [w for w in warnings if "layer" in w[len(source) :]]
    assert layer_warnings == [
        f"{source}: layer BucketLayer: its content s3://my-artifacts/layers/bucket.zip is in Amazon S3,"
        " which tollway cannot read offline; functions run without it",
        f"{source}: layers that are not in this template and that tollway does not know (only AWS has"
        f" their code); functions run without them: {OTHER} (used by OneFunction, TwoFunction)",
        f"{source}: public layers that `tollway build` installs from PyPI: {POWERTOOLS}"
        " -> aws-lambda-powertools[all]==3.2.0",
    ]


def test_a_cloudformation_layer_keeps_its_own_metadata(tmp_path: Path) -> None:
    result = import_file(write(tmp_path, CFN_TEMPLATE))
    config = result.functions[0].config
    assert config.layer_builds == {str(tmp_path / "deps"): ("python3.12", "DepsLayer")}
