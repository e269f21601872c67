"""An account's one-time code: only its keyed digest is stored, for a short time, used once."""

from __future__ import annotations

from datetime import datetime

from healthspace.enrollment.model import Channel
from healthspace.kernel.entity import Entity


class AccountCode(Entity):
    """The code that lets a person choose their password (first sign-in, forgotten password).
    One per person: a new one replaces the last."""

    ins: str
    digest: str
    issued_at: datetime
    expires_at: datetime
    channel: Channel

    private = frozenset({"digest"})
