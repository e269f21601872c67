"""The enrollment lock-out's counter on DynamoDB: it counts within its window and stops counting
at the window's end by itself (DynamoDB's TTL sweep may come up to two days later)."""

import os
from datetime import UTC, datetime, timedelta

from healthspace.adapters.dynamodb.enrollment import DynamoEnrollmentStore
from healthspace.adapters.dynamodb.table import DynamoStore

HOUR = timedelta(hours=1)


def test_failures_count_within_the_window_and_lapse_at_its_end(deployed):
    store = DynamoEnrollmentStore(DynamoStore(os.environ["TABLE_NAME"]))
    start = datetime(2031, 5, 1, 9, 0, tzinfo=UTC)
    key = "lockout-window-test"

    assert [store.record_failure(key, start, HOUR) for _ in range(3)] == [1, 2, 3]
    assert store.failures(key, start + timedelta(minutes=59, seconds=59)) == 3

    lapsed = start + HOUR + timedelta(seconds=1)
    assert store.failures(key, lapsed) == 0
    assert store.record_failure(key, lapsed, HOUR) == 1  # a new window starts
