"""JWT / Cognito token verification against a real JWKS server on 127.0.0.1.

AWS behaviour under test (HTTP API JWT authorizer, REST COGNITO_USER_POOLS authorizer): the key
is chosen by ``kid`` from the issuer's key set; ``iss`` exact, ``aud`` (or ``client_id`` when the
token has no ``aud``) among the audiences, ``exp``/``nbf``/``iat``, and at least one route scope
in ``scope``/``scp``. Every rejection is a 401 for the client (the caller maps TokenRejected and
JwksUnavailable to Unauthorized).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from jwt.algorithms import ECAlgorithm, OKPAlgorithm, RSAAlgorithm

from tollway.auth.jwks import FetchFailed, JwksCache, JwksUnavailable, fetch_url
from tollway.auth.jwt import JwtRules, TokenRejected, cognito_issuer, cognito_rules, verify

NOW = 1_700_000_000.0
CLIENT = "3n4b5urk1ft4fl3mg5e62d9ado"
HMAC_SECRET = b"a shared secret of at least 32 bytes"


# --- keys -------------------------------------------------------------------------------------


@dataclass
class Key:
    kid: str
    private: Any
    alg: str

    def jwk(self, **extra: Any) -> dict[str, Any]:
        public = self.private.public_key()
        if isinstance(public, rsa.RSAPublicKey):
            data = RSAAlgorithm.to_jwk(public, as_dict=True)
        elif isinstance(public, ec.EllipticCurvePublicKey):
            data = ECAlgorithm.to_jwk(public, as_dict=True)
        else:
            data = OKPAlgorithm.to_jwk(public, as_dict=True)
        data.pop("key_ops", None)
        return {**data, "kid": self.kid, "use": "sig", **extra}

    def sign(self, claims: dict[str, Any], alg: str | None = None, **headers: Any) -> str:
        return jwt.encode(
            claims, self.private, algorithm=alg or self.alg, headers={"kid": self.kid, **headers}
        )


@pytest.fixture(scope="module")
def keys() -> dict[str, Key]:
    return {
        "rsa1": Key("rsa-1", rsa.generate_private_key(public_exponent=65537, key_size=2048), "RS256"),
        "rsa2": Key("rsa-2", rsa.generate_private_key(public_exponent=65537, key_size=2048), "RS256"),
        "ec": Key("ec-1", ec.generate_private_key(ec.SECP256R1()), "ES256"),
        "ed": Key("ed-1", ed25519.Ed25519PrivateKey.generate(), "EdDSA"),
        "evil": Key("rsa-1", rsa.generate_private_key(public_exponent=65537, key_size=2048), "RS256"),
    }


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unsigned(header: dict[str, Any], claims: dict[str, Any], secret: bytes | None = None) -> str:
    """A token built by hand: no signature, or an HS256 one with ``secret`` (an attacker's forge)."""
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(claims).encode())}"
    if secret is None:
        return signing_input + "."
    return signing_input + "." + b64(hmac.new(secret, signing_input.encode(), hashlib.sha256).digest())


# --- a real identity provider on loopback -------------------------------------------------------


@dataclass
class Idp:
    """Serves JSON documents by path and counts the requests each path got."""

    base: str = ""
    routes: dict[str, tuple[int, bytes]] = field(default_factory=dict)
    delays: dict[str, float] = field(default_factory=dict)
    headers: dict[str, dict[str, str]] = field(default_factory=dict)
    hits: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def issuer(self) -> str:
        return f"{self.base}/pool"

    def serve(self, path: str, document: Any, status: int = 200) -> None:
        body = document if isinstance(document, bytes) else json.dumps(document).encode()
        self.routes[path] = (status, body)

    def serve_keys(self, *jwks: dict[str, Any]) -> None:
        self.serve("/pool/.well-known/jwks.json", {"keys": list(jwks)})


def _handler(idp: Idp) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            with idp.lock:
                idp.hits[self.path] += 1
            delay = idp.delays.get(self.path, 0.0)
            if delay:
                threading.Event().wait(delay)
            status, body = idp.routes.get(self.path, (404, b'{"message":"not found"}'))
            try:
                self.send_response(status)
                for name, value in idp.headers.get(self.path, {}).items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except OSError:
                pass  # the client gave up (timeout tests)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


def _start(idp: Idp) -> Iterator[Idp]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(idp))
    server.daemon_threads = True
    idp.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield idp
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def idp(keys: dict[str, Key]) -> Iterator[Idp]:
    server = Idp()
    server.serve_keys(keys["rsa1"].jwk(alg="RS256"), keys["ec"].jwk(), keys["ed"].jwk())
    yield from _start(server)


@pytest.fixture
def attacker() -> Iterator[Idp]:
    yield from _start(Idp())


class Clock:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def cache(clock: Clock) -> JwksCache:
    return JwksCache(clock=clock)


def id_claims(idp: Idp, **over: Any) -> dict[str, Any]:
    claims = {
        "sub": "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
        "iss": idp.issuer,
        "aud": CLIENT,
        "token_use": "id",
        "cognito:username": "alice",
        "cognito:groups": ["admins"],
        "email": "alice@example.com",
        "auth_time": int(NOW) - 10,
        "iat": int(NOW) - 10,
        "exp": int(NOW) + 3600,
    }
    claims.update(over)
    return claims


def access_claims(idp: Idp, **over: Any) -> dict[str, Any]:
    claims = {
        "sub": "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
        "iss": idp.issuer,
        "client_id": CLIENT,
        "token_use": "access",
        "scope": "aws.cognito.signin.user.admin pets/read",
        "username": "alice",
        "iat": int(NOW) - 10,
        "exp": int(NOW) + 3600,
    }
    claims.update(over)
    return claims


async def rejected(token: str, rules: JwtRules, cache: JwksCache) -> str:
    with pytest.raises(TokenRejected) as info:
        await verify(token, rules, cache, NOW)
    return info.value.reason


# --- valid tokens --------------------------------------------------------------------------------


async def test_valid_cognito_id_token_returns_its_claims(idp: Idp, keys: dict[str, Key], cache: JwksCache):
    """A REST Cognito authorizer without scopes takes the ID token; its claims reach
    $context.authorizer.claims.*"""
    token = keys["rsa1"].sign(id_claims(idp))
    claims = await verify(token, cognito_rules(idp.issuer), cache, NOW)
    assert claims["cognito:username"] == "alice"
    assert claims["cognito:groups"] == ["admins"]
    assert claims["token_use"] == "id"


async def test_valid_cognito_access_token_with_scope(idp: Idp, keys: dict[str, Key], cache: JwksCache):
    """With authorizationScopes on the method, the access token holding one of them passes."""
    token = keys["rsa1"].sign(access_claims(idp))
    rules = cognito_rules(idp.issuer, scopes=["pets/write", "pets/read"])
    claims = await verify(token, rules, cache, NOW)
    assert claims["username"] == "alice"


@pytest.mark.parametrize("name", ["ec", "ed"])
async def test_ec_and_eddsa_keys_verify(idp: Idp, keys: dict[str, Key], cache: JwksCache, name: str):
    token = keys[name].sign(id_claims(idp))
    assert (await verify(token, JwtRules(idp.issuer, (CLIENT,)), cache, NOW))["sub"]


# --- times ---------------------------------------------------------------------------------------


async def test_expired_token_rejected(idp: Idp, keys: dict[str, Key], cache: JwksCache):
    """exp must be after the current time (60 s leeway)."""
    rules = JwtRules(idp.issuer, (CLIENT,))
    assert "expired" in await rejected(keys["rsa1"].sign(id_claims(idp, exp=int(NOW) - 61)), rules, cache)
    assert await verify(keys["rsa1"].sign(id_claims(idp, exp=int(NOW) - 30)), rules, cache, NOW)


async def test_token_without_exp_rejected(idp: Idp, keys: dict[str, Key], cache: JwksCache):
    claims = id_claims(idp)
    del claims["exp"]
    assert "exp" in await rejected(keys["rsa1"].sign(claims), JwtRules(idp.issuer), cache)


async def test_nbf_in_the_future_rejected(idp: Idp, keys: dict[str, Key], cache: JwksCache):
    """nbf must be before the current time."""
    rules = JwtRules(idp.issuer)
    assert "nbf" in await rejected(keys["rsa1"].sign(id_claims(idp, nbf=int(NOW) + 120)), rules, cache)
    assert await verify(keys["rsa1"].sign(id_claims(idp, nbf=int(NOW) + 30)), rules, cache, NOW)


async def test_iat_beyond_clock_skew_rejected(idp: Idp, keys: dict[str, Key], cache: JwksCache):
    """iat must be before the current time; a token from a clock up to 60 s ahead is accepted."""
    rules = JwtRules(idp.issuer)
    assert "iat" in await rejected(keys["rsa1"].sign(id_claims(idp, iat=int(NOW) + 300)), rules, cache)
    assert await verify(keys["rsa1"].sign(id_claims(idp, iat=int(NOW) + 45)), rules, cache, NOW)
    strict = JwtRules(idp.issuer, leeway=0)
    assert "iat" in await rejected(keys["rsa1"].sign(id_claims(idp, iat=int(NOW) + 45)), strict, cache)


async def test_non_numeric_exp_rejected(idp: Idp, keys: dict[str, Key], cache: JwksCache):
    token = keys["rsa1"].sign(id_claims(idp, exp="tomorrow"))
    assert "exp" in await rejected(token, JwtRules(idp.issuer), cache)


# --- issuer, audience, token_use, scopes -------------------------------------------------------------


async def test_wrong_issuer_rejected(idp: Idp, keys: dict[str, Key], cache: JwksCache):
    """iss must equal the issuer exactly (a trailing slash is another issuer)."""
    rules = JwtRules(idp.issuer)
    for iss in (idp.issuer + "/", "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_other"):
        assert "issuer" in await rejected(keys["rsa1"].sign(id_claims(idp, iss=iss)), rules, cache)


async def test_audience_matches_aud_string_or_list(idp: Idp, keys: dict[str, Key], cache: JwksCache):
    rules = JwtRules(idp.issuer, ("other", CLIENT))
    assert await verify(keys["rsa1"].sign(id_claims(idp)), rules, cache, NOW)
    assert await verify(keys["rsa1"].sign(id_claims(idp, aud=["x", CLIENT])), rules, cache, NOW)
    reason = await rejected(keys["rsa1"].sign(id_claims(idp, aud="someone-else")), rules, cache)
    assert reason == "the token does not have a valid audience"


async def test_client_id_counts_only_without_aud(idp: Idp, keys: dict[str, Key], cache: JwksCache):
    """AWS: client_id is checked only when aud is absent; with both, aud decides."""
    rules = JwtRules(idp.issuer, (CLIENT,))
    assert await verify(keys["rsa1"].sign(access_claims(idp)), rules, cache, NOW)
    wrong = keys["rsa1"].sign(access_claims(idp, client_id="not-our-client"))
    assert "audience" in await rejected(wrong, rules, cache)
    both = keys["rsa1"].sign(access_claims(idp, aud="https://api.example.com"))
    assert "audience" in await rejected(both, rules, cache)


async def test_cognito_rest_authorizer_wants_id_token_without_scopes(
    idp: Idp, keys: dict[str, Key], cache: JwksCache
):
    rules = cognito_rules(idp.issuer)
    assert rules.token_use == "id"
    assert "token_use" in await rejected(keys["rsa1"].sign(access_claims(idp)), rules, cache)


async def test_cognito_rest_authorizer_wants_access_token_with_scopes(
    idp: Idp, keys: dict[str, Key], cache: JwksCache
):
    rules = cognito_rules(idp.issuer, scopes=["pets/read"])
    assert rules.token_use == "access"
    assert "token_use" in await rejected(keys["rsa1"].sign(id_claims(idp)), rules, cache)
    no_scope = keys["rsa1"].sign(access_claims(idp, scope="aws.cognito.signin.user.admin"))
    assert "scope" in await rejected(no_scope, rules, cache)


async def test_token_use_tuple_accepts_either(idp: Idp, keys: dict[str, Key], cache: JwksCache):
    rules = JwtRules(idp.issuer, token_use=("id", "access"))
    assert await verify(keys["rsa1"].sign(id_claims(idp)), rules, cache, NOW)
    assert await verify(keys["rsa1"].sign(access_claims(idp)), rules, cache, NOW)
    assert "token_use" in await rejected(keys["rsa1"].sign(id_claims(idp, token_use="refresh")), rules, cache)


async def test_scopes_from_scope_string_and_scp_list(idp: Idp, keys: dict[str, Key], cache: JwksCache):
    """HTTP API JWT authorizer: the token must hold at least one of the route's scopes, read from
    ``scope`` (space separated) or ``scp`` (a list)."""
    rules = JwtRules(idp.issuer, (CLIENT,), scopes=("orders/write", "orders/read"))
    by_scope = keys["rsa1"].sign(access_claims(idp, scope="openid orders/read"))
    assert await verify(by_scope, rules, cache, NOW)
    claims = access_claims(idp, scp=["profile", "orders/write"])
    del claims["scope"]
    assert await verify(keys["rsa1"].sign(claims), rules, cache, NOW)
    assert "scope" in await rejected(keys["rsa1"].sign(access_claims(idp, scope="orders")), rules, cache)


# --- algorithms and header tricks ------------------------------------------------------------------


async def test_alg_none_rejected(idp: Idp, keys: dict[str, Key], cache: JwksCache):
    token = unsigned({"alg": "none", "kid": "rsa-1", "typ": "JWT"}, id_claims(idp))
    assert "none" in await rejected(token, JwtRules(idp.issuer), cache)
    assert idp.hits["/pool/.well-known/jwks.json"] == 0


async def test_hs256_signed_with_the_public_key_pem_rejected(
    idp: Idp, keys: dict[str, Key], cache: JwksCache
):
    """The classic HS/RS confusion: an HMAC over the token with the issuer's public key as secret."""
    pem = (
        keys["rsa1"]
        .private.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    token = unsigned({"alg": "HS256", "kid": "rsa-1", "typ": "JWT"}, id_claims(idp), secret=pem)
    assert "HS256" in await rejected(token, JwtRules(idp.issuer), cache)


async def test_jku_header_is_never_followed(idp: Idp, attacker: Idp, keys: dict[str, Key], cache: JwksCache):
    """A token pointing at its own key set (jku/x5u) is checked against the issuer's keys only."""
    attacker.serve("/jwks.json", {"keys": [keys["evil"].jwk()]})
    rules = JwtRules(idp.issuer)
    same_kid = keys["evil"].sign(id_claims(idp), jku=f"{attacker.base}/jwks.json", x5u=f"{attacker.base}/c")
    assert "signature" in await rejected(same_kid, rules, cache)
    other = Key("attacker-kid", keys["evil"].private, "RS256")
    new_kid = other.sign(id_claims(idp), jku=f"{attacker.base}/jwks.json", jwk=other.jwk())
    assert "kid" in await rejected(new_kid, rules, cache)
    assert sum(attacker.hits.values()) == 0


async def test_key_declaring_rs256_refuses_rs384_token(idp: Idp, keys: dict[str, Key], cache: JwksCache):
    token = keys["rsa1"].sign(id_claims(idp), alg="RS384")
    assert "RS256" in await rejected(token, JwtRules(idp.issuer), cache)


async def test_key_type_must_fit_the_algorithm(idp: Idp, keys: dict[str, Key], cache: JwksCache):
    """An RS256 token naming the EC key's kid is not verified with the EC key."""
    forged = Key("ec-1", keys["rsa1"].private, "RS256").sign(id_claims(idp))
    assert "cannot verify" in await rejected(forged, JwtRules(idp.issuer), cache)


async def test_crit_header_rejected(idp: Idp, keys: dict[str, Key], cache: JwksCache):
    """We understand no JWS extension, so a token that makes one critical is refused."""
    token = keys["rsa1"].sign(id_claims(idp), crit=["exp"])
    await rejected(token, JwtRules(idp.issuer), cache)


async def test_tampered_payload_rejected(idp: Idp, keys: dict[str, Key], cache: JwksCache):
    head, _payload, sig = keys["rsa1"].sign(id_claims(idp)).split(".")
    forged = f"{head}.{b64(json.dumps(id_claims(idp, **{'cognito:groups': ['root']})).encode())}.{sig}"
    assert "signature" in await rejected(forged, JwtRules(idp.issuer), cache)


@pytest.mark.parametrize("token", ["", "abc", "a.b.c", "x" * 20_000])
async def test_malformed_tokens_rejected(idp: Idp, cache: JwksCache, token: str):
    await rejected(token, JwtRules(idp.issuer), cache)
    assert sum(idp.hits.values()) == 0


async def test_missing_kid_rejected_without_fetch(idp: Idp, keys: dict[str, Key], cache: JwksCache):
    token = jwt.encode(id_claims(idp), keys["rsa1"].private, algorithm="RS256")
    assert "kid" in await rejected(token, JwtRules(idp.issuer), cache)
    assert idp.hits["/pool/.well-known/jwks.json"] == 0


# --- the key set: refresh, rotation, limits -----------------------------------------------------------


async def test_unknown_kid_refetches_once_per_interval(
    idp: Idp, keys: dict[str, Key], cache: JwksCache, clock: Clock
):
    rules = JwtRules(idp.issuer)
    path = "/pool/.well-known/jwks.json"
    await verify(keys["rsa1"].sign(id_claims(idp)), rules, cache, NOW)
    assert idp.hits[path] == 1
    await verify(keys["rsa1"].sign(id_claims(idp)), rules, cache, NOW)
    assert idp.hits[path] == 1  # cached
    clock.t = 20.0
    stranger = Key("nobody", keys["rsa2"].private, "RS256")
    assert "kid" in await rejected(stranger.sign(id_claims(idp)), rules, cache)
    assert idp.hits[path] == 2  # one refetch for the unknown kid
    clock.t = 25.0
    other = Key("nobody-2", keys["rsa2"].private, "RS256")
    assert "kid" in await rejected(other.sign(id_claims(idp)), rules, cache)
    assert idp.hits[path] == 2  # within 10 s of the last fetch: no new fetch
    clock.t = 31.0
    await rejected(other.sign(id_claims(idp)), rules, cache)
    assert idp.hits[path] == 3


async def test_key_rotation_new_kid_found_after_refetch(
    idp: Idp, keys: dict[str, Key], cache: JwksCache, clock: Clock
):
    rules = JwtRules(idp.issuer)
    await verify(keys["rsa1"].sign(id_claims(idp)), rules, cache, NOW)
    idp.serve_keys(keys["rsa1"].jwk(), keys["rsa2"].jwk())
    clock.t = 60.0
    claims = await verify(keys["rsa2"].sign(id_claims(idp)), rules, cache, NOW)
    assert claims["iss"] == idp.issuer
    assert idp.hits["/pool/.well-known/jwks.json"] == 2


async def test_keys_expire_after_ttl(idp: Idp, keys: dict[str, Key], cache: JwksCache, clock: Clock):
    """After an hour the key set is fetched again; a key dropped from it stops working."""
    rules = JwtRules(idp.issuer)
    await verify(keys["rsa1"].sign(id_claims(idp)), rules, cache, NOW)
    idp.serve_keys(keys["rsa2"].jwk())
    clock.t = 3601.0
    assert "kid" in await rejected(keys["rsa1"].sign(id_claims(idp)), rules, cache)
    assert idp.hits["/pool/.well-known/jwks.json"] == 2


async def test_failed_refetch_keeps_the_cached_keys(
    idp: Idp, keys: dict[str, Key], cache: JwksCache, clock: Clock
):
    rules = JwtRules(idp.issuer)
    await verify(keys["rsa1"].sign(id_claims(idp)), rules, cache, NOW)
    idp.serve("/pool/.well-known/jwks.json", b"oops", status=500)
    clock.t = 3601.0
    assert await verify(keys["rsa1"].sign(id_claims(idp)), rules, cache, NOW)


async def test_twenty_concurrent_verifications_share_one_fetch(
    idp: Idp, keys: dict[str, Key], cache: JwksCache
):
    idp.delays["/pool/.well-known/jwks.json"] = 0.2
    rules = JwtRules(idp.issuer)
    tokens = [keys["rsa1" if i % 2 else "ec"].sign(id_claims(idp, n=i)) for i in range(20)]
    results = await asyncio.gather(*(verify(t, rules, cache, NOW) for t in tokens))
    assert [claims["n"] for claims in results] == list(range(20))
    assert idp.hits["/pool/.well-known/jwks.json"] == 1


async def test_unusable_keys_in_the_set_are_skipped(idp: Idp, keys: dict[str, Key], cache: JwksCache):
    """Only signing keys: use=enc, key_ops without verify, private members and oct keys are ignored."""
    private_jwk = {**keys["ec"].jwk(), "kid": "private", "d": "AAAA"}
    idp.serve_keys(
        keys["rsa1"].jwk(use="enc"),
        {**keys["rsa2"].jwk(), "key_ops": ["encrypt"]},
        private_jwk,
        {"kty": "oct", "kid": "hmac", "k": b64(HMAC_SECRET)},
        {"kty": "RSA", "kid": "broken", "n": "!!", "e": "AQAB"},
        keys["ed"].jwk(),
    )
    rules = JwtRules(idp.issuer)
    for key in (keys["rsa1"], keys["rsa2"]):
        assert "kid" in await rejected(key.sign(id_claims(idp)), rules, cache)
    hmac_token = jwt.encode(id_claims(idp), HMAC_SECRET, algorithm="HS256", headers={"kid": "hmac"})
    assert "HS256" in await rejected(hmac_token, rules, cache)
    assert await verify(keys["ed"].sign(id_claims(idp)), rules, cache, NOW)


async def test_oversized_jwks_rejected(idp: Idp, keys: dict[str, Key], cache: JwksCache):
    """API Gateway reads at most 150 000 bytes of key set."""

    def padded(size: int) -> bytes:
        document = {"keys": [keys["rsa1"].jwk()], "pad": ""}
        document["pad"] = "x" * (size - len(json.dumps(document).encode()))
        body = json.dumps(document).encode()
        assert len(body) == size
        return body

    idp.serve("/pool/.well-known/jwks.json", padded(150_000))
    token = keys["rsa1"].sign(id_claims(idp))
    assert await verify(token, JwtRules(idp.issuer), cache, NOW)
    idp.serve("/pool/.well-known/jwks.json", padded(150_001))
    with pytest.raises(JwksUnavailable):
        await verify(token, JwtRules(idp.issuer), JwksCache(), NOW)
    assert idp.hits["/pool/.well-known/openid-configuration"] == 0


async def test_slow_jwks_server_is_a_fetch_error(idp: Idp, keys: dict[str, Key], cache: JwksCache):
    """The key set must arrive within 1.5 s; otherwise the caller answers 401."""
    idp.delays["/pool/.well-known/jwks.json"] = 2.5
    with pytest.raises(JwksUnavailable):
        await verify(keys["rsa1"].sign(id_claims(idp)), JwtRules(idp.issuer), cache, NOW)
    assert idp.hits["/pool/.well-known/openid-configuration"] == 0


async def test_unreachable_issuer_is_a_fetch_error_and_rate_limited(keys: dict[str, Key], clock: Clock):
    with ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler) as closed:
        issuer = f"http://127.0.0.1:{closed.server_address[1]}/pool"
    calls: list[str] = []

    async def counting_fetch(url: str) -> bytes:
        calls.append(url)
        return await fetch_url(url)

    cache = JwksCache(counting_fetch, clock=clock)
    token = keys["rsa1"].sign({"iss": issuer, "exp": NOW + 60})
    for _ in range(2):
        with pytest.raises(JwksUnavailable):
            await verify(token, JwtRules(issuer), cache, NOW)
    assert len(calls) == 1  # the second request within 10 s does not wait on a dead host again


async def test_discovery_document_jwks_uri_used_when_jwks_json_missing(
    idp: Idp, keys: dict[str, Key], cache: JwksCache
):
    del idp.routes["/pool/.well-known/jwks.json"]
    idp.serve(
        "/pool/.well-known/openid-configuration", {"issuer": idp.issuer, "jwks_uri": f"{idp.base}/keys"}
    )
    idp.serve("/keys", {"keys": [keys["rsa1"].jwk()]})
    assert await verify(keys["rsa1"].sign(id_claims(idp)), JwtRules(idp.issuer), cache, NOW)
    assert idp.hits["/pool/.well-known/jwks.json"] == 1
    assert idp.hits["/keys"] == 1


async def test_discovery_document_for_another_issuer_refused(
    idp: Idp, attacker: Idp, keys: dict[str, Key], cache: JwksCache
):
    del idp.routes["/pool/.well-known/jwks.json"]
    attacker.serve("/keys", {"keys": [keys["rsa1"].jwk()]})
    document = {"issuer": "https://elsewhere.example", "jwks_uri": f"{attacker.base}/keys"}
    idp.serve("/pool/.well-known/openid-configuration", document)
    with pytest.raises(JwksUnavailable):
        await verify(keys["rsa1"].sign(id_claims(idp)), JwtRules(idp.issuer), cache, NOW)
    assert attacker.hits["/keys"] == 0


async def test_redirects_are_not_followed(idp: Idp, attacker: Idp, keys: dict[str, Key], cache: JwksCache):
    attacker.serve("/jwks.json", {"keys": [keys["evil"].jwk()]})
    idp.serve("/pool/.well-known/jwks.json", b"", status=302)
    idp.headers["/pool/.well-known/jwks.json"] = {"Location": f"{attacker.base}/jwks.json"}
    with pytest.raises(JwksUnavailable):
        await verify(keys["evil"].sign(id_claims(idp)), JwtRules(idp.issuer), cache, NOW)
    assert attacker.hits["/jwks.json"] == 0


async def test_https_issuer_refuses_http_jwks_uri_from_discovery(keys: dict[str, Key]):
    issuer = "https://idp.example"
    fetched: list[str] = []

    async def fake_fetch(url: str) -> bytes:
        fetched.append(url)
        if url.endswith("/openid-configuration"):
            return json.dumps({"issuer": issuer, "jwks_uri": "http://idp.example/keys"}).encode()
        raise FetchFailed("404", definite=True)

    with pytest.raises(JwksUnavailable):
        await JwksCache(fake_fetch).get_key(issuer, "rsa-1")
    assert fetched == [f"{issuer}/.well-known/jwks.json", f"{issuer}/.well-known/openid-configuration"]


async def test_only_http_and_https_are_fetched(tmp_path: Any):
    secret = tmp_path / "jwks.json"
    secret.write_text('{"keys": []}')
    with pytest.raises(FetchFailed):
        await fetch_url(secret.as_uri())
    with pytest.raises(JwksUnavailable):
        await JwksCache().get_key(f"file://{tmp_path}", "k")


# --- Cognito helpers ----------------------------------------------------------------------------------


def test_cognito_issuer_from_pool_arn():
    arn = "arn:aws:cognito-idp:us-east-2:111122223333:userpool/us-east-2_AbCdEf123"
    assert cognito_issuer(arn) == "https://cognito-idp.us-east-2.amazonaws.com/us-east-2_AbCdEf123"
    china = "arn:aws-cn:cognito-idp:cn-north-1:111122223333:userpool/cn-north-1_AbC"
    assert cognito_issuer(china) == "https://cognito-idp.cn-north-1.amazonaws.com.cn/cn-north-1_AbC"


@pytest.mark.parametrize(
    "arn",
    [
        "",
        "arn:aws:cognito-idp:us-east-2:111122223333:userpool/",
        "arn:aws:cognito-identity:us-east-2:111122223333:identitypool/us-east-2_x",
        "arn:aws:cognito-idp:us-east-2:1111:userpool/us-east-2_AbC",
        "arn:aws:cognito-idp:us-east-2:111122223333:userpool/${stageVariables.pool}",
        "arn:aws:cognito-idp:us-east-2:111122223333:userpool/us-east-2_AbC/../x",
    ],
)
def test_cognito_issuer_rejects_bad_arns(arn: str):
    with pytest.raises(ValueError):
        cognito_issuer(arn)
