"""Automatic enrollment on in-memory fakes, with an injected clock: the code's life, the person's
decisions, brute force, and the timer's activation of a wave."""

from datetime import date, timedelta

import pytest

from healthspace.enrollment.codes import code_digest, code_matches, new_code, normalize_code
from healthspace.enrollment.enrollments import (
    CHUNK_SIZE,
    CODE_REQUESTS_FOLDER,
    CodeRefused,
    Enrollments,
    Rules,
)
from healthspace.enrollment.model import (
    Channel,
    Citizen,
    Contact,
    Decision,
    EnrollmentStatus,
    PostalAddress,
)
from healthspace.enrollment.receipts import render_code_request
from healthspace.kernel.errors import BadRequest, Conflict
from healthspace.kernel.identifiers import make_ins
from healthspace.records.model import Role
from healthspace.wiring.compose import compose_medical_file
from tests.fakes import (
    FakeBlobs,
    FakeClock,
    FakeEnrollmentStore,
    FakeKeys,
    FakeNotifier,
    FakeOpsFiles,
    FakeScheduler,
    FakeStore,
    SequentialIds,
)
from tests.unit.test_helpline import pdf_text

PEPPER = b"test-pepper"
PARENT = Citizen(
    ins=make_ins("1800175000001"),
    birth_date=date(1980, 1, 1),
    given_name="Marc",
    family_name="Petit",
    contact=Contact(email="marc.petit@example.org", mobile="0612345678"),
)
CHILD = Citizen(
    ins=make_ins("2150175000002"),
    birth_date=date(2015, 1, 1),
    given_name="Zoé",
    family_name="Petit",
    contact=Contact(),
    representatives=(PARENT.ins,),
)
LETTER_ONLY = Citizen(
    ins=make_ins("2450175000003"),
    birth_date=date(1945, 1, 1),
    given_name="Jeanne",
    family_name="Roux",
    contact=Contact(
        address=PostalAddress(lines=("3 rue des Lilas",), postal_code="75011", city="Paris")
    ),
)


class World:
    def __init__(self) -> None:
        self.clock = FakeClock()
        self.medical = FakeStore()
        self.store = FakeEnrollmentStore(self.medical)
        self.notifier = FakeNotifier()
        self.files = FakeOpsFiles()
        self.scheduler = FakeScheduler()
        ids = SequentialIds()
        medical_file = compose_medical_file(self.medical, FakeBlobs(), FakeKeys(), self.clock, ids)
        self.enrollments = Enrollments(
            store=self.store,
            notifier=self.notifier,
            files=self.files,
            scheduler=self.scheduler,
            pepper=PEPPER,
            clock=self.clock,
            ids=ids,
            new_space=medical_file.spaces.new_space,
            render_receipt=lambda receipt: b"%PDF-receipt " + receipt.receipt_id.encode(),
            render_request=render_code_request,
            rules=Rules(window=timedelta(days=42)),
        )

    def enroll(self, *citizens: Citizen) -> None:
        for citizen in citizens:
            recipient = citizen.contact
            if citizen.representatives != ():
                recipient = PARENT.contact
            _, created = self.enrollments.enroll(citizen, recipient)
            assert created
        self.enrollments.flush_letters()  # as an import does at its end

    def code(self, citizen: Citizen) -> str:
        return self.notifier.codes[citizen.ins]


@pytest.fixture
def world():
    return World()


class TestCodes:
    def test_codes_are_distinct_readable_and_normalised(self):
        codes = {new_code() for _ in range(1000)}
        assert len(codes) == 1000
        code = next(iter(codes))
        assert len(code) == 14 and code.count("-") == 2
        assert normalize_code(code.lower().replace("-", " ")) == code.replace("-", "")
        assert normalize_code("too short") is None

    def test_digest_is_bound_to_the_ins_and_compared_safely(self):
        code = new_code()
        digest = code_digest(PEPPER, PARENT.ins, code)
        assert code not in digest
        assert code_matches(PEPPER, PARENT.ins, code, digest)
        assert not code_matches(PEPPER, CHILD.ins, code, digest)
        assert not code_matches(b"other pepper", PARENT.ins, code, digest)
        assert not code_matches(PEPPER, PARENT.ins, code, None)


class TestNotification:
    def test_each_person_gets_a_code_once_and_joins_todays_wave(self, world):
        world.enroll(PARENT, LETTER_ONLY)
        again, created = world.enrollments.enroll(PARENT, PARENT.contact)  # a re-import
        assert not created and again == world.store.get_enrollment(PARENT.ins)
        enrollment = world.store.get_enrollment(PARENT.ins)
        assert enrollment.status is EnrollmentStatus.PENDING
        assert enrollment.code_digest != world.code(PARENT)
        assert world.store.wave_counts(enrollment.wave_id).notified == 2
        assert [w.wave_id for w in world.scheduler.scheduled] == [enrollment.wave_id]

    def test_deadline_gives_everyone_the_whole_window(self, world):
        world.enroll(PARENT)
        deadline = world.store.get_enrollment(PARENT.ins).deadline
        assert deadline - world.clock.now() >= timedelta(days=42)
        assert deadline - world.clock.now() < timedelta(days=43)

    def test_a_childs_code_goes_to_the_representative(self, world):
        world.enroll(PARENT, CHILD)
        child = world.store.get_enrollment(CHILD.ins)
        assert child.recipient == PARENT.contact
        assert child.recipient.channel is Channel.EMAIL


class TestOpposition:
    def test_opposing_before_the_deadline(self, world):
        world.enroll(PARENT)
        receipt, link = world.enrollments.oppose(PARENT.ins, PARENT.birth_date, world.code(PARENT))
        assert receipt.decision is Decision.OPPOSED and link
        assert world.store.get_enrollment(PARENT.ins).status is EnrollmentStatus.OPPOSED
        assert world.files.objects[f"receipts/{receipt.receipt_id}.pdf"].startswith(b"%PDF")
        wave = world.store.get_enrollment(PARENT.ins).wave_id
        assert world.store.wave_counts(wave).opposed == 1

    def test_after_the_deadline_the_code_no_longer_works(self, world):
        world.enroll(PARENT)
        world.clock.advance(days=43)
        with pytest.raises(CodeRefused):
            world.enrollments.oppose(PARENT.ins, PARENT.birth_date, world.code(PARENT))

    @pytest.mark.parametrize("wrong", ["ins", "birth_date", "code"])
    def test_any_wrong_detail_gets_the_same_answer(self, world, wrong):
        world.enroll(PARENT, LETTER_ONLY)
        details = {"ins": PARENT.ins, "birth_date": PARENT.birth_date, "code": world.code(PARENT)}
        details[wrong] = {
            "ins": make_ins("1990175999999"),  # nobody
            "birth_date": date(1981, 1, 1),
            "code": world.code(LETTER_ONLY),
        }[wrong]
        with pytest.raises(CodeRefused) as refused:
            world.enrollments.oppose(**details)
        assert refused.value.message == CodeRefused().message
        assert world.store.get_enrollment(PARENT.ins).status is EnrollmentStatus.PENDING

    def test_brute_force_locks_the_code_even_the_right_one(self, world):
        world.enroll(PARENT)
        for _ in range(5):
            with pytest.raises(CodeRefused):
                world.enrollments.oppose(PARENT.ins, PARENT.birth_date, "AAAA-AAAA-AAAA")
        with pytest.raises(CodeRefused):
            world.enrollments.oppose(PARENT.ins, PARENT.birth_date, world.code(PARENT))
        world.clock.advance(hours=1, seconds=1)  # the lock is for a while, not forever
        receipt, _ = world.enrollments.oppose(PARENT.ins, PARENT.birth_date, world.code(PARENT))
        assert receipt.decision is Decision.OPPOSED

    def test_the_lock_holds_until_the_hour_is_over(self, world):
        world.enroll(PARENT)
        for _ in range(5):
            with pytest.raises(CodeRefused):
                world.enrollments.oppose(PARENT.ins, PARENT.birth_date, "AAAA-AAAA-AAAA")
        world.clock.advance(minutes=59, seconds=59)
        with pytest.raises(CodeRefused):
            world.enrollments.oppose(PARENT.ins, PARENT.birth_date, world.code(PARENT))

    def test_a_locked_person_gets_no_new_code_either(self, world):
        """The lost-code route counts against the same lock: the second factor cannot be
        guessed without limit, nor the lock be escaped by asking for a new code."""
        world.enroll(PARENT)
        code = world.code(PARENT)
        for _ in range(5):
            with pytest.raises(CodeRefused):
                world.enrollments.oppose(PARENT.ins, PARENT.birth_date, "AAAA-AAAA-AAAA")
        world.enrollments.reissue_code(PARENT.ins, PARENT.birth_date, "5678")  # the right one
        assert world.code(PARENT) == code

    def test_unknown_people_lock_the_same_way(self, world):
        """Attempts are counted per INS whether or not it is known: locking reveals nothing."""
        nobody = make_ins("1990175999999")
        for _ in range(5):
            with pytest.raises(CodeRefused):
                world.enrollments.oppose(nobody, date(1999, 1, 1), "AAAA-AAAA-AAAA")
        assert max(count for count, _ in world.store.attempts.values()) == 5

    def test_an_opposed_person_cannot_then_activate(self, world):
        world.enroll(PARENT)
        code = world.code(PARENT)
        world.enrollments.oppose(PARENT.ins, PARENT.birth_date, code)
        with pytest.raises(CodeRefused):
            world.enrollments.activate_early(PARENT.ins, PARENT.birth_date, code)


class TestActivation:
    def test_early_activation_opens_the_space_now(self, world):
        world.enroll(PARENT)
        receipt, _ = world.enrollments.activate_early(
            PARENT.ins, PARENT.birth_date, world.code(PARENT)
        )
        enrollment = world.store.get_enrollment(PARENT.ins)
        assert receipt.decision is Decision.ACTIVE
        assert enrollment.status is EnrollmentStatus.ACTIVE
        assert world.medical.get_person(PARENT.ins).spaces == {enrollment.space_id: Role.HOLDER}
        assert world.medical.get_space(enrollment.space_id).holder.given_name == "Marc"

    def test_a_childs_space_is_granted_to_the_representative(self, world):
        world.enroll(PARENT, CHILD)
        world.enrollments.activate_early(CHILD.ins, CHILD.birth_date, world.code(CHILD))
        space_id = world.store.get_enrollment(CHILD.ins).space_id
        assert world.medical.get_person(PARENT.ins).spaces[space_id] is Role.LEGAL_REPRESENTATIVE

    def test_the_timer_activates_the_pending_and_only_once(self, world):
        world.enroll(PARENT, CHILD, LETTER_ONLY)
        wave_id = world.store.get_enrollment(PARENT.ins).wave_id
        world.enrollments.write_chunks(wave_id, "import1", [PARENT.ins, CHILD.ins, LETTER_ONLY.ins])
        world.enrollments.oppose(LETTER_ONLY.ins, LETTER_ONLY.birth_date, world.code(LETTER_ONLY))
        world.clock.advance(days=43)
        [chunk] = world.enrollments.waves.seal_wave(wave_id)
        assert world.enrollments.waves.activate_chunk(chunk) == {
            "activated": 2,
            "skipped": 1,
            "unnotified": 0,
        }
        # A retried chunk (Step Functions retries, at-least-once) acts on nobody twice.
        assert world.enrollments.waves.activate_chunk(chunk) == {
            "activated": 0,
            "skipped": 3,
            "unnotified": 0,
        }
        summary = world.enrollments.waves.finish_wave(wave_id)
        assert summary["notified"] == 3 and summary["opposed"] == 1 and summary["activated"] == 2
        assert summary["opposition_rate"] == round(1 / 3, 4)
        assert len(world.medical.spaces) == 2
        assert world.store.get_enrollment(LETTER_ONLY.ins).status is EnrollmentStatus.OPPOSED

    def test_the_pending_people_of_a_chunk_that_kept_failing_are_counted_as_failed(self, world):
        world.enroll(PARENT, CHILD, LETTER_ONLY)
        wave_id = world.store.get_enrollment(PARENT.ins).wave_id
        world.enrollments.write_chunks(wave_id, "import1", [PARENT.ins, CHILD.ins])
        world.enrollments.write_chunks(wave_id, "import2", [LETTER_ONLY.ins])
        world.enrollments.oppose(PARENT.ins, PARENT.birth_date, world.code(PARENT))
        world.clock.advance(days=43)
        first, second = world.enrollments.waves.seal_wave(wave_id)
        world.enrollments.waves.activate_chunk(second)
        # The state machine leaves the failed chunk's key, once per attempt at the item.
        world.files.put_text(f"waves/{wave_id}/failed/0.txt", first, "text/plain")
        world.files.put_text(f"waves/{wave_id}/failed/0.txt", first, "text/plain")

        summary = world.enrollments.waves.finish_wave(wave_id)

        # Of the failed chunk, the parent had opposed: only the child is still pending.
        assert (summary["activated"], summary["failed"], summary["failed_chunks"]) == (1, 1, 1)
        assert world.files.objects[f"waves/{wave_id}/summary.json"] == summary

    def test_chunks_hold_at_most_a_thousand_people(self, world):
        keys = world.enrollments.write_chunks("W1", "big", [f"{n:015d}" for n in range(2500)])
        sizes = [len(world.files.objects[k]["ins"]) for k in keys]
        assert sizes == [CHUNK_SIZE, CHUNK_SIZE, 500]


class TestHelplineAndLostCode:
    def test_an_operator_records_an_opposition_and_a_letter_follows(self, world):
        world.enroll(PARENT)
        receipt, _ = world.enrollments.decide_for(
            "agent-42", PARENT.ins, PARENT.birth_date, Decision.OPPOSED
        )
        assert receipt.decided_by == "helpline"
        enrollment = world.store.get_enrollment(PARENT.ins)
        assert enrollment.decided_by == "operator:agent-42"
        [(_sent_to, sent)] = world.notifier.receipts
        assert sent.receipt_id == receipt.receipt_id
        assert [e.actor for e in world.store.log if e.action == "OPPOSED"] == ["operator:agent-42"]

    def test_an_operator_needs_the_right_birth_date(self, world):
        world.enroll(PARENT)
        with pytest.raises(BadRequest):
            world.enrollments.decide_for("agent", PARENT.ins, date(1970, 1, 1), Decision.ACTIVE)

    def test_a_lost_code_is_replaced_and_the_old_one_stops_working(self, world):
        world.enroll(PARENT)
        old = world.code(PARENT)
        deadline = world.store.get_enrollment(PARENT.ins).deadline
        world.enrollments.reissue_code(PARENT.ins, PARENT.birth_date, "5678")  # mobile's end
        new = world.code(PARENT)
        assert new != old
        assert world.store.get_enrollment(PARENT.ins).deadline == deadline
        with pytest.raises(CodeRefused):
            world.enrollments.oppose(PARENT.ins, PARENT.birth_date, old)
        world.enrollments.oppose(PARENT.ins, PARENT.birth_date, new)

    def test_a_wrong_second_factor_sends_nothing_but_counts(self, world):
        world.enroll(LETTER_ONLY)
        old = world.code(LETTER_ONLY)
        world.enrollments.reissue_code(LETTER_ONLY.ins, LETTER_ONLY.birth_date, "13001")
        assert world.code(LETTER_ONLY) == old
        assert next(iter(world.store.attempts.values()))[0] == 1
        world.enrollments.reissue_code(LETTER_ONLY.ins, LETTER_ONLY.birth_date, "75011")
        assert world.code(LETTER_ONLY) != old

    @pytest.mark.parametrize("language", ["fr", "en"])
    def test_the_receipt_of_a_code_request_is_the_same_whatever_matched(self, world, language):
        """A request that matches (a new code sent) and two that do not (a wrong second factor,
        an unknown INS), at the same moment: their PDFs differ only by their references."""
        world.enroll(PARENT)
        old = world.code(PARENT)
        asked = [
            world.enrollments.ask_for_code(PARENT.ins, PARENT.birth_date, "5678", language),
            world.enrollments.ask_for_code(PARENT.ins, PARENT.birth_date, "0000", language),
            world.enrollments.ask_for_code(
                make_ins("1990175000009"), date(1990, 1, 1), "5678", language
            ),
        ]
        assert world.code(PARENT) != old  # the first matched: a new code went out
        pdfs = [world.files.objects[f"{CODE_REQUESTS_FOLDER}/{r.request_id}.pdf"] for r, _ in asked]
        assert len({r.request_id for r, _ in asked}) == 3
        assert all(link.endswith(f"{r.request_id}.pdf") for r, link in asked)
        first = asked[0][0]
        assert first.received_at == world.clock.now() and first.language == language
        for request, _ in asked[1:]:
            renamed = request.model_copy(update={"request_id": first.request_id})
            assert render_code_request(renamed, timedelta(days=42), "") == pdfs[0]
        text = pdf_text(pdfs[0])
        assert first.request_id in text
        said = {"fr": ("nouveau code", "42 jours"), "en": ("new code", "42 days")}[language]
        assert all(words in text for words in said), text

    def test_a_valid_code_tells_until_when_one_may_decide_a_wrong_one_counts(self, world):
        world.enroll(PARENT)
        deadline = world.store.get_enrollment(PARENT.ins).deadline
        checked = world.enrollments.check_code(PARENT.ins, PARENT.birth_date, world.code(PARENT))
        assert checked == deadline
        assert next(iter(world.store.attempts.values()))[0] == 0  # a right one is given back
        with pytest.raises(CodeRefused):
            world.enrollments.check_code(PARENT.ins, PARENT.birth_date, "AAAA-AAAA-AAAA")
        assert next(iter(world.store.attempts.values()))[0] == 1
        assert world.store.get_enrollment(PARENT.ins).status is EnrollmentStatus.PENDING


class TestAfterTheDeadline:
    def test_someone_who_opposed_can_ask_for_a_space_later(self, world):
        world.enroll(PARENT)
        world.enrollments.oppose(PARENT.ins, PARENT.birth_date, world.code(PARENT))
        world.clock.advance(days=100)
        receipt, _ = world.enrollments.request_space(PARENT.ins)
        enrollment = world.store.get_enrollment(PARENT.ins)
        assert receipt.decision is Decision.ACTIVE
        assert enrollment.status is EnrollmentStatus.ACTIVE
        assert world.medical.get_person(PARENT.ins).spaces == {enrollment.space_id: Role.HOLDER}

    def test_only_after_an_opposition(self, world):
        world.enroll(PARENT)
        with pytest.raises(Conflict):
            world.enrollments.request_space(PARENT.ins)

    def test_the_helpline_can_open_the_space_of_someone_who_opposed(self, world):
        world.enroll(PARENT)
        world.enrollments.oppose(PARENT.ins, PARENT.birth_date, world.code(PARENT))
        world.enrollments.decide_for("agent", PARENT.ins, PARENT.birth_date, Decision.ACTIVE)
        assert world.store.get_enrollment(PARENT.ins).status is EnrollmentStatus.ACTIVE
        with pytest.raises(BadRequest):  # but an opposition, once active, is not how to close
            world.enrollments.decide_for("agent", PARENT.ins, PARENT.birth_date, Decision.OPPOSED)


def test_a_wave_past_its_deadline_takes_no_newcomers():
    """With a demo window shorter than a day, a later import the same day opens the next wave."""
    world = World()
    world.enrollments.rules = Rules(window=timedelta(minutes=2))
    world.enroll(PARENT)
    first = world.store.get_enrollment(PARENT.ins).wave_id
    world.clock.advance(minutes=3)
    world.enroll(LETTER_ONLY)
    second = world.store.get_enrollment(LETTER_ONLY.ins).wave_id
    assert second == f"{first}-2"
    assert [w.wave_id for w in world.scheduler.scheduled] == [first, second]
    assert world.store.get_enrollment(LETTER_ONLY.ins).deadline > world.clock.now()


class Killed(BaseException):
    """The function dies between writing an enrollment and sending its code (a timeout, an
    out-of-memory kill): nothing of the domain runs after it."""


def enroll_but_die_before_sending(world, citizen):
    """The import writes the enrollment, then the function dies before the code goes out."""

    def killed(enrollment, code):
        raise Killed()

    sent, world.notifier.send_code = world.notifier.send_code, killed
    with pytest.raises(Killed):
        world.enrollments.enroll(citizen, citizen.contact)
    world.notifier.send_code = sent
    return world.store.get_enrollment(citizen.ins)


class TestNeverTold:
    """Nobody gets a space without having been told, whatever failed between the write of their
    enrollment and the sending of their code."""

    @pytest.mark.parametrize("failure", [RuntimeError("Throttling"), Killed()])
    def test_the_timer_leaves_them_pending_and_counts_them(self, world, failure):
        sent = world.notifier.send_code

        def fail_for_parent(enrollment, code):
            if enrollment.ins == PARENT.ins:
                raise failure
            return sent(enrollment, code)

        world.notifier.send_code = fail_for_parent
        with pytest.raises(type(failure)):
            world.enrollments.enroll(PARENT, PARENT.contact)
        world.enroll(LETTER_ONLY)
        wave_id = world.store.get_enrollment(PARENT.ins).wave_id
        world.enrollments.write_chunks(wave_id, "import1", [PARENT.ins, LETTER_ONLY.ins])
        world.clock.advance(days=43)
        [chunk] = world.enrollments.waves.seal_wave(wave_id)

        outcome = world.enrollments.waves.activate_chunk(chunk)

        assert outcome == {"activated": 1, "skipped": 0, "unnotified": 1}
        assert world.store.get_enrollment(PARENT.ins).status is EnrollmentStatus.PENDING
        summary = world.enrollments.waves.finish_wave(wave_id)
        assert (summary["notified"], summary["activated"], summary["unnotified"]) == (1, 1, 1)

    def test_the_retried_import_tells_them_with_a_new_code(self, world):
        lost = enroll_but_die_before_sending(world, PARENT)
        assert lost.notified_at is None and PARENT.ins not in world.notifier.codes

        enrollment, notified = world.enrollments.enroll(PARENT, PARENT.contact)  # the retry

        assert notified and enrollment.notified_at == world.clock.now()
        assert enrollment == world.store.get_enrollment(PARENT.ins)
        assert enrollment.code_digest != lost.code_digest
        assert world.store.wave_counts(enrollment.wave_id).notified == 1
        # Once told, a third import changes nothing and sends nothing.
        codes = dict(world.notifier.codes)
        assert world.enrollments.enroll(PARENT, PARENT.contact) == (enrollment, False)
        assert world.notifier.codes == codes
        receipt, _ = world.enrollments.oppose(PARENT.ins, PARENT.birth_date, world.code(PARENT))
        assert receipt.decision is Decision.OPPOSED

    def test_told_after_their_wave_they_get_a_whole_window_in_a_new_one(self, world):
        first = enroll_but_die_before_sending(world, PARENT)
        world.enrollments.write_chunks(first.wave_id, "import1", [PARENT.ins])
        world.clock.advance(days=43)
        [old_chunk] = world.enrollments.waves.seal_wave(first.wave_id)
        world.enrollments.waves.activate_chunk(
            old_chunk
        )  # their wave's timer: not told, not activated

        enrollment, notified = world.enrollments.enroll(PARENT, PARENT.contact)  # re-import

        assert notified and enrollment.wave_id != first.wave_id
        assert enrollment.deadline - world.clock.now() >= timedelta(days=42)
        # A late rerun of the old wave's chunk does not activate them before their new deadline.
        assert world.enrollments.waves.activate_chunk(old_chunk)["activated"] == 0
        assert world.store.get_enrollment(PARENT.ins).status is EnrollmentStatus.PENDING
        world.enrollments.activate_early(PARENT.ins, PARENT.birth_date, world.code(PARENT))
        assert world.store.get_enrollment(PARENT.ins).status is EnrollmentStatus.ACTIVE

    def test_a_lost_code_request_tells_someone_never_told(self, world):
        enroll_but_die_before_sending(world, PARENT)

        world.enrollments.reissue_code(PARENT.ins, PARENT.birth_date, "5678")

        enrollment = world.store.get_enrollment(PARENT.ins)
        assert enrollment.notified_at is not None and PARENT.ins in world.notifier.codes
        assert world.store.wave_counts(enrollment.wave_id).notified == 1
