"""Reads and writes on one SQLite connection inside a transaction the store opened."""

from __future__ import annotations

import sqlite3

from tollway.errors import StoreError
from tollway.model.api import Deployment, Stage
from tollway.model.imported import ManagementResource
from tollway.stores import codec
from tollway.stores.base import ApiRecord, FunctionRecord
from tollway.stores.sqlite_identities import IdentityRows
from tollway.stores.sqlite_plans import ManagementRows

_STAGE_ORDER = " ORDER BY api_id, name"


class Session(ManagementRows, IdentityRows):
    """Implements ``StoreWriter`` (or only ``StoreReader`` when not writable); the rows of
    API keys and usage plans are in ``ManagementRows``, those of IAM identities in
    ``IdentityRows``."""

    def __init__(
        self, conn: sqlite3.Connection, *, writable: bool, served: codec.Decoded[Deployment] | None = None
    ) -> None:
        self._conn = conn
        self._writable = writable
        self._changed = False
        self._served = codec.Decoded(Deployment) if served is None else served
        """Where ``serving_state`` finds the deployments it read before (``SqliteStore``
        gives the process's table), so that it decodes only the changed ones."""

    # -- reads ---------------------------------------------------------------------

    def generation(self) -> int:
        row = self._conn.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()
        return int(row[0])

    def get_api(self, api_id: str) -> ApiRecord | None:
        row = self._conn.execute("SELECT data FROM apis WHERE id = ?", (api_id,)).fetchone()
        return None if row is None else codec.decode(row[0], ApiRecord)

    def list_apis(self) -> list[ApiRecord]:
        rows = self._conn.execute("SELECT data FROM apis ORDER BY name, id").fetchall()
        return [codec.decode(data, ApiRecord) for (data,) in rows]

    def get_deployment(self, deployment_id: str) -> Deployment | None:
        row = self._conn.execute("SELECT data FROM deployments WHERE id = ?", (deployment_id,)).fetchone()
        return None if row is None else codec.decode(row[0], Deployment)

    def list_deployments(self, api_id: str) -> list[Deployment]:
        rows = self._conn.execute(
            "SELECT data FROM deployments WHERE api_id = ? ORDER BY created_epoch, id", (api_id,)
        ).fetchall()
        return [codec.decode(data, Deployment) for (data,) in rows]

    def get_stage(self, api_id: str, name: str) -> Stage | None:
        row = self._conn.execute(
            "SELECT data FROM stages WHERE api_id = ? AND name = ?", (api_id, name)
        ).fetchone()
        return None if row is None else codec.decode(row[0], Stage)

    def list_stages(self, api_id: str | None = None) -> list[Stage]:
        if api_id is None:
            rows = self._conn.execute("SELECT data FROM stages" + _STAGE_ORDER).fetchall()
        else:
            rows = self._conn.execute(
                "SELECT data FROM stages WHERE api_id = ?" + _STAGE_ORDER, (api_id,)
            ).fetchall()
        return [codec.decode(data, Stage) for (data,) in rows]

    def list_management(self, scope: str | None = None) -> list[tuple[str, ManagementResource]]:
        sql = "SELECT scope, data FROM management"
        args: tuple[str, ...] = ()
        if scope is not None:
            sql, args = sql + " WHERE scope = ?", (scope,)
        rows = self._conn.execute(sql + " ORDER BY scope, position", args).fetchall()
        return [(s, codec.decode(data, ManagementResource)) for s, data in rows]

    def serving_state(self) -> list[tuple[Stage, Deployment]]:
        rows = self._conn.execute(
            "SELECT s.data, d.data FROM stages s JOIN deployments d ON d.id = s.deployment_id"
            " ORDER BY s.api_id, s.name"
        ).fetchall()
        deployments = self._served.decode_all(d for _, d in rows)
        return [(codec.decode(s, Stage), d) for (s, _), d in zip(rows, deployments, strict=True)]

    def get_function(self, name: str) -> FunctionRecord | None:
        row = self._conn.execute("SELECT data FROM functions WHERE name = ?", (name,)).fetchone()
        return None if row is None else codec.decode(row[0], FunctionRecord)

    def list_functions(self) -> list[FunctionRecord]:
        rows = self._conn.execute("SELECT data FROM functions ORDER BY name").fetchall()
        return [codec.decode(data, FunctionRecord) for (data,) in rows]

    # -- writes --------------------------------------------------------------------

    def put_api(self, record: ApiRecord) -> None:
        self._check_writable()
        # The WHERE clause makes an identical rewrite a no-op, so it is not a change.
        self._run(
            "INSERT INTO apis (id, key, name, source, data) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT (id) DO UPDATE SET key = excluded.key, name = excluded.name,"
            " source = excluded.source, data = excluded.data WHERE data IS NOT excluded.data",
            (record.id, record.key, record.api.name, record.source, codec.encode(record)),
        )

    def put_deployment(self, deployment: Deployment) -> None:
        self._check_writable()
        if self.get_deployment(deployment.id) is not None:
            raise StoreError(f"deployment {deployment.id} already exists (deployments are immutable)")
        if self.get_api(deployment.api_id) is None:
            raise StoreError(f"deployment {deployment.id} is of unknown API {deployment.api_id}")
        self._run(
            "INSERT INTO deployments (id, api_id, created_epoch, data) VALUES (?, ?, ?, ?)",
            (deployment.id, deployment.api_id, deployment.created_epoch, codec.encode(deployment)),
        )

    def put_stage(self, stage: Stage) -> None:
        self._check_writable()
        owner = self._conn.execute(
            "SELECT api_id FROM deployments WHERE id = ?", (stage.deployment_id,)
        ).fetchone()
        if owner is None or owner[0] != stage.api_id:
            raise StoreError(
                f"stage {stage.name} of API {stage.api_id} cannot point at deployment "
                f"{stage.deployment_id}: no such deployment of that API"
            )
        self._run(
            "INSERT INTO stages (api_id, name, deployment_id, data) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (api_id, name) DO UPDATE SET deployment_id = excluded.deployment_id,"
            " data = excluded.data WHERE data IS NOT excluded.data",
            (stage.api_id, stage.name, stage.deployment_id, codec.encode(stage)),
        )

    def delete_stage(self, api_id: str, name: str) -> bool:
        self._check_writable()
        return self._run("DELETE FROM stages WHERE api_id = ? AND name = ?", (api_id, name)) > 0

    def delete_api(self, api_id: str) -> bool:
        self._check_writable()
        return self._run("DELETE FROM apis WHERE id = ?", (api_id,)) > 0

    def replace_management(self, scope: str, resources: tuple[ManagementResource, ...]) -> None:
        self._check_writable()
        wanted = [codec.encode(r) for r in resources]
        rows = self._conn.execute(
            "SELECT data FROM management WHERE scope = ? ORDER BY position", (scope,)
        ).fetchall()
        if [data for (data,) in rows] == wanted:
            return
        self._run("DELETE FROM management WHERE scope = ?", (scope,))
        for position, (resource, data) in enumerate(zip(resources, wanted, strict=True)):
            self._run(
                "INSERT INTO management (scope, position, kind, logical_id, data) VALUES (?, ?, ?, ?, ?)",
                (scope, position, resource.kind, resource.logical_id, data),
            )

    def put_function(self, record: FunctionRecord) -> None:
        self._check_writable()
        self._run(
            "INSERT INTO functions (name, source, data) VALUES (?, ?, ?)"
            " ON CONFLICT (name) DO UPDATE SET source = excluded.source, data = excluded.data"
            " WHERE data IS NOT excluded.data",
            (record.name, record.source, codec.encode(record)),
        )

    def delete_function(self, name: str) -> bool:
        self._check_writable()
        return self._run("DELETE FROM functions WHERE name = ?", (name,)) > 0

    def finish(self) -> None:
        """Called just before COMMIT: one generation bump for the whole transaction."""
        if self._changed:
            self._conn.execute("UPDATE meta SET value = value + 1 WHERE key = 'generation'")

    def _run(self, sql: str, args: tuple[object, ...]) -> int:
        try:
            count = self._conn.execute(sql, args).rowcount
        except sqlite3.IntegrityError as exc:
            raise StoreError(f"store constraint failed: {exc}") from exc
        if count > 0:
            self._changed = True
        return count

    def _check_writable(self) -> None:
        if not self._writable:
            raise StoreError("writes are only allowed inside Store.transaction()")
