"""``tollway``: thin commands over the control plane and the launcher.

Exit status: 0 success, 1 a failure (printed as one line, ``tollway: FILE: PLACE: problem``,
naming the file, function, key or port at fault), 2 bad usage. No traceback reaches a
user: ``-v`` adds it to an unexpected failure's line. The global options (``--store``,
``-v``) are accepted before or after the sub-command.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn, cast

from tollway import __version__
from tollway.cli import functions, generate_event, identities, options
from tollway.cli import plans as management
from tollway.errors import TollwayError
from tollway.state.local_bucket import ACCOUNT_BURST_LIMIT, ACCOUNT_RATE_LIMIT

DEFAULT_STORE = "sqlite:///.tollway/tollway.db"
STORE_HELP = f"store URL (default $TOLLWAY_STORE or {DEFAULT_STORE})"
VERBOSE_HELP = "log more (and show the traceback of an unexpected failure)"


class Parser(argparse.ArgumentParser):
    """argparse with one-line usage errors: ``tollway serve: error: ... (see tollway serve --help)``."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _store_url(value: str | None) -> str:
    url = value or os.environ.get("TOLLWAY_STORE") or DEFAULT_STORE
    if url.startswith("sqlite:///") and ":memory:" not in url:
        # 0700: the store holds secrets (only the last directory, the one we make, gets it).
        Path(url[len("sqlite:///") :]).expanduser().parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    return url


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="tollway",
        description="A self-hosted API gateway serving Amazon API Gateway REST APIs from SAM, "
        "CloudFormation and OpenAPI files.",
    )
    parser.add_argument("--store", help=STORE_HELP)
    parser.add_argument("-v", "--verbose", action="store_true", help=VERBOSE_HELP)
    sub = cast(
        "argparse._SubParsersAction[argparse.ArgumentParser]",
        parser.add_subparsers(dest="command", required=True, metavar="COMMAND"),
    )

    serve = sub.add_parser("serve", help="import FILEs (default ./template.yaml), deploy and serve them")
    serve.add_argument(
        "files",
        nargs="*",
        metavar="FILE",
        help="SAM/CloudFormation template or OpenAPI file (default: "
        "template.yaml or template.yml here; none there: every API in the store)",
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=options.port, default=8080, help="port (default 8080; 0: any free one)")
    serve.add_argument(
        "--workers", type=options.positive, default=1, help="worker processes sharing the port (default 1)"
    )
    serve.add_argument(
        "--watch", action="store_true", help="replace function instances when their code changes"
    )
    serve.add_argument(
        "--function-concurrency",
        type=options.positive,
        default=16,
        help="function instances at once per worker, besides reserved concurrency (default 16)",
    )
    serve.add_argument(
        "--function-queue",
        type=options.count,
        default=64,
        metavar="N",
        help="invocations that may wait for one of those per worker; more get 503 at once (default 64)",
    )
    serve.add_argument(
        "--quiet-functions",
        action="store_true",
        help="do not show function output (prints, START/END/REPORT) in this console",
    )
    serve.add_argument(
        "--debug-port",
        type=options.debug_port,
        metavar="PORT",
        help="run functions under debugpy on 127.0.0.1:PORT, one instance, waiting for a debugger",
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
        "--jwt-issuer",
        action="append",
        metavar="ISSUER=LOCAL_ISSUER_URL",
        help="serve an HTTP API JWT authorizer's issuer from a local one: tokens must name "
        "LOCAL_ISSUER_URL as iss, keys come from it (repeatable)",
    )
    serve.add_argument(
        "--vpc-link",
        action="append",
        metavar="NAME=URL",
        help="where an HTTP API private integration (VPC_LINK) is served: NAME is its "
        "IntegrationUri (a listener's logical id or ARN) or its VPC link id (repeatable)",
    )
    serve.add_argument(
        "--account-rate",
        type=options.non_negative,
        default=ACCOUNT_RATE_LIMIT,
        help="account-level throttle of this server, requests per second (default 10000, as AWS)",
    )
    serve.add_argument(
        "--account-burst",
        type=options.non_negative,
        default=float(ACCOUNT_BURST_LIMIT),
        help="account-level burst of this server (default 5000, as AWS)",
    )
    serve.add_argument(
        "--idle-timeout",
        type=options.non_negative,
        default=300.0,
        help="stop idle function instances after SECONDS (default 300)",
    )
    serve.add_argument(
        "--header-timeout",
        type=options.non_negative,
        default=10.0,
        metavar="SECONDS",
        help="close a connection whose request head is not whole after SECONDS (default 10)",
    )
    serve.add_argument(
        "--body-timeout",
        type=options.non_negative,
        default=30.0,
        metavar="SECONDS",
        help="close a connection whose request body stalls for SECONDS (default 30)",
    )
    serve.add_argument(
        "--keep-alive-timeout",
        type=options.non_negative,
        default=75.0,
        metavar="SECONDS",
        help="close a keep-alive connection idle for SECONDS (default 75)",
    )
    serve.add_argument(
        "--max-connections",
        type=options.positive,
        default=10_000,
        metavar="N",
        help="open connections per worker; more are answered 503 and closed (default 10000)",
    )
    add_env_vars_option(serve)
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
    for name in ("invoke", "build"):
        _template_options(sub.choices[name])
    add_env_vars_option(sub.choices["invoke"])
    management.add_parsers(sub)
    identities.add_parsers(sub)
    generate_event.add_parser(sub)
    sub.add_parser("version", help="print the version")
    _add_globals(parser)
    return parser


def add_env_vars_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--env-vars",
        metavar="FILE",
        help='SAM CLI\'s JSON of function environment values: {"FunctionId": {...}, "Parameters": {...}}',
    )


def _import_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--stage", help="stage name for OpenAPI files (default prod; templates name their own)"
    )
    _template_options(parser)


def _template_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--parameter-overrides",
        nargs="+",
        metavar="NAME=VALUE",
        help="template parameter values (also 'A=1 B=2' and ParameterKey=A,ParameterValue=1)",
    )
    parser.add_argument(
        "--config-file",
        metavar="FILE",
        help="SAM CLI config (default samconfig.toml/.yaml beside the template)",
    )
    parser.add_argument("--config-env", metavar="ENV", help="the config's environment (default: default)")


def _add_globals(parser: argparse.ArgumentParser) -> None:
    """Accept ``--store`` and ``-v`` after every sub-command too. SUPPRESS keeps a value given
    before the sub-command when none is given after it."""
    for action in parser._actions:
        if not isinstance(action, argparse._SubParsersAction):
            continue
        for sub in {id(p): p for p in action.choices.values()}.values():
            sub.add_argument("--store", default=argparse.SUPPRESS, help=STORE_HELP)
            sub.add_argument(
                "-v", "--verbose", action="store_true", default=argparse.SUPPRESS, help=VERBOSE_HELP
            )
            _add_globals(sub)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="tollway: %(message)s",
        stream=sys.stderr,
    )
    try:
        return _run(args)
    except TollwayError as exc:
        return _fail(str(exc))
    except OSError as exc:
        return _fail(_os_error(exc))
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # a bug: still one line, the traceback only with -v
        if args.verbose:
            traceback.print_exc()
        return _fail(f"unexpected {type(exc).__name__}: {exc} (run with -v for the traceback)")


def _run(args: argparse.Namespace) -> int:
    if args.command == "version":
        print(f"tollway {__version__}")
        return 0
    if args.command == "generate-event":
        return generate_event.run(args)
    store_url = _store_url(args.store)
    if args.command == "identities":
        return identities.main(args, store_url)
    from tollway.cli import commands

    return commands.run(args, store_url)


def _fail(message: str) -> int:
    print(f"tollway: {message}", file=sys.stderr)
    return 1


def _os_error(exc: OSError) -> str:
    """``FILE: No such file or directory`` rather than ``[Errno 2] ...``."""
    reason = exc.strerror or str(exc)
    if exc.filename is not None:
        return f"{exc.filename}: {reason}"
    return reason


if __name__ == "__main__":
    sys.exit(main())
