"""Who may take a space's irreversible decisions (closing, deleting) from its own side, and how
recent their sign-in must be: one rule for both acts."""

from __future__ import annotations

from datetime import datetime, timedelta

from healthspace.kernel.dates import is_minor
from healthspace.kernel.errors import Forbidden, ReauthenticationRequired
from healthspace.records.access import Access
from healthspace.records.model import Role, Space

# A token's sign-in time may run this far ahead of our clock (the identity provider's).
CLOCK_SKEW = timedelta(minutes=1)


def check_may_decide(access: Access, space: Space, now: datetime, act: str) -> None:
    """The holder decides for their space; a legal representative only for a minor's (an
    adult's space is decided by its holder, or through the helpline). `act`: "close", "delete"."""
    if access.role is Role.HOLDER:
        return
    if access.role is Role.LEGAL_REPRESENTATIVE and is_minor(space.holder.birth_date, now.date()):
        return
    raise Forbidden(f"only the holder, or a child's legal representative, may {act} a space")


def check_recent(signed_in_at: datetime | None, now: datetime, window: timedelta, act: str) -> None:
    """These acts ask for a fresh sign-in: a session left open on a shared computer must not
    close or delete a file."""
    if signed_in_at is None or not (now - window <= signed_in_at <= now + CLOCK_SKEW):
        minutes = int(window.total_seconds() // 60)
        raise ReauthenticationRequired(
            f"to {act} a health space, sign in again (within the last {minutes} minutes)"
        )
