"""A space's life in operators' hands (healthspace.lifecycle), on in-memory fakes: the death
registry's import, suspensions (identity fraud) and their end, the helpline closing a space for
a caller; what the access policy, the professionals' door, the partners and the notices make of
each."""

import io
import json
from datetime import date

import pytest

from healthspace.care.record import FULL
from healthspace.enrollment.model import Channel, Contact, PostalAddress
from healthspace.kernel.errors import (
    CareAccessRefused,
    Conflict,
    Forbidden,
    NotFound,
    SpaceSuspended,
)
from healthspace.lifecycle.closures import Closures
from healthspace.lifecycle.deaths import import_deaths
from healthspace.lifecycle.helpline import (
    HelplineAction,
    HelplineDesk,
    HelplineRequest,
    IdentityCheck,
)
from healthspace.lifecycle.model import CLOSURE_OBJECT, SUSPENSION_OBJECT, ClosureReason
from healthspace.lifecycle.suspensions import Expiry, Suspensions
from healthspace.notices.patient import Outcome
from healthspace.records.model import Action, Role, SpaceStatus
from tests.fakes import (
    FakeClosures,
    FakeEnrollmentStore,
    FakeLetters,
    FakeOpsFiles,
    FakeSuspensionTimer,
    SequentialIds,
)
from tests.unit.conftest import ALICE_INS, BOB_INS, CHILD_INS
from tests.unit.test_announcement_holds import DOCTOR, pro
from tests.unit.test_announcement_holds import child as child  # the fixture
from tests.unit.test_messages import SITE
from tests.unit.test_notices import enrollment
from tests.unit.test_notices import world as world  # the fixture
from tests.unit.test_professional_access import STRANGER

ALICE_BORN, CHILD_BORN, BOB_BORN = date(1985, 6, 1), date(2015, 6, 1), date(1979, 1, 1)


@pytest.fixture
def closures_store(store):
    return FakeClosures(store)


@pytest.fixture
def closures(medical_file, closures_store, clock):
    return Closures(closures_store, medical_file.spaces.policy, medical_file.history, clock)


@pytest.fixture
def timer():
    return FakeSuspensionTimer()


@pytest.fixture
def suspensions(medical_file, closures_store, closures, timer):
    return Suspensions(closures_store, medical_file.spaces, closures, medical_file.history, timer)


def entries(store, space_id: str, object_type: str) -> list:
    return [e for e in store.log if e.space_id == space_id and e.object.type == object_type]


# --- the death registry's import


def deaths_file(*rows: str) -> io.StringIO:
    return io.StringIO("\n".join(["ins;birth_date;death_date", *rows]) + "\n")


def run_import(medical_file, closures, stream, files=None):
    files = files or FakeOpsFiles()
    summary, errors = import_deaths(
        closures,
        medical_file.spaces.any_space_of,
        files,
        SequentialIds(),
        stream,
        "csv",
        "deaths.csv",
        date(2026, 11, 28),
    )
    return summary, errors, files


def test_each_death_closes_the_persons_space_once_and_the_report_names_lines_not_values(
    medical_file, closures, closures_store, store, spaces
):
    from healthspace.kernel.identifiers import make_ins

    nobody = make_ins("1500175123456")
    rows = (
        f"{ALICE_INS};1985-06-01;20/11/2026",
        f"{BOB_INS};1980-01-01;2026-11-20",  # not Bob's birth date: his space stays open
        f"{nobody};1950-01-01;2026-11-01",  # no space: counted, nothing to close
        f"{ALICE_INS[:13]}00;1985-06-01;2026-11-20",  # a wrong key
        f"{CHILD_INS};2015-06-01;2027-01-01",  # in the future
        f"{ALICE_INS};1985-06-01;2026-11-20",  # the same person twice
        "1;2;3;4",
    )
    summary, errors, files = run_import(medical_file, closures, deaths_file(*rows))

    assert (summary.lines, summary.closed, summary.already_closed, summary.without_space) == (
        7,
        1,
        0,
        1,
    )
    alice_space = spaces["alice"].space_id
    assert store.spaces[alice_space].status is SpaceStatus.CLOSED
    closure = closures_store.closures[alice_space]
    assert closure.reason is ClosureReason.DEATH
    assert (closure.closed_by.role, closure.closed_by.id) == (Role.SYSTEM, "death-registry")
    [entry] = entries(store, alice_space, CLOSURE_OBJECT)
    assert (entry.actor.id, entry.action) == ("death-registry", Action.UPDATE)
    assert store.spaces[spaces["bob"].space_id].status is SpaceStatus.ACTIVE
    assert [(e.line, e.field) for e in errors] == [
        (3, "birth_date"),
        (5, "ins"),
        (6, "death_date"),
        (7, "ins"),
        (8, "record"),
    ]
    report = files.objects[summary.report_key]
    assert report.splitlines()[0] == "line,field,reason"
    for value in (ALICE_INS, BOB_INS, "1985-06-01", "2027-01-01"):
        assert value not in report
    assert files.objects[f"reports/{summary.import_id}.json"]["closed"] == 1

    # The same file again: nothing is closed twice, the counts say so
    again, _, _ = run_import(medical_file, closures, deaths_file(*rows))
    assert (again.closed, again.already_closed) == (0, 1)
    assert len(entries(store, alice_space, CLOSURE_OBJECT)) == 1


def test_a_death_closes_a_suspended_space_too(medical_file, closures, suspensions, store, spaces):
    suspensions.suspend("op-1", ALICE_INS, ALICE_BORN)
    summary, _, _ = run_import(
        medical_file, closures, deaths_file(f"{ALICE_INS};1985-06-01;2026-11-20")
    )
    assert summary.closed == 1
    assert store.spaces[spaces["alice"].space_id].status is SpaceStatus.CLOSED


def test_a_childs_representatives_are_told_of_the_death_an_adults_space_tells_nobody(
    world, medical_file, closures, store, spaces
):
    notices, mailer, *_ = world
    since = len(store.log)
    run_import(
        medical_file,
        closures,
        deaths_file(f"{CHILD_INS};2015-06-01;2026-11-20", f"{ALICE_INS};1985-06-01;2026-11-20"),
    )
    outcomes = [notices.tell(e) for e in store.log[since:]]
    assert outcomes == [Outcome.SENT, Outcome.NOT_TOLD]
    [(to, message)] = mailer.sent
    assert to == f"email:{CHILD_INS}"  # the child's enrollment: its recipient is Alice
    assert "Léa" in message.body and "représentant légal" in message.body
    assert "fermé" in message.subject.lower() or "fermeture" in message.subject.lower()
    # told once, whatever the stream redelivers
    assert notices.tell(store.log[since]) is Outcome.ALREADY_SENT


# --- suspensions


def test_a_suspension_freezes_the_space_for_everyone_but_operators_and_starts_its_wait(
    medical_file, suspensions, timer, store, spaces, alice, child
):
    space_id = spaces["alice"].space_id
    version = store.spaces[space_id].version
    state = suspensions.suspend("op-1", ALICE_INS, ALICE_BORN)

    assert (state.status, state.changed_now) == (SpaceStatus.SUSPENDED, True)
    assert store.spaces[space_id].version == version + 1
    assert timer.started == [(space_id, version + 1)]
    [entry] = entries(store, space_id, SUSPENSION_OBJECT)
    assert (entry.actor.id, entry.role, entry.action) == (
        "operator:op-1",
        Role.SYSTEM,
        Action.CREATE,
    )
    # The holder: 403 SPACE_SUSPENDED
    with pytest.raises(SpaceSuspended) as refused:
        medical_file.spaces.policy.resolve(alice, None)
    assert (refused.value.status, refused.value.code) == (403, "SPACE_SUSPENDED")
    # Partners (by INS) find no active space; a stranger has no relationship
    with pytest.raises(NotFound):
        medical_file.spaces.space_of(ALICE_INS)
    with pytest.raises(CareAccessRefused) as stranger:
        medical_file.professionals.open_for_professional(pro(STRANGER), ALICE_INS, "urgence")
    assert stranger.value.code == "NO_RELATIONSHIP"
    # Suspending again changes nothing; the wait is asked again under the same name
    again = suspensions.suspend("op-2", ALICE_INS, ALICE_BORN)
    assert (again.status, again.changed_now) == (SpaceStatus.SUSPENDED, False)
    assert timer.started == [(space_id, version + 1)]
    assert len(entries(store, space_id, SUSPENSION_OBJECT)) == 1


def test_a_professional_the_patient_let_in_is_told_the_space_is_suspended(
    medical_file, suspensions, alice, child
):
    suspensions.suspend("op-1", CHILD_INS, CHILD_BORN)
    with pytest.raises(SpaceSuspended):
        medical_file.professionals.open_for_professional(pro(DOCTOR), CHILD_INS)
    with pytest.raises(SpaceSuspended):
        medical_file.professionals.record_consent(pro(DOCTOR), CHILD_INS, FULL)
    # and the representative is refused as the holder is
    with pytest.raises(SpaceSuspended):
        medical_file.spaces.policy.resolve(alice, child["holder"].space_id)


def test_the_wait_closes_a_space_nobody_answered_for(
    suspensions, closures_store, store, spaces, alice, medical_file
):
    space_id = spaces["alice"].space_id
    suspensions.suspend("op-1", ALICE_INS, ALICE_BORN)
    version = store.spaces[space_id].version

    assert suspensions.expire(space_id, version) is Expiry.CLOSED
    assert store.spaces[space_id].status is SpaceStatus.CLOSED
    closure = closures_store.closures[space_id]
    assert (closure.reason, closure.closed_by.id) == (ClosureReason.SUSPENSION_UNANSWERED, "system")
    # Step Functions may run the step twice
    assert suspensions.expire(space_id, version) is Expiry.ALREADY_CLOSED
    assert len(entries(store, space_id, CLOSURE_OBJECT)) == 1
    # Too late to lift or suspend
    for act in (suspensions.lift, suspensions.suspend):
        with pytest.raises(Conflict):
            act("op-1", ALICE_INS, ALICE_BORN)


def test_a_lifted_suspension_ends_its_wait_doing_nothing_a_new_one_has_its_own(
    suspensions, timer, store, spaces, medical_file, alice
):
    space_id = spaces["alice"].space_id
    suspensions.suspend("op-1", ALICE_INS, ALICE_BORN)
    first = store.spaces[space_id].version
    lifted = suspensions.lift("op-1", ALICE_INS, ALICE_BORN)
    assert (lifted.status, lifted.changed_now) == (SpaceStatus.ACTIVE, True)
    medical_file.spaces.policy.resolve(alice, None)  # readable again
    assert suspensions.expire(space_id, first) is Expiry.LIFTED
    assert store.spaces[space_id].status is SpaceStatus.ACTIVE
    # Suspended again: the first wait's end leaves the second suspension alone
    suspensions.suspend("op-1", ALICE_INS, ALICE_BORN)
    second = store.spaces[space_id].version
    assert timer.started == [(space_id, first), (space_id, second)]
    assert suspensions.expire(space_id, first) is Expiry.LIFTED
    assert store.spaces[space_id].status is SpaceStatus.SUSPENDED
    assert suspensions.expire(space_id, second) is Expiry.CLOSED
    # Lifting an active space answers it as it is
    assert [e.action for e in entries(store, space_id, SUSPENSION_OBJECT)] == [
        Action.CREATE,
        Action.DELETE,
        Action.CREATE,
    ]


def test_an_operator_names_a_space_by_ins_and_the_matching_birth_date(suspensions, spaces):
    with pytest.raises(NotFound):
        suspensions.suspend("op-1", ALICE_INS, date(1985, 6, 2))
    from healthspace.kernel.identifiers import make_ins

    with pytest.raises(NotFound):
        suspensions.suspend("op-1", make_ins("1500175123456"), ALICE_BORN)
    assert suspensions.lift("op-1", BOB_INS, BOB_BORN).status is SpaceStatus.ACTIVE


def test_the_holder_is_told_of_the_suspension_by_their_enrollments_channel(
    world, suspensions, store, spaces
):
    notices, mailer, *_ = world
    since = len(store.log)
    suspensions.suspend("op-1", ALICE_INS, ALICE_BORN)
    suspensions.lift("op-1", ALICE_INS, ALICE_BORN)
    assert [notices.tell(e) for e in store.log[since:]] == [Outcome.SENT, Outcome.NOT_TOLD]
    [(to, message)] = mailer.sent
    assert to == f"email:{ALICE_INS}"
    assert "suspendu" in message.subject and SITE.helpline_phone in message.body


# --- the helpline


class FakeDeletions:
    """Deletions.request as the helpline calls it: who asked, and a deletion under way."""

    def __init__(self, store, clock) -> None:
        self.store, self.clock = store, clock
        self.requests: list = []

    def request(self, requester, space_id):
        from healthspace.lifecycle.deletion_model import Deletion, DeletionReason
        from healthspace.lifecycle.deletions import DeletionState

        self.requests.append((requester, space_id))
        space = self.store.spaces[space_id]
        started = space.status is not SpaceStatus.DELETING
        self.store.spaces[space_id] = space.model_copy(update={"status": SpaceStatus.DELETING})
        deletion = Deletion(
            space_id=space_id,
            reason=DeletionReason.REQUEST,
            requested_at=self.clock.now(),
            requested_by=requester.role,
            status=SpaceStatus.DELETING,
        )
        return DeletionState(space_id, SpaceStatus.DELETING, deletion, started_now=started)


class FakeReopenings:
    """Reopenings.reopen as the helpline calls it: who asked, an archived space REOPENING."""

    def __init__(self, store) -> None:
        self.store = store
        self.requests: list = []

    def reopen(self, space, author, role):
        from healthspace.lifecycle.closures import ClosureState

        self.requests.append((space.space_id, author, role))
        if space.status is SpaceStatus.ARCHIVED:
            reopening = space.model_copy(update={"status": SpaceStatus.REOPENING})
            self.store.spaces[space.space_id] = reopening
            return ClosureState(space.space_id, SpaceStatus.REOPENING)
        if space.status is SpaceStatus.REOPENING:
            return ClosureState(space.space_id, SpaceStatus.REOPENING)
        if space.status.closed:
            raise Conflict("this space is being archived or deleted: ask again later")
        return None


@pytest.fixture
def contacts(store):
    contacts = FakeEnrollmentStore(store)
    alice = enrollment(ALICE_INS, "Alice", ALICE_BORN, "alice@example.org")
    address = PostalAddress(lines=("1 rue de la Paix",), postal_code="75002", city="Paris")
    contacts.enrollments[ALICE_INS] = alice.model_copy(
        update={"recipient": Contact(email="alice@example.org", address=address)}
    )
    return contacts


@pytest.fixture
def deletions(store, clock):
    return FakeDeletions(store, clock)


@pytest.fixture
def reopenings(store):
    return FakeReopenings(store)


@pytest.fixture
def desk(medical_file, closures, store, blobs, clock, contacts, deletions, reopenings):
    from healthspace.lifecycle.summary import Summaries

    letters = FakeLetters()
    summaries = Summaries(
        store, medical_file.spaces, blobs, medical_file.history, clock, medical_file.ids
    )
    summaries.documents = store
    desk = HelplineDesk(
        medical_file.spaces, closures, contacts, letters, SITE, deletions, summaries, reopenings
    )
    return desk, letters


def ask(action=HelplineAction.CLOSE, birth_date=ALICE_BORN, checks=(IdentityCheck.POSTAL_ADDRESS,)):
    return HelplineRequest("op-7", action, ALICE_INS, birth_date, frozenset(checks))


def test_the_helpline_closes_a_callers_space_and_the_receipt_goes_by_post(
    desk, closures_store, store, spaces
):
    helpline, letters = desk
    outcome = helpline.act(ask())

    space_id = spaces["alice"].space_id
    assert (outcome.state.status, outcome.receipt) == (SpaceStatus.CLOSED, "post")
    closure = closures_store.closures[space_id]
    assert (closure.reason, closure.closed_by.id) == (ClosureReason.REQUEST, "operator:op-7")
    [entry] = entries(store, space_id, CLOSURE_OBJECT)
    assert entry.actor.id == "operator:op-7"
    [(ins, kind, (channel, message))] = letters.sent
    assert (ins, kind, channel) == (ALICE_INS, "closure-receipt", Channel.POST)
    assert "par téléphone" in message.body and "28 novembre 2036" in message.body
    assert letters.flushes == 1
    # Asked again: the closure answered, no second letter
    again = helpline.act(ask())
    assert again.state.closure == closure and again.receipt is None
    assert len(letters.sent) == 1


def test_the_helpline_acts_only_after_identity_checks_on_a_matching_birth_date(desk, store, spaces):
    helpline, letters = desk
    with pytest.raises(Forbidden):
        helpline.act(ask(checks=()))
    with pytest.raises(NotFound):
        helpline.act(ask(birth_date=date(1985, 6, 2)))
    assert store.spaces[spaces["alice"].space_id].status is SpaceStatus.ACTIVE
    assert letters.sent == []


def test_a_death_registry_file_in_json_lines_and_one_too_long(
    medical_file, closures, store, spaces
):
    from healthspace.lifecycle.deaths import import_deaths

    rows = [
        {"ins": BOB_INS, "birth_date": "1979-01-01", "death_date": "2026-11-20"},
        {"ins": ALICE_INS, "birth_date": "1985-06-01", "death_date": "2026-11-20", "cause": "x"},
        [1, 2],
    ]
    lines = io.StringIO("".join(json.dumps(row) + "\n" for row in rows))
    summary, errors = import_deaths(
        closures,
        medical_file.spaces.any_space_of,
        FakeOpsFiles(),
        SequentialIds(),
        lines,
        "jsonl",
        "deaths.jsonl",
        date(2026, 11, 28),
    )
    assert summary.closed == 1 and store.spaces[spaces["bob"].space_id].status is SpaceStatus.CLOSED
    assert [(e.line, e.field, e.reason) for e in errors] == [
        (2, "record", "unknown field at position 4"),  # a cause of death is never read
        (3, "record", "not a JSON object"),
    ]
    assert store.spaces[spaces["alice"].space_id].status is SpaceStatus.ACTIVE

    rows = deaths_file(*[f"{ALICE_INS};1985-06-01;2026-11-20"] * 3)
    summary, errors = import_deaths(
        closures,
        medical_file.spaces.any_space_of,
        FakeOpsFiles(),
        SequentialIds(),
        rows,
        "csv",
        "deaths.csv",
        date(2026, 11, 28),
        max_lines=2,
    )
    assert summary.closed == 0 and [e.field for e in errors] == ["file"]
    assert store.spaces[spaces["alice"].space_id].status is SpaceStatus.ACTIVE


@pytest.mark.parametrize("kind", ["suspension", "death", "closure-receipt"])
def test_life_messages_fit_each_channel_and_say_nothing_of_health(kind):
    from datetime import UTC, datetime

    from healthspace.enrollment.messages import life_message, sms_segments

    at = datetime(2026, 11, 28, 9, tzinfo=UTC)
    child = enrollment(CHILD_INS, "Léa", CHILD_BORN, "alice@example.org")
    for channel in Channel:
        message = life_message(child, kind, at, channel, SITE, at.replace(year=2036))
        assert "28 novembre 2026" in message.body or "28/11" in message.body
        if channel is Channel.SMS:
            assert sms_segments(message.body) <= 2
        else:
            assert "Léa" in message.body and "aucune information de santé" in message.body
        if channel is Channel.POST:
            assert message.body.startswith("Madame, Monsieur,")
