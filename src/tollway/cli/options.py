"""Option value types shared by the commands: range-checked numbers with one-line errors."""

from __future__ import annotations

import argparse


def number(value: str, low: float, high: float, kind: type[int] | type[float]) -> float:
    """``value`` as ``kind`` within ``[low, high]``, else argparse's usage error."""
    try:
        parsed = kind(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"not {'an integer' if kind is int else 'a number'}: {value!r}"
        ) from None
    if not low <= parsed <= high:  # (NaN fails too)
        bounds = f"{low:g} to {high:g}" if high < 1e9 else f"a number >= {low:g}"
        raise argparse.ArgumentTypeError(f"must be {bounds}, not {value!r}")
    return parsed


def port(value: str) -> int:
    """A port to listen on: 0 (any free one) to 65535."""
    return int(number(value, 0, 65535, int))


def debug_port(value: str) -> int:
    """A port a debugger attaches to: 1 to 65535."""
    return int(number(value, 1, 65535, int))


def positive(value: str) -> int:
    return int(number(value, 1, 1 << 20, int))


def non_negative(value: str) -> float:
    return number(value, 0, 1e15, float)


def count(value: str) -> int:
    """How many of something, none allowed: 0 to 2**20."""
    return int(number(value, 0, 1 << 20, int))
