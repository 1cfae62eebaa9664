"""``LocalExecutor``: Lambda-compatible Python functions in worker processes on this machine."""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable, Mapping
from types import MappingProxyType

from tollway.functions.runtime.arn import parse_function
from tollway.functions.runtime.executor import FunctionNotFound, InvokeResult
from tollway.functions.runtime.logs import LogStore
from tollway.functions.runtime.pool import Pool, Target
from tollway.functions.runtime.runtimes import UnsupportedRuntimes, runs_here
from tollway.model.account import ACCOUNT_ID, REGION
from tollway.model.functions import LATEST, FunctionAlias, FunctionConfig, FunctionDef


def parse_function_name(name: str, qualifier: str | None) -> tuple[str, str | None]:
    """``(function name, qualifier)`` from ``NAME``, ``NAME:QUALIFIER`` or a function ARN."""
    ref = parse_function(name)
    if ref is None:
        raise FunctionNotFound(f"Function not found: {name}")
    if ref.qualifier and qualifier and ref.qualifier != qualifier:
        raise FunctionNotFound(
            "The derived qualifier from the function name does not match the specified qualifier."
        )
    return ref.name, ref.qualifier or qualifier or None


def pick_version(alias: FunctionAlias, draw: float) -> str:
    """The version an alias routes one invocation to (``draw`` uniform in [0, 1))."""
    threshold = 0.0
    for version, weight in alias.additional_weights.items():
        threshold += weight
        if draw < threshold:
            return version
    return alias.version


class LocalExecutor:
    """Runs each function version in its own worker processes (see ``tollway.functions.runtime.pool``).

    ``build_dir_for`` names the folder of a function's installed requirements, if built;
    ``layers_for`` the layer folders of a config in merge order (default: its local ones).
    ``function_output`` receives every byte of function output (``serve``'s console).
    ``queue`` bounds how many invocations wait for one of the ``total_concurrency`` slots
    (None: no bound); one more is refused at once (``Overloaded``).
    ``debug_port`` starts instances under debugpy there, one at a time, without timeouts.
    ``rng`` routes weighted aliases (inject a seeded one in tests).
    """

    def __init__(
        self,
        functions: Mapping[str, FunctionDef],
        *,
        total_concurrency: int = 16,
        queue: int | None = None,
        idle_timeout_s: float = 300.0,
        log_dir: str | None = None,
        region: str = REGION,
        account_id: str = ACCOUNT_ID,
        build_dir_for: Callable[[FunctionDef, FunctionConfig], str | None] = lambda f, c: None,
        layers_for: Callable[[FunctionConfig], tuple[str, ...]] | None = None,
        function_output: Callable[[bytes], None] | None = None,
        debug_port: int | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self._functions = dict(functions)
        self._region = region
        self._account_id = account_id
        self._build_dir_for = build_dir_for
        self._layers_for = layers_for
        self._rng = rng or random.Random()
        self._targets: dict[tuple[str, str], Target] = {}
        self.logs = LogStore(log_dir, echo=function_output)
        """Per-function logs: ``logs.tail(name)``."""
        self._pool = Pool(self.logs, total_concurrency, idle_timeout_s, region, debug_port, queue)
        self._unsupported = UnsupportedRuntimes()  # Node.js, Java...: fail as Lambda, start nothing

    async def invoke(
        self,
        name: str,
        payload: bytes,
        *,
        qualifier: str | None = None,
        request_id: str | None = None,
        trace_id: str | None = None,
    ) -> InvokeResult:
        """Invoke synchronously; see ``Executor.invoke``."""
        fn_name, qualifier = parse_function_name(name, qualifier)
        target = self._target(fn_name, qualifier)
        arn = self.function_arn(fn_name, qualifier)
        # A random UUID without a syscall per request (uuid4 reads os.urandom).
        request_id = request_id or str(uuid.UUID(int=self._rng.getrandbits(128), version=4))
        if not runs_here(target.config.runtime):
            return self._unsupported.answer(fn_name, target.version, target.config.runtime, request_id)
        return await self._pool.invoke(target, request_id, arn, payload, trace_id or "")

    def check(self, name: str, qualifier: str | None = None) -> None:
        """Raise FunctionNotFound unless ``name`` (and its qualifier) can be invoked."""
        fn_name, qualifier = parse_function_name(name, qualifier)
        self._target(fn_name, qualifier)

    @property
    def functions(self) -> Mapping[str, FunctionDef]:
        """The current definitions, by function name (read-only)."""
        return MappingProxyType(self._functions)

    def function_arn(self, name: str, qualifier: str | None = None) -> str:
        arn = f"arn:aws:lambda:{self._region}:{self._account_id}:function:{name}"
        return f"{arn}:{qualifier}" if qualifier else arn

    def _target(self, name: str, qualifier: str | None) -> Target:
        fdef = self._functions.get(name)
        if fdef is None:
            raise FunctionNotFound(f"Function not found: {self.function_arn(name, qualifier)}")
        alias = fdef.aliases.get(qualifier or "")
        version = pick_version(alias, self._rng.random()) if alias else (qualifier or LATEST)
        target = self._targets.get((name, version))
        if target is None:
            resolved = fdef.resolve(version)
            if resolved is None:
                raise FunctionNotFound(f"Function not found: {self.function_arn(name, qualifier)}")
            version, config = resolved
            build_dir = self._build_dir_for(fdef, config)
            layers = self._layers_for(config) if self._layers_for is not None else None
            target = Target(name, version, config, fdef.reserved_concurrency, build_dir, layers)
            self._targets[(name, version)] = target
        return target

    def update(self, functions: Mapping[str, FunctionDef]) -> None:
        """Swap the definitions; instances whose config changed stop after their current invocation."""
        old, self._functions = self._functions, dict(functions)
        self._targets.clear()
        for name, fdef in old.items():
            new = self._functions.get(name)
            for version in (LATEST, *fdef.versions):
                resolved = new.resolve(version) if new is not None else None
                self._pool.retire(name, version, keep=resolved[1] if resolved else None)

    def replace_instances(self, name: str) -> None:
        """The code of ``name`` changed on disk: every later invocation gets a new instance."""
        self._targets = {key: t for key, t in self._targets.items() if key[0] != name}
        self._pool.retire(name)

    def live_instances(self) -> int:
        """How many worker processes are running (all functions)."""
        return self._pool.live_count()

    async def close(self) -> None:
        """Stop every instance and its process group; close the log files."""
        self._pool.close()
        self.logs.close()
