"""A professional's patient references (issue 10, item 9): the INS resolved once, in a body,
into an opaque reference for URLs. Who gets one, what it opens, and for whom."""

import re

import pytest

from healthspace.care.access import REFERENCE_LIFETIME, REFERENCE_PATTERN, reference_digest
from healthspace.care.matrices import Profession
from healthspace.care.rules import Relationship
from healthspace.kernel.errors import CareAccessRefused, SpaceClosed, UnknownPatientReference
from healthspace.kernel.identifiers import make_ins
from healthspace.records.model import SpaceStatus
from tests.unit.conftest import ALICE_INS
from tests.unit.test_professional_access import DOCTOR, NURSE, STRANGER, pro


@pytest.fixture
def holder(medical_file, alice, spaces):
    return medical_file.spaces.policy.resolve(alice, None)


def test_the_treating_doctor_gets_a_reference_that_opens_the_file_under_the_rules(
    medical_file, holder, store, clock
):
    # Given Alice's treating doctor
    medical_file.controls.designate_treating_doctor(holder, DOCTOR, 0)
    # When the doctor resolves her INS
    referred = medical_file.professionals.refer(pro(DOCTOR), ALICE_INS)
    # Then the reference is opaque (not the INS, not stored in clear) and lasts a working day
    assert referred.reference != ALICE_INS and ALICE_INS not in referred.reference
    assert re.fullmatch(REFERENCE_PATTERN, referred.reference)
    assert referred.expires_at == clock.now() + REFERENCE_LIFETIME
    assert referred.reference not in store.references
    assert reference_digest(referred.reference) in store.references
    assert referred.opened.decision.relationship is Relationship.TREATING
    # and it opens her file, decided again by the care rules
    opened = medical_file.professionals.open_reference(pro(DOCTOR), referred.reference)
    assert (opened.space_id, opened.decision.relationship) == (
        holder.space_id,
        Relationship.TREATING,
    )


def test_two_resolutions_give_two_references(medical_file, holder):
    medical_file.controls.designate_treating_doctor(holder, DOCTOR, 0)
    first = medical_file.professionals.refer(pro(DOCTOR), ALICE_INS).reference
    second = medical_file.professionals.refer(pro(DOCTOR), ALICE_INS).reference
    assert first != second  # random, not derived from the INS or the professional


def test_no_reference_without_a_relationship_or_for_an_unknown_patient(medical_file, holder):
    with pytest.raises(CareAccessRefused) as refused:
        medical_file.professionals.refer(pro(STRANGER), ALICE_INS)
    assert refused.value.code == "NO_RELATIONSHIP"
    with pytest.raises(CareAccessRefused) as unknown:
        medical_file.professionals.refer(pro(STRANGER), make_ins("1991299999999"))
    assert (unknown.value.code, unknown.value.message) == ("NO_RELATIONSHIP", refused.value.message)


def test_break_glass_gives_a_reference_and_each_read_must_break_it_again(medical_file, holder):
    referred = medical_file.professionals.refer(pro(STRANGER), ALICE_INS, "unconscious")
    assert referred.opened.decision.relationship is Relationship.EMERGENCY
    opened = medical_file.professionals.open_reference(
        pro(STRANGER), referred.reference, "unconscious"
    )
    assert opened.decision.relationship is Relationship.EMERGENCY
    with pytest.raises(CareAccessRefused) as without_reason:
        medical_file.professionals.open_reference(pro(STRANGER), referred.reference)
    assert without_reason.value.code == "NO_RELATIONSHIP"


def test_a_reference_is_its_professionals_only(medical_file, holder):
    medical_file.controls.designate_treating_doctor(holder, DOCTOR, 0)
    medical_file.controls.grant_access(holder, NURSE, "full", 1)
    reference = medical_file.professionals.refer(pro(DOCTOR), ALICE_INS).reference
    # The nurse may open Alice's file, but not with the doctor's reference
    nurse = pro(NURSE, Profession.INFIRMIER)
    with pytest.raises(UnknownPatientReference):
        medical_file.professionals.open_reference(nurse, reference)


def test_a_reference_expires_and_an_unknown_one_answers_alike(medical_file, holder, clock):
    medical_file.controls.designate_treating_doctor(holder, DOCTOR, 0)
    reference = medical_file.professionals.refer(pro(DOCTOR), ALICE_INS).reference
    clock.advance(seconds=REFERENCE_LIFETIME.total_seconds() - 1)
    medical_file.professionals.open_reference(pro(DOCTOR), reference)  # still valid
    clock.advance(seconds=1)
    with pytest.raises(UnknownPatientReference) as expired:
        medical_file.professionals.open_reference(pro(DOCTOR), reference)
    with pytest.raises(UnknownPatientReference) as unknown:
        medical_file.professionals.open_reference(pro(DOCTOR), "A" * 24)
    assert expired.value.message == unknown.value.message
    assert expired.value.status == 404


def test_the_care_rules_are_asked_on_every_request(medical_file, holder):
    # Given a reference the doctor got while designated
    medical_file.controls.designate_treating_doctor(holder, DOCTOR, 0)
    reference = medical_file.professionals.refer(pro(DOCTOR), ALICE_INS).reference
    # When the patient ends the designation and blocks the doctor
    medical_file.controls.end_treating_doctor(holder, 1)
    medical_file.controls.block_professional(holder, DOCTOR, 2)
    # Then the reference opens nothing
    with pytest.raises(CareAccessRefused) as blocked:
        medical_file.professionals.open_reference(pro(DOCTOR), reference)
    assert blocked.value.code == "BLOCKED"


def test_a_closed_space_tells_its_closure_only_to_whom_the_patient_let_in(
    medical_file, holder, store, spaces
):
    """A reference taken before the closure, and the INS named after it: the treating doctor
    learns the space is closed (SPACE_CLOSED); a stranger, with or without break-glass, is
    answered as for a patient without a space (NO_RELATIONSHIP): nothing tells them of it."""
    medical_file.controls.designate_treating_doctor(holder, DOCTOR, 0)
    reference = medical_file.professionals.refer(pro(DOCTOR), ALICE_INS).reference
    space = store.spaces[holder.space_id]
    store.spaces[holder.space_id] = space.model_copy(update={"status": SpaceStatus.CLOSED})
    with pytest.raises(SpaceClosed):
        medical_file.professionals.open_reference(pro(DOCTOR), reference)
    with pytest.raises(SpaceClosed):
        medical_file.professionals.refer(pro(DOCTOR), ALICE_INS)
    for reason in (None, "patient inconscient"):
        with pytest.raises(CareAccessRefused) as stranger:
            medical_file.professionals.refer(pro(STRANGER), ALICE_INS, reason)
        assert stranger.value.code == "NO_RELATIONSHIP"
