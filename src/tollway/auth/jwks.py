"""The issuer's signing keys (JWKS), fetched on demand and cached per issuer.

What AWS does: an HTTP API JWT authorizer (and a REST ``COGNITO_USER_POOLS`` authorizer) checks
the token's signature with the key whose ``kid`` matches one in the issuer's key set. The key set
and the OIDC discovery document are fetched with a 1500 ms timeout and a key set may be at most
150 000 bytes (API Gateway quotas). When API Gateway cannot get the keys, the caller gets
401 ``Unauthorized``; the callers of this module map :class:`JwksUnavailable` to that.

What we decided where AWS is silent:

- Where the keys come from: ``{issuer}/.well-known/jwks.json`` first (Cognito and Auth0 serve it,
  so one request), then the OIDC discovery document ``{issuer}/.well-known/openid-configuration``
  and its ``jwks_uri``. We fall back only when the first answer is definite (an HTTP error
  status such as 404, or a body that is not a key set); a timeout, a refused connection or an
  oversized body fails at once, since the same host would only make the caller wait longer.
- The discovery document's ``issuer`` must equal the issuer (OpenID Connect Discovery says so),
  and its ``jwks_uri`` must be https (or http when the issuer itself is http).
- Schemes: https, and http too. http only makes sense for a local identity provider (a test
  issuer on 127.0.0.1, a Keycloak in docker compose): real issuers are https. No other scheme
  (``file:`` and friends) and no redirects are followed.
- The token's own ``jku`` / ``x5u`` / ``jwk`` / ``x5c`` headers are never read: keys come only
  from the issuer configured on the authorizer.
- Cache: keys are kept for ``ttl`` seconds (1 hour). An unknown ``kid`` refetches, at most once
  per ``refresh_interval`` seconds (10 s) per issuer; a failed fetch also counts, so a dead
  identity provider costs one timeout per interval, not one per request. Concurrent callers
  share one in-flight fetch. When a refetch fails the previous keys stay in use.
- Keys kept: ``kty`` RSA, EC or OKP (EdDSA) only; a key with ``use`` other than ``sig``, with
  ``key_ops`` lacking ``verify``, with private members (``d``), without ``kid``, or that the JOSE
  library cannot load is skipped (the rest of the set still counts).
"""

from __future__ import annotations

import asyncio
import json
import time
import urllib.error
import urllib.request
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import jwt
from jwt.exceptions import PyJWTError

from tollway.errors import TollwayError

__all__ = [
    "FetchFailed",
    "JwksCache",
    "JwksError",
    "JwksUnavailable",
    "SigningKey",
    "UnknownKey",
    "fetch_url",
    "parse_jwks",
]

FETCH_TIMEOUT = 1.5  # seconds, API Gateway's JWKS / discovery timeout
MAX_BODY_BYTES = 150_000  # API Gateway's largest accepted key set
KEY_TYPES = frozenset({"RSA", "EC", "OKP"})

Fetch = Callable[[str], Awaitable[bytes]]
"""Fetch one URL and return its body; raise :class:`FetchFailed` on any failure."""


class JwksError(TollwayError):
    """Base of the key lookup errors. The message is short and safe to log."""


class JwksUnavailable(JwksError):
    """The issuer's keys could not be fetched and none are cached: answer 401 Unauthorized."""


class UnknownKey(JwksError):
    """The issuer's key set has no usable key with that ``kid``."""


class FetchFailed(TollwayError):
    """One URL could not be fetched. ``definite`` is true for an HTTP error status (the host
    answered; another URL on it may work) and false for timeouts, refused connections and
    oversized bodies."""

    def __init__(self, reason: str, *, definite: bool = False) -> None:
        super().__init__(reason)
        self.definite = definite


@dataclass(frozen=True, slots=True)
class SigningKey:
    """A public verification key from the issuer's key set.

    ``alg`` is the algorithm the JWK declares (None when it declares none); ``curve`` is the
    JWK ``crv`` for EC and OKP keys; ``key`` is the library's public key object.
    """

    kid: str
    kty: str
    alg: str | None
    curve: str | None
    key: Any


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # a 3xx then surfaces as an HTTPError


_OPENER = urllib.request.build_opener(_NoRedirect())


def _check_scheme(url: str) -> None:
    if urlsplit(url).scheme not in ("https", "http"):
        raise FetchFailed("only https and http URLs are fetched")


def _fetch_blocking(url: str, timeout: float, max_bytes: int) -> bytes:
    request = urllib.request.Request(url, headers={"Accept": "application/json"})
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            body: bytes = response.read(max_bytes + 1)
    except urllib.error.HTTPError as exc:
        exc.close()  # the error carries the open response
        raise FetchFailed(f"HTTP {exc.code} from {url}", definite=True) from None
    except (OSError, ValueError) as exc:  # URLError, timeouts, refused connections, bad URLs
        raise FetchFailed(f"cannot fetch {url}: {type(exc).__name__}") from None
    if len(body) > max_bytes:
        raise FetchFailed(f"{url} answered more than {max_bytes} bytes")
    return body


async def fetch_url(url: str, *, timeout: float = FETCH_TIMEOUT, max_bytes: int = MAX_BODY_BYTES) -> bytes:
    """Fetch ``url`` in a worker thread with a total ``timeout`` and a body cap (the default fetch)."""
    _check_scheme(url)
    try:
        return await asyncio.wait_for(asyncio.to_thread(_fetch_blocking, url, timeout, max_bytes), timeout)
    except TimeoutError:
        raise FetchFailed(f"{url} did not answer within {timeout} s") from None


def _json_object(body: bytes) -> dict[str, Any] | None:
    try:
        value = json.loads(body)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _load_key(jwk: Mapping[str, Any]) -> SigningKey | None:
    kid, kty, alg = jwk.get("kid"), jwk.get("kty"), jwk.get("alg")
    if not isinstance(kid, str) or kty not in KEY_TYPES or "d" in jwk:
        return None
    if jwk.get("use", "sig") != "sig" or (alg is not None and not isinstance(alg, str)):
        return None
    key_ops = jwk.get("key_ops")
    if key_ops is not None and (not isinstance(key_ops, list) or "verify" not in key_ops):
        return None
    try:
        loaded = jwt.PyJWK(dict(jwk))
    except (PyJWTError, ValueError, TypeError, KeyError):
        return None
    curve = jwk.get("crv") if isinstance(jwk.get("crv"), str) else None
    return SigningKey(kid=kid, kty=str(kty), alg=alg, curve=curve, key=loaded.key)


def parse_jwks(body: bytes) -> dict[str, SigningKey] | None:
    """The usable keys of a JWKS document by ``kid`` (first wins), or None if it is not a JWKS."""
    document = _json_object(body)
    if document is None or not isinstance(document.get("keys"), list):
        return None
    keys: dict[str, SigningKey] = {}
    for jwk in document["keys"]:
        key = _load_key(jwk) if isinstance(jwk, dict) else None
        if key is not None:
            keys.setdefault(key.kid, key)
    return keys


@dataclass(slots=True)
class _IssuerKeys:
    keys: dict[str, SigningKey] = field(default_factory=dict)
    fetched_at: float | None = None  # when ``keys`` were last replaced
    attempted_at: float | None = None  # when the last fetch started, success or not
    last_error: str = ""  # why the last fetch failed (for logs)
    inflight: asyncio.Future[None] | None = None


class JwksCache:
    """Signing keys per issuer, fetched on demand (see the module docstring for the rules).

    ``fetch`` replaces the network (tests); ``clock`` is a monotonic clock in seconds.
    """

    def __init__(
        self,
        fetch: Fetch | None = None,
        *,
        ttl: float = 3600.0,
        refresh_interval: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._fetch: Fetch = fetch if fetch is not None else fetch_url
        self._ttl = ttl
        self._refresh_interval = refresh_interval
        self._clock = clock
        self._issuers: dict[str, _IssuerKeys] = {}

    async def get_key(self, issuer: str, kid: str | None) -> SigningKey:
        """The issuer's key with this ``kid``.

        Raises :class:`UnknownKey` when the (possibly refreshed) key set has no such key, and
        :class:`JwksUnavailable` when the keys cannot be fetched and none are cached.
        """
        if kid is None:
            raise UnknownKey("token has no kid")
        state = self._issuers.setdefault(issuer, _IssuerKeys())
        now = self._clock()
        fresh = state.fetched_at is not None and now - state.fetched_at < self._ttl
        if fresh and kid in state.keys:
            return state.keys[kid]
        if state.inflight is None and self._may_fetch(state, now):
            state.attempted_at = now
            state.inflight = asyncio.ensure_future(self._refresh(issuer, state))
        if state.inflight is not None:
            # shield: one caller giving up (client gone) must not cancel the fetch others wait on
            await asyncio.shield(state.inflight)
        if state.fetched_at is None:
            raise JwksUnavailable(f"no keys for issuer {issuer}: {state.last_error}")
        try:
            return state.keys[kid]
        except KeyError:
            raise UnknownKey(f"no usable key with kid {kid!r}") from None

    def _may_fetch(self, state: _IssuerKeys, now: float) -> bool:
        return state.attempted_at is None or now - state.attempted_at >= self._refresh_interval

    async def _refresh(self, issuer: str, state: _IssuerKeys) -> None:
        """Fetch the key set once and store it; on failure keep the previous keys."""
        try:
            state.keys = await self._load(issuer)
            state.fetched_at = self._clock()
        except (FetchFailed, JwksError) as exc:
            state.last_error = str(exc)
        finally:
            state.inflight = None

    async def _load(self, issuer: str) -> dict[str, SigningKey]:
        base = issuer.rstrip("/")
        try:
            keys = parse_jwks(await self._fetch(f"{base}/.well-known/jwks.json"))
        except FetchFailed as exc:
            if not exc.definite:
                raise
            keys = None
        if keys is not None:
            return keys
        return await self._load_from_discovery(issuer, base)

    async def _load_from_discovery(self, issuer: str, base: str) -> dict[str, SigningKey]:
        document = _json_object(await self._fetch(f"{base}/.well-known/openid-configuration"))
        if document is None:
            raise JwksUnavailable("the OIDC discovery document is not a JSON object")
        if document.get("issuer", issuer) != issuer:
            raise JwksUnavailable("the OIDC discovery document names another issuer")
        jwks_uri = document.get("jwks_uri")
        if not isinstance(jwks_uri, str) or urlsplit(jwks_uri).scheme not in _allowed_schemes(issuer):
            raise JwksUnavailable("the OIDC discovery document has no usable jwks_uri")
        keys = parse_jwks(await self._fetch(jwks_uri))
        if keys is None:
            raise JwksUnavailable("jwks_uri did not answer a JWKS")
        return keys


def _allowed_schemes(issuer: str) -> tuple[str, ...]:
    return ("https", "http") if urlsplit(issuer).scheme == "http" else ("https",)
