"""A professional records the patient's consent to their access (GrantKind.CONSENT), as
medical-file use cases on in-memory fakes: what it opens, what it may never override, and what
the patient sees and undoes."""

from datetime import timedelta

import pytest

from healthspace.care.record import FULL, GrantKind
from healthspace.care.rules import Relationship
from healthspace.kernel.errors import BadRequest, CareAccessRefused, Conflict
from healthspace.kernel.identifiers import make_ins
from healthspace.records.model import Action, Category, Section, UploadStatus
from healthspace.records.uploads import upload_key
from tests.unit.conftest import ALICE_INS
from tests.unit.test_care_access import rpps
from tests.unit.test_medical_file import PDF
from tests.unit.test_professional_access import holder as holder  # the fixture
from tests.unit.test_professional_access import pro
from tests.unit.test_professional_uploads import REPORT

DOCTOR, NEW_DOCTOR = rpps(81), rpps(82)
LABS = frozenset({Category.BIOLOGY, Section.ALLERGIES})


def test_a_recorded_consent_opens_its_scope_for_a_year_and_the_patient_sees_it(
    medical_file, holder, store, clock
):
    # Given a doctor Alice never named: refused
    with pytest.raises(CareAccessRefused) as refused:
        medical_file.professionals.open_for_professional(pro(NEW_DOCTOR), ALICE_INS)
    assert refused.value.code == "NO_RELATIONSHIP"
    # When he records her consent to her lab results and allergies
    record = medical_file.professionals.record_consent(pro(NEW_DOCTOR), ALICE_INS, LABS)
    # Then he opens her file within that scope, for a year by default
    grant = record.team.grants[NEW_DOCTOR]
    assert (grant.kind, grant.scope, grant.expires_at) == (
        GrantKind.CONSENT,
        LABS,
        clock.now() + timedelta(days=365),
    )
    opened = medical_file.professionals.open_for_professional(pro(NEW_DOCTOR), ALICE_INS)
    assert opened.decision.relationship is Relationship.CONSENT
    assert opened.decision.readable == LABS
    # And Alice's history says who recorded it; her care record shows it, and she revokes it
    entry = store.log[-1]
    assert (entry.actor.id, entry.action, entry.object.type) == (
        f"rpps:{NEW_DOCTOR}",
        Action.CREATE,
        "care/consent",
    )
    assert medical_file.controls.care_record(holder).to_api()["team"][0]["kind"] == "CONSENT"
    medical_file.controls.revoke_access(holder, NEW_DOCTOR, record.version)
    with pytest.raises(CareAccessRefused):
        medical_file.professionals.open_for_professional(pro(NEW_DOCTOR), ALICE_INS)


def test_a_consent_ends_on_its_date(medical_file, holder, clock):
    medical_file.professionals.record_consent(
        pro(NEW_DOCTOR), ALICE_INS, FULL, clock.now() + timedelta(days=2)
    )
    clock.advance(days=2)
    with pytest.raises(CareAccessRefused) as refused:
        medical_file.professionals.open_for_professional(pro(NEW_DOCTOR), ALICE_INS)
    assert refused.value.code == "CONSENT_EXPIRED"


def test_what_the_patient_set_is_theirs_to_change(medical_file, holder, store):
    # Her treating doctor and her team's grants: a professional cannot widen them
    medical_file.controls.designate_treating_doctor(holder, DOCTOR, 0)
    medical_file.controls.grant_access(holder, NEW_DOCTOR, frozenset({Category.BIOLOGY}), 1)
    before = len(store.log)
    for number in (DOCTOR, NEW_DOCTOR):
        with pytest.raises(Conflict):
            medical_file.professionals.record_consent(pro(number), ALICE_INS, FULL)
    assert len(store.log) == before
    assert medical_file.controls.care_record(holder).team.grants[NEW_DOCTOR].kind is GrantKind.TEAM


def test_refused_as_the_care_rules_refuse(medical_file, holder, clock, store):
    medical_file.controls.block_professional(holder, NEW_DOCTOR, 0)
    before = len(store.log)
    with pytest.raises(CareAccessRefused) as blocked:
        medical_file.professionals.record_consent(pro(NEW_DOCTOR), ALICE_INS, FULL)
    assert blocked.value.code == "BLOCKED"
    with pytest.raises(CareAccessRefused) as unknown:  # no space: as no relationship
        medical_file.professionals.record_consent(pro(DOCTOR), make_ins("1790175999999"), FULL)
    assert unknown.value.code == "NO_RELATIONSHIP"
    with pytest.raises(BadRequest):  # a consent lasts a year at most
        medical_file.professionals.record_consent(
            pro(DOCTOR), ALICE_INS, FULL, clock.now() + timedelta(days=366)
        )
    assert len(store.log) == before


def test_a_recorded_consent_is_one_change_of_the_care_record_traced_to_its_professional(
    medical_file, holder, store
):
    before = medical_file.controls.care_record(holder).version
    record = medical_file.professionals.record_consent(pro(NEW_DOCTOR), ALICE_INS, LABS)
    assert record.version == before + 1 == medical_file.controls.care_record(holder).version
    assert (store.log[-1].object.type, store.log[-1].object.id) == ("care/consent", NEW_DOCTOR)


def test_a_consent_that_ends_before_the_file_arrives_files_nothing(
    medical_file, holder, blobs, store, clock
):
    medical_file.professionals.record_consent(
        pro(NEW_DOCTOR), ALICE_INS, FULL, clock.now() + timedelta(days=1)
    )
    opened = medical_file.professionals.open_for_professional(pro(NEW_DOCTOR), ALICE_INS)
    ticket = medical_file.uploads.start_upload(
        opened, REPORT, "cr.pdf", "application/pdf", len(PDF)
    )
    clock.advance(days=1)
    key = upload_key(opened.space_id, ticket.upload.upload_id)
    blobs.quarantine[key] = PDF
    assert medical_file.uploads.ingest(key, len(PDF)) is UploadStatus.REJECTED
    expired = "your access to this patient's file has expired: ask the patient"
    assert store.get_upload(opened.space_id, ticket.upload.upload_id).reason == expired
    with pytest.raises(CareAccessRefused) as refused:  # and the refusal says so to him
        medical_file.professionals.open_for_professional(pro(NEW_DOCTOR), ALICE_INS)
    assert (refused.value.code, refused.value.message) == ("CONSENT_EXPIRED", expired)
