"""In-process handlers: import from CodeUri + Handler with the function's own variables, a
Lambda-like context, one invocation at a time per module."""

import os
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from infra.local.lambdas import (
    FunctionError,
    FunctionRegistry,
    FunctionSpec,
    HandlerUnavailable,
    function_spec,
)

STAND_IN = """
import os

import standin_layer

SERVICE = os.environ["POWERTOOLS_SERVICE_NAME"]  # read at import, as Powertools does


def handler(event, context):
    return {
        "service": SERVICE,
        "layer_service": standin_layer.SERVICE,
        "table": os.environ["TABLE_NAME"],
        "name": context.function_name,
    }
"""
LAYER = """
import os

SERVICE = os.environ["POWERTOOLS_SERVICE_NAME"]
"""


@pytest.fixture
def stand_in(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, Path]]:
    """A function package (its CodeUri) and a layer directory, importable as in Lambda."""
    package = tmp_path / "standin_functions" / "worker"
    package.mkdir(parents=True)
    (package.parent / "__init__.py").write_text("")
    (package / "__init__.py").write_text("")
    (package / "app.py").write_text(STAND_IN)
    layer = tmp_path / "layer"
    (layer / "standin_layer").mkdir(parents=True)
    (layer / "standin_layer" / "__init__.py").write_text(LAYER)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.syspath_prepend(str(layer))  # as Lambda mounts a layer
    yield "standin_functions/worker", layer
    for name in [m for m in sys.modules if m.startswith(("standin_functions", "standin_layer"))]:
        del sys.modules[name]


def spec(code_uri: str, logical_id: str = "Worker", **variables: str) -> FunctionSpec:
    props = {
        "CodeUri": code_uri,
        "Handler": "app.handler",
        "Timeout": 2,
        "Environment": {"Variables": {"TABLE_NAME": "t", **variables}},
    }
    return function_spec(logical_id, f"stack-{logical_id}", f"arn:{logical_id}", props)


def test_code_uri_and_handler_name_the_module() -> None:
    worker = spec("functions/records")
    assert (worker.module, worker.attribute) == ("functions.records.app", "handler")
    assert spec("./functions/ingest/").module == "functions.ingest.app"


def test_a_function_imports_with_its_own_variables_and_layers_with_the_globals(
    stand_in: tuple[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given the Globals value in the process and a function that sets its own
    code_uri, layer = stand_in
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "healthspace")
    monkeypatch.setenv("TABLE_NAME", "t")
    worker = spec(code_uri, POWERTOOLS_SERVICE_NAME="worker")
    shared = {"POWERTOOLS_SERVICE_NAME": "healthspace", "TABLE_NAME": "t"}
    registry = FunctionRegistry({"Worker": worker}, shared)

    # When the layer, then the function's module, are imported
    registry.load([layer])

    # Then the function saw its own value, the shared layer the Globals one, as the process does
    assert registry.invoke("Worker", {}) == {
        "service": "worker",
        "layer_service": "healthspace",
        "table": "t",
        "name": "stack-Worker",
    }
    assert os.environ["POWERTOOLS_SERVICE_NAME"] == "healthspace"
    assert registry.failures == {}


def test_a_module_that_cannot_be_imported_is_reported_not_fatal() -> None:
    registry = FunctionRegistry({"Ghost": spec("functions/ghost", "Ghost")}, {})
    registry.load()
    assert "ModuleNotFoundError" in registry.failures["Ghost"]
    with pytest.raises(HandlerUnavailable, match="ModuleNotFoundError"):
        registry.invoke("Ghost", {})


def test_functions_are_found_by_logical_id_name_or_arn() -> None:
    registry = FunctionRegistry({"Worker": spec("f")}, {}, {"Worker": lambda e, c: "ok"})
    assert {registry.invoke(key, {}) for key in ("Worker", "stack-Worker", "arn:Worker")} == {"ok"}
    with pytest.raises(KeyError):
        registry.invoke("Other", {})


def test_a_wrapped_handler_is_called_in_its_place_as_the_handler_was(
    stand_in: tuple[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a function loaded from its module, as the stack loads it
    code_uri, layer = stand_in
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "healthspace")
    monkeypatch.setenv("TABLE_NAME", "t")
    shared = {"POWERTOOLS_SERVICE_NAME": "healthspace", "TABLE_NAME": "t"}
    registry = FunctionRegistry({"Worker": spec(code_uri, POWERTOOLS_SERVICE_NAME="w")}, shared)
    registry.load([layer])
    seen = []

    def timed(handler):
        def call(event, context):
            seen.append((event, context.function_name))
            return handler(event, context)

        return call

    # When a benchmark wraps it (by name, as by logical id)
    wrapped = registry.wrap("stack-Worker", timed)

    # Then invoke() calls the wrapper, which calls the module's handler with the same context
    assert registry.invoke("Worker", {"n": 1})["service"] == "w"
    assert seen == [({"n": 1}, "stack-Worker")]
    assert wrapped.__name__ == "call"


def test_a_function_that_did_not_load_cannot_be_wrapped() -> None:
    registry = FunctionRegistry({"Ghost": spec("functions/ghost", "Ghost")}, {})
    registry.load()
    with pytest.raises(HandlerUnavailable, match="ModuleNotFoundError"):
        registry.wrap("Ghost", lambda handler: handler)


def test_one_invocation_at_a_time_per_module() -> None:
    running, overlaps = [], []

    def slow(event, context):
        running.append(1)
        overlaps.append(len(running))
        time.sleep(0.05)
        running.pop()
        return context.aws_request_id

    registry = FunctionRegistry({"Worker": spec("f")}, {}, {"Worker": slow})
    results = []
    threads = [
        threading.Thread(target=lambda: results.append(registry.invoke("Worker", {})))
        for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert max(overlaps) == 1
    assert len(set(results)) == 4  # a request id per invocation


CRASHING = """
import os

def handler(event, context):
    if event.get("exit"):
        os._exit(3)  # as an out-of-memory kill would end it
    return {"pid": os.getpid(), "service": os.environ["POWERTOOLS_SERVICE_NAME"]}
"""


def test_worker_processes_import_each_function_with_its_own_variables(
    stand_in: tuple[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given two functions of one package, each setting its own service name
    code_uri, layer = stand_in
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "healthspace")
    monkeypatch.setenv("TABLE_NAME", "t")
    specs = {
        "Worker": spec(code_uri, "Worker", POWERTOOLS_SERVICE_NAME="worker"),
        "Other": spec(code_uri, "Other", POWERTOOLS_SERVICE_NAME="other"),
    }
    registry = FunctionRegistry(specs, {}, instances={"Worker": 2})
    try:
        # When each runs in processes of its own
        registry.load([layer])

        # Then each saw its own variables, the layer's module too (imported in its process)
        assert registry.failures == {}
        assert registry.invoke("Worker", {})["service"] == "worker"
        assert registry.invoke("Other", {}) == {
            "service": "other",
            "layer_service": "other",
            "table": "t",
            "name": "stack-Other",
        }
        assert (registry.instances("Worker"), registry.instances("Other")) == (2, 1)
        assert "standin_functions.worker.app" not in sys.modules  # nothing imported here
    finally:
        registry.close()


def test_an_instance_that_dies_fails_its_invocation_and_is_replaced(
    stand_in: tuple[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    code_uri, layer = stand_in
    (Path(sys.path[1]) / code_uri / "app.py").write_text(CRASHING)
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "healthspace")
    registry = FunctionRegistry({"Worker": spec(code_uri)}, {}, instances={"Worker": 1})
    try:
        registry.load([layer])
        first = registry.invoke("Worker", {})["pid"]

        # When the instance dies during an invocation
        with pytest.raises(FunctionError, match="exited during the invocation") as died:
            registry.invoke("Worker", {"exit": True})

        # Then that invocation failed as Lambda reports it, and a new instance serves the next
        assert died.value.error_type == "Runtime.ExitError"
        assert registry.invoke("Worker", {})["pid"] not in (first, None)
    finally:
        registry.close()
    with pytest.raises(HandlerUnavailable, match="stopped"):
        registry.invoke("Worker", {})


def test_a_handler_error_comes_back_with_its_type_and_stack(
    stand_in: tuple[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    code_uri, layer = stand_in
    app = Path(sys.path[1]) / code_uri / "app.py"
    app.write_text("def handler(event, context):\n    raise ValueError('boom')\n")
    registry = FunctionRegistry({"Worker": spec(code_uri)}, {}, instances={})
    try:
        registry.load([layer])
        with pytest.raises(FunctionError) as failed:
            registry.invoke("Worker", {})
        assert (failed.value.error_type, str(failed.value)) == ("ValueError", "boom")
        assert "raise ValueError('boom')" in failed.value.stack
    finally:
        registry.close()
