"""IAM-style policy evaluation as API Gateway applies it to ``execute-api:Invoke``: Lambda
authorizer policies against the ``methodArn``, resource policies with principals and
``aws:SourceIp`` conditions, IAM wildcards (``*`` crosses ``/``), explicit Deny winning, and
malformed documents refused with a message that names the problem."""

from __future__ import annotations

import functools
import json
import random
from typing import Any

import pytest

from tollway.auth.policy import PolicyError, Verdict, compile_policy, method_arn, wildcard_regex
from tollway.errors import TollwayError

INVOKE = "execute-api:Invoke"
ACCOUNT = "123456789012"
API_ARN = f"arn:aws:execute-api:us-east-1:{ACCOUNT}:abc"
GET_ANY = f"{API_ARN}/prod/GET/*"


def arn(verb: str, path: str, stage: str = "prod", api: str = "abc") -> str:
    return method_arn("us-east-1", ACCOUNT, api, stage, verb, path)


def allow(resource: Any, **extra: Any) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": INVOKE, "Resource": resource, **extra}],
    }


# ----- methodArn ------------------------------------------------------------------------------


def test_method_arn_carries_the_actual_request_path_not_the_resource_template() -> None:
    assert arn("GET", "/pets/12") == f"{API_ARN}/prod/GET/pets/12"


def test_method_arn_of_the_root_path_ends_with_the_verb_and_one_slash() -> None:
    """AWS sends ``.../prod/GET/`` for ``/`` (no longer the old ``GET//``)."""
    assert arn("GET", "/") == f"{API_ARN}/prod/GET/"


def test_method_arn_upper_cases_the_verb() -> None:
    assert arn("post", "/pets") == f"{API_ARN}/prod/POST/pets"


# ----- the AWS authorizer example -------------------------------------------------------------


@pytest.mark.parametrize(
    ("verb", "path", "stage", "api", "expected"),
    [
        ("GET", "/pets/12", "prod", "abc", Verdict.ALLOW),
        ("GET", "/", "prod", "abc", Verdict.ALLOW),  # "*" matches the empty root resource too
        ("POST", "/pets/12", "prod", "abc", Verdict.NONE),
        ("GET", "/pets/12", "test", "abc", Verdict.NONE),
        ("GET", "/pets/12", "prod", "xyz", Verdict.NONE),
    ],
)
def test_authorizer_allow_on_get_star_covers_only_get_on_that_stage_and_api(
    verb: str, path: str, stage: str, api: str, expected: Verdict
) -> None:
    policy = compile_policy(allow(GET_ANY))
    assert policy.evaluate(INVOKE, arn(verb, path, stage, api)) is expected


def test_an_empty_statement_list_is_an_implicit_deny() -> None:
    assert compile_policy({"Statement": []}).evaluate(INVOKE, arn("GET", "/")) is Verdict.NONE


# ----- wildcards ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "path", "expected"),
    [
        (f"{API_ARN}/*", "/a/b/c", Verdict.ALLOW),  # IAM "*" crosses "/"
        (f"{API_ARN}/*/GET/pets", "/pets", Verdict.ALLOW),
        (f"{API_ARN}/*/GET/pets", "/pets/1", Verdict.NONE),
        (f"{API_ARN}/prod/GET/pets/?", "/pets/1", Verdict.ALLOW),
        (f"{API_ARN}/prod/GET/pets/?", "/pets/12", Verdict.NONE),
        (f"{API_ARN}/prod/GET/pets/?", "/pets/", Verdict.NONE),
        (f"{API_ARN}/prod/GET/a.b", "/a-b", Verdict.NONE),  # "." is literal
        (f"{API_ARN}/prod/GET/[ab]", "/a", Verdict.NONE),  # no fnmatch character classes
        (f"{API_ARN}/prod/GET/[ab]", "/[ab]", Verdict.ALLOW),
        (f"{API_ARN}/prod/get/*", "/pets", Verdict.NONE),  # resources are case-sensitive
        ("*", "/anything", Verdict.ALLOW),
        ("arn:aws:execute-api:*:*:abc/*/GET/*", "/pets", Verdict.ALLOW),
    ],
)
def test_resource_wildcards(pattern: str, path: str, expected: Verdict) -> None:
    assert compile_policy(allow(pattern)).evaluate(INVOKE, arn("GET", path)) is expected


@pytest.mark.parametrize(
    ("action", "expected"),
    [
        ("execute-api:Invoke", Verdict.ALLOW),
        ("EXECUTE-API:invoke", Verdict.ALLOW),
        ("execute-api:*", Verdict.ALLOW),
        ("*", Verdict.ALLOW),
        ("execute-api:Inv?ke", Verdict.ALLOW),
        ("execute-api:InvalidateCache", Verdict.NONE),
        ("lambda:*", Verdict.NONE),
    ],
)
def test_actions_match_case_insensitively_with_wildcards(action: str, expected: Verdict) -> None:
    policy = compile_policy({"Statement": {"Effect": "Allow", "Action": action, "Resource": "*"}})
    assert policy.evaluate(INVOKE, arn("GET", "/")) is expected


def test_wildcard_regex_escapes_everything_but_star_and_question_mark() -> None:
    regex = wildcard_regex(["a*b?c(d)+"])
    assert regex.match("a/x/b-c(d)+")
    assert not regex.match("abc(d)+")
    assert not regex.match("a/x/b-c(d)+tail")


def reference_glob(pattern: str, text: str) -> bool:
    """IAM wildcard matching by dynamic programming: slow, obviously right."""

    @functools.cache
    def match(i: int, j: int) -> bool:
        if i == len(pattern):
            return j == len(text)
        if pattern[i] == "*":
            return match(i + 1, j) or (j < len(text) and match(i, j + 1))
        return j < len(text) and pattern[i] in ("?", text[j]) and match(i + 1, j + 1)

    return match(0, 0)


def test_wildcard_regex_agrees_with_a_reference_matcher() -> None:
    rng = random.Random(7)
    for _ in range(3000):
        pattern = "".join(rng.choice("ab*?/") for _ in range(rng.randint(0, 7)))
        text = "".join(rng.choice("ab/") for _ in range(rng.randint(0, 9)))
        assert (wildcard_regex([pattern]).match(text) is not None) == reference_glob(pattern, text), (
            pattern,
            text,
        )


def test_a_caller_chosen_path_cannot_make_matching_backtrack() -> None:
    """With one ``.*`` per star this took seconds (three stars, 1500 slashes); the path is the
    caller's to choose, so matching must stay linear."""
    policy = compile_policy(allow(f"{API_ARN}/prod/GET/*/*/*/pets"))
    assert policy.evaluate(INVOKE, arn("GET", "/" + "/" * 1500 + "x")) is Verdict.NONE
    assert policy.evaluate(INVOKE, arn("GET", "/a/b/c/pets")) is Verdict.ALLOW


# ----- Deny, NotAction, NotResource ----------------------------------------------------------


@pytest.mark.parametrize("deny_first", [True, False])
def test_explicit_deny_wins_over_allow_in_any_order(deny_first: bool) -> None:
    statements = [
        {"Effect": "Allow", "Action": "execute-api:*", "Resource": f"{API_ARN}/*"},
        {"Effect": "Deny", "Action": INVOKE, "Resource": f"{API_ARN}/prod/DELETE/*"},
    ]
    policy = compile_policy({"Statement": statements[::-1] if deny_first else statements})
    assert policy.evaluate(INVOKE, arn("DELETE", "/pets/1")) is Verdict.DENY
    assert policy.evaluate(INVOKE, arn("GET", "/pets/1")) is Verdict.ALLOW


def test_not_action_applies_to_every_other_action() -> None:
    policy = compile_policy(
        {"Statement": {"Effect": "Allow", "NotAction": "execute-api:InvalidateCache", "Resource": "*"}}
    )
    assert policy.evaluate(INVOKE, arn("GET", "/")) is Verdict.ALLOW
    assert policy.evaluate("execute-api:invalidatecache", arn("GET", "/")) is Verdict.NONE


def test_not_resource_deny_leaves_only_the_excluded_resources_allowed() -> None:
    policy = compile_policy(
        {
            "Statement": [
                {"Effect": "Allow", "Action": INVOKE, "Resource": "*"},
                {"Effect": "Deny", "Action": INVOKE, "NotResource": [f"{API_ARN}/prod/GET/public/*"]},
            ]
        }
    )
    assert policy.evaluate(INVOKE, arn("GET", "/public/a")) is Verdict.ALLOW
    assert policy.evaluate(INVOKE, arn("GET", "/private/a")) is Verdict.DENY


def test_not_action_star_never_applies() -> None:
    policy = compile_policy({"Statement": {"Effect": "Deny", "NotAction": "*", "Resource": "*"}})
    assert policy.evaluate(INVOKE, arn("GET", "/")) is Verdict.NONE


# ----- string and list forms -----------------------------------------------------------------


@pytest.mark.parametrize(
    "document",
    [
        {"Statement": {"Effect": "Allow", "Action": INVOKE, "Resource": GET_ANY}},
        {"Statement": [{"Effect": "Allow", "Action": [INVOKE], "Resource": [GET_ANY]}]},
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": [INVOKE], "Resource": GET_ANY}],
        },
        json.dumps(
            {"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": INVOKE, "Resource": GET_ANY}}
        ),
        {"Statement": {"Effect": "Allow", "Action": INVOKE, "Resource": [f"{API_ARN}/test/*", GET_ANY]}},
    ],
    ids=["dict-strings", "list-lists", "versioned", "json-text", "resource-list-or"],
)
def test_string_list_and_json_forms_evaluate_alike(document: Any) -> None:
    policy = compile_policy(document)
    assert policy.evaluate(INVOKE, arn("GET", "/pets")) is Verdict.ALLOW
    assert policy.evaluate(INVOKE, arn("PUT", "/pets")) is Verdict.NONE


# ----- resource policies from the API Gateway developer guide --------------------------------

IP_DENY_LIST = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": INVOKE, "Resource": ["execute-api:/*"]},
        {
            "Effect": "Deny",
            "Principal": "*",
            "Action": INVOKE,
            "Resource": ["execute-api:/*"],
            "Condition": {"NotIpAddress": {"aws:SourceIp": ["192.0.2.0/24", "198.51.100.0/24"]}},
        },
    ],
}


@pytest.mark.parametrize(
    ("source_ip", "expected"),
    [("192.0.2.7", Verdict.ALLOW), ("198.51.100.255", Verdict.ALLOW), ("203.0.113.1", Verdict.DENY)],
)
def test_resource_policy_denies_callers_outside_the_listed_cidrs(source_ip: str, expected: Verdict) -> None:
    policy = compile_policy(IP_DENY_LIST, api_arn=API_ARN)
    assert policy.evaluate(INVOKE, arn("GET", "/pets"), {"aws:SourceIp": source_ip}) is expected


def test_openapi_policy_extension_example_denies_the_listed_cidr() -> None:
    """x-amazon-apigateway-policy: Allow all, Deny ``IpAddress`` 192.0.2.0/24."""
    document = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": "*", "Action": INVOKE, "Resource": ["execute-api:/*"]},
            {
                "Effect": "Deny",
                "Principal": "*",
                "Action": INVOKE,
                "Resource": ["execute-api:/*"],
                "Condition": {"IpAddress": {"aws:SourceIp": "192.0.2.0/24"}},
            },
        ],
    }
    policy = compile_policy(document, api_arn=API_ARN)
    assert policy.evaluate(INVOKE, arn("GET", "/x"), {"aws:SourceIp": "192.0.2.1"}) is Verdict.DENY
    assert policy.evaluate(INVOKE, arn("GET", "/x"), {"aws:SourceIp": "10.0.0.1"}) is Verdict.ALLOW


CROSS_ACCOUNT = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {
                "AWS": ["arn:aws:iam::111122223333:role/developer", "arn:aws:iam::111122223333:role/Admin"]
            },
            "Action": INVOKE,
            "Resource": ["execute-api:/stage/GET/pets"],
        }
    ],
}


@pytest.mark.parametrize(
    ("caller", "expected"),
    [
        ("arn:aws:iam::111122223333:role/developer", Verdict.ALLOW),
        ("arn:aws:sts::111122223333:assumed-role/Admin/alice-session", Verdict.ALLOW),
        ("arn:aws:sts::111122223333:assumed-role/tester/alice-session", Verdict.NONE),
        ("arn:aws:iam::111122223333:user/developer", Verdict.NONE),
        ("arn:aws:sts::444455556666:assumed-role/developer/s", Verdict.NONE),
        (None, Verdict.NONE),  # an anonymous caller is not a named principal
    ],
)
def test_resource_policy_allows_roles_of_another_account(caller: str | None, expected: Verdict) -> None:
    policy = compile_policy(CROSS_ACCOUNT, api_arn=API_ARN)
    resource = method_arn("us-east-1", ACCOUNT, "abc", "stage", "GET", "/pets")
    assert policy.evaluate(INVOKE, resource, principal=caller) is expected


@pytest.mark.parametrize("named", [ACCOUNT, f"arn:aws:iam::{ACCOUNT}:root"])
@pytest.mark.parametrize(
    ("caller", "expected"),
    [
        (f"arn:aws:iam::{ACCOUNT}:user/x", Verdict.ALLOW),
        (f"arn:aws:sts::{ACCOUNT}:assumed-role/r/s", Verdict.ALLOW),
        (ACCOUNT, Verdict.ALLOW),
        ("arn:aws:iam::999999999999:user/x", Verdict.NONE),
        (None, Verdict.NONE),
    ],
)
def test_an_account_principal_covers_every_principal_of_that_account(
    named: str, caller: str | None, expected: Verdict
) -> None:
    policy = compile_policy(allow("*", Principal={"AWS": named}))
    assert policy.evaluate(INVOKE, arn("GET", "/"), principal=caller) is expected


@pytest.mark.parametrize("principal", ["*", {"AWS": "*"}, {"AWS": ["arn:aws:iam::1:user/a", "*"]}])
def test_star_principal_applies_to_anonymous_and_named_callers(principal: Any) -> None:
    policy = compile_policy(allow("*", Principal=principal))
    assert policy.evaluate(INVOKE, arn("GET", "/")) is Verdict.ALLOW
    assert policy.evaluate(INVOKE, arn("GET", "/"), principal="arn:aws:iam::1:user/b") is Verdict.ALLOW


def test_not_principal_deny_spares_only_the_named_account() -> None:
    policy = compile_policy(
        {
            "Statement": [
                {"Effect": "Allow", "Principal": "*", "Action": INVOKE, "Resource": "*"},
                {"Effect": "Deny", "NotPrincipal": {"AWS": ACCOUNT}, "Action": INVOKE, "Resource": "*"},
            ]
        }
    )
    resource = arn("GET", "/")
    assert policy.evaluate(INVOKE, resource, principal=f"arn:aws:iam::{ACCOUNT}:user/x") is Verdict.ALLOW
    assert policy.evaluate(INVOKE, resource, principal="arn:aws:iam::999999999999:user/x") is Verdict.DENY
    assert policy.evaluate(INVOKE, resource) is Verdict.DENY


def test_statements_without_principal_apply_to_any_caller() -> None:
    """Identity policies (an authorizer's output) carry no Principal."""
    policy = compile_policy(allow("*"))
    assert policy.evaluate(INVOKE, arn("GET", "/"), principal="arn:aws:iam::9:user/x") is Verdict.ALLOW
    assert policy.evaluate(INVOKE, arn("GET", "/")) is Verdict.ALLOW


# ----- conditions -----------------------------------------------------------------------------


def verdict(condition: dict[str, Any], context: dict[str, Any] | None) -> Verdict:
    return compile_policy(allow("*", Condition=condition)).evaluate(INVOKE, arn("GET", "/"), context)


@pytest.mark.parametrize(
    ("cidr", "source_ip", "expected"),
    [
        ("2001:db8::/32", "2001:db8::1", Verdict.ALLOW),
        ("2001:db8::/32", "2001:db9::1", Verdict.NONE),
        ("2001:DB8:0:0::/64", "2001:db8::abcd", Verdict.ALLOW),
        ("2001:db8::/32", "192.0.2.1", Verdict.NONE),  # IPv4 caller against an IPv6 range
        ("203.0.113.9", "203.0.113.9", Verdict.ALLOW),  # a single address, no prefix
        ("203.0.113.9", "203.0.113.10", Verdict.NONE),
        ("203.0.113.9/32", "not-an-ip", Verdict.NONE),
    ],
)
def test_ip_address_condition_handles_ipv4_ipv6_and_single_addresses(
    cidr: str, source_ip: str, expected: Verdict
) -> None:
    assert verdict({"IpAddress": {"aws:SourceIp": cidr}}, {"aws:SourceIp": source_ip}) is expected


def test_values_of_one_key_are_alternatives() -> None:
    condition = {"StringEquals": {"aws:SourceVpce": ["vpce-1", "vpce-2"]}}
    assert verdict(condition, {"aws:SourceVpce": "vpce-2"}) is Verdict.ALLOW
    assert verdict(condition, {"aws:SourceVpce": "vpce-3"}) is Verdict.NONE


def test_keys_and_operators_of_one_block_must_all_hold() -> None:
    condition = {
        "StringEquals": {"aws:SourceVpce": "vpce-1", "aws:PrincipalAccount": ACCOUNT},
        "IpAddress": {"aws:SourceIp": "10.0.0.0/8"},
    }
    context = {"aws:SourceVpce": "vpce-1", "aws:PrincipalAccount": ACCOUNT, "aws:SourceIp": "10.1.2.3"}
    assert verdict(condition, context) is Verdict.ALLOW
    assert verdict(condition, {**context, "aws:SourceIp": "11.0.0.1"}) is Verdict.NONE
    assert verdict(condition, {**context, "aws:PrincipalAccount": "999999999999"}) is Verdict.NONE


def test_condition_keys_are_looked_up_case_insensitively() -> None:
    assert (
        verdict({"StringEquals": {"aws:SourceVpce": "vpce-1"}}, {"AWS:SOURCEVPCE": "vpce-1"}) is Verdict.ALLOW
    )


def test_a_negated_operator_with_several_values_requires_none_to_match() -> None:
    condition = {"StringNotEquals": {"aws:Referer": ["https://a.example", "https://b.example"]}}
    assert verdict(condition, {"aws:Referer": "https://a.example"}) is Verdict.NONE
    assert verdict(condition, {"aws:Referer": "https://c.example"}) is Verdict.ALLOW


@pytest.mark.parametrize(
    ("operator", "expected"),
    [
        ("StringEquals", Verdict.NONE),  # absent key: a positive operator is false
        ("StringNotEquals", Verdict.ALLOW),  # ... and a negated one true
        ("StringLike", Verdict.NONE),
        ("StringNotLike", Verdict.ALLOW),
        ("StringEqualsIfExists", Verdict.ALLOW),
        ("StringNotEqualsIfExists", Verdict.ALLOW),
        ("ForAnyValue:StringEquals", Verdict.NONE),
        ("ForAllValues:StringEquals", Verdict.ALLOW),
    ],
)
def test_an_absent_key(operator: str, expected: Verdict) -> None:
    assert verdict({operator: {"aws:Referer": "x"}}, {"aws:SourceIp": "10.0.0.1"}) is expected


def test_if_exists_still_tests_a_present_key() -> None:
    condition = {"StringEqualsIfExists": {"aws:SourceVpce": "vpce-1"}}
    assert verdict(condition, {"aws:SourceVpce": "vpce-2"}) is Verdict.NONE
    assert verdict(condition, {"aws:SourceVpce": "vpce-1"}) is Verdict.ALLOW


def test_not_ip_address_with_no_source_ip_is_true() -> None:
    assert verdict({"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}}, None) is Verdict.ALLOW


@pytest.mark.parametrize(
    ("operator", "value", "expected"),
    [
        ("StringEqualsIgnoreCase", "MOZILLA/5.0", Verdict.ALLOW),
        ("StringEquals", "MOZILLA/5.0", Verdict.NONE),
        ("StringNotEqualsIgnoreCase", "MOZILLA/5.0", Verdict.NONE),
        ("StringLike", "Mozilla/*", Verdict.ALLOW),
        ("StringLike", "Mozilla/?.0", Verdict.ALLOW),
        ("StringLike", "Mozilla/?", Verdict.NONE),
        ("StringNotLike", "curl/*", Verdict.ALLOW),
        ("StringNotLike", "Mozilla*", Verdict.NONE),
    ],
)
def test_string_operators(operator: str, value: str, expected: Verdict) -> None:
    assert verdict({operator: {"aws:UserAgent": value}}, {"aws:UserAgent": "Mozilla/5.0"}) is expected


@pytest.mark.parametrize("value", [True, "true", "TRUE", ["true"]])
def test_bool_accepts_json_booleans_and_strings(value: Any) -> None:
    condition = {"Bool": {"aws:SecureTransport": value}}
    assert verdict(condition, {"aws:SecureTransport": "true"}) is Verdict.ALLOW
    assert verdict(condition, {"aws:SecureTransport": "false"}) is Verdict.NONE
    assert verdict(condition, {}) is Verdict.NONE


@pytest.mark.parametrize(
    ("value", "context", "expected"),
    [
        ("true", {}, Verdict.ALLOW),
        ("true", {"aws:SourceVpce": "vpce-1"}, Verdict.NONE),
        (False, {"aws:SourceVpce": "vpce-1"}, Verdict.ALLOW),
        ("false", {"aws:SourceVpce": []}, Verdict.NONE),  # an empty list is an absent key
    ],
)
def test_null_checks_presence(value: Any, context: dict[str, Any], expected: Verdict) -> None:
    assert verdict({"Null": {"aws:SourceVpce": value}}, context) is expected


@pytest.mark.parametrize(
    ("operator", "tags", "expected"),
    [
        ("ForAnyValue:StringEquals", ["a", "z"], Verdict.ALLOW),
        ("ForAnyValue:StringEquals", ["y", "z"], Verdict.NONE),
        ("ForAllValues:StringEquals", ["a", "b"], Verdict.ALLOW),
        ("ForAllValues:StringEquals", ["a", "z"], Verdict.NONE),
        ("ForAllValues:StringEquals", [], Verdict.ALLOW),  # vacuously true, as AWS warns
        ("ForAnyValue:StringNotEquals", ["a", "z"], Verdict.ALLOW),
        ("ForAllValues:StringNotEquals", ["a", "z"], Verdict.NONE),
        ("ForAllValues:StringLike", ["a1", "b2"], Verdict.NONE),
        ("StringEquals", ["y", "a"], Verdict.ALLOW),  # no prefix: any value may match
        ("StringNotEquals", ["y", "a"], Verdict.NONE),
    ],
)
def test_set_operators_on_multi_valued_keys(operator: str, tags: list[str], expected: Verdict) -> None:
    assert verdict({operator: {"aws:TagKeys": ["a", "b"]}}, {"aws:TagKeys": tags}) is expected


def test_arn_like_matches_each_arn_part_on_its_own() -> None:
    condition = {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/dev-*"}}
    assert verdict(condition, {"aws:PrincipalArn": f"arn:aws:iam::{ACCOUNT}:role/dev-a"}) is Verdict.ALLOW
    assert verdict(condition, {"aws:PrincipalArn": f"arn:aws:iam::{ACCOUNT}:role/prod"}) is Verdict.NONE
    assert verdict(condition, {"aws:PrincipalArn": "arn:aws:iam::1:2:role/dev-a"}) is Verdict.NONE


def test_conditions_decide_a_deny_too() -> None:
    document = {
        "Statement": [
            {"Effect": "Allow", "Action": INVOKE, "Resource": "*"},
            {
                "Effect": "Deny",
                "Action": INVOKE,
                "Resource": "*",
                "Condition": {"Bool": {"aws:SecureTransport": False}},
            },
        ]
    }
    policy = compile_policy(document)
    assert policy.evaluate(INVOKE, arn("GET", "/"), {"aws:SecureTransport": "false"}) is Verdict.DENY
    assert policy.evaluate(INVOKE, arn("GET", "/"), {"aws:SecureTransport": "true"}) is Verdict.ALLOW


# ----- malformed documents --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"Statement": {"Action": INVOKE, "Resource": "*"}}, "Statement[0]: has no Effect"),
        (
            {"Statement": {"Effect": "Permit", "Action": INVOKE, "Resource": "*"}},
            "Effect must be Allow or Deny",
        ),
        ({"Statement": {"Effect": "allow", "Action": INVOKE, "Resource": "*"}}, "got 'allow'"),
        (
            {"Statement": [allow("*")["Statement"][0], {"Sid": "Ip", "Effect": "Deny", "Action": INVOKE}]},
            "Statement[1] (Sid 'Ip'): has neither Resource nor NotResource",
        ),
        ({"Statement": {"Effect": "Allow", "Resource": "*"}}, "has neither Action nor NotAction"),
        (
            {"Statement": {"Effect": "Allow", "Action": INVOKE, "NotAction": "x:y", "Resource": "*"}},
            "has both Action and NotAction",
        ),
        ({"Statement": {"Effect": "Allow", "Action": 7, "Resource": "*"}}, "Action must be a string"),
        ({"Statement": {"Effect": "Allow", "Action": [], "Resource": "*"}}, "non-empty list"),
        (allow("*", Condition={"IpAddress": {"aws:SourceIp": "10.0.0.300/8"}}), "10.0.0.300/8"),
        (allow("*", Condition={"IpAddress": {"aws:SourceIp": "10.0.0.0/33"}}), "aws:SourceIp"),
        (
            allow("*", Condition={"StringEqual": {"aws:Referer": "x"}}),
            "unknown condition operator 'StringEqual'",
        ),
        (allow("*", Condition={"ForSomeValues:StringEquals": {"k": "x"}}), "unknown condition operator"),
        (allow("*", Condition={"NullIfExists": {"k": "true"}}), "unknown condition operator 'NullIfExists'"),
        (allow("*", Condition={"DateLessThan": {"aws:CurrentTime": "next year"}}), "values must be times"),
        (allow("*", Condition={"NumericLessThan": {"aws:EpochTime": "soon"}}), "values must be numbers"),
        (allow("*", Condition={"BinaryEquals": {"k": "QUJD"}}), "not supported"),
        (allow("*", Condition={"Bool": {"aws:SecureTransport": "yes"}}), "Bool values must be true or false"),
        (allow("*", Condition={"Null": {"k": "maybe"}}), "Null takes true or false"),
        (allow("*", Condition={"StringEquals": {"k": "${aws:username}"}}), "policy variables"),
        (allow("*", Condition={"StringEquals": {"k": {"nested": 1}}}), "condition values must be"),
        (allow("*", Condition={"StringEquals": {}}), "must map condition keys to values"),
        (allow("*", Condition={"ArnLike": {"k": "arn:aws:iam"}}), "six ':'-separated parts"),
        (allow("*", Principal={"Users": "x"}), "unknown principal type 'Users'"),
        (allow("*", Principal=["*"]), "Principal must be"),
        (allow("execute-api:/*"), "short form; compile with api_arn"),
        ({"Version": "2020-01-01", "Statement": []}, "Version must be one of"),
        ({"Statement": "Allow everything"}, "Statement must be an object or a list"),
        ({"Statement": ["Allow"]}, "Statement[0]: must be an object"),
        ({"Version": "2012-10-17"}, "policy has no Statement"),
        ("{not json", "policy is not valid JSON"),
        ("[]", "policy must be a JSON object"),
        (None, "policy must be a JSON object"),
    ],
)
def test_malformed_documents_are_refused_naming_the_problem(document: Any, message: str) -> None:
    with pytest.raises(PolicyError) as raised:
        compile_policy(document)
    assert message in str(raised.value)
    assert isinstance(raised.value, TollwayError)


def test_a_three_statement_policy_allows_inside_the_network_and_denies_outside() -> None:
    """(bench/policy_micro.py measures how fast this evaluation is.)"""
    policy = compile_policy(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": f"{API_ARN}/prod/GET/*"},
                {"Effect": "Allow", "Action": "execute-api:*", "Resource": [f"{API_ARN}/prod/POST/pets"]},
                {
                    "Effect": "Deny",
                    "Action": INVOKE,
                    "Resource": f"{API_ARN}/*",
                    "Condition": {"NotIpAddress": {"aws:SourceIp": ["10.0.0.0/8", "2001:db8::/32"]}},
                },
            ],
        }
    )
    resource = arn("GET", "/pets/12")
    assert policy.evaluate(INVOKE, resource, {"aws:SourceIp": "10.1.2.3"}) is Verdict.ALLOW
    assert policy.evaluate(INVOKE, resource, {"aws:SourceIp": "2001:db8::7"}) is Verdict.ALLOW
    assert policy.evaluate(INVOKE, resource, {"aws:SourceIp": "192.0.2.1"}) is Verdict.DENY
    assert policy.evaluate(INVOKE, arn("DELETE", "/pets/12"), {"aws:SourceIp": "10.1.2.3"}) is Verdict.NONE


def test_date_and_numeric_conditions_compare_times_and_numbers() -> None:
    window = compile_policy(
        allow(
            "*",
            Condition={
                "DateGreaterThan": {"aws:CurrentTime": "2026-11-01T00:00:00Z"},
                "DateLessThan": {"aws:CurrentTime": "2026-12-01T00:00:00Z"},
                "NumericLessThanEquals": {"aws:EpochTime": "1798761600"},
            },
        )
    )
    inside = {"aws:CurrentTime": "2026-11-26T10:00:00Z", "aws:EpochTime": "1795600000"}
    assert window.evaluate("execute-api:Invoke", "arn:x", inside) is Verdict.ALLOW
    after = {"aws:CurrentTime": "2026-12-02T00:00:00Z", "aws:EpochTime": "1795600000"}
    assert window.evaluate("execute-api:Invoke", "arn:x", after) is Verdict.NONE
    garbled = {"aws:CurrentTime": "yesterday", "aws:EpochTime": "1795600000"}
    assert window.evaluate("execute-api:Invoke", "arn:x", garbled) is Verdict.NONE
