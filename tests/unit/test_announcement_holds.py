"""Documents hidden from the patient's side (issue 4) as medical-file use cases on in-memory
fakes, the clock injected: held until the announcement (released by its author, or by the daily
job a month on) and a minor's secrets kept from their representatives."""

from datetime import date

import pytest

from healthspace.care.access import ProfessionalCaller
from healthspace.care.matrices import Profession
from healthspace.care.record import FULL, Professional
from healthspace.kernel.errors import BadRequest, Forbidden, NotFound
from healthspace.partners.fhir import HOLD_CODE, HOLD_SYSTEM, read_document_reference
from healthspace.records.access import Caller
from healthspace.records.model import (
    Action,
    ActorKind,
    Author,
    Category,
    DocumentFacts,
    DocumentFilter,
    HistoryFilter,
)
from tests.unit.conftest import CHILD_INS
from tests.unit.test_care_access import rpps
from tests.unit.test_fhir import pushed
from tests.unit.test_medical_file import PDF

DOCTOR, COLLEAGUE = rpps(41), rpps(42)
FACTS = DocumentFacts(category=Category.BIOLOGY, title="Biopsie", document_date=date(2026, 11, 2))


def pro(number: str) -> ProfessionalCaller:
    return ProfessionalCaller(Professional(rpps=number, profession=Profession.MEDECIN), "Dr")


@pytest.fixture
def child(medical_file, alice, spaces):
    """Léa's space: Léa herself (the holder), Alice (her legal representative), DOCTOR her
    treating doctor and COLLEAGUE a full-rights team member."""
    lea = Caller(subject="sub-lea", ins=CHILD_INS, display_name="Léa Martin")
    holder = medical_file.spaces.policy.resolve(lea, None)
    parent = medical_file.spaces.policy.resolve(alice, spaces["child"].space_id)
    medical_file.controls.designate_treating_doctor(parent, DOCTOR, 0)
    medical_file.controls.grant_access(parent, COLLEAGUE, FULL, 1)
    return {"holder": holder, "parent": parent}


def deposit(medical_file, source: str, author: str = DOCTOR, **flags: bool) -> str:
    document, _ = medical_file.filing.push_document(
        medical_file.spaces.space_of(CHILD_INS),
        Author.professional(author),
        FACTS,
        PDF,
        "biopsie.pdf",
        source,
        **flags,
    )
    return document.document_id


def sees(medical_file, access, document_id: str) -> bool:
    """Listed, readable and downloadable, or none of these."""
    listed = medical_file.documents.list_documents(access, DocumentFilter(), 100, None).items
    try:
        medical_file.documents.get_document(access, document_id)
        medical_file.documents.download(access, document_id)
    except NotFound:
        assert document_id not in {d.document_id for d in listed}
        return False
    assert document_id in {d.document_id for d in listed}
    return True


def releases(store, space_id: str) -> list:
    return [e for e in store.log if e.space_id == space_id and e.object.type == "document/release"]


def test_a_held_document_is_hidden_from_the_patients_side_until_its_author_releases_it(
    medical_file, store, clock, child
):
    held = deposit(medical_file, "src-1", hold_for_announcement=True)
    doctor = medical_file.professionals.open_for_professional(pro(DOCTOR), CHILD_INS)
    assert not sees(medical_file, child["holder"], held)
    assert not sees(medical_file, child["parent"], held)
    assert sees(medical_file, doctor, held)  # professionals: the ordinary rules
    with pytest.raises(NotFound):  # hidden is not found, for changes too
        medical_file.documents.update_document(child["parent"], held, 1, title="x")

    clock.advance(days=3)
    released = medical_file.holds.release_document(doctor, held)
    assert released.hold is not None and released.hold.released_at == clock.now()
    assert sees(medical_file, child["holder"], held)
    assert sees(medical_file, child["parent"], held)
    [told] = releases(store, child["holder"].space_id)  # the patient is told
    assert (told.action, told.object.id, told.actor.id) == (
        Action.UPDATE,
        held,
        f"rpps:{DOCTOR}",
    )

    again = medical_file.holds.release_document(doctor, held)  # twice: nothing changes
    assert again == released
    assert len(releases(store, child["holder"].space_id)) == 1


def test_a_held_document_shows_one_calendar_month_after_it_was_held(medical_file, clock, child):
    held = deposit(medical_file, "src-1", hold_for_announcement=True)
    clock.advance(days=30, seconds=-1)  # 28 November 09:00 -> 28 December 09:00
    assert not sees(medical_file, child["holder"], held)
    clock.advance(seconds=1)
    assert sees(medical_file, child["holder"], held)  # by the clock, whatever the job did
    assert sees(medical_file, child["parent"], held)


def test_only_the_author_releases_a_held_document(medical_file, child):
    held = deposit(medical_file, "src-1", hold_for_announcement=True)
    colleague = medical_file.professionals.open_for_professional(pro(COLLEAGUE), CHILD_INS)
    assert sees(medical_file, colleague, held)
    with pytest.raises(Forbidden):
        medical_file.holds.release_document(colleague, held)
    assert not sees(medical_file, child["holder"], held)


def test_only_a_professionals_document_can_be_held(medical_file, child):
    system = Author(kind=ActorKind.SYSTEM, id="migration", display_name="Migration")
    with pytest.raises(BadRequest):
        medical_file.filing.push_document(
            medical_file.spaces.space_of(CHILD_INS),
            system,
            FACTS,
            PDF,
            "a.pdf",
            "src-1",
            hold_for_announcement=True,
        )


def test_a_minors_confidential_document_is_hidden_from_representatives_only(medical_file, child):
    secret = deposit(medical_file, "src-1", confidential_from_representatives=True)
    assert sees(medical_file, child["holder"], secret)
    assert not sees(medical_file, child["parent"], secret)
    colleague = medical_file.professionals.open_for_professional(pro(COLLEAGUE), CHILD_INS)
    assert sees(medical_file, colleague, secret)


def test_pages_may_be_short_and_the_cursor_still_works(medical_file, child):
    ids = [deposit(medical_file, f"src-{n}", hold_for_announcement=n % 2 == 0) for n in range(5)]
    seen, cursor, pages = [], None, 0
    while True:
        page = medical_file.documents.list_documents(child["holder"], DocumentFilter(), 2, cursor)
        seen += [d.document_id for d in page.items]
        pages += 1
        if not (cursor := page.next_cursor):
            break
    assert sorted(seen) == sorted(ids[1::2]) and pages == 3


def test_the_job_releases_exactly_the_due_holds_and_is_idempotent(
    medical_file, store, clock, child
):
    first = deposit(medical_file, "src-1", hold_for_announcement=True)
    by_author = deposit(medical_file, "src-2", hold_for_announcement=True)
    medical_file.holds.release_document(
        medical_file.professionals.open_for_professional(pro(DOCTOR), CHILD_INS), by_author
    )
    clock.advance(days=2)
    later = deposit(medical_file, "src-3", hold_for_announcement=True)
    plain = deposit(medical_file, "src-4")

    clock.advance(days=29)  # past the first deadline (28 December), before the third's
    assert medical_file.holds.release_due_holds() == [first]
    assert medical_file.holds.release_due_holds() == []  # idempotent
    space = child["holder"].space_id
    told = {e.object.id: e for e in releases(store, space)}
    assert set(told) == {first, by_author}
    assert (told[first].actor.kind, told[first].role.value) == (ActorKind.SYSTEM, "SYSTEM")
    document = store.get_document(space, first)
    assert document.hold.released_at == clock.now() and document.version == 2

    clock.advance(days=2)
    assert medical_file.holds.release_due_holds() == [later]
    assert store.get_document(space, plain).hold is None


def test_a_late_job_still_finds_the_holds_of_the_days_it_missed(medical_file, clock, child):
    held = deposit(medical_file, "src-1", hold_for_announcement=True)
    clock.advance(days=30 + 20)  # three weeks of missed runs
    assert medical_file.holds.release_due_holds() == [held]


def test_a_partner_holds_a_document_with_a_security_label():
    resource = pushed()
    resource["securityLabel"].append({"coding": [{"system": HOLD_SYSTEM, "code": HOLD_CODE}]})
    assert read_document_reference(resource).hold_for_announcement
    assert not read_document_reference(pushed()).hold_for_announcement


def test_older_documents_without_the_new_fields_are_read(medical_file, store, child):
    document_id = deposit(medical_file, "src-1")
    space = child["holder"].space_id
    stored = store.documents[(space, document_id)].model_dump(mode="json")
    del stored["hold"], stored["confidential_from_representatives"]
    old = type(store.documents[(space, document_id)]).model_validate(stored)
    assert old.hold is None and not old.confidential_from_representatives


def history_objects(medical_file, access) -> set[str | None]:
    return {e.object.id for e in medical_file.history.history(access, 100, None).items}


def test_the_history_keeps_the_acts_on_a_held_document_until_its_release(medical_file, child):
    held = deposit(medical_file, "lab|held-history", hold_for_announcement=True)
    colleague = medical_file.professionals.open_for_professional(pro(COLLEAGUE), CHILD_INS)
    medical_file.documents.get_document(colleague, held)  # another professional reads it meanwhile
    # Before the release, nothing in the history tells the patient's side it exists
    for side in ("holder", "parent"):
        assert held not in history_objects(medical_file, child[side])
    # Its author releases it: its whole history shows, filing and reads included
    doctor = medical_file.professionals.open_for_professional(pro(DOCTOR), CHILD_INS)
    medical_file.holds.release_document(doctor, held)
    entries = medical_file.history.history(child["holder"], 100, None).items
    acts = [(e.action, e.object.type) for e in entries if e.object.id == held]
    assert acts == [
        (Action.UPDATE, "document/release"),
        (Action.READ, "document"),
        (Action.CREATE, "document"),
    ]


def test_the_history_keeps_a_minors_secret_from_the_parent_only(medical_file, child):
    secret = deposit(medical_file, "lab|secret-history", confidential_from_representatives=True)
    assert secret not in history_objects(medical_file, child["parent"])
    assert secret in history_objects(medical_file, child["holder"])


PILL = {"medication": "Contraception orale", "dosage": "1/j", "start_date": "2026-11-01"}


def test_a_minors_confidential_profile_entry_is_kept_from_the_parent_only(medical_file, child):
    doctor = medical_file.professionals.open_for_professional(pro(DOCTOR), CHILD_INS)
    entry = medical_file.profile.add_entry(
        doctor, "treatments", PILL, confidential_from_representatives=True
    )
    parent, holder = child["parent"], child["holder"]
    # The parent: not in the profile, nor the section, nor by id, nor in the history
    assert entry.entry_id not in {
        e.entry_id for e in medical_file.profile.read(parent)["treatments"].items
    }
    assert medical_file.profile.list_section(parent, "treatments", 20, None).items == []
    with pytest.raises(NotFound):
        medical_file.profile.get_entry(parent, "treatments", entry.entry_id)
    assert entry.entry_id not in history_objects(medical_file, parent)
    # Léa herself, and her doctor, see it
    assert [
        e.entry_id for e in medical_file.profile.list_section(holder, "treatments", 20, None).items
    ] == [entry.entry_id]
    assert entry.entry_id in history_objects(medical_file, holder)
    assert (
        medical_file.profile.get_entry(doctor, "treatments", entry.entry_id).fields["medication"]
        == (PILL["medication"])
    )


def test_only_a_professional_keeps_an_entry_confidential_and_only_a_minors(
    medical_file, child, spaces, alice
):
    with pytest.raises(BadRequest):  # the patient's side declares, it does not hide
        medical_file.profile.add_entry(
            child["parent"], "treatments", PILL, confidential_from_representatives=True
        )
    alices = medical_file.spaces.policy.resolve(alice, None)
    medical_file.controls.designate_treating_doctor(alices, DOCTOR, 0)
    doctor = medical_file.professionals.open_for_professional(
        pro(DOCTOR), spaces["alice"].holder_ins
    )
    with pytest.raises(BadRequest):  # an adult's file: no such secret
        medical_file.profile.add_entry(
            doctor, "treatments", PILL, confidential_from_representatives=True
        )


def test_the_history_titles_only_the_documents_it_shows(medical_file, child):
    held = deposit(medical_file, "lab|held-title", hold_for_announcement=True)
    shown = deposit(medical_file, "lab|shown-title")
    for side in ("holder", "parent"):
        titles = medical_file.history.history(child[side], 100, None).titles
        assert shown in titles and held not in titles


def test_the_history_filters_the_acts_of_professionals(medical_file, child):
    colleague = medical_file.professionals.open_for_professional(pro(COLLEAGUE), CHILD_INS)
    document_id = deposit(medical_file, "lab|filter")
    medical_file.documents.get_document(colleague, document_id)
    access = child["holder"]
    medical_file.documents.get_document(access, document_id)
    everything = medical_file.history.history(access, 100, None).items
    theirs = medical_file.history.history(access, 100, None, HistoryFilter(professionals=True))
    assert {e.actor.kind for e in everything} > {ActorKind.PROFESSIONAL}
    assert theirs.items == [e for e in everything if e.actor.kind is ActorKind.PROFESSIONAL]
    assert theirs.items and theirs.next_cursor is None
    emergencies = HistoryFilter(professionals=True, emergency=True)
    assert medical_file.history.history(access, 100, None, emergencies).items == []
