"""Function instances in worker processes, as Lambda runs them: each alone with its module state.

An instance is a process of its own (a one-worker ProcessPoolExecutor) that imports only its
function's handler, under that function's environment (the process's, the Globals and its own
variables over it, as Lambda sets them), and reaches moto over its endpoint like any AWS client.
Processes start from a forkserver that has the third-party libraries imported already (the
layer is not: a layer module may read a per-function variable at import), so an instance starts
in about the time its own modules take to import.

A function has a fixed number of instances. An invocation takes an idle one, waiting for one
until the function's timeout (FunctionBusy), runs there, and gives it back. An instance that
dies during an invocation (exit, signal, out of memory) fails that invocation as Lambda reports
it (errorType Runtime.ExitError) and is replaced by a new one. close() stops them all: each
finishes what it runs, then exits; one still running after the grace period is killed.

The handler's exceptions come back as FunctionError (its type's name, message and stack, always
picklable); the worker also prints the stack to its stderr, as Lambda logs it.
"""

from __future__ import annotations

import importlib
import logging
import multiprocessing
import os
import queue
import signal
import sys
import threading
import time
import traceback
from collections.abc import Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from infra.local.lambdas import (
    FunctionBusy,
    FunctionError,
    FunctionSpec,
    Handler,
    HandlerUnavailable,
    LambdaContext,
)

log = logging.getLogger(__name__)

# Imported once by the forkserver, shared by every instance it forks: what the handlers import
# from outside the repository (a missing one is skipped).
PRELOADED = (
    "infra.local.workers",
    "boto3",
    "botocore.session",
    "pydantic",
    "pynamodb.models",
    "aws_lambda_powertools",
    "aws_lambda_powertools.event_handler",
    "aws_lambda_powertools.utilities.typing",
    "cryptography.hazmat.primitives.ciphers.aead",
)
STOP_GRACE_SECONDS = 10.0


def _context() -> multiprocessing.context.BaseContext:
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(list(PRELOADED))  # no effect once the server runs
    return context


# ------------------------------------------------------------------ inside a worker process
_handler: Handler | None = None
_failure: str | None = None
_spec: FunctionSpec | None = None


def _start(
    spec: FunctionSpec, environment: Mapping[str, str], path: Sequence[str], logs: str | None
) -> None:
    """The worker's initializer: the function's environment, then its module alone."""
    global _handler, _failure, _spec
    signal.signal(
        signal.SIGINT, signal.SIG_IGN
    )  # Ctrl-C reaches the whole group: the stack stops us
    _spec = spec
    os.environ.clear()
    os.environ.update(environment)
    time.tzset()
    sys.path[:] = list(path)
    if logs is not None:
        # Line by line, appended: the instances' lines do not cut each other in the file.
        fd = os.open(logs, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        os.dup2(fd, 1)
        os.dup2(fd, 2)
        os.close(fd)
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(line_buffering=True)
    try:
        module = importlib.import_module(spec.module)
        _handler = getattr(module, spec.attribute)
    except Exception as error:  # reported by _ready(), not fatal to the worker
        _failure = f"{spec.module}.{spec.attribute}: {type(error).__name__}: {error}"
        traceback.print_exc()


def _ready() -> tuple[int, str | None]:
    """The worker's pid, and why its handler did not load (None: it did)."""
    return os.getpid(), _failure


def _invoke(event: Any, request_id: str, remaining_ms: int) -> Any:
    if _handler is None or _spec is None:
        raise FunctionError("Runtime.ImportModuleError", _failure or "not loaded", "")
    context = LambdaContext(
        function_name=_spec.name,
        invoked_function_arn=_spec.arn,
        memory_limit_in_mb=_spec.memory_mb,
        deadline=time.monotonic() + remaining_ms / 1000,
        aws_request_id=request_id,
    )
    try:
        return _handler(event, context)
    except Exception as error:
        stack = traceback.format_exc()
        print(f"[ERROR] {_spec.logical_id} {request_id}\n{stack}", file=sys.stderr)
        raise FunctionError(type(error).__name__, str(error), stack) from None


# ------------------------------------------------------------------ in the stack's process
@dataclass
class _Instance:
    executor: ProcessPoolExecutor
    ready: Future[tuple[int, str | None]]

    @property
    def pid(self) -> int | None:
        if self.ready.done() and self.ready.exception() is None:
            return self.ready.result()[0]
        return None


class Instances:
    """`count` worker processes of one function; called as its handler: (event, context)."""

    def __init__(
        self,
        spec: FunctionSpec,
        environment: Mapping[str, str],
        count: int,
        logs: Path | None = None,
    ) -> None:
        if count < 1:
            raise ValueError(f"{spec.logical_id}: at least one instance, not {count}")
        self.spec = spec
        self.count = count
        self._init_args = (
            spec,
            dict(environment),
            list(sys.path),
            str(logs) if logs is not None else None,
        )
        self._idle: queue.SimpleQueue[_Instance] = queue.SimpleQueue()
        self._all: list[_Instance] = []
        self._lock = threading.Lock()  # guards _all and _closed
        self._closed = False

    def start(self) -> None:
        """Start every instance (in parallel); HandlerUnavailable if the handler cannot load."""
        started = [self._new() for _ in range(self.count)]
        failures = {why for instance in started if (why := self._wait_ready(instance))}
        if failures:
            self.close()
            raise HandlerUnavailable("; ".join(sorted(failures)))
        for instance in started:
            self._idle.put(instance)

    def __call__(self, event: Any, context: LambdaContext) -> Any:
        instance = self._take(context)
        try:
            future = instance.executor.submit(
                _invoke, event, context.aws_request_id, context.get_remaining_time_in_millis()
            )
            return future.result()
        except BrokenProcessPool:
            instance = self._replace(instance)
            raise FunctionError(
                "Runtime.ExitError",
                f"{self.spec.logical_id}: the instance exited during the invocation "
                f"(request {context.aws_request_id}); a new one replaces it",
                "",
            ) from None
        finally:
            self._idle.put(instance)

    @property
    def pids(self) -> list[int]:
        """The process ids of the instances started (for a benchmark's CPU accounting)."""
        with self._lock:
            return [pid for instance in self._all if (pid := instance.pid) is not None]

    def close(self) -> None:
        """Stop every instance: each ends what it runs (a grace period), then is killed."""
        with self._lock:
            self._closed = True
            instances = list(self._all)
        stoppers = [
            threading.Thread(
                target=i.executor.shutdown,
                kwargs={"wait": True, "cancel_futures": True},
                name=f"stop-{self.spec.logical_id}",
                daemon=True,
            )
            for i in instances
        ]
        for stopper in stoppers:
            stopper.start()
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for instance, stopper in zip(instances, stoppers, strict=True):
            stopper.join(max(0.0, deadline - time.monotonic()))
            if stopper.is_alive() and instance.pid is not None:
                log.warning(
                    "%s: an instance still ran after %ss, killed",
                    self.spec.logical_id,
                    STOP_GRACE_SECONDS,
                )
                with suppress(ProcessLookupError):
                    os.kill(instance.pid, signal.SIGKILL)
                stopper.join(STOP_GRACE_SECONDS)

    # ----------------------------------------------------------------------------- internals
    def _new(self) -> _Instance:
        executor = ProcessPoolExecutor(
            max_workers=1, mp_context=_context(), initializer=_start, initargs=self._init_args
        )
        instance = _Instance(executor, executor.submit(_ready))
        with self._lock:
            if self._closed:
                executor.shutdown(wait=False, cancel_futures=True)
                raise HandlerUnavailable("the stack is stopping")
            self._all.append(instance)
        return instance

    def _wait_ready(self, instance: _Instance) -> str | None:
        try:
            return instance.ready.result()[1]
        except BrokenProcessPool as broken:
            return f"{self.spec.module}: the instance exited while starting ({broken})"

    def _take(self, context: LambdaContext) -> _Instance:
        if self._closed:
            raise HandlerUnavailable("the stack is stopping")
        try:
            return self._idle.get(timeout=context.get_remaining_time_in_millis() / 1000)
        except queue.Empty:
            raise FunctionBusy(
                f"its {self.count} instance(s) stayed busy for its {self.spec.timeout}s timeout "
                "(a recursive call, or more concurrent calls than instances: --instances)"
            ) from None

    def _replace(self, broken: _Instance) -> _Instance:
        log.warning("%s: an instance exited; starting another", self.spec.logical_id)
        broken.executor.shutdown(wait=False, cancel_futures=True)
        with self._lock:
            if broken in self._all:
                self._all.remove(broken)
        return self._new()
