"""Professionals deposit documents through the patient's upload flow (start_upload, then the
ingest), on in-memory fakes: the care rules checked before any ticket, the professional as
author, the deposit's facts (masked, held, confidential) carried to the filed document, and the
upload's status for its uploader only."""

from datetime import UTC, date, datetime

import pytest
from pydantic import ValidationError

from healthspace.care.matrices import Profession
from healthspace.care.record import FULL
from healthspace.kernel.errors import BadRequest, Forbidden, NotFound
from healthspace.records.model import (
    Action,
    ActorKind,
    Author,
    Category,
    DocumentFacts,
    DocumentFilter,
    Role,
    Upload,
    UploadStatus,
)
from healthspace.records.uploads import upload_key
from tests.unit.conftest import ALICE_INS, CHILD_INS
from tests.unit.test_care_access import rpps
from tests.unit.test_medical_file import PDF
from tests.unit.test_professional_access import pro

DOCTOR, OTHER_DOCTOR, DENTIST = rpps(61), rpps(62), rpps(63)
REPORT = DocumentFacts(category=Category.REPORTS, title="CR", document_date=date(2026, 11, 20))
BIOLOGY = DocumentFacts(category=Category.BIOLOGY, title="Bilan", document_date=date(2026, 11, 20))


@pytest.fixture
def holder(medical_file, alice, spaces):
    return medical_file.spaces.policy.resolve(alice, None)


@pytest.fixture
def parent(medical_file, alice, spaces):
    """Alice on her child's space, as legal representative."""
    return medical_file.spaces.policy.resolve(alice, spaces["child"].space_id)


def deposit(medical_file, blobs, access, facts=REPORT, **flags):
    """The professional's side of an upload: the ticket, the file posted, the ingest run."""
    ticket = medical_file.uploads.start_upload(
        access, facts, "compte-rendu.pdf", "application/pdf", len(PDF), **flags
    )
    key = upload_key(access.space_id, ticket.upload.upload_id)
    blobs.quarantine[key] = PDF
    assert medical_file.uploads.ingest(key, len(PDF)) is UploadStatus.ACCEPTED
    return ticket.upload.upload_id


def titles(medical_file, access):
    page = medical_file.documents.list_documents(access, DocumentFilter(), 100, None)
    return [d.title for d in page.items]


def doctor_on(medical_file, representative_or_holder, ins, number=DOCTOR):
    """The patient (or their representative) designates the doctor, who opens the file."""
    medical_file.controls.designate_treating_doctor(representative_or_holder, number, 0)
    return medical_file.professionals.open_for_professional(pro(number), ins)


def test_a_doctors_deposit_is_filed_with_the_doctor_as_author_and_traced(
    medical_file, blobs, holder, store
):
    """Given Alice's treating doctor, when he uploads a report, then Alice sees it authored by
    him, her history names him (role PROFESSIONAL, no emergency), and he sees it accepted."""
    doctor = doctor_on(medical_file, holder, ALICE_INS)

    upload_id = deposit(medical_file, blobs, doctor)

    document = medical_file.documents.get_document(holder, upload_id)
    assert document.author == Author.professional(DOCTOR, f"Dr {DOCTOR}")
    assert (document.masked, document.hold, document.confidential_from_representatives) == (
        False,
        None,
        False,
    )
    [filed] = [e for e in store.log if e.object.type == "document" and e.action is Action.CREATE]
    assert (filed.actor.kind, filed.actor.id, filed.role) == (
        ActorKind.PROFESSIONAL,
        f"rpps:{DOCTOR}",
        Role.PROFESSIONAL,
    )
    assert filed.emergency_reason is None
    status = medical_file.uploads.upload_status(doctor, upload_id)
    assert (status.status, status.document_id) == (UploadStatus.ACCEPTED, upload_id)


def test_a_deposit_starts_masked_when_the_patient_masks_by_default(medical_file, blobs, holder):
    """Given a patient who masks new documents, when her dentist deposits, then the document is
    masked (from other professionals), and its author, whose grant sees no masked item, still
    sees it."""
    medical_file.controls.change_settings(holder, 0, mask_by_default=True)
    medical_file.controls.grant_access(holder, DENTIST, frozenset({Category.REPORTS}), 1)
    dentist = medical_file.professionals.open_for_professional(
        pro(DENTIST, Profession.CHIRURGIEN_DENTISTE), ALICE_INS
    )

    upload_id = deposit(medical_file, blobs, dentist)

    assert medical_file.documents.get_document(holder, upload_id).masked
    assert medical_file.documents.get_document(dentist, upload_id).title == "CR"


def test_a_held_deposit_is_hidden_from_the_patient_until_released(
    medical_file, blobs, holder, store, clock
):
    """Given a doctor who deposits a report held for the announcement consultation, then Alice
    does not see it, the holds job's index has it, and once he releases it she does."""
    doctor = doctor_on(medical_file, holder, ALICE_INS)

    upload_id = deposit(medical_file, blobs, doctor, hold_for_announcement=True)

    assert titles(medical_file, holder) == []
    with pytest.raises(NotFound):
        medical_file.documents.get_document(holder, upload_id)
    assert medical_file.documents.get_document(doctor, upload_id).hold.held_at == clock.now()
    assert any((holder.space_id, upload_id) in held for held in store.holds.values())
    medical_file.holds.release_document(doctor, upload_id)
    assert titles(medical_file, holder) == ["CR"]
    assert not any(held for held in store.holds.values())


def test_a_confidential_deposit_on_a_minors_file_is_hidden_from_the_parent(
    medical_file, blobs, parent
):
    """Given Léa's treating doctor (designated by her mother), when he deposits a document
    confidential from her representatives, then her mother does not see it, he does."""
    doctor = doctor_on(medical_file, parent, CHILD_INS)

    upload_id = deposit(
        medical_file, blobs, doctor, facts=BIOLOGY, confidential_from_representatives=True
    )

    assert titles(medical_file, parent) == []
    with pytest.raises(NotFound):
        medical_file.documents.get_document(parent, upload_id)
    assert medical_file.documents.get_document(doctor, upload_id).confidential_from_representatives


def test_confidentiality_is_refused_on_an_adults_file_before_any_ticket(
    medical_file, holder, store
):
    """Given Alice, an adult, when her doctor asks for a confidential deposit, then it is bad
    input and no upload is recorded."""
    doctor = doctor_on(medical_file, holder, ALICE_INS)

    with pytest.raises(BadRequest, match="minor"):
        medical_file.uploads.start_upload(
            doctor,
            REPORT,
            "cr.pdf",
            "application/pdf",
            len(PDF),
            confidential_from_representatives=True,
        )
    assert store.uploads == {}


def test_a_dentist_may_not_deposit_what_his_row_does_not_write(medical_file, holder, store):
    """Given a dentist with full rights on Alice's file, when he uploads a biology result
    (outside the dentist's write row), then it is forbidden and no upload is recorded."""
    medical_file.controls.grant_access(holder, DENTIST, FULL, 0)
    dentist = medical_file.professionals.open_for_professional(
        pro(DENTIST, Profession.CHIRURGIEN_DENTISTE), ALICE_INS
    )

    with pytest.raises(Forbidden, match="chirurgien-dentiste"):
        medical_file.uploads.start_upload(dentist, BIOLOGY, "b.pdf", "application/pdf", len(PDF))
    assert store.uploads == {}


def test_break_glass_deposits_nothing(medical_file, spaces, store):
    """Given a doctor in an emergency (no relationship), when he uploads, then it is forbidden
    (break-glass only reads) and no upload is recorded."""
    emergency = medical_file.professionals.open_for_professional(
        pro(DOCTOR), ALICE_INS, "unconscious"
    )

    with pytest.raises(Forbidden, match="only reads"):
        medical_file.uploads.start_upload(emergency, REPORT, "cr.pdf", "application/pdf", len(PDF))
    assert store.uploads == {}


def test_an_upload_status_is_its_uploaders_only(medical_file, blobs, holder, bob, spaces):
    """Given a doctor's upload on Alice's file and one of Alice's own, then another professional
    with full rights, Alice, and the doctor on Bob's file find neither's status but their own."""
    doctor = doctor_on(medical_file, holder, ALICE_INS)
    upload_id = deposit(medical_file, blobs, doctor)
    medical_file.controls.grant_access(holder, OTHER_DOCTOR, FULL, 1)
    colleague = medical_file.professionals.open_for_professional(pro(OTHER_DOCTOR), ALICE_INS)
    own = medical_file.uploads.start_upload(holder, BIOLOGY, "b.pdf", "application/pdf", len(PDF))

    with pytest.raises(NotFound):
        medical_file.uploads.upload_status(colleague, upload_id)
    with pytest.raises(NotFound):
        medical_file.uploads.upload_status(holder, upload_id)
    with pytest.raises(NotFound):
        medical_file.uploads.upload_status(doctor, own.upload.upload_id)
    bobs = medical_file.spaces.policy.resolve(bob, None)
    medical_file.controls.designate_treating_doctor(bobs, DOCTOR, 0)
    on_bob = medical_file.professionals.open_for_professional(pro(DOCTOR), spaces["bob"].holder_ins)
    with pytest.raises(NotFound):
        medical_file.uploads.upload_status(on_bob, upload_id)
    assert (
        medical_file.uploads.upload_status(holder, own.upload.upload_id).status
        is UploadStatus.PENDING
    )


def test_a_patients_upload_is_never_held_nor_confidential(medical_file, holder, store):
    for flag in ("hold_for_announcement", "confidential_from_representatives"):
        with pytest.raises(BadRequest):
            medical_file.uploads.start_upload(
                holder, REPORT, "cr.pdf", "application/pdf", len(PDF), **{flag: True}
            )
    assert store.uploads == {}


def test_an_upload_record_stored_before_the_deposit_flags_is_still_read():
    """Given an upload item written before professionals deposited, then it reads with the
    defaults; and a hold without a professional uploader cannot be recorded."""
    older = {
        "upload_id": "u1",
        "status": "PENDING",
        "space_id": "s1",
        "facts": {"category": "reports", "title": "t", "document_date": "2026-01-01"},
        "filename": "a.pdf",
        "uploader": {"kind": "PATIENT", "id": "sub", "display_name": "A"},
        "uploader_role": "HOLDER",
        "created_at": "2026-01-01T00:00:00+00:00",
    }
    upload = Upload.model_validate(older)
    assert (
        upload.masked,
        upload.hold_for_announcement,
        upload.confidential_from_representatives,
    ) == (False, False, False)
    with pytest.raises(ValidationError, match="held"):
        Upload.model_validate({**older, "hold_for_announcement": True})


@pytest.mark.parametrize("change", ["block", "revoke"])
def test_the_care_rules_are_asked_again_when_the_file_arrives(
    medical_file, blobs, holder, store, change
):
    """Given a team member's ticket, when the patient blocks him or ends his grant before his
    file arrives, then the ingest refuses it, says why, and files nothing."""
    medical_file.controls.grant_access(holder, OTHER_DOCTOR, FULL, 0)
    colleague = medical_file.professionals.open_for_professional(pro(OTHER_DOCTOR), ALICE_INS)
    ticket = medical_file.uploads.start_upload(
        colleague, REPORT, "cr.pdf", "application/pdf", len(PDF)
    )
    if change == "block":
        medical_file.controls.block_professional(holder, OTHER_DOCTOR, 1)
    else:
        medical_file.controls.revoke_access(holder, OTHER_DOCTOR, 1)
    key = upload_key(colleague.space_id, ticket.upload.upload_id)
    blobs.quarantine[key] = PDF

    assert medical_file.uploads.ingest(key, len(PDF)) is UploadStatus.REJECTED

    upload = store.get_upload(colleague.space_id, ticket.upload.upload_id)
    assert upload.reason == (
        "the patient has refused you access to their file"
        if change == "block"
        else "no care relationship gives you access to this patient's file"
    )
    assert titles(medical_file, holder) == []
    assert key not in blobs.quarantine


def test_a_professionals_upload_stored_without_its_profession_is_filed_as_ticketed(medical_file):
    """An upload item written before uploads recorded the profession: the rules cannot be
    asked again without it, so the ticket's check stands (no crash at filing)."""
    upload = Upload(
        upload_id="u1",
        status=UploadStatus.PENDING,
        space_id="s1",
        facts=REPORT,
        filename="cr.pdf",
        uploader=Author.professional(DOCTOR),
        uploader_role=Role.PROFESSIONAL,
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
    )
    assert medical_file.professionals.refusal_at_filing(upload) is None
