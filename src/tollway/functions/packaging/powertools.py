"""Public layers known by ARN: AWS Lambda Powertools for Python, installed from PyPI.

AWS publishes Powertools as layers in account 017000801446 (other partitions use other
accounts), named ``AWSLambdaPowertoolsPython`` (v1), ``AWSLambdaPowertoolsPythonV2`` and
``AWSLambdaPowertoolsPythonV2-Arm64`` (v2), ``AWSLambdaPowertoolsPythonV3-python3XX-x86_64``
and ``-arm64`` (v3). The layers are built with the package's extras (``include_extras`` in
the project's layer stacks; v1 had only ``pydantic``), so ``tollway build`` installs
``aws-lambda-powertools[all]`` (v1: ``[pydantic]``) of the layer's version.

Which package version a layer version holds is not published as a table; ``VERSIONS`` is
read from the project's documentation history (docs/index.md names the current layer ARN at
every release): for each layer version, the release that was current when the documentation
first named it. A layer version the table does not hold takes the release of the next
version it does hold; one past the table's end takes the newest release of that major.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

PACKAGE = "aws-lambda-powertools"

_LAYER_ARN = re.compile(
    r"arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d+:layer:(?P<name>[A-Za-z0-9_-]+):(?P<version>\d+)"
)
_FAMILIES = (
    (re.compile(r"AWSLambdaPowertoolsPython"), 1),
    (re.compile(r"AWSLambdaPowertoolsPythonV2(-Arm64)?"), 2),
    (re.compile(r"AWSLambdaPowertoolsPythonV3-python3\d+-(x86_64|x86|arm64)"), 3),
)

# Layer version -> package version, per major (see the module docstring for the source).
VERSIONS: dict[int, dict[int, str]] = {
    1: {
        3: "1.21.1", 4: "1.22.0", 6: "1.23.0", 7: "1.24.0", 8: "1.24.1", 9: "1.24.2",
        10: "1.25.0", 11: "1.25.1", 13: "1.25.3", 15: "1.25.5", 16: "1.25.6", 17: "1.25.7",
        18: "1.25.9", 19: "1.25.10", 20: "1.26.1", 21: "1.26.2", 22: "1.26.3", 24: "1.26.5",
        26: "1.26.6", 28: "1.26.7", 29: "1.27.0", 33: "1.28.0", 36: "1.29.2", 37: "1.30.0",
        38: "1.31.0", 39: "1.31.1",
    },
    2: {
        11: "2.0.0", 12: "2.1.0", 13: "2.1.0", 14: "2.3.0", 15: "2.3.1", 16: "2.4.0",
        17: "2.5.0", 18: "2.6.0", 19: "2.7.0", 20: "2.7.1", 21: "2.8.0", 22: "2.9.0",
        23: "2.9.1", 24: "2.10.0", 25: "2.11.0", 26: "2.12.0", 27: "2.13.0", 28: "2.13.0",
        29: "2.14.0", 30: "2.14.0", 31: "2.14.1", 32: "2.15.0", 33: "2.16.1", 34: "2.16.2",
        35: "2.17.0", 36: "2.18.0", 37: "2.19.0", 38: "2.20.0", 39: "2.21.0", 40: "2.22.0",
        41: "2.23.0", 42: "2.23.1", 43: "2.24.0", 44: "2.25.0", 45: "2.25.1", 47: "2.26.0",
        48: "2.26.1", 49: "2.27.0", 50: "2.27.1", 51: "2.28.0", 52: "2.28.1", 53: "2.29.0",
        54: "2.29.1", 55: "2.29.1", 56: "2.30.0", 57: "2.30.1", 58: "2.30.2", 59: "2.31.0",
        60: "2.32.0", 61: "2.33.0", 62: "2.33.1", 63: "2.34.0", 64: "2.34.1", 65: "2.34.2",
        66: "2.35.0", 67: "2.35.1", 68: "2.36.0", 69: "2.37.0", 71: "2.38.1",
    },
    3: {1: "3.0.0", 2: "3.1.0", 3: "3.2.0"},
}  # fmt: skip
_EXTRAS = {1: "[pydantic]", 2: "[all]", 3: "[all]"}


@dataclass(frozen=True, slots=True)
class LayerArn:
    """A layer version ARN: ``arn:aws:lambda:REGION:ACCOUNT:layer:NAME:VERSION``."""

    name: str
    version: int


def parse_layer_arn(text: str) -> LayerArn | None:
    """The layer name and version of a layer version ARN, or None if ``text`` is not one."""
    match = _LAYER_ARN.fullmatch(text.strip())
    return LayerArn(match["name"], int(match["version"])) if match else None


def is_layer_arn(text: str) -> bool:
    return parse_layer_arn(text) is not None


def requirement(arn: str) -> str | None:
    """The pip requirement a Powertools layer ARN resolves to, or None for any other layer.

    >>> requirement("arn:aws:lambda:eu-west-1:017000801446:layer:AWSLambdaPowertoolsPythonV2:62")
    'aws-lambda-powertools[all]==2.33.1'
    """
    layer = parse_layer_arn(arn)
    if layer is None:
        return None
    major = next((m for pattern, m in _FAMILIES if pattern.fullmatch(layer.name)), None)
    if major is None:
        return None
    return f"{PACKAGE}{_EXTRAS[major]}{_version_spec(major, layer.version)}"


def _version_spec(major: int, layer_version: int) -> str:
    table = VERSIONS[major]
    later = [number for number in table if number >= layer_version]
    if later:
        return f"=={table[min(later)]}"
    return f">={major},<{major + 1}"  # newer than the table: the newest release of the major
