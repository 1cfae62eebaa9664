"""The Store contract: every store implementation must pass this whole file.

To add an implementation (PostgreSQL), append a ``Backend`` to ``BACKENDS`` whose ``url``
returns a fresh, empty store for each test.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from tollway.errors import StoreError
from tollway.model.api import (
    Authorizer,
    Deployment,
    GatewayResponse,
    Integration,
    IntegrationResponse,
    Method,
    MethodResponse,
    MethodSetting,
    Model,
    RequestValidator,
    Resource,
    RestApi,
    Stage,
)
from tollway.model.imported import ManagementResource
from tollway.stores import ApiRecord, Store, codec, open_store
from tollway.stores.sqlite_schema import MIGRATIONS, migrate


@dataclass(frozen=True)
class Backend:
    name: str
    url: Callable[[Path], str]


BACKENDS = [Backend("sqlite-file", lambda tmp: f"sqlite:///{tmp / 'store' / 'tollway.db'}")]


@pytest.fixture(params=BACKENDS, ids=[b.name for b in BACKENDS])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    backend: Backend = request.param
    return backend.url(tmp_path)


@pytest.fixture
def store(url: str) -> Iterator[Store]:
    opened = open_store(url)
    yield opened
    opened.close()


def rich_api(api_id: str = "a1b2c3d4e5", name: str = "Pets ünïcode") -> RestApi:
    """A RestApi with every kind of field set, including nested JSON and non-ASCII text."""
    integration = Integration(
        type="AWS",
        http_method="POST",
        uri="arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn/invocations",
        request_parameters={"integration.request.header.x-id": "method.request.path.petId"},
        request_templates={"application/json": '{"id": "$input.params(\'petId\')"}'},
        passthrough_behavior="NEVER",
        content_handling="CONVERT_TO_TEXT",
        timeout_ms=5000,
        responses=(
            IntegrationResponse("200", None, {"method.response.header.X-A": "'a'"}, {"application/json": ""}),
            IntegrationResponse("404", ".*not found.*", content_handling="CONVERT_TO_BINARY"),
        ),
        cache_key_parameters=("method.request.path.petId",),
        cache_namespace="ns",
        tls_config={"insecureSkipVerification": True},
    )
    method = Method(
        http_method="GET",
        authorization_type="CUSTOM",
        authorizer_id="auth01",
        authorization_scopes=("read", "write"),
        api_key_required=True,
        operation_name="GetPet",
        request_parameters={"method.request.path.petId": True, "method.request.querystring.q": False},
        request_models={"application/json": "Pet"},
        request_validator_id="val01",
        integration=integration,
        method_responses=(
            MethodResponse("200", {"method.response.header.X-A": False}, {"application/json": "Pet"}),
        ),
    )
    return RestApi(
        id=api_id,
        name=name,
        description="déscription",
        version="1.0",
        resources=(
            Resource("/"),
            Resource("/pets/{petId}", {"GET": method, "ANY": Method("ANY", integration=Integration("MOCK"))}),
        ),
        models=(Model("Pet", schema={"type": "object", "properties": {"z": {"type": "string"}, "a": {}}}),),
        request_validators=(RequestValidator("val01", "all", True, True),),
        gateway_responses=(GatewayResponse("DEFAULT_4XX", "400", {"gatewayresponse.header.X": "'x'"}, {}),),
        authorizers=(Authorizer("auth01", "tok", "TOKEN", "arn:fn", "method.request.header.Authorization"),),
        binary_media_types=("image/png", "*/*"),
        api_key_source="AUTHORIZER",
        minimum_compression_size=1024,
        endpoint_types=("REGIONAL",),
        policy={"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*"}]},
        disable_execute_api_endpoint=True,
    )


def seed(store: Store, api_id: str = "a1b2c3d4e5", deployment_id: str = "dep001") -> Deployment:
    """Store one API with one deployment served by stage ``prod``."""
    api = rich_api(api_id)
    deployment = Deployment(deployment_id, api_id, 1_700_000_000.125, api, "first")
    with store.transaction() as tx:
        tx.put_api(ApiRecord(api_id, f"stack#{api_id}", api, "template.yaml"))
        tx.put_deployment(deployment)
        tx.put_stage(Stage(api_id, "prod", deployment_id, {"v": "1"}))
    return deployment


# -- round trip ------------------------------------------------------------------------


def test_rich_rest_api_round_trips_byte_for_byte(store: Store) -> None:
    api = rich_api()
    record = ApiRecord("a1b2c3d4e5", "stack#Api", api, "dir/template.yaml")
    deployment = Deployment("dep001", "a1b2c3d4e5", 1_700_000_000.123456, api, "first")
    stage = Stage(
        "a1b2c3d4e5",
        "prod",
        "dep001",
        {"url": "example.com"},
        "Production",
        {"*/*": MethodSetting(10.5, 20, True, 300, "INFO", True, False)},
        tracing_enabled=True,
        cache_cluster_enabled=True,
    )
    with store.transaction() as tx:
        tx.put_api(record)
        tx.put_deployment(deployment)
        tx.put_stage(stage)

    loaded = (store.get_api(record.id), store.get_deployment("dep001"), store.get_stage("a1b2c3d4e5", "prod"))

    assert loaded == (record, deployment, stage)
    assert [codec.encode(x) for x in loaded] == [codec.encode(x) for x in (record, deployment, stage)]
    # Dict key order is part of what users wrote (schema properties, templates): kept.
    assert list(loaded[1].api.models[0].schema["properties"]) == ["z", "a"]  # type: ignore[union-attr]


def test_missing_rows_read_as_none_and_empty_lists(store: Store) -> None:
    assert store.get_api("nope") is None
    assert store.get_deployment("nope") is None
    assert store.get_stage("nope", "prod") is None
    assert (store.list_apis(), store.list_stages(), store.list_deployments("x")) == ([], [], [])
    assert (store.list_management(), store.serving_state()) == ([], [])


def test_serving_state_pairs_every_stage_with_its_deployment(store: Store) -> None:
    deployment = seed(store)
    with store.transaction() as tx:
        tx.put_stage(Stage(deployment.api_id, "dev", deployment.id))

    assert [(s.name, d.id) for s, d in store.serving_state()] == [("dev", "dep001"), ("prod", "dep001")]


def test_listings_are_ordered_by_name_then_id_and_deployments_oldest_first(store: Store) -> None:
    with store.transaction() as tx:
        for api_id, name in [("idc", "beta"), ("idb", "alpha"), ("ida", "beta")]:
            tx.put_api(ApiRecord(api_id, f"k#{api_id}", RestApi(api_id, name)))
        for dep_id, epoch in [("depz", 1.0), ("depa", 3.0), ("depm", 2.0)]:
            tx.put_deployment(Deployment(dep_id, "ida", epoch, RestApi("ida", "beta")))

    assert [r.id for r in store.list_apis()] == ["idb", "ida", "idc"]
    assert [d.id for d in store.list_deployments("ida")] == ["depz", "depm", "depa"]


# -- generation ------------------------------------------------------------------------


def test_generation_bumps_once_per_committed_change(store: Store) -> None:
    start = store.generation()
    seed(store)  # three writes, one transaction
    assert store.generation() == start + 1

    with store.transaction() as tx:  # rewriting identical rows is not a change
        tx.put_api(ApiRecord("a1b2c3d4e5", "stack#a1b2c3d4e5", rich_api(), "template.yaml"))
        tx.put_stage(Stage("a1b2c3d4e5", "prod", "dep001", {"v": "1"}))
    assert store.generation() == start + 1

    with store.transaction() as tx:
        tx.put_stage(Stage("a1b2c3d4e5", "prod", "dep001", {"v": "2"}))
    assert store.generation() == start + 2


def test_reads_inside_a_transaction_see_its_own_writes(store: Store) -> None:
    with store.transaction() as tx:
        tx.put_api(ApiRecord("x1", "k#x1", RestApi("x1", "X")))
        assert tx.get_api("x1") == ApiRecord("x1", "k#x1", RestApi("x1", "X"))


# -- integrity -------------------------------------------------------------------------


def test_transaction_rolls_back_everything_when_the_block_raises(store: Store) -> None:
    seed(store)
    before = (store.generation(), store.list_apis(), store.list_stages())

    with pytest.raises(RuntimeError, match="boom"), store.transaction() as tx:
        tx.put_api(ApiRecord("other", "k#other", RestApi("other", "Other")))
        tx.delete_stage("a1b2c3d4e5", "prod")
        raise RuntimeError("boom")

    assert (store.generation(), store.list_apis(), store.list_stages()) == before


def test_deployments_are_immutable(store: Store) -> None:
    deployment = seed(store)
    with pytest.raises(StoreError, match="deployment dep001 already exists"), store.transaction() as tx:
        tx.put_deployment(replace(deployment, description="changed"))
    assert store.get_deployment("dep001") == deployment


def test_stage_must_point_at_a_deployment_of_its_own_api(store: Store) -> None:
    seed(store)
    with store.transaction() as tx:
        tx.put_api(ApiRecord("other", "k#other", RestApi("other", "Other")))
    with pytest.raises(StoreError, match="no such deployment of that API"), store.transaction() as tx:
        tx.put_stage(Stage("other", "prod", "dep001"))
    with pytest.raises(StoreError, match="no such deployment"), store.transaction() as tx:
        tx.put_stage(Stage("a1b2c3d4e5", "prod", "missing"))
    with pytest.raises(StoreError, match="unknown API nope"), store.transaction() as tx:
        tx.put_deployment(Deployment("dep999", "nope", 1.0, RestApi("nope", "N")))


def test_deleting_an_api_deletes_its_stages_and_deployments(store: Store) -> None:
    seed(store)
    with store.transaction() as tx:
        assert tx.delete_api("a1b2c3d4e5") is True
        assert tx.delete_api("a1b2c3d4e5") is False
    assert (store.list_apis(), store.list_stages(), store.get_deployment("dep001")) == ([], [], None)


def test_writes_outside_a_transaction_are_refused(store: Store) -> None:
    with pytest.raises(StoreError, match=r"only allowed inside Store\.transaction"), store.snapshot() as snap:
        snap.put_api(ApiRecord("x", "k", RestApi("x", "X")))  # type: ignore[attr-defined]


def test_management_resources_are_replaced_per_scope_in_order(store: Store) -> None:
    key = ManagementResource("AWS::ApiGateway::ApiKey", "Key", {"Enabled": True, "Value": "abc"})
    plan = ManagementResource("AWS::ApiGateway::UsagePlan", "Plan", {"Throttle": {"RateLimit": 5}})
    with store.transaction() as tx:
        tx.replace_management("/a.yaml", (plan, key))
        tx.replace_management("/b.yaml", (key,))
    generation = store.generation()
    with store.transaction() as tx:
        tx.replace_management("/a.yaml", (plan, key))
    assert store.generation() == generation  # same set: no change

    with store.transaction() as tx:
        tx.replace_management("/a.yaml", (key,))

    assert store.list_management("/a.yaml") == [("/a.yaml", key)]
    assert store.list_management() == [("/a.yaml", key), ("/b.yaml", key)]
    assert store.generation() == generation + 1


# -- several processes -----------------------------------------------------------------


def test_two_store_objects_on_one_database_see_each_others_writes(url: str) -> None:
    first, second = open_store(url), open_store(url)
    try:
        seed(first)
        assert second.get_deployment("dep001") == first.get_deployment("dep001")
        assert second.generation() == first.generation()
        with second.transaction() as tx:
            tx.delete_stage("a1b2c3d4e5", "prod")
        assert first.list_stages() == []
        assert first.generation() == second.generation()
    finally:
        first.close()
        second.close()


def test_data_survives_closing_and_reopening(url: str) -> None:
    first = open_store(url)
    deployment = seed(first)
    generation = first.generation()
    first.close()
    reopened = open_store(url)
    try:
        assert (reopened.get_deployment("dep001"), reopened.generation()) == (deployment, generation)
    finally:
        reopened.close()


ROUNDS = 200

# Child processes run scripts (not multiprocessing targets): pytest imports this file in
# importlib mode, so a child could not import a function defined here.
_INCREMENTER = textwrap.dedent(
    """
    import sys
    from dataclasses import replace
    from tollway.stores import open_store

    store = open_store(sys.argv[1])
    for _ in range(int(sys.argv[2])):
        # Read-modify-write: a lost update would show as a smaller final count.
        with store.transaction() as tx:
            stage = tx.get_stage("a1b2c3d4e5", "prod")
            tx.put_stage(replace(stage, variables={"n": str(int(stage.variables["n"]) + 1)}))
    store.close()
    """
)


def test_concurrent_writers_in_two_processes_lose_no_update(url: str) -> None:
    store = open_store(url)
    seed(store)
    with store.transaction() as tx:
        tx.put_stage(Stage("a1b2c3d4e5", "prod", "dep001", {"n": "0"}))
    start = store.generation()

    workers = [subprocess.Popen([sys.executable, "-c", _INCREMENTER, url, str(ROUNDS)]) for _ in range(2)]

    assert [w.wait(timeout=120) for w in workers] == [0, 0]
    stage = store.get_stage("a1b2c3d4e5", "prod")
    assert stage is not None and stage.variables == {"n": str(2 * ROUNDS)}
    assert store.generation() == start + 2 * ROUNDS
    store.close()


_CRASHER = textwrap.dedent(
    """
    import os, sys
    from tollway.model.api import RestApi, Stage
    from tollway.stores import ApiRecord, open_store

    store = open_store(sys.argv[1])
    with store.transaction() as tx:
        tx.put_api(ApiRecord("crashed", "k#crashed", RestApi("crashed", "Crashed")))
        tx.delete_stage("a1b2c3d4e5", "prod")
        os._exit(3)  # the process dies mid-transaction: no commit, no rollback, no cleanup
    """
)


def test_a_crash_mid_transaction_leaves_the_previous_state(url: str) -> None:
    store = open_store(url)
    seed(store)
    before = (store.generation(), store.list_apis(), store.list_stages())

    crashed = subprocess.run([sys.executable, "-c", _CRASHER, url], timeout=60, check=False)

    assert crashed.returncode == 3
    assert (store.generation(), store.list_apis(), store.list_stages()) == before
    with store.transaction() as tx:  # and the store is not left locked
        tx.put_api(ApiRecord("after", "k#after", RestApi("after", "After")))
    assert store.generation() == before[0] + 1
    store.close()


# -- open_store and SQLite specifics (not part of the cross-backend contract) -------------


def test_unknown_store_scheme_is_a_clear_store_error() -> None:
    with pytest.raises(StoreError, match=r"unsupported store URL 'postgres://db/x' \(scheme 'postgres'\)"):
        open_store("postgres://db/x")
    with pytest.raises(StoreError, match="names no file"):
        open_store("sqlite:///")


def test_sqlite_relative_path_is_created_with_its_directory_in_wal_mode(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    open_store("sqlite:///data/tollway.db").close()

    with sqlite3.connect(tmp_path / "data" / "tollway.db") as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert conn.execute("SELECT version FROM schema_version").fetchall() == [(len(MIGRATIONS),)]


def test_sqlite_memory_stores_are_private_to_each_object() -> None:
    first, second = open_store("sqlite:///:memory:"), open_store("sqlite:///:memory:")
    seed(first)
    assert (len(first.list_apis()), second.list_apis(), second.generation()) == (1, [], 0)


def test_migrations_apply_only_the_missing_steps(tmp_path: Path) -> None:
    path = tmp_path / "t.db"
    open_store(f"sqlite:///{path}").close()
    upgraded = (*MIGRATIONS, ("CREATE TABLE extra (x INTEGER)", "INSERT INTO extra VALUES (7)"))
    with closing(sqlite3.connect(path, isolation_level=None)) as conn:
        assert migrate(conn, upgraded) == len(MIGRATIONS) + 1
        assert migrate(conn, upgraded) == len(MIGRATIONS) + 1  # nothing left to apply
        assert conn.execute("SELECT x FROM extra").fetchall() == [(7,)]


def test_a_store_written_by_a_newer_tollway_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "t.db"
    open_store(f"sqlite:///{path}").close()
    with closing(sqlite3.connect(path, isolation_level=None)) as conn:
        conn.execute("UPDATE schema_version SET version = 99")
    with pytest.raises(StoreError, match="store schema version 99 is newer than this tollway supports"):
        open_store(f"sqlite:///{path}")


def test_rows_with_a_newer_codec_version_are_refused() -> None:
    with pytest.raises(StoreError, match="codec version 2; this tollway reads up to 1"):
        codec.decode(b'{"v": 2, "d": {}}', RestApi)
