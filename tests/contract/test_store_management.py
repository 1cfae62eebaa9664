"""The Store contract for API keys and usage plans, run against every store backend."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from dataclasses import replace
from pathlib import Path

import pytest

from tollway.errors import StoreError
from tollway.model.plans import ApiKey, ApiStage, QuotaSettings, ThrottleSettings, UsagePlan
from tollway.stores import Store, open_store
from tollway.stores.sqlite_schema import MIGRATIONS, migrate

VALUE = "s3cr3t-value-0123456789-abcdef"


def key(key_id: str = "k1", name: str = "Ünï key", value: str = VALUE) -> ApiKey:
    return ApiKey(key_id, name, value, False, "for tests", 1700000000.5, ("api/prod",))


def plan(plan_id: str = "p1", name: str = "Gold") -> UsagePlan:
    stage = ApiStage(
        "abc", "prod", {"/pets/GET": ThrottleSettings(2.5, 5), "/pets/POST": ThrottleSettings(1, 1)}
    )
    return UsagePlan(
        plan_id,
        name,
        "gold plan",
        (stage, ApiStage("abc", "dev")),
        ThrottleSettings(100.0, 200),
        QuotaSettings(5000, "MONTH", 10),
        ("k2", "k1"),
    )


def test_keys_and_plans_round_trip_with_every_field(store: Store) -> None:
    with store.transaction() as tx:
        tx.put_api_key(key())
        tx.put_usage_plan(plan())

    assert store.get_api_key("k1") == key()
    assert store.find_api_key(VALUE) == key()
    loaded = store.get_usage_plan("p1")
    assert loaded == plan()
    assert loaded is not None and list(loaded.api_stages[0].throttle) == ["/pets/GET", "/pets/POST"]


def test_missing_keys_and_plans_read_as_none_and_empty_lists(store: Store) -> None:
    assert (store.get_api_key("x"), store.find_api_key(VALUE), store.get_usage_plan("x")) == (
        None,
        None,
        None,
    )
    assert (store.list_api_keys(), store.list_usage_plans()) == ([], [])


def test_keys_and_plans_are_listed_by_name_then_id(store: Store) -> None:
    with store.transaction() as tx:
        for key_id, name in (("b", "same"), ("a", "same"), ("c", "Alpha")):
            tx.put_api_key(key(key_id, name, value=f"{VALUE}-{key_id}"))
            tx.put_usage_plan(plan(key_id, name))

    assert [(k.name, k.id) for k in store.list_api_keys()] == [("Alpha", "c"), ("same", "a"), ("same", "b")]
    assert [(p.name, p.id) for p in store.list_usage_plans()] == [
        ("Alpha", "c"),
        ("same", "a"),
        ("same", "b"),
    ]


def test_two_keys_cannot_share_a_value_and_the_error_never_names_it(store: Store) -> None:
    """AWS: "API Key already exists" when a value is taken; the store refuses it too."""
    with store.transaction() as tx:
        tx.put_api_key(key("k1"))
    with pytest.raises(StoreError) as caught, store.transaction() as tx:
        tx.put_api_key(key("k2"))

    assert VALUE not in str(caught.value)
    assert "k1" in str(caught.value)
    assert [k.id for k in store.list_api_keys()] == ["k1"]


def test_every_change_bumps_the_generation_once_and_identical_rewrites_do_not(store: Store) -> None:
    """A running server reloads keys and plans when the generation moves."""
    with store.transaction() as tx:
        tx.put_api_key(key())
        tx.put_usage_plan(plan())
    start = store.generation()

    with store.transaction() as tx:
        tx.put_api_key(key())
        tx.put_usage_plan(plan())
    assert store.generation() == start

    with store.transaction() as tx:
        tx.put_api_key(replace(key(), enabled=True))
        tx.put_usage_plan(replace(plan(), key_ids=("k1",)))
    assert store.generation() == start + 1

    with store.transaction() as tx:
        assert (tx.delete_api_key("k1"), tx.delete_api_key("k1")) == (True, False)
        assert (tx.delete_usage_plan("p1"), tx.delete_usage_plan("p1")) == (True, False)
    assert store.generation() == start + 2
    assert (store.get_api_key("k1"), store.get_usage_plan("p1")) == (None, None)


def test_a_failed_transaction_stores_no_key_and_no_plan(store: Store) -> None:
    start = store.generation()
    with pytest.raises(RuntimeError), store.transaction() as tx:
        tx.put_api_key(key())
        tx.put_usage_plan(plan())
        assert tx.find_api_key(VALUE) is not None  # visible inside the transaction
        raise RuntimeError("crash mid-import")

    assert (store.list_api_keys(), store.list_usage_plans(), store.generation()) == ([], [], start)


def test_writes_outside_a_transaction_are_refused(store: Store) -> None:
    with store.snapshot() as snap, pytest.raises(StoreError, match="only allowed inside"):
        snap.put_api_key(key())  # type: ignore[attr-defined]


def test_a_store_made_before_keys_existed_is_migrated(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    with closing(sqlite3.connect(path, isolation_level=None)) as conn:
        assert migrate(conn, MIGRATIONS[:2]) == 2

    opened = open_store(f"sqlite:///{path}")
    try:
        with opened.transaction() as tx:
            tx.put_api_key(key())
            tx.put_usage_plan(plan())
        assert ([k.id for k in opened.list_api_keys()], [p.id for p in opened.list_usage_plans()]) == (
            ["k1"],
            ["p1"],
        )
    finally:
        opened.close()
