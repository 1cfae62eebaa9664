"""The commands behind ``tollway``; each returns its exit status."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tollway.controlplane.service import ControlPlane
from tollway.stores import open_store


def run(args: argparse.Namespace, store_url: str, overrides: dict[str, str]) -> int:
    control = ControlPlane(open_store(store_url))
    command = args.command
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
            print(f"{api.id}\t{api.name}\t{api.key}")
        return 0
    if command in ("build", "invoke", "logs", "functions"):
        from tollway.cli import functions

        return functions.run(args, control, store_url, overrides)
    if command in ("keys", "plans", "usage"):
        from tollway.cli import management

        return management.run(args, control)
    if command == "stages":
        for stage in control.list_stages(args.api):
            print(f"{stage.api_id}\t{stage.name}\t{stage.deployment_id}")
        return 0
    raise AssertionError(command)


def _pair(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name:
        raise SystemExit(f"tollway: --variable expects NAME=VALUE, got {text!r}")
    return name, value


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

    if args.workers < 1:
        raise SystemExit("tollway: --workers must be at least 1")
    api_ids: frozenset[str] | None = None
    if args.files:
        outcomes = control.import_files(args.files, stage_name=args.stage, parameter_overrides=overrides)
        seen: set[str] = set()
        for outcome in outcomes:
            for warning in outcome.warnings:
                if warning not in seen:
                    seen.add(warning)
                    print(f"tollway: warning: {warning}", file=sys.stderr)
        api_ids = frozenset(o.api_id for o in outcomes if o.api_id)
    try:
        sock = launcher.bind_socket(args.host, args.port)
    except OSError as exc:
        print(f"tollway: cannot listen on {args.host}:{args.port}: {exc.strerror}", file=sys.stderr)
        return 1
    port = sock.getsockname()[1]
    served = launcher.compile_served(control, api_ids)
    print(
        f"tollway {_version()} listening on http://{args.host}:{port} ({args.workers} worker(s))", flush=True
    )
    if not served:
        print("tollway: warning: no API stage to serve", file=sys.stderr)
    launcher.print_urls(served, args.host, port)
    options = launcher.ServeOptions(
        host=args.host,
        port=port,
        workers=args.workers,
        store_url=store_url,
        api_ids=api_ids,
        function_concurrency=args.function_concurrency,
        idle_timeout_s=args.idle_timeout,
        watch=args.watch,
        state_url=args.state,
        state_unavailable=args.state_unavailable,
        account_rate=args.account_rate,
        account_burst=args.account_burst,
    )
    if args.workers > 1 and not args.state.startswith(("redis://", "rediss://")):
        print(
            "tollway: warning: --state memory keeps throttling and quota counters per worker process; "
            "use --state redis://... to share them",
            file=sys.stderr,
        )
    return launcher.serve(options, sock)


def _version() -> str:
    from tollway import __version__

    return __version__
