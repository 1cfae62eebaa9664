"""How model objects become stored bytes and back: msgspec JSON inside a small envelope
``{"v": <codec version>, "d": <data>}``, so rows written by an older tollway can be
upgraded when the model changes (add a step to ``_UPGRADES``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import msgspec

from tollway.errors import StoreError

CODEC_VERSION = 1

T = TypeVar("T")

# _UPGRADES[n] turns the builtins of version n into those of version n + 1.
_UPGRADES: dict[int, Callable[[type[Any], Any], Any]] = {}

_encoder = msgspec.json.Encoder()
_decoder = msgspec.json.Decoder()


def encode(value: object) -> bytes:
    """Serialise a model dataclass (dict key order kept as written)."""
    return _encoder.encode({"v": CODEC_VERSION, "d": msgspec.to_builtins(value)})


def decode(data: bytes, type_: type[T]) -> T:
    """Rebuild a ``type_`` from ``encode``'s bytes, upgrading older versions."""
    try:
        envelope = _decoder.decode(data)
        version, payload = envelope["v"], envelope["d"]
    except (msgspec.DecodeError, KeyError, TypeError) as exc:
        raise StoreError(f"stored {type_.__name__} is not readable: {exc}") from exc
    if not isinstance(version, int) or version > CODEC_VERSION:
        raise StoreError(
            f"stored {type_.__name__} has codec version {version!r}; this tollway reads up to "
            f"{CODEC_VERSION} (was the store written by a newer tollway?)"
        )
    while version < CODEC_VERSION:
        payload = _UPGRADES[version](type_, payload)
        version += 1
    try:
        return msgspec.convert(payload, type=type_)
    except msgspec.ValidationError as exc:
        raise StoreError(f"stored {type_.__name__} does not match the model: {exc}") from exc
