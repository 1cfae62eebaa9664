"""The Store contract for Lambda functions, run against every backend of the store contract."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from dataclasses import replace
from pathlib import Path

import pytest

from tollway.model.functions import FunctionAlias, FunctionConfig, FunctionDef
from tollway.stores import FunctionRecord, Store, open_store
from tollway.stores.sqlite_schema import MIGRATIONS, migrate


def rich_function(name: str = "orders-ünï") -> FunctionDef:
    config = FunctionConfig(
        handler="app.handler",
        runtime="python3.12",
        code_path="/srv/code/orders",
        environment={"Z_LAST": "1", "A_FIRST": "naïve", "EMPTY": ""},
        timeout_s=30,
        memory_mb=512,
        layers=("/srv/layers/a", "/srv/layers/b.zip"),
        description="Orders",
    )
    return FunctionDef(
        name=name,
        logical_id="OrdersFunction",
        config=config,
        reserved_concurrency=0,
        versions={"1": replace(config, timeout_s=3), "2": config},
        aliases={"live": FunctionAlias("live", "2", {"1": 0.125}), "dev": FunctionAlias("dev", "$LATEST")},
        auto_publish_alias="live",
    )


def test_a_function_with_versions_and_aliases_round_trips(store: Store) -> None:
    record = FunctionRecord("orders-ünï", rich_function(), "/srv/template.yaml")
    with store.transaction() as tx:
        tx.put_function(record)

    loaded = store.get_function("orders-ünï")

    assert loaded == record
    assert loaded is not None and list(loaded.function.config.environment) == ["Z_LAST", "A_FIRST", "EMPTY"]


def test_missing_functions_read_as_none_and_an_empty_list(store: Store) -> None:
    assert (store.get_function("nope"), store.list_functions()) == (None, [])


def test_functions_are_listed_by_name(store: Store) -> None:
    with store.transaction() as tx:
        for name in ("b", "C", "a"):
            tx.put_function(FunctionRecord(name, rich_function(name)))

    assert [r.name for r in store.list_functions()] == ["C", "a", "b"]


def test_identical_rewrite_is_not_a_change_and_an_update_bumps_the_generation_once(store: Store) -> None:
    record = FunctionRecord("fn", rich_function("fn"), "t.yaml")
    with store.transaction() as tx:
        tx.put_function(record)
    start = store.generation()

    with store.transaction() as tx:
        tx.put_function(record)
    assert store.generation() == start

    changed = replace(record, function=replace(record.function, reserved_concurrency=7))
    with store.transaction() as tx:
        tx.put_function(changed)
        tx.put_function(replace(changed, source="other.yaml"))
    assert store.generation() == start + 1
    assert store.get_function("fn") == replace(changed, source="other.yaml")


def test_delete_function_says_whether_it_existed(store: Store) -> None:
    with store.transaction() as tx:
        tx.put_function(FunctionRecord("fn", rich_function("fn")))
    with store.transaction() as tx:
        assert (tx.delete_function("fn"), tx.delete_function("fn")) == (True, False)
    assert store.get_function("fn") is None


def test_a_failed_transaction_stores_no_function(store: Store) -> None:
    start = store.generation()
    with pytest.raises(RuntimeError), store.transaction() as tx:
        tx.put_function(FunctionRecord("fn", rich_function("fn")))
        assert tx.get_function("fn") is not None  # visible inside the transaction
        raise RuntimeError("crash mid-import")

    assert (store.get_function("fn"), store.generation()) == (None, start)


def test_a_store_made_before_functions_existed_is_migrated(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    with closing(sqlite3.connect(path, isolation_level=None)) as conn:
        assert migrate(conn, MIGRATIONS[:1]) == 1

    opened = open_store(f"sqlite:///{path}")
    try:
        with opened.transaction() as tx:
            tx.put_function(FunctionRecord("fn", rich_function("fn")))
        assert [r.name for r in opened.list_functions()] == ["fn"]
    finally:
        opened.close()
