"""Reading single properties of Lambda resources into plain values (see ``functions``).

A value AWS would refuse becomes a warning and the documented default, never an error:
the APIs of the template must still import.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

from tollway.formats.cloudformation.intrinsics import NO_VALUE, Resolver

CodeKind = Literal["inline", "s3", "path", "image", "none"]
Warn = Callable[[str], None]


def prop(r: Resolver, logical_id: str, name: str) -> Any:
    """A resource property, resolved; None when absent or ``Ref AWS::NoValue``."""
    value = r.resource_property(logical_id, name)
    return None if value is NO_VALUE else value


def code_of(value: Any) -> tuple[CodeKind, str]:
    """Where ``Code`` (or a layer's ``Content``) is: inline text, ``s3://bucket/key``, a
    local path (``aws cloudformation package`` input), an image, or nothing usable."""
    if isinstance(value, str) and value:
        return ("s3", value) if value.startswith("s3://") else ("path", value)
    if not isinstance(value, dict):
        return "none", ""
    if isinstance(value.get("ZipFile"), str):
        return "inline", value["ZipFile"]
    if isinstance(value.get("ImageUri"), str):
        return "image", value["ImageUri"]
    bucket, key = value.get("S3Bucket"), value.get("S3Key")
    if isinstance(bucket, str) and isinstance(key, str):
        return "s3", f"s3://{bucket}/{key}"
    return "none", ""


def environment_of(r: Resolver, logical_id: str, warn: Warn) -> dict[str, str]:
    """``Environment.Variables`` as strings (CloudFormation passes YAML numbers and
    booleans as their text)."""
    environment = prop(r, logical_id, "Environment")
    variables = environment.get("Variables") if isinstance(environment, dict) else None
    found: dict[str, str] = {}
    for name, value in (variables if isinstance(variables, dict) else {}).items():
        if isinstance(value, bool):
            found[str(name)] = "true" if value else "false"
        elif isinstance(value, (str, int, float)):
            found[str(name)] = str(value)
        else:
            warn(f"{logical_id}: environment variable {name} is not a string; skipped")
    return found


def int_property(
    r: Resolver, logical_id: str, name: str, default: int, bounds: tuple[int, int], warn: Warn
) -> int:
    """An integer property within Lambda's ``bounds``; absent -> ``default``."""
    value = prop(r, logical_id, name)
    if value is None:
        return default
    try:
        number = int(str(value))
    except ValueError:
        number = None
    low, high = bounds
    if number is None or not low <= number <= high:
        warn(f"{logical_id}: {name} {value!r} is not an integer from {low} to {high}; {default} is used")
        return default
    return number


def weights_of(routing: Any) -> dict[str, float] | None:
    """``RoutingConfig.AdditionalVersionWeights`` as version -> weight; None if invalid
    (a version that is not a number, a weight outside 0..1, more than one version)."""
    entries = routing.get("AdditionalVersionWeights") if isinstance(routing, dict) else None
    if entries is None:
        return {}
    if not isinstance(entries, list) or len(entries) > 1:
        return None
    weights: dict[str, float] = {}
    for entry in entries:
        version = str(entry.get("FunctionVersion", "")) if isinstance(entry, dict) else ""
        try:
            weight = float(entry["FunctionWeight"])
        except (KeyError, TypeError, ValueError):
            return None
        if not version.isdigit() or not 0.0 <= weight <= 1.0:
            return None
        weights[version] = weight
    return weights
