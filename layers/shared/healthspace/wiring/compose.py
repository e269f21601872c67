"""The medical file composed from its ports: the records' use cases and the care room's, each
given what it needs and nothing else. The AWS roots and the tests' fakes both build it here.

Each room is built, and its module loaded, on first use: a function pays at its cold start only
for the rooms it serves (the releases job never loads the profile's models, the wave timer none
of the care rules). `use_cases` builds them all, once, for the APIs."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Protocol

from healthspace.care.ports import CareRecords, PatientReferences
from healthspace.kernel.clock import Clock, IdGenerator
from healthspace.kernel.crypto import KeyService
from healthspace.records.model import Limits
from healthspace.records.ports import BlobStore, Store

if TYPE_CHECKING:
    from healthspace.care.access import ProfessionalAccess
    from healthspace.care.controls import PatientControls
    from healthspace.directory.lookup import Directory
    from healthspace.records.access_log import AccessLog
    from healthspace.records.documents import Documents
    from healthspace.records.filing import Filing
    from healthspace.records.holds import Holds
    from healthspace.records.news import News
    from healthspace.records.profile import Profile
    from healthspace.records.spaces import Spaces
    from healthspace.records.uploads import Uploads


class FileStore(Store, CareRecords, PatientReferences, Protocol):
    """The one table holds both rooms' items (the DynamoDB adapter, the tests' fake)."""


@dataclass(eq=False)
class MedicalFile:
    """The shared medical file, room by room."""

    store: FileStore
    blobs: BlobStore
    keys: KeyService
    clock: Clock
    ids: IdGenerator
    limits: Limits = field(default_factory=Limits)
    directory: Directory | None = None  # names professionals; gives a treating doctor's profession

    @cached_property
    def spaces(self) -> Spaces:
        from healthspace.records.spaces import Spaces

        return Spaces(self.store, self.keys, self.clock, self.ids)

    @cached_property
    def history(self) -> AccessLog:
        from healthspace.records.access_log import AccessLog

        return AccessLog(self.store, self.clock, self.ids)

    @property
    def _file_parts(
        self,
    ) -> tuple[FileStore, BlobStore, Spaces, AccessLog, Clock, IdGenerator, Limits]:
        """What filing and reading documents both take: the items, the blobs, the space's key,
        the access log."""
        return self.store, self.blobs, self.spaces, self.history, self.clock, self.ids, self.limits

    @cached_property
    def filing(self) -> Filing:
        from healthspace.records.filing import Filing

        return Filing(*self._file_parts)

    @cached_property
    def uploads(self) -> Uploads:
        from healthspace.records.uploads import Uploads

        checks = (self.filing, self.professionals)  # the care rules, asked again at filing
        return Uploads(
            self.store, self.blobs, self.spaces, *checks, self.clock, self.ids, self.limits
        )

    @cached_property
    def documents(self) -> Documents:
        from healthspace.records.documents import Documents

        return Documents(*self._file_parts)

    @cached_property
    def holds(self) -> Holds:
        from healthspace.records.holds import Holds

        return Holds(self.store, self.documents, self.history, self.clock)

    @cached_property
    def profile(self) -> Profile:
        from healthspace.records.profile import Profile

        return Profile(self.store, self.filing, self.history, self.clock, self.ids)

    @cached_property
    def news(self) -> News:
        from healthspace.records.news import News

        return News(self.store, self.history, self.clock)

    @cached_property
    def controls(self) -> PatientControls:
        from healthspace.care.controls import PatientControls

        return PatientControls(self.store, self.history, self.clock, self.directory)

    @cached_property
    def professionals(self) -> ProfessionalAccess:
        from healthspace.care.access import ProfessionalAccess

        return ProfessionalAccess(self.store, self.spaces, self.history, self.clock, self.store)

    @cached_property
    def use_cases(self) -> dict[type, object]:
        """Every room by its type, as the API routes ask for them (api.common.use)."""
        rooms = (
            self.spaces,
            self.history,
            self.filing,
            self.uploads,
            self.documents,
            self.holds,
            self.profile,
            self.news,
            self.controls,
            self.professionals,
        )
        return {type(room): room for room in rooms}


def compose_medical_file(
    store: FileStore,
    blobs: BlobStore,
    keys: KeyService,
    clock: Clock,
    ids: IdGenerator,
    limits: Limits | None = None,
    directory: Directory | None = None,
) -> MedicalFile:
    return MedicalFile(store, blobs, keys, clock, ids, limits or Limits(), directory)
