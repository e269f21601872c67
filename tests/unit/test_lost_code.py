"""A lost code (Enrollments.reissue_code) and the code's deadline, to the second: who gets a new
code, what the history records, and which attempts the lock-out counts."""

from datetime import date

import pytest

from healthspace.enrollment.enrollments import CodeRefused
from healthspace.enrollment.model import Channel
from healthspace.kernel.identifiers import make_ins
from tests.unit.test_enrollment import PARENT, World


@pytest.fixture
def world():
    world = World()
    world.enroll(PARENT)
    return world


def attempts(world):
    return sum(count for count, _ in world.store.attempts.values())


def test_a_new_code_is_recorded_in_the_persons_history(world):
    before = world.store.get_enrollment(PARENT.ins)
    world.clock.advance(days=2)
    world.enrollments.reissue_code(PARENT.ins, PARENT.birth_date, "5678")
    after = world.store.get_enrollment(PARENT.ins)
    assert after.code_issued_at == world.clock.now()
    assert after.version == before.version + 1  # a copy read before it can no longer be written
    reissued = [entry for entry in world.store.log if entry.action == "CODE_REISSUED"]
    assert [(e.ins, e.actor, e.channel, e.at) for e in reissued] == [
        (PARENT.ins, "self", Channel.EMAIL, world.clock.now())
    ]


def test_the_second_factor_may_be_typed_with_spaces(world):
    old = world.code(PARENT)
    world.enrollments.reissue_code(PARENT.ins, PARENT.birth_date, " 56 78 ")
    assert world.code(PARENT) != old


@pytest.mark.parametrize("case", ["wrong birth date", "opposed", "at the deadline"])
def test_no_new_code_when_a_detail_does_not_hold_and_the_attempt_counts(world, case):
    birth_date = PARENT.birth_date
    if case == "wrong birth date":
        birth_date = date(1981, 1, 1)
    elif case == "opposed":
        world.enrollments.oppose(PARENT.ins, PARENT.birth_date, world.code(PARENT))
    else:
        world.clock.current = world.store.get_enrollment(PARENT.ins).deadline
    code, counted = world.code(PARENT), attempts(world)
    world.enrollments.reissue_code(PARENT.ins, birth_date, "5678")
    assert world.code(PARENT) == code
    assert attempts(world) == counted + 1


def test_an_unknown_person_gets_the_same_silence_and_the_attempt_counts(world):
    world.enrollments.reissue_code(make_ins("1990175999999"), date(1999, 1, 1), "5678")
    assert attempts(world) == 1


def test_the_code_works_until_its_deadline_and_not_at_it(world):
    world.clock.current = world.store.get_enrollment(PARENT.ins).deadline
    with pytest.raises(CodeRefused):
        world.enrollments.oppose(PARENT.ins, PARENT.birth_date, world.code(PARENT))
