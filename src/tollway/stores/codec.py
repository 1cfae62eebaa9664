"""How model objects become stored bytes and back: msgspec JSON inside a small envelope
``{"v": <codec version>, "d": <data>}``, so rows written by an older tollway can be
upgraded when the model changes (add a step to ``_UPGRADES``)."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Iterable
from typing import Any, Generic, TypeVar

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


class Decoded(Generic[T]):
    """Rows decoded into ``type_``, remembered by a digest of their bytes from one call of
    ``decode_all`` to the next: a row read again unchanged is the object decoded last time,
    not decoded again. Model objects are frozen, so sharing them is safe; equal bytes decode
    to equal objects, so whatever wrote the row (an id reused after a delete, another store
    object on the same file), the digest tells. Only the last call's rows are kept.
    Thread-safe: one call at a time."""

    __slots__ = ("_known", "_lock", "_type")

    def __init__(self, type_: type[T]) -> None:
        self._type = type_
        self._known: dict[bytes, T] = {}
        self._lock = threading.Lock()

    def decode_all(self, rows: Iterable[bytes]) -> list[T]:
        with self._lock:
            known: dict[bytes, T] = self._known
            kept: dict[bytes, T] = {}
            result = []
            for data in rows:
                digest = hashlib.blake2b(data, digest_size=16).digest()
                value = kept.get(digest)
                if value is None:
                    value = known.get(digest)
                if value is None:
                    value = decode(data, self._type)
                kept[digest] = value
                result.append(value)
            self._known = kept
            return result
