"""Use cases of people's accounts: open them when a space becomes active, send a one-time code,
choose a password with it. See docs/accounts.md."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cached_property

from healthspace.accounts.france_connect import IdentityIndex, key_of_enrollment
from healthspace.accounts.model import AccountCode
from healthspace.accounts.ports import AccountCodeSender, AccountCodeStore, AccountDirectory
from healthspace.enrollment.activation import log_entry
from healthspace.enrollment.codes import code_digest, code_matches, new_code, pseudonym
from healthspace.enrollment.model import Channel, Enrollment, EnrollmentLogEntry
from healthspace.enrollment.ports import EnrollmentStore
from healthspace.kernel.clock import Clock, IdGenerator
from healthspace.kernel.dates import is_minor
from healthspace.kernel.errors import BadRequest, HealthSpaceError
from healthspace.kernel.identifiers import parse_ins
from healthspace.records.ports import SpaceStore


class AccountCodeRefused(HealthSpaceError, status=400, code="ACCOUNT_CODE_REFUSED"):
    """One answer for every failure: it tells neither whether an INS is known nor which detail
    was wrong."""

    def __init__(self) -> None:
        super().__init__(
            "these details do not match an account, the code has expired or was already used, "
            "or too many attempts were made: ask for a new code, or call the helpline"
        )


class WeakPassword(BadRequest, code="WEAK_PASSWORD"):
    """A password the pool's policy refuses (the code is kept: the person tries another)."""


@dataclass(frozen=True)
class PasswordPolicy:
    """The patients' pool's policy (template.yaml, PatientUserPool), checked before the code is
    used so that a refused password does not cost the person their code."""

    minimum_length: int = 12
    maximum_length: int = 256

    def problem(self, password: str) -> str | None:
        if not self.minimum_length <= len(password) <= self.maximum_length:
            return f"a password has {self.minimum_length} to {self.maximum_length} characters"
        if password != password.strip():
            return "a password neither begins nor ends with a space"
        wanted = {
            "a lower-case letter": r"[a-z]",
            "an upper-case letter": r"[A-Z]",
            "a digit": r"[0-9]",
        }
        missing = [name for name, pattern in wanted.items() if not re.search(pattern, password)]
        return f"a password needs {', '.join(missing)}" if missing else None


@dataclass(frozen=True)
class AccountRules:
    # A code by email or SMS is read within the day; a letter takes days to come and be read.
    code_validity: timedelta = timedelta(hours=24)
    letter_code_validity: timedelta = timedelta(days=30)
    max_failures: int = 5
    failure_window: timedelta = timedelta(hours=1)
    password: PasswordPolicy = field(default_factory=PasswordPolicy)

    def validity(self, channel: Channel | None) -> timedelta:
        return self.letter_code_validity if channel is Channel.POST else self.code_validity


@dataclass(eq=False)
class Accounts:
    enrollments: EnrollmentStore  # the person's contact and birth date; the attempts' lock
    people: SpaceStore  # who holds or represents an active space
    codes: AccountCodeStore
    directory: AccountDirectory
    sender: AccountCodeSender
    identities: IdentityIndex  # how a FranceConnect sign-in finds the account (france_connect)
    pepper_source: bytes | Callable[[], bytes]
    clock: Clock
    ids: IdGenerator
    rules: AccountRules = field(default_factory=AccountRules)

    @cached_property
    def pepper(self) -> bytes:
        source = self.pepper_source
        return source if isinstance(source, bytes) else source()

    # ------------------------------------------------------------------ opening

    def open_for_activation(self, ins: str) -> int:
        """A space became active: accounts for its holder (an adult) and for its legal
        representatives, each with the contact of their own enrollment. Safe to repeat (a
        stream delivers at least once): an existing account is left as it is. Returns how many
        accounts were created."""
        holder = self.enrollments.get_enrollment(ins)
        if holder is None:
            return 0
        people = [holder] + [
            e for rep in holder.representatives if (e := self.enrollments.get_enrollment(rep))
        ]
        return sum(self._open(e) for e in people if self._may_have_account(e))

    def _open(self, enrollment: Enrollment) -> bool:
        # Indexed first: a retry after a crash between the two finds the account existing.
        self.identities.put_identity(key_of_enrollment(self.pepper, enrollment), enrollment.ins)
        created = self.directory.open_account(enrollment.ins, enrollment.recipient)
        if created:
            self.codes.record(self._log(enrollment.ins, "ACCOUNT_OPENED", "system"))
        return created

    def _may_have_account(self, enrollment: Enrollment) -> bool:
        """An adult who holds or represents a space. A minor's enrollment reaches their parent:
        an account opened with it would be the parent's, in the child's name."""
        if is_minor(enrollment.birth_date, self.clock.now().date()):
            return False
        person = self.people.get_person(enrollment.ins)
        return person is not None and bool(person.spaces)

    # ------------------------------------------------------------------ the one-time code

    def request_code(self, ins: str, birth_date: date) -> None:
        """First sign-in or forgotten password: a code to the person's known channel. Silent
        whatever matched (the answer is the same); a mismatch counts as a failed attempt."""
        try:
            ins = parse_ins(ins)
        except BadRequest:
            return
        key = self._attempts_key(ins)
        if not self._take_attempt(key):
            return
        enrollment = self.enrollments.get_enrollment(ins)
        if (
            enrollment is None
            or enrollment.birth_date != birth_date
            or not self._may_have_account(enrollment)
        ):
            return  # the attempt stays counted
        self.enrollments.give_back_attempt(key)
        self._open(enrollment)  # opened at activation; again here if that failed or lags
        now = self.clock.now()
        code = new_code()
        channel = enrollment.recipient.channel
        expires = now + self.rules.validity(channel)
        used = self.sender.send_account_code(enrollment, code, expires)
        self.codes.put_account_code(
            AccountCode(
                ins=ins,
                digest=code_digest(self.pepper, _scope(ins), code),
                issued_at=now,
                expires_at=expires,
                channel=used,
            )
        )
        self.sender.flush()
        self.codes.record(self._log(ins, "ACCOUNT_CODE_SENT", "self", used))

    def set_password(self, ins: str, birth_date: date, code: str, password: str) -> None:
        """Choose the account's password with the code. The code is used once; every other
        session of the account ends (a forgotten password may be a stolen one)."""
        problem = self.rules.password.problem(password)
        if problem:
            raise WeakPassword(problem)
        try:
            ins = parse_ins(ins)
        except BadRequest:
            raise AccountCodeRefused() from None
        key = self._attempts_key(ins)
        if not self._take_attempt(key):
            raise AccountCodeRefused()
        enrollment = self.enrollments.get_enrollment(ins)
        stored = self.codes.get_account_code(ins)
        matches = code_matches(self.pepper, _scope(ins), code, stored.digest if stored else None)
        if (
            stored is None
            or enrollment is None
            or not matches
            or enrollment.birth_date != birth_date
            or self.clock.now() >= stored.expires_at
        ):
            raise AccountCodeRefused()  # the attempt stays counted
        self.enrollments.give_back_attempt(key)
        if not self.codes.use_account_code(stored):
            raise AccountCodeRefused()  # used by a request that came at the same time
        self._open(enrollment)
        try:
            self.directory.set_password(ins, password)
        except WeakPassword:
            self.codes.put_account_code(stored)  # not used after all: another password may be
            raise
        self.directory.sign_out_everywhere(ins)
        self.codes.record(self._log(ins, "PASSWORD_SET", "self"))

    # ------------------------------------------------------------------ internals

    def _attempts_key(self, ins: str) -> str:
        # Apart from the enrollment code's: failures here do not lock a pending decision.
        return pseudonym(self.pepper, _scope(ins))

    def _take_attempt(self, key: str) -> bool:
        rules = self.rules
        now = self.clock.now()
        return self.enrollments.take_attempt(key, now, rules.failure_window, rules.max_failures)

    def _log(
        self, ins: str, action: str, actor: str, channel: Channel | None = None
    ) -> EnrollmentLogEntry:
        return log_entry(self.clock, self.ids, ins, action, actor, channel)


def _scope(ins: str) -> str:
    """The account's codes and attempts are keyed apart from the enrollment's."""
    return f"account:{ins}"
