"""What accounts need of the outside world: the identity provider's pool, the codes' items, the
channels that carry a code (the enrollment's: email, SMS, letter) and the enrollment history."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from healthspace.accounts.model import AccountCode
from healthspace.enrollment.model import Channel, Contact, Enrollment, EnrollmentLogEntry


class AccountDirectory(Protocol):
    """The patients' user pool. The username is the INS, set by us, never by the person."""

    def open_account(self, ins: str, contact: Contact) -> bool:
        """Create the account, without a password and without any message from the pool; False
        if it existed already (a retried delivery creates no duplicate)."""
        ...

    def set_password(self, ins: str, password: str) -> None:
        """Set the account's permanent password (raises WeakPassword if the pool refuses it)."""
        ...

    def sign_out_everywhere(self, ins: str) -> None:
        """Revoke every refresh token of the account (after a new password)."""
        ...


class AccountCodeStore(Protocol):
    def put_account_code(self, code: AccountCode) -> None:
        """Store it, replacing the person's previous code (it kept until its expiry)."""
        ...

    def get_account_code(self, ins: str) -> AccountCode | None: ...
    def use_account_code(self, code: AccountCode) -> bool:
        """Delete it if it is still this one (same digest): False if it was used, or replaced,
        meanwhile. A code is used once, however many requests bring it at the same time."""
        ...

    def record(self, entry: EnrollmentLogEntry) -> None:
        """One line of the person's enrollment history (account opened, code sent, password)."""
        ...


class AccountCodeSender(Protocol):
    def send_account_code(
        self, enrollment: Enrollment, code: str, valid_until: datetime
    ) -> Channel:
        """Send the code to the person's contact; returns the channel actually used."""
        ...

    def flush(self) -> None:
        """Hand over the letters batched (the mail house's files)."""
        ...
