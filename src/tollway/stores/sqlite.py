"""The embedded store: one SQLite file shared by every tollway process on a machine.

WAL mode lets readers run while one process writes; ``busy_timeout`` makes a writer wait
for another instead of failing; each logical operation is one ``BEGIN IMMEDIATE``
transaction, so a crash mid-write leaves the previous state.

The file holds secrets (API key values, IAM secret access keys: SigV4 needs the secret
itself), so it is owner-only: created 0600 before SQLite first opens it, and an existing
file (with its ``-wal`` and ``-shm``) is narrowed to 0600 whenever a store is opened; the
directory holding it is created 0700. SQLite creates ``-wal``/``-shm`` with the mode of the
database file, so they stay 0600 too. A file we may not chmod (not ours) is only warned about.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import stat
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tollway.errors import StoreError
from tollway.model.api import Deployment, Stage
from tollway.model.identity import Identity
from tollway.model.imported import ManagementResource
from tollway.model.plans import ApiKey, UsagePlan
from tollway.stores import codec
from tollway.stores.base import ApiRecord, FunctionRecord
from tollway.stores.sqlite_schema import migrate
from tollway.stores.sqlite_session import Session

MEMORY = ":memory:"
FILE_MODE = 0o600
DIR_MODE = 0o700
_SIDE_FILES = ("", "-wal", "-shm", "-journal")

log = logging.getLogger(__name__)

SERVED_DEPLOYMENTS: codec.Decoded[Deployment] = codec.Decoded(Deployment)
"""The deployments ``serving_state`` read last in this process, by the digest of their rows.
A server reads them on every change of the store, mostly unchanged; and ``tollway serve``
reads them once to print the URLs, then each worker (its own store object, a forked copy of
this one) reads them again. One table for the process makes all those reads decode only
what changed, and keeps one copy of each deployment."""


class SqliteStore:
    """A ``Store`` on one SQLite database file (or ``:memory:`` for tests).

    One connection per object, guarded by a lock so threads can share the object.
    """

    def __init__(self, path: str, *, busy_timeout_ms: int = 10_000) -> None:
        self.path = path
        self._lock = threading.RLock()
        self._conn = _connect(path, busy_timeout_ms)
        try:
            migrate(self._conn)
        except sqlite3.Error as exc:
            self._conn.close()
            raise StoreError(f"cannot prepare store {path}: {exc}") from exc

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        with self._lock, _translated(self.path):
            self._conn.execute("BEGIN IMMEDIATE")
            session = Session(self._conn, writable=True, served=SERVED_DEPLOYMENTS)
            try:
                yield session
                session.finish()
                self._conn.execute("COMMIT")
            except BaseException:
                _end(self._conn, "ROLLBACK")
                raise

    @contextmanager
    def snapshot(self) -> Iterator[Session]:
        with self._lock, _translated(self.path):
            # A deferred transaction: its first read fixes the snapshot in WAL mode.
            self._conn.execute("BEGIN")
            try:
                yield Session(self._conn, writable=False, served=SERVED_DEPLOYMENTS)
            finally:
                _end(self._conn, "COMMIT")

    def generation(self) -> int:
        with self.snapshot() as s:
            return s.generation()

    def get_api(self, api_id: str) -> ApiRecord | None:
        with self.snapshot() as s:
            return s.get_api(api_id)

    def list_apis(self) -> list[ApiRecord]:
        with self.snapshot() as s:
            return s.list_apis()

    def get_deployment(self, deployment_id: str) -> Deployment | None:
        with self.snapshot() as s:
            return s.get_deployment(deployment_id)

    def list_deployments(self, api_id: str) -> list[Deployment]:
        with self.snapshot() as s:
            return s.list_deployments(api_id)

    def get_stage(self, api_id: str, name: str) -> Stage | None:
        with self.snapshot() as s:
            return s.get_stage(api_id, name)

    def list_stages(self, api_id: str | None = None) -> list[Stage]:
        with self.snapshot() as s:
            return s.list_stages(api_id)

    def list_management(self, scope: str | None = None) -> list[tuple[str, ManagementResource]]:
        with self.snapshot() as s:
            return s.list_management(scope)

    def serving_state(self) -> list[tuple[Stage, Deployment]]:
        with self.snapshot() as s:
            return s.serving_state()

    def get_function(self, name: str) -> FunctionRecord | None:
        with self.snapshot() as s:
            return s.get_function(name)

    def list_functions(self) -> list[FunctionRecord]:
        with self.snapshot() as s:
            return s.list_functions()

    def get_api_key(self, key_id: str) -> ApiKey | None:
        with self.snapshot() as s:
            return s.get_api_key(key_id)

    def find_api_key(self, value: str) -> ApiKey | None:
        with self.snapshot() as s:
            return s.find_api_key(value)

    def list_api_keys(self) -> list[ApiKey]:
        with self.snapshot() as s:
            return s.list_api_keys()

    def get_usage_plan(self, plan_id: str) -> UsagePlan | None:
        with self.snapshot() as s:
            return s.get_usage_plan(plan_id)

    def list_usage_plans(self) -> list[UsagePlan]:
        with self.snapshot() as s:
            return s.list_usage_plans()

    def get_identity(self, name: str) -> Identity | None:
        with self.snapshot() as s:
            return s.get_identity(name)

    def list_identities(self) -> list[Identity]:
        with self.snapshot() as s:
            return s.list_identities()


def _connect(path: str, busy_timeout_ms: int) -> sqlite3.Connection:
    if path != MEMORY:
        _prepare_file(path)
    try:
        # isolation_level=None: we issue BEGIN/COMMIT ourselves.
        conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        if path != MEMORY:
            conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA foreign_keys = ON")
    except sqlite3.Error as exc:
        raise StoreError(f"cannot open store {path}: {exc}") from exc
    return conn


def _prepare_file(path: str) -> None:
    """Create the directory (0700) and an empty database file (0600) if they are missing,
    then make the file and its side files owner-only."""
    file = Path(path)
    try:
        if not file.parent.exists():
            # Only the last directory gets the mode (its parents get the default): it is the
            # one tollway made for the store (.tollway). An existing directory is left alone.
            file.parent.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(f"cannot create the directory of store {path}: {exc}") from exc
    try:
        # O_EXCL: never race another process creating it; an empty file is an empty database.
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))
    except FileExistsError:
        pass
    except OSError as exc:
        raise StoreError(f"cannot create store {path}: {exc}") from exc
    for suffix in _SIDE_FILES:
        _owner_only(path + suffix)


def _owner_only(path: str) -> None:
    try:
        mode = stat.S_IMODE(os.stat(path).st_mode)
        if mode & ~FILE_MODE:
            os.chmod(path, mode & FILE_MODE)
    except FileNotFoundError:
        pass
    except OSError as exc:
        log.warning("cannot make store file %s owner-only (it holds secrets): %s", path, exc.strerror)


def _end(conn: sqlite3.Connection, statement: str) -> None:
    # SQLite may already have ended the transaction itself (e.g. after SQLITE_FULL).
    if conn.in_transaction:
        conn.execute(statement)


@contextmanager
def _translated(path: str) -> Iterator[None]:
    """Report SQLite failures (locked for too long, disk full, constraint) as StoreError."""
    try:
        yield
    except sqlite3.Error as exc:
        raise StoreError(f"store {path}: {exc}") from exc
