"""Runs the template's Lambda handlers for the gateway, moto and the stream poller.

Handlers are imported from CodeUri + Handler (CodeUri functions/records, Handler app.lambda_handler
-> module functions.records.app, attribute lambda_handler) and called with a LambdaContext-like
object. moto has no Docker here, so `moto_invokes_in_process` replaces moto's private
`LambdaFunction._invoke_lambda` (moto is pinned; tests/local/test_moto_guard.py fails if the
private API moves): S3 notifications, SQS mappings and Step Functions lambda:invoke tasks then
call the registry, as the gateway and the stream poller do. moto delivers a queue's messages to
its function inside the SendMessage that adds one, one message an invocation, and deletes them
unless the invocation failed: a message a partial batch response names is reported failed, so
it stays in the queue (delivered again at the queue's next SendMessage, set aside by its
redrive policy after its receives).

Two ways to run a function, chosen when the registry is made:
- in worker processes (`instances`, what the local stack does): each function has instances of
  its own, processes that import only its handler under its own environment (the Globals and its
  variables, as in Lambda) and reach moto over its endpoint (infra/local/workers.py). Two
  requests never share module state, such as Powertools' current event (kept on the BaseRouter
  class, so shared by every resolver of a process).
- in this process (no `instances`: the integration tier on mock_aws, and what must see the
  handlers' own AWS calls, such as the IAM recorder and the benches counting requests): one
  invocation at a time per module, as one Lambda instance. The environment is then the
  process's: the Globals variables, set once by the stack; a function's own variables are applied
  only while its module is imported (when Powertools reads them) and the layers' modules are
  imported first, under the Globals values. Handlers of different functions do share module
  state there: concurrent requests to two API functions may read each other's event.
Stand-in handlers (`overrides`, tests) always run in this process, one invocation at a time.
"""

from __future__ import annotations

import importlib
import inspect
import json
import logging
import os
import pkgutil
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

log = logging.getLogger(__name__)

Handler = Callable[[Any, Any], Any]
Wrapped = TypeVar("Wrapped", bound=Handler)  # what FunctionRegistry.wrap puts in place


@dataclass(frozen=True)
class FunctionSpec:
    """What the stack needs to run one AWS::Serverless::Function of the template."""

    logical_id: str
    name: str
    arn: str
    module: str
    attribute: str
    environment: Mapping[str, str]
    timeout: int = 3
    memory_mb: int = 128


def function_spec(logical_id: str, name: str, arn: str, props: Mapping[str, Any]) -> FunctionSpec:
    """Build the spec from resolved, Globals-merged function properties."""
    module, attribute = str(props["Handler"]).rsplit(".", 1)
    code_parts = [p for p in Path(str(props.get("CodeUri", "."))).parts if p not in (".", "")]
    variables = (props.get("Environment") or {}).get("Variables", {})
    return FunctionSpec(
        logical_id=logical_id,
        name=name,
        arn=arn,
        module=".".join([*code_parts, *module.split("/")]),
        attribute=attribute,
        environment={k: str(v) for k, v in variables.items()},
        timeout=int(props.get("Timeout", 3)),
        memory_mb=int(props.get("MemorySize", 128)),
    )


@dataclass
class LambdaContext:
    """The attributes of the Lambda context object that handlers and Powertools read."""

    function_name: str
    invoked_function_arn: str
    memory_limit_in_mb: int
    deadline: float
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    function_version: str = "$LATEST"
    identity: Any = None
    client_context: Any = None

    @property
    def log_group_name(self) -> str:
        return f"/aws/lambda/{self.function_name}"

    @property
    def log_stream_name(self) -> str:
        return f"{time.strftime('%Y/%m/%d')}/[$LATEST]{self.aws_request_id.replace('-', '')}"

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.deadline - time.monotonic()) * 1000))


class HandlerUnavailable(RuntimeError):
    """The function cannot be called (import failed, or busy); the message says why."""


class FunctionBusy(HandlerUnavailable):
    """Another invocation held the function for longer than its timeout."""


class FunctionError(RuntimeError):
    """The handler failed in its worker process: what Lambda reports (errorType, errorMessage,
    stackTrace). Built from strings only, so that it always crosses between processes."""

    def __init__(self, error_type: str, message: str, stack: str) -> None:
        super().__init__(error_type, message, stack)
        self.error_type, self.message, self.stack = error_type, message, stack

    def __str__(self) -> str:
        return self.message


class FunctionRegistry:
    """The template's functions and their handlers, by logical id or name."""

    def __init__(
        self,
        specs: Mapping[str, FunctionSpec],
        shared_env: Mapping[str, str],
        overrides: Mapping[str, Handler] | None = None,
        *,
        instances: Mapping[str, int] | None = None,
        logs: Path | None = None,
    ) -> None:
        """instances: worker processes per function logical id (1 for one not named), each
        function in processes of its own; None: every handler in this process. logs: the file
        the workers' stdout and stderr go to (None: this process's)."""
        self.specs = dict(specs)
        self._shared_env = dict(shared_env)
        self._handlers: dict[str, Handler] = dict(overrides or {})
        self._instances = None if instances is None else dict(instances)
        self._logs = logs
        self._pools: dict[str, Any] = {}  # logical id -> workers.Instances
        self.failures: dict[str, str] = {}
        # One invocation at a time per module, as one Lambda instance: module state such as
        # Powertools' app.current_event is not thread-safe.
        self._busy = {spec.module: threading.Lock() for spec in self.specs.values()}

    @property
    def isolated(self) -> bool:
        """Whether the template's handlers run in worker processes."""
        return self._instances is not None

    def load(self, layers: Sequence[Path] = ()) -> None:
        """Start each function's instances, or import its handler here; overrides stay."""
        if self._instances is not None:
            self._start_instances(self._instances)
        else:
            self._import_here(layers)

    def close(self) -> None:
        """Stop the worker processes (idempotent); their functions then cannot be invoked."""
        pools, self._pools = self._pools, {}
        for logical_id in pools:
            self._handlers.pop(logical_id, None)
            self.failures.setdefault(logical_id, "the stack stopped")
        for pool in pools.values():
            pool.close()

    def _start_instances(self, counts: Mapping[str, int]) -> None:
        from infra.local.workers import Instances  # it imports this module

        environment = dict(os.environ)
        pending = {
            spec.logical_id: Instances(
                spec,
                {**environment, **spec.environment},
                counts.get(spec.logical_id, 1),
                self._logs,
            )
            for spec in self.specs.values()
            if spec.logical_id not in self._handlers
        }
        # In parallel: each start waits for its processes to import their handler.
        starters = {
            lid: threading.Thread(target=self._start_pool, args=(lid, pool), daemon=True)
            for lid, pool in pending.items()
        }
        for thread in starters.values():
            thread.start()
        for thread in starters.values():
            thread.join()

    def _start_pool(self, logical_id: str, pool: Any) -> None:
        try:
            pool.start()
        except HandlerUnavailable as error:
            self.failures[logical_id] = str(error)
            log.warning("cannot load %s (%s)", logical_id, error)
            return
        self._pools[logical_id] = pool
        self._handlers[logical_id] = pool

    def _import_here(self, layers: Sequence[Path]) -> None:
        """Import the layers' modules, then every handler not overridden.

        The layers' modules are shared by every function of this process, so they are imported
        first, under the Globals variables; each handler's module then with its own variables.
        """
        for name in _modules_of(layers):
            try:
                importlib.import_module(name)
            except Exception as error:  # the handler importing it will report it too
                log.warning("cannot import %s from a layer: %s", name, error)
        for spec in self.specs.values():
            if spec.logical_id in self._handlers:
                continue
            overlay = {k: v for k, v in spec.environment.items() if self._shared_env.get(k) != v}
            with _environment(overlay):
                try:
                    module = importlib.import_module(spec.module)
                    self._handlers[spec.logical_id] = getattr(module, spec.attribute)
                except Exception as error:  # a broken function must not stop the others
                    reason = f"{spec.module}.{spec.attribute}: {type(error).__name__}: {error}"
                    self.failures[spec.logical_id] = reason
                    log.warning("cannot load %s (%s)", spec.logical_id, reason)

    def instances(self, key: str) -> int:
        """How many invocations of the function can run at once."""
        pool = self._pools.get(self.spec(key).logical_id)
        return pool.count if pool is not None else 1

    def pids(self, key: str) -> list[int]:
        """The worker processes of the function (none when it runs in this process)."""
        pool = self._pools.get(self.spec(key).logical_id)
        return pool.pids if pool is not None else []

    def spec(self, key: str) -> FunctionSpec:
        """The function by logical id, name or ARN."""
        for spec in self.specs.values():
            if key in (spec.logical_id, spec.name, spec.arn):
                return spec
        raise KeyError(f"no function {key!r} in the template")

    def wrap(self, key: str, wrapper: Callable[[Handler], Wrapped]) -> Wrapped:
        """Put wrapper(handler) in place of what invoke() calls (a benchmark timing it), and
        return it: invoke() then calls it with the event and context it gave the handler. In
        this process, that is the handler itself, one invocation at a time; with worker
        processes, the call to an instance: the wrapper runs here, at the invocation's
        boundary (the handler's run, plus the event and the result passed between processes)."""
        spec = self.spec(key)
        handler = self._handlers.get(spec.logical_id)
        if handler is None:
            raise HandlerUnavailable(self.failures.get(spec.logical_id, "not loaded"))
        wrapped = wrapper(handler)
        self._handlers[spec.logical_id] = wrapped
        return wrapped

    def invoke(self, key: str, event: Any) -> Any:
        """Call the function as Lambda would; its errors propagate to the caller (a worker's as
        FunctionError)."""
        spec = self.spec(key)
        handler = self._handlers.get(spec.logical_id)
        if handler is None:
            raise HandlerUnavailable(self.failures.get(spec.logical_id, "not loaded"))
        context = LambdaContext(
            function_name=spec.name,
            invoked_function_arn=spec.arn,
            memory_limit_in_mb=spec.memory_mb,
            deadline=time.monotonic() + spec.timeout,
        )
        # Worker processes wait for an idle instance of their own; here, one call per module.
        busy = None if spec.logical_id in self._pools else self._busy[spec.module]
        if busy is not None and not busy.acquire(timeout=spec.timeout):
            raise FunctionBusy(
                f"still busy after {spec.timeout}s (a single instance locally: recursive call?)"
            )
        started = time.monotonic()
        try:
            return handler(event, context)
        finally:
            if busy is not None:
                busy.release()
            elapsed = time.monotonic() - started
            if elapsed > spec.timeout:  # not enforced: a debugger may hold the call
                log.warning(
                    "%s ran %.1fs, over its %ss timeout", spec.logical_id, elapsed, spec.timeout
                )


def _modules_of(layers: Sequence[Path]) -> list[str]:
    return [info.name for layer in layers for info in pkgutil.walk_packages([str(layer)])]


_environment_lock = threading.Lock()


@contextmanager
def _environment(overlay: Mapping[str, str]) -> Iterator[None]:
    with _environment_lock:
        saved = {k: os.environ.get(k) for k in overlay}
        os.environ.update(overlay)
        try:
            yield
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value


# ------------------------------------------------------------------ moto's Lambda invocation
def _moto_function_class() -> Any:
    from moto.awslambda.models import LambdaFunction  # moto is only needed by the local stack

    return LambdaFunction


def check_moto_invoke_api() -> None:
    """Fail loudly if the private moto API replaced below has changed."""
    cls = _moto_function_class()
    original = getattr(cls, "_invoke_lambda", None)
    if original is None:
        raise RuntimeError("moto's LambdaFunction._invoke_lambda is gone: update infra/local")
    params = list(inspect.signature(original).parameters)
    if params != ["self", "event"]:
        raise RuntimeError(f"moto's LambdaFunction._invoke_lambda{params} changed signature")
    if "self._invoke_lambda(event=" not in inspect.getsource(cls.invoke):
        raise RuntimeError("moto's LambdaFunction.invoke no longer calls _invoke_lambda(event=)")


@contextmanager
def moto_invokes_in_process(registry: FunctionRegistry) -> Iterator[None]:
    """While active, moto's Lambda invocations call the registry (its worker processes, or its
    handlers in this process), in place of moto's Docker containers."""
    check_moto_invoke_api()
    cls = _moto_function_class()
    original = cls.__dict__["_invoke_lambda"]

    def _invoke_lambda(self: Any, event: Any = None) -> tuple[str, bool, str]:
        # Same contract as moto's: (payload, errored, logs).
        payload = json.loads(event) if isinstance(event, str | bytes) else (event or {})
        try:
            result = registry.invoke(self.function_name, payload)
        except FunctionError as error:  # its stack is in the function's log
            log.error("%s failed: %s: %s", self.function_name, error.error_type, error)
            body = {"errorMessage": str(error), "errorType": error.error_type}
            return json.dumps(body), True, error.stack
        except Exception as error:
            log.exception("%s failed", self.function_name)
            body = {"errorMessage": str(error), "errorType": type(error).__name__}
            return json.dumps(body), True, traceback.format_exc()
        if _failed_sqs_messages(payload, result):
            # moto deletes the messages of an invocation that did not fail, whatever its
            # partial batch response: a failed one is then reported as the invocation's error,
            # so that moto makes it visible again (it calls with one message at a time).
            return json.dumps(result, default=str), True, ""
        return json.dumps(result, default=str), False, ""

    cls._invoke_lambda = _invoke_lambda
    try:
        yield
    finally:
        cls._invoke_lambda = original


def _failed_sqs_messages(event: Any, result: Any) -> bool:
    """Whether an SQS event's partial batch response names a failed message."""
    records = event.get("Records") if isinstance(event, dict) else None
    if not records or not isinstance(result, dict):
        return False
    return records[0].get("eventSource") == "aws:sqs" and bool(result.get("batchItemFailures"))
