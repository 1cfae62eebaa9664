"""Settings that change AWS's behaviour and that tollway does not implement are named in one
warning at import, never ignored silently (issue 11, item 5)."""

from __future__ import annotations

import json
import platform
from pathlib import Path

import pytest

from tollway.formats.loader import import_file

HEAD = "tollway does not implement these settings, which change how AWS behaves; they were ignored: "
OTHER_ARCH = "x86_64" if platform.machine().lower() in ("arm64", "aarch64") else "arm64"


def _ignored(warnings: tuple[str, ...]) -> list[str]:
    return [w.split(HEAD, 1)[1] for w in warnings if HEAD in w]


def test_sam_function_and_api_settings_are_named_in_one_warning(tmp_path: Path) -> None:
    path = tmp_path / "template.yaml"
    path.write_text(
        f"""
Transform: AWS::Serverless-2016-10-31
Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: live
      MinimumCompressionSize: 1024
      DisableExecuteApiEndpoint: true
      CacheClusterEnabled: true
      CacheClusterSize: "0.5"
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      CodeUri: .
      AutoPublishAlias: live
      ProvisionedConcurrencyConfig: {{ProvisionedConcurrentExecutions: 2}}
      SnapStart: {{ApplyOn: PublishedVersions}}
      Architectures: [{OTHER_ARCH}]
      VpcConfig: {{SubnetIds: [subnet-1], SecurityGroupIds: [sg-1]}}
      FileSystemConfigs:
        - {{Arn: "arn:aws:elasticfilesystem:us-east-1:1:access-point/fsap-1", LocalMountPath: /mnt/efs}}
      Events:
        Get: {{Type: Api, Properties: {{RestApiId: !Ref Api, Path: /a, Method: get}}}}
""",
        encoding="utf-8",
    )
    [ignored] = _ignored(import_file(str(path)).warnings)
    for expected in (
        "Fn: SnapStart",
        "Fn: VpcConfig",
        "Fn: FileSystemConfigs",
        f"Fn: Architectures {OTHER_ARCH}",
        "ProvisionedConcurrencyConfig (instances start on demand)",
        "MinimumCompressionSize (responses are not compressed)",
        "DisableExecuteApiEndpoint (the default endpoint answers)",
        "stage live: caching (every request reaches the integration)",
    ):
        assert expected in ignored, ignored


def test_tenancy_config_private_endpoint_canary_and_domain_are_named(tmp_path: Path) -> None:
    template = {
        "Resources": {
            "Fn": {
                "Type": "AWS::Lambda::Function",
                "Properties": {
                    "Runtime": "python3.12",
                    "Handler": "app.handler",
                    "Code": ".",
                    "TenancyConfig": {"TenantIsolationMode": "PER_TENANT"},
                },
            },
            "Api": {
                "Type": "AWS::ApiGateway::RestApi",
                "Properties": {"Name": "p", "EndpointConfiguration": {"Types": ["PRIVATE"]}},
            },
            "Dep": {"Type": "AWS::ApiGateway::Deployment", "Properties": {"RestApiId": {"Ref": "Api"}}},
            "Stage": {
                "Type": "AWS::ApiGateway::Stage",
                "Properties": {
                    "RestApiId": {"Ref": "Api"},
                    "DeploymentId": {"Ref": "Dep"},
                    "StageName": "s",
                    "CanarySetting": {"PercentTraffic": 10},
                },
            },
            "Domain": {
                "Type": "AWS::ApiGateway::DomainName",
                "Properties": {"DomainName": "api.example.com"},
            },
        }
    }
    path = tmp_path / "t.json"
    path.write_text(json.dumps(template), encoding="utf-8")
    assert _ignored(import_file(str(path)).warnings) == [
        "Fn: TenancyConfig; "
        "Stage: CanarySetting (no canary: the stage serves its deployment); "
        "Domain: AWS::ApiGateway::DomainName (custom domain names are not served); "
        "API p: a PRIVATE endpoint (served to any client that reaches tollway)"
    ]


@pytest.mark.parametrize(
    "props",
    [
        {"Architectures": ["x86_64" if OTHER_ARCH == "arm64" else "arm64"]},  # this machine's
        {"SnapStart": {"ApplyOn": "None"}},
        {"Policies": ["AWSLambdaBasicExecutionRole"], "Tags": {"a": "b"}, "Tracing": "Active"},
        {"ReservedConcurrentExecutions": 3},  # tollway implements it
    ],
    ids=["own-architecture", "snapstart-off", "no-behaviour", "implemented"],
)
def test_settings_that_change_nothing_here_are_not_named(tmp_path: Path, props: dict[str, object]) -> None:
    fn = {"Runtime": "python3.12", "Handler": "app.handler", "CodeUri": ".", **props}
    template = {
        "Transform": "AWS::Serverless-2016-10-31",
        "Resources": {"Fn": {"Type": "AWS::Serverless::Function", "Properties": fn}},
    }
    path = tmp_path / "template.json"
    path.write_text(json.dumps(template), encoding="utf-8")
    assert _ignored(import_file(str(path)).warnings) == []


def test_an_openapi_file_names_its_unimplemented_extensions(tmp_path: Path) -> None:
    doc = {
        "openapi": "3.0.1",
        "info": {"title": "z", "version": "1"},
        "x-amazon-apigateway-minimum-compression-size": 0,
        "paths": {"/a": {"get": {"x-amazon-apigateway-integration": {"type": "mock"}}}},
    }
    path = tmp_path / "api.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    assert _ignored(import_file(str(path)).warnings) == [
        "API z: MinimumCompressionSize (responses are not compressed)"
    ]
