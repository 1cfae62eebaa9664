"""The SQLite schema as an ordered list of migration steps.

``schema_version`` holds how many steps a database has had. Opening a store applies the
missing ones in one ``BEGIN IMMEDIATE`` transaction, so several processes opening the same
new file at once migrate it exactly once. Never edit a released step: append a new one.
"""

from __future__ import annotations

import sqlite3

from tollway.errors import StoreError

MIGRATIONS: tuple[tuple[str, ...], ...] = (
    # 1: the initial schema. Rows keep the full object as codec bytes in ``data``; the
    # other columns exist for lookups, ordering and integrity.
    (
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL)",
        "INSERT INTO meta (key, value) VALUES ('generation', 0)",
        """CREATE TABLE apis (
            id TEXT PRIMARY KEY,
            key TEXT NOT NULL UNIQUE,
            name TEXT NOT NULL,
            source TEXT,
            data BLOB NOT NULL
        )""",
        """CREATE TABLE deployments (
            id TEXT PRIMARY KEY,
            api_id TEXT NOT NULL REFERENCES apis (id) ON DELETE CASCADE,
            created_epoch REAL NOT NULL,
            data BLOB NOT NULL
        )""",
        "CREATE INDEX deployments_by_api ON deployments (api_id, created_epoch)",
        """CREATE TABLE stages (
            api_id TEXT NOT NULL REFERENCES apis (id) ON DELETE CASCADE,
            name TEXT NOT NULL,
            deployment_id TEXT NOT NULL REFERENCES deployments (id) ON DELETE CASCADE,
            data BLOB NOT NULL,
            PRIMARY KEY (api_id, name)
        )""",
        """CREATE TABLE management (
            scope TEXT NOT NULL,
            position INTEGER NOT NULL,
            kind TEXT NOT NULL,
            logical_id TEXT NOT NULL,
            data BLOB NOT NULL,
            PRIMARY KEY (scope, position)
        )""",
    ),
    # 2: Lambda functions, one row per function name (versions and aliases inside ``data``).
    (
        """CREATE TABLE functions (
            name TEXT PRIMARY KEY,
            source TEXT,
            data BLOB NOT NULL
        )""",
    ),
    # 3: API keys (the value is unique, as AWS's "API Key already exists") and usage plans
    # (their stages, throttles, quota and subscribed key ids inside ``data``).
    (
        """CREATE TABLE api_keys (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            value TEXT NOT NULL UNIQUE,
            data BLOB NOT NULL
        )""",
        """CREATE TABLE usage_plans (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            data BLOB NOT NULL
        )""",
    ),
    # 4: IAM identities for AWS_IAM methods, found by access key id when a request is
    # verified; the secret access key is inside ``data``.
    (
        """CREATE TABLE identities (
            access_key_id TEXT PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            data BLOB NOT NULL
        )""",
    ),
)


def migrate(conn: sqlite3.Connection, steps: tuple[tuple[str, ...], ...] = MIGRATIONS) -> int:
    """Bring the database up to ``len(steps)``; return the version it now has."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
        row = conn.execute("SELECT version FROM schema_version").fetchone()
        current = 0 if row is None else int(row[0])
        if current > len(steps):
            raise StoreError(
                f"store schema version {current} is newer than this tollway supports "
                f"({len(steps)}); upgrade tollway"
            )
        for statements in steps[current:]:
            for statement in statements:
                conn.execute(statement)
        if row is None:
            conn.execute("INSERT INTO schema_version (version) VALUES (?)", (len(steps),))
        else:
            conn.execute("UPDATE schema_version SET version = ?", (len(steps),))
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return len(steps)
