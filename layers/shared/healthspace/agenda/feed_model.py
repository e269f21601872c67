"""The calendar feed's subscription: its options, and the digest of its secret token.

The token itself is shown once, to the patient who makes it (`POST /me/agenda/feed`), and
never stored: the table keeps its SHA-256 (a copy of the table opens no calendar). A new token
replaces the old one (revoked at once), and revoking leaves none."""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from typing import Literal

from pydantic import Field

from healthspace.kernel.entity import Entity

# 256 random bits, 43 characters of base64url: a feed's URL cannot be guessed.
TOKEN_BYTES = 32
TOKEN_PATTERN = r"^[A-Za-z0-9_-]{43}$"  # noqa: S105  (a shape, not a secret)


class FeedOptions(Entity):
    """What a subscribed calendar shows beside each appointment's time: by default only
    "Rendez-vous médical" (no reason, no specialty, no professional, no place)."""

    show_professional: bool = Field(
        default=False, description="the professional's name in the title"
    )
    show_place: bool = Field(default=False, description="the facility and place as the location")
    show_reason: bool = Field(default=False, description="the reason as the description")
    language: Literal["fr", "en"] = Field(default="fr", description="the words of the titles")


class Feed(Entity):
    private = frozenset({"space_id", "token_sha256", "traced_on"})
    space_id: str
    token_sha256: str
    created_at: datetime
    version: int
    options: FeedOptions = Field(default_factory=lambda: FeedOptions())
    # The last day a calendar's fetch was written in the access history (once a day at most).
    traced_on: date | None = None


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
