"""``COGNITO_USER_POOLS`` methods: a user pool token, verified against the pool's keys.

The token is the identity source header's value (``Authorization`` by default; a ``Bearer``
prefix is accepted and dropped). Of the authorizer's user pools, the one whose issuer the
token names is used. Without ``authorizationScopes`` on the method an ID token is required;
with them an access token holding at least one (``tollway.auth.jwt.cognito_rules``). Any
failure, including keys that cannot be fetched, answers 401 ``Unauthorized``; a genuine
token past its ``exp`` answers 401 ``The incoming token has expired``, as AWS does.

A user pool ARN maps to ``https://cognito-idp.{region}.amazonaws.com/{poolId}`` unless
``serve --user-pool-issuer ARN=URL`` names another issuer (Keycloak, Auth0, a test issuer),
and ``--user-pool-client-id ARN=ID`` restricts the token's audience.

Claims reach ``$context.authorizer.claims`` and the proxy event as strings, as API Gateway
passes them on: times (``exp``, ``iat``, ``auth_time``) in Java's date format, lists as
``[a, b]``.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tollway.dataplane.authorizers.compile import CompiledAuthorizer
from tollway.dataplane.context import RequestContext
from tollway.errors import Unauthorized

if TYPE_CHECKING:
    from tollway.auth.jwks import JwksCache

log = logging.getLogger("tollway.auth")

_TIME_CLAIMS = frozenset({"exp", "iat", "auth_time", "nbf"})
EXPIRED = "The incoming token has expired"


@dataclass(frozen=True, slots=True)
class UserPool:
    """Where a user pool's tokens come from: its issuer, and the app clients to accept
    (empty: any, as API Gateway checks none for REST user pool authorizers)."""

    issuer: str
    client_ids: tuple[str, ...] = ()


def pool_for(arn: str, pools: Mapping[str, UserPool]) -> UserPool:
    from tollway.auth.jwt import cognito_issuer

    mapped = pools.get(arn)
    if mapped is not None:
        return mapped
    try:
        return UserPool(cognito_issuer(arn))
    except ValueError:
        return UserPool(arn)  # an issuer URL given in place of an ARN


def token_of(ctx: RequestContext, authorizer: CompiledAuthorizer) -> str:
    """The token the request carries in the authorizer's header, or 401."""
    header = authorizer.sources[0].name if authorizer.sources else "authorization"
    token = ctx.header_map.get(header, "").strip()
    if token[:7].lower() == "bearer ":
        token = token[7:].strip()
    if not token:
        raise Unauthorized(detail=f"authorizer {authorizer.name}: no token in {header}")
    return token


async def authenticate(
    token: str,
    authorizer: CompiledAuthorizer,
    scopes: tuple[str, ...],
    pools: Mapping[str, UserPool],
    jwks: JwksCache,
    now: float,
) -> tuple[dict[str, str], float]:
    """The token's claims as strings and when it expires, or 401."""
    # PyJWT and cryptography cost about 20 MB a worker: loaded only when a token comes.
    import jwt as pyjwt

    from tollway.auth.jwks import JwksError
    from tollway.auth.jwt import TokenExpired, TokenRejected, cognito_rules, verify

    candidates = [pool_for(arn, pools) for arn in authorizer.provider_arns]
    try:
        issuer = pyjwt.decode(token, options={"verify_signature": False}).get("iss")
    except pyjwt.PyJWTError:
        raise Unauthorized(detail=f"authorizer {authorizer.name}: not a JWT") from None
    pool = next((p for p in candidates if p.issuer == issuer), None)
    if pool is None:
        raise Unauthorized(detail=f"authorizer {authorizer.name}: token of another issuer")
    try:
        claims = await verify(token, cognito_rules(pool.issuer, pool.client_ids, scopes), jwks, now)
    except TokenExpired:
        # AWS's own words for a genuine token past its exp, still a 401 UNAUTHORIZED.
        raise Unauthorized(EXPIRED, detail=f"authorizer {authorizer.name}: token expired") from None
    except TokenRejected as exc:
        raise Unauthorized(detail=f"authorizer {authorizer.name}: {exc.reason}") from None
    except JwksError as exc:
        log.warning("authorizer %s: keys of %s unavailable: %s", authorizer.name, pool.issuer, exc)
        raise Unauthorized(detail=f"authorizer {authorizer.name}: keys unavailable") from None
    texts = {str(name): _text(str(name), value) for name, value in claims.items()}
    return texts, float(claims["exp"])


def _text(name: str, value: Any) -> str:
    if name in _TIME_CLAIMS and isinstance(value, int | float) and not isinstance(value, bool):
        return dt.datetime.fromtimestamp(value, dt.UTC).strftime("%a %b %d %H:%M:%S UTC %Y")
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(_text("", item) for item in value) + "]"
    return str(value)
