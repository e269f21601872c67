"""The wave timer (infra/statemachines/wave.asl.json) executed by moto on the local stack: it waits
for the deadline, activates everyone still PENDING chunk by chunk (Distributed Map over the wave's
manifest in S3), never twice, counts a chunk that keeps failing, and stores the summary."""

from __future__ import annotations

import json
import math
from datetime import UTC, date, datetime, timedelta
from typing import Any

import boto3
import pytest

from healthspace.adapters.dynamodb.table import DynamoStore
from healthspace.adapters.ops import StepFunctionsWaves
from healthspace.enrollment.model import Citizen, Contact, EnrollmentStatus
from healthspace.kernel.identifiers import make_ins
from healthspace.records.model import Role
from healthspace.wiring.records import medical_file
from infra.local.executions import finished
from infra.local.stack import LocalStack
from tests.wave.conftest import Domain, WaveHandler

# The parent execution's states: WaitForDeadline, Seal, ActivateChunks, Finish.
PARENT_STATES = 4
CHUNK_SIZE = 1000  # healthspace.enrollment.enrollments.CHUNK_SIZE: people per Distributed Map item
_serial = iter(range(1, 10_000))


def citizens(n: int) -> list[Citizen]:
    out = []
    for _ in range(n):
        serial = next(_serial)
        out.append(
            Citizen(
                ins=make_ins(f"18001750{serial:05d}"),
                birth_date=date(1980, 1, 1),
                given_name="Camille",
                family_name=f"Martin{serial}",
                contact=Contact(email=f"camille.martin{serial}@example.org"),
            )
        )
    return out


def enroll(domain: Domain, people: list[Citizen]) -> str:
    wave_ids = {domain.desk.enroll(p, p.contact)[0].wave_id for p in people}
    assert len(wave_ids) == 1
    return wave_ids.pop()


def start(stack: LocalStack, wave_id: str, in_seconds: int) -> str:
    """Start the wave's execution as the scheduler does: named after the wave."""
    deadline = datetime.now(UTC) + timedelta(seconds=in_seconds)
    return start_until(stack, wave_id, f"{deadline:%Y-%m-%dT%H:%M:%SZ}")


def start_until(stack: LocalStack, wave_id: str, deadline: str) -> str:
    sfn = boto3.client("stepfunctions")
    return str(
        sfn.start_execution(
            stateMachineArn=stack.ref("WaveStateMachine"),
            name=wave_id,
            input=json.dumps({"wave_id": wave_id, "deadline": deadline}),
        )["executionArn"]
    )


def history(execution_arn: str) -> list[dict[str, Any]]:
    sfn = boto3.client("stepfunctions")
    events: list[dict[str, Any]] = []
    for page in sfn.get_paginator("get_execution_history").paginate(executionArn=execution_arn):
        events.extend(page["events"])
    return events


def status(domain: Domain, person: Citizen) -> EnrollmentStatus:
    enrollment = domain.timer.store.get_enrollment(person.ins)
    assert enrollment is not None
    return enrollment.status


def spaces_held(person: Citizen) -> list[str]:
    store = medical_file().store
    assert isinstance(store, DynamoStore)
    access = store.get_person(person.ins)
    held = access.spaces if access else {}
    return [space_id for space_id, role in held.items() if role is Role.HOLDER]


def test_the_wave_activates_everyone_still_pending_once(
    stack: LocalStack, domain: Domain, wave_handler: WaveHandler
) -> None:
    # Given a wave of nine people: two oppose, one activates early, six say nothing
    people = citizens(9)
    wave_id = enroll(domain, people)
    opposing, early, silent = people[:2], people[2], people[3:]
    for person in opposing:
        domain.desk.oppose(person.ins, person.birth_date, domain.notifier.codes[person.ins])
    domain.desk.activate_early(early.ins, early.birth_date, domain.notifier.codes[early.ins])
    # and a manifest of three chunks, the third a re-import of people already in the first two
    ins = [p.ins for p in people]
    domain.desk.write_chunks(wave_id, "import-a", ins[:5])
    domain.desk.write_chunks(wave_id, "import-b", ins[5:])
    domain.desk.write_chunks(wave_id, "import-c", ins[3:7])
    # and Lambda losing its answer the first time it activates import-b's chunk (work done)
    retried = f"waves/{wave_id}/chunks/import-b-00000.json"
    wave_handler.lose_first_answer.add(retried)

    # When the timer starts with a deadline a few seconds ahead
    execution_arn = start(stack, wave_id, in_seconds=3)

    # Then nobody is activated before the deadline
    assert all(status(domain, p) is EnrollmentStatus.PENDING for p in silent)
    # and after it the execution succeeds
    described = finished(execution_arn)
    assert described["status"] == "SUCCEEDED", described
    # with everyone who said nothing ACTIVE, each with exactly one space
    for person in silent:
        enrollment = domain.timer.store.get_enrollment(person.ins)
        assert enrollment is not None and enrollment.status is EnrollmentStatus.ACTIVE
        assert spaces_held(person) == [enrollment.space_id]
    # the early one kept the space they had, and the opposed have none
    assert status(domain, early) is EnrollmentStatus.ACTIVE and len(spaces_held(early)) == 1
    for person in opposing:
        assert status(domain, person) is EnrollmentStatus.OPPOSED
        assert spaces_held(person) == []
    # the retried chunk ran twice and the re-imported people were seen twice, counted once
    assert wave_handler.attempts[retried] == 2
    summary = json.loads(described["output"])
    assert summary == {
        "wave_id": wave_id,
        "notified": 9,
        "opposed": 2,
        "activated_early": 1,
        "activated": 6,
        "failed": 0,
        "unnotified": 0,
        "failed_chunks": 0,
        "opposition_rate": round(2 / 9, 4),
    }
    assert domain.timer.files.get_json(f"waves/{wave_id}/summary.json") == summary
    assert domain.timer.files.get_json(f"waves/{wave_id}/chunks.json") == [
        f"waves/{wave_id}/chunks/import-{name}-00000.json" for name in "abc"
    ]

    # State transitions: the parent's are fixed; each chunk costs one per attempt (moto keeps
    # no history for the child runs: their attempts are the handler's calls).
    events = history(execution_arn)
    parent = sum(1 for e in events if e["type"].endswith("StateEntered"))
    assert parent == PARENT_STATES
    assert not any(e["type"] == "TaskFailed" for e in events)  # the parent never retried
    chunk_attempts = sum(n for key, n in wave_handler.attempts.items() if wave_id in key)
    assert chunk_attempts == 3 + 1  # three chunks, one retry
    map_runs = boto3.client("stepfunctions").list_map_runs(executionArn=execution_arn)
    map_run = boto3.client("stepfunctions").describe_map_run(
        mapRunArn=map_runs["mapRuns"][0]["mapRunArn"]
    )
    assert map_run["executionCounts"]["total"] == 3
    assert map_run["maxConcurrency"] == 50
    per_chunk = chunk_attempts / 3
    for wave_size in (1_000, 100_000, 1_000_000):
        transitions = PARENT_STATES + per_chunk * math.ceil(wave_size / CHUNK_SIZE)
        assert transitions / wave_size <= 0.01, (wave_size, transitions)


def test_a_chunk_that_keeps_failing_is_counted_and_the_wave_goes_on(
    stack: LocalStack, domain: Domain, wave_handler: WaveHandler
) -> None:
    # Given a wave of three people, and a chunk file that is not a chunk
    people = citizens(3)
    wave_id = enroll(domain, people)
    domain.desk.write_chunks(wave_id, "import-a", [p.ins for p in people])
    broken = f"waves/{wave_id}/chunks/import-b-00000.json"
    domain.timer.files.put_json(broken, ["not", "a", "chunk"])

    # When the deadline passes
    described = finished(start(stack, wave_id, in_seconds=1))

    # Then the broken chunk was counted as failed, without retries (it would fail the same way
    # each time), and the others activated
    assert described["status"] == "SUCCEEDED", described
    assert wave_handler.attempts[broken] == 1
    summary = json.loads(described["output"])
    assert (summary["activated"], summary["failed_chunks"]) == (3, 1)
    assert all(status(domain, p) is EnrollmentStatus.ACTIVE for p in people)
    # the state machine left the failed chunk's key for operators (Finish read it from there)
    [marker] = domain.timer.files.list_keys(f"waves/{wave_id}/failed/")
    assert domain.timer.files.read_text(marker).read() == broken
    # and the children's results went to S3, not into the execution (no 256 KiB cap on waves)
    events = history(described["executionArn"])
    [map_done] = [e for e in events if e["type"] == "MapStateExited"]
    assert "activated" not in map_done["stateExitedEventDetails"]["output"]


def test_nobody_is_activated_without_having_been_told(stack: LocalStack, domain: Domain) -> None:
    # Given a wave of three people, one of whom was never sent their code (the import died)
    told, never_told = citizens(2), citizens(1)[0]
    wave_id = enroll(domain, told)
    sent = domain.notifier.send_code

    def died(enrollment: Any, code: str) -> Any:
        raise SystemExit("the function was stopped")

    domain.notifier.send_code = died  # type: ignore[method-assign]
    with pytest.raises(SystemExit):
        domain.desk.enroll(never_told, never_told.contact)
    domain.notifier.send_code = sent  # type: ignore[method-assign]
    domain.desk.write_chunks(wave_id, "import-a", [p.ins for p in [*told, never_told]])

    # When the deadline passes
    described = finished(start(stack, wave_id, in_seconds=1))

    # Then the two who were told have their space; the third stays pending, counted apart
    assert described["status"] == "SUCCEEDED", described
    assert all(status(domain, p) is EnrollmentStatus.ACTIVE for p in told)
    assert status(domain, never_told) is EnrollmentStatus.PENDING
    summary = json.loads(described["output"])
    assert (summary["notified"], summary["activated"], summary["unnotified"]) == (2, 2, 1)


def test_a_wave_has_one_execution(stack: LocalStack, domain: Domain) -> None:
    # Given a wave whose timer is running
    wave_id = enroll(domain, citizens(1))
    later = datetime.now(UTC) + timedelta(minutes=5)
    deadline = f"{later:%Y-%m-%dT%H:%M:%SZ}"
    execution_arn = start_until(stack, wave_id, deadline)
    try:
        # When it is started again (another import the same day): the same execution
        assert start_until(stack, wave_id, deadline) == execution_arn
        # and with another deadline, refused: a wave has one deadline
        sfn = boto3.client("stepfunctions")
        with pytest.raises(sfn.exceptions.ExecutionAlreadyExists):
            start_until(stack, wave_id, f"{later + timedelta(days=1):%Y-%m-%dT%H:%M:%SZ}")
    finally:
        boto3.client("stepfunctions").stop_execution(executionArn=execution_arn)


def test_the_scheduler_starts_a_timer_the_wait_state_accepts(
    stack: LocalStack, domain: Domain
) -> None:
    wave_id = enroll(domain, citizens(1))
    wave = domain.timer.store.get_wave(wave_id)
    assert wave is not None
    soon = wave.model_copy(update={"deadline": datetime.now(UTC) + timedelta(seconds=1)})

    StepFunctionsWaves(stack.ref("WaveStateMachine")).schedule(soon)

    arn = stack.ref("WaveStateMachine").replace(":stateMachine:", ":execution:") + f":{wave_id}"
    described = finished(arn)
    assert described["status"] == "SUCCEEDED", described.get("cause")
