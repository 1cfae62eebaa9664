"""The SQLite store decodes a served deployment once: ``serving_state`` read again gives the
same object for a deployment whose row did not change (a server reloading after a change of
one API of a thousand decodes that one), across store objects on the same file too (the
``serve`` command's own read, then its workers')."""

from __future__ import annotations

from pathlib import Path

from tollway.model.api import Deployment, RestApi, Stage
from tollway.stores import ApiRecord
from tollway.stores.sqlite import SqliteStore


def put(store: SqliteStore, deployment: Deployment) -> None:
    with store.transaction() as tx:
        if tx.get_api(deployment.api_id) is None:
            tx.put_api(ApiRecord(deployment.api_id, f"k#{deployment.api_id}", deployment.api))
        tx.put_deployment(deployment)
        tx.put_stage(Stage(deployment.api_id, "prod", deployment.id))


def by_api(store: SqliteStore) -> dict[str, Deployment]:
    return {stage.api_id: deployment for stage, deployment in store.serving_state()}


def test_unchanged_deployments_are_the_objects_read_before(tmp_path: Path) -> None:
    store = SqliteStore(str(tmp_path / "t.db"))
    put(store, Deployment("depa1", "apia", 1.0, RestApi("apia", "a")))
    put(store, Deployment("depb1", "apib", 1.0, RestApi("apib", "b")))
    before = by_api(store)

    changed = Deployment("depb2", "apib", 2.0, RestApi("apib", "b", description="changed"))
    put(store, changed)
    after = by_api(store)

    assert after["apia"] is before["apia"]
    assert after["apib"] == changed and after["apib"] is not before["apib"]
    assert by_api(store)["apib"] is after["apib"]
    store.close()


def test_another_store_object_on_the_file_reads_the_same_objects(tmp_path: Path) -> None:
    path = str(tmp_path / "t.db")
    writer = SqliteStore(path)
    deployment = Deployment("depa1", "apia", 1.0, RestApi("apia", "a"))
    put(writer, deployment)
    first = by_api(writer)["apia"]

    reader = SqliteStore(path)
    assert by_api(reader)["apia"] is first
    writer.close()
    reader.close()
