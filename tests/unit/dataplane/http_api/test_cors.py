"""HTTP API CORS: the preflight API Gateway answers itself and the headers it adds."""

from __future__ import annotations

import pytest

from tollway.dataplane.http_api.cors import (
    CREDENTIALS_WITH_ANY_ORIGIN,
    CompiledCors,
    compile_cors,
    strip_cors_headers,
)
from tollway.model.http_api import CorsConfiguration

SITE = "https://www.example.com"


def _cors(**overrides: object) -> CompiledCors:
    config: dict[str, object] = {
        "allow_origins": (SITE,),
        "allow_methods": ("GET", "POST", "DELETE"),
        "allow_headers": ("authorization", "content-type"),
        "expose_headers": ("date", "x-api-id"),
        "max_age": 300,
    }
    config.update(overrides)
    return compile_cors(CorsConfiguration(**config))  # type: ignore[arg-type]


def test_preflight_from_an_allowed_origin_gets_origin_methods_headers_and_max_age() -> None:
    assert _cors().preflight(SITE, "POST", "Content-Type") == [
        ("access-control-allow-origin", SITE),
        ("access-control-allow-methods", "GET,POST,DELETE"),
        ("access-control-allow-headers", "authorization,content-type"),
        ("access-control-max-age", "300"),
    ]


def test_preflight_needs_origin_and_access_control_request_method_else_it_is_routed() -> None:
    cors = _cors()
    assert cors.preflight(None, "GET", None) is None
    assert cors.preflight(SITE, None, None) is None


def test_preflight_never_exposes_headers_that_is_for_actual_responses() -> None:
    names = [name for name, _ in _cors().preflight(SITE, "GET", None) or []]
    assert "access-control-expose-headers" not in names


def test_actual_response_gets_origin_and_exposed_headers_not_methods_or_max_age() -> None:
    assert _cors().response_headers(SITE) == [
        ("access-control-allow-origin", SITE),
        ("access-control-expose-headers", "date,x-api-id"),
    ]


def test_no_cors_headers_without_an_origin_header() -> None:
    assert _cors().response_headers(None) == []


def test_disallowed_origin_gets_no_cors_headers_on_either_response() -> None:
    cors = _cors()
    assert cors.preflight("https://evil.example", "GET", None) == []
    assert cors.response_headers("https://evil.example") == []


def test_preflight_for_a_method_not_allowed_is_answered_without_cors_headers() -> None:
    assert _cors().preflight(SITE, "PUT", None) == []


def test_preflight_asking_for_a_header_not_allowed_is_answered_without_cors_headers() -> None:
    assert _cors().preflight(SITE, "GET", "content-type, x-secret") == []


def test_requested_method_and_headers_compare_case_insensitively() -> None:
    assert _cors().preflight(SITE, "post", "AUTHORIZATION,Content-Type") != []


def test_star_origin_answers_star() -> None:
    cors = _cors(allow_origins=("*",))
    assert cors.response_headers("https://anyone.example")[0] == ("access-control-allow-origin", "*")
    assert (cors.preflight("null", "GET", None) or [])[0] == ("access-control-allow-origin", "*")


def test_credentials_with_star_origin_is_refused_with_aws_message() -> None:
    with pytest.raises(ValueError) as raised:
        _cors(allow_origins=("*",), allow_credentials=True)
    assert str(raised.value) == "allow-credentials is not supported if 'allow-origin' is *"
    assert str(raised.value) == CREDENTIALS_WITH_ANY_ORIGIN


def test_credentials_echo_the_origin_and_say_true_on_both_responses() -> None:
    cors = _cors(allow_credentials=True)
    assert ("access-control-allow-credentials", "true") in (cors.preflight(SITE, "GET", None) or [])
    assert cors.response_headers(SITE)[:2] == [
        ("access-control-allow-origin", SITE),
        ("access-control-allow-credentials", "true"),
    ]


def test_scheme_wildcard_origin_allows_any_origin_beginning_with_it() -> None:
    cors = _cors(allow_origins=("https://*",))
    assert cors.response_headers("https://app.example")[0] == (
        "access-control-allow-origin",
        "https://app.example",
    )
    assert cors.response_headers("http://app.example") == []


def test_subdomain_wildcard_origin_allows_subdomains_not_the_bare_domain() -> None:
    cors = _cors(allow_origins=("https://*.example.com",))
    assert cors.response_headers("https://a.b.example.com") != []
    assert cors.response_headers("https://example.com") == []
    assert cors.response_headers("https://example.com.evil.io") == []


def test_origin_matches_case_insensitively_and_is_echoed_as_sent() -> None:
    cors = _cors(allow_origins=("https://WWW.Example.com",))
    assert cors.response_headers(SITE) == [
        ("access-control-allow-origin", SITE),
        ("access-control-expose-headers", "date,x-api-id"),
    ]


def test_one_of_several_origins_is_echoed_alone() -> None:
    cors = _cors(allow_origins=("https://a.example", "https://b.example"))
    assert cors.response_headers("https://b.example")[0] == (
        "access-control-allow-origin",
        "https://b.example",
    )


def test_star_methods_answer_the_requested_method_and_star_headers_the_requested_headers() -> None:
    cors = _cors(allow_methods=("*",), allow_headers=("*",), max_age=None)
    assert cors.preflight(SITE, "PATCH", "x-one, x-two") == [
        ("access-control-allow-origin", SITE),
        ("access-control-allow-methods", "PATCH"),
        ("access-control-allow-headers", "x-one,x-two"),
    ]


def test_no_allow_headers_line_when_none_configured_or_requested() -> None:
    cors = _cors(allow_headers=(), max_age=None)
    assert cors.preflight(SITE, "GET", None) == [
        ("access-control-allow-origin", SITE),
        ("access-control-allow-methods", "GET,POST,DELETE"),
    ]


def test_max_age_zero_is_sent() -> None:
    assert ("access-control-max-age", "0") in (_cors(max_age=0).preflight(SITE, "GET", None) or [])


def test_no_exposed_headers_line_when_none_configured() -> None:
    assert _cors(expose_headers=()).response_headers(SITE) == [("access-control-allow-origin", SITE)]


def test_empty_configuration_allows_nothing() -> None:
    cors = compile_cors(CorsConfiguration())
    assert cors.preflight(SITE, "GET", None) == []
    assert cors.response_headers(SITE) == []


def test_integration_cors_headers_are_ignored_when_cors_is_configured() -> None:
    backend = [
        ("Content-Type", "text/plain"),
        ("Access-Control-Allow-Origin", "*"),
        ("access-control-max-age", "9"),
    ]
    assert strip_cors_headers(backend) == [("Content-Type", "text/plain")]
