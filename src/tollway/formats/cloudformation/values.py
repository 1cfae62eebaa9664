"""Small coercions for resolved CloudFormation property values.

CloudFormation accepts ``200`` and ``"200"``, ``true`` and ``"true"`` alike; these helpers
read either and name the property when a value cannot be read.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from tollway.errors import DefinitionError


class Props:
    """The resolved ``Properties`` of one resource, with typed getters that name the place."""

    def __init__(self, source: str, pointer: str, values: Mapping[str, Any]) -> None:
        self.source = source
        self.pointer = pointer
        self.values = values

    def error(self, key: str, problem: str) -> DefinitionError:
        return DefinitionError(self.source, f"{self.pointer}/{key}", problem)

    def child(self, key: str, value: Any) -> Props:
        if not isinstance(value, Mapping):
            raise self.error(key, "expected a mapping")
        return Props(self.source, f"{self.pointer}/{key}", value)

    def text(self, key: str) -> str | None:
        value = self.values.get(key)
        if value is None:
            return None
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, (str, int, float)):
            return str(value)
        raise self.error(key, f"expected a string, got {type(value).__name__}")

    def flag(self, key: str, default: bool = False) -> bool:
        value = self.values.get(key)
        if value is None:
            return default
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        raise self.error(key, f"expected true or false, got {value!r}")

    def opt_flag(self, key: str) -> bool | None:
        return None if self.values.get(key) is None else self.flag(key)

    def whole(self, key: str) -> int | None:
        value = self.values.get(key)
        if value is None:
            return None
        try:
            return int(value)
        except (TypeError, ValueError):
            raise self.error(key, f"expected a whole number, got {value!r}") from None

    def number(self, key: str) -> float | None:
        value = self.values.get(key)
        if value is None:
            return None
        try:
            return float(value)
        except (TypeError, ValueError):
            raise self.error(key, f"expected a number, got {value!r}") from None

    def text_map(self, key: str) -> dict[str, str]:
        value = self.values.get(key) or {}
        if not isinstance(value, Mapping):
            raise self.error(key, "expected a mapping of strings")
        sub = Props(self.source, f"{self.pointer}/{key}", value)
        return {str(k): sub.text(str(k)) or "" for k in value}

    def flag_map(self, key: str) -> dict[str, bool]:
        value = self.values.get(key) or {}
        if not isinstance(value, Mapping):
            raise self.error(key, "expected a mapping of booleans")
        sub = Props(self.source, f"{self.pointer}/{key}", value)
        return {str(k): sub.flag(str(k)) for k in value}

    def text_list(self, key: str) -> tuple[str, ...]:
        value = self.values.get(key) or []
        if isinstance(value, str):
            return (value,)
        if not isinstance(value, list):
            raise self.error(key, "expected a list of strings")
        return tuple(str(item) for item in value)

    def items(self, key: str) -> list[Props]:
        value = self.values.get(key) or []
        if not isinstance(value, list):
            raise self.error(key, "expected a list")
        return [self.child(f"{key}/{i}", item) for i, item in enumerate(value)]

    def document(self, key: str) -> Any:
        """A property that may hold a document or the same document as a JSON string."""
        value = self.values.get(key)
        if isinstance(value, str):
            try:
                return json.loads(value)
            except json.JSONDecodeError as exc:
                raise self.error(key, f"invalid JSON: {exc.msg}") from None
        return value


def decode_media_type(value: str) -> str:
    """CloudFormation writes ``/`` in binary media types as ``~1`` (``image~1png``)."""
    return value.replace("~1", "/")
