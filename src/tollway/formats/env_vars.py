"""SAM CLI's environment variables file (``--env-vars FILE``), applied to functions.

The shape is SAM's: ``{"Parameters": {NAME: VALUE}, "FunctionId": {NAME: VALUE}}``. Values
under ``Parameters`` apply to every function; those under a function's logical id (or its
function name) win over them. As in SAM CLI, a file only overrides variables the function
declares in its ``Environment``; any other name is ignored, and tollway says so once.
Values are stringified as SAM does: ``true`` / ``false`` for booleans, the empty string
for null, lists and objects (unresolved intrinsics).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from tollway.errors import DefinitionError
from tollway.model.functions import FunctionConfig, FunctionDef

GLOBAL_KEY = "Parameters"


@dataclass(frozen=True, slots=True)
class EnvOverrides:
    """The values of one ``--env-vars`` file, by function id (``Parameters``: every function)."""

    source: str
    everywhere: dict[str, str] = field(default_factory=dict)
    by_function: dict[str, dict[str, str]] = field(default_factory=dict)

    def for_function(self, fn: FunctionDef) -> dict[str, str]:
        """What this file sets for ``fn``: its own entry (logical id first) over ``Parameters``."""
        values = dict(self.everywhere)
        for key in (fn.name, fn.logical_id):
            values.update(self.by_function.get(key, {}))
        return values

    def apply(self, functions: Mapping[str, FunctionDef]) -> dict[str, FunctionDef]:
        """``functions`` with their declared variables overridden (every version)."""
        return {name: self._apply_one(fn) for name, fn in functions.items()}

    def warnings(self, functions: Iterable[FunctionDef]) -> list[str]:
        """What in the file has no effect: unknown function ids, undeclared variable names."""
        fns = list(functions)
        known = {key for fn in fns for key in (fn.name, fn.logical_id)}
        found = [
            f"{self.source}: {key!r} names no function of the template; its values are ignored"
            for key in self.by_function
            if key not in known
        ]
        for fn in fns:
            declared = fn.config.environment
            unused = sorted(name for name in self.for_function(fn) if name not in declared)
            if unused and (fn.logical_id in self.by_function or fn.name in self.by_function):
                found.append(
                    f"{self.source}: {fn.logical_id} does not declare {', '.join(unused)} in its "
                    "Environment; as in SAM CLI, only declared variables are overridden"
                )
        return found

    def _apply_one(self, fn: FunctionDef) -> FunctionDef:
        values = self.for_function(fn)
        if not values:
            return fn
        return replace(
            fn,
            config=_override(fn.config, values),
            versions={v: _override(config, values) for v, config in fn.versions.items()},
        )


def _override(config: FunctionConfig, values: Mapping[str, str]) -> FunctionConfig:
    environment = {name: values.get(name, value) for name, value in config.environment.items()}
    return config if environment == config.environment else replace(config, environment=environment)


def load_env_vars(path: str) -> EnvOverrides:
    """Read and check an ``--env-vars`` file; a bad one raises DefinitionError naming the place."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise DefinitionError(path, "", exc.strerror or str(exc)) from None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DefinitionError(path, f"line {exc.lineno} column {exc.colno}", exc.msg) from None
    if not isinstance(doc, dict):
        raise DefinitionError(path, "/", 'expected an object: {"FunctionId": {"NAME": "value"}}')
    everywhere: dict[str, str] = {}
    by_function: dict[str, dict[str, str]] = {}
    for key, values in doc.items():
        if not isinstance(values, dict):
            raise DefinitionError(path, f"/{key}", "expected an object of variable names and values")
        strings = {str(name): _stringify(value) for name, value in values.items()}
        if key == GLOBAL_KEY:
            everywhere = strings
        else:
            by_function[key] = strings
    return EnvOverrides(path, everywhere, by_function)


def _stringify(value: object) -> str:
    """A value as SAM CLI passes it to the runtime."""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None or isinstance(value, dict | list):
        return ""
    return str(value)
