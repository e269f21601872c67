"""What the directory needs of the outside world: its entries, searchable, in the table."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Protocol

from healthspace.directory.model import DirectoryEntry, DirectoryQuery
from healthspace.kernel.entity import Page

# An import's change of one professional: (as stored, as the file now says); None for absent.
Change = tuple[DirectoryEntry | None, DirectoryEntry | None]


class DirectoryStore(Protocol):
    def search(self, query: DirectoryQuery, limit: int, cursor: str | None) -> Page[DirectoryEntry]:
        """One page of the query's range, in name order; the cursor is bound to the query's
        partition and prefix (BadRequest for another's)."""
        ...

    def get_entries(self, rpps: Sequence[str]) -> list[DirectoryEntry]:
        """The entries of these RPPS that the directory holds, in one batch read."""
        ...

    def write(self, changes: Sequence[Change]) -> None:
        """Store each new entry with its search keys, drop the keys it no longer has; an
        entry changed to None is removed. Batched writes; idempotent."""
        ...

    def get_rosters(self) -> Mapping[str, frozenset[str]]:
        """The RPPS listed by the last import, by shard (ROSTER_SHARDS)."""
        ...

    def put_rosters(self, rosters: Mapping[str, Collection[str]]) -> None: ...


def shard_of(rpps: str) -> str:
    """A roster's shard: the RPPS's last three digits (1,000 shards of ~1,200 numbers each)."""
    return rpps[-3:]
