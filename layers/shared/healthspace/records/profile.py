"""The medical profile: entries by section (records.sections says what each holds, and how
many). Every read is a page: a section, or a summary of each section's first entries."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from healthspace.kernel.clock import Clock, IdGenerator
from healthspace.kernel.entity import Page, page_size
from healthspace.kernel.errors import (
    BadRequest,
    Forbidden,
    LimitReached,
    NotFound,
    describe_validation_error,
)
from healthspace.records.access import Access, entry_facts
from healthspace.records.access_log import AccessLog
from healthspace.records.filing import Filing
from healthspace.records.model import Action, ProfileEntry, Section
from healthspace.records.ports import ProfileStore
from healthspace.records.sections import MAX_ENTRIES, SECTIONS, SUMMARY_PAGE


def _section(section: str) -> str:
    if section not in SECTIONS:
        raise NotFound(f"unknown profile section; expected one of {', '.join(SECTIONS)}")
    return section


def validate_section(section: str, data: Mapping[str, Any]) -> dict[str, Any]:
    """Validate a profile entry's fields; raise BadRequest naming the first wrong field."""
    try:
        model = SECTIONS[_section(section)].model_validate(dict(data))
    except ValidationError as exc:
        raise BadRequest(describe_validation_error(exc)) from None
    return model.model_dump(mode="json", exclude_none=True)


@dataclass(eq=False)
class Profile:
    store: ProfileStore
    filing: Filing
    log: AccessLog
    clock: Clock
    ids: IdGenerator

    def read(self, access: Access) -> dict[str, Page[ProfileEntry]]:
        """The whole profile as a summary: each section's first SUMMARY_PAGE entries, newest
        first, and the cursor to its next page (list_section). For a professional, the sections
        they may read and the entries they see (their own included). Bounded whatever a section
        holds: one page per section."""
        readable = access.readable_sections()
        names = [name for name in SECTIONS if readable is None or Section(name) in readable]
        now = self.clock.now()
        sections = {
            name: self._visible(
                access, self.store.list_profile(access.space_id, name, SUMMARY_PAGE, None), now
            )
            for name in names
        }
        self.log.trace(access, Action.READ, "profile")
        return sections

    def list_section(
        self, access: Access, section: str, limit: int, cursor: str | None
    ) -> Page[ProfileEntry]:
        """One page of a section, newest first. A section a professional may not read is
        refused (Forbidden), not answered empty page after page."""
        readable = access.readable_sections()
        if readable is not None and Section(_section(section)) not in readable:
            raise Forbidden("you may not read this section of the profile")
        page = self.store.list_profile(access.space_id, _section(section), page_size(limit), cursor)
        self.log.trace(access, Action.READ, f"profile/{section}")
        return self._visible(access, page, self.clock.now())

    @staticmethod
    def _visible(access: Access, page: Page[ProfileEntry], now: datetime) -> Page[ProfileEntry]:
        # Hidden entries are left out, not counted: a page may be short, its cursor still works.
        visible = [entry for entry in page.items if access.sees(entry_facts(entry), now)]
        return page.model_copy(update={"items": visible})

    def _entry(self, access: Access, section: str, entry_id: str) -> ProfileEntry:
        entry = self.store.get_profile_entry(access.space_id, _section(section), entry_id)
        if entry is None or not access.sees(entry_facts(entry), self.clock.now()):
            raise NotFound("profile entry not found")
        return entry

    def get_entry(self, access: Access, section: str, entry_id: str) -> ProfileEntry:
        entry = self._entry(access, section, entry_id)
        self.log.trace(access, Action.READ, f"profile/{section}", entry_id)
        return entry

    def add_entry(
        self,
        access: Access,
        section: str,
        data: Mapping[str, Any],
        *,
        confidential_from_representatives: bool = False,
    ) -> ProfileEntry:
        """Add an entry, its caller as author; a professional only where the rules let them
        write (Forbidden otherwise), and may keep a minor's entry from their representatives.
        Profile entries have no masking."""
        now = self.clock.now()
        self.filing.deposit_facts(
            access, Section(_section(section)), False, confidential_from_representatives
        )
        entry = ProfileEntry(
            section=_section(section),
            entry_id=self.ids.new_id(),
            version=1,
            created_at=now,
            updated_at=now,
            author=access.caller.as_author,
            fields=validate_section(section, data),
            space_id=access.space_id,
            confidential_from_representatives=confidential_from_representatives,
        )
        audit = self.log.entry(access, Action.CREATE, f"profile/{section}", entry.entry_id)
        cap = MAX_ENTRIES[section]
        if not self.store.add_profile_entry(entry, audit, cap):
            raise LimitReached(
                f"{section} holds at most {cap} entries: remove one before adding another"
            )
        return entry

    def replace_entry(
        self,
        access: Access,
        section: str,
        entry_id: str,
        data: Mapping[str, Any],
        expected_version: int,
    ) -> ProfileEntry:
        access.check_changes_allowed()
        fields = validate_section(section, data)
        entry = self._entry(access, section, entry_id).model_copy(
            update={
                "fields": fields,
                "version": expected_version + 1,
                "updated_at": self.clock.now(),
            }
        )
        self.store.put_profile_entry(
            entry,
            expected_version,
            self.log.entry(access, Action.UPDATE, f"profile/{section}", entry_id),
        )
        return entry

    def delete_entry(
        self, access: Access, section: str, entry_id: str, expected_version: int | None
    ) -> None:
        access.check_changes_allowed()
        entry = self._entry(access, section, entry_id)
        self.store.delete_profile_entry(
            entry,
            expected_version,
            self.log.entry(access, Action.DELETE, f"profile/{section}", entry_id),
        )
