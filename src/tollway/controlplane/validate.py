"""Checks AWS applies to stages (names and stage variables), with the limits it documents."""

from __future__ import annotations

import re
from collections.abc import Mapping

# AWS: stage names are alphanumeric plus '-' and '_', at most 128 characters.
_STAGE_NAME = re.compile(r"[A-Za-z0-9_-]{1,128}")
# AWS: variable names alphanumeric and underscore (at most 64 characters); values match
# [A-Za-z0-9-._~:/?#&=,]+ (at most 512); at most 100 variables per stage.
_VARIABLE_NAME = re.compile(r"[A-Za-z0-9_]{1,64}")
_VARIABLE_VALUE = re.compile(r"[A-Za-z0-9\-._~:/?#&=,]{1,512}")
MAX_VARIABLES = 100


def stage_name_problem(name: str) -> str | None:
    """Why ``name`` is not a valid stage name, or None."""
    if _STAGE_NAME.fullmatch(name):
        return None
    return f"stage name {name!r} is invalid: use 1 to 128 characters from a-zA-Z0-9_-"


def variables_problem(variables: Mapping[str, str]) -> str | None:
    """Why ``variables`` are not valid stage variables, or None."""
    if len(variables) > MAX_VARIABLES:
        return f"a stage has at most {MAX_VARIABLES} variables, not {len(variables)}"
    for name, value in variables.items():
        if not _VARIABLE_NAME.fullmatch(name):
            return f"stage variable name {name!r} is invalid: use 1 to 64 characters from a-zA-Z0-9_"
        if not isinstance(value, str) or not _VARIABLE_VALUE.fullmatch(value):
            return (
                f"stage variable {name} has an invalid value {value!r}: use 1 to 512 characters "
                "matching [A-Za-z0-9-._~:/?#&=,]+"
            )
    return None
