"""SQLite rows of API keys and usage plans (mixed into ``Session``)."""

from __future__ import annotations

import sqlite3

from tollway.errors import StoreError
from tollway.model.plans import ApiKey, UsagePlan
from tollway.stores import codec


class ManagementRows:
    """Reads and writes of ``api_keys`` and ``usage_plans``; ``Session`` supplies the
    connection, ``_run`` (counts changes) and ``_check_writable``."""

    _conn: sqlite3.Connection

    def _run(self, sql: str, args: tuple[object, ...]) -> int:
        raise NotImplementedError

    def _check_writable(self) -> None:
        raise NotImplementedError

    # -- reads ---------------------------------------------------------------------

    def get_api_key(self, key_id: str) -> ApiKey | None:
        row = self._conn.execute("SELECT data FROM api_keys WHERE id = ?", (key_id,)).fetchone()
        return None if row is None else codec.decode(row[0], ApiKey)

    def find_api_key(self, value: str) -> ApiKey | None:
        row = self._conn.execute("SELECT data FROM api_keys WHERE value = ?", (value,)).fetchone()
        return None if row is None else codec.decode(row[0], ApiKey)

    def list_api_keys(self) -> list[ApiKey]:
        rows = self._conn.execute("SELECT data FROM api_keys ORDER BY name, id").fetchall()
        return [codec.decode(data, ApiKey) for (data,) in rows]

    def get_usage_plan(self, plan_id: str) -> UsagePlan | None:
        row = self._conn.execute("SELECT data FROM usage_plans WHERE id = ?", (plan_id,)).fetchone()
        return None if row is None else codec.decode(row[0], UsagePlan)

    def list_usage_plans(self) -> list[UsagePlan]:
        rows = self._conn.execute("SELECT data FROM usage_plans ORDER BY name, id").fetchall()
        return [codec.decode(data, UsagePlan) for (data,) in rows]

    # -- writes --------------------------------------------------------------------

    def put_api_key(self, key: ApiKey) -> None:
        self._check_writable()
        taken = self._conn.execute(
            "SELECT id FROM api_keys WHERE value = ? AND id != ?", (key.value, key.id)
        ).fetchone()
        if taken is not None:
            # Never name the value: error messages end up in logs.
            raise StoreError(f"API key {key.id}: another key ({taken[0]}) has the same value")
        self._run(
            "INSERT INTO api_keys (id, name, value, data) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (id) DO UPDATE SET name = excluded.name, value = excluded.value,"
            " data = excluded.data WHERE data IS NOT excluded.data",
            (key.id, key.name, key.value, codec.encode(key)),
        )

    def delete_api_key(self, key_id: str) -> bool:
        self._check_writable()
        return self._run("DELETE FROM api_keys WHERE id = ?", (key_id,)) > 0

    def put_usage_plan(self, plan: UsagePlan) -> None:
        self._check_writable()
        self._run(
            "INSERT INTO usage_plans (id, name, data) VALUES (?, ?, ?)"
            " ON CONFLICT (id) DO UPDATE SET name = excluded.name, data = excluded.data"
            " WHERE data IS NOT excluded.data",
            (plan.id, plan.name, codec.encode(plan)),
        )

    def delete_usage_plan(self, plan_id: str) -> bool:
        self._check_writable()
        return self._run("DELETE FROM usage_plans WHERE id = ?", (plan_id,)) > 0
