"""SQLite rows of IAM identities (mixed into ``Session``).

The secret access key is inside ``data`` (SigV4 needs the secret itself to verify a
signature), which is why the store file is owner-only (see ``tollway.stores.sqlite``).
"""

from __future__ import annotations

import sqlite3

from tollway.model.identity import Identity
from tollway.stores import codec


class IdentityRows:
    """Reads and writes of ``identities``; ``Session`` supplies the connection, ``_run``
    (counts changes, turns constraint failures into StoreError) and ``_check_writable``."""

    _conn: sqlite3.Connection

    def _run(self, sql: str, args: tuple[object, ...]) -> int:
        raise NotImplementedError

    def _check_writable(self) -> None:
        raise NotImplementedError

    def get_identity(self, name: str) -> Identity | None:
        row = self._conn.execute("SELECT data FROM identities WHERE name = ?", (name,)).fetchone()
        return None if row is None else codec.decode(row[0], Identity)

    def list_identities(self) -> list[Identity]:
        rows = self._conn.execute("SELECT data FROM identities ORDER BY name").fetchall()
        return [codec.decode(data, Identity) for (data,) in rows]

    def put_identity(self, identity: Identity) -> None:
        self._check_writable()
        # Upsert by name; an access key id another identity has fails the primary key
        # (StoreError naming the constraint, never the secret).
        self._run(
            "INSERT INTO identities (access_key_id, name, data) VALUES (?, ?, ?)"
            " ON CONFLICT (name) DO UPDATE SET access_key_id = excluded.access_key_id,"
            " data = excluded.data WHERE data IS NOT excluded.data",
            (identity.access_key_id, identity.name, codec.encode(identity)),
        )

    def delete_identity(self, name: str) -> bool:
        self._check_writable()
        return self._run("DELETE FROM identities WHERE name = ?", (name,)) > 0
