"""Function commands: ``build``, ``invoke``, ``logs``, ``functions list|publish|alias``."""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import Mapping
from pathlib import Path

from tollway.cli import options, project
from tollway.controlplane.service import ControlPlane
from tollway.functions.packaging.build import build_all, build_dir_for, default_build_root
from tollway.functions.packaging.layer_build import build_layers, resolve_layers
from tollway.functions.runtime.console import Console
from tollway.functions.runtime.executor import FunctionNotFound
from tollway.functions.runtime.local import LocalExecutor
from tollway.launcher import log_dir
from tollway.model.functions import FunctionDef

FOLLOW_INTERVAL_S = 0.5


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    build = sub.add_parser("build", help="install each function's requirements.txt into its own build folder")
    build.add_argument(
        "files", nargs="*", metavar="FILE", help="templates to import first (default: the store)"
    )

    invoke = sub.add_parser("invoke", help="invoke a function once and print its result")
    invoke.add_argument("name", metavar="NAME", help="function name, NAME:QUALIFIER or ARN")
    invoke.add_argument("--event", help="event JSON file ('-' for standard input; default {})")
    invoke.add_argument("--qualifier", help="version, alias or $LATEST")
    invoke.add_argument("--template", action="append", default=[], help="import this template first")
    invoke.add_argument(
        "--debug-port",
        type=options.debug_port,
        metavar="PORT",
        help="start the function under debugpy on 127.0.0.1:PORT and wait for a debugger to attach",
    )

    logs = sub.add_parser("logs", help="print a function's logs (START/END/REPORT lines included)")
    logs.add_argument("name", metavar="NAME")
    logs.add_argument("-f", "--follow", action="store_true", help="keep printing new lines")

    functions = sub.add_parser("functions", help="list functions, publish versions, set aliases")
    actions = functions.add_subparsers(dest="action", required=True, metavar="ACTION")
    actions.add_parser("list", help="list functions with their versions and aliases")
    publish = actions.add_parser("publish", help="publish the current config as a new version")
    publish.add_argument("name", metavar="NAME")
    publish.add_argument("--description")
    alias = actions.add_parser("alias", help="point an alias at a version (optionally weighted)")
    alias.add_argument("name", metavar="NAME")
    alias.add_argument("alias", metavar="ALIAS")
    alias.add_argument("version", metavar="VERSION")
    alias.add_argument("--weight", action="append", default=[], metavar="VERSION=FRACTION")


def run(args: argparse.Namespace, control: ControlPlane, store_url: str, overrides: dict[str, str]) -> int:
    command = args.command
    if command == "build":
        if args.files:
            control.import_files(args.files, parameter_overrides=overrides)
        root = default_build_root(store_url)
        functions = control.serving_functions().values()
        for outcome in build_all(functions, cache_root=root):
            print(f"{outcome.function}\t{outcome.folder or '(no requirements.txt)'}")
        configs = [config for fn in functions for config in (fn.config, *fn.versions.values())]
        for layer in build_layers(configs, cache_root=root):
            print(f"{layer.layer}\t{layer.folder}")
        return 0
    if command == "invoke":
        return _invoke(args, control, store_url, overrides)
    if command == "logs":
        return _logs(args.name, store_url, args.follow)
    if args.action == "list":
        for record in control.list_functions():
            fn = record.function
            aliases = ", ".join(f"{a.name}->{a.version}" for a in fn.aliases.values()) or "-"
            versions = ", ".join(fn.versions) or "-"
            print(f"{fn.name}\t{fn.config.handler}\tversions: {versions}\taliases: {aliases}")
        return 0
    if args.action == "publish":
        print(control.publish_version(args.name, args.description))
        return 0
    weights = {}
    for item in args.weight:
        version, sep, share = item.partition("=")
        try:
            weights[version] = float(share)
        except ValueError:
            sep = ""
        if not sep:
            raise SystemExit(f"tollway: --weight expects VERSION=FRACTION, got {item!r}")
    alias = control.put_alias(args.name, args.alias, args.version, weights or None)
    print(f"{args.name}:{alias.name} -> {alias.version}")
    return 0


def _invoke(
    args: argparse.Namespace, control: ControlPlane, store_url: str, overrides: dict[str, str]
) -> int:
    if args.template:
        control.import_files(args.template, parameter_overrides=overrides)
    if args.event == "-":
        payload = sys.stdin.buffer.read()
    elif args.event:
        payload = Path(args.event).read_bytes()
    else:
        payload = b"{}"
    root = default_build_root(store_url)
    functions = control.serving_functions()
    env = project.env_overrides(args)
    if env is not None:
        for warning in env.warnings(functions.values()):
            print(f"tollway: warning: {warning}", file=sys.stderr)
        functions = env.apply(functions)
    name = function_name(args.name, functions)
    console = Console()  # stderr: the function's output as it comes, as sam local invoke shows it
    executor = LocalExecutor(
        functions,
        total_concurrency=1,
        log_dir=log_dir(store_url),
        build_dir_for=lambda fn, config: build_dir_for(fn, config, root),
        layers_for=lambda config: resolve_layers(config, root),
        function_output=console.write,
        debug_port=args.debug_port,
    )

    async def once() -> tuple[bytes, str | None]:
        try:
            result = await executor.invoke(name, payload, qualifier=args.qualifier)
            return result.payload, result.function_error
        finally:
            await executor.close()

    try:
        body, error = asyncio.run(once())
    except FunctionNotFound as exc:
        raise SystemExit(f"tollway: {exc}") from None
    finally:
        console.close()
    sys.stdout.write(body.decode("utf-8", "replace") + "\n")
    return 1 if error else 0


def function_name(given: str, functions: Mapping[str, FunctionDef]) -> str:
    """The stored name of ``given``: a function name, ARN or NAME:QUALIFIER as Lambda takes
    them, or a template's logical id as ``sam local invoke`` takes it."""
    base, sep, qualifier = given.partition(":")
    if given.startswith("arn:") or base in functions:
        return given
    by_logical_id = {fn.logical_id: fn.name for fn in functions.values()}
    if base in by_logical_id:
        return by_logical_id[base] + sep + qualifier
    known = (
        ", ".join(sorted(by_logical_id))
        or "none: give the template with --template, or run it where template.yaml is"
    )
    raise SystemExit(f"tollway: invoke: no function {base!r} (functions: {known})")


def _logs(name: str, store_url: str, follow: bool) -> int:
    path = Path(log_dir(store_url)) / f"{name}.log"
    position = 0
    while True:
        if path.is_file():
            with path.open("rb") as handle:
                if handle.seek(0, 2) < position:  # rotated: start over
                    position = 0
                handle.seek(position)
                chunk = handle.read()
                position += len(chunk)
            sys.stdout.write(chunk.decode("utf-8", "replace"))
            sys.stdout.flush()
        elif not follow:
            print(f"tollway: no logs for function {name} yet ({path})", file=sys.stderr)
            return 1
        if not follow:
            return 0
        time.sleep(FOLLOW_INTERVAL_S)
