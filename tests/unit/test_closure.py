"""Closing a space (healthspace.lifecycle) on in-memory fakes: who may close, with how recent a
sign-in, what the closure records, that it is idempotent and safe under races, and that from
then on the access policy, the professionals' door, the holds' releases and the notices refuse
or skip the space."""

from datetime import UTC, datetime, timedelta

import pytest

from healthspace.kernel.errors import (
    CareAccessRefused,
    Conflict,
    Forbidden,
    NotFound,
    ReauthenticationRequired,
    SpaceClosed,
)
from healthspace.kernel.settings import LifecycleSettings, SettingsError
from healthspace.lifecycle.closures import Closures
from healthspace.lifecycle.model import CLOSURE_OBJECT, RETENTION_YEARS, add_years
from healthspace.notices.patient import Outcome
from healthspace.records.access import Caller
from healthspace.records.model import Action, DocumentFilter, Role, SpaceStatus
from tests.fakes import FakeClosures
from tests.unit.conftest import ALICE_INS, CHILD_INS
from tests.unit.test_announcement_holds import DOCTOR, deposit, pro
from tests.unit.test_announcement_holds import child as child  # the fixture
from tests.unit.test_notices import world as world  # the fixture
from tests.unit.test_professional_access import STRANGER


@pytest.fixture
def closures_store(store):
    return FakeClosures(store)


@pytest.fixture
def closures(medical_file, closures_store, clock):
    return Closures(closures_store, medical_file.spaces.policy, medical_file.history, clock)


def just_now(clock, minutes: float = 1) -> datetime:
    return clock.now() - timedelta(minutes=minutes)


def closure_entries(store, space_id: str) -> list:
    return [e for e in store.log if e.space_id == space_id and e.object.type == CLOSURE_OBJECT]


def test_the_holder_closes_their_space_and_the_closure_records_when_by_whom_and_until_when(
    closures, store, clock, spaces, alice
):
    space = spaces["alice"]
    state = closures.close(alice, None, just_now(clock))

    assert state.status is SpaceStatus.CLOSED and state.closed_now
    closure = state.closure
    assert closure.closed_at == clock.now()
    assert (closure.closed_by.role, closure.closed_by.id) == (Role.HOLDER, alice.subject)
    assert closure.purge_after == datetime(2036, 11, 28, 9, 0, tzinfo=UTC)  # ten years on
    stored = store.spaces[space.space_id]
    assert (stored.status, stored.version) == (SpaceStatus.CLOSED, space.version + 1)
    # In the space's history, by its holder; the answer names a role, no id, no health data
    [entry] = closure_entries(store, space.space_id)
    assert (entry.actor.id, entry.role, entry.action) == (alice.subject, Role.HOLDER, Action.UPDATE)
    assert state.to_api() == {
        "space_id": space.space_id,
        "status": "CLOSED",
        "closed_at": "2026-11-28T09:00:00+00:00",
        "closed_by": {"role": "HOLDER"},
        "reason": "REQUEST",
        "purge_after": "2036-11-28T09:00:00+00:00",
    }


def test_closing_a_closed_space_answers_the_same_closure_and_changes_nothing(
    closures, store, clock, spaces, alice
):
    first = closures.close(alice, None, just_now(clock))
    stored = store.spaces[spaces["alice"].space_id]
    clock.advance(hours=2)  # the sign-in is old by now: a replay still answers

    again = closures.close(alice, None, just_now(clock, 90))

    assert again.closure == first.closure and not again.closed_now
    assert store.spaces[stored.space_id] == stored
    assert len(closure_entries(store, stored.space_id)) == 1
    assert closures.state(alice, None) == again


@pytest.mark.parametrize(
    "signed_in",
    [None, timedelta(minutes=-6), timedelta(days=-1), timedelta(minutes=5)],
    ids=["no auth_time", "6 minutes ago", "yesterday", "in the future"],
)
def test_closing_needs_a_sign_in_within_the_last_minutes(
    closures, store, clock, spaces, alice, signed_in
):
    before = (dict(store.spaces), len(store.log))
    at = None if signed_in is None else clock.now() + signed_in
    with pytest.raises(ReauthenticationRequired) as refused:
        closures.close(alice, None, at)
    assert refused.value.status == 401 and refused.value.code == "REAUTHENTICATION_REQUIRED"
    assert (dict(store.spaces), len(store.log)) == before
    assert closures.close(alice, None, just_now(clock, 4.9)).closed_now  # within 5 minutes


def test_the_window_is_a_setting(closures, clock, spaces, alice):
    assert LifecycleSettings.from_env({"ARCHIVE_BUCKET": "archive"}).reauthentication_minutes == 5
    assert (
        LifecycleSettings.from_env(
            {"ARCHIVE_BUCKET": "archive", "REAUTHENTICATION_MINUTES": "10"}
        ).reauthentication_minutes
        == 10
    )
    for wrong in ("0", "61", "five"):
        with pytest.raises(SettingsError, match="REAUTHENTICATION_MINUTES"):
            LifecycleSettings.from_env(
                {"ARCHIVE_BUCKET": "archive", "REAUTHENTICATION_MINUTES": wrong}
            )
    closures.reauthentication = timedelta(minutes=10)
    assert closures.close(alice, None, just_now(clock, 9)).closed_now


def test_a_closed_space_refuses_every_access_of_its_holders_side_but_its_closure(
    closures, medical_file, clock, spaces, alice, bob
):
    closures.close(alice, None, just_now(clock))
    with pytest.raises(SpaceClosed) as refused:
        medical_file.spaces.policy.resolve(alice, None)
    assert (refused.value.status, refused.value.code) == (403, "SPACE_CLOSED")
    # The child's space she represents is not closed; Bob's neither
    child = medical_file.spaces.policy.resolve(alice, spaces["child"].space_id)
    medical_file.documents.list_documents(child, DocumentFilter(), 10, None)
    medical_file.spaces.policy.resolve(bob, None)
    # What the website shows: GET /me's status, and the closure
    assert medical_file.spaces.me(alice)["space"]["status"] == "CLOSED"
    assert closures.state(alice, None).status is SpaceStatus.CLOSED
    # Another patient cannot read it, nor close it, by naming it
    for act in (
        lambda: closures.state(bob, spaces["alice"].space_id),
        lambda: closures.close(bob, spaces["alice"].space_id, just_now(clock)),
    ):
        with pytest.raises(NotFound):
            act()


def test_a_legal_representative_closes_a_childs_space_not_an_adults(
    closures, closures_store, medical_file, store, clock, spaces, alice
):
    child_space = spaces["child"].space_id
    lea = Caller(subject="sub-lea", ins=CHILD_INS, display_name="Léa Martin")
    state = closures.close(alice, child_space, just_now(clock))
    assert state.closure.closed_by.role is Role.LEGAL_REPRESENTATIVE
    for who in (alice, lea):  # the parent, and the child herself
        with pytest.raises(SpaceClosed):
            medical_file.spaces.policy.resolve(who, child_space)
    assert closures.state(lea, None).status is SpaceStatus.CLOSED
    # Léa is 18 on 1 June 2033: her parent may no longer close her space then (reopened by
    # hand here: reopening comes with the archive)
    store.spaces[child_space] = store.spaces[child_space].model_copy(
        update={"status": SpaceStatus.ACTIVE}
    )
    del closures_store.closures[child_space]
    clock.current = datetime(2033, 6, 1, 8, tzinfo=UTC)
    with pytest.raises(Forbidden):
        closures.close(alice, child_space, just_now(clock))
    assert closures.close(lea, None, just_now(clock)).closed_now


def test_of_two_closures_racing_one_writes_and_the_other_answers_it(
    closures, closures_store, medical_file, store, clock, spaces, alice
):
    """The second closure reads the space ACTIVE, then the first commits before its write: its
    conditional write fails, it reads the space again and answers the first's closure."""
    space_id = spaces["alice"].space_id
    rival = Closures(closures_store, medical_file.spaces.policy, medical_file.history, clock)

    def the_rival_closes_first():
        closures_store.before_write = None
        rival.close(alice, None, just_now(clock))

    closures_store.before_write = the_rival_closes_first
    state = closures.close(alice, None, just_now(clock))

    assert not state.closed_now and state.closure == closures_store.closures[space_id]
    assert len(closure_entries(store, space_id)) == 1


def test_a_data_key_stored_meanwhile_is_kept(
    closures, closures_store, medical_file, store, clock, spaces, alice
):
    space = spaces["alice"]

    def a_first_document_stores_the_key():
        closures_store.before_write = None
        medical_file.spaces.space_key(store.spaces[space.space_id])

    closures_store.before_write = a_first_document_stores_the_key
    assert closures.close(alice, None, just_now(clock)).closed_now
    stored = store.spaces[space.space_id]
    assert stored.status is SpaceStatus.CLOSED and stored.wrapped_key is not None


def test_a_space_that_keeps_changing_is_refused_not_closed_blindly(
    closures, closures_store, store, clock, spaces, alice
):
    space_id = spaces["alice"].space_id

    def someone_changes_it():
        stored = store.spaces[space_id]
        store.spaces[space_id] = stored.model_copy(update={"version": stored.version + 1})

    closures_store.before_write = someone_changes_it
    with pytest.raises(Conflict):
        closures.close(alice, None, just_now(clock))
    assert store.spaces[space_id].status is SpaceStatus.ACTIVE


def test_professionals_learn_of_the_closure_only_if_the_patient_had_let_them_in(
    closures, medical_file, clock, alice, child
):
    """A reference taken before and the INS named after: the treating doctor is told
    SPACE_CLOSED; a stranger, even breaking the glass, is answered as for no space."""
    reference = medical_file.professionals.refer(pro(DOCTOR), CHILD_INS).reference
    closures.close(alice, child["holder"].space_id, just_now(clock))
    with pytest.raises(SpaceClosed):
        medical_file.professionals.open_reference(pro(DOCTOR), reference)
    with pytest.raises(SpaceClosed):
        medical_file.professionals.open_for_professional(pro(DOCTOR), CHILD_INS)
    for reason in (None, "inconsciente"):
        with pytest.raises(CareAccessRefused) as refused:
            medical_file.professionals.open_for_professional(pro(STRANGER), CHILD_INS, reason)
        assert refused.value.code == "NO_RELATIONSHIP"
    from healthspace.care.record import FULL

    with pytest.raises(SpaceClosed):
        medical_file.professionals.record_consent(pro(DOCTOR), CHILD_INS, FULL)


def test_a_closed_spaces_holds_are_not_released(medical_file, closures, store, clock, alice, child):
    held = deposit(medical_file, "src-1", hold_for_announcement=True)
    closures.close(alice, child["holder"].space_id, just_now(clock))
    clock.advance(days=40)
    assert medical_file.holds.release_due_holds() == []
    assert store.get_document(child["holder"].space_id, held).hold.released_at is None


def test_nothing_more_is_told_for_a_closed_space(
    world, medical_file, closures, store, clock, alice
):
    notices, mailer, _, inbox, _ = world
    doctor = medical_file.professionals.open_for_professional(pro(DOCTOR), ALICE_INS)
    medical_file.profile.read(doctor)
    read = store.log[-1]
    closures.close(alice, None, just_now(clock))
    assert notices.tell(read) is Outcome.CLOSED
    assert mailer.sent == [] and inbox.notices == {}


def test_ten_years_of_archive_end_no_earlier_than_their_term():
    assert RETENTION_YEARS == 10
    leap = datetime(2028, 2, 29, 12, tzinfo=UTC)
    assert add_years(leap, 10) == datetime(2038, 3, 1, 12, tzinfo=UTC)
    assert add_years(datetime(2026, 3, 1, tzinfo=UTC), 10) == datetime(2036, 3, 1, tzinfo=UTC)
