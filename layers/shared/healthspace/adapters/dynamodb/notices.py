"""Notice claims and professionals' inboxes on the health space table (ports of
healthspace.notices.patient).

| item                | pk            | sk                           |
|---------------------|---------------|------------------------------|
| notice claim        | SPACE#<space> | NOTICE#<kind>#<actor>#<day>  |
| professional notice | PRO#<rpps>    | NOTICE#<at>#<notice_id>      |

A claim is its key, a `status` (sending, then sent) and `expires_at`: while sending, the end of
its lease (a claim whose lease ran out may be taken again); once sent, the day it may be
forgotten (DynamoDB's TTL sweeps it). A professional's notice keeps its body JSON; its sort key
starts with the time, so the inbox reads newest first, and ends with the notice id, so that
delivering it twice writes the same item.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from pynamodb.exceptions import DoesNotExist

from healthspace.adapters.dynamodb.items import Item
from healthspace.adapters.dynamodb.paging import newest_first
from healthspace.adapters.dynamodb.table import DynamoStore
from healthspace.adapters.dynamodb.transactions import NEW, put_if
from healthspace.kernel.entity import Page
from healthspace.notices.patient import ProfessionalNotice

SENDING, SENT = "sending", "sent"
# A sent claim outlives its day (the key holds the day) by a margin for late stream retries.
KEEP_SENT = timedelta(days=3)
INBOX_DAYS = 90


class DynamoNoticeClaims:
    """Built on the same table binding as DynamoStore."""

    def __init__(self, store: DynamoStore) -> None:
        self._store = store

    @staticmethod
    def _claim(space_id: str, key: str) -> Item:
        return Item(f"SPACE#{space_id}", f"NOTICE#{key}", body="{}")

    def is_sent(self, space_id: str, key: str) -> bool:
        try:
            item = Item.get(f"SPACE#{space_id}", f"NOTICE#{key}", consistent_read=True)
        except DoesNotExist:
            return False
        return item.status == SENT

    def claim(self, space_id: str, key: str, now: datetime, lease: timedelta) -> bool:
        item = self._claim(space_id, key)
        item.status, item.expires_at = SENDING, now + lease
        lapsed = (Item.status == SENDING) & (Item.expires_at < now)
        return put_if(item, NEW | lapsed)

    def mark_sent(self, space_id: str, key: str, now: datetime) -> None:
        item = self._claim(space_id, key)
        item.status, item.expires_at = SENT, now + KEEP_SENT
        item.save()

    def drop(self, space_id: str, key: str) -> None:
        self._claim(space_id, key).delete()


class DynamoProfessionalInbox:
    def __init__(self, store: DynamoStore) -> None:
        self._store = store

    def deliver(self, rpps: str, notice: ProfessionalNotice) -> None:
        item = Item(
            f"PRO#{rpps}",
            f"NOTICE#{notice.at.isoformat()}#{notice.notice_id}",
            body=notice.model_dump_json(),
        )
        item.expires_at = notice.at + timedelta(days=INBOX_DAYS)
        item.save()

    def list(self, rpps: str, limit: int, cursor: str | None) -> Page[ProfessionalNotice]:
        return newest_first(ProfessionalNotice, f"PRO#{rpps}", "NOTICE#", limit, cursor)
