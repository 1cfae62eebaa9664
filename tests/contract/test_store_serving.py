"""The Store contract for ``serving_state`` read again and again, as servers do on every change:
each read is the store's state at that moment, whatever an earlier read returned.

Run against every backend of the store contract. The SQLite store remembers the deployments
it decoded by the digest of their rows (so a reload decodes only what changed); these tests
are what that must never break.
"""

from __future__ import annotations

from dataclasses import replace

from contract.test_store_contract import rich_api, seed
from tollway.model.api import Deployment, Stage
from tollway.stores import ApiRecord, Store


def served(store: Store) -> dict[tuple[str, str], Deployment]:
    return {(stage.api_id, stage.name): deployment for stage, deployment in store.serving_state()}


def test_a_deployment_id_reused_after_its_api_was_deleted_is_read_as_the_new_one(store: Store) -> None:
    first = seed(store)
    assert served(store)[(first.api_id, "prod")] == first

    with store.transaction() as tx:
        tx.delete_api(first.api_id)  # its deployments go with it, so the id is free again
    renamed = replace(rich_api(first.api_id), name="renamed", description="the second one")
    second = Deployment(first.id, first.api_id, first.created_epoch, renamed, "second")
    with store.transaction() as tx:
        tx.put_api(ApiRecord(first.api_id, f"stack#{first.api_id}", renamed))
        tx.put_deployment(second)
        tx.put_stage(Stage(first.api_id, "prod", first.id))

    assert served(store)[(first.api_id, "prod")] == second


def test_every_read_is_the_state_of_its_moment(store: Store) -> None:
    first = seed(store)
    other = seed(store, api_id="b1b2c3d4e5", deployment_id="dep002")
    assert served(store) == {(first.api_id, "prod"): first, (other.api_id, "prod"): other}

    newer = Deployment("dep003", first.api_id, 2.0, replace(first.api, description="newer"))
    with store.transaction() as tx:
        tx.put_deployment(newer)
        tx.put_stage(Stage(first.api_id, "prod", newer.id, {"v": "2"}))
        tx.put_stage(Stage(first.api_id, "dev", first.id))
        tx.delete_stage(other.api_id, "prod")

    stages = {(s.api_id, s.name): s for s, _ in store.serving_state()}
    assert served(store) == {(first.api_id, "prod"): newer, (first.api_id, "dev"): first}
    assert stages[(first.api_id, "prod")].variables == {"v": "2"}
