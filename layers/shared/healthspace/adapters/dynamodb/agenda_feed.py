"""The calendar feed's subscription on the health space table (the FeedStore port).

| item        | pk            | sk                    | gsi1pk             | gsi1sk  | expires_at |
|-------------|---------------|-----------------------|--------------------|---------|------------|
| feed        | SPACE#<space> | FEED                  | FEEDTOKEN#<sha256> | <space> |            |
| day's fetch | SPACE#<space> | FEEDREAD#<yyyy-mm-dd> |                    |         | day + 2    |

The feed is one item in the space's partition, found by its token's digest through the index
(gsi1): archived, restored and deleted with the space like any other of its items, with no
pointer outside the partition to forget. The index is read first, then the item itself
(consistent): a token replaced or revoked a moment ago finds nothing, whatever the index's lag.
A calendar's first fetch of a day writes its marker (conditional: once), the feed's
`traced_on` and its access-log entry in one transaction; the table's TTL removes the marker.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from healthspace.adapters.dynamodb.items import Item, item_of, log_item, space_pk
from healthspace.adapters.dynamodb.table import DynamoStore
from healthspace.adapters.dynamodb.transactions import NEW, Write
from healthspace.agenda.feed import STALE_FEED
from healthspace.agenda.feed_model import Feed
from healthspace.kernel.errors import PreconditionFailed, SpaceClosed
from healthspace.records.model import AccessLogEntry

FEED_SK = "FEED"


def feed_item(feed: Feed) -> Item:
    return item_of(
        space_pk(feed.space_id),
        FEED_SK,
        feed,
        gsi1pk=f"FEEDTOKEN#{feed.token_sha256}",
        gsi1sk=feed.space_id,
        version=feed.version,
    )


class DynamoFeeds:
    """Built on the same table binding as DynamoStore (its transactions and space check)."""

    def __init__(self, store: DynamoStore) -> None:
        self._store = store

    def get_feed(self, space_id: str) -> Feed | None:
        return self._store._get(Feed, space_pk(space_id), FEED_SK)

    def feed_of_token(self, token_sha256: str) -> Feed | None:
        indexed = list(Item.by_date.query(f"FEEDTOKEN#{token_sha256}", limit=1))
        if not indexed:
            return None
        found = self._store._get_item(indexed[0].pk, FEED_SK)  # consistent: not revoked since
        if found is None:
            return None
        feed = Feed.model_validate_json(found.body)
        return feed if feed.token_sha256 == token_sha256 else None

    def put_feed(self, feed: Feed, previous: Feed | None, audit: AccessLogEntry) -> None:
        expected = NEW if previous is None else Item.version == previous.version
        saves: list[Write] = [(feed_item(feed), expected), (log_item(audit), NEW)]
        if not self._store._in_space(feed.space_id, saves):
            raise PreconditionFailed(STALE_FEED)

    def delete_feed(self, feed: Feed, audit: AccessLogEntry) -> None:
        deletes: list[Write] = [(feed_item(feed), Item.version == feed.version)]
        if not self._store._in_space(feed.space_id, [(log_item(audit), NEW)], deletes=deletes):
            raise PreconditionFailed(STALE_FEED)

    def trace_feed(self, feed: Feed, audit: AccessLogEntry) -> bool:
        assert feed.traced_on is not None
        day = feed.traced_on
        marker = Item(
            space_pk(feed.space_id),
            f"FEEDREAD#{day.isoformat()}",
            body="{}",
            expires_at=datetime.combine(day + timedelta(days=2), time(), tzinfo=audit.at.tzinfo),
        )
        saves: list[Write] = [
            (marker, NEW),
            (feed_item(feed), Item.version == feed.version),
            (log_item(audit), NEW),
        ]
        try:
            return self._store._in_space(feed.space_id, saves)
        except SpaceClosed:
            return False  # closed since the fetch began: its answer is a 404 anyway
