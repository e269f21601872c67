"""The home page's news, on in-memory fakes and a clock the test moves: what is new is new since
the end of the previous visit; a visit goes on while the person comes back within 30 minutes;
each person has their own visits of each space."""

from __future__ import annotations

from datetime import date

import pytest

from healthspace.kernel.errors import Forbidden
from healthspace.kernel.identifiers import make_ins
from healthspace.records.access import Access, Caller
from healthspace.records.model import Action, Author, Holder, Role
from healthspace.records.news import NextStep
from healthspace.wiring.compose import compose_medical_file
from tests.fakes import FakeBlobs, FakeClock, FakeKeys, FakeStore, SequentialIds

PARENT_INS, CHILD_INS = make_ins("1791175112045"), make_ins("2160375112045")
DOCTOR = Author.professional("10100123453", "Dr Sophie Leclerc")


@pytest.fixture
def world():
    clock = FakeClock()
    file = compose_medical_file(FakeStore(), FakeBlobs(), FakeKeys(), clock, SequentialIds())
    holder = Holder(given_name="Julien", family_name="Bernard", birth_date=date(1979, 11, 2))
    own = file.spaces.open_space(PARENT_INS, holder)
    child = file.spaces.open_space(
        CHILD_INS,
        Holder(given_name="Léa", family_name="Bernard", birth_date=date(2016, 3, 21)),
        {PARENT_INS: Role.LEGAL_REPRESENTATIVE},
    )
    caller = Caller(subject="sub-julien", ins=PARENT_INS, display_name="Julien Bernard")
    return file, clock, caller, own, child


def act(file, space, actor=DOCTOR, reason=None):
    file.store.append_access_log(
        file.history.entry_of(
            space.space_id,
            actor,
            Role.PROFESSIONAL,
            Action.READ,
            "document-list",
            emergency_reason=reason,
        )
    )


def test_news_starts_where_the_previous_visit_ended(world):
    file, clock, caller, own, _ = world
    access = file.spaces.policy.resolve(caller, own.space_id)
    act(file, own)  # before the first visit: within its 30 days
    assert [v.count for v in file.news.since_last_visit(access, True).accesses] == [1]

    clock.advance(minutes=10)  # the same visit: the same news, and one act more
    act(file, own)
    assert [v.count for v in file.news.since_last_visit(access, True).accesses] == [2]
    visit_end = clock.now()

    clock.advance(hours=2)  # away two hours: a new visit, since the last one ended
    act(file, own, reason="urgence")
    digest = file.news.since_last_visit(access, True)
    assert (digest.since, digest.first_visit) == (visit_end, False)
    [doctor] = digest.accesses
    assert (doctor.count, doctor.emergency_reason) == (1, "urgence")
    assert digest.next_steps[0] is NextStep.REVIEW_EMERGENCY_ACCESS


def test_each_space_has_its_own_visit(world):
    file, clock, caller, own, child = world
    file.news.since_last_visit(file.spaces.policy.resolve(caller, own.space_id), True)
    clock.advance(hours=2)
    digest = file.news.since_last_visit(file.spaces.policy.resolve(caller, child.space_id), True)
    assert digest.first_visit is True


def test_break_glass_accesses_come_first(world):
    file, clock, caller, own, _ = world
    other = Author.professional("10100678902", "Karim Benali")
    act(file, own, other, reason="inconscient")
    clock.advance(minutes=1)
    act(file, own)  # later, but no emergency
    digest = file.news.since_last_visit(file.spaces.policy.resolve(caller, own.space_id), True)
    assert [v.actor.display_name for v in digest.accesses] == ["Karim Benali", "Dr Sophie Leclerc"]


def test_a_professional_has_no_news(world):
    file, _, _, own, _ = world
    pro = Access(caller=DOCTOR_CALLER, space_id=own.space_id, role=Role.PROFESSIONAL)
    with pytest.raises(Forbidden):
        file.news.since_last_visit(pro, True)


class _Pro:
    as_author = DOCTOR
    via = None


DOCTOR_CALLER = _Pro()
