"""The table's stream on the local stack (infra/local/streams.py), as Lambda's poller serves it:
the mapping's filter, batches, a failed record retried from where it failed, records set aside
after the retries, delivered records forgotten by moto, a failed transaction leaving none."""

from collections.abc import Iterator
from typing import Any

import pytest
from moto.dynamodb.models import dynamodb_backends
from pynamodb.exceptions import TransactWriteError

from healthspace import wiring
from healthspace.adapters.dynamodb.items import Item
from healthspace.adapters.dynamodb.transactions import NEW, transact
from healthspace.wiring.records import medical_file
from infra.local.stack import LocalStack
from infra.local.template import ACCOUNT_ID, REGION


class ScriptedNotices:
    """NoticesFunction's stand-in: records what it is given; fails records on request."""

    def __init__(self) -> None:
        self.batches: list[list[dict[str, Any]]] = []
        self.fail_keys: dict[str, int] = {}  # sort key -> how many more times to fail it

    def __call__(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        records = event["Records"]
        self.batches.append(records)
        for record in records:
            sk = record["dynamodb"]["Keys"]["sk"]["S"]
            if self.fail_keys.get(sk, 0) > 0:
                self.fail_keys[sk] -= 1
                return {"batchItemFailures": [{"itemIdentifier": _sequence(record)}]}
        return {"batchItemFailures": []}

    def keys(self) -> list[str]:
        return [r["dynamodb"]["Keys"]["sk"]["S"] for batch in self.batches for r in batch]


def _sequence(record: dict[str, Any]) -> str:
    return str(record["dynamodb"]["SequenceNumber"])


@pytest.fixture(scope="module")
def notices() -> ScriptedNotices:
    return ScriptedNotices()


@pytest.fixture(scope="module")
def stack(notices: ScriptedNotices) -> Iterator[LocalStack]:
    # Delivered by the tests only (deliver_streams), so that each sees exactly its records; the
    # stack's own polling thread is seen at work in tests/local/test_demo.py.
    stand_in = {"NoticesFunction": notices}
    with LocalStack(port=0, demo=False, handlers=stand_in, stream_poll_seconds=None) as running:
        wiring.forget()
        yield running
    wiring.forget()


@pytest.fixture
def fresh(stack: LocalStack, notices: ScriptedNotices) -> ScriptedNotices:
    stack.deliver_streams()  # whatever earlier tests wrote
    notices.batches.clear()
    notices.fail_keys.clear()
    return notices


def put(pk: str, sk: str) -> None:
    medical_file()  # binds the table
    Item(pk, sk, body="{}").save()


def shard():
    table = dynamodb_backends[ACCOUNT_ID][REGION].tables["healthspace-local-HealthSpaceTable"]
    return table.stream_shard


def test_only_new_access_log_entries_reach_the_function(stack, fresh):
    # Given writes of every kind: an entry, a document, an enrollment's own log, then a change
    put("SPACE#s1", "LOG#0001")
    put("SPACE#s1", "DOC#d1")
    put("ENROLL#123", "LOG#0001")
    put("SPACE#s1", "LOG#0001")  # overwritten: a MODIFY, not news
    # When the stream is delivered
    delivered = stack.deliver_streams()
    # Then the function saw the one inserted access-log entry
    assert fresh.keys() == ["LOG#0001"]
    assert delivered == 1
    [[record]] = fresh.batches
    assert record["eventName"] == "INSERT" and record["eventSource"] == "aws:dynamodb"
    assert record["dynamodb"]["NewImage"]["body"] == {"S": "{}"}


def test_a_failed_record_is_retried_from_where_it_failed(stack, fresh):
    for n in (1, 2, 3):
        put("SPACE#s2", f"LOG#000{n}")
    fresh.fail_keys["LOG#0002"] = 1
    stack.deliver_streams()
    # The first batch had all three; the retry starts at the failed one; nothing is lost
    assert fresh.keys() == ["LOG#0001", "LOG#0002", "LOG#0003", "LOG#0002", "LOG#0003"]
    assert stack.deliver_streams() == 0  # and nothing comes back afterwards


def test_a_record_failing_every_retry_is_set_aside(stack, fresh, caplog):
    put("SPACE#s3", "LOG#0001")
    put("SPACE#s3", "LOG#0002")
    fresh.fail_keys["LOG#0001"] = 1_000
    stack.deliver_streams()
    # 1 delivery + MaximumRetryAttempts (10), then set aside: the stream goes on
    assert fresh.keys().count("LOG#0001") == 11
    assert "set aside" in caplog.text
    put("SPACE#s3", "LOG#0003")
    stack.deliver_streams()
    assert fresh.keys()[-1] == "LOG#0003"


def test_delivered_records_are_forgotten_by_moto(stack, fresh):
    for n in range(5):
        put("SPACE#s4", f"DOC#{n}")
    assert len(shard().items) >= 5
    stack.deliver_streams()
    assert shard().items == []
    put("SPACE#s4", "LOG#0001")  # numbering goes on after the trim
    stack.deliver_streams()
    assert fresh.keys() == ["LOG#0001"]


def test_a_failed_transaction_leaves_no_stream_record(stack, fresh):
    medical_file()
    put("SPACE#s5", "DOC#taken")
    stack.deliver_streams()
    fresh.batches.clear()
    store = medical_file().store
    # Given a transaction whose access-log entry comes first and whose second write fails
    saves = [
        (Item("SPACE#s5", "LOG#0001", body="{}"), NEW),
        (Item("SPACE#s5", "DOC#taken", body="{}"), NEW),
    ]
    try:
        committed = transact(store._conn(), saves)  # type: ignore[attr-defined]
    except TransactWriteError:
        committed = False
    assert committed is False
    stack.deliver_streams()
    assert fresh.keys() == []  # no entry of a write that did not happen reaches the notices
