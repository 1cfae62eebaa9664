"""Durable configuration: the ``Store`` protocol and its implementations.

``open_store(url)`` is the one way in: ``sqlite:///relative/path.db``,
``sqlite:////absolute/path.db`` or ``sqlite:///:memory:``.
"""

from __future__ import annotations

from tollway.errors import StoreError
from tollway.stores.base import ApiRecord, FunctionRecord, Store, StoreReader, StoreWriter
from tollway.stores.sqlite import SqliteStore

SQLITE_PREFIX = "sqlite:///"


def open_store(url: str) -> Store:
    """Open (creating and migrating if needed) the store at ``url``."""
    if url.startswith(SQLITE_PREFIX):
        path = url[len(SQLITE_PREFIX) :]
        if not path:
            raise StoreError(f"store URL {url!r} names no file (expected sqlite:///path/to/file.db)")
        return SqliteStore(path)
    scheme = url.split("://", 1)[0] if "://" in url else url
    raise StoreError(
        f"unsupported store URL {url!r} (scheme {scheme!r}); supported: "
        "sqlite:///relative/path.db, sqlite:////absolute/path.db, sqlite:///:memory:"
    )


__all__ = ["ApiRecord", "FunctionRecord", "SqliteStore", "Store", "StoreReader", "StoreWriter", "open_store"]
