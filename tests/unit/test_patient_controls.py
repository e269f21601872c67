"""The patient's controls (issue 4) as medical-file use cases on in-memory fakes: the care record
read and changed at the version the patient read, each change traced, the rules' refusals."""

from datetime import timedelta

import pytest

from healthspace.care.matrices import Profession
from healthspace.care.record import FULL
from healthspace.kernel.errors import (
    BadRequest,
    BlockConflict,
    Forbidden,
    InvalidIdentifier,
    PreconditionFailed,
)
from healthspace.records.access import Access
from healthspace.records.model import Action, Category, Role, Section
from tests.unit.test_care_access import rpps

DOCTOR, NURSE, OTHER = rpps(1), rpps(2), rpps(3)


@pytest.fixture
def holder(medical_file, alice, spaces):
    return medical_file.spaces.policy.resolve(alice, None)


def test_a_space_without_a_record_has_the_defaults_and_reading_it_is_not_traced(
    medical_file, store, holder
):
    record = medical_file.controls.care_record(holder)
    assert record.version == 0
    assert record.to_api() == {
        "version": 0,
        "emergency_access": True,
        "mask_by_default": False,
        "blocked": [],
        "treating_doctor": None,
        "team": [],
    }
    assert store.log == []


def test_a_change_is_written_at_the_next_version_with_its_access_log_entry(
    medical_file, store, holder, alice
):
    before = len(store.log)
    record = medical_file.controls.change_settings(holder, 0, emergency_access=False)
    assert (record.version, record.settings.emergency_access) == (1, False)
    assert record.settings.mask_by_default is False  # untouched
    assert medical_file.controls.care_record(holder) == record
    [entry] = store.log[before:]
    assert (entry.action, entry.object.type, entry.object.id) == (
        Action.UPDATE,
        "care/settings",
        None,
    )
    assert (entry.actor.id, entry.role, entry.space_id) == (
        alice.subject,
        Role.HOLDER,
        holder.space_id,
    )


def test_a_change_from_a_stale_read_is_refused_and_changes_nothing(medical_file, store, holder):
    """Given two screens that read version 0, when the first saves, then the second's change
    (made on what it read) is refused: reload and try again."""
    medical_file.controls.block_professional(holder, OTHER, 0)
    logged = len(store.log)
    with pytest.raises(PreconditionFailed):
        medical_file.controls.change_settings(holder, 0, mask_by_default=True)
    with pytest.raises(PreconditionFailed):
        medical_file.controls.unblock_professional(holder, OTHER, 5)
    record = medical_file.controls.care_record(holder)
    assert (record.version, record.settings.mask_by_default) == (1, False)
    assert record.settings.blocked == {OTHER}
    assert len(store.log) == logged


def test_the_store_refuses_a_write_at_a_version_it_no_longer_holds(medical_file, store, holder):
    """The store's conditional write is the last line: a record computed from a stale read (an
    eventually consistent GetItem) cannot overwrite a newer one."""
    stale = medical_file.controls.care_record(holder)
    medical_file.controls.change_settings(holder, 0, emergency_access=False)
    audit = medical_file.history.entry(holder, Action.UPDATE, "care/settings")
    with pytest.raises(PreconditionFailed):
        store.put_care_record(stale.model_copy(update={"version": 1}), 0, audit)
    assert medical_file.controls.care_record(holder).settings.emergency_access is False


def test_the_treating_doctor_is_designated_ended_and_only_then_blocked(medical_file, holder, clock):
    record = medical_file.controls.designate_treating_doctor(holder, DOCTOR, 0)
    assert record.team.treating_doctor is not None
    assert (record.team.treating_doctor.rpps, record.team.treating_doctor.designated_at) == (
        DOCTOR,
        clock.now(),
    )
    with pytest.raises(BlockConflict, match="end the designation first"):
        medical_file.controls.block_professional(holder, DOCTOR, 1)
    assert medical_file.controls.care_record(holder).version == 1  # the refusal wrote nothing
    record = medical_file.controls.end_treating_doctor(holder, 1)
    record = medical_file.controls.block_professional(holder, DOCTOR, record.version)
    assert record.team.treating_doctor is None and record.settings.blocked == {DOCTOR}
    with pytest.raises(BlockConflict, match="unblock them first"):
        medical_file.controls.designate_treating_doctor(holder, DOCTOR, record.version)


def test_only_a_medecin_can_be_the_treating_doctor(medical_file, holder):
    with pytest.raises(BadRequest, match="médecin"):
        medical_file.controls.designate_treating_doctor(holder, NURSE, 0, Profession.INFIRMIER)


@pytest.mark.parametrize(
    ("listed", "claimed", "accepted"),
    [
        ("21", Profession.MEDECIN, False),  # a pharmacist, whatever the client says
        ("31", Profession.MEDECIN, False),  # a profession the care rules do not know
        ("10", Profession.INFIRMIER, True),  # a médecin, whatever the client says
        (None, Profession.MEDECIN, True),  # not in the directory (yet): the client's word
        (None, Profession.INFIRMIER, False),
    ],
)
def test_the_treating_doctors_profession_is_the_directorys(
    medical_file, holder, listed, claimed, accepted
):
    from healthspace.care.controls import PatientControls
    from healthspace.directory.lookup import Directory
    from healthspace.directory.model import DirectoryEntry
    from tests.fakes import FakeDirectory

    directory = FakeDirectory()
    if listed:
        entry = DirectoryEntry(
            rpps=DOCTOR, given_name="Ana", family_name="Roy", profession_code=listed,
            profession="Profession",
        )  # fmt: skip
        directory.write([(None, entry)])
    base = medical_file.controls
    controls = PatientControls(base.store, base.log, base.clock, Directory(directory))
    if accepted:
        record = controls.designate_treating_doctor(holder, DOCTOR, 0, claimed)
        assert record.team.treating_doctor and record.team.treating_doctor.rpps == DOCTOR
    else:
        with pytest.raises(BadRequest, match="médecin"):
            controls.designate_treating_doctor(holder, DOCTOR, 0, claimed)


def test_a_team_member_gets_a_scope_until_an_expiry_and_loses_it_when_revoked(
    medical_file, store, holder, clock
):
    until = clock.now() + timedelta(days=30)
    scope = frozenset({Category.BIOLOGY, Section.VACCINATIONS})
    record = medical_file.controls.grant_access(holder, NURSE, scope, 0, until)
    grant = record.team.grants[NURSE]
    assert (grant.kind.value, grant.scope, grant.expires_at) == ("TEAM", scope, until)
    assert record.to_api()["team"] == [
        {
            "rpps": NURSE,
            "kind": "TEAM",
            "granted_at": clock.now().isoformat().replace("+00:00", "Z"),
            "expires_at": until.isoformat().replace("+00:00", "Z"),
            "scope": ["biology", "vaccinations"],
        }
    ]
    record = medical_file.controls.grant_access(holder, DOCTOR, FULL, 1)
    assert record.team.grants[DOCTOR].scope == FULL
    record = medical_file.controls.revoke_access(holder, NURSE, 2)
    assert list(record.team.grants) == [DOCTOR]
    assert [(e.action, e.object.type, e.object.id) for e in store.log[-3:]] == [
        (Action.UPDATE, "care/team", NURSE),
        (Action.UPDATE, "care/team", DOCTOR),
        (Action.DELETE, "care/team", NURSE),
    ]


def test_a_grant_must_end_in_the_future(medical_file, holder, clock):
    with pytest.raises(BadRequest, match="expires_at must be after granted_at"):
        medical_file.controls.grant_access(holder, NURSE, FULL, 0, clock.now() - timedelta(days=1))
    assert medical_file.controls.care_record(holder).version == 0


def test_blocking_keeps_the_grant_and_refuses_a_new_one(medical_file, holder):
    medical_file.controls.grant_access(holder, NURSE, FULL, 0)
    record = medical_file.controls.block_professional(holder, NURSE, 1)
    assert NURSE in record.team.grants and record.settings.blocked == {NURSE}
    with pytest.raises(BlockConflict):
        medical_file.controls.grant_access(holder, NURSE, FULL, 2)
    record = medical_file.controls.unblock_professional(holder, NURSE, 2)
    assert record.settings.blocked == frozenset() and NURSE in record.team.grants


def test_an_rpps_failing_its_check_digit_is_refused(medical_file, holder):
    bad = DOCTOR[:-1] + str((int(DOCTOR[-1]) + 1) % 10)
    for change in (
        lambda: medical_file.controls.block_professional(holder, bad, 0),
        lambda: medical_file.controls.grant_access(holder, bad, FULL, 0),
        lambda: medical_file.controls.designate_treating_doctor(holder, bad, 0),
    ):
        with pytest.raises(InvalidIdentifier):
            change()


def test_a_representative_manages_the_childs_record_apart_from_their_own(
    medical_file, store, alice, spaces, holder
):
    child = medical_file.spaces.policy.resolve(alice, spaces["child"].space_id)
    medical_file.controls.change_settings(child, 0, mask_by_default=True)
    assert medical_file.controls.care_record(child).settings.mask_by_default is True
    assert medical_file.controls.care_record(holder).version == 0
    assert store.log[-1].role is Role.LEGAL_REPRESENTATIVE


def test_nobody_but_the_holder_and_representatives_reads_or_changes_the_record(
    medical_file, holder
):
    professional = Access(caller=holder.caller, space_id=holder.space_id, role=Role.PROFESSIONAL)
    with pytest.raises(Forbidden):
        medical_file.controls.care_record(professional)
    with pytest.raises(Forbidden):
        medical_file.controls.change_settings(professional, 0, emergency_access=False)
    assert medical_file.controls.care_record(holder).version == 0
