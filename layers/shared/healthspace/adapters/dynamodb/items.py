"""The health space table (single-table design, PynamoDB).

| item            | pk            | sk                        | gsi1pk       | gsi1sk        |
|-----------------|---------------|---------------------------|--------------|---------------|
| grant           | PERSON#<ins>  | GRANT#<space>             | GRANTS#<space> | <ins>       |
| space           | SPACE#<space> | SPACE                     | BORN#<birth> | <space> (ACTIVE) |
| upload          | SPACE#<space> | UPLOAD#<upload>           |              |               |
| document        | SPACE#<space> | DOC#<document>            | DOCS#<space> | <date>#<doc>  |
| document's space | DOCREF#<document> | SPACE                 |              |               |
| hold (index)    | SPACE#<space> | HOLD#<document>           | HOLDS#<day>  | <space>#<doc> |
| profile entry   | SPACE#<space> | PROFILE#<section>#<entry> |              |               |
| section count   | SPACE#<space> | COUNT#PROFILE#<section>   |              |               |
| documents count | SPACE#<space> | COUNT#DOCUMENTS           |              |               |
| care record     | SPACE#<space> | CARE                      |              |               |
| closure         | SPACE#<space> | CLOSURE                   | PURGE#<day>  | <space>       |
| deletion        | SPACE#<space> | DELETION (adapters/dynamodb/deletions.py) | PURGE#<day> |
| deletion audit  | AUDIT#DELETIONS#<yyyy-mm> | <deleted_at>#<pseudonym> |        |               |
| purge cursor    | PURGE#SWEEP   | CURSOR                    |              |               |
| pro's patient ref | PATREF#<sha256> | PATREF                  |              |               |
| access log      | SPACE#<space> | LOG#<ulid>                |              |               |
| appointment     | SPACE#<space> | APPT#<appt>               | AGENDA#<space> | <start>#<appt> |
| appt's start    | SPACE#<space> | APPTSTART#<appt>          | STARTS#<slot> | <space>#<appt> |
| appts' count    | SPACE#<space> | COUNT#APPOINTMENTS#<yyyy-mm> |           |               |
| calendar feed   | SPACE#<space> | FEED                      |              |               |
| feed's token    | FEED#<sha256> | FEED                      |              |               |
| prevention status | SPACE#<space> | PREVENTION#<item_id>    |              |               |
| reminders' settings | SPACE#<space> | REMINDERS (adapters/dynamodb/reminders.py)          |
| sent marker     | SPACE#<space> | REMINDED#<appt>#<start>#<lead> | REMINDING#<n> while pending |
| reminders cursor | REMINDERS#SWEEP | CURSOR                 |              |               |
| visit           | PERSON#<ins>  | VISIT#<space>             |              |               |
| sender's id     | SPACE#<space> | SOURCE#<sha256>           |              |               |
| sender's alias  | SPACE#<space> | ALIAS#<sha256>#<document> |              |               |
| notice claim    | SPACE#<space> | NOTICE#<kind>#<actor>#<day> (adapters/notices.py)          |
| pro's inbox     | PRO#<rpps>    | NOTICE#<at>#<id> (adapters/notices.py)                     |
| enrollment      | ENROLL#<ins>  | ENROLL (+ LOG#<ulid>)     |              |               |
| code attempts   | ATTEMPTS#<ps> | ATTEMPTS                  |              |               |
| wave            | WAVE#<wave>   | WAVE                      | WAVES        | <created_at>  |
| wave counters   | WAVE#<wave>#COUNTS#<nn> | COUNTS          |              |               |

Each item keeps its entity as JSON in `body`; the few attributes conditions and filters need
(version, status, category) are also top-level. A held document has a hold item while its hold
is unreleased: `<day>` is the UTC date of its deadline, so the holds job queries the days up to
today instead of scanning. A document's space item says where a document lives to those who
name it by id alone (FHIR's read), written and deleted with the document. A count (a profile
section's entries, a space's documents) holds its number in `entries`, changed in the same
transaction as what it counts: the cap is a condition on it. A closed space's closure item
(adapters/dynamodb/lifecycle.py) is indexed by the day its purge is due, and a deletion under
way by the day it was asked for (adapters/dynamodb/deletions.py). A grant is indexed by its space
(`GRANTS#<space>`), so that deleting a space finds everyone it was granted to without a Scan.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any, TypeVar

from pydantic import BaseModel
from pynamodb.attributes import NumberAttribute, TTLAttribute, UnicodeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from healthspace.care.record import CareRecord
from healthspace.records.model import (
    AccessLogEntry,
    Document,
    ProfileEntry,
    Role,
    Space,
    SpaceStatus,
    Upload,
)

E = TypeVar("E", bound=BaseModel)


class ByDate(GlobalSecondaryIndex["Item"]):
    class Meta:
        index_name = "gsi1"
        projection = AllProjection()

    gsi1pk = UnicodeAttribute(hash_key=True)
    gsi1sk = UnicodeAttribute(range_key=True)


class Item(Model):
    class Meta:
        # Bound to the real table by DynamoStore (PynamoDB reads the name from the class).
        table_name = "healthspace"
        region: str | None = None  # set by DynamoStore, from the settings

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    gsi1pk = UnicodeAttribute(null=True)
    gsi1sk = UnicodeAttribute(null=True)
    version = NumberAttribute(null=True)
    status = UnicodeAttribute(null=True)
    category = UnicodeAttribute(null=True)
    expires_at = TTLAttribute(null=True)
    body = UnicodeAttribute()
    # Atomic counters: failed code attempts, and a wave's counter shards.
    attempts = NumberAttribute(null=True)
    notified = NumberAttribute(null=True)
    opposed = NumberAttribute(null=True)
    activated_early = NumberAttribute(null=True)
    activated = NumberAttribute(null=True)
    failed = NumberAttribute(null=True)
    unnotified = NumberAttribute(null=True)
    # A profile section's count of entries.
    entries = NumberAttribute(null=True)
    # A deletion's counts of what it deleted (object versions, items), added page by page.
    objects_erased = NumberAttribute(null=True)
    items_erased = NumberAttribute(null=True)
    # Who booked an appointment (an author id): a professional's list of their own bookings.
    booker = UnicodeAttribute(null=True)

    by_date = ByDate()


def space_pk(space_id: str) -> str:
    return f"SPACE#{space_id}"


def item_of(pk: str, sk: str, entity: BaseModel, **attributes: Any) -> Item:
    return Item(pk, sk, body=entity.model_dump_json(), **attributes)


def entity_of(model: type[E], item: Item) -> E:
    return model.model_validate_json(item.body)


def space_item(space: Space) -> Item:
    """Indexed by its holder's birth date while ACTIVE (the prevention reminders' job finds the
    spaces reaching an age by a Query: agenda.prevention_reminders); every write of a space goes
    through here, so a closed, archived or deleted space leaves the index at once."""
    item = item_of(
        space_pk(space.space_id), "SPACE", space, status=space.status.value, version=space.version
    )
    if space.status is SpaceStatus.ACTIVE:
        item.gsi1pk, item.gsi1sk = born_key(space.holder.birth_date), space.space_id
    return item


def born_key(birth: date) -> str:
    """The partition of the spaces whose holder was born on `birth`."""
    return f"BORN#{birth.isoformat()}"


def grant_item(ins: str, space_id: str, role: Role) -> Item:
    # A grant is its key and a role: the role rides in `status`, the body stays empty. Indexed
    # by its space: a space's deletion finds its people there.
    return Item(
        f"PERSON#{ins}",
        f"GRANT#{space_id}",
        status=role.value,
        body="{}",
        gsi1pk=f"GRANTS#{space_id}",
        gsi1sk=ins,
    )


def document_item(document: Document) -> Item:
    return item_of(
        space_pk(document.space_id),
        f"DOC#{document.document_id}",
        document,
        gsi1pk=f"DOCS#{document.space_id}",
        gsi1sk=f"{document.document_date.isoformat()}#{document.document_id}",
        version=document.version,
        category=document.category.value,
    )


def document_space_item(document: Document) -> Item:
    return Item(
        f"DOCREF#{document.document_id}",
        "SPACE",
        body=json.dumps({"space_id": document.space_id}),
    )


def hold_item(document: Document) -> Item:
    assert document.hold is not None
    return Item(
        space_pk(document.space_id),
        f"HOLD#{document.document_id}",
        body="{}",
        gsi1pk=f"HOLDS#{document.hold.deadline.astimezone(UTC).date().isoformat()}",
        gsi1sk=f"{document.space_id}#{document.document_id}",
    )


def upload_item(upload: Upload, expires_at: datetime | None = None) -> Item:
    item = item_of(
        space_pk(upload.space_id), f"UPLOAD#{upload.upload_id}", upload, status=upload.status.value
    )
    item.expires_at = expires_at
    return item


def profile_item(entry: ProfileEntry) -> Item:
    return item_of(
        space_pk(entry.space_id),
        f"PROFILE#{entry.section}#{entry.entry_id}",
        entry,
        version=entry.version,
    )


def section_count_item(space_id: str, section: str) -> Item:
    return Item(space_pk(space_id), f"COUNT#PROFILE#{section}", body="{}")


def documents_count_item(space_id: str) -> Item:
    return Item(space_pk(space_id), "COUNT#DOCUMENTS", body="{}")


def care_item(record: CareRecord) -> Item:
    return item_of(space_pk(record.space_id), "CARE", record, version=record.version)


def log_item(entry: AccessLogEntry) -> Item:
    return item_of(space_pk(entry.space_id), f"LOG#{entry.entry_id}", entry)
