"""The calendar feed's use cases: the patient's side makes a secret URL for its phone's
calendar (a new one revokes the old), chooses what it shows, revokes it; a calendar fetches
the feed with the URL alone (no sign-in: that is what subscribing means).

A calendar's fetches are reads of the agenda: the first of each day is written in the space's
access history ("your calendar subscription read your agenda"), the others are not (a phone
asks every few hours: the history would drown in them). A closed or suspended space's feed, a
revoked or unknown token, all answer the same 404."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from healthspace.agenda.feed_model import TOKEN_BYTES, Feed, FeedOptions, token_digest
from healthspace.agenda.ical import calendar
from healthspace.agenda.model import Appointment
from healthspace.agenda.ports import AppointmentStore, FeedStore
from healthspace.directory.lookup import Directory
from healthspace.kernel.clock import Clock
from healthspace.kernel.entity import MAX_PAGE
from healthspace.kernel.errors import Forbidden, NotFound, PreconditionFailed
from healthspace.records.access import Access
from healthspace.records.access_log import AccessLog
from healthspace.records.model import Action, ActorKind, Author, Role, SpaceStatus
from healthspace.records.ports import SpaceStore

FEED_OBJECT: Final = "agenda/feed"
# Who the history names for a calendar's fetch: the subscription, not a person.
CALENDAR_READER: Final = Author(
    kind=ActorKind.SYSTEM, id="calendar-feed", display_name="Abonnement calendrier"
)
# What a feed carries: the appointments starting from three months ago to a year ahead, at
# most MAX_FEED of them (the earliest first).
FEED_PAST: Final = timedelta(days=90)
FEED_AHEAD: Final = timedelta(days=400)
MAX_FEED: Final = 500
STALE_FEED: Final = "the calendar link was changed since you read it: reload the page"


@dataclass(eq=False)
class Feeds:
    store: FeedStore
    appointments: AppointmentStore
    spaces: SpaceStore
    log: AccessLog
    clock: Clock
    directory: Directory | None = None

    def get(self, access: Access) -> Feed:
        """The space's feed subscription (its options, since when), never its token."""
        _patient_side(access)
        feed = self.store.get_feed(access.space_id)
        self.log.trace(access, Action.READ, FEED_OBJECT)
        if feed is None:
            raise NotFound("no calendar link: make one")
        return feed

    def renew(self, access: Access, options: FeedOptions) -> tuple[Feed, str]:
        """A new secret token, with these options; the one before (if any) stops at once. The
        token is returned once, here, and never stored."""
        _patient_side(access)
        previous = self.store.get_feed(access.space_id)
        token = secrets.token_urlsafe(TOKEN_BYTES)
        feed = Feed(
            space_id=access.space_id,
            token_sha256=token_digest(token),
            created_at=self.clock.now(),
            version=(previous.version + 1) if previous else 1,
            options=options,
        )
        action = Action.UPDATE if previous else Action.CREATE
        self.store.put_feed(feed, previous, self.log.entry(access, action, FEED_OBJECT))
        return feed, token

    def change(self, access: Access, options: FeedOptions, expected_version: int) -> Feed:
        """New options for the same link (If-Match)."""
        current = self._current(access, expected_version)
        changed = current.model_copy(update={"options": options, "version": current.version + 1})
        entry = self.log.entry(access, Action.UPDATE, FEED_OBJECT)
        self.store.put_feed(changed, current, entry)
        return changed

    def revoke(self, access: Access, expected_version: int | None) -> None:
        current = self._current(access, expected_version)
        self.store.delete_feed(current, self.log.entry(access, Action.DELETE, FEED_OBJECT))

    def calendar(self, token: str) -> bytes:
        """The feed a token opens, as iCalendar: NotFound for a token revoked, replaced or
        never made, and for a space that is not active (closed, suspended)."""
        feed = self.store.feed_of_token(token_digest(token))
        space = self.spaces.get_space(feed.space_id) if feed else None
        if feed is None or space is None or space.status is not SpaceStatus.ACTIVE:
            raise NotFound("no such calendar")
        now = self.clock.now()
        shown = self._appointments(feed.space_id, now)
        today = now.date()
        if feed.traced_on != today:
            entry = self.log.entry_of(
                feed.space_id, CALENDAR_READER, Role.SYSTEM, Action.READ, FEED_OBJECT
            )
            self.store.trace_feed(feed.model_copy(update={"traced_on": today}), entry)
        return calendar(shown, feed.options, now, self._names(shown, feed))

    def _appointments(self, space_id: str, now: datetime) -> list[Appointment]:
        found: list[Appointment] = []
        cursor: str | None = None
        while len(found) < MAX_FEED:
            page = self.appointments.list_appointments(
                space_id, now - FEED_PAST, now + FEED_AHEAD, MAX_PAGE, cursor
            )
            found += page.items
            cursor = page.next_cursor
            if cursor is None:
                break
        return found[:MAX_FEED]

    def _names(self, shown: list[Appointment], feed: Feed) -> dict[str, str]:
        if not feed.options.show_professional or self.directory is None:
            return {}
        numbers = {a.professional_rpps for a in shown if a.professional_rpps}
        named = self.directory.names(sorted(numbers)[:100])
        return {rpps: name.display_name for rpps, name in named.items()}

    def _current(self, access: Access, expected_version: int | None) -> Feed:
        _patient_side(access)
        current = self.store.get_feed(access.space_id)
        if current is None:
            raise NotFound("no calendar link: make one")
        if expected_version is not None and expected_version != current.version:
            raise PreconditionFailed(STALE_FEED)
        return current


def _patient_side(access: Access) -> None:
    if access.role not in (Role.HOLDER, Role.LEGAL_REPRESENTATIVE):
        raise Forbidden("the calendar link is the patient's")
