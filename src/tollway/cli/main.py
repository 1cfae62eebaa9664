"""``tollway``: thin commands over the control plane and the launcher.

Exit status: 0 success, 1 a definition/store error (printed as ``tollway: FILE: PLACE: problem``),
2 bad usage.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from tollway import __version__
from tollway.cli import functions, identities, management
from tollway.errors import TollwayError
from tollway.state.local_bucket import ACCOUNT_BURST_LIMIT, ACCOUNT_RATE_LIMIT

DEFAULT_STORE = "sqlite:///.tollway/tollway.db"


def _store_url(value: str | None) -> str:
    url = value or os.environ.get("TOLLWAY_STORE") or DEFAULT_STORE
    if url.startswith("sqlite:///") and ":memory:" not in url:
        # 0700: the store holds secrets (only the last directory, the one we make, gets it).
        Path(url[len("sqlite:///") :]).expanduser().parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    return url


def _overrides(items: Sequence[str] | None) -> dict[str, str]:
    result: dict[str, str] = {}
    for item in items or ():
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise SystemExit(f"tollway: --parameter-overrides expects Name=Value, got {item!r}")
        result[name] = value
    return result


def _non_negative(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {value!r}") from None
    if not number >= 0 or number == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a number >= 0, not {value!r}")
    return number


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tollway",
        description="A self-hosted API gateway serving Amazon API Gateway REST APIs from SAM, "
        "CloudFormation and OpenAPI files.",
    )
    parser.add_argument("--store", help=f"store URL (default $TOLLWAY_STORE or {DEFAULT_STORE})")
    parser.add_argument("-v", "--verbose", action="store_true", help="log more")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = sub.add_parser("serve", help="import FILEs, deploy them and serve them")
    serve.add_argument("files", nargs="*", metavar="FILE", help="SAM/CloudFormation template or OpenAPI file")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8080, help="port (default 8080)")
    serve.add_argument("--workers", type=int, default=1, help="worker processes sharing the port (default 1)")
    serve.add_argument(
        "--watch", action="store_true", help="replace function instances when their code changes"
    )
    serve.add_argument(
        "--function-concurrency",
        type=int,
        default=16,
        help="function instances at once per worker, besides reserved concurrency (default 16)",
    )
    serve.add_argument(
        "--state",
        default="memory",
        help="throttling, quota and usage counters: memory (default, per process) or redis://HOST:PORT/DB",
    )
    serve.add_argument(
        "--state-unavailable",
        choices=("open", "closed"),
        default="open",
        help="when Redis is unreachable: open (local limits, default) or closed (503)",
    )
    serve.add_argument(
        "--identities",
        metavar="FILE",
        help="YAML/JSON list of {name, accessKeyId, secretAccessKey, accountId, policy} for AWS_IAM methods",
    )
    serve.add_argument(
        "--user-pool-issuer",
        action="append",
        metavar="ARN=ISSUER_URL",
        help="the issuer of a Cognito user pool's tokens (repeatable; default: Cognito's own URL)",
    )
    serve.add_argument(
        "--user-pool-client-id",
        action="append",
        metavar="ARN=CLIENT_ID",
        help="an app client whose tokens a user pool authorizer accepts (repeatable; default: any)",
    )
    serve.add_argument(
        "--account-rate",
        type=_non_negative,
        default=ACCOUNT_RATE_LIMIT,
        help="account-level throttle of this server, requests per second (default 10000, as AWS)",
    )
    serve.add_argument(
        "--account-burst",
        type=_non_negative,
        default=float(ACCOUNT_BURST_LIMIT),
        help="account-level burst of this server (default 5000, as AWS)",
    )
    serve.add_argument(
        "--idle-timeout",
        type=float,
        default=300.0,
        help="stop idle function instances after SECONDS (default 300)",
    )
    _import_options(serve)

    imp = sub.add_parser("import", help="import FILEs into the store (and deploy them)")
    imp.add_argument("files", nargs="+", metavar="FILE")
    imp.add_argument("--no-deploy", action="store_true", help="store the definitions without deploying")
    _import_options(imp)

    exp = sub.add_parser("export", help="export a stage as OpenAPI 3 or Swagger 2")
    exp.add_argument("api_id", metavar="API_ID")
    exp.add_argument("stage", metavar="STAGE")
    exp.add_argument("--type", choices=("oas30", "swagger"), default="oas30", help="default oas30")
    exp.add_argument("--format", choices=("json", "yaml"), default="yaml", help="default yaml")
    exp.add_argument("-o", "--output", help="write to this file instead of standard output")

    dep = sub.add_parser("deploy", help="deploy an API's current definition to a stage")
    dep.add_argument("api_id", metavar="API_ID")
    dep.add_argument("stage", metavar="STAGE")
    dep.add_argument("--description")
    dep.add_argument("--variable", action="append", metavar="NAME=VALUE", help="stage variable (repeatable)")

    apis = sub.add_parser("apis", help="list the APIs in the store")
    apis.add_argument("action", choices=("list",))
    stages = sub.add_parser("stages", help="list stages")
    stages.add_argument("action", choices=("list",))
    stages.add_argument("--api", help="only this API id")

    functions.add_parsers(sub)
    management.add_parsers(sub)
    identities.add_parsers(sub)
    sub.add_parser("version", help="print the version")
    return parser


def _import_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--stage", help="stage name for OpenAPI files (default prod; templates name their own)"
    )
    parser.add_argument(
        "--parameter-overrides", nargs="+", metavar="NAME=VALUE", help="template parameter values"
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="tollway: %(message)s",
        stream=sys.stderr,
    )
    if args.command == "version":
        print(f"tollway {__version__}")
        return 0
    try:
        if args.command == "identities":
            return identities.main(args, _store_url(args.store))
        from tollway.cli import commands

        return commands.run(
            args, _store_url(args.store), _overrides(getattr(args, "parameter_overrides", None))
        )
    except TollwayError as exc:
        print(f"tollway: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
