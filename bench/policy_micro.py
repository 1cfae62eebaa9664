"""Micro-benchmark of resource policy evaluation: a compiled three-statement policy.

    .venv/bin/python bench/policy_micro.py [--number N]

Two Allow statements with wildcards and a Deny with a ``NotIpAddress`` condition over an
IPv4 and an IPv6 range, evaluated for a GET inside the allowed network (the request path's
common case). Prints evaluations per second, best of several repetitions. Not a test.
"""

from __future__ import annotations

import argparse
import timeit

from tollway.auth.policy import Verdict, compile_policy

API_ARN = "arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5"
INVOKE = "execute-api:Invoke"
POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Action": INVOKE, "Resource": f"{API_ARN}/prod/GET/*"},
        {"Effect": "Allow", "Action": "execute-api:*", "Resource": [f"{API_ARN}/prod/POST/pets"]},
        {
            "Effect": "Deny",
            "Action": INVOKE,
            "Resource": f"{API_ARN}/*",
            "Condition": {"NotIpAddress": {"aws:SourceIp": ["10.0.0.0/8", "2001:db8::/32"]}},
        },
    ],
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--number", type=int, default=20_000, help="evaluations per repetition")
    number = parser.parse_args().number
    policy = compile_policy(POLICY)
    resource, context = f"{API_ARN}/prod/GET/pets/12", {"aws:SourceIp": "10.1.2.3"}
    assert policy.evaluate(INVOKE, resource, context) is Verdict.ALLOW
    best = min(timeit.repeat(lambda: policy.evaluate(INVOKE, resource, context), number=number, repeat=5))
    print(f"policy.evaluate, 3 statements: {number / best:,.0f} evaluations/s")


if __name__ == "__main__":
    main()
