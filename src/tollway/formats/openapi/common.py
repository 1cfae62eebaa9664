"""Small helpers shared by the OpenAPI importer modules: JSON pointers and typed reads.

Every read names its place in the file, so a bad value becomes a ``DefinitionError``
with an exact JSON pointer instead of a traceback.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tollway.errors import DefinitionError

OPERATION_KEYS = {
    "get": "GET",
    "post": "POST",
    "put": "PUT",
    "patch": "PATCH",
    "delete": "DELETE",
    "head": "HEAD",
    "options": "OPTIONS",
    "x-amazon-apigateway-any-method": "ANY",
}
"""OpenAPI path-item keys that are operations, and the API Gateway method they become."""

METHOD_KEYS = {method: key for key, method in OPERATION_KEYS.items()}


def escape_token(token: str) -> str:
    """Escape one JSON pointer token (RFC 6901): ``~`` -> ``~0``, ``/`` -> ``~1``."""
    return token.replace("~", "~0").replace("/", "~1")


@dataclass(frozen=True, slots=True)
class Where:
    """A place in a source file: the file name and a JSON pointer."""

    source: str
    pointer: str = ""

    def at(self, *tokens: str | int) -> Where:
        tail = "".join("/" + escape_token(str(token)) for token in tokens)
        return Where(self.source, self.pointer + tail)

    def error(self, problem: str) -> DefinitionError:
        return DefinitionError(self.source, self.pointer, problem)


def _describe(value: Any) -> str:
    if isinstance(value, Mapping) and len(value) == 1:
        (key,) = value
        if isinstance(key, str) and (key == "Ref" or key.startswith("Fn::")):
            return f"an unresolved CloudFormation intrinsic function ({key})"
    return f"a {type(value).__name__}"


def as_mapping(value: Any, where: Where) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise where.error(f"expected an object, found {_describe(value)}")
    return value


def opt_mapping(obj: Mapping[str, Any], key: str, where: Where) -> Mapping[str, Any]:
    """The object at ``key``, or an empty one when absent or null."""
    value = obj.get(key)
    if value is None:
        return {}
    return as_mapping(value, where.at(key))


def as_str(value: Any, where: Where) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise where.error(f"expected a string, found {_describe(value)}")
    # YAML turns `statusCode: 200` into an int; AWS reads it as the string "200".
    return value if isinstance(value, str) else str(value)


def opt_str(obj: Mapping[str, Any], key: str, where: Where) -> str | None:
    value = obj.get(key)
    return None if value is None else as_str(value, where.at(key))


def opt_bool(obj: Mapping[str, Any], key: str, where: Where) -> bool | None:
    value = obj.get(key)
    if value is None:
        return None
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    if not isinstance(value, bool):
        raise where.at(key).error(f"expected true or false, found {_describe(value)}")
    return value


def opt_int(obj: Mapping[str, Any], key: str, where: Where) -> int | None:
    value = obj.get(key)
    if value is None:
        return None
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise where.at(key).error(f"expected an integer, found {_describe(value)}")
    return value


def str_map(obj: Mapping[str, Any], key: str, where: Where) -> dict[str, str]:
    place = where.at(key)
    return {str(k): as_str(v, place.at(str(k))) for k, v in opt_mapping(obj, key, where).items()}


def str_list(obj: Mapping[str, Any], key: str, where: Where) -> tuple[str, ...]:
    value = obj.get(key)
    if value is None:
        return ()
    place = where.at(key)
    if isinstance(value, str):
        return (value,)
    if not isinstance(value, list):
        raise place.error(f"expected a list of strings, found {_describe(value)}")
    return tuple(as_str(item, place.at(index)) for index, item in enumerate(value))


def upper_choice(value: str, choices: tuple[str, ...], where: Where, what: str) -> str:
    """Upper-case ``value`` (AWS accepts ``aws_proxy`` for ``AWS_PROXY``) and check it."""
    upper = value.upper()
    if upper not in choices:
        raise where.error(f"unknown {what} {value!r}; expected one of {', '.join(choices)}")
    return upper
