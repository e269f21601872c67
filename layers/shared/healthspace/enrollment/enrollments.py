"""Use cases of automatic enrollment: notify with a code, oppose, activate early or at the
deadline, assisted decisions, lost codes. See docs/enrollment.md."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property
from typing import Any

from healthspace.enrollment.activation import activate, log_entry
from healthspace.enrollment.codes import (
    code_digest,
    code_matches,
    new_code,
    normalize_code,
    pseudonym,
)
from healthspace.enrollment.model import (
    Channel,
    Citizen,
    CodeRequestReceipt,
    Contact,
    Decision,
    Enrollment,
    EnrollmentStatus,
    Receipt,
    Wave,
    WaveStatus,
)
from healthspace.enrollment.ports import (
    EnrollmentStore,
    NewSpace,
    Notifier,
    OpsFiles,
    RenderReceipt,
    RenderRequest,
    WaveScheduler,
)
from healthspace.enrollment.waves import Waves
from healthspace.kernel.clock import Clock, IdGenerator
from healthspace.kernel.errors import BadRequest, Conflict, HealthSpaceError
from healthspace.kernel.identifiers import parse_ins

CHUNK_SIZE = 1000
# The receipts of requests for a new code: a week (their link lasts a day; the person keeps the
# downloaded copy), under a lifecycle rule of their own (template.yaml, ExpireCodeRequests).
CODE_REQUESTS_FOLDER = "receipts/code-requests"


class CodeRefused(HealthSpaceError, status=400, code="CODE_REFUSED"):
    """One answer for every failure, so that it reveals neither whether an INS is known nor
    which detail was wrong."""

    def __init__(self) -> None:
        super().__init__(
            "these details do not match a pending enrollment, the deadline has passed, or too "
            "many attempts were made: check the letter or message you received, or call the "
            "helpline"
        )


@dataclass(frozen=True)
class Rules:
    window: timedelta = timedelta(days=42)
    max_failures: int = 5
    failure_window: timedelta = timedelta(hours=1)
    helpline_phone: str = ""  # where people who prefer to call are sent (letters, the website)


def wave_id_for(day: date) -> str:
    return f"W{day:%Y%m%d}"


class Enrollments:
    def __init__(
        self,
        store: EnrollmentStore,
        notifier: Notifier,
        files: OpsFiles,
        scheduler: WaveScheduler,
        pepper: bytes | Callable[[], bytes],
        clock: Clock,
        ids: IdGenerator,
        new_space: NewSpace,
        render_receipt: RenderReceipt,
        render_request: RenderRequest,
        rules: Rules | None = None,
    ) -> None:
        self.store = store
        self.notifier = notifier
        self.files = files
        self.scheduler = scheduler
        self._pepper = pepper
        self.clock = clock
        self.ids = ids
        self.new_space = new_space
        self.render_receipt = render_receipt
        self.render_request = render_request
        self.rules = rules or Rules()
        self.waves = Waves(store, files, clock, ids, new_space)
        self._waves: dict[str, Wave] = {}
        self._posted: list[Enrollment] = []  # codes sent by letter, batches not yet written
        self._lock = threading.Lock()

    def public_facts(self) -> dict[str, Any]:
        """What anyone may know before deciding: how long a code is valid and the helpline."""
        return {
            "window_days": self.rules.window.days,
            "window_seconds": int(self.rules.window.total_seconds()),
            "helpline_phone": self.rules.helpline_phone,
        }

    @cached_property
    def pepper(self) -> bytes:
        """The key of the code digests; read on first use when given as a function."""
        return self._pepper if isinstance(self._pepper, bytes) else self._pepper()

    # ------------------------------------------------------------------ notification

    def wave_for(self, day: date) -> Wave:
        """Today's open wave, created (and its timer started) by the first person notified.

        A wave whose deadline has come is closed to newcomers: with a window shorter than a day
        (a demo) a later import the same day starts the day's next wave, W<date>-2 and so on."""
        base = wave_id_for(day)
        with self._lock:
            cached = self._waves.get(base)
        if cached and self.clock.now() < cached.deadline:
            return cached
        for n in itertools.count(1):
            wave = self._get_or_open_wave(base if n == 1 else f"{base}-{n}", day)
            if wave.status is WaveStatus.WAITING and self.clock.now() < wave.deadline:
                break
        with self._lock:
            self._waves[base] = wave
        return wave

    def _get_or_open_wave(self, wave_id: str, day: date) -> Wave:
        wave = self.store.get_wave(wave_id)
        if wave is not None:
            return wave
        candidate = Wave(wave_id=wave_id, created_at=self.clock.now(), deadline=self._deadline(day))
        if self.store.create_wave(candidate):
            self.scheduler.schedule(candidate)
            return candidate
        return self.store.get_wave(wave_id) or candidate  # another function opened it first

    def _deadline(self, day: date) -> datetime:
        """The whole window for everyone notified that day, so counted from the day's end; a
        window shorter than a day (the local demo) counts from now."""
        if self.rules.window < timedelta(days=1):
            return self.clock.now() + self.rules.window
        return datetime.combine(day + timedelta(days=1), time(0), tzinfo=UTC) + self.rules.window

    def enroll(self, citizen: Citizen, recipient: Contact) -> tuple[Enrollment, bool]:
        """Notify one person with a new code. Returns their enrollment and whether they were
        notified now. Someone whose code never went out (the send failed, or the function died
        before it) is notified again, with a new code in today's wave and so a whole window;
        anyone else is returned untouched (re-imports create no duplicate, send no second code).
        A failed send raises: the import fails and its retry comes back here."""
        now = self.clock.now()
        wave = self.wave_for(now.date())
        code = new_code()
        enrollment = Enrollment(
            ins=citizen.ins,
            birth_date=citizen.birth_date,
            given_name=citizen.given_name,
            family_name=citizen.family_name,
            wave_id=wave.wave_id,
            deadline=wave.deadline,
            status=EnrollmentStatus.PENDING,
            recipient=recipient,
            representatives=citizen.representatives,
            code_digest=code_digest(self.pepper, citizen.ins, code),
            code_issued_at=now,
            created_at=now,
        )
        log = log_entry(
            self.clock, self.ids, citizen.ins, "CODE_ISSUED", "import", recipient.channel
        )
        if not self.store.create_enrollment(enrollment, log):
            existing = self.store.get_enrollment(citizen.ins)
            assert existing is not None
            if existing.status is not EnrollmentStatus.PENDING or existing.notified_at:
                return existing, False
            enrollment = existing.model_copy(
                update={
                    "wave_id": wave.wave_id,
                    "deadline": wave.deadline,
                    "recipient": recipient,
                    "code_digest": enrollment.code_digest,
                    "code_issued_at": now,
                    "version": existing.version + 1,
                }
            )
            if not self.store.update_enrollment(enrollment, existing.version, log):
                return self.store.get_enrollment(citizen.ins) or existing, False
        return self._send_code(enrollment, code), True

    def _send_code(self, enrollment: Enrollment, code: str) -> Enrollment:
        """Send the code, then record (once) that the person was told. A letter is only
        buffered by the notifier: its person is told once flush_letters() wrote its batch."""
        channel = self.notifier.send_code(enrollment, code)
        if enrollment.notified_at:
            return enrollment
        if channel is Channel.POST:
            with self._lock:
                self._posted.append(enrollment)
            return enrollment
        return self._mark_notified(enrollment)

    def flush_letters(self) -> None:
        """Hand the buffered letters to the mail house, then record their people as told. Call
        it at the end of every unit of work that may send letters (an import, a request)."""
        self.notifier.flush()  # raises if a batch could not be written: nobody is marked
        with self._lock:
            posted, self._posted = self._posted, []
        for enrollment in posted:
            self._mark_notified(enrollment)

    def _mark_notified(self, enrollment: Enrollment) -> Enrollment:
        """Told: set notified_at and count them in their wave, once. If the enrollment changed
        meanwhile (they used the code already), it stays as it is."""
        notified = enrollment.model_copy(
            update={"notified_at": self.clock.now(), "version": enrollment.version + 1}
        )
        return notified if self.store.mark_notified(notified, enrollment.version) else enrollment

    def write_chunks(self, wave_id: str, name: str, ins_list: Sequence[str]) -> list[str]:
        """The wave's manifest: the people an import notified, in chunks the timer activates."""
        keys = []
        for n, start in enumerate(range(0, len(ins_list), CHUNK_SIZE)):
            key = f"waves/{wave_id}/chunks/{name}-{n:05d}.json"
            self.files.put_json(
                key, {"wave_id": wave_id, "ins": list(ins_list[start : start + CHUNK_SIZE])}
            )
            keys.append(key)
        return keys

    def contact_of(self, ins: str) -> Contact | None:
        """How to reach an already enrolled adult (a minor's representative from earlier files)."""
        enrollment = self.store.get_enrollment(ins)
        return enrollment.recipient if enrollment else None

    # ------------------------------------------------------------------ the person's decisions

    def _verify(self, ins: str, birth_date: date, code: str) -> Enrollment:
        now = self.clock.now()
        try:
            ins = parse_ins(ins)
        except BadRequest:
            raise CodeRefused() from None
        key = pseudonym(self.pepper, ins)
        if not self._take_attempt(key, now):
            raise CodeRefused()
        enrollment = self.store.get_enrollment(ins)
        digest = enrollment.code_digest if enrollment else None
        matches = code_matches(self.pepper, ins, code, digest)  # same work for unknown people
        usable = (
            enrollment is not None
            and matches
            and enrollment.birth_date == birth_date
            and enrollment.status is EnrollmentStatus.PENDING
            and now < enrollment.deadline
        )
        if not usable or enrollment is None:
            raise CodeRefused()  # the attempt stays counted
        self.store.give_back_attempt(key)
        return enrollment

    def _take_attempt(self, key: str, now: datetime) -> bool:
        rules = self.rules
        return self.store.take_attempt(key, now, rules.failure_window, rules.max_failures)

    def oppose(self, ins: str, birth_date: date, code: str) -> tuple[Receipt, str]:
        return self._oppose(self._verify(ins, birth_date, code), "self")

    def activate_early(self, ins: str, birth_date: date, code: str) -> tuple[Receipt, str]:
        enrollment = self._verify(ins, birth_date, code)
        if not activate(self.store, self.new_space, self.clock, self.ids, enrollment, "self"):
            raise CodeRefused()
        self.store.add_to_wave(enrollment.wave_id, activated_early=1)
        return self._receipt(enrollment, Decision.ACTIVE, "self")

    def decide_for(
        self, operator_id: str, ins: str, birth_date: date, decision: Decision
    ) -> tuple[Receipt, str]:
        """A helpline operator records a decision after checking the caller's identity; the
        receipt goes by post as well."""
        enrollment = self.store.get_enrollment(parse_ins(ins))
        # Pending, or opposed and changing their mind (an opposition is not forever).
        allowed = {EnrollmentStatus.PENDING} | (
            {EnrollmentStatus.OPPOSED} if decision is Decision.ACTIVE else set()
        )
        if (
            enrollment is None
            or enrollment.birth_date != birth_date
            or enrollment.status not in allowed
        ):
            raise BadRequest("no enrollment open to this decision matches this INS and birth date")
        actor = f"operator:{operator_id}"
        if decision is Decision.OPPOSED:
            receipt, link = self._oppose(enrollment, actor)
        else:
            if not activate(self.store, self.new_space, self.clock, self.ids, enrollment, actor):
                raise BadRequest("the enrollment changed meanwhile; try again")
            self.store.add_to_wave(enrollment.wave_id, activated_early=1)
            receipt, link = self._receipt(enrollment, Decision.ACTIVE, actor)
        letter = enrollment.model_copy(update={"recipient": _postal_only(enrollment.recipient)})
        self.notifier.send_receipt(letter, receipt)
        self.flush_letters()
        return receipt, link

    def request_space(self, ins: str) -> tuple[Receipt, str]:
        """Someone who opposed asks for their space after all (signed in with the national
        login: no code needed)."""
        enrollment = self.store.get_enrollment(parse_ins(ins))
        if enrollment is None or enrollment.status is not EnrollmentStatus.OPPOSED:
            raise Conflict("a space can be asked for this way only after an opposition")
        if not activate(self.store, self.new_space, self.clock, self.ids, enrollment, "self"):
            raise Conflict("your enrollment changed meanwhile; try again")
        return self._receipt(enrollment, Decision.ACTIVE, "self")

    def check_code(self, ins: str, birth_date: date, code: str) -> datetime:
        """Until when the holder of a valid code may decide (their space is created then): told
        only to whoever gives the right code, a wrong one counting as a failed attempt."""
        return self._verify(ins, birth_date, code).deadline

    def ask_for_code(
        self, ins: str, birth_date: date, second_factor: str, language: str = "fr"
    ) -> tuple[CodeRequestReceipt, str]:
        """A lost code (reissue_code), and the receipt of the request, with its link. The receipt
        is made whatever happened, from the request's moment and reference only: it tells
        nothing of whether the details matched."""
        self.reissue_code(ins, birth_date, second_factor)
        request = CodeRequestReceipt(
            request_id=self.ids.new_id(),
            received_at=self.clock.now(),
            language="en" if language == "en" else "fr",
        )
        pdf = self.render_request(request, self.rules.window, self.rules.helpline_phone)
        link = self.files.put_receipt(request.request_id, pdf, CODE_REQUESTS_FOLDER)
        return request, link

    def reissue_code(self, ins: str, birth_date: date, second_factor: str) -> None:
        """A new code through the known channel, the old one invalid, the deadline unchanged.
        Silent on mismatch (the answer is the same), but mismatches count as failed attempts."""
        now = self.clock.now()
        try:
            ins = parse_ins(ins)
        except BadRequest:
            return
        key = pseudonym(self.pepper, ins)
        if not self._take_attempt(key, now):
            return
        enrollment = self.store.get_enrollment(ins)
        if (
            enrollment is None
            or enrollment.birth_date != birth_date
            or enrollment.status is not EnrollmentStatus.PENDING
            or now >= enrollment.deadline
            or not _second_factor_matches(enrollment.recipient, second_factor)
        ):
            return  # the attempt stays counted
        self.store.give_back_attempt(key)
        code = new_code()
        renewed = enrollment.model_copy(
            update={
                "code_digest": code_digest(self.pepper, ins, code),
                "code_issued_at": now,
                "version": enrollment.version + 1,
            }
        )
        log = log_entry(
            self.clock, self.ids, ins, "CODE_REISSUED", "self", enrollment.recipient.channel
        )
        if self.store.update_enrollment(renewed, enrollment.version, log):
            self._send_code(renewed, code)
            self.flush_letters()

    # ------------------------------------------------------------------ internals

    def _oppose(self, enrollment: Enrollment, actor: str) -> tuple[Receipt, str]:
        now = self.clock.now()
        opposed = enrollment.model_copy(
            update={
                "status": EnrollmentStatus.OPPOSED,
                "decided_at": now,
                "decided_by": actor,
                "version": enrollment.version + 1,
            }
        )
        log = log_entry(self.clock, self.ids, enrollment.ins, "OPPOSED", actor)
        if not self.store.update_enrollment(opposed, enrollment.version, log):
            raise CodeRefused()
        self.store.add_to_wave(enrollment.wave_id, opposed=1)
        return self._receipt(opposed, Decision.OPPOSED, actor)

    def _receipt(
        self, enrollment: Enrollment, decision: Decision, actor: str
    ) -> tuple[Receipt, str]:
        receipt = Receipt(
            receipt_id=self.ids.new_id(),
            decision=decision,
            decided_at=self.clock.now(),
            given_name=enrollment.given_name,
            family_name=enrollment.family_name,
            birth_date=enrollment.birth_date,
            decided_by="helpline" if actor.startswith("operator:") else actor,
        )
        link = self.files.put_receipt(receipt.receipt_id, self.render_receipt(receipt))
        return receipt, link


def _postal_only(contact: Contact) -> Contact:
    return Contact(address=contact.address) if contact.address else contact


def _second_factor_matches(contact: Contact, answer: str) -> bool:
    """The postal code on file, or the last four digits of the mobile number."""
    given = "".join(answer.split())
    known = {contact.address.postal_code} if contact.address else set()
    if contact.mobile:
        known.add(contact.mobile[-4:])
    return bool(given) and given in known


__all__ = ["CodeRefused", "Enrollments", "Rules", "normalize_code", "wave_id_for"]
