"""The commands behind ``tollway``; each returns its exit status."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from tollway.cli import project
from tollway.controlplane.service import ControlPlane
from tollway.stores import open_store

if TYPE_CHECKING:
    from collections.abc import Sequence

    from tollway.controlplane.views import ImportOutcome
    from tollway.dataplane.addressing import AnyStage
    from tollway.dataplane.authorizers.cognito import UserPool


def run(args: argparse.Namespace, store_url: str) -> int:
    command = args.command
    files = _files(args)
    overrides = project.overrides(args, command, files) if command in _IMPORTING else {}
    control = ControlPlane(open_store(store_url))
    if command == "serve":
        return _serve(args, control, store_url, overrides)
    if command == "import":
        return _import(args, control, overrides)
    if command == "export":
        text = control.export(args.api_id, args.stage, flavor=args.type, fmt=args.format)
        if args.output:
            Path(args.output).write_text(text, encoding="utf-8")
        else:
            sys.stdout.write(text if text.endswith("\n") else text + "\n")
        return 0
    if command == "deploy":
        variables = dict(_pair(v) for v in args.variable or ())
        deployment = control.deploy(
            args.api_id, args.stage, description=args.description, variables=variables or None
        )
        print(f"deployed {args.api_id} to stage {args.stage}: deployment {deployment.id}")
        return 0
    if command == "apis":
        for api in control.list_apis():
            print(f"{api.id}\t{api.name}\t{api.key}\t{api.protocol}")
        return 0
    if command in ("build", "invoke", "logs", "functions"):
        from tollway.cli import functions

        return functions.run(args, control, store_url, overrides)
    if command in ("keys", "plans", "usage"):
        from tollway.cli import plans as management

        return management.run(args, control)
    if command == "stages":
        for stage in control.list_stages(args.api):
            print(f"{stage.api_id}\t{stage.name}\t{stage.deployment_id}")
        return 0
    raise AssertionError(command)


_IMPORTING = ("serve", "import", "invoke", "build")


def _files(args: argparse.Namespace) -> list[str]:
    """The definition files a command reads; ``serve``, ``invoke`` and ``build`` fall back on
    the current folder's template.yaml, as SAM CLI does."""
    if args.command in ("serve", "build"):
        args.files = project.files_or_template(args.files, args.command)
        return list(args.files)
    if args.command == "invoke":
        args.template = project.files_or_template(args.template, "invoke")
        return list(args.template)
    return list(getattr(args, "files", None) or ())


def _pair(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name:
        raise SystemExit(f"tollway: --variable expects NAME=VALUE, got {text!r}")
    return name, value


def _user_pools(issuers: list[str], client_ids: list[str]) -> dict[str, UserPool]:
    """``--user-pool-issuer ARN=URL`` and ``--user-pool-client-id ARN=ID`` by pool ARN."""
    from tollway.dataplane.authorizers.cognito import UserPool, pool_for

    found: dict[str, tuple[str | None, list[str]]] = {}
    for option, items in (("--user-pool-issuer", issuers), ("--user-pool-client-id", client_ids)):
        for item in items:
            arn, sep, value = item.partition("=")
            if not sep or not arn or not value:
                raise SystemExit(f"tollway: {option} expects ARN=VALUE, got {item!r}")
            issuer, clients = found.get(arn, (None, []))
            if option == "--user-pool-issuer":
                if not value.startswith(("https://", "http://")):
                    raise SystemExit(f"tollway: {option}: the issuer must be an http(s) URL, got {value!r}")
                issuer = value.rstrip("/")
            else:
                clients.append(value)
            found[arn] = (issuer, clients)
    pools = {}
    for arn, (issuer, clients) in found.items():
        default = pool_for(arn, {})
        pools[arn] = UserPool(issuer or default.issuer, tuple(clients))
    return pools


def _url_map(items: list[str], option: str, expects: str) -> dict[str, str]:
    """``NAME=http(s)://...`` items of ``option`` (``--jwt-issuer``, ``--vpc-link``) by NAME,
    both without a trailing slash."""
    found = {}
    for item in items:
        name, sep, url = item.partition("=")
        if not sep or not name or not url.startswith(("https://", "http://")):
            raise SystemExit(f"tollway: {option} expects {expects}, got {item!r}")
        found[name.rstrip("/")] = url.rstrip("/")
    return found


def _import(args: argparse.Namespace, control: ControlPlane, overrides: dict[str, str]) -> int:
    outcomes = control.import_files(
        args.files, stage_name=args.stage, parameter_overrides=overrides, deploy=not args.no_deploy
    )
    for outcome in outcomes:
        for warning in outcome.warnings:
            print(f"tollway: warning: {warning}", file=sys.stderr)
        if outcome.api_id:
            print(f"{outcome.api_id}\t{outcome.name}\tstages: {', '.join(outcome.stages) or '-'}")
        for name in outcome.functions:
            print(f"function\t{name}")
    return 0


def _serve(args: argparse.Namespace, control: ControlPlane, store_url: str, overrides: dict[str, str]) -> int:
    from tollway import launcher
    from tollway.dataplane.server import ConnectionLimits

    env = project.env_overrides(args)
    user_pools = _user_pools(args.user_pool_issuer or [], args.user_pool_client_id or [])
    vpc_links = _url_map(args.vpc_link or [], "--vpc-link", "NAME=http(s)://HOST:PORT")
    if args.identities:
        from tollway.formats.identities import load_identities_file

        load_identities_file(args.identities)  # a bad file stops here, naming the place
    api_ids: frozenset[str] | None = None
    if args.files:
        outcomes = control.import_files(args.files, stage_name=args.stage, parameter_overrides=overrides)
        _warn_once(outcomes)
        api_ids = frozenset(o.api_id for o in outcomes if o.api_id)
    if env is not None:
        for warning in env.warnings(control.serving_functions().values()):
            print(f"tollway: warning: {warning}", file=sys.stderr)
    try:
        sock = launcher.bind_socket(args.host, args.port)
    except OSError as exc:
        print(f"tollway: cannot listen on {args.host}:{args.port}: {exc.strerror}", file=sys.stderr)
        return 1
    port = sock.getsockname()[1]
    served = launcher.compile_served(control.serving_state(), api_ids)
    print(
        f"tollway {_version()} listening on http://{args.host}:{port} ({args.workers} worker(s))", flush=True
    )
    if not served:
        print("tollway: warning: no API stage to serve", file=sys.stderr)
    for arn in launcher.unmapped_user_pools(served, user_pools):
        print(
            f"tollway: warning: user pool {arn} has no --user-pool-issuer; its tokens are checked against "
            f"{user_pools[arn].issuer if arn in user_pools else launcher.default_issuer(arn)}, "
            "which cannot be reached offline",
            file=sys.stderr,
        )
    for where, name in launcher.unmapped_vpc_links(served, vpc_links):
        print(
            f"tollway: warning: private integration of {where}: {name} has no address; give it with "
            f"--vpc-link {name}=http://HOST:PORT (it answers 500 until then)",
            file=sys.stderr,
        )
    launcher.print_urls(served, args.host, port)
    options = launcher.ServeOptions(
        host=args.host,
        port=port,
        workers=args.workers,
        store_url=store_url,
        api_ids=api_ids,
        function_concurrency=args.function_concurrency,
        function_queue=args.function_queue,
        idle_timeout_s=args.idle_timeout,
        watch=args.watch,
        state_url=args.state,
        state_unavailable=args.state_unavailable,
        account_rate=args.account_rate,
        account_burst=args.account_burst,
        identities_file=args.identities,
        user_pools=user_pools,
        jwt_issuers=_url_map(args.jwt_issuer or [], "--jwt-issuer", "ISSUER=http(s)://LOCAL_ISSUER"),
        vpc_links=vpc_links,
        env_overrides=env,
        function_output=not args.quiet_functions,
        debug_port=args.debug_port,
        connection_limits=ConnectionLimits(
            header_timeout_s=args.header_timeout,
            body_timeout_s=args.body_timeout,
            keep_alive_timeout_s=args.keep_alive_timeout,
            max_connections=args.max_connections,
        ),
    )
    if args.workers > 1 and not args.state.startswith(("redis://", "rediss://")):
        print(
            "tollway: warning: --state memory keeps throttling and quota counters per worker process; "
            "use --state redis://... to share them",
            file=sys.stderr,
        )

    def refresh(current: Sequence[AnyStage]) -> Sequence[AnyStage]:
        """SIGHUP: the files imported again (all or nothing), then the store compiled."""
        if args.files:
            _warn_once(control.import_files(args.files, stage_name=args.stage, parameter_overrides=overrides))
        return launcher.compile_served(control.serving_state(), api_ids, current)

    return launcher.serve(options, sock, served, refresh)


def _warn_once(outcomes: Sequence[ImportOutcome]) -> None:
    seen: set[str] = set()
    for outcome in outcomes:
        for warning in outcome.warnings:
            if warning not in seen:
                seen.add(warning)
                print(f"tollway: warning: {warning}", file=sys.stderr)


def _version() -> str:
    from tollway import __version__

    return __version__
