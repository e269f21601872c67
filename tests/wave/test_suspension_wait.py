"""The suspension workflow (infra/statemachines/suspension.asl.json) executed by moto on the local
stack, its task routed to the real SuspensionFunction: one execution per suspension, which waits
(here a second: six weeks in the cloud) then closes the space if it is still suspended by that
suspension, and does nothing if it was lifted or suspended again since."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import boto3

from healthspace.adapters.ops import StepFunctionsSuspensions
from healthspace.kernel.identifiers import make_ins
from healthspace.lifecycle.suspensions import Suspensions
from healthspace.records.model import Holder, SpaceStatus
from healthspace.wiring.lifecycle import closures
from healthspace.wiring.records import medical_file
from infra.local.executions import finished
from infra.local.stack import LocalStack

BORN = date(1980, 1, 1)
_serial = iter(range(1, 1000))


def operators(stack: LocalStack, wait_seconds: int) -> Suspensions:
    """The operators' use case as the stack wires it, with a wait of `wait_seconds`."""
    file = medical_file()
    from healthspace.adapters.dynamodb.lifecycle import DynamoClosures
    from healthspace.wiring.records import table

    timer = StepFunctionsSuspensions(stack.ref("SuspensionStateMachine"), wait_seconds)
    return Suspensions(DynamoClosures(table()), file.spaces, closures(), file.history, timer)


def a_space() -> tuple[str, str]:
    ins = make_ins(f"18001751{next(_serial):05d}")
    space = medical_file().spaces.open_space(
        ins, Holder(given_name="Sam", family_name="Suspendu", birth_date=BORN)
    )
    return ins, space.space_id


def executions(stack: LocalStack, space_id: str) -> list[dict[str, Any]]:
    sfn = boto3.client("stepfunctions")
    listed = sfn.list_executions(stateMachineArn=stack.ref("SuspensionStateMachine"))
    return [e for e in listed["executions"] if e["name"].startswith(space_id)]


def outcome(execution: dict[str, Any]) -> str:
    described = finished(execution["executionArn"])
    assert described["status"] == "SUCCEEDED", described
    return str(json.loads(described["output"])["outcome"])


def status(space_id: str) -> SpaceStatus:
    space = medical_file().store.get_space(space_id)
    assert space is not None
    return space.status


def test_an_unanswered_suspension_closes_the_space_at_the_end_of_its_wait(stack: LocalStack):
    ins, space_id = a_space()
    suspensions = operators(stack, wait_seconds=2)
    suspensions.suspend("op-1", ins, BORN)
    suspensions.suspend("op-1", ins, BORN)  # a retried request: no second execution

    [execution] = executions(stack, space_id)
    assert execution["name"] == f"{space_id}-2"
    assert status(space_id) is SpaceStatus.SUSPENDED  # waiting
    assert outcome(execution) == "closed"
    assert status(space_id) is SpaceStatus.CLOSED
    closure = closures().store.get_closure(space_id)
    assert closure is not None and closure.reason.value == "SUSPENSION_UNANSWERED"


def test_a_lifted_suspension_ends_its_wait_doing_nothing(stack: LocalStack):
    ins, space_id = a_space()
    suspensions = operators(stack, wait_seconds=2)
    suspensions.suspend("op-1", ins, BORN)
    suspensions.lift("op-1", ins, BORN)
    suspensions.suspend("op-1", ins, BORN)  # suspended again: a wait of its own
    suspensions.lift("op-1", ins, BORN)

    runs = executions(stack, space_id)
    assert sorted(e["name"] for e in runs) == [f"{space_id}-2", f"{space_id}-4"]
    assert [outcome(e) for e in runs] == ["lifted", "lifted"]
    assert status(space_id) is SpaceStatus.ACTIVE
