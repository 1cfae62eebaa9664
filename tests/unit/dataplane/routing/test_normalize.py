"""The one spelling of a path (``normalize_path``), what is refused (400), and the spelling a
Lambda proxy event reports (``reported_path``)."""

from __future__ import annotations

import pytest

from tollway.dataplane.authorizers.request import request_arn
from tollway.dataplane.context import RequestContext
from tollway.dataplane.messages import Request
from tollway.dataplane.routing.normalize import normalize_path, reported_path
from tollway.dataplane.snapshot import compile_stage
from tollway.errors import BadRequest
from tollway.model import Deployment, Method, Resource, RestApi, Stage

REFUSED = [
    "/admin%2Fx",
    "/open/..%2fadmin",
    "/open/%2E%2E%2Fadmin",
    "/open/..%5Cadmin",
    "/open/..%5cadmin",
    "/open/..\\admin",
    "/admin\\",
    "/admin%00",
    "/open/a%00b",
]


@pytest.mark.parametrize("path", REFUSED)
def test_encoded_slashes_backslashes_and_nul_have_no_safe_spelling_so_they_are_400(path: str) -> None:
    with pytest.raises(BadRequest):
        normalize_path(path)


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        ("/admin;x=1", "/admin;x=1"),  # ;params are part of the segment: another resource
        ("/open/%23", "/open/%23"),  # reserved characters stay encoded, in their segment
        ("/open/%3F", "/open/%3F"),
        ("/open/%252e%252e", "/open/%252e%252e"),  # double encoding decodes once, later, as data
        ("/open/x/..", "/open"),
        ("/admin//", "/admin/"),
        ("/.", "/"),
        ("/../..", "/"),  # never above the stage root: no stage is reached from another
    ],
)
def test_the_one_spelling(raw: str, normal: str) -> None:
    assert normalize_path(raw) == normal


@pytest.mark.parametrize(
    ("raw", "reported"),
    [
        ("//admin", "//admin"),  # empty segments only: the client's spelling, as AWS reports it
        ("/open//x", "/open//x"),
        ("/open/../admin", "/admin"),  # dot segments: the routed path, never the client's
        ("/open/%2e%2e/admin", "/admin"),
        ("/%61dmin", "/admin"),
        ("/a//./admin", "/a/admin"),
    ],
)
def test_a_proxy_event_reports_the_clients_spelling_only_for_empty_segments(raw: str, reported: str) -> None:
    assert reported_path(raw, normalize_path(raw)) == reported


def _ctx(path: str) -> RequestContext:
    api = RestApi(id="a1b2c3d4e5", name="t", resources=(Resource("/admin", {"GET": Method("GET")}),))
    stage = Stage(api_id=api.id, name="prod", deployment_id="d", variables={})
    served = compile_stage(stage, Deployment(id="d", api_id=api.id, created_epoch=0.0, api=api))
    request = Request("GET", f"/prod{path}", [], b"", "203.0.113.9")
    return RequestContext(request, "r", "e=", 1_700_000_000_000, served, normalize_path(path), path)


@pytest.mark.parametrize("path", ["/admin", "/admin/", "//admin//", "/x/../admin/"])
def test_the_method_arn_has_no_trailing_slash_so_policies_see_one_path(path: str) -> None:
    assert request_arn(_ctx(path)).endswith(":a1b2c3d4e5/prod/GET/admin")


def test_the_method_arn_of_the_root_keeps_its_slash() -> None:
    assert request_arn(_ctx("/")).endswith(":a1b2c3d4e5/prod/GET/")
