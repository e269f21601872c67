"""The purge's benchmark (part of `make bench`, infra/bench/records.py's stack): AWS requests
per purge of an archived space of N documents (the LifecycleFunction's `erase`, as the purge
workflow's batches run it), and the purge throughput in spaces per second on the local stack
(`purge_batch` over a batch of spaces of 10 documents; median of runs)."""

from __future__ import annotations

import statistics
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import boto3

from infra.bench.measure import RequestCounter, median_counts
from infra.local.stack import LocalStack

SIZES = (10, 100)
THROUGHPUT_SPACES = 20
_serial = iter(range(1, 1_000_000))


def archived_space(stack: LocalStack, documents: int) -> str:
    """A space closed ten years and a day ago, archived, holding `documents` documents (their
    objects and items, as the ingest leaves them), a grant and its archive object."""
    from healthspace.adapters.dynamodb.lifecycle import DynamoClosures
    from healthspace.kernel.identifiers import make_ins
    from healthspace.lifecycle.model import Closure
    from healthspace.records.model import Action, ActorKind, Author, Holder, Role
    from healthspace.wiring.records import medical_file, table

    file = medical_file()
    n = next(_serial)
    holder = Holder(given_name="Eve", family_name="Martin", birth_date=date(1930, 1, 1))
    space = file.spaces.open_space(make_ins(f"2700199{n:06d}"), holder)
    s3 = boto3.client("s3")
    items = boto3.resource("dynamodb").Table(stack.ref("HealthSpaceTable"))
    with items.batch_writer() as batch:
        for d in range(documents):
            document_id = f"{space.space_id}D{d:04d}"
            s3.put_object(
                Bucket=stack.ref("DocumentsBucket"),
                Key=f"spaces/{space.space_id}/documents/{document_id}",
                Body=b"x" * 1024,
            )
            batch.put_item(
                Item={"pk": f"SPACE#{space.space_id}", "sk": f"DOC#{document_id}", "body": "{}"}
            )
            batch.put_item(Item={"pk": f"DOCREF#{document_id}", "sk": "SPACE", "body": "{}"})
    s3.put_object(
        Bucket=stack.ref("ArchiveBucket"),
        Key=f"spaces/{space.space_id}/archive.tar",
        Body=b"tar",
        StorageClass="DEEP_ARCHIVE",
    )
    closed_at = datetime.now(UTC) - timedelta(days=3653 + 1)
    author = Author(kind=ActorKind.PATIENT, id="sub", display_name="Eve")
    entry = file.history.entry_of(space.space_id, author, Role.HOLDER, Action.UPDATE, "closure")
    closure = Closure.of(space.space_id, closed_at, Role.HOLDER, "sub")
    assert DynamoClosures(table()).close_space(space, closure, entry)
    return space.space_id


def purge_table(stack: LocalStack, counter: RequestCounter, runs: int) -> list[list[str]]:
    from healthspace.wiring.erasing import eraser, purge_sweep

    rows = []
    for size in SIZES:
        samples: list[Counter[str]] = []
        for _ in range(runs):
            space_id = archived_space(stack, size)
            with counter.counting() as calls:
                assert eraser().erase(space_id, term=True).outcome.value == "done"
            samples.append(Counter(calls))
        median = median_counts(samples)
        total = statistics.median(sum(s.values()) for s in samples)
        shown = ", ".join(f"{k.split(':')[1]} {v:g}" for k, v in sorted(median.items()) if v)
        rows.append([f"purge of a space of {size} documents", f"{total:g}", shown])
    rates = []
    for _ in range(runs):
        batch = [archived_space(stack, 10) for _ in range(THROUGHPUT_SPACES)]
        started = time.perf_counter()
        tally = purge_sweep().purge_batch(batch)
        rates.append(THROUGHPUT_SPACES / (time.perf_counter() - started))
        assert tally["purged"] == THROUGHPUT_SPACES, tally
    rows.append(
        [
            f"purge throughput ({THROUGHPUT_SPACES} spaces of 10 documents a batch, one "
            "function instance)",
            f"{statistics.median(rates):.1f} spaces/s",
            "local stack (moto); AWS runs 10 batches at once (MaxConcurrency)",
        ]
    )
    return rows
