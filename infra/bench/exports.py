"""The export's peak memory (healthspace.lifecycle.exports), for a space of 10, 100 and 500
documents side by side: it must stay flat whatever the space holds. With the adapter's 8 MiB
parts, 10 documents (1 MiB) never fill a part, so their peak is below a part's; from 100
documents on, the peak is one part plus one document, whatever the count.

The build runs as the exports function runs it, on the in-memory stores of the unit tests (the
table's items, the documents' ciphertext) and the real S3 adapter (adapters/s3_exports.py, its
8 MiB parts) over a client that counts the parts and drops them. tracemalloc measures the
build's peak above what was allocated before it: what the stores hold is not counted, what the
build holds at once is. Each document is 100 KB of random bytes (incompressible, as PDFs and
images are). Medians of runs.

python -m infra.bench.exports [--runs N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import tracemalloc
from datetime import date
from typing import Any

from healthspace.kernel.identifiers import make_ins
from healthspace.lifecycle.exports import Exports
from healthspace.records.access import Caller
from healthspace.records.model import Category, DocumentFacts, Holder, Limits
from healthspace.records.uploads import upload_key
from healthspace.wiring.compose import compose_medical_file
from infra.bench.measure import print_table

SIZES = (10, 100, 500)
# The adapter's part (8 MiB, what runs) and a small one: with the small one, 10 documents fill
# parts as 500 do, and the peak shows what the documents' count adds (nothing).
PARTS = (8 * 1024 * 1024, 256 * 1024)
DOCUMENT_BYTES = 100_000
MIB = 1024 * 1024


class _DroppingS3:
    """The S3 calls of a multipart upload: parts counted, their bytes dropped."""

    def __init__(self) -> None:
        self.parts = 0
        self.bytes = 0

    def create_multipart_upload(self, **_: Any) -> dict[str, str]:
        return {"UploadId": "bench"}

    def upload_part(self, Body: bytes, **_: Any) -> dict[str, str]:
        self.parts += 1
        self.bytes += len(Body)
        return {"ETag": f'"{self.parts}"'}

    def complete_multipart_upload(self, **_: Any) -> None:
        pass

    def abort_multipart_upload(self, **_: Any) -> None:
        pass


def _space(documents: int, part_bytes: int) -> tuple[Exports, Caller, _DroppingS3]:
    from healthspace.adapters.s3_exports import S3ExportFiles
    from tests.export_fakes import FakeExportStore
    from tests.fakes import FakeBlobs, FakeClock, FakeKeys, FakeStore, SequentialIds

    store, blobs, clock = FakeStore(), FakeBlobs(), FakeClock()
    limits = Limits(max_upload_bytes=DOCUMENT_BYTES + 100)
    file = compose_medical_file(store, blobs, FakeKeys(), clock, SequentialIds(), limits)
    ins = make_ins("2850675123456")
    file.spaces.open_space(
        ins, Holder(given_name="Alice", family_name="Martin", birth_date=date(1985, 6, 1))
    )
    alice = Caller(subject="sub-alice", ins=ins, display_name="Alice Martin")
    access = file.spaces.policy.resolve(alice, None)
    facts = DocumentFacts(category=Category.BIOLOGY, title="Bilan", document_date=date(2026, 1, 2))
    for _ in range(documents):
        data = b"%PDF-1.7\n" + os.urandom(DOCUMENT_BYTES - 16) + b"\n%%EOF\n"
        ticket = file.uploads.start_upload(access, facts, "bilan.pdf", "application/pdf", len(data))
        key = upload_key(access.space_id, ticket.upload.upload_id)
        blobs.quarantine[key] = data
        file.uploads.ingest(key, len(data))
    s3 = _DroppingS3()
    files = S3ExportFiles("bench-downloads", "bench-key", part_bytes=part_bytes)
    files.__dict__["_s3"] = s3  # the cached client
    exports = Exports(
        store=FakeExportStore(store),
        files=files,
        content=store,
        care=store,
        blobs=blobs,
        spaces=file.spaces,
        log=file.history,
        clock=clock,
        ids=file.ids,
    )
    return exports, alice, s3


def measure(documents: int, part_bytes: int) -> tuple[float, float, float]:
    """(peak MiB above the start, ZIP MiB, seconds) of one build."""
    exports, alice, s3 = _space(documents, part_bytes)
    export = exports.request(alice, None, "fr")
    tracemalloc.start()
    tracemalloc.reset_peak()
    start, _ = tracemalloc.get_traced_memory()
    began = time.perf_counter()
    exports.build(export.space_id, export.export_id)
    seconds = time.perf_counter() - began
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return (peak - start) / MIB, s3.bytes / MIB, seconds


def export_memory_table(runs: int) -> list[list[str]]:
    rows = []
    for part_bytes in PARTS:
        for documents in SIZES:
            samples = [measure(documents, part_bytes) for _ in range(runs)]
            peak, size, seconds = (statistics.median(s[i] for s in samples) for i in range(3))
            rows.append(_row(documents, part_bytes, size, peak, seconds))
    return rows


def _row(documents: int, part_bytes: int, size: float, peak: float, seconds: float) -> list[str]:
    return [
        str(documents),
        f"{part_bytes // 1024} KiB",
        f"{documents * DOCUMENT_BYTES / MIB:.1f}",
        f"{size:.1f}",
        f"{peak:.1f}",
        f"{seconds:.2f}",
    ]


def print_export_memory(runs: int) -> None:
    print_table(
        "Export: peak memory of a build (tracemalloc above the start; median of runs)",
        ["documents", "part", "documents MiB", "ZIP MiB", "peak MiB", "seconds"],
        export_memory_table(runs),
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.bench.exports")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    print_export_memory(args.runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
