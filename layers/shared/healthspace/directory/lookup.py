"""The directory's use cases for everyone who reads it: search by name and place, look up one
professional, name many at once (the lists that know professionals by RPPS)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from healthspace.directory.model import DirectoryEntry, DirectoryQuery, ProfessionalName
from healthspace.directory.ports import DirectoryStore
from healthspace.kernel.entity import Page
from healthspace.kernel.errors import BadRequest, NotFound
from healthspace.kernel.identifiers import parse_rpps

# A page of search results: a choice to make, not a list to read through.
MAX_SEARCH_PAGE = 50
# The most RPPS one answer names: a care record's (a doctor, a 100-strong team, 200 blocked),
# or a history page's (100 entries, each an actor and an object).
MAX_NAMED = 400


@dataclass(eq=False)
class Directory:
    store: DirectoryStore

    def search(self, query: DirectoryQuery, limit: int, cursor: str | None) -> Page[DirectoryEntry]:
        if not 1 <= limit <= MAX_SEARCH_PAGE:
            raise BadRequest(f"limit must be between 1 and {MAX_SEARCH_PAGE}")
        return self.store.search(query, limit, cursor)

    def professional(self, rpps: str) -> DirectoryEntry:
        found = self.find(rpps)
        if found is None:
            raise NotFound("no professional with this RPPS in the directory")
        return found

    def find(self, rpps: str) -> DirectoryEntry | None:
        """The directory's entry of this RPPS (BadRequest for a malformed one), if any."""
        found = self.store.get_entries([parse_rpps(rpps)])
        return found[0] if found else None

    def names(self, rpps: Iterable[str]) -> dict[str, ProfessionalName]:
        """Each RPPS's name, in one batch read; one the directory does not hold is named by
        its number (ProfessionalName.in_directory false)."""
        wanted = sorted(set(rpps))
        if len(wanted) > MAX_NAMED:
            raise ValueError(f"at most {MAX_NAMED} professionals are named at once")
        found = {entry.rpps: entry for entry in self.store.get_entries(wanted)} if wanted else {}
        return {number: ProfessionalName.of(number, found.get(number)) for number in wanted}
