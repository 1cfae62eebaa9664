"""Verify a JWT the way API Gateway's JWT and ``COGNITO_USER_POOLS`` authorizers do.

What AWS documents (HTTP API JWT authorizer): the token is decoded; its algorithm and signature
are checked with the key from the issuer's key set whose ``kid`` matches; then ``iss`` must equal
the configured issuer, ``aud`` (or ``client_id`` when the token has no ``aud``: when both are
present only ``aud`` counts) must be one of the configured audiences, ``exp`` must be after now,
``nbf`` and ``iat`` before now, and when the route has ``authorizationScopes`` the token's
``scope`` or ``scp`` must hold at least one of them. Any failure is 401 ``Unauthorized``.

For a REST ``COGNITO_USER_POOLS`` authorizer API Gateway accepts the ID token when the method
has no ``authorizationScopes`` and the access token (with at least one of the scopes) when it
has some; it checks the issuing user pool but no app client. :func:`cognito_rules` encodes it.

What we decided where AWS is silent:

- Algorithms: asymmetric only (RS*, PS*, ES*, EdDSA); ``none`` and HS* are rejected before any
  key is looked up, and the key's type (and curve) must fit the algorithm, so a public key can
  never serve as an HMAC secret. When the JWK declares ``alg``, the token's must equal it.
- A token with ``crit`` is rejected (we understand no extension); ``jku``/``x5u``/``jwk``/``x5c``
  headers are ignored: keys come only from the configured issuer.
- Clock skew: AWS publishes none; we allow ``leeway`` seconds (60 by default) on ``exp``,
  ``nbf`` and ``iat``. ``exp`` is required; ``nbf`` and ``iat`` are checked when present.
- A ``kid`` is required (AWS selects the key by it); tokens over 16 KiB are rejected unread.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import jwt
from jwt.exceptions import InvalidTokenError

from tollway.auth.jwks import JwksCache, SigningKey, UnknownKey
from tollway.errors import TollwayError

__all__ = ["ALGORITHMS", "JwtRules", "TokenRejected", "cognito_issuer", "cognito_rules", "verify"]

MAX_TOKEN_LENGTH = 16 * 1024

# token alg -> (JWK kty, JWK crv or None for any)
ALGORITHMS: dict[str, tuple[str, str | None]] = {
    "RS256": ("RSA", None),
    "RS384": ("RSA", None),
    "RS512": ("RSA", None),
    "PS256": ("RSA", None),
    "PS384": ("RSA", None),
    "PS512": ("RSA", None),
    "ES256": ("EC", "P-256"),
    "ES384": ("EC", "P-384"),
    "ES512": ("EC", "P-521"),
    "EdDSA": ("OKP", None),
}

_POOL_ARN = re.compile(
    r"arn:(?P<partition>aws(?:-cn|-us-gov)?):cognito-idp:(?P<region>[a-z]{2}(?:-[a-z]+)+-\d+)"
    r":\d{12}:userpool/(?P<pool>[\w-]+_[0-9A-Za-z]+)"
)


class TokenRejected(TollwayError):
    """The token is not acceptable; ``reason`` is short, for logs, and never holds the token."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class TokenExpired(TokenRejected):
    """The token is genuine (signature and issuer checked) and its ``exp`` has passed."""


@dataclass(frozen=True, slots=True)
class JwtRules:
    """What a token must satisfy.

    ``audiences`` empty means no audience check (REST Cognito authorizers check none);
    ``token_use`` is the Cognito ``token_use`` claim required (None: not checked; a tuple: any
    of them); ``scopes`` non-empty means the token needs at least one of them.
    """

    issuer: str
    audiences: tuple[str, ...] = ()
    token_use: str | tuple[str, ...] | None = None
    scopes: tuple[str, ...] = ()
    leeway: float = 60.0


def cognito_issuer(pool_arn: str) -> str:
    """``arn:aws:cognito-idp:{region}:{account}:userpool/{poolId}`` -> the user pool's issuer URL."""
    match = _POOL_ARN.fullmatch(pool_arn)
    if match is None:
        raise ValueError(f"not a Cognito user pool ARN: {pool_arn!r}")
    domain = "amazonaws.com.cn" if match["partition"] == "aws-cn" else "amazonaws.com"
    return f"https://cognito-idp.{match['region']}.{domain}/{match['pool']}"


def cognito_rules(issuer: str, client_ids: Iterable[str] = (), scopes: Iterable[str] = ()) -> JwtRules:
    """Rules of a REST ``COGNITO_USER_POOLS`` authorizer on one method.

    No ``authorizationScopes``: the ID token is required. Scopes set: the access token, holding
    at least one of them. AWS checks no app client for this authorizer type, so ``client_ids``
    is empty for fidelity; pass some to restrict ``aud`` / ``client_id`` anyway.
    """
    scope_tuple = tuple(scopes)
    return JwtRules(
        issuer=issuer,
        audiences=tuple(client_ids),
        token_use="access" if scope_tuple else "id",
        scopes=scope_tuple,
    )


async def verify(token: str, rules: JwtRules, jwks: JwksCache, now: float) -> dict[str, Any]:
    """The token's claims if it satisfies ``rules`` at ``now`` (epoch seconds).

    Raises :class:`TokenRejected` for a bad token and
    :class:`~tollway.auth.jwks.JwksUnavailable` when the issuer's keys cannot be had; both
    are 401 ``Unauthorized`` for the client.
    """
    header = _header(token)
    alg = header["alg"]
    try:
        key = await jwks.get_key(rules.issuer, header.get("kid"))
    except UnknownKey as exc:
        raise TokenRejected(str(exc)) from None
    _check_key_fits(key, alg)
    claims = _signed_claims(token, key, alg)
    _check_claims(claims, rules, now)
    return claims


def _header(token: str) -> dict[str, Any]:
    if len(token) > MAX_TOKEN_LENGTH:
        raise TokenRejected("token too large")
    try:
        header = jwt.get_unverified_header(token)
    except InvalidTokenError:
        raise TokenRejected("malformed token") from None
    alg = header.get("alg")
    if not isinstance(alg, str) or alg not in ALGORITHMS:
        raise TokenRejected(f"algorithm {alg!r} not allowed")
    if "crit" in header:
        raise TokenRejected("unsupported critical header")
    if not isinstance(header.get("kid"), str):
        raise TokenRejected("token has no kid")
    return header


def _check_key_fits(key: SigningKey, alg: str) -> None:
    kty, curve = ALGORITHMS[alg]
    if key.kty != kty or (curve is not None and key.curve != curve):
        raise TokenRejected(f"key {key.kid!r} cannot verify {alg}")
    if key.alg is not None and key.alg != alg:
        raise TokenRejected(f"key {key.kid!r} is for {key.alg}, token says {alg}")


def _signed_claims(token: str, key: SigningKey, alg: str) -> dict[str, Any]:
    # the library checks only the signature; every claim is checked below against ``now``
    options: Any = {
        "verify_signature": True,
        "verify_exp": False,
        "verify_nbf": False,
        "verify_iat": False,
        "verify_aud": False,
        "verify_iss": False,
        "verify_sub": False,
        "verify_jti": False,
    }
    try:
        claims = jwt.decode(token, key.key, algorithms=[alg], options=options)
    except InvalidTokenError:
        raise TokenRejected("bad signature or payload") from None
    if not isinstance(claims, dict):
        raise TokenRejected("payload is not a JSON object")
    return claims


def _check_claims(claims: dict[str, Any], rules: JwtRules, now: float) -> None:
    if claims.get("iss") != rules.issuer:
        raise TokenRejected("wrong issuer")
    _check_times(claims, now, rules.leeway)
    if rules.audiences and not _audience_matches(claims, rules.audiences):
        raise TokenRejected("the token does not have a valid audience")
    if rules.token_use is not None:
        wanted = (rules.token_use,) if isinstance(rules.token_use, str) else rules.token_use
        if claims.get("token_use") not in wanted:
            raise TokenRejected("wrong token_use")
    if rules.scopes and not set(rules.scopes).intersection(token_scopes(claims)):
        raise TokenRejected("no required scope")


def _number(claims: dict[str, Any], name: str) -> float | None:
    value = claims.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TokenRejected(f"{name} is not a number")
    return float(value)


def _check_times(claims: dict[str, Any], now: float, leeway: float) -> None:
    exp = _number(claims, "exp")
    if exp is None:
        raise TokenRejected("token has no exp")
    if now >= exp + leeway:
        raise TokenExpired("token expired")
    nbf = _number(claims, "nbf")
    if nbf is not None and now + leeway < nbf:
        raise TokenRejected("token not yet valid (nbf)")
    iat = _number(claims, "iat")
    if iat is not None and now + leeway < iat:
        raise TokenRejected("token issued in the future (iat)")


def _audience_matches(claims: dict[str, Any], audiences: tuple[str, ...]) -> bool:
    # AWS: client_id counts only when the token has no aud; with both, aud decides
    if "aud" in claims:
        aud = claims["aud"]
        values = [aud] if isinstance(aud, str) else aud if isinstance(aud, list) else []
    else:
        values = [claims.get("client_id")]
    return any(isinstance(value, str) and value in audiences for value in values)


def token_scopes(claims: dict[str, Any]) -> list[str]:
    """The token's scopes as it lists them (``scope``, a space-separated string, then ``scp``,
    a string or a list), each once."""
    scopes: list[str] = []
    for name in ("scope", "scp"):
        value = claims.get(name)
        items = value.split() if isinstance(value, str) else value if isinstance(value, list) else []
        for item in items:
            if isinstance(item, str) and item not in scopes:
                scopes.append(item)
    return scopes
