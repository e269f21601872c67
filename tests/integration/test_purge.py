"""The purge at term against moto, its steps as the purge workflow runs them (plan, a batch,
advance), on an injected clock that travels ten years: what is due is purged (key, object
versions, items, index entry last), nothing else; the sweep reads the dated index for the days
due only (5 archives due among 500: 5 ids read, one query per day); a batch that crashes in the
middle, run again, purges everything and counts nothing twice."""

import json
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from healthspace.adapters.dynamodb.items import Item
from healthspace.lifecycle.deletion_model import Erasure
from healthspace.records.access import Caller
from tests.fakes import FakeClock
from tests.integration.test_deletion import every_item, partition, space_body, table, versions
from tests.integration.test_records_api import upload_pdf

CLOSED_ON = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)


@pytest.fixture
def clock():
    return FakeClock(CLOSED_ON)


@pytest.fixture
def lifecycle(clock):
    """The roots the lifecycle function and the records function use, on the injected clock."""
    from healthspace.wiring.erasing import eraser, purge_sweep
    from healthspace.wiring.lifecycle import closures

    deleting, sweep, closing = eraser(), purge_sweep(), closures()
    deleting.clock = sweep.clock = closing.clock = clock
    return deleting, sweep, closing


def close(closing, clock, who):
    caller = Caller(subject=who.subject, ins=who.ins, display_name=who.given_name)
    return closing.close(caller, None, clock.now())


def archive(s3, bucket, space_id):
    """What the archive workflow leaves: the space ARCHIVED, its object (two versions)."""
    key = f"spaces/{space_id}/archive-20261207T100000Z.tar"
    s3.put_object(Bucket=bucket, Key=key, Body=b"tar 1")
    s3.put_object(Bucket=bucket, Key=key, Body=b"tar 2")
    table().update_item(
        Key={"pk": f"SPACE#{space_id}", "sk": "SPACE"},
        UpdateExpression="SET #s = :s, body = :b",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={
            ":s": "ARCHIVED",
            ":b": json.dumps({**space_body(space_id), "status": "ARCHIVED"}),
        },
    )


def audits():
    return [json.loads(i["body"]) for i in every_item() if i["pk"].startswith("AUDIT#DELETIONS#")]


def only_batch(sweep, run_id):
    plan = sweep.plan(run_id)
    batches = sweep.files.get_json(plan.manifest)
    return plan, [space for batch in batches for space in batch]


def test_ten_years_later_the_due_archives_are_purged_and_nothing_else(
    api, person, s3, stack_env, lifecycle, clock
):
    _deleting, sweep, closing = lifecycle
    documents, archives = stack_env["DOCUMENTS_BUCKET"], stack_env["ARCHIVE_BUCKET"]
    # Given Alice's space archived and Carl's closed (its archive never finished) today, Dana's
    # closed three days later, and Bob's open
    alice, carl, dana, bob = (person(n) for n in ("Alice", "Carl", "Dana", "Bob"))
    for who in (alice, carl, dana, bob):
        upload_pdf(api, who, s3)
    close(closing, clock, alice)
    close(closing, clock, carl)
    archive(s3, archives, alice.space_id)
    clock.advance(days=3)
    close(closing, clock, dana)
    bob_before = partition(f"SPACE#{bob.space_id}")
    dana_before = partition(f"SPACE#{dana.space_id}")
    # and a sweep that ran yesterday, ten years on: nothing was due
    clock.current = CLOSED_ON.replace(year=2036) - timedelta(days=1)
    sweep.advance(sweep.plan("day-before").through)

    # When the day of their term comes
    clock.current = CLOSED_ON.replace(year=2036) + timedelta(hours=2)
    plan, due = only_batch(sweep, "term")

    # Then the sweep found the two closed that day (its first day: yesterday's, swept again)
    assert sorted(due) == sorted([alice.space_id, carl.space_id])
    assert (plan.start, plan.through) == (
        clock.now().date() - timedelta(days=1),
        clock.now().date(),
    )
    tally = sweep.purge_batch(due)
    assert (tally["purged"], tally["already"], tally["skipped"]) == (2, 0, 0)
    assert tally["objects"] == 1 + 1 + 2  # each one's document, Alice's archive versions
    sweep.advance(plan.through)
    for who in (alice, carl):
        assert versions(s3, documents, who.space_id) == []
        assert versions(s3, archives, who.space_id) == []
        [tombstone] = partition(f"SPACE#{who.space_id}")
        assert json.loads(tombstone["body"])["status"] == "PURGED"
        assert partition(f"PERSON#{who.ins}") == []
    assert len(audits()) == 2 and {a["reason"] for a in audits()} == {"TERM"}
    # Dana's and Bob's are as they were
    assert partition(f"SPACE#{dana.space_id}") == dana_before
    assert partition(f"SPACE#{bob.space_id}") == bob_before
    # A rerun of the batch finds them purged and counts nothing
    again = sweep.purge_batch(due)
    assert (again["purged"], again["already"], again["objects"], again["items"]) == (0, 2, 0, 0)
    assert len(audits()) == 2

    # When three more days pass: Dana's term, and the cursor's day swept again
    clock.advance(days=3)
    plan, due = only_batch(sweep, "dana")
    assert due == [dana.space_id]
    assert sweep.purge_batch(due)["purged"] == 1
    assert versions(s3, documents, dana.space_id) == []
    assert partition(f"SPACE#{bob.space_id}") == bob_before


def test_a_space_reopened_or_not_yet_due_is_left_alone(person, lifecycle, clock):
    deleting, _sweep, closing = lifecycle
    alice = person("Alice")
    close(closing, clock, alice)
    before = partition(f"SPACE#{alice.space_id}")
    # its term not come: named by a stale index, nothing happens
    assert deleting.erase(alice.space_id, term=True).outcome is Erasure.NOT_DUE
    # an express deletion's step on a space nobody asked to delete: nothing either
    clock.current = CLOSED_ON.replace(year=2037)
    assert deleting.erase(alice.space_id).outcome is Erasure.NOT_DUE
    assert partition(f"SPACE#{alice.space_id}") == before
    assert deleting.erase("01NOSUCHSPACE0000000000000").outcome is Erasure.ABSENT


def test_the_sweep_reads_only_the_archives_due(person, lifecycle, clock, monkeypatch):
    _deleting, sweep, _closing = lifecycle
    # Given 500 archives whose terms fall over the next ten years, five of them in the week
    # the sweep will cover
    today = CLOSED_ON.replace(year=2036).date()
    due_days = [today - timedelta(days=n) for n in (0, 1, 3, 3, 6)]
    with table().batch_writer() as batch:
        for n in range(500):
            day = due_days[n] if n < 5 else today + timedelta(days=1 + n * 7)
            batch.put_item(
                Item={
                    "pk": f"SPACE#ARCHIVE{n:04d}",
                    "sk": "CLOSURE",
                    "body": "{}",
                    "gsi1pk": f"PURGE#{day.isoformat()}",
                    "gsi1sk": f"ARCHIVE{n:04d}",
                }
            )
    # and the index's reads counted
    queries, read = Counter(), Counter()
    original = Item.by_date.query

    def counted(hash_key, *args, **kwargs):
        for item in original(hash_key, *args, **kwargs):
            read[hash_key] += 1
            yield item
        queries[hash_key] += 1

    monkeypatch.setattr(Item.by_date, "query", counted)

    # When the sweep runs on its first day (a week back) then the next day
    clock.current = datetime.combine(today, datetime.min.time(), tzinfo=UTC)
    plan, due = only_batch(sweep, "first")
    sweep.advance(plan.through)
    first_queries = sum(queries.values())
    clock.advance(days=1)
    only_batch(sweep, "next")

    # Then it read the five due, one query per day swept, never the 495 others
    assert sorted(due) == [f"ARCHIVE{n:04d}" for n in range(5)]
    assert sum(read.values()) == 5 + 1  # and the day swept again, whose one is still indexed
    assert first_queries == 7 + 1  # the first sweep's days
    assert sum(queries.values()) == first_queries + 2  # then today and yesterday
    assert plan.spaces == 5 and plan.batches == 1


class CrashingObjects:
    """The S3 side of the deletion, which dies once after the first page of a chosen space, as a
    Lambda timing out in the middle of a batch."""

    def __init__(self, real, space_id):
        self.real, self.space_id, self.crashed = real, space_id, False

    def erase(self, space_id):
        for deleted in self.real.erase(space_id):
            yield deleted
            if space_id == self.space_id and not self.crashed:
                self.crashed = True
                raise TimeoutError("the function timed out in the middle of the batch")


def test_a_batch_that_crashes_midway_then_runs_again_purges_all_once(
    api, person, s3, stack_env, lifecycle, clock
):
    deleting, sweep, closing = lifecycle
    archives = stack_env["ARCHIVE_BUCKET"]
    # Given three archived spaces alike (two documents, an archive of two versions)
    people = [person(n) for n in ("Anne", "Bea", "Cleo")]
    for who in people:
        upload_pdf(api, who, s3)
        upload_pdf(api, who, s3, title="Radio")
        close(closing, clock, who)
        archive(s3, archives, who.space_id)
    clock.current = CLOSED_ON.replace(year=2036) + timedelta(hours=1)
    _plan, due = only_batch(sweep, "crash")
    assert sorted(due) == sorted(p.space_id for p in people)
    # When the batch dies in the middle of the second space
    deleting.objects = CrashingObjects(deleting.objects, due[1])
    with pytest.raises(TimeoutError):
        sweep.purge_batch(due)
    first = json.loads(
        table().get_item(Key={"pk": f"SPACE#{due[1]}", "sk": "DELETION"})["Item"]["body"]
    )
    assert first["status"] == "DELETING" and space_body(due[1])["wrapped_key"] is None
    # and Step Functions runs it again
    tally = sweep.purge_batch(due)

    # Then everything is purged, the first one counted by the first run only
    assert (tally["purged"], tally["already"]) == (2, 1)
    for who in people:
        assert [i["sk"] for i in partition(f"SPACE#{who.space_id}")] == ["DELETION"]
        assert versions(s3, archives, who.space_id) == []
    counts = [(a["objects"], a["items"]) for a in audits()]
    assert len(counts) == 3 and len(set(counts)) == 1, counts  # alike spaces, alike counts
    assert counts[0][0] == 2 + 2
