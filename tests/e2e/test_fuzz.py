"""Mutation fuzzing, the quick version (issue 14, item 2; the full one is `scripts/fuzz`).

One API served by `tollway serve --workers 2` (a MOCK, an open HTTP_PROXY, an API key route
with a usage plan, a Lambda authorizer route, an IAM route and a validated route: see
``e2e.fuzzing``) gets a few thousand requests over raw sockets: Hypothesis's structured ones
and byte-level mutants of valid requests of every route kind. None may get a 500, go
unanswered for 2 s, break a worker or grow its memory by 50 MB, and no request may reach a
protected route's backend without the credential that route requires: each backend records
what arrives and checks it (the oracle).

The seed is fixed (``TOLLWAY_FUZZ_SEED`` changes it) and printed; a failing byte-mutated case
``m{seed}-{n}`` is replayed with ``scripts/fuzz --seed SEED --case N``.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator

import pytest

from e2e.fuzzing import (
    DEFAULT_SEED,
    Arrival,
    Tally,
    Target,
    exchange,
    http_request,
    markdown,
    oracle_checks,
    run_structured,
    send_mutants,
    start_target,
    summary,
)

SEED = int(os.environ.get("TOLLWAY_FUZZ_SEED", DEFAULT_SEED))
STRUCTURED = 1_000
MUTANTS = 5_000


@pytest.fixture(scope="module")
def target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Target]:
    print(f"fuzz seed {SEED}: TOLLWAY_FUZZ_SEED={SEED} repeats this run")
    running = start_target(tmp_path_factory.mktemp("fuzz"), SEED)
    yield running
    running.stop()


def _assert_clean(target: Target, tallies: list[Tally], started: float) -> None:
    figures = summary(target, tallies, time.monotonic() - started)
    print(markdown(figures))
    assert figures["problems"] == [], json.dumps(
        {k: figures[k] for k in ("problems", "findings", "bypass_records")}, indent=1
    )
    assert figures["rss_growth_mb"] < 50


def test_every_seed_gets_its_answer_and_reaches_its_backend_only_with_its_credential(target: Target) -> None:
    """The control: the unmutated seeds get what they should (200 with the credential, 401 /
    403 / 400 without it), and every protected backend saw credentialed arrivals only."""
    got = {}
    for n, seed in enumerate(target.seeds):
        outcome = exchange(target.gateway.port, seed.render(f"control-{n}"))
        got[n] = (seed.kind, seed.expect, outcome.statuses)
    assert [v for v in got.values() if v[2] != [v[1]]] == []
    for name in ("keyed", "authz", "tenant", "iam", "valid"):
        backend = target.backends[name]
        assert backend.credentialed > 0, name
        assert backend.bypass_count == 0, backend.bypasses


def test_the_oracle_calls_an_arrival_without_its_credential_a_bypass(target: Target) -> None:
    secrets = target.secrets
    checks = oracle_checks(secrets)
    keyed = [("x-api-key", secrets.valid_key), ("X-Oracle-Key", secrets.valid_key)]
    assert checks["keyed"](Arrival("/keyed", keyed, b"")) == ""
    assert checks["keyed"](Arrival("/keyed", keyed[:1], b""))  # the gateway established no key
    assert checks["keyed"](Arrival("/keyed", [("x-api-key", secrets.unsubscribed_key), keyed[1]], b""))
    authz = [("Authorization", f"Bearer {secrets.token}"), ("x-oracle-principal", secrets.principal)]
    assert checks["authz"](Arrival("/authz", authz, b"")) == ""
    assert checks["authz"](Arrival("/authz", [authz[0], ("x-oracle-principal", "")], b""))
    tenant = [("X-User", "ann"), ("x-oracle-principal", f"{secrets.principal}-tenant")]
    assert checks["tenant"](Arrival("/tenant?tenant=acme", tenant, b"")) == ""
    assert checks["tenant"](Arrival("/tenant?tenant=acme", tenant[:1], b""))
    assert checks["tenant"](Arrival("/tenant?tenant=other", tenant, b""))
    iam = [
        ("Authorization", f"AWS4-HMAC-SHA256 Credential={secrets.alice.access_key}/20261204/..."),
        ("x-oracle-caller", secrets.alice_arn),
        ("x-oracle-access-key", secrets.alice.access_key),
    ]
    assert checks["iam"](Arrival("/iam", iam, b"")) == ""
    assert checks["iam"](Arrival("/iam", iam[:1], b""))
    json_type = [("Content-Type", "application/json")]
    assert checks["valid"](Arrival("/valid", json_type, b'{"name": "a", "price": 1}')) == ""
    assert checks["valid"](Arrival("/valid", json_type, b'{"name": "a", "price": "1"}'))
    assert checks["valid"](Arrival("/valid", [], b'{"name": "a"}'))  # no Content-Type is JSON
    assert checks["valid"](Arrival("/valid", json_type, b'{"name": "a", "price": 1, "x": "\xe1"}'))
    assert checks["valid"](Arrival("/valid", [("Content-Type", "text/plain")], b"anything")) == ""


def test_structured_requests_from_hypothesis(target: Target) -> None:
    started = time.monotonic()
    tally, shrunk = run_structured(target, STRUCTURED, deadline=started + 40)
    assert shrunk == "", f"seed {SEED}: {shrunk}"
    assert tally.sent >= STRUCTURED // 2, "too slow to send half of them in 40 s"
    _assert_clean(target, [tally], started)


def test_byte_mutated_requests(target: Target) -> None:
    started = time.monotonic()
    tally = send_mutants(target, range(MUTANTS), threads=6, deadline=started + 40)
    assert tally.sent >= MUTANTS // 2, "too slow to send half of them in 40 s"
    _assert_clean(target, [Tally(), tally], started)


# Bugs the fuzzer found, each reproduced on its own.


def test_a_second_content_type_is_refused_so_no_body_skips_its_model(target: Target) -> None:
    """Found by the fuzzer (seed 14, case m14-10927): with ``Content-Type: application/json``
    and then ``Content-Type: text/plain``, the gateway chose the model by the last one (none for
    text) while a backend reads the first and parses the unvalidated body as JSON. A singleton
    sent twice is now refused with 400, before any step runs."""
    arrived = target.backends["valid"].arrivals
    headers = [("Content-Type", "application/json"), ("Content-Type", "text/plain")]
    data = http_request("POST", "/prod/valid", headers, b'{"name": "rex", "price": "3"}')
    outcome = exchange(target.gateway.port, data)
    assert (outcome.statuses, outcome.closed) == ([400], True)
    time.sleep(0.2)
    assert target.backends["valid"].arrivals == arrived
    # one Content-Type, spelled in any case, is as before
    one = http_request(
        "POST", "/prod/valid", [("CONTENT-TYPE", "Application/JSON")], b'{"name": "a", "price": 1}'
    )
    assert exchange(target.gateway.port, one).statuses == [200]


def test_a_body_that_is_not_utf8_is_invalid_json_even_in_a_member_the_model_does_not_name(
    target: Target,
) -> None:
    """Found by the fuzzer (seed 1, case m1-8395): the model's msgspec types skip members the
    model does not name without checking their UTF-8, so ``{"name": "rex", "price": 3, "t\\xe1gs":
    ...}`` passed as valid; AWS's and Python's JSON parsers refuse it. Now it is 400 Invalid
    request body, as the same body is without the typed fast path."""
    arrived = target.backends["valid"].arrivals
    json_type = [("Content-Type", "application/json")]
    for body in (
        b'{"name": "rex", "price": 3, "t\xe1gs": []}',
        b'{"name": "rex", "price": 3, "x": ["\xff"]}',
    ):
        outcome = exchange(target.gateway.port, http_request("POST", "/prod/valid", json_type, body))
        assert outcome.statuses == [400], body
    time.sleep(0.2)
    assert target.backends["valid"].arrivals == arrived
    utf8 = '{"name": "rex", "price": 3, "tágs": []}'.encode()
    assert exchange(target.gateway.port, http_request("POST", "/prod/valid", json_type, utf8)).statuses == [
        200
    ]
