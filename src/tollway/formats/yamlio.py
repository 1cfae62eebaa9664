"""Reading JSON and YAML definition files, with CloudFormation's short-form tags.

``!Ref X`` becomes ``{"Ref": "X"}``, ``!GetAtt A.B`` becomes ``{"Fn::GetAtt": ["A", "B"]}``
and every other ``!Name value`` becomes ``{"Fn::Name": value}``, as CloudFormation reads them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from tollway.errors import DefinitionError


class _CfnLoader(yaml.SafeLoader):
    """SafeLoader that understands CloudFormation's short-form intrinsic tags."""


def _construct_tag(loader: _CfnLoader, tag_suffix: str, node: yaml.Node) -> dict[str, Any]:
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    if tag_suffix == "Ref":
        return {"Ref": value}
    if tag_suffix == "Condition":
        return {"Condition": value}
    if tag_suffix == "GetAtt" and isinstance(value, str):
        logical, _, attribute = value.partition(".")
        return {"Fn::GetAtt": [logical, attribute]}
    return {f"Fn::{tag_suffix}": value}


_CfnLoader.add_multi_constructor("!", _construct_tag)


def _no_dates(loader: _CfnLoader, node: yaml.ScalarNode) -> str:
    # CloudFormation keeps "2010-09-09" a string; so do we.
    return str(loader.construct_scalar(node))


_CfnLoader.add_constructor("tag:yaml.org,2002:timestamp", _no_dates)


def parse_text(text: str, source: str) -> Any:
    """Parse JSON or YAML text; errors name ``source`` and the line."""
    stripped = text.lstrip()
    if stripped.startswith(("{", "[")):
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise DefinitionError(source, f"line {exc.lineno}", f"invalid JSON: {exc.msg}") from None
    try:
        return yaml.load(text, Loader=_CfnLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"line {mark.line + 1}" if mark is not None else ""
        raise DefinitionError(source, where, f"invalid YAML: {exc.problem}") from None
    except yaml.YAMLError as exc:
        raise DefinitionError(source, "", f"invalid YAML: {exc}") from None


def load_file(path: str | Path) -> Any:
    """Read and parse a JSON or YAML file."""
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DefinitionError(source, "", "file not found") from None
    except UnicodeDecodeError:
        raise DefinitionError(source, "", "not a UTF-8 text file") from None
    except OSError as exc:
        raise DefinitionError(source, "", f"cannot read file: {exc.strerror}") from None
    return parse_text(text, source)


def dump_yaml(data: Any) -> str:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
