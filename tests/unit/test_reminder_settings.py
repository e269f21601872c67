"""A space's reminder settings (healthspace.agenda.reminders.ReminderSettingsUseCase): read and
changed by the holder or a legal representative, traced, with the channels the enrollment's
contact offers."""

from __future__ import annotations

from datetime import date

import pytest

from healthspace.agenda.reminder_model import REMINDERS_OBJECT, Lead, ReminderChannel
from healthspace.agenda.reminders import ReminderSettingsUseCase
from healthspace.enrollment.model import Contact
from healthspace.kernel.errors import BadRequest, Forbidden, PreconditionFailed, SpaceClosed
from healthspace.records.access import Access
from healthspace.records.model import Action, Role, SpaceStatus
from tests.fakes import FakeEnrollmentStore
from tests.reminder_fakes import FakeAgenda, FakeReminderStore
from tests.unit.conftest import ALICE_INS, CHILD_INS
from tests.unit.test_notices import enrollment


@pytest.fixture
def use_case(medical_file, store) -> ReminderSettingsUseCase:
    contacts = FakeEnrollmentStore(store)
    alice = enrollment(ALICE_INS, "Alice", date(1985, 6, 1), "alice@example.org")
    contacts.enrollments[ALICE_INS] = alice.model_copy(
        update={"recipient": Contact(email="alice@example.org", mobile="0612345678")}
    )
    contacts.enrollments[CHILD_INS] = enrollment(CHILD_INS, "Léa", date(2015, 6, 1), "a@b.fr")
    return ReminderSettingsUseCase(
        store=FakeReminderStore(FakeAgenda(), store),
        spaces=store,
        contacts=contacts,
        log=medical_file.history,
        clock=medical_file.clock,
    )


@pytest.fixture
def own(medical_file, spaces, alice) -> Access:
    return medical_file.spaces.policy.resolve(alice, spaces["alice"].space_id)


@pytest.fixture
def childs(medical_file, spaces, alice) -> Access:
    return medical_file.spaces.policy.resolve(alice, spaces["child"].space_id)


def test_a_space_never_set_has_no_reminder_and_reads_are_traced(use_case, own, store) -> None:
    choice = use_case.read(own)
    assert choice.settings.leads == () and choice.settings.version == 0
    assert choice.channels == (ReminderChannel.EMAIL, ReminderChannel.SMS)
    [entry] = [e for e in store.log if e.object.type == REMINDERS_OBJECT]
    assert entry.action is Action.READ and entry.space_id == own.space_id


def test_changing_keeps_each_lead_time_once_longest_first_and_traces_it(
    use_case, own, store
) -> None:
    leads = (Lead.PT1H, Lead.P1D, Lead.PT1H)
    changed = use_case.change(own, leads, ReminderChannel.SMS, False, expected_version=0)
    assert changed.settings.leads == (Lead.P1D, Lead.PT1H)
    assert (changed.settings.channel, changed.settings.prevention) == (ReminderChannel.SMS, False)
    assert use_case.read(own).settings == changed.settings
    updates = [e for e in store.log if e.action is Action.UPDATE]
    assert [e.object.type for e in updates] == [REMINDERS_OBJECT]


def test_a_stale_version_is_refused_and_none_means_whatever_is_stored(use_case, own) -> None:
    use_case.change(own, (Lead.P1D,), ReminderChannel.EMAIL, True, expected_version=0)
    with pytest.raises(PreconditionFailed):
        use_case.change(own, (Lead.PT1H,), ReminderChannel.EMAIL, True, expected_version=0)
    again = use_case.change(own, (Lead.PT1H,), ReminderChannel.EMAIL, True, None)
    assert again.settings.version == 2


def test_a_channel_the_contact_lacks_is_refused_unless_no_reminder_is_asked(
    use_case, childs
) -> None:
    """Léa's contact (her representative's) has an email and no mobile."""
    assert use_case.read(childs).channels == (ReminderChannel.EMAIL,)
    with pytest.raises(BadRequest, match="SMS"):
        use_case.change(childs, (Lead.P1D,), ReminderChannel.SMS, True, None)
    none = use_case.change(childs, (), ReminderChannel.SMS, True, None)
    assert none.settings.leads == ()


def test_only_the_holder_or_a_representative_chooses(use_case, own) -> None:
    other = Access(caller=own.caller, space_id=own.space_id, role=Role.PROFESSIONAL)
    with pytest.raises(Forbidden):
        use_case.read(other)
    with pytest.raises(Forbidden):
        use_case.change(other, (), ReminderChannel.EMAIL, True, None)


def test_a_closed_space_changes_nothing(use_case, own, store) -> None:
    space = store.spaces[own.space_id]
    store.spaces[own.space_id] = space.model_copy(update={"status": SpaceStatus.CLOSED})
    with pytest.raises(SpaceClosed):
        use_case.change(own, (Lead.P1D,), ReminderChannel.EMAIL, True, None)
