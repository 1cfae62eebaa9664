"""ControlPlane: import, deploy, list. Deployments are immutable snapshots and a stage is a
pointer to one, as in API Gateway; an identical re-import changes nothing."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import replace
from pathlib import Path

import pytest

from tollway.controlplane.errors import BadRequest, NotFound
from tollway.controlplane.service import ControlPlane
from tollway.controlplane.views import ApiSummary, ImportOutcome
from tollway.errors import DefinitionError
from tollway.model import ids
from tollway.model.api import Integration, Method, Resource, RestApi, Stage, StageSpec
from tollway.model.imported import ImportedApi, ImportResult, ManagementResource
from tollway.stores import Store, open_store

KEY = "shop#ShopApi"
API_ID = ids.api_id(KEY)


def shop_api(body: str = '{"ok": true}') -> RestApi:
    mock = Integration("MOCK", request_templates={"application/json": body})
    return RestApi(
        id="ignored", name="Shop", resources=(Resource("/items", {"GET": Method("GET", integration=mock)}),)
    )


def shop_file(body: str = '{"ok": true}', *stages: StageSpec, warnings: tuple[str, ...] = ()) -> ImportResult:
    return ImportResult("shop.yaml", (ImportedApi(KEY, shop_api(body), stages),), warnings=warnings)


class FakeImporter:
    """Stands in for tollway.formats.loader.import_file: path -> result (or error)."""

    def __init__(self, files: Mapping[str, ImportResult | Exception]) -> None:
        self.files = dict(files)
        self.calls: list[tuple[str, str | None, Mapping[str, str] | None]] = []

    def __call__(
        self,
        path: str,
        *,
        stage_name: str | None = None,
        parameter_overrides: Mapping[str, str] | None = None,
    ) -> ImportResult:
        self.calls.append((path, stage_name, parameter_overrides))
        found = self.files[path]
        if isinstance(found, Exception):
            raise found
        return found


def counter_ids() -> Iterator[str]:
    n = 0
    while True:
        n += 1
        yield f"dep{n:03d}"


@pytest.fixture
def store() -> Iterator[Store]:
    opened = open_store("sqlite:///:memory:")
    yield opened
    opened.close()


def make_plane(store: Store, importer: FakeImporter | None = None) -> ControlPlane:
    ids_ = counter_ids()
    return ControlPlane(
        store,
        clock=lambda: 1_700_000_000.0,
        random_id=lambda: next(ids_),
        importer=importer or FakeImporter({}),
    )


# -- import ----------------------------------------------------------------------------


def test_import_deploys_to_prod_by_default_with_an_id_derived_from_the_key(store: Store) -> None:
    importer = FakeImporter({"shop.yaml": shop_file()})
    plane = make_plane(store, importer)

    outcomes = plane.import_files(["shop.yaml"], parameter_overrides={"Env": "dev"})

    assert outcomes == [ImportOutcome("shop.yaml", API_ID, "Shop", KEY, ("prod",), ("dep001",))]
    assert importer.calls == [("shop.yaml", None, {"Env": "dev"})]
    [(stage, deployment)] = plane.serving_state()
    assert (stage.name, deployment.id, deployment.api) == ("prod", "dep001", replace(shop_api(), id=API_ID))


def test_stage_name_option_names_the_stage_when_the_file_declares_none(store: Store) -> None:
    plane = make_plane(store, FakeImporter({"shop.yaml": shop_file()}))
    [outcome] = plane.import_files(["shop.yaml"], stage_name="dev")
    assert outcome.stages == ("dev",)
    assert [s.name for s in plane.list_stages(API_ID)] == ["dev"]


def test_reimporting_the_same_file_keeps_the_api_id_and_deployment(store: Store) -> None:
    plane = make_plane(store, FakeImporter({"shop.yaml": shop_file()}))
    first = plane.import_files(["shop.yaml"])
    generation = plane.generation()

    second = plane.import_files(["shop.yaml"])

    assert second == first
    assert [a.id for a in plane.list_apis()] == [API_ID]
    assert plane.generation() == generation  # nothing changed, servers recompile nothing


def test_a_stage_already_serving_the_definition_keeps_its_deployment(store: Store) -> None:
    importer = FakeImporter({"shop.yaml": shop_file()})
    plane = make_plane(store, importer)
    plane.import_files(["shop.yaml"])  # prod -> dep001
    importer.files["shop.yaml"] = shop_file('{"v": 2}')
    plane.import_files(["shop.yaml"], deploy=False)
    plane.deploy(API_ID, "beta")  # beta -> dep002, the newest deployment
    importer.files["shop.yaml"] = shop_file()

    [outcome] = plane.import_files(["shop.yaml"])

    assert outcome.deployment_ids == ("dep001",)


def test_two_control_planes_on_separate_stores_agree_on_api_ids(store: Store) -> None:
    other = open_store("sqlite:///:memory:")
    files = FakeImporter({"shop.yaml": shop_file()})
    [a] = make_plane(store, files).import_files(["shop.yaml"])
    [b] = make_plane(other, files).import_files(["shop.yaml"])
    assert a.api_id == b.api_id == API_ID


def test_a_changed_file_gets_a_new_deployment_and_the_old_one_is_kept(store: Store) -> None:
    importer = FakeImporter({"shop.yaml": shop_file()})
    plane = make_plane(store, importer)
    plane.import_files(["shop.yaml"])

    importer.files["shop.yaml"] = shop_file('{"ok": false}')
    [outcome] = plane.import_files(["shop.yaml"])

    assert outcome.deployment_ids == ("dep002",)
    assert [(s.name, s.deployment_id) for s in plane.list_stages()] == [("prod", "dep002")]
    old = plane.get_deployment("dep001").api.resources[0].methods["GET"].integration
    assert old is not None and old.request_templates == {"application/json": '{"ok": true}'}


def test_changed_stage_variables_alone_update_the_stage_but_not_the_deployment(store: Store) -> None:
    importer = FakeImporter({"shop.yaml": shop_file("{}", StageSpec("prod", {"v": "1"}))})
    plane = make_plane(store, importer)
    plane.import_files(["shop.yaml"])

    importer.files["shop.yaml"] = shop_file("{}", StageSpec("prod", {"v": "2"}))
    [outcome] = plane.import_files(["shop.yaml"])

    assert outcome.deployment_ids == ("dep001",)
    assert plane.list_stages() == [Stage(API_ID, "prod", "dep001", {"v": "2"})]


def test_stages_declared_together_share_one_new_deployment(store: Store) -> None:
    """SAM makes one AWS::ApiGateway::Deployment per API that all its stages point at."""
    specs = (StageSpec("dev", {"env": "dev"}, "Development"), StageSpec("prod", {"env": "prod"}))
    plane = make_plane(store, FakeImporter({"shop.yaml": shop_file("{}", *specs)}))

    [outcome] = plane.import_files(["shop.yaml"])

    assert (outcome.stages, outcome.deployment_ids) == (("dev", "prod"), ("dep001", "dep001"))
    assert plane.list_stages() == [
        Stage(API_ID, "dev", "dep001", {"env": "dev"}, "Development"),
        Stage(API_ID, "prod", "dep001", {"env": "prod"}),
    ]


def test_import_without_deploy_stores_the_definition_only(store: Store) -> None:
    plane = make_plane(store, FakeImporter({"shop.yaml": shop_file()}))
    [outcome] = plane.import_files(["shop.yaml"], deploy=False)
    assert (outcome.stages, outcome.deployment_ids) == (("prod",), ())
    assert plane.serving_state() == []
    assert plane.deploy(API_ID, "prod").api == replace(shop_api(), id=API_ID)


def test_a_failing_second_file_leaves_the_first_unapplied(store: Store) -> None:
    bad = DefinitionError("broken.yaml", "/Resources/Api", "Type must be a string")
    plane = make_plane(store, FakeImporter({"shop.yaml": shop_file(), "broken.yaml": bad}))

    with pytest.raises(DefinitionError, match=r"broken\.yaml: /Resources/Api: Type must be a string"):
        plane.import_files(["shop.yaml", "broken.yaml"])

    assert (plane.list_apis(), plane.serving_state(), plane.generation()) == ([], [], 0)


def test_an_invalid_stage_in_the_second_file_rolls_back_the_first(store: Store) -> None:
    """AWS stage names allow only a-zA-Z0-9_- (at most 128 characters)."""
    other = ImportResult("other.yaml", (ImportedApi("other#Api", shop_api(), (StageSpec("my stage"),)),))
    plane = make_plane(store, FakeImporter({"shop.yaml": shop_file(), "other.yaml": other}))

    with pytest.raises(
        DefinitionError, match=r"other\.yaml: API other#Api: stage name 'my stage' is invalid"
    ):
        plane.import_files(["shop.yaml", "other.yaml"])

    assert (plane.list_apis(), plane.generation()) == ([], 0)


def test_stage_variable_values_must_match_the_aws_pattern(store: Store) -> None:
    result = shop_file("{}", StageSpec("prod", {"url": "has space"}))
    with pytest.raises(DefinitionError, match=r"stage variable url has an invalid value 'has space'"):
        make_plane(store).apply([result])


def test_a_file_with_no_api_is_a_definition_error(store: Store) -> None:
    with pytest.raises(DefinitionError, match=r"empty\.yaml: the file defines no REST API"):
        make_plane(store).apply([ImportResult("empty.yaml")])


def test_warnings_are_reported_once_per_file_and_management_is_kept(store: Store) -> None:
    key = ManagementResource("AWS::ApiGateway::ApiKey", "Key", {"Enabled": True})
    result = ImportResult(
        "shop.yaml",
        (ImportedApi(KEY, shop_api()), ImportedApi("shop#Admin", replace(shop_api(), name="Admin"))),
        (key,),
        ("Ignored AWS::Serverless::HttpApi HttpApi",),
    )

    outcomes = make_plane(store).apply([result])

    assert [o.warnings for o in outcomes] == [("Ignored AWS::Serverless::HttpApi HttpApi",), ()]
    assert [r for _, r in store.list_management()] == [key]


# -- deploy ----------------------------------------------------------------------------


def test_deploy_to_an_unknown_api_is_not_found(store: Store) -> None:
    with pytest.raises(NotFound, match="Invalid API identifier specified: nope"):
        make_plane(store).deploy("nope", "prod")
    assert store.generation() == 0


def test_deploy_always_creates_a_new_deployment_and_creates_the_stage(store: Store) -> None:
    """Like CreateDeployment: a new snapshot every time, even of an unchanged API."""
    plane = make_plane(store, FakeImporter({"shop.yaml": shop_file()}))
    plane.import_files(["shop.yaml"])

    deployment = plane.deploy(API_ID, "beta", description="try", variables={"a": "1"})

    assert (deployment.id, deployment.description, deployment.created_epoch) == (
        "dep002",
        "try",
        1_700_000_000.0,
    )
    assert plane.list_stages(API_ID) == [
        Stage(API_ID, "beta", "dep002", {"a": "1"}),
        Stage(API_ID, "prod", "dep001"),
    ]


def test_deploy_to_an_existing_stage_repoints_it_and_merges_variables(store: Store) -> None:
    plane = make_plane(
        store, FakeImporter({"shop.yaml": shop_file("{}", StageSpec("prod", {"a": "1", "b": "2"}))})
    )
    plane.import_files(["shop.yaml"])

    plane.deploy(API_ID, "prod", variables={"b": "3"})

    assert plane.list_stages() == [Stage(API_ID, "prod", "dep002", {"a": "1", "b": "3"})]


def test_deploy_refuses_bad_stage_names_and_variables(store: Store) -> None:
    plane = make_plane(store)
    with pytest.raises(BadRequest, match="stage name 'a/b' is invalid"):
        plane.deploy(API_ID, "a/b")
    with pytest.raises(BadRequest, match="stage variable name 'a-b' is invalid"):
        plane.deploy(API_ID, "prod", variables={"a-b": "x"})


def test_deployment_ids_never_collide(store: Store) -> None:
    plane = make_plane(store, FakeImporter({"shop.yaml": shop_file()}))
    plane.import_files(["shop.yaml"])
    again = iter(["dep001", "dep001", "abc123"])
    plane = ControlPlane(store, random_id=lambda: next(again))
    assert plane.deploy(API_ID, "prod").id == "abc123"


# -- reads -----------------------------------------------------------------------------


def test_list_apis_summarises_each_api_with_its_stages(store: Store) -> None:
    plane = make_plane(
        store, FakeImporter({"shop.yaml": shop_file("{}", StageSpec("dev"), StageSpec("prod"))})
    )
    plane.import_files(["shop.yaml"])
    assert plane.list_apis() == [ApiSummary(API_ID, "Shop", KEY, None, "shop.yaml", ("dev", "prod"))]


def test_unknown_ids_are_not_found(store: Store) -> None:
    plane = make_plane(store)
    with pytest.raises(NotFound, match="Invalid API identifier specified: nope"):
        plane.list_stages("nope")
    with pytest.raises(NotFound, match="Invalid Deployment identifier specified: nope"):
        plane.get_deployment("nope")


def test_export_of_an_unknown_stage_is_not_found(store: Store) -> None:
    plane = make_plane(store, FakeImporter({"shop.yaml": shop_file()}))
    plane.import_files(["shop.yaml"])
    with pytest.raises(NotFound, match=f"Invalid stage identifier specified: {API_ID}/dev"):
        plane.export(API_ID, "dev", flavor="oas30", fmt="json")
    with pytest.raises(BadRequest, match="export type must be oas30 or swagger, not 'raml'"):
        plane.export(API_ID, "prod", flavor="raml", fmt="json")  # type: ignore[arg-type]


def test_export_renders_the_deployed_snapshot_not_the_latest_definition(store: Store) -> None:
    """AWS exports a stage: what its deployment froze, with the stage as the base path."""
    importer = FakeImporter({"shop.yaml": shop_file()})
    plane = make_plane(store, importer)
    plane.import_files(["shop.yaml"])
    importer.files["shop.yaml"] = replace(
        shop_file(), apis=(ImportedApi(KEY, replace(shop_api(), name="Shop v2")),)
    )
    plane.import_files(["shop.yaml"], deploy=False)

    document = json.loads(plane.export(API_ID, "prod", flavor="oas30", fmt="json"))

    assert document["info"] == {"title": "Shop"}
    assert document["servers"] == [{"url": "/{basePath}", "variables": {"basePath": {"default": "prod"}}}]
    assert list(document["paths"]) == ["/items"]
    swagger = plane.export(API_ID, "prod", flavor="swagger", fmt="yaml")
    assert swagger.startswith("swagger: '2.0'\ninfo:\n  title: Shop\nbasePath: /prod\n")


PETS_OPENAPI = """\
openapi: 3.0.1
info: {title: Pets, version: "1"}
paths:
  /pets:
    get:
      x-amazon-apigateway-integration:
        type: mock
        requestTemplates: {application/json: '{"statusCode": 200}'}
        responses: {default: {statusCode: "200"}}
"""


def test_real_files_reimport_idempotently_and_changes_redeploy(store: Store, tmp_path: Path) -> None:
    """Through the real loader: same file -> same ids; edited file -> new deployment."""
    path = tmp_path / "pets.yaml"
    path.write_text(PETS_OPENAPI)
    plane = ControlPlane(store)

    [first] = plane.import_files([str(path)])
    [again] = plane.import_files([str(path)])
    path.write_text(PETS_OPENAPI.replace("/pets:", "/cats:"))
    [edited] = plane.import_files([str(path)])

    assert (first.name, first.stages, first.api_id == ids.api_id(first.key)) == ("Pets", ("prod",), True)
    assert again == first
    assert edited.api_id == first.api_id and edited.deployment_ids != first.deployment_ids
    [(_, deployment)] = plane.serving_state()
    assert [r.path for r in deployment.api.resources if r.methods] == ["/cats"]
