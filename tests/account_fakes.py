"""In-memory ports of healthspace.accounts: the user pool, the codes' items, the channels."""

from __future__ import annotations

from datetime import datetime

from healthspace.accounts.accounts import WeakPassword
from healthspace.accounts.model import AccountCode
from healthspace.enrollment.model import Channel, Contact, Enrollment, EnrollmentLogEntry


class FakePool:
    """The patients' user pool: accounts by username (the INS), their password and sessions."""

    def __init__(self) -> None:
        self.accounts: dict[str, Contact] = {}
        self.passwords: dict[str, str] = {}
        self.sign_outs: list[str] = []
        self.creations = 0
        self.links: dict[tuple[str, str], str] = {}

    def open_account(self, ins: str, contact: Contact) -> bool:
        self.creations += 1
        if ins in self.accounts:
            return False
        self.accounts[ins] = contact
        return True

    def set_password(self, ins: str, password: str) -> None:
        assert ins in self.accounts, "a password for an account never opened"
        if password == "Refused-by-the-pool-1":
            raise WeakPassword("the password does not meet the policy")
        self.passwords[ins] = password

    def sign_out_everywhere(self, ins: str) -> None:
        self.sign_outs.append(ins)

    def link(self, ins: str, provider: str, subject: str) -> None:
        assert ins in self.accounts, "a link to an account never opened"
        self.links[(provider, subject)] = ins


class FakeAccountCodes:
    def __init__(self) -> None:
        self.codes: dict[str, AccountCode] = {}
        self.log: list[EnrollmentLogEntry] = []

    def put_account_code(self, code: AccountCode) -> None:
        self.codes[code.ins] = code

    def get_account_code(self, ins: str) -> AccountCode | None:
        return self.codes.get(ins)

    def use_account_code(self, code: AccountCode) -> bool:
        if self.codes.get(code.ins) != code:
            return False
        del self.codes[code.ins]
        return True

    def record(self, entry: EnrollmentLogEntry) -> None:
        self.log.append(entry)


class FakeIdentityIndex:
    def __init__(self) -> None:
        self.keys: dict[str, set[str]] = {}

    def put_identity(self, key: str, ins: str) -> None:
        self.keys.setdefault(key, set()).add(ins)

    def find_identity(self, key: str, limit: int) -> list[str]:
        return sorted(self.keys.get(key, set()))[:limit]


class FakeCodeSender:
    """Sends at once; remembers the last code each person got, and until when."""

    def __init__(self) -> None:
        self.sent: dict[str, tuple[str, datetime, Channel]] = {}
        self.flushed = 0

    def send_account_code(
        self, enrollment: Enrollment, code: str, valid_until: datetime
    ) -> Channel:
        channel = enrollment.recipient.channel
        assert channel is not None
        self.sent[enrollment.ins] = (code, valid_until, channel)
        return channel

    def flush(self) -> None:
        self.flushed += 1
