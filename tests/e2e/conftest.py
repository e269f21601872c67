"""End-to-end tier: the local stack as a black box, `python -m infra.local` in a subprocess,
talked to over HTTP only."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.e2e.stack_process import StackProcess, start_stack

# The enrollment journey waits for its wave's deadline: a short window keeps it under a minute.
# No demo wave: waves are per day, and the journey's file must make today's wave its own.
ENROLLMENT_WINDOW_SECONDS = 25
STACK_OPTIONS = ("--enrollment-window", f"PT{ENROLLMENT_WINDOW_SECONDS}S", "--no-demo-wave")


@pytest.fixture(scope="session")
def local_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StackProcess]:
    folder = tmp_path_factory.mktemp("local-stack")
    logs = ("--logs", str(folder / "functions.log"))  # this session's own, read by its tests
    stack = start_stack(folder / "stack.log", *STACK_OPTIONS, *logs)
    yield stack
    code = stack.stop()  # SIGINT, as Ctrl-C
    assert code == 0, stack.output()


@pytest.fixture
def http(local_stack: StackProcess) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=local_stack.url, timeout=30, trust_env=False) as client:
        yield client
