"""The purge workflow's tier: the local stack in this process (every resource of template.yaml
in moto, Step Functions executing, lambda:invoke tasks routed to the real LifecycleFunction
handler), its daily schedule fired as EventBridge would (infra/local/schedules.py)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from healthspace import wiring
from infra.local.stack import LocalStack


@dataclass
class LifecycleHandler:
    """The real handler, counting its calls by action; it can die once in the middle of a purge
    batch (after purging its first space), as a Lambda timing out, so that Step Functions runs
    the batch again."""

    crash_once: bool = False
    calls: Counter[str] = field(default_factory=Counter)

    def __call__(self, event: dict[str, Any], context: Any) -> Any:
        from functions.lifecycle import app  # loaded by the stack, under its settings

        self.calls[str(event.get("action"))] += 1
        if event.get("action") == "purge" and self.crash_once and len(event["space_ids"]) > 1:
            self.crash_once = False
            app.lambda_handler({**event, "space_ids": event["space_ids"][:1]}, context)
            raise TimeoutError("the function timed out in the middle of the batch")
        return app.lambda_handler(event, context)


@pytest.fixture(scope="module")
def lifecycle_handler() -> LifecycleHandler:
    return LifecycleHandler()


@pytest.fixture(scope="module")
def stack(lifecycle_handler: LifecycleHandler) -> Iterator[LocalStack]:
    with LocalStack(
        port=0, demo=False, handlers={"LifecycleFunction": lifecycle_handler}
    ) as running:
        wiring.forget()
        yield running
        wiring.forget()
