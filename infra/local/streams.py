"""DynamoDB Streams to Lambda on the local stack, as Lambda's own poller does it.

moto delivers a table's stream to a mapped function by itself, but synchronously, inside the
write that produced the record (while the local stack's DynamoDB lock is held: the handler's own
DynamoDB calls would wait on it forever) and without the mapping's filter. So the template's
`Type: DynamoDB` events are not given to moto: the stack maps them here. A poller thread reads
each stream through the Streams API, keeps the records the mapping's FilterCriteria match (moto's
EventBridge pattern matcher: Lambda filters use the same syntax), and invokes the function in
batches of BatchSize. A failed batch (an exception, or `batchItemFailures`) is delivered again
from its first failed record, up to MaximumRetryAttempts, then set aside with a warning (in AWS,
the on-failure destination). Records delivered are then dropped from moto's shard, which would
otherwise keep every write of the stack's life in memory.

`drain()` delivers everything written so far before it returns: tests call it (through
LocalStack.deliver_streams) instead of waiting for the thread.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import Any, Protocol, cast

import boto3
from moto.events.models import EventPattern

from infra.local.periodic import Periodic

log = logging.getLogger(__name__)


class Functions(Protocol):
    """The stack's function registry (looked up at each call: tests wrap its invoke)."""

    def invoke(self, key: str, event: Any) -> Any: ...


@dataclass(frozen=True)
class StreamMapping:
    """One `Type: DynamoDB` event of a function, its properties resolved."""

    function: str  # logical id
    stream_arn: str
    batch_size: int = 100
    max_retries: int = 10
    patterns: tuple[str, ...] = ()  # FilterCriteria patterns (JSON), any of which keeps a record

    @classmethod
    def of(cls, function: str, props: dict[str, Any]) -> StreamMapping:
        filters = (props.get("FilterCriteria") or {}).get("Filters") or []
        return cls(
            function=function,
            stream_arn=str(props["Stream"]),
            batch_size=int(props.get("BatchSize", 100)),
            max_retries=int(props.get("MaximumRetryAttempts", 10)),
            patterns=tuple(str(f["Pattern"]) for f in filters),
        )

    @cached_property
    def _filters(self) -> list[EventPattern]:
        return [EventPattern.load(pattern) for pattern in self.patterns]

    def keeps(self, record: dict[str, Any]) -> bool:
        return not self._filters or any(f.matches_event(cast(Any, record)) for f in self._filters)


class StreamPoller(Periodic):
    thread_name = "stream-poller"

    def __init__(
        self,
        functions: Functions,
        mappings: Sequence[StreamMapping],
        region: str,
        forget: Callable[[str, int], None] | None = None,
    ) -> None:
        """forget(stream_arn, last_sequence_number): drop the records up to it from the shard."""
        super().__init__()
        self._functions = functions
        self._mappings = list(mappings)
        self._region = region
        self._forget = forget
        self._iterators: dict[tuple[str, str], str] = {}  # (stream, shard) -> next iterator
        self._client: Any = None  # made at the first round (a client a round cost more than it)
        self._lock = threading.Lock()

    def start(self, interval_seconds: float) -> None:
        """Deliver every `interval_seconds` in a thread of its own, until stop()."""
        if self._mappings:
            super().start(interval_seconds)

    def round(self) -> int:
        return self.drain()

    def drain(self) -> int:
        """Deliver every record written so far; the number of records passed to functions."""
        delivered = 0
        with self._lock:
            if self._client is None:
                self._client = boto3.client("dynamodbstreams", region_name=self._region)
            for stream_arn in {m.stream_arn for m in self._mappings}:
                for records in self._read(self._client, stream_arn):
                    delivered += self._deliver(stream_arn, records)
                    if self._forget is not None:
                        self._forget(stream_arn, int(records[-1]["dynamodb"]["SequenceNumber"]))
        return delivered

    def _read(self, client: Any, stream_arn: str) -> Any:
        """Each non-empty page of new records of the stream, in order."""
        shards = client.describe_stream(StreamArn=stream_arn)["StreamDescription"]["Shards"]
        for shard in shards:
            key = (stream_arn, shard["ShardId"])
            iterator = (
                self._iterators.get(key)
                or client.get_shard_iterator(
                    StreamArn=stream_arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
                )["ShardIterator"]
            )
            while True:
                page = client.get_records(ShardIterator=iterator, Limit=1000)
                iterator = self._iterators[key] = page["NextShardIterator"]
                if not page["Records"]:
                    break
                yield [_as_event_record(r, stream_arn, self._region) for r in page["Records"]]

    def _deliver(self, stream_arn: str, records: list[dict[str, Any]]) -> int:
        delivered = 0
        for mapping in (m for m in self._mappings if m.stream_arn == stream_arn):
            kept = [r for r in records if mapping.keeps(r)]
            for start in range(0, len(kept), mapping.batch_size):
                self._invoke_until_done(mapping, kept[start : start + mapping.batch_size])
            delivered += len(kept)
        return delivered

    def _invoke_until_done(self, mapping: StreamMapping, batch: list[dict[str, Any]]) -> None:
        for _ in range(mapping.max_retries + 1):
            try:
                result = self._functions.invoke(mapping.function, {"Records": batch})
                failed = {f["itemIdentifier"] for f in (result or {}).get("batchItemFailures", [])}
            except Exception:
                log.exception("%s failed on a stream batch", mapping.function)
                failed = {batch[0]["dynamodb"]["SequenceNumber"]}
            if not failed:
                return
            first = min(i for i, r in enumerate(batch) if r["dynamodb"]["SequenceNumber"] in failed)
            batch = batch[first:]
        log.warning(
            "%s: %d stream records set aside after %d retries",
            mapping.function,
            len(batch),
            mapping.max_retries,
        )


def _as_event_record(record: dict[str, Any], stream_arn: str, region: str) -> dict[str, Any]:
    """A GetRecords record as Lambda passes it: JSON types, the source named."""
    dynamodb = dict(record["dynamodb"])
    created = dynamodb.get("ApproximateCreationDateTime")
    if isinstance(created, datetime):
        dynamodb["ApproximateCreationDateTime"] = int(created.timestamp())
    event = {
        "eventID": record["eventID"],
        "eventName": record["eventName"],
        "eventVersion": record.get("eventVersion", "1.1"),
        "eventSource": "aws:dynamodb",
        "awsRegion": region,
        "dynamodb": dynamodb,
        "eventSourceARN": stream_arn,
    }
    return json.loads(json.dumps(event, default=str))
