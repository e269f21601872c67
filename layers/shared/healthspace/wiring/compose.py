"""The medical file composed from its ports: the records' use cases and the care room's, each
given what it needs and nothing else. The AWS roots and the tests' fakes both build it here."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from healthspace.care.access import ProfessionalAccess
from healthspace.care.controls import PatientControls
from healthspace.care.ports import CareRecords
from healthspace.kernel.clock import Clock, IdGenerator
from healthspace.kernel.crypto import KeyService
from healthspace.records.access_log import AccessLog
from healthspace.records.documents import Documents
from healthspace.records.filing import Filing
from healthspace.records.holds import Holds
from healthspace.records.model import Limits
from healthspace.records.ports import BlobStore, Store
from healthspace.records.profile import Profile
from healthspace.records.spaces import Spaces
from healthspace.records.uploads import Uploads


class FileStore(Store, CareRecords, Protocol):
    """The one table holds both rooms' items (the DynamoDB adapter, the tests' fake)."""


@dataclass(frozen=True)
class MedicalFile:
    """The shared medical file, room by room."""

    store: FileStore
    blobs: BlobStore
    keys: KeyService
    clock: Clock
    ids: IdGenerator
    spaces: Spaces
    history: AccessLog
    filing: Filing
    uploads: Uploads
    documents: Documents
    holds: Holds
    profile: Profile
    controls: PatientControls
    professionals: ProfessionalAccess

    def use_cases(self) -> dict[type, object]:
        """Its rooms by type, as the API routes ask for them (api.common.use)."""
        rooms = (
            self.spaces,
            self.history,
            self.filing,
            self.uploads,
            self.documents,
            self.holds,
            self.profile,
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
) -> MedicalFile:
    limits = limits or Limits()
    spaces = Spaces(store, keys, clock, ids)
    log = AccessLog(store, clock, ids)
    filing = Filing(store, blobs, spaces, log, clock, ids, limits)
    professionals = ProfessionalAccess(store, spaces, log, clock)
    documents = Documents(store, blobs, spaces, log, clock, ids, limits)
    return MedicalFile(
        store=store,
        blobs=blobs,
        keys=keys,
        clock=clock,
        ids=ids,
        spaces=spaces,
        history=log,
        filing=filing,
        uploads=Uploads(store, blobs, spaces, filing, professionals, clock, ids, limits),
        documents=documents,
        holds=Holds(store, documents, log, clock),
        profile=Profile(store, filing, log, clock, ids),
        controls=PatientControls(store, log, clock),
        professionals=professionals,
    )
