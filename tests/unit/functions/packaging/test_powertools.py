"""Public layers known by ARN: AWS Lambda Powertools for Python layer versions resolve to the
PyPI package of the same version (offline: no registry is asked)."""

from __future__ import annotations

import pytest

from tollway.functions.packaging.powertools import VERSIONS, is_layer_arn, parse_layer_arn, requirement

ACCOUNT = "017000801446"


def arn(name: str, version: int, region: str = "eu-west-1", partition: str = "aws") -> str:
    return f"arn:{partition}:lambda:{region}:{ACCOUNT}:layer:{name}:{version}"


@pytest.mark.parametrize(
    ("layer", "expected"),
    [
        # Anchors AWS's documentation states outright: the homepage change "update layer
        # version to 62 for package version 2.33.1", the release note of v3.2.0 ("creates the
        # layer version 3"), and layer 17 holding aws-lambda-powertools==2.5.0 (issue #1942).
        (arn("AWSLambdaPowertoolsPythonV2", 62), "aws-lambda-powertools[all]==2.33.1"),
        (arn("AWSLambdaPowertoolsPythonV2-Arm64", 62), "aws-lambda-powertools[all]==2.33.1"),
        (arn("AWSLambdaPowertoolsPythonV2", 17), "aws-lambda-powertools[all]==2.5.0"),
        (arn("AWSLambdaPowertoolsPythonV3-python312-x86_64", 3), "aws-lambda-powertools[all]==3.2.0"),
        (arn("AWSLambdaPowertoolsPythonV3-python313-arm64", 1), "aws-lambda-powertools[all]==3.0.0"),
        (arn("AWSLambdaPowertoolsPython", 39), "aws-lambda-powertools[pydantic]==1.31.1"),
    ],
)
def test_known_layer_versions_resolve_to_their_package_version(layer: str, expected: str) -> None:
    assert requirement(layer) == expected


def test_a_layer_version_missing_from_the_table_takes_the_next_known_release() -> None:
    """Layer 46 was never on the documentation's homepage; 47 was, with 2.26.0."""
    assert 46 not in VERSIONS[2]
    assert requirement(arn("AWSLambdaPowertoolsPythonV2", 46)) == "aws-lambda-powertools[all]==2.26.0"
    # The pre-releases of v2 (layers 1-10) resolve to its first release.
    assert requirement(arn("AWSLambdaPowertoolsPythonV2", 6)) == "aws-lambda-powertools[all]==2.0.0"


def test_a_layer_version_newer_than_the_table_takes_the_newest_release_of_its_major() -> None:
    layer = arn("AWSLambdaPowertoolsPythonV3-python312-x86_64", 27)
    assert requirement(layer) == "aws-lambda-powertools[all]>=3,<4"
    assert requirement(arn("AWSLambdaPowertoolsPythonV2", 79)) == "aws-lambda-powertools[all]>=2,<3"


def test_other_partitions_and_regions_resolve_the_same() -> None:
    china = "arn:aws-cn:lambda:cn-north-1:498634801083:layer:AWSLambdaPowertoolsPythonV2:62"
    assert requirement(china) == "aws-lambda-powertools[all]==2.33.1"


@pytest.mark.parametrize(
    "layer",
    [
        "arn:aws:lambda:us-east-1:094274105915:layer:AWSLambdaPowertoolsTypeScriptV2:20",
        "arn:aws:lambda:us-east-1:123456789012:layer:my-own-layer:4",
        "arn:aws:lambda:us-east-1:580247275435:layer:LambdaInsightsExtension:38",
    ],
)
def test_other_layers_are_not_resolved(layer: str) -> None:
    assert is_layer_arn(layer)
    assert requirement(layer) is None


def test_only_layer_version_arns_are_layer_arns() -> None:
    assert parse_layer_arn(arn("AWSLambdaPowertoolsPythonV2", 5)) is not None
    assert not is_layer_arn("/home/me/project/layers/shared")
    assert not is_layer_arn("arn:aws:lambda:us-east-1:123456789012:function:fn")
    assert not is_layer_arn("arn:aws:lambda:us-east-1:123456789012:layer:no-version")
