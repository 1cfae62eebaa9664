"""IAM-style policy documents as Amazon API Gateway applies them to ``execute-api:Invoke``.

A document (a Lambda authorizer's ``policyDocument`` or a REST API resource policy) is compiled
once into a :class:`Policy` (wildcards become regexes, CIDRs networks); :meth:`Policy.evaluate`
then parses nothing. AWS rules (IAM user guide, "policy evaluation logic", "condition operators"):
an explicit ``Deny`` wins over any ``Allow``, no applicable statement is an implicit deny;
``Action`` matches case-insensitively, ``Resource`` case-sensitively, ``*`` any run of characters
(``/`` and ``:`` too), ``?`` one; in a ``Condition`` block every operator and key must hold (AND),
the values of one key are alternatives (OR), NOR for negated operators (``StringNotEquals``,
``NotIpAddress``); a key absent from the request makes a positive operator false and a negated one
true, ``...IfExists`` true, ``ForAllValues:`` true, ``ForAnyValue:`` false, ``Null: true`` true.

Our decisions where AWS is silent: condition keys are looked up case-insensitively and an empty
list is an absent key; a list value without a set prefix holds if any value matches (NOR when
negated); ``principal=None`` is an anonymous caller whom only ``"*"`` names (a ``Principal``
naming anyone else does not apply, a ``NotPrincipal`` one does); a Principal account
(``"123456789012"``, ``arn:aws:iam::123456789012:root``) matches every principal of the account
and a role ARN its ``assumed-role`` sessions; element names and ``Effect`` are case-sensitive,
unknown statement elements are ignored; ``BinaryEquals`` and condition values with policy
variables (``${aws:username}``) are refused at compile time, never ignored. ``Date*`` values
are ISO 8601 times (``2026-11-26T00:00:00Z``) or epoch seconds, as IAM accepts; a request value
that is not a number (``Numeric*``) or a time (``Date*``) matches nothing.
"""

from __future__ import annotations

import datetime as dt
import enum
import ipaddress
import json
import re
import socket
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from tollway.errors import TollwayError

__all__ = ["Policy", "PolicyError", "Verdict", "compile_policy", "method_arn", "wildcard_regex"]

Context = Mapping[str, str | Sequence[str]]
Test = Callable[[str], bool]

_VERSIONS = ("2012-10-17", "2008-10-17")
_PRINCIPAL_KINDS = ("AWS", "Service", "Federated", "CanonicalUser")
_COMPARISONS = ("Equals", "NotEquals", "LessThan", "LessThanEquals", "GreaterThan", "GreaterThanEquals")
_UNSUPPORTED = {"BinaryEquals"}


class PolicyError(TollwayError):
    """A policy document that cannot be compiled; the message names the statement and the problem."""


class Verdict(enum.Enum):
    """The outcome of :meth:`Policy.evaluate`."""

    ALLOW = "Allow"
    DENY = "Deny"  # an explicit Deny statement applied
    NONE = "None"  # no statement applied: an implicit deny


def method_arn(region: str, account_id: str, api_id: str, stage: str, verb: str, path: str) -> str:
    """The ``methodArn`` API Gateway gives a Lambda authorizer (and matches policies against).

    It carries the actual request path, not the resource template (``.../prod/GET/pets/12``, not
    ``pets/{id}``); the root path gives a trailing slash (``.../prod/GET/``), as AWS sends since it
    dropped the former ``GET//``.
    """
    resource = path[1:] if path.startswith("/") else path
    return f"arn:aws:execute-api:{region}:{account_id}:{api_id}/{stage}/{verb.upper()}/{resource}"


def wildcard_regex(patterns: Sequence[str], *, ignore_case: bool = False) -> re.Pattern[str]:
    """A regex whose ``.match`` is true for any of the IAM wildcard ``patterns``: ``*`` any run, ``?`` one
    character, everything else literal (fnmatch's ``[...]`` classes would be wrong here).

    The request path is the caller's to choose, so a naive ``.*`` per star would backtrack
    polynomially (``abc/*/*/*/pets`` against 1500 slashes: seconds). Between two stars each
    literal segment is committed at its leftmost match in an atomic group, which is exact for
    fixed-length segments and keeps matching linear in the segments.
    """
    return re.compile("|".join(map(_glob, patterns)), re.DOTALL | (re.IGNORECASE if ignore_case else 0))


def _glob(pattern: str) -> str:
    segments = [
        "".join("." if part == "?" else re.escape(part) for part in re.split(r"(\?)", segment) if part)
        for segment in re.split(r"\*+", pattern)
    ]
    if len(segments) == 1:
        return f"(?:{segments[0]})\\Z"
    middle = "".join(f"(?>.*?{segment})" for segment in segments[1:-1])
    return f"(?:{segments[0]}{middle}.*{segments[-1]})\\Z"


def _strings(value: Any, where: str, element: str) -> list[str]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items or not all(isinstance(item, str) for item in items):
        raise PolicyError(f"{where}: {element} must be a string or a non-empty list of strings")
    return items


def _matcher(patterns: list[str], *, ignore_case: bool) -> re.Pattern[str] | None:
    """``None`` stands for "matches everything" (a bare ``*``): no regex to run."""
    return None if "*" in patterns else wildcard_regex(patterns, ignore_case=ignore_case)


def _account_of(principal: str) -> str:
    if principal.isdigit():
        return principal
    parts = principal.split(":", 5)
    return parts[4] if len(parts) == 6 and parts[0] == "arn" else ""


@dataclass(frozen=True, slots=True)
class _Principals:
    """The principals one ``Principal`` / ``NotPrincipal`` element names."""

    everyone: bool
    arns: frozenset[str]
    accounts: frozenset[str]
    roles: frozenset[tuple[str, str]]  # (account, role name): matches assumed-role sessions

    def match(self, principal: str | None) -> bool:
        if self.everyone:
            return True
        if principal is None:
            return False
        if principal in self.arns or _account_of(principal) in self.accounts:
            return True
        parts = principal.split(":", 5)
        if len(parts) == 6 and parts[2] == "sts" and parts[5].startswith("assumed-role/"):
            return (parts[4], parts[5].split("/")[1]) in self.roles
        return False


def _principals(value: Any, where: str, element: str) -> _Principals:
    if value == "*":
        return _Principals(True, frozenset(), frozenset(), frozenset())
    if isinstance(value, str):
        value = {"AWS": value}  # lenient: a bare ARN or account id is read as {"AWS": ...}
    if not isinstance(value, Mapping) or not value:
        raise PolicyError(f'{where}: {element} must be "*" or an object such as {{"AWS": [...]}}')
    arns: set[str] = set()
    accounts: set[str] = set()
    roles: set[tuple[str, str]] = set()
    for kind, names in value.items():
        if kind not in _PRINCIPAL_KINDS:
            raise PolicyError(f"{where}: {element} has unknown principal type {kind!r}")
        for name in _strings(names, where, f"{element}.{kind}"):
            if name == "*":
                return _Principals(True, frozenset(), frozenset(), frozenset())
            parts = name.split(":", 5)
            if kind == "AWS" and (name.isdigit() or (len(parts) == 6 and parts[5] == "root")):
                accounts.add(_account_of(name))
            elif kind == "AWS" and len(parts) == 6 and parts[2] == "iam" and parts[5].startswith("role/"):
                roles.add((parts[4], parts[5].rsplit("/", 1)[1]))
            arns.add(name)
    return _Principals(False, frozenset(arns), frozenset(accounts), frozenset(roles))


def _equals(values: list[str], where: str) -> Test:
    return frozenset(values).__contains__


def _equals_ignore_case(values: list[str], where: str) -> Test:
    folded = frozenset(value.lower() for value in values)
    return lambda value: value.lower() in folded


def _like(values: list[str], where: str) -> Test:
    regex = wildcard_regex(values)
    return lambda value: regex.match(value) is not None


def _bool(values: list[str], where: str) -> Test:
    folded = frozenset(value.lower() for value in values)
    if not folded <= {"true", "false"}:
        raise PolicyError(f"{where}: Bool values must be true or false, got {values}")
    return lambda value: value.lower() in folded


def _ip(values: list[str], where: str) -> Test:
    """IpAddress: CIDRs (IPv4 or IPv6) or single addresses; compared as integers, since
    ``ipaddress.ip_address`` costs ~2.7 us a call where ``inet_pton`` costs ~0.3 us."""
    try:
        networks = [ipaddress.ip_network(value, strict=False) for value in values]
    except ValueError as error:
        raise PolicyError(f"{where}: {error}") from None
    ranges = tuple((net.version, int(net.network_address), int(net.netmask)) for net in networks)

    def test(value: str) -> bool:
        family, version = (socket.AF_INET6, 6) if ":" in value else (socket.AF_INET, 4)
        try:
            number = int.from_bytes(socket.inet_pton(family, value), "big")
        except (OSError, ValueError):
            return False
        return any(v == version and number & mask == start for v, start, mask in ranges)

    return test


def _arn(values: list[str], where: str) -> Test:
    """ArnEquals and ArnLike alike: each of the six ``:`` parts is matched on its own."""
    shapes = [["*"] * 6 if value == "*" else value.split(":", 5) for value in values]
    if any(len(shape) != 6 for shape in shapes):
        raise PolicyError(f"{where}: ARN values must have six ':'-separated parts, got {values}")
    compiled = [[wildcard_regex([part]) for part in shape] for shape in shapes]

    def test(value: str) -> bool:
        parts = value.split(":", 5)
        return len(parts) == 6 and any(
            all(rx.match(part) for rx, part in zip(shape, parts, strict=True)) for shape in compiled
        )

    return test


_ORDER: dict[str, Callable[[float, float], bool]] = {
    "Equals": float.__eq__,
    "NotEquals": float.__eq__,  # negated below
    "LessThan": float.__lt__,
    "LessThanEquals": float.__le__,
    "GreaterThan": float.__gt__,
    "GreaterThanEquals": float.__ge__,
}


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _time(text: str) -> float | None:
    number = _number(text)
    if number is not None:
        return number
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)).timestamp()


def _ordered(parse: Callable[[str], float | None], test: str) -> Callable[[list[str], str], Test]:
    compare = _ORDER[test]

    def build(values: list[str], where: str) -> Test:
        limits = [parse(value) for value in values]
        if any(limit is None for limit in limits):
            raise PolicyError(
                f"{where}: values must be {'times' if parse is _time else 'numbers'}, got {values}"
            )

        def holds(value: str) -> bool:
            parsed = parse(value)
            return parsed is not None and any(compare(parsed, limit) for limit in limits if limit is not None)

        return holds

    return build


_OPERATORS: dict[str, tuple[Callable[[list[str], str], Test], bool]] = {
    **{
        family + test: (_ordered(parse, test), test == "NotEquals")
        for family, parse in (("Numeric", _number), ("Date", _time))
        for test in _COMPARISONS
    },
    "StringEquals": (_equals, False),
    "StringNotEquals": (_equals, True),
    "StringEqualsIgnoreCase": (_equals_ignore_case, False),
    "StringNotEqualsIgnoreCase": (_equals_ignore_case, True),
    "StringLike": (_like, False),
    "StringNotLike": (_like, True),
    "Bool": (_bool, False),
    "IpAddress": (_ip, False),
    "NotIpAddress": (_ip, True),
    "ArnEquals": (_arn, False),
    "ArnLike": (_arn, False),
    "ArnNotEquals": (_arn, True),
    "ArnNotLike": (_arn, True),
}


@dataclass(frozen=True, slots=True)
class _Condition:
    key: str  # lower-cased
    test: Test | None  # positive match of one request value; None for the Null operator
    negated: bool = False
    qualifier: str = ""  # "", "any" (ForAnyValue:) or "all" (ForAllValues:)
    if_exists: bool = False
    null: bool = False  # for Null: True means "the key must be absent"

    def holds(self, values: tuple[str, ...] | None) -> bool:
        if self.test is None:
            return (values is None) == self.null
        if values is None:
            return self.if_exists or self.qualifier == "all" or (self.negated and self.qualifier == "")
        if self.qualifier == "all":
            return all(self.test(value) != self.negated for value in values)
        if self.qualifier == "any":
            return any(self.test(value) != self.negated for value in values)
        return any(self.test(value) for value in values) != self.negated


def _condition_text(item: Any) -> Any:
    if isinstance(item, bool):  # JSON true/false, as in {"Bool": {"aws:SecureTransport": false}}
        return "true" if item else "false"
    return str(item) if isinstance(item, int | float) else item


def _condition_values(value: Any, where: str) -> list[str]:
    items = value if isinstance(value, list) else [value]
    out = [_condition_text(item) for item in items]
    if not out or not all(isinstance(item, str) for item in out):
        raise PolicyError(f"{where}: condition values must be strings, numbers or booleans")
    if any("${" in item for item in out):
        raise PolicyError(f"{where}: policy variables (${{...}}) are not supported")
    return out


def _conditions(block: Any, where: str) -> tuple[_Condition, ...]:
    if not isinstance(block, Mapping):
        raise PolicyError(f"{where}: Condition must be an object of operators")
    out: list[_Condition] = []
    for name, keys in block.items():
        qualifier, base = "", str(name)
        for prefix, short in (("ForAnyValue:", "any"), ("ForAllValues:", "all")):
            if base.startswith(prefix):
                qualifier, base = short, base[len(prefix) :]
        if_exists = base.endswith("IfExists") and base != "IfExists"
        base = base.removesuffix("IfExists") if if_exists else base
        here = f"{where}: Condition {name}"
        if base in _UNSUPPORTED:
            raise PolicyError(f"{here}: condition operator {base!r} is not supported by tollway")
        if (base != "Null" and base not in _OPERATORS) or (base == "Null" and (qualifier or if_exists)):
            raise PolicyError(f"{where}: unknown condition operator {name!r}")
        if not isinstance(keys, Mapping) or not keys:
            raise PolicyError(f"{here}: must map condition keys to values")
        for key, raw in keys.items():
            values = _condition_values(raw, f"{here} {key}")
            if base == "Null":
                if len(values) != 1 or values[0].lower() not in ("true", "false"):
                    raise PolicyError(f"{here} {key}: Null takes true or false, got {values}")
                out.append(_Condition(str(key).lower(), None, null=values[0].lower() == "true"))
                continue
            build, negated = _OPERATORS[base]
            test = build(values, f"{here} {key}")
            out.append(_Condition(str(key).lower(), test, negated, qualifier, if_exists))
    return tuple(out)


@dataclass(frozen=True, slots=True)
class _Statement:
    allow: bool
    actions: re.Pattern[str] | None  # None matches every action
    not_action: bool
    resources: re.Pattern[str] | None
    not_resource: bool
    principals: _Principals | None  # None: no Principal element (an identity policy)
    not_principal: bool
    conditions: tuple[_Condition, ...]

    def applies_to(self, action: str, resource: str, principal: str | None) -> bool:
        if (self.actions is None or self.actions.match(action) is not None) == self.not_action:
            return False
        if (self.resources is None or self.resources.match(resource) is not None) == self.not_resource:
            return False
        return self.principals is None or self.principals.match(principal) != self.not_principal


def _one_of(statement: Mapping[str, Any], name: str, where: str, required: bool) -> tuple[Any, bool]:
    value, negated = statement.get(name), statement.get("Not" + name)
    if value is not None and negated is not None:
        raise PolicyError(f"{where}: has both {name} and Not{name}")
    if value is None and negated is None and required:
        raise PolicyError(f"{where}: has neither {name} nor Not{name}")
    return (negated, True) if negated is not None else (value, False)


def _statement(raw: Any, where: str, api_arn: str | None) -> _Statement:
    if not isinstance(raw, Mapping):
        raise PolicyError(f"{where}: must be an object")
    if isinstance(raw.get("Sid"), str):
        where = f"{where} (Sid {raw['Sid']!r})"
    effect = raw.get("Effect")
    if effect is None:
        raise PolicyError(f"{where}: has no Effect")
    if effect not in ("Allow", "Deny"):
        raise PolicyError(f"{where}: Effect must be Allow or Deny, got {effect!r}")
    actions, not_action = _one_of(raw, "Action", where, True)
    resources, not_resource = _one_of(raw, "Resource", where, True)
    principals, not_principal = _one_of(raw, "Principal", where, False)
    patterns = []
    for resource in _strings(resources, where, "NotResource" if not_resource else "Resource"):
        if resource.startswith("execute-api:/"):
            if api_arn is None:
                raise PolicyError(f"{where}: Resource {resource!r} is the short form; compile with api_arn")
            resource = api_arn + resource[len("execute-api:") :]
        patterns.append(resource)
    return _Statement(
        allow=effect == "Allow",
        actions=_matcher(_strings(actions, where, "NotAction" if not_action else "Action"), ignore_case=True),
        not_action=not_action,
        resources=_matcher(patterns, ignore_case=False),
        not_resource=not_resource,
        principals=None if principals is None else _principals(principals, where, "Principal"),
        not_principal=not_principal,
        conditions=_conditions(raw["Condition"], where) if "Condition" in raw else (),
    )


def _request_values(context: Context | None) -> dict[str, tuple[str, ...]]:
    if not context:
        return {}
    out: dict[str, tuple[str, ...]] = {}
    for key, value in context.items():
        values = (value,) if isinstance(value, str) else tuple(value)
        if values:
            out[key.lower()] = values
    return out


@dataclass(frozen=True, slots=True)
class Policy:
    """A compiled policy document; immutable and safe to share between requests and threads."""

    statements: tuple[_Statement, ...]

    def evaluate(
        self, action: str, resource: str, context: Context | None = None, principal: str | None = None
    ) -> Verdict:
        """Decide ``action`` on ``resource`` (e.g. ``execute-api:Invoke`` on a :func:`method_arn`).

        ``context`` holds the request's condition keys (``aws:SourceIp``, ``aws:SourceVpce``...);
        ``principal`` is the caller's ARN or account id, ``None`` for an anonymous caller.
        """
        allowed = False
        request: dict[str, tuple[str, ...]] | None = None
        for statement in self.statements:
            if allowed and statement.allow:
                continue  # the outcome can only change through a Deny
            if not statement.applies_to(action, resource, principal):
                continue
            if statement.conditions:
                if request is None:
                    request = _request_values(context)
                if not all(condition.holds(request.get(condition.key)) for condition in statement.conditions):
                    continue
            if not statement.allow:
                return Verdict.DENY
            allowed = True
        return Verdict.ALLOW if allowed else Verdict.NONE


def compile_policy(document: object, *, api_arn: str | None = None) -> Policy:
    """Compile a policy document (a mapping or its JSON text), or raise :class:`PolicyError`.

    ``document`` is typed ``object`` because it is usually untrusted parsed JSON (an authorizer's
    ``policyDocument``): anything but an object or JSON text of one, ``None`` included, is refused.

    ``api_arn`` (``arn:aws:execute-api:{region}:{account}:{api_id}``) expands the resource-policy
    short form ``execute-api:/stage/GET/pets`` the way API Gateway does when it saves a policy.
    """
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except json.JSONDecodeError as error:
            raise PolicyError(f"policy is not valid JSON: {error}") from None
    if not isinstance(document, Mapping):
        raise PolicyError("policy must be a JSON object")
    version = document.get("Version")
    if version is not None and version not in _VERSIONS:
        raise PolicyError(f"policy Version must be one of {', '.join(_VERSIONS)}, got {version!r}")
    if "Statement" not in document:
        raise PolicyError("policy has no Statement")
    raw = document["Statement"]
    statements = [raw] if isinstance(raw, Mapping) else raw
    if not isinstance(statements, list):
        raise PolicyError("policy Statement must be an object or a list of objects")
    return Policy(
        tuple(_statement(item, f"Statement[{index}]", api_arn) for index, item in enumerate(statements))
    )
