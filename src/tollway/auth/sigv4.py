"""AWS Signature Version 4 verification for methods with ``authorizationType: AWS_IAM``.

``verify`` checks a request exactly as Amazon API Gateway (service ``execute-api``) does, for
both placements AWS accepts: an ``Authorization: AWS4-HMAC-SHA256 Credential=..., SignedHeaders=...,
Signature=...`` header (with ``X-Amz-Date`` or ``Date``), and a presigned query string
(``X-Amz-Algorithm``, ``X-Amz-Credential``, ``X-Amz-Date``, ``X-Amz-Expires``, ``X-Amz-SignedHeaders``,
``X-Amz-Signature``). The checks run in AWS's order and fail with AWS's messages:

1. no ``Authorization`` header and no ``X-Amz-Algorithm`` query parameter: "Missing Authentication
   Token"; both at once: "Found both ...";
2. the ``Authorization`` header is not ``key=value`` pairs, or misses ``Credential``, ``Signature``,
   ``SignedHeaders`` or a date header (presigned: a required ``X-Amz-*`` parameter): 403
   IncompleteSignatureException. API Gateway parses *any* Authorization header this way, so a
   ``Bearer`` token on an IAM method gets these messages too;
3. the date is not ISO-8601 basic (IncompleteSignature), or is more than 5 minutes away from now
   ("Signature expired" / "Signature not yet current", InvalidSignatureException); a presigned URL
   expires ``X-Amz-Expires`` seconds after its date instead;
4. ``host`` is not signed; the algorithm is not AWS4-HMAC-SHA256; the credential has not 5 parts;
   its scope names another service, another terminator, another day than the request date (or,
   when ``region`` is given, another region);
5. unknown access key (UnrecognizedClientException), then the signature itself (the message carries
   the canonical request and string to sign AWS expected, as API Gateway's does), then the session
   token.

The canonical request is the one botocore builds for non-S3 services: the raw path with dot
segments and repeated slashes removed and then URI-encoded again (so ``%20`` is signed as
``%2520``); query parameters decoded (``+`` is a space) and re-encoded with only ``A-Za-z0-9-_.~``
left bare, sorted by name then value; signed header values trimmed with inner whitespace runs
collapsed and repeated headers joined with commas in arrival order; the payload hash is the
``X-Amz-Content-Sha256`` value when sent (or ``UNSIGNED-PAYLOAD``), else ``sha256(body)``, also
for presigned URLs (botocore's SigV4QueryAuth signs the body hash for non-S3 services).

Decisions where AWS is silent: only ``host`` must be signed (``X-Amz-Date`` and the payload hash
are covered by the string to sign anyway); a hex ``X-Amz-Content-Sha256`` must match the body;
a presigned URL without ``X-Amz-Expires`` gets the 5-minute window of the header form.
"""

from __future__ import annotations

import calendar
import hashlib
import hmac
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime
from functools import lru_cache
from urllib.parse import quote, unquote_to_bytes

from tollway.errors import (
    ExpiredToken,
    IncompleteSignature,
    InvalidSignature,
    MissingAuthenticationToken,
    UnrecognizedClient,
)

ALGORITHM = "AWS4-HMAC-SHA256"
TERMINATOR = "aws4_request"
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
MAX_EXPIRES = 604800
"""A presigned URL lives at most a week (the signing key is only good for 7 days)."""

_MISMATCH = InvalidSignature.default_message
# UnrecognizedClientException: AWS ends the unknown-key message with a period, the bad-token one not.
_UNKNOWN_KEY = "The security token included in the request is invalid."
_BAD_TOKEN = "The security token included in the request is invalid"
_CONTENT_SHA256_MISMATCH = "The provided 'x-amz-content-sha256' header does not match what was computed."
_ISO_BASIC = re.compile(r"\d{8}T\d{6}Z")
_INTEGER = re.compile(r"-?\d+")
_PRESIGN_PARAMS = (
    "X-Amz-Algorithm",
    "X-Amz-Credential",
    "X-Amz-Signature",
    "X-Amz-SignedHeaders",
    "X-Amz-Date",
)


@dataclass(frozen=True, slots=True)
class Credentials:
    """What tollway stores for an IAM identity.

    ``session_token`` set: requests must carry it (``X-Amz-Security-Token``); ``expiration``
    (epoch seconds) set: requests after it fail with ExpiredTokenException.
    """

    access_key_id: str
    secret_access_key: str
    account_id: str
    user_arn: str
    session_token: str | None = None
    expiration: float | None = None


@dataclass(frozen=True, slots=True)
class Verified:
    """Who signed the request, and the region they signed it for (whatever the client chose)."""

    credentials: Credentials
    region: str


@dataclass(frozen=True, slots=True)
class _Claim:
    """What the request says about its own signature, from the header or the query string."""

    algorithm: str
    credential: str
    signed_headers: str
    signature: str
    date: str
    token: str | None
    expires: str | None
    presigned: bool
    content_sha256: str | None


def verify(
    method: str,
    raw_path: str,
    raw_query: str,
    headers: Sequence[tuple[str, str]],
    body: bytes,
    lookup: Callable[[str], Credentials | None],
    now: float,
    *,
    service: str = "execute-api",
    region: str | None = None,
    max_skew: float = 300.0,
) -> Verified:
    """Verify the request's SigV4 signature and return who signed it.

    ``raw_path`` and ``raw_query`` are as sent (still percent-encoded, no ``?``); ``headers`` keep
    duplicates in arrival order; ``now`` is epoch seconds. ``region``, when given, must be the
    credential scope's region (AWS checks the API's region; tollway has none by default).
    Raises MissingAuthenticationToken, IncompleteSignature, InvalidSignature or ExpiredToken with
    AWS's messages (see the module docstring).
    """
    header_map: dict[str, list[str]] = {}
    for name, value in headers:
        header_map.setdefault(name.lower(), []).append(value)
    query = _parse_query(raw_query)
    claim = _read_claim(header_map, query)
    stamp, iso = _parse_date(claim.date)
    _check_time(claim, stamp, now, max_skew)
    signed_names = claim.signed_headers.split(";")
    if not {"host", ":authority"} & {name.strip().lower() for name in signed_names}:
        raise InvalidSignature("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.")
    if claim.algorithm != ALGORITHM:
        raise IncompleteSignature(
            f"Unsupported AWS 'algorithm': '{claim.algorithm}' (only {ALGORITHM} for now). "
        )
    access_key, scope = _check_scope(claim.credential, iso, service, region)
    credentials = lookup(access_key)
    if credentials is None:
        raise UnrecognizedClient(_UNKNOWN_KEY, detail=f"unknown access key {access_key}")
    if credentials.expiration is not None and now >= credentials.expiration:
        raise ExpiredToken(detail=f"credentials of {access_key} expired")

    payload_hash = claim.content_sha256 or hashlib.sha256(body).hexdigest()
    canonical = "\n".join(
        (
            method.upper(),
            quote(_remove_dot_segments(raw_path), safe="/~"),
            _canonical_query(query, claim.presigned),
            _canonical_headers(signed_names, header_map),
            claim.signed_headers,
            payload_hash,
        )
    )
    string_to_sign = "\n".join(
        (ALGORITHM, iso, "/".join(scope), hashlib.sha256(canonical.encode("utf-8")).hexdigest())
    )
    key = _signing_key(credentials.secret_access_key, *scope[:3])
    expected = hmac.new(key, string_to_sign.encode("utf-8"), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected.encode(), claim.signature.encode("utf-8", "replace")):
        raise InvalidSignature(
            f"{_MISMATCH}\n\nThe Canonical String for this request should have been\n'{canonical}'"
            f"\n\nThe String-to-Sign should have been\n'{string_to_sign}'\n",
            detail=f"signature mismatch for access key {access_key}",
        )
    _check_payload(claim.content_sha256, body)
    _check_token(claim.token, credentials.session_token)
    return Verified(credentials, scope[1])


def _read_claim(headers: dict[str, list[str]], query: list[tuple[bytes, bytes]]) -> _Claim:
    params: dict[str, str] = {}
    for key, value in query:
        params.setdefault(key.decode("utf-8", "replace"), value.decode("utf-8", "replace"))
    authorization = _first(headers, "authorization")
    if authorization is not None and not authorization.strip():
        authorization = None
    if authorization is not None and "X-Amz-Algorithm" in params:
        raise InvalidSignature(
            "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header."
        )
    if authorization is not None:
        return _from_header(authorization, headers)
    if "X-Amz-Algorithm" in params:
        return _from_query(params, headers)
    raise MissingAuthenticationToken()


def _from_header(authorization: str, headers: dict[str, list[str]]) -> _Claim:
    """Parse ``ALGORITHM k=v, k=v ...``; pairs are split on commas and whitespace, as AWS does."""
    algorithm, _, rest = authorization.strip().partition(" ")
    pairs: dict[str, str] = {}
    for token in re.split(r"[\s,]+", rest):
        if not token:
            continue
        key, equal, value = token.partition("=")
        if not equal:
            raise IncompleteSignature(
                f"'{token}' not a valid key=value pair (missing equal-sign) "
                f"in Authorization header: '{authorization}'."
            )
        pairs[key] = value
    date = _first(headers, "x-amz-date") or _first(headers, "date")
    problems = [
        f"Authorization header requires '{name}' parameter. "
        for name in ("Credential", "Signature", "SignedHeaders")
        if not pairs.get(name) and (name != "SignedHeaders" or name not in pairs)
    ]
    if not date:
        problems.append(
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. "
        )
    if problems:
        raise IncompleteSignature("".join(problems) + f"Authorization={authorization}")
    return _Claim(
        algorithm=algorithm,
        credential=pairs["Credential"],
        signed_headers=pairs["SignedHeaders"],
        signature=pairs["Signature"],
        date=date or "",
        token=_first(headers, "x-amz-security-token") or None,
        expires=None,
        presigned=False,
        content_sha256=_first(headers, "x-amz-content-sha256") or None,
    )


def _from_query(params: dict[str, str], headers: dict[str, list[str]]) -> _Claim:
    missing = [
        f"AWS query-string parameters must include '{name}'. "
        for name in _PRESIGN_PARAMS
        if not params.get(name)
    ]
    if missing:
        raise IncompleteSignature("".join(missing) + "Re-examine the query-string parameters.")
    return _Claim(
        algorithm=params["X-Amz-Algorithm"],
        credential=params["X-Amz-Credential"],
        signed_headers=params["X-Amz-SignedHeaders"],
        signature=params["X-Amz-Signature"],
        date=params["X-Amz-Date"],
        token=params.get("X-Amz-Security-Token") or None,
        expires=params.get("X-Amz-Expires"),
        presigned=True,
        content_sha256=_first(headers, "x-amz-content-sha256") or params.get("X-Amz-Content-Sha256") or None,
    )


def _parse_date(text: str) -> tuple[int, str]:
    """Epoch seconds and ISO-8601 basic form of ``X-Amz-Date`` (or an RFC 1123 ``Date`` header)."""
    try:
        if _ISO_BASIC.fullmatch(text):
            moment = datetime(  # ValueError if there is no such day or time
                int(text[0:4]),
                int(text[4:6]),
                int(text[6:8]),
                int(text[9:11]),
                int(text[11:13]),
                int(text[13:15]),
            )
            stamp = calendar.timegm(moment.utctimetuple())
        else:
            parsed = parsedate_to_datetime(text)  # "-0000" (what botocore sends) comes back naive: UTC
            stamp = calendar.timegm(parsed.utctimetuple())
    except (ValueError, TypeError, OverflowError):
        raise IncompleteSignature(
            f"Date must be in ISO-8601 'basic format'. Got '{text}'. See http://en.wikipedia.org/wiki/ISO_8601"
        ) from None
    return stamp, _iso(stamp)


def _check_time(claim: _Claim, stamp: int, now: float, max_skew: float) -> None:
    """Header form: the date must be within ``max_skew`` of now. Presigned: not later than that
    either, and the URL expires ``X-Amz-Expires`` seconds after its date."""
    window = max_skew
    if claim.presigned and claim.expires is not None:
        if not _INTEGER.fullmatch(claim.expires):
            raise IncompleteSignature("X-Amz-Expires should be a number")
        digits = claim.expires.lstrip("-")
        if len(digits) > 18:  # beyond any bound, and past what int() converts at 4,300 digits
            window = -1 if claim.expires.startswith("-") else MAX_EXPIRES + 1
        else:
            window = int(claim.expires)
        if window < 0:
            raise IncompleteSignature("X-Amz-Expires must be non-negative")
        if window > MAX_EXPIRES:
            raise IncompleteSignature(
                f"X-Amz-Expires must be less than a week (in seconds) that is {MAX_EXPIRES}"
            )
    if stamp < now - window:
        raise InvalidSignature(
            f"Signature expired: {_iso(stamp)} is now earlier than {_iso(now - window)} "
            f"({_iso(now)} - {_span(window)}.)"
        )
    if stamp > now + max_skew:
        raise InvalidSignature(
            f"Signature not yet current: {_iso(stamp)} is still later than {_iso(now + max_skew)} "
            f"({_iso(now)} + {_span(max_skew)}.)"
        )


def _check_scope(credential: str, iso: str, service: str, region: str | None) -> tuple[str, tuple[str, ...]]:
    """Split ``AKID/date/region/service/aws4_request``; return the key id and the scope."""
    parts = credential.split("/")
    while parts and not parts[-1]:
        parts.pop()  # AWS ignores trailing slashes
    if len(parts) != 5:
        raise IncompleteSignature(
            "Credential must have exactly 5 slash-delimited elements, "
            f"e.g. keyid/date/region/service/term, got '{credential}'"
        )
    access_key, day, scope_region, scope_service, terminator = parts
    problems = []
    if region is not None and scope_region != region:
        problems.append(f"Credential should be scoped to a valid region, not '{scope_region}'. ")
    if scope_service != service:
        problems.append(f"Credential should be scoped to correct service: '{service}'. ")
    if terminator != TERMINATOR:
        problems.append(
            f"Credential should be scoped with a valid terminator: '{TERMINATOR}', not '{terminator}'. "
        )
    if day != iso[:8]:
        problems.append(
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: "
            f"'{day}' != '{iso[:8]}', from '{iso}'."
        )
    if problems:
        raise InvalidSignature("".join(problems))
    return access_key, (day, scope_region, scope_service, terminator)


def _check_payload(declared: str | None, body: bytes) -> None:
    """A declared payload hash must be the body's (``UNSIGNED-PAYLOAD`` leaves the body unsigned)."""
    if declared is None or declared == UNSIGNED_PAYLOAD:
        return
    if not hmac.compare_digest(declared.lower().encode(), hashlib.sha256(body).hexdigest().encode()):
        raise InvalidSignature(_CONTENT_SHA256_MISMATCH)


def _check_token(sent: str | None, stored: str | None) -> None:
    if sent is None and stored is None:
        return
    if sent is None or stored is None or not hmac.compare_digest(sent.encode(), stored.encode()):
        raise UnrecognizedClient(_BAD_TOKEN, detail="session token missing or not the one issued")


def _parse_query(raw_query: str) -> list[tuple[bytes, bytes]]:
    """Decoded (name, value) pairs in order; ``+`` is a space, empty segments are skipped."""
    pairs = []
    for segment in raw_query.split("&"):
        if segment:
            key, _, value = segment.partition("=")
            pairs.append((unquote_to_bytes(key.replace("+", " ")), unquote_to_bytes(value.replace("+", " "))))
    return pairs


def _canonical_query(query: list[tuple[bytes, bytes]], presigned: bool) -> str:
    encoded = sorted(
        (quote(key, safe="-_.~"), quote(value, safe="-_.~"))
        for key, value in query
        if not (presigned and key == b"X-Amz-Signature")
    )
    return "&".join(f"{key}={value}" for key, value in encoded)


def _canonical_headers(names: list[str], headers: dict[str, list[str]]) -> str:
    lines = []
    for name in names:
        values = headers.get(name.strip().lower(), [])
        lines.append(f"{name}:" + ",".join(" ".join(value.split()) for value in values) + "\n")
    return "".join(lines)


def _remove_dot_segments(path: str) -> str:
    """RFC 3986 dot-segment removal plus collapsing repeated slashes, as botocore does."""
    if not path:
        return "/"
    output: list[str] = []
    for segment in path.split("/"):
        if segment == "..":
            if output:
                output.pop()
        elif segment and segment != ".":
            output.append(segment)
    first = "/" if path.startswith("/") else ""
    last = "/" if path.endswith("/") and output else ""
    return first + "/".join(output) + last


@lru_cache(maxsize=256)
def _signing_key(secret: str, day: str, region: str, service: str) -> bytes:
    """kSigning = HMAC chain over date, region, service and ``aws4_request`` (cached, bounded)."""
    key = f"AWS4{secret}".encode()
    for part in (day, region, service, TERMINATOR):
        key = hmac.new(key, part.encode("utf-8"), hashlib.sha256).digest()
    return key


def _first(headers: dict[str, list[str]], name: str) -> str | None:
    values = headers.get(name)
    return values[0] if values else None


def _iso(stamp: float) -> str:
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(stamp))


def _span(seconds: float) -> str:
    return f"{int(seconds) // 60} min" if seconds % 60 == 0 else f"{int(seconds)} sec"
