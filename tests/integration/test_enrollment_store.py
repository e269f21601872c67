"""The enrollment lock-out's counter on DynamoDB: each attempt is taken in one conditional write,
so however many guesses arrive at once no more than five are checked; a window lapses at its end
by itself (DynamoDB's TTL sweep may come up to two days later)."""

import os
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from threading import Barrier

from healthspace.adapters.dynamodb.enrollment import DynamoEnrollmentStore
from healthspace.adapters.dynamodb.table import DynamoStore

HOUR = timedelta(hours=1)
START = datetime(2031, 5, 1, 9, 0, tzinfo=UTC)


def store() -> DynamoEnrollmentStore:
    return DynamoEnrollmentStore(DynamoStore(os.environ["TABLE_NAME"]))


def test_attempts_count_within_the_window_and_lapse_at_its_end(deployed):
    attempts = store()
    key = "lockout-window-test"

    assert [attempts.take_attempt(key, START, HOUR, 3) for _ in range(4)] == [True] * 3 + [False]
    assert not attempts.take_attempt(key, START + timedelta(minutes=59, seconds=59), HOUR, 3)

    lapsed = START + HOUR + timedelta(seconds=1)
    assert attempts.take_attempt(key, lapsed, HOUR, 3)  # a new window starts
    assert attempts.take_attempt(key, lapsed, HOUR, 3)


def test_a_right_attempt_given_back_does_not_count(deployed):
    attempts = store()
    key = "lockout-give-back-test"
    for _ in range(3):
        assert attempts.take_attempt(key, START, HOUR, 3)
        attempts.give_back_attempt(key)
    assert [attempts.take_attempt(key, START, HOUR, 3) for _ in range(4)] == [True] * 3 + [False]


def test_concurrent_guesses_take_no_more_than_the_limit(deployed):
    attempts = store()
    key = "lockout-concurrent-test"
    start_together = Barrier(20)

    def guess(_: int) -> bool:
        start_together.wait()
        return attempts.take_attempt(key, START, HOUR, 5)

    with ThreadPoolExecutor(max_workers=20) as pool:
        taken = list(pool.map(guess, range(20)))

    assert taken.count(True) == 5
