"""Evaluating CloudFormation intrinsic functions offline.

The resolver plays the part of CloudFormation at stack-creation time with fixed pseudo
parameters (region ``us-east-1``, account ``123456789012``). Values only AWS would know
(physical ids, ARNs) become stable fakes derived from logical ids, so that a later stage
can map them back: ``Fn::GetAtt [Fn, Arn]`` of a Lambda function is
``arn:aws:lambda:us-east-1:123456789012:function:Fn``.

Resolution is lazy: the importer resolves only the resources it uses, so an exotic
intrinsic in a DynamoDB table never stops an API from importing.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tollway.errors import DefinitionError
from tollway.formats import yamlio
from tollway.formats.cloudformation import refs
from tollway.model.account import ACCOUNT_ID, REGION

NO_VALUE = object()
"""What ``Ref AWS::NoValue`` evaluates to; dropped from the enclosing dict or list."""

_SUB_VAR = re.compile(r"\$\{([^}]*)\}")


def pseudo_parameters(stack_name: str) -> dict[str, Any]:
    """The pseudo parameters CloudFormation would supply, with tollway's fixed values."""
    return {
        "AWS::Region": REGION,
        "AWS::AccountId": ACCOUNT_ID,
        "AWS::StackName": stack_name,
        "AWS::StackId": (
            f"arn:aws:cloudformation:{REGION}:{ACCOUNT_ID}:stack/{stack_name}/"
            "00000000-0000-0000-0000-000000000000"
        ),
        "AWS::Partition": "aws",
        "AWS::URLSuffix": "amazonaws.com",
        "AWS::NotificationARNs": [],
    }


@dataclass
class Resolver:
    """Evaluates intrinsics against one template's parameters, conditions and resources."""

    source: str
    stack_key: str
    parameters: dict[str, Any]
    resources: Mapping[str, Any]
    mappings: Mapping[str, Any] = field(default_factory=dict)
    condition_defs: Mapping[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    placeholders: bool = False
    """True when some parameters had no value and got an empty placeholder."""
    _conditions: dict[str, bool | None] = field(default_factory=dict)

    # -- public -------------------------------------------------------------------------
    def resolve(self, value: Any, pointer: str) -> Any:
        """``value`` with every intrinsic evaluated; ``AWS::NoValue`` entries removed."""
        if isinstance(value, dict):
            if len(value) == 1:
                ((key, arg),) = value.items()
                handler = _HANDLERS.get(key)
                if handler is not None:
                    return handler(self, arg, f"{pointer}/{_escape(key)}")
            out: dict[str, Any] = {}
            for key, item in value.items():
                resolved = self.resolve(item, f"{pointer}/{_escape(str(key))}")
                if resolved is not NO_VALUE:
                    out[str(key)] = resolved
            return out
        if isinstance(value, list):
            items = (self.resolve(item, f"{pointer}/{i}") for i, item in enumerate(value))
            return [item for item in items if item is not NO_VALUE]
        return value

    def condition(self, name: str, pointer: str) -> bool:
        """The truth of a named condition (evaluated once, cycles refused)."""
        if name not in self.condition_defs:
            raise self.error(pointer, f"condition {name!r} is not defined in Conditions")
        if name in self._conditions:
            state = self._conditions[name]
            if state is None:
                raise self.error(pointer, f"condition {name!r} refers to itself")
            return state
        self._conditions[name] = None
        result = self._truth(self.condition_defs[name], f"/Conditions/{_escape(name)}")
        self._conditions[name] = result
        return result

    def resource_enabled(self, logical_id: str) -> bool:
        """False when the resource's ``Condition`` is false (CloudFormation skips it)."""
        resource = self.resources.get(logical_id)
        name = resource.get("Condition") if isinstance(resource, dict) else None
        if not isinstance(name, str):
            return True
        return self.condition(name, f"/Resources/{_escape(logical_id)}/Condition")

    def error(self, pointer: str, problem: str) -> DefinitionError:
        return DefinitionError(self.source, pointer, problem)

    # -- helpers used by the handlers ---------------------------------------------------
    def _truth(self, value: Any, pointer: str) -> bool:
        resolved = self.resolve(value, pointer)
        if isinstance(resolved, bool):
            return resolved
        if isinstance(resolved, str) and resolved.lower() in ("true", "false"):
            return resolved.lower() == "true"
        raise self.error(pointer, f"a condition must evaluate to true or false, got {resolved!r}")

    def _string(self, value: Any, pointer: str) -> str:
        resolved = self.resolve(value, pointer)
        if isinstance(resolved, bool):
            return "true" if resolved else "false"
        if isinstance(resolved, (str, int, float)):
            return str(resolved)
        raise self.error(pointer, f"expected a string, got {type(resolved).__name__}")

    def _list(self, value: Any, pointer: str) -> list[Any]:
        resolved = self.resolve(value, pointer)
        if not isinstance(resolved, list):
            raise self.error(pointer, f"expected a list, got {type(resolved).__name__}")
        return resolved

    def ref(self, name: str, pointer: str) -> Any:
        if name == "AWS::NoValue":
            return NO_VALUE
        if name in self.parameters:
            return self.parameters[name]
        if name in self.resources:
            return refs.ref_value(self, name)
        return self.undefined(name, pointer)

    def get_att(self, logical_id: str, attribute: str, pointer: str) -> Any:
        if logical_id not in self.resources:
            return self.undefined(f"{logical_id}.{attribute}", pointer)
        return refs.attribute_value(self, logical_id, attribute)

    def undefined(self, name: str, pointer: str) -> str:
        """A reference to nothing the template declares.

        CloudFormation refuses such a template; tollway imports it (the name stands in
        for the value) and says so, because such references often sit in parts of a
        template tollway does not serve.
        """
        self.warnings.append(
            f"{self.source}: {pointer}: {name!r} is neither a parameter nor a resource "
            "(CloudFormation would refuse this); its name is used as the value"
        )
        return name

    def resource_type(self, logical_id: str) -> str:
        resource = self.resources.get(logical_id)
        kind = resource.get("Type") if isinstance(resource, dict) else None
        return refs.SAM_TYPES.get(str(kind), kind) if isinstance(kind, str) else ""

    def resource_property(self, logical_id: str, name: str) -> Any:
        """One property of a resource, resolved (``None`` when absent)."""
        resource = self.resources.get(logical_id)
        props = resource.get("Properties") if isinstance(resource, dict) else None
        if not isinstance(props, dict) or name not in props:
            return None
        pointer = f"/Resources/{_escape(logical_id)}/Properties/{_escape(name)}"
        return self.resolve(props[name], pointer)


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def _args(r: Resolver, arg: Any, pointer: str, name: str, count: int) -> list[Any]:
    if not isinstance(arg, list) or len(arg) != count:
        raise r.error(pointer, f"{name} takes a list of {count} values")
    return arg


def _ref(r: Resolver, arg: Any, pointer: str) -> Any:
    if not isinstance(arg, str):
        raise r.error(pointer, "Ref takes a logical id or parameter name")
    return r.ref(arg, pointer)


def _get_att(r: Resolver, arg: Any, pointer: str) -> Any:
    if isinstance(arg, str):
        arg = arg.split(".", 1)
    parts = _args(r, arg, pointer, "Fn::GetAtt", 2)
    logical_id = r._string(parts[0], pointer)
    attribute = r._string(parts[1], pointer)
    return r.get_att(logical_id, attribute, pointer)


def _sub(r: Resolver, arg: Any, pointer: str) -> str:
    variables: dict[str, Any] = {}
    if isinstance(arg, list):
        text_arg, var_arg = _args(r, arg, pointer, "Fn::Sub", 2)
        var_map = r.resolve(var_arg, f"{pointer}/1")
        if not isinstance(var_map, dict):
            raise r.error(pointer, "Fn::Sub variables must be a mapping")
        variables = var_map
    else:
        text_arg = arg
    if not isinstance(text_arg, str):
        raise r.error(pointer, "Fn::Sub takes a string (or [string, variables])")

    def replace(match: re.Match[str]) -> str:
        name = match.group(1).strip()
        if name.startswith("!"):  # ${!Literal} is written out as ${Literal}
            return "${" + name[1:] + "}"
        if name in variables:
            value = variables[name]
        elif name in r.parameters or name in r.resources:
            value = r.ref(name, pointer)
        elif "." in name:
            logical_id, attribute = name.split(".", 1)
            value = r.get_att(logical_id, attribute, pointer)
        else:
            value = r.undefined(name, pointer)
        if isinstance(value, list):
            return ",".join(str(item) for item in value)
        return "" if value is NO_VALUE else str(value)

    return _SUB_VAR.sub(replace, text_arg)


def _join(r: Resolver, arg: Any, pointer: str) -> str:
    delimiter, items = _args(r, arg, pointer, "Fn::Join", 2)
    values = r._list(items, f"{pointer}/1")
    return r._string(delimiter, pointer).join(r._string(v, pointer) for v in values)


def _select(r: Resolver, arg: Any, pointer: str) -> Any:
    index_arg, items = _args(r, arg, pointer, "Fn::Select", 2)
    index_text = r._string(index_arg, f"{pointer}/0")
    values = r._list(items, f"{pointer}/1")
    if not index_text.isdigit() or int(index_text) >= len(values):
        if r.placeholders:  # an empty parameter value, not the template, is to blame
            return ""
        raise r.error(pointer, f"Fn::Select index {index_text} is out of range")
    return values[int(index_text)]


def _split(r: Resolver, arg: Any, pointer: str) -> list[str]:
    delimiter, text = _args(r, arg, pointer, "Fn::Split", 2)
    return r._string(text, f"{pointer}/1").split(r._string(delimiter, f"{pointer}/0"))


def _if(r: Resolver, arg: Any, pointer: str) -> Any:
    name, when_true, when_false = _args(r, arg, pointer, "Fn::If", 3)
    if not isinstance(name, str):
        raise r.error(pointer, "Fn::If takes a condition name first")
    chosen = when_true if r.condition(name, pointer) else when_false
    return r.resolve(chosen, pointer)


def _equals(r: Resolver, arg: Any, pointer: str) -> bool:
    left, right = _args(r, arg, pointer, "Fn::Equals", 2)
    left_value, right_value = r.resolve(left, pointer), r.resolve(right, pointer)
    # CloudFormation compares parameter values as strings: 1 equals "1".
    left_text = _scalar_text(left_value)
    return bool(left_value == right_value) or (
        left_text is not None and left_text == _scalar_text(right_value)
    )


def _scalar_text(value: Any) -> str | None:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value) if isinstance(value, (str, int, float)) else None


def _and(r: Resolver, arg: Any, pointer: str) -> bool:
    if not isinstance(arg, list):
        raise r.error(pointer, "Fn::And takes a list of conditions")
    return all(r._truth(item, f"{pointer}/{i}") for i, item in enumerate(arg))


def _or(r: Resolver, arg: Any, pointer: str) -> bool:
    if not isinstance(arg, list):
        raise r.error(pointer, "Fn::Or takes a list of conditions")
    return any(r._truth(item, f"{pointer}/{i}") for i, item in enumerate(arg))


def _not(r: Resolver, arg: Any, pointer: str) -> bool:
    (item,) = _args(r, arg, pointer, "Fn::Not", 1)
    return not r._truth(item, pointer)


def _condition(r: Resolver, arg: Any, pointer: str) -> Any:
    if not isinstance(arg, str):  # e.g. an IAM statement's Condition block, not an intrinsic
        return {"Condition": r.resolve(arg, pointer)}
    return r.condition(arg, pointer)


def _find_in_map(r: Resolver, arg: Any, pointer: str) -> Any:
    if not isinstance(arg, list) or len(arg) not in (3, 4):
        raise r.error(pointer, "Fn::FindInMap takes [MapName, TopLevelKey, SecondLevelKey]")
    names = [r._string(item, f"{pointer}/{i}") for i, item in enumerate(arg[:3])]
    level: Any = r.mappings
    for name in names:
        if not isinstance(level, dict) or name not in level:
            if len(arg) == 4 and isinstance(arg[3], dict) and "DefaultValue" in arg[3]:
                return r.resolve(arg[3]["DefaultValue"], pointer)
            raise r.error(pointer, f"Fn::FindInMap: no key {name!r} in mapping {names[0]!r}")
        level = level[name]
    return r.resolve(level, pointer)


def _base64(r: Resolver, arg: Any, pointer: str) -> str:
    return base64.b64encode(r._string(arg, pointer).encode()).decode()


def _get_azs(r: Resolver, arg: Any, pointer: str) -> list[str]:
    region = r._string(arg, pointer) or REGION
    # us-east-1 has six availability zones; other regions get three fakes.
    suffixes = "abcdef" if region == REGION else "abc"
    return [f"{region}{letter}" for letter in suffixes]


def _import_value(r: Resolver, arg: Any, pointer: str) -> str:
    name = r._string(arg, pointer)
    # Another stack's export cannot be known offline: keep a visible placeholder.
    r.warnings.append(
        f"{r.source}: {pointer}: Fn::ImportValue {name!r} cannot be resolved offline; "
        f"a placeholder 'imported:{name}' is used"
    )
    return f"imported:{name}"


def _to_json_string(r: Resolver, arg: Any, pointer: str) -> str:
    return json.dumps(r.resolve(arg, pointer), separators=(",", ":"))


def _length(r: Resolver, arg: Any, pointer: str) -> int:
    return len(r._list(arg, pointer))


def _transform(r: Resolver, arg: Any, pointer: str) -> Any:
    included = include_document(r.source, arg, pointer, r.warnings)
    return r.resolve(included, pointer)


def include_document(source: str, arg: Any, pointer: str, warnings: list[str]) -> Any:
    """The document an ``AWS::Include`` transform names (a local file, relative to ``source``).

    An ``s3://`` location cannot be read offline; when a file of the same name sits next
    to the template (the copy that was uploaded, as a rule) it is used, with a warning.
    """
    if not isinstance(arg, dict) or arg.get("Name") != "AWS::Include":
        name = arg.get("Name") if isinstance(arg, dict) else arg
        raise DefinitionError(source, pointer, f"Fn::Transform {name!r} is not supported")
    params = arg.get("Parameters")
    location = params.get("Location") if isinstance(params, dict) else None
    if not isinstance(location, str):
        raise DefinitionError(source, pointer, "AWS::Include needs Parameters.Location")
    if location.startswith(("s3://", "https://")):
        local = Path(source).parent / location.rsplit("/", 1)[-1]
        if not local.is_file():
            raise DefinitionError(
                source,
                pointer,
                f"AWS::Include location {location} is remote; download it and use a local path",
            )
        warnings.append(
            f"{source}: {pointer}: AWS::Include location {location} is remote; "
            f"the local file {local.name} next to the template was used instead"
        )
        return yamlio.load_file(local)
    path = Path(source).parent / location
    if not path.is_file():
        raise DefinitionError(source, pointer, f"AWS::Include file {location} does not exist")
    return yamlio.load_file(path)


_Handler = Callable[[Resolver, Any, str], Any]
_HANDLERS: dict[str, _Handler] = {
    "Ref": _ref,
    "Fn::GetAtt": _get_att,
    "Fn::Sub": _sub,
    "Fn::Join": _join,
    "Fn::Select": _select,
    "Fn::Split": _split,
    "Fn::If": _if,
    "Fn::Equals": _equals,
    "Fn::And": _and,
    "Fn::Or": _or,
    "Fn::Not": _not,
    "Condition": _condition,
    "Fn::FindInMap": _find_in_map,
    "Fn::Base64": _base64,
    "Fn::GetAZs": _get_azs,
    "Fn::ImportValue": _import_value,
    "Fn::ToJsonString": _to_json_string,
    "Fn::Length": _length,
    "Fn::Transform": _transform,
}
