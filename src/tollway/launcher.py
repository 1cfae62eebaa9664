"""The composition root of ``tollway serve``: store, control plane, workers, data plane.

The parent process binds the listening socket; with ``--workers N`` it forks N workers
that share it (each its own uvloop). Every worker compiles the served stages from the
store once (reusing those the parent compiled to print their URLs), then polls the store's
change counter once a second; when it moved, the worker builds a new ``World`` off the event
loop (stages, keys, identities, functions, from one snapshot of the store) and installs it
whole: the request path never reads the store. A new world keeps the compiled stages of the
old one whose stage and deployment did not change, so redeploying one API of a thousand
compiles that one.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
import socket
import sys
import time
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import uvloop

from tollway.controlplane.service import ControlPlane
from tollway.dataplane.addressing import StageDirectory
from tollway.dataplane.app import Gateway
from tollway.dataplane.authorizers.cognito import UserPool, pool_for
from tollway.dataplane.authorizers.iam import IdentityIndex
from tollway.dataplane.authorizers.services import AuthServices
from tollway.dataplane.http_api.snapshot import compile_http_stage
from tollway.dataplane.integrations.http import HttpClient
from tollway.dataplane.integrations.lambda_ import LambdaIntegration
from tollway.dataplane.integrations.mock import MockIntegration
from tollway.dataplane.server import ConnectionLimits, HttpProtocol, ServerState
from tollway.dataplane.services import Services
from tollway.dataplane.snapshot import CompileCache, ServedStage, compile_stage
from tollway.dataplane.usage_plans.access import Access, AccessIndex
from tollway.dataplane.world import World
from tollway.errors import TollwayError
from tollway.formats.env_vars import EnvOverrides
from tollway.formats.identities import load_identities_file
from tollway.functions.packaging.build import build_dir_for, default_build_root
from tollway.functions.packaging.layer_build import resolve_layers
from tollway.functions.packaging.watch import code_stamp
from tollway.functions.runtime.console import Console
from tollway.functions.runtime.invoke_api import InvokeApi
from tollway.functions.runtime.local import LocalExecutor
from tollway.model.api import Deployment, Stage
from tollway.model.http_api import DEFAULT_STAGE
from tollway.state import open_state
from tollway.state.local_bucket import ACCOUNT_BURST_LIMIT, ACCOUNT_RATE_LIMIT, LocalBucket
from tollway.state.redis import OnUnavailable
from tollway.stores import open_store
from tollway.supervisor import Supervisor, signal_ready

if TYPE_CHECKING:
    from tollway.dataplane.addressing import AnyStage

log = logging.getLogger("tollway")

RELOAD_INTERVAL_S = 1.0
WATCH_INTERVAL_S = 1.0
DRAIN_TIMEOUT_S = 10.0


@dataclass(frozen=True, slots=True)
class ServeOptions:
    host: str
    port: int
    workers: int
    store_url: str
    api_ids: frozenset[str] | None
    """Serve only these APIs (those of the files given); None serves every API in the store."""
    function_concurrency: int = 16
    """Instances all functions may run at once, per worker process (reserved ones excepted)."""
    function_queue: int = 64
    """Invocations that may wait for one of those, per worker; more are answered 503 at once."""
    idle_timeout_s: float = 300.0
    """Idle function instances are stopped after this long."""
    watch: bool = False
    """Replace a function's instances when its code changes on disk."""
    state_url: str = "memory"
    """Where throttling, quota and usage counters live: ``memory`` (per process) or ``redis://``."""
    state_unavailable: OnUnavailable = "open"
    """Redis unreachable: ``open`` (local limits) or ``closed`` (503)."""
    account_rate: float = ACCOUNT_RATE_LIMIT
    account_burst: float = ACCOUNT_BURST_LIMIT
    """The account-level throttle of this server; each worker holds an equal share."""
    identities_file: str | None = None
    """``--identities FILE``: IAM identities besides the store's."""
    user_pools: dict[str, UserPool] = field(default_factory=dict)
    """``--user-pool-issuer`` / ``--user-pool-client-id`` by user pool ARN."""
    jwt_issuers: dict[str, str] = field(default_factory=dict)
    """``--jwt-issuer``: the issuer an HTTP API JWT authorizer names -> the local one."""
    vpc_links: dict[str, str] = field(default_factory=dict)
    """``--vpc-link``: a private integration's URI or VPC link id -> the URL serving it."""
    env_overrides: EnvOverrides | None = None
    """``--env-vars FILE``: environment values that override the functions' declared ones."""
    function_output: bool = True
    """Show function output (prints, START/END/REPORT) on this console (``--quiet-functions``)."""
    debug_port: int | None = None
    """``--debug-port``: function instances start under debugpy on 127.0.0.1:PORT and wait for
    a debugger; one instance at a time, no timeout while it runs."""
    connection_limits: ConnectionLimits = field(default_factory=ConnectionLimits)
    """``--header-timeout``, ``--body-timeout``, ``--keep-alive-timeout``, ``--max-connections``."""


def compile_served(
    stages: Iterable[tuple[Stage, Deployment]],
    api_ids: Collection[str] | None,
    reuse: Iterable[AnyStage] = (),
) -> list[AnyStage]:
    """Compile every stage to serve; one broken stage is logged and skipped, never fatal.

    A stage of ``reuse`` (the world served so far) whose stage record and deployed API equal
    the ones read now is served as it is, not compiled again: compiling depends on nothing
    else, so a redeployment of one API recompiles that API alone (and ``tollway serve``
    hands what it compiled to print the URLs to its workers, so start-up compiles once)."""
    served = []
    known = {(s.api_id, s.name): s for s in reuse}
    cache = CompileCache()
    for stage, deployment in stages:
        if api_ids is not None and stage.api_id not in api_ids:
            continue
        previous = known.get((stage.api_id, stage.name))
        if previous is not None and _same_input(previous, stage, deployment):
            served.append(previous)
            continue
        try:
            if deployment.http_api is not None:
                served.append(compile_http_stage(stage, deployment))
            else:
                served.append(compile_stage(stage, deployment, cache))
        except TollwayError as exc:
            log.error("not serving stage %s of API %s: %s", stage.name, stage.api_id, exc)
    return served


def _same_input(served: AnyStage, stage: Stage, deployment: Deployment) -> bool:
    # The store gives the same RestApi object for an unchanged deployment; another reader
    # (another store object, the CLI's read before the workers start) is compared by value.
    defined = deployment.http_api if deployment.http_api is not None else deployment.api
    return served.stage == stage and (served.api is defined or served.api == defined)


def build_world(control: ControlPlane, options: ServeOptions, reuse: Iterable[AnyStage] = ()) -> World:
    """The world to serve, from one snapshot of the store: compiled stages, the key index,
    the identities (those of ``--identities FILE`` win a tie) and the functions (with
    ``--env-vars`` applied). Stages of ``reuse`` whose inputs did not change are kept
    (``compile_served``); the others are compiled, which is slow: run it off the event loop."""
    records = control.serving_records()
    signers = {identity.access_key_id: identity for identity in records.identities}
    if options.identities_file:
        signers.update((i.access_key_id, i) for i in load_identities_file(options.identities_file))
    env = options.env_overrides
    return World(
        directory=StageDirectory(compile_served(records.stages, options.api_ids, reuse)),
        keys=AccessIndex(records.keys, records.plans),
        identities=IdentityIndex(signers.values()),
        functions=env.apply(records.functions) if env is not None else records.functions,
        generation=records.generation,
    )


def bind_socket(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.setblocking(False)
    return sock


Refresh = Callable[[Sequence["AnyStage"]], Sequence["AnyStage"]]
"""SIGHUP: read the configuration again (the files given to ``serve``, then the store) and
give the stages to serve, reusing those of its argument that did not change; raises
``TollwayError`` when the new configuration is broken, and nothing changes."""


def serve(
    options: ServeOptions,
    sock: socket.socket,
    compiled: Sequence[AnyStage] = (),
    refresh: Refresh | None = None,
) -> int:
    """Run the workers on ``sock`` until SIGINT/SIGTERM; returns the exit status.

    ``compiled``: stages already compiled from the store (``compile_served``); each worker's
    first world reuses those whose inputs are unchanged. On SIGHUP ``refresh`` runs; with
    one worker the new world is installed in place and every function gets new instances,
    with several each worker is replaced in turn by a new process (``Supervisor``)."""
    if options.workers <= 1:
        uvloop.run(_worker(options, sock, compiled, refresh=refresh))
        return 0

    def run_worker(stages: Sequence[AnyStage], ready_fd: int) -> None:
        uvloop.run(_worker(options, sock, stages, ready_fd=ready_fd))

    return Supervisor(options.workers, compiled, run_worker, refresh).run()


async def _worker(
    options: ServeOptions,
    sock: socket.socket,
    compiled: Sequence[AnyStage],
    *,
    refresh: Refresh | None = None,
    ready_fd: int | None = None,
) -> None:
    loop = asyncio.get_running_loop()
    control = ControlPlane(open_store(options.store_url))
    client = HttpClient()
    build_root = default_build_root(options.store_url)
    console = Console() if options.function_output else None  # on stderr, as sam local shows it
    world = build_world(control, options, compiled)
    executor = LocalExecutor(
        world.functions,
        total_concurrency=options.function_concurrency,
        queue=options.function_queue,
        idle_timeout_s=options.idle_timeout_s,
        log_dir=log_dir(options.store_url),
        build_dir_for=lambda fn, config: build_dir_for(fn, config, build_root),
        layers_for=lambda config: resolve_layers(config, build_root),
        function_output=console.write if console is not None else None,
        debug_port=options.debug_port,
    )
    functions = LambdaIntegration(executor)
    services = Services(
        integrations={
            "HTTP": client,
            "HTTP_PROXY": client,
            "MOCK": MockIntegration(),
            "AWS": functions,
            "AWS_PROXY": functions,
        },
        clock=time.time,
        access=Access(
            open_state(options.state_url, on_unavailable=options.state_unavailable),
            account=LocalBucket(
                options.account_rate / options.workers, options.account_burst / options.workers
            ),
        ),
        auth=AuthServices(
            executor=executor, user_pools=dict(options.user_pools), jwt_issuers=dict(options.jwt_issuers)
        ),
        vpc_links=dict(options.vpc_links),
    )
    gateway = Gateway(services, InvokeApi(executor))
    gateway.install(world)
    # Everything loaded so far (definitions, compiled snapshots, imported libraries) lives
    # as long as the worker: keep it out of the collector's way, so collections triggered by
    # per-request garbage scan only young objects.
    gc.collect()
    gc.freeze()
    state = ServerState(options.connection_limits)
    server = await loop.create_server(lambda: HttpProtocol(gateway, state), sock=sock, backlog=2048)
    signal_ready(ready_fd)
    stop = asyncio.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)

    def install(world: World) -> None:
        if world.generation < gateway.world.generation:
            return  # built from an older snapshot than the one served (SIGHUP and the poll raced)
        served = gateway.world.directory.stages
        # One synchronous block: no request runs between the two.
        executor.update(world.functions)
        gateway.install(world)
        kept = {id(stage) for stage in served}
        stages = world.directory.stages
        compiled = sum(id(stage) not in kept for stage in stages)
        log.info("reloaded: serving %d stage(s), %d compiled", len(stages), compiled)

    async def reload() -> None:
        while True:
            await asyncio.sleep(RELOAD_INTERVAL_S)
            try:
                current = await asyncio.to_thread(control.generation)
                if current != gateway.world.generation:
                    served = gateway.world.directory.stages
                    install(await asyncio.to_thread(build_world, control, options, served))
            except TollwayError as exc:
                log.error("reload failed, still serving the previous snapshot: %s", exc)
            except Exception:  # the reloader must outlive any one failure
                log.exception("reload failed, still serving the previous snapshot")

    async def hangup(refresh: Refresh) -> None:
        """SIGHUP with one worker: the configuration read again, new function instances."""
        try:
            stages = await asyncio.to_thread(refresh, gateway.world.directory.stages)
            install(await asyncio.to_thread(build_world, control, options, stages))
        except TollwayError as exc:
            log.error("reload failed, still serving the previous configuration: %s", exc)
            return
        except Exception:
            log.exception("reload failed, still serving the previous configuration")
            return
        for name in list(executor.functions):
            executor.replace_instances(name)

    tasks = [loop.create_task(reload()), loop.create_task(state.sweep())]
    if refresh is not None:
        loop.add_signal_handler(signal.SIGHUP, lambda: tasks.append(loop.create_task(hangup(refresh))))
    if options.watch:
        tasks.append(loop.create_task(watch_code(executor)))
    await stop.wait()
    server.close()
    await state.drain(DRAIN_TIMEOUT_S)
    for task in tasks:
        task.cancel()
    await client.close()
    await executor.close()
    if console is not None:
        console.close()
    await services.access.state.close()


def unmapped_user_pools(served: Sequence[AnyStage], pools: Mapping[str, UserPool]) -> list[str]:
    """User pool ARNs of the served authorizers that no ``--user-pool-issuer`` maps."""
    arns = {
        arn
        for stage in served
        if isinstance(stage, ServedStage)
        for authorizer in stage.api.authorizers
        if authorizer.type.upper() == "COGNITO_USER_POOLS"
        for arn in authorizer.provider_arns
    }
    return sorted(arn for arn in arns if arn not in pools)


def unmapped_vpc_links(served: Sequence[AnyStage], links: Mapping[str, str]) -> list[tuple[str, str]]:
    """(``api stage route``, the name ``--vpc-link`` would give it by) of each served private
    integration no ``--vpc-link`` serves."""
    found = []
    for stage in served:
        if isinstance(stage, ServedStage):
            continue
        for route in stage.routes.values():
            private = route.integration.private if route.integration is not None else ()
            if private and not any(name in links for name in private):
                found.append((f"{stage.api.name} {stage.name} {route.route_key}", private[0]))
    return found


def default_issuer(arn: str) -> str:
    return pool_for(arn, {}).issuer


def log_dir(store_url: str) -> str:
    """Function logs live next to the build folder (``tollway logs`` reads them there)."""
    return str(Path(default_build_root(store_url)).parent / "logs")


async def watch_code(executor: LocalExecutor) -> None:
    """``--watch``: once a second, replace the instances of functions whose code changed."""
    seen: dict[str, float] = {}
    while True:
        for name, fn in executor.functions.items():
            stamp = await asyncio.to_thread(code_stamp, fn)
            if name in seen and stamp != seen[name]:
                log.warning("code of %s changed: new instances from now on", name)
                executor.replace_instances(name)
            seen[name] = stamp
        await asyncio.sleep(WATCH_INTERVAL_S)


def print_urls(stages: Sequence[AnyStage], host: str, port: int) -> None:
    shown = "127.0.0.1" if host in ("0.0.0.0", "") else host
    defaults = [served for served in stages if served.name == DEFAULT_STAGE]
    for served in stages:
        prefix = "" if served.name == DEFAULT_STAGE else f"{served.name}/"
        plain = f"http://{shown}:{port}/{prefix}" if prefix or len(defaults) == 1 else "(by host only)"
        print(
            f"  {served.api.name} ({served.api_id}) stage {served.name}: "
            f"{plain}  http://{served.api_id}.execute-api.localhost:{port}/{prefix}",
            flush=True,
        )
    sys.stdout.flush()
