"""What the patient is told of the acts on their file (healthspace.notices), on in-memory fakes:
the acts are real medical-file use cases, their access-log entries fed to the notices as the
table's stream would."""

from datetime import UTC, date, datetime, timedelta

import pytest

from healthspace.adapters.notify import channels_of
from healthspace.care.record import FULL
from healthspace.enrollment.messages import Message
from healthspace.enrollment.model import Channel, Contact, Enrollment, EnrollmentStatus
from healthspace.notices.patient import (
    NoticeKind,
    Outcome,
    PatientNotices,
    ProfessionalNotice,
    Undeliverable,
    notice_for,
)
from healthspace.partners.migration import MIGRATION
from healthspace.records.access import Caller
from healthspace.records.model import (
    AccessLogEntry,
    Author,
    Category,
    DocumentFacts,
    DocumentFilter,
    Role,
)
from tests.fakes import FakeEnrollmentStore
from tests.unit.conftest import ALICE_INS, BOB_INS, CHILD_INS
from tests.unit.test_announcement_holds import DOCTOR, deposit, pro
from tests.unit.test_care_access import rpps
from tests.unit.test_medical_file import PDF
from tests.unit.test_messages import SITE

ER_DOCTOR, COLLEAGUE = rpps(61), rpps(62)
ALICE_EMAIL = "alice.martin@example.org"
# Health content that must never reach an email: a title, and a specialist's name.
SECRET_TITLE = "Sérologie VIH"
SPECIALIST = "Dr Infectiologue"
FACTS = DocumentFacts(
    category=Category.BIOLOGY, title=SECRET_TITLE, document_date=date(2026, 11, 2)
)


class FakeMailer:
    def __init__(self) -> None:
        self.sent: list[tuple[str, Message]] = []
        self.failures: list[Exception] = []  # raised, one per send, before sending again

    def send_email(self, address: str, message: Message) -> str:
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append((address, message))
        return f"m-{len(self.sent)}"

    def send(self, enrollment: Enrollment, kind: str, compose) -> Channel:
        """Through the enrollment's first channel (a space's life: suspension, death)."""
        if self.failures:
            raise self.failures.pop(0)
        [channel, *_] = channels_of(enrollment.recipient)
        message = compose(channel)
        self.sent.append((f"{channel.value}:{enrollment.ins}", message))
        return channel

    def flush(self) -> None:
        self.flushes = getattr(self, "flushes", 0) + 1


class FakeClaims:
    """The DynamoDB claims' conditions, in memory: (status, expires_at) per (space, key)."""

    def __init__(self) -> None:
        self.items: dict[tuple[str, str], tuple[str, datetime]] = {}

    def is_sent(self, space_id: str, key: str) -> bool:
        item = self.items.get((space_id, key))
        return item is not None and item[0] == "sent"

    def claim(self, space_id: str, key: str, now: datetime, lease: timedelta) -> bool:
        current = self.items.get((space_id, key))
        if current is not None and not (current[0] == "sending" and current[1] < now):
            return False
        self.items[(space_id, key)] = ("sending", now + lease)
        return True

    def mark_sent(self, space_id: str, key: str, now: datetime) -> None:
        self.items[(space_id, key)] = ("sent", now)

    def drop(self, space_id: str, key: str) -> None:
        self.items.pop((space_id, key), None)


class FakeInbox:
    def __init__(self) -> None:
        self.notices: dict[str, dict[str, ProfessionalNotice]] = {}

    def deliver(self, rpps: str, notice: ProfessionalNotice) -> None:
        self.notices.setdefault(rpps, {})[notice.notice_id] = notice

    def list(self, rpps, limit, cursor):
        raise NotImplementedError  # the adapter's: tested on moto


def enrollment(ins: str, given_name: str, birth_date: date, email: str | None) -> Enrollment:
    at = datetime(2026, 10, 20, tzinfo=UTC)
    minor = ins == CHILD_INS
    return Enrollment(
        ins=ins,
        birth_date=birth_date,
        given_name=given_name,
        family_name="Martin",
        wave_id="W20261020",
        deadline=at + timedelta(weeks=6),
        status=EnrollmentStatus.ACTIVE,
        recipient=Contact(email=email),
        representatives=(ALICE_INS,) if minor else (),
        code_digest="d",
        code_issued_at=at,
        created_at=at,
    )


@pytest.fixture
def world(medical_file, store, clock, spaces, alice):
    """Alice (an email) and her daughter Léa (the email is Alice's, her representative), each
    with DOCTOR as treating doctor; Bob was never enrolled (a space without a contact)."""
    contacts = FakeEnrollmentStore(store)
    for person in (
        enrollment(ALICE_INS, "Alice", date(1985, 6, 1), ALICE_EMAIL),
        enrollment(CHILD_INS, "Léa", date(2015, 6, 1), ALICE_EMAIL),
    ):
        contacts.enrollments[person.ins] = person
    accesses = {
        "alice": medical_file.spaces.policy.resolve(alice, spaces["alice"].space_id),
        "child": medical_file.spaces.policy.resolve(alice, spaces["child"].space_id),
    }
    for access in accesses.values():
        medical_file.controls.designate_treating_doctor(access, DOCTOR, 0)
        medical_file.controls.grant_access(access, COLLEAGUE, FULL, 1)
    mailer, claims, inbox = FakeMailer(), FakeClaims(), FakeInbox()
    notices = PatientNotices(store, contacts, claims, mailer, inbox, clock, SITE)
    return notices, mailer, claims, inbox, accesses


def tell_new(notices, store, since: int) -> list[Outcome]:
    """Feed the entries written since `since` (a position in the log) as the stream would."""
    return [notices.tell(entry) for entry in store.log[since:]]


def test_a_consultation_is_told_once_without_health_content(world, medical_file, store, clock):
    notices, mailer, _, _, _ = world
    doctor = pro(DOCTOR)
    mark = len(store.log)
    # Given the treating doctor opens Alice's file: her documents, then her profile
    access = medical_file.professionals.open_for_professional(doctor, ALICE_INS)
    medical_file.documents.list_documents(access, DocumentFilter(), 10, None)
    medical_file.profile.read(access)
    # When the stream brings the entries
    outcomes = tell_new(notices, store, mark)
    # Then Alice gets one email, saying a professional consulted her file, nothing more
    assert outcomes.count(Outcome.SENT) == 1, outcomes
    assert set(outcomes) == {Outcome.SENT, Outcome.ALREADY_SENT}
    [(to, message)] = mailer.sent
    assert to == ALICE_EMAIL
    assert message.subject == "Un professionnel de santé a consulté votre espace santé"
    assert "Bonjour Alice," in message.body and "historique des accès" in message.body
    for secret in (DOCTOR, "Dr", ALICE_INS):
        assert secret not in message.body, secret


def test_one_notice_per_professional_and_day(world, medical_file, store, clock):
    notices, mailer, *_ = world
    mark = len(store.log)
    for caller in (pro(DOCTOR), pro(COLLEAGUE), pro(DOCTOR)):
        medical_file.profile.read(
            medical_file.professionals.open_for_professional(caller, ALICE_INS)
        )
    assert tell_new(notices, store, mark).count(Outcome.SENT) == 2  # two professionals
    # The next day in France, the same doctor's read is news again
    clock.advance(days=1)
    mark = len(store.log)
    medical_file.profile.read(
        medical_file.professionals.open_for_professional(pro(DOCTOR), ALICE_INS)
    )
    assert tell_new(notices, store, mark) == [Outcome.SENT]
    assert len(mailer.sent) == 3


def test_the_patients_own_acts_and_a_migration_are_not_told(world, medical_file, store):
    notices, mailer, _, _, accesses = world
    mark = len(store.log)
    medical_file.documents.list_documents(accesses["alice"], DocumentFilter(), 10, None)
    medical_file.profile.add_entry(
        accesses["alice"], "allergies", {"substance": "Pollen", "category": "environment"}
    )
    medical_file.filing.push_document(  # a former file, migrated: announced by its own campaign
        medical_file.spaces.space_of(ALICE_INS),
        Author.professional(DOCTOR),
        FACTS,
        PDF,
        "ancien.pdf",
        "dmp|1",
        actor=MIGRATION,
        role=Role.SYSTEM,
    )
    assert set(tell_new(notices, store, mark)) == {Outcome.NOT_TOLD}
    assert mailer.sent == []


def test_a_partners_new_document_is_told_as_a_new_document(world, medical_file, store):
    notices, mailer, *_ = world
    mark = len(store.log)
    document, _ = medical_file.filing.push_document(
        medical_file.spaces.space_of(ALICE_INS),
        Author.professional(DOCTOR, SPECIALIST),
        FACTS,
        PDF,
        "serologie.pdf",
        "lab|1",
    )
    assert tell_new(notices, store, mark) == [Outcome.SENT]
    [(_, message)] = mailer.sent
    assert message.subject == "Un nouveau document dans votre espace santé"
    assert SECRET_TITLE not in message.body and SPECIALIST not in message.body
    assert document.document_id not in message.body


def test_a_held_document_is_told_at_its_release_only(world, medical_file, store, clock):
    notices, mailer, *_ = world
    mark = len(store.log)
    held = deposit(medical_file, "lab|held", hold_for_announcement=True)
    assert tell_new(notices, store, mark) == [Outcome.HIDDEN]
    assert mailer.sent == []
    # When the doctor releases it after the announcement consultation
    clock.advance(days=2)
    mark = len(store.log)
    access = medical_file.professionals.open_for_professional(pro(DOCTOR), CHILD_INS)
    medical_file.holds.release_document(access, held)
    # Then the patient's side hears of a new document
    assert tell_new(notices, store, mark) == [Outcome.SENT]
    assert mailer.sent[0][1].subject == "Un nouveau document dans l'espace santé de Léa"


def test_a_minors_secret_is_never_told_to_the_parent(world, medical_file, store):
    notices, mailer, *_ = world
    mark = len(store.log)
    secret = deposit(medical_file, "lab|secret", confidential_from_representatives=True)
    access = medical_file.professionals.open_for_professional(pro(COLLEAGUE), CHILD_INS)
    medical_file.documents.get_document(access, secret)  # another professional reads it
    assert set(tell_new(notices, store, mark)) == {Outcome.HIDDEN}
    assert mailer.sent == []


def test_break_glass_tells_the_patient_and_the_treating_doctor(world, medical_file, store):
    notices, mailer, _, inbox, _ = world
    mark = len(store.log)
    er = medical_file.professionals.open_for_professional(
        pro(ER_DOCTOR), ALICE_INS, "inconsciente, allergies ?"
    )
    medical_file.profile.read(er)
    medical_file.documents.list_documents(er, DocumentFilter(), 10, None)
    entries = store.log[mark:]
    outcomes = [notices.tell(e) for e in entries]
    assert outcomes == [Outcome.SENT, Outcome.ALREADY_SENT]
    [(_, message)] = mailer.sent
    assert message.subject == "Accès en urgence à votre espace santé"
    assert "inconsciente" not in message.body
    # The treating doctor's inbox names the patient and who opened the file, not the reason
    [notice] = inbox.notices[DOCTOR].values()
    assert (notice.kind, notice.patient_ins, notice.by.rpps) == (
        NoticeKind.EMERGENCY,
        ALICE_INS,
        ER_DOCTOR,
    )
    assert "inconsciente" not in notice.model_dump_json()
    # A redelivered entry changes nothing
    assert notices.tell(entries[0]) == Outcome.ALREADY_SENT
    assert len(inbox.notices[DOCTOR]) == 1 and len(mailer.sent) == 1


def test_a_failed_send_is_retried_and_sent_once(world, medical_file, store):
    notices, mailer, claims, *_ = world
    mark = len(store.log)
    medical_file.profile.read(
        medical_file.professionals.open_for_professional(pro(DOCTOR), ALICE_INS)
    )
    [entry] = store.log[mark:]
    mailer.failures.append(RuntimeError("Throttling"))
    with pytest.raises(RuntimeError):
        notices.tell(entry)
    assert mailer.sent == [] and claims.items == {}  # the claim is dropped: the retry sends
    assert notices.tell(entry) == Outcome.SENT
    assert notices.tell(entry) == Outcome.ALREADY_SENT
    assert len(mailer.sent) == 1


def test_a_claim_left_by_a_dead_function_is_taken_once_its_lease_ran_out(
    world, medical_file, store, clock
):
    notices, mailer, claims, *_ = world
    mark = len(store.log)
    medical_file.profile.read(
        medical_file.professionals.open_for_professional(pro(DOCTOR), ALICE_INS)
    )
    [entry] = store.log[mark:]
    notice = notice_for(entry)
    assert notice is not None
    # Given a function claimed the notice and died before sending it
    assert claims.claim(entry.space_id, notice.key, clock.now(), notices.lease)
    # Then a retry within the lease does not send twice; after it, the notice goes out
    assert notices.tell(entry) == Outcome.ALREADY_SENT
    clock.advance(minutes=6)
    assert notices.tell(entry) == Outcome.SENT
    assert len(mailer.sent) == 1


def test_an_address_the_provider_refuses_is_not_retried(world, medical_file, store):
    notices, mailer, *_ = world
    mark = len(store.log)
    medical_file.profile.read(
        medical_file.professionals.open_for_professional(pro(DOCTOR), ALICE_INS)
    )
    [entry] = store.log[mark:]
    mailer.failures.append(Undeliverable("InvalidParameterValue"))
    assert notices.tell(entry) == Outcome.UNDELIVERABLE
    assert notices.tell(entry) == Outcome.ALREADY_SENT


def test_a_space_without_an_email_is_unreachable(world, medical_file, store, bob):
    notices, mailer, *_ = world
    bobs = medical_file.spaces.policy.resolve(bob, None)
    medical_file.controls.designate_treating_doctor(bobs, DOCTOR, 0)
    mark = len(store.log)
    medical_file.profile.read(
        medical_file.professionals.open_for_professional(pro(DOCTOR), BOB_INS)
    )
    assert tell_new(notices, store, mark)[-1] == Outcome.UNREACHABLE
    assert mailer.sent == []


def test_a_childs_notice_goes_to_the_parent_about_the_child(world, medical_file, store):
    notices, mailer, *_ = world
    mark = len(store.log)
    medical_file.profile.read(
        medical_file.professionals.open_for_professional(pro(DOCTOR), CHILD_INS)
    )
    assert tell_new(notices, store, mark) == [Outcome.SENT]
    [(to, message)] = mailer.sent
    assert to == ALICE_EMAIL
    assert message.subject == "Un professionnel de santé a consulté l'espace santé de Léa"
    assert "représentant légal de Léa" in message.body


def test_a_representatives_own_act_is_not_told():
    entry = AccessLogEntry.model_validate(
        {
            "entry_id": "1",
            "at": "2026-11-28T09:00:00Z",
            "actor": Caller("s", ALICE_INS, "Alice").as_author.model_dump(),
            "role": "LEGAL_REPRESENTATIVE",
            "action": "CREATE",
            "object": {"type": "document", "id": "d"},
            "space_id": "s",
        }
    )
    assert notice_for(entry) is None


def test_a_recorded_consent_is_told_so_that_one_never_given_is_revoked(world, medical_file, store):
    notices, mailer, *_ = world
    mark = len(store.log)
    medical_file.professionals.record_consent(pro(rpps(63)), ALICE_INS, FULL)
    assert tell_new(notices, store, mark) == [Outcome.SENT]
    [(_, message)] = mailer.sent
    assert message.subject == "Un professionnel de santé a désormais accès à votre espace santé"
    assert "retirez-lui cet accès" in message.body
