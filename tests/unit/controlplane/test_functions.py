"""ControlPlane and Lambda functions: imported atomically with the file's APIs, listed for the
data plane, PublishVersion (no new version when nothing changed, as Lambda) and aliases
with weighted routing (CreateAlias / UpdateAlias)."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from dataclasses import replace
from pathlib import Path

import pytest

from tollway.controlplane.errors import BadRequest, NotFound
from tollway.controlplane.service import ControlPlane
from tollway.controlplane.views import ImportOutcome
from tollway.errors import DefinitionError
from tollway.model.api import Integration, Method, Resource, RestApi, StageSpec
from tollway.model.functions import FunctionAlias, FunctionConfig, FunctionDef
from tollway.model.imported import ImportedApi, ImportResult
from tollway.stores import FunctionRecord, Store, open_store

ARN = "arn:aws:lambda:us-east-1:123456789012:function"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = open_store(f"sqlite:///{tmp_path / 'tollway.db'}")
    yield opened
    opened.close()


def fn(name: str = "hello", timeout: int = 3, **changes: object) -> FunctionDef:
    config = FunctionConfig("app.handler", "python3.11", f"/code/{name}", timeout_s=timeout)
    return replace(FunctionDef(name=name, logical_id=name.title(), config=config), **changes)  # type: ignore[arg-type]


def api(stage: StageSpec | None = None) -> ImportedApi:
    mock = Method("GET", integration=Integration("MOCK", request_templates={"application/json": "{}"}))
    rest = RestApi(id="x", name="Shop", resources=(Resource("/items", {"GET": mock}),))
    return ImportedApi("shop#Api", rest, (stage,) if stage else ())


def file(source: str, *functions: FunctionDef, apis: tuple[ImportedApi, ...] = ()) -> ImportResult:
    return ImportResult(source, apis, functions=functions, warnings=(f"{source}: a warning",))


class Files:
    """Stands in for import_file: path -> result (or the error it raises)."""

    def __init__(self, files: Mapping[str, ImportResult | Exception]) -> None:
        self.files = dict(files)

    def __call__(
        self,
        path: str,
        *,
        stage_name: str | None = None,
        parameter_overrides: Mapping[str, str] | None = None,
    ) -> ImportResult:
        found = self.files[path]
        if isinstance(found, Exception):
            raise found
        return found


def plane(store: Store, files: Mapping[str, ImportResult | Exception] | None = None) -> ControlPlane:
    return ControlPlane(store, lambda: 1_700_000_000.0, importer=Files(files or {}))


# -- import ----------------------------------------------------------------------------


def test_imported_functions_are_stored_with_the_absolute_path_of_their_file(store: Store) -> None:
    control = plane(store)
    control.apply([file("fns.yaml", fn("b"), fn("a"))])

    assert control.list_functions() == [
        FunctionRecord("a", fn("a"), os.path.abspath("fns.yaml")),
        FunctionRecord("b", fn("b"), os.path.abspath("fns.yaml")),
    ]
    assert control.get_function("a").function == fn("a")
    assert control.serving_functions() == {"a": fn("a"), "b": fn("b")}


def test_a_file_of_functions_only_reports_them_in_one_outcome(store: Store) -> None:
    outcomes = plane(store).apply([file("fns.yaml", fn("a"), fn("b"))])

    assert outcomes == [
        ImportOutcome("fns.yaml", "", "", "", warnings=("fns.yaml: a warning",), functions=("a", "b"))
    ]


def test_function_names_ride_on_the_files_first_api_outcome(store: Store) -> None:
    outcomes = plane(store).apply([file("shop.yaml", fn("a"), apis=(api(),))])

    assert [(o.name, o.functions, o.warnings) for o in outcomes] == [
        ("Shop", ("a",), ("shop.yaml: a warning",))
    ]


def test_get_function_of_an_unknown_name_is_lambdas_resource_not_found(store: Store) -> None:
    with pytest.raises(NotFound, match=f"^Function not found: {ARN}:nope$"):
        plane(store).get_function("nope")


def test_a_bad_file_in_an_import_stores_no_function_of_any_file(store: Store) -> None:
    files = {"good.yaml": file("good.yaml", fn("a")), "bad.yaml": DefinitionError("bad.yaml", "", "broken")}

    with pytest.raises(DefinitionError, match="broken"):
        plane(store, files).import_files(["good.yaml", "bad.yaml"])

    assert store.list_functions() == []


def test_a_file_refused_while_applying_leaves_no_function_stored(store: Store) -> None:
    """The functions are written in the same transaction as the APIs, so a refused API
    (here an invalid stage name) rolls them back too."""
    bad = file("shop.yaml", fn("a"), apis=(api(StageSpec("no spaces allowed")),))

    with pytest.raises(DefinitionError, match="stage name 'no spaces allowed' is invalid"):
        plane(store).apply([file("other.yaml", fn("b")), bad])

    assert store.list_functions() == []


def test_identical_reimport_changes_nothing(store: Store) -> None:
    control = plane(store)
    control.apply([file("fns.yaml", fn("a"))])
    start = store.generation()

    control.apply([file("fns.yaml", fn("a"))])

    assert store.generation() == start


def test_reimport_updates_keeps_published_versions_and_drops_removed_functions(store: Store) -> None:
    control = plane(store)
    control.apply([file("fns.yaml", fn("a"), fn("gone"))])
    assert control.publish_version("a") == "1"
    control.put_alias("a", "live", "1")

    control.apply([file("fns.yaml", fn("a", timeout=9))])

    stored = control.get_function("a").function
    assert stored.config.timeout_s == 9
    assert stored.versions == {"1": fn("a").config}
    assert stored.aliases == {"live": FunctionAlias("live", "1")}
    assert [r.name for r in control.list_functions()] == ["a"]


def test_a_function_another_file_defined_is_taken_over_with_a_warning(store: Store) -> None:
    control = plane(store)
    control.apply([file("one.yaml", fn("a"))])

    outcomes = control.apply([file("two.yaml", fn("a", timeout=5))])

    assert outcomes[0].warnings == (
        "two.yaml: a warning",
        f"two.yaml: function a was imported from {os.path.abspath('one.yaml')}; this file now defines it",
    )
    assert control.get_function("a").source == os.path.abspath("two.yaml")


# -- versions --------------------------------------------------------------------------


def test_publish_version_numbers_from_1_and_reuses_the_last_when_nothing_changed(store: Store) -> None:
    """Lambda's PublishVersion: no new version if the config has not changed since the last."""
    control = plane(store)
    control.apply([file("fns.yaml", fn("a"))])
    start = store.generation()

    assert control.publish_version("a", "first") == "1"
    assert control.publish_version("a", "again") == "1"
    assert store.generation() == start + 1

    control.apply([file("fns.yaml", fn("a", timeout=20))])
    assert control.publish_version("a") == "2"
    versions = control.get_function("a").function.versions
    assert versions == {"1": replace(fn("a").config, description="first"), "2": fn("a", timeout=20).config}


def test_publish_version_of_an_unknown_function_is_not_found(store: Store) -> None:
    with pytest.raises(NotFound, match=f"Function not found: {ARN}:nope"):
        plane(store).publish_version("nope")


# -- aliases ---------------------------------------------------------------------------


@pytest.fixture
def published(store: Store) -> ControlPlane:
    """Function ``a`` with versions 1 and 2."""
    control = plane(store)
    control.apply([file("fns.yaml", fn("a", versions={"1": fn("a").config, "2": fn("a", timeout=8).config}))])
    return control


def test_put_alias_with_weighted_routing_is_stored(published: ControlPlane) -> None:
    made = published.put_alias("a", "live", "2", {"1": 0.1})

    assert made == FunctionAlias("live", "2", {"1": 0.1})
    assert published.get_function("a").function.aliases == {"live": made}
    assert published.put_alias("a", "live", "1") == FunctionAlias("live", "1")
    assert published.get_function("a").function.aliases == {"live": FunctionAlias("live", "1")}


def test_an_alias_may_point_at_latest_without_weights(published: ControlPlane) -> None:
    assert published.put_alias("a", "dev", "$LATEST") == FunctionAlias("dev", "$LATEST")


@pytest.mark.parametrize(
    ("alias", "version", "weights", "error", "message"),
    [
        ("123", "1", None, BadRequest, "alias name '123' is invalid"),
        ("has space", "1", None, BadRequest, "alias name 'has space' is invalid"),
        ("live", "9", None, NotFound, f"Function not found: {ARN}:a:9"),
        ("live", "1", {"9": 0.5}, NotFound, f"Function not found: {ARN}:a:9"),
        ("live", "$LATEST", {"1": 0.5}, BadRequest, "weighted routing needs published versions"),
        ("live", "1", {"1": 0.5}, BadRequest, "the additional version 1 is the alias's own version"),
        ("live", "1", {"2": 1.5}, BadRequest, "weight 1.5 of version 2 is not between 0.0 and 1.0"),
    ],
)
def test_invalid_aliases_are_refused(
    published: ControlPlane,
    alias: str,
    version: str,
    weights: dict[str, float] | None,
    error: type[Exception],
    message: str,
) -> None:
    with pytest.raises(error, match=message):
        published.put_alias("a", alias, version, weights)
    assert published.get_function("a").function.aliases == {}
