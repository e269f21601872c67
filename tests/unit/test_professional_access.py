"""Professionals on a patient's file (issue 4) as medical-file use cases on in-memory fakes: the
care rules as wired (who opens the file, what they see and add) and what the access log keeps."""

from datetime import date

import pytest

from healthspace.care.access import CareAccess, ProfessionalCaller
from healthspace.care.matrices import Profession
from healthspace.care.record import FULL, Professional
from healthspace.care.rules import Relationship
from healthspace.kernel.errors import (
    BadRequest,
    CareAccessRefused,
    Forbidden,
    NotFound,
    SpaceClosed,
)
from healthspace.kernel.identifiers import make_ins
from healthspace.records.model import (
    Action,
    ActorKind,
    Author,
    Category,
    DocumentFacts,
    DocumentFilter,
    Role,
    Section,
    SpaceStatus,
)
from tests.unit.conftest import ALICE_INS
from tests.unit.test_care_access import rpps
from tests.unit.test_medical_file import PDF, upload

DOCTOR, DENTIST, NURSE, STRANGER = rpps(31), rpps(32), rpps(33), rpps(34)
ALLERGY = {"substance": "Arachide", "category": "food", "criticality": "high"}


def pro(number: str, profession: Profession = Profession.MEDECIN) -> ProfessionalCaller:
    return ProfessionalCaller(Professional(rpps=number, profession=profession), f"Dr {number}")


@pytest.fixture
def holder(medical_file, alice, spaces):
    return medical_file.spaces.policy.resolve(alice, None)


@pytest.fixture
def documents(medical_file, blobs, holder):
    """Alice's documents: imaging, a masked biology result, and a summary the dentist wrote."""
    ids = {}
    for name, category in (("imaging", Category.IMAGING), ("masked", Category.BIOLOGY)):
        facts = DocumentFacts(category=category, title=name, document_date=date(2026, 11, 2))
        ids[name], _ = upload(medical_file, blobs, holder, facts=facts)
    medical_file.documents.update_document(holder, ids["masked"], 1, masked=True)
    space = medical_file.spaces.space_of(ALICE_INS)
    facts = DocumentFacts(category=Category.SUMMARY, title="own", document_date=date(2026, 11, 3))
    own, _ = medical_file.filing.push_document(
        space, Author.professional(DENTIST), facts, PDF, "own.pdf", "src-1"
    )
    medical_file.documents.update_document(holder, own.document_id, 1, masked=True)
    ids["own"] = own.document_id
    return ids


def listed(medical_file, access):
    page = medical_file.documents.list_documents(access, DocumentFilter(), 100, None)
    return {d.title for d in page.items}


def test_the_treating_doctor_sees_everything_masked_included(medical_file, holder, documents):
    medical_file.controls.designate_treating_doctor(holder, DOCTOR, 0)
    access = medical_file.professionals.open_for_professional(pro(DOCTOR), ALICE_INS)
    assert access.decision.relationship is Relationship.TREATING
    assert listed(medical_file, access) == {"imaging", "masked", "own"}
    assert medical_file.documents.get_document(access, documents["masked"]).masked


def test_a_dentist_sees_their_row_minus_masked_items_and_their_own_work(
    medical_file, holder, documents
):
    scope = frozenset({Category.IMAGING, Category.BIOLOGY, Category.SUMMARY})
    medical_file.controls.grant_access(holder, DENTIST, scope, 0)
    access = medical_file.professionals.open_for_professional(
        pro(DENTIST, Profession.CHIRURGIEN_DENTISTE), ALICE_INS
    )
    # imaging: in the row; masked biology: hidden; the summary: outside the row, but their own.
    assert listed(medical_file, access) == {"imaging", "own"}
    with pytest.raises(NotFound):
        medical_file.documents.get_document(access, documents["masked"])
    with pytest.raises(NotFound):
        medical_file.documents.download(access, documents["masked"])
    url, _ = medical_file.documents.download(access, documents["own"])
    assert url


def test_refusals_carry_the_rules_code(medical_file, holder, clock):
    def refusal(caller, reason=None):
        with pytest.raises(CareAccessRefused) as refused:
            medical_file.professionals.open_for_professional(caller, ALICE_INS, reason)
        return refused.value.code, refused.value.status

    assert refusal(pro(STRANGER)) == ("NO_RELATIONSHIP", 403)
    medical_file.controls.block_professional(holder, STRANGER, 0)
    assert refusal(pro(STRANGER), "unconscious") == ("BLOCKED", 403)
    expires = clock.now().replace(year=clock.now().year + 1)
    medical_file.controls.grant_access(holder, NURSE, frozenset({Section.ALLERGIES}), 1, expires)
    clock.advance(days=400)
    assert refusal(pro(NURSE, Profession.INFIRMIER)) == ("CONSENT_EXPIRED", 403)
    medical_file.controls.change_settings(holder, 2, emergency_access=False)
    assert refusal(pro(DOCTOR), "unconscious") == ("EMERGENCY_DISABLED", 403)


def test_an_unknown_patient_looks_like_one_without_a_relationship(medical_file, spaces):
    with pytest.raises(CareAccessRefused) as refused:
        medical_file.professionals.open_for_professional(pro(DOCTOR), make_ins("1991299999999"))
    assert refused.value.code == "NO_RELATIONSHIP"


def test_break_glass_reads_the_row_without_masked_items_and_logs_the_reason(
    medical_file, holder, documents, store
):
    before = len(store.log)
    access = medical_file.professionals.open_for_professional(
        pro(DOCTOR), ALICE_INS, "  coma, allergies?  "
    )
    assert access.decision.relationship is Relationship.EMERGENCY
    assert listed(medical_file, access) == {"imaging"}
    medical_file.profile.read(access)
    [listing, profile] = store.log[before:]
    assert (listing.action, listing.object.type) == (Action.READ, "document-list")
    assert (profile.action, profile.object.type) == (Action.READ, "profile")
    assert {e.emergency_reason for e in (listing, profile)} == {"coma, allergies?"}
    assert listing.role is Role.PROFESSIONAL
    assert (listing.actor.kind, listing.actor.id) == (ActorKind.PROFESSIONAL, f"rpps:{DOCTOR}")
    with pytest.raises(Forbidden):  # break-glass only reads
        medical_file.profile.add_entry(access, "allergies", ALLERGY)


def test_an_empty_emergency_reason_is_bad_input(medical_file, spaces):
    with pytest.raises(BadRequest):
        medical_file.professionals.open_for_professional(pro(DOCTOR), ALICE_INS, "   ")


def test_full_rights_need_no_break_glass_and_log_no_reason(medical_file, holder, store):
    medical_file.controls.designate_treating_doctor(holder, DOCTOR, 0)
    access = medical_file.professionals.open_for_professional(pro(DOCTOR), ALICE_INS, "unconscious")
    assert access.decision.relationship is Relationship.TREATING
    medical_file.profile.read(access)
    assert store.log[-1].emergency_reason is None


def test_a_professional_adds_where_the_rules_let_them_as_author(medical_file, holder, store):
    medical_file.controls.grant_access(holder, NURSE, FULL, 0)
    access = medical_file.professionals.open_for_professional(
        pro(NURSE, Profession.INFIRMIER), ALICE_INS
    )
    entry = medical_file.profile.add_entry(access, "allergies", ALLERGY)
    assert entry.author == Author.professional(NURSE, f"Dr {NURSE}")
    last = store.log[-1]
    assert (last.action, last.object.type, last.object.id) == (
        Action.CREATE,
        "profile/allergies",
        entry.entry_id,
    )
    assert (last.actor.id, last.role) == (f"rpps:{NURSE}", Role.PROFESSIONAL)
    with pytest.raises(Forbidden):  # a nurse does not write conditions
        medical_file.profile.add_entry(
            access, "conditions", {"name": "x", "clinical_status": "active"}
        )
    # The patient sees it; the nurse sees it in their profile view.
    assert medical_file.profile.read(holder)["allergies"].items == [entry]
    assert medical_file.profile.read(access)["allergies"].items == [entry]


def test_a_professional_sees_only_the_sections_of_their_row(medical_file, holder):
    medical_file.profile.add_entry(holder, "conditions", {"name": "x", "clinical_status": "active"})
    medical_file.controls.grant_access(holder, NURSE, FULL, 0)
    access = medical_file.professionals.open_for_professional(
        pro(NURSE, Profession.INFIRMIER), ALICE_INS
    )
    sections = medical_file.profile.read(access)
    assert "conditions" not in sections and "advance-directives" not in sections
    assert set(sections) == {"allergies", "treatments", "vaccinations", "measurements", "contacts"}


def test_a_professional_changes_or_deletes_nothing(medical_file, holder, documents):
    medical_file.controls.designate_treating_doctor(holder, DOCTOR, 0)
    access = medical_file.professionals.open_for_professional(pro(DOCTOR), ALICE_INS)
    assert isinstance(access, CareAccess)
    with pytest.raises(Forbidden):
        medical_file.documents.update_document(access, documents["imaging"], 1, title="x")
    with pytest.raises(Forbidden):
        medical_file.documents.delete_document(access, documents["imaging"], None)
    entry = medical_file.profile.add_entry(access, "allergies", ALLERGY)
    with pytest.raises(Forbidden):
        medical_file.profile.delete_entry(access, "allergies", entry.entry_id, None)


def test_the_author_rpps_is_read_back_from_the_author():
    assert Author.professional(DOCTOR).rpps == DOCTOR
    assert Author(kind=ActorKind.PATIENT, id="rpps:x", display_name="p").rpps is None


def test_a_document_named_by_its_id_alone_opens_its_space_under_the_care_rules(
    medical_file, holder, documents, store
):
    """FHIR's read: the space is found from the document, then the rules decide as for any
    opening; a space closed since tells its closure to the doctor the patient had let in
    (SPACE_CLOSED), and is refused to anyone else as one without a relationship."""
    medical_file.controls.designate_treating_doctor(holder, DOCTOR, 0)
    space = medical_file.spaces.holding(documents["imaging"])
    assert space.space_id == holder.space_id

    opened = medical_file.professionals.open_space(pro(DOCTOR), space)
    assert opened.decision.relationship is Relationship.TREATING
    with pytest.raises(CareAccessRefused):
        medical_file.professionals.open_space(pro(STRANGER), space)
    closed = space.model_copy(update={"status": SpaceStatus.CLOSED})
    with pytest.raises(SpaceClosed):
        medical_file.professionals.open_space(pro(DOCTOR), closed)
    with pytest.raises(CareAccessRefused) as refused:
        medical_file.professionals.open_space(pro(STRANGER), closed)
    assert refused.value.code == "NO_RELATIONSHIP"
    with pytest.raises(NotFound):
        medical_file.spaces.holding("01NOSUCHDOCUMENT")
