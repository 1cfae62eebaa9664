"""Instances of every function version: reuse (warm), start (cold), concurrency and idle stop.

Concurrency, as Lambda counts it, is the number of invocations in flight (``admission``): a
function with reserved concurrency runs at most that many at once and is throttled over it,
as Lambda throttles it; the others share ``total_concurrency`` and wait for a free slot up to
their timeout. With a ``debug_port`` the pool runs one instance at a time, under debugpy.

Idle instances stop ``idle_timeout_s`` after their last invocation; one timer per pool,
set for the oldest idle instance, does it (not a timer armed and cancelled per invocation).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import defaultdict
from dataclasses import dataclass

from tollway.functions.runtime import reaper
from tollway.functions.runtime.admission import Admission
from tollway.functions.runtime.code import CodeError, worker_spec
from tollway.functions.runtime.executor import InvokeResult
from tollway.functions.runtime.faults import Outcome
from tollway.functions.runtime.instance import Instance
from tollway.functions.runtime.logs import LogStore, TailBuffer, end_line, report_line, start_line
from tollway.model.functions import FunctionConfig

Key = tuple[str, str]


@dataclass(frozen=True, slots=True)
class Target:
    """One function version to run."""

    name: str
    version: str
    config: FunctionConfig
    reserved: int | None
    build_dir: str | None
    layers: tuple[str, ...] | None = None
    """Its layer folders in merge order (None: the config's local layers)."""


class Pool:
    """Owns every worker process of one executor."""

    def __init__(
        self,
        logs: LogStore,
        total_concurrency: int,
        idle_timeout_s: float,
        region: str,
        debug_port: int | None = None,
        queue: int | None = None,
    ) -> None:
        self.token = reaper.new_token()
        """Marks this pool's workers and everything they start (see ``reaper``)."""
        reaper.become_subreaper()
        self.logs = logs
        self.debug_port = debug_port
        """Instances start under debugpy on this port: one at a time, no timeouts."""
        self.total = 1 if debug_port is not None else total_concurrency
        self.idle_timeout_s = idle_timeout_s
        self.region = region
        self._idle: dict[Key, list[Instance]] = defaultdict(list)
        self._live: set[Instance] = set()
        self._sweep: asyncio.TimerHandle | None = None
        """Fires when the oldest idle instance has been idle for ``idle_timeout_s``."""
        self._admission = Admission(self.total, None if debug_port is not None else queue)

    async def invoke(
        self, target: Target, request_id: str, arn: str, payload: bytes, trace_id: str = ""
    ) -> InvokeResult:
        """Run one invocation on a warm instance, or a new one; raise TooManyRequests when
        the function's reserved concurrency is used up or no shared slot frees in time."""
        reserved = None if self.debug_port is not None else target.reserved
        wait_s = None if self.debug_port is not None else float(target.config.timeout_s)
        await self._admission.enter(target.name, reserved, wait_s)
        try:
            return await self._invoke(target, request_id, arn, payload, trace_id)
        finally:
            self._admission.leave(target.name, reserved)

    async def _invoke(
        self, target: Target, request_id: str, arn: str, payload: bytes, trace_id: str
    ) -> InvokeResult:
        tail = TailBuffer()
        inst = self._take_idle((target.name, target.version))
        init_ms: float | None = None
        if inst is None:
            try:
                inst = self._new_instance(target)
            except (CodeError, OSError) as exc:
                return _setup_failure(target, request_id, str(exc))
            inst.tail = tail
            failure = await self._start(inst, request_id)
            init_ms = inst.init_ms
            if failure is not None:
                self._emit(inst, start_line(request_id, target.version), flush=False)
                return self._finish(inst, request_id, failure, 0.0, init_ms)
        inst.tail = tail
        began = time.perf_counter()
        try:
            self._emit(inst, start_line(request_id, target.version), flush=False)
            outcome = await inst.invoke(request_id, arn, payload, trace_id)
        except BaseException:  # cancelled mid-invocation: the instance is in an unknown state
            self._discard(inst)
            raise
        duration_ms = (time.perf_counter() - began) * 1000
        return self._finish(inst, request_id, outcome, duration_ms, init_ms)

    async def _start(self, inst: Instance, request_id: str) -> Outcome | None:
        self._live.add(inst)
        try:
            failure = await inst.start(request_id)
        except BaseException:
            self._discard(inst)
            raise
        if failure is not None:
            self._discard(inst)
        return failure

    def _finish(
        self, inst: Instance, request_id: str, outcome: Outcome, duration_ms: float, init_ms: float | None
    ) -> InvokeResult:
        report = report_line(
            request_id,
            duration_ms,
            inst.config.memory_mb,
            inst.max_memory_mb(),
            init_ms,
            outcome.status,
            outcome.error_type,
        )
        self._emit(inst, end_line(request_id) + report)
        tail = inst.tail.text() if inst.tail is not None else ""
        inst.tail = None
        self._release(inst, outcome.fatal)
        return InvokeResult(
            payload=outcome.payload,
            function_error="Unhandled" if outcome.error else None,
            executed_version=inst.version,
            log_tail=tail,
        )

    def _emit(self, inst: Instance, data: bytes, *, flush: bool = True) -> None:
        """Log ``data``; START goes unflushed: the function's output or END+REPORT, always
        written after it, flush it with them (one write per invocation, not three)."""
        self.logs.write(inst.name, data, flush=flush)
        if inst.tail is not None:
            inst.tail.write(data)

    def _new_instance(self, target: Target) -> Instance:
        debug = self.debug_port is not None
        spec = worker_spec(
            target.name, target.version, target.config, target.build_dir, self.region, target.layers, debug
        )
        spec.env[reaper.MARKER] = self.token
        if len(self._live) >= self.total:
            self._evict_oldest_idle()
        inst = Instance(target.name, target.version, target.config, spec, lambda data: None, self.debug_port)
        inst.emit = lambda data: self._emit(inst, data)
        return inst

    def _take_idle(self, key: Key) -> Instance | None:
        idle = self._idle.get(key)
        while idle:
            inst = idle.pop()  # the most recently used: warmest caches, lets others expire
            if inst.alive:
                return inst
            self._discard(inst)
        return None

    def _release(self, inst: Instance, fatal: bool) -> None:
        if fatal or inst.retire or not inst.alive or inst not in self._live:
            self._discard(inst)
            return
        inst.idle_since = time.monotonic()
        self._idle[(inst.name, inst.version)].append(inst)
        if self._sweep is None:
            self._sweep = asyncio.get_running_loop().call_later(self.idle_timeout_s, self._expire_idle)

    def _expire_idle(self) -> None:
        """Stop every instance idle for ``idle_timeout_s``; set the timer for the next one."""
        self._sweep = None
        now = time.monotonic()
        oldest = None
        for idle in self._idle.values():
            for inst in list(idle):
                if now - inst.idle_since >= self.idle_timeout_s:
                    self._expire(inst)
                elif oldest is None or inst.idle_since < oldest:
                    oldest = inst.idle_since
        if oldest is not None:
            delay = max(oldest + self.idle_timeout_s - now, 0.001)
            self._sweep = asyncio.get_running_loop().call_later(delay, self._expire_idle)

    def _expire(self, inst: Instance) -> None:
        idle = self._idle.get((inst.name, inst.version), [])
        if inst in idle:
            idle.remove(inst)
            self._discard(inst)

    def _evict_oldest_idle(self) -> None:
        idle = [inst for group in self._idle.values() for inst in group]
        if idle:
            self._expire(min(idle, key=lambda inst: inst.idle_since))

    def _discard(self, inst: Instance) -> None:
        self._live.discard(inst)
        inst.stop()

    def retire(self, name: str, version: str | None = None, keep: FunctionConfig | None = None) -> None:
        """Stop instances of ``name`` (one version, or all), except those running ``keep``.

        Idle ones stop now; busy ones stop after their current invocation.
        """
        for inst in list(self._live):
            if inst.name != name or (version is not None and inst.version != version):
                continue
            if keep is not None and inst.config == keep:
                continue
            inst.retire = True
            idle = self._idle.get((inst.name, inst.version), [])
            if inst in idle:
                idle.remove(inst)
                self._discard(inst)

    def live_count(self) -> int:
        """How many worker processes are running."""
        return len(self._live)

    def close(self) -> None:
        """Stop every instance, busy or idle, and whatever they left running."""
        if self._sweep is not None:
            self._sweep.cancel()
            self._sweep = None
        for inst in list(self._live):
            self._discard(inst)
        reaper.kill_marked(self.token)
        self._idle.clear()


def _setup_failure(target: Target, request_id: str, message: str) -> InvokeResult:
    doc = {"errorMessage": message, "errorType": "Runtime.InvalidEntrypoint", "requestId": request_id}
    return InvokeResult(
        payload=json.dumps(doc).encode(), function_error="Unhandled", executed_version=target.version
    )
