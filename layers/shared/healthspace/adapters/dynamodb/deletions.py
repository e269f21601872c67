"""Spaces' deletions on the health space table (the DeletionStore port of healthspace.lifecycle).

| item           | pk                        | sk                       | gsi1pk      | gsi1sk  |
|----------------|---------------------------|--------------------------|-------------|---------|
| deletion       | SPACE#<space>             | DELETION                 | PURGE#<day> | <space> |
| deletion audit | AUDIT#DELETIONS#<yyyy-mm> | <deleted_at>#<pseudonym> |             |         |
| purge cursor   | PURGE#SWEEP               | CURSOR                   |             |         |

A deletion is indexed, while it runs, on the day it was asked for: the daily purge sweep, which
reads the same `PURGE#<day>` entries as the closures' terms, runs any deletion its own workflow
did not finish. Its counts ride in `objects_erased` and `items_erased`, added page by page
(ADD), its status in `status`. Once done the index attributes are gone and the item is the
space's tombstone: dates, a role, counts. The audit record expires (TTL) after
lifecycle.deletion.AUDIT_YEARS.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date

from pynamodb.connection import Connection
from pynamodb.expressions.update import Action

from healthspace.adapters.dynamodb.items import Item, log_item, space_item, space_pk
from healthspace.adapters.dynamodb.table import DynamoStore
from healthspace.adapters.dynamodb.transactions import NEW, Write, transact
from healthspace.lifecycle.deletion_model import AUDIT_YEARS, Deletion, DeletionAudit
from healthspace.lifecycle.model import Closure, add_years
from healthspace.records.model import AccessLogEntry, Space, SpaceStatus

# Items of a space's partition the last transaction deletes or rewrites, not the pages.
_LAST = frozenset({"SPACE", "CLOSURE", "DELETION"})
_BATCH = 25  # DynamoDB's BatchWriteItem limit
_CURSOR = ("PURGE#SWEEP", "CURSOR")


def _deletion_item(deletion: Deletion) -> Item:
    day = deletion.requested_at.astimezone(UTC).date().isoformat()
    return Item(
        space_pk(deletion.space_id),
        "DELETION",
        body=deletion.model_dump_json(exclude={"objects", "items"}),
        status=deletion.status.value,
        objects_erased=deletion.objects,
        items_erased=deletion.items,
        # indexed while it runs; the tombstone is not
        gsi1pk=None if deletion.done else f"PURGE#{day}",
        gsi1sk=None if deletion.done else deletion.space_id,
    )


def _audit_item(audit: DeletionAudit) -> Item:
    at = audit.deleted_at.astimezone(UTC)
    return Item(
        f"AUDIT#DELETIONS#{at:%Y-%m}",
        f"{at.isoformat()}#{audit.pseudonym}",
        body=audit.model_dump_json(),
        expires_at=add_years(at, AUDIT_YEARS),
    )


class DynamoDeletions:
    """Built on the same table binding as DynamoStore."""

    def __init__(self, store: DynamoStore) -> None:
        self._store = store

    def _conn(self) -> Connection:
        return self._store._conn()

    def get_space(self, space_id: str) -> Space | None:
        found = self._store._get_item(space_pk(space_id), "SPACE")
        return Space.model_validate_json(found.body) if found is not None else None

    def get_closure(self, space_id: str) -> Closure | None:
        found = self._store._get_item(space_pk(space_id), "CLOSURE")
        return Closure.model_validate_json(found.body) if found is not None else None

    def get_deletion(self, space_id: str) -> Deletion | None:
        found = self._store._get_item(space_pk(space_id), "DELETION")
        if found is None:
            return None
        deletion = Deletion.model_validate_json(found.body)
        return deletion.model_copy(
            update={
                "objects": int(found.objects_erased or 0),
                "items": int(found.items_erased or 0),
            }
        )

    def shred(self, space: Space, deletion: Deletion, audit: AccessLogEntry | None) -> bool:
        shredded = space.model_copy(
            update={
                "status": SpaceStatus.DELETING,
                "wrapped_key": None,
                "version": space.version + 1,
            }
        )
        saves: list[Write] = [
            (space_item(shredded), Item.version == space.version),
            (_deletion_item(deletion), NEW),
        ]
        if audit is not None:
            saves.append((log_item(audit), NEW))
        return transact(self._conn(), saves)

    def people_of(self, space: Space) -> set[str]:
        granted = Item.by_date.query(f"GRANTS#{space.space_id}", attributes_to_get=["gsi1sk"])
        return {space.holder_ins, *(str(item.gsi1sk) for item in granted)}

    def erase_people(self, space_id: str, people: set[str]) -> Iterator[int]:
        for ins in sorted(people):
            deleted = 0
            # The visit before the grant: a rerun finds the person by the grant left.
            for sk in (f"VISIT#{space_id}", f"GRANT#{space_id}"):
                item = self._store._get_item(f"PERSON#{ins}", sk)
                if item is not None:
                    item.delete()
                    deleted += 1
            if deleted:
                yield deleted

    def erase_items(self, space_id: str) -> Iterator[int]:
        found = Item.query(space_pk(space_id), attributes_to_get=["pk", "sk"], page_size=100)
        page: list[Item] = []
        for item in found:
            if item.sk in _LAST:
                continue
            page.append(item)
            if len(page) == _BATCH:
                yield self._delete(page)
                page = []
        if page:
            yield self._delete(page)

    @staticmethod
    def _delete(page: list[Item]) -> int:
        """The page's items, each document's DOCREF first (a crash between leaves the document
        item, by which a rerun finds its DOCREF again)."""
        references = [
            Item(f"DOCREF#{item.sk.removeprefix('DOC#')}", "SPACE", body="{}")
            for item in page
            if item.sk.startswith("DOC#")
        ]
        for group in (references, page):
            with Item.batch_write() as batch:
                for item in group:
                    batch.delete(item)
        return len(page) + len(references)

    def count_erased(self, space_id: str, objects: int = 0, items: int = 0) -> None:
        actions: list[Action] = [
            *([Item.objects_erased.add(objects)] if objects else []),
            *([Item.items_erased.add(items)] if items else []),
        ]
        if actions:
            Item(space_pk(space_id), "DELETION", body="{}").update(
                actions=actions, condition=Item.status == SpaceStatus.DELETING.value
            )

    def mark_confirmed(self, space_id: str) -> None:
        deletion = self.get_deletion(space_id)
        if deletion is None or deletion.done:
            return
        body = deletion.model_copy(update={"confirmed": True}).model_dump_json(
            exclude={"objects", "items"}
        )
        Item(space_pk(space_id), "DELETION", body="{}").update(
            actions=[Item.body.set(body)],
            condition=Item.status == SpaceStatus.DELETING.value,
        )

    def finish(self, space: Space, deletion: Deletion, audit: DeletionAudit) -> bool:
        deleting = Item.status == SpaceStatus.DELETING.value
        pk = space_pk(space.space_id)
        return transact(
            self._conn(),
            saves=[(_deletion_item(deletion), deleting), (_audit_item(audit), NEW)],
            deletes=[
                (Item(pk, "SPACE", body="{}"), deleting),
                (Item(pk, "CLOSURE", body="{}"), None),
            ],
        )

    def due(self, day: date) -> Iterator[str]:
        found = Item.by_date.query(f"PURGE#{day.isoformat()}", attributes_to_get=["gsi1sk"])
        for item in found:
            yield str(item.gsi1sk)

    def sweep_cursor(self) -> date | None:
        found = self._store._get_item(*_CURSOR)
        return date.fromisoformat(found.body.strip('"')) if found is not None else None

    def set_sweep_cursor(self, day: date) -> None:
        Item(*_CURSOR, body=f'"{day.isoformat()}"').save()
