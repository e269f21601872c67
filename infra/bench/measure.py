"""What the benches (infra/bench/records.py, infra/bench/enrollment.py) measure with: every AWS
request the process makes, counted by botocore's events (RequestCounter); medians of counts;
timing loops (subjects interleaved, a thread's CPU time per call); and the markdown tables and
document sections the benches print and write.
"""

from __future__ import annotations

import re
import statistics
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, TypeVar

import botocore.handlers

Subject = TypeVar("Subject")
Sample = TypeVar("Sample")


# ------------------------------------------------------------------ counting AWS requests
class RequestCounter:
    """Counts every AWS API call made by any botocore client (boto3 and PynamoDB alike), through
    botocore's before-call event. Registered before any session exists, so every client has it.

    `counting(by_item=True)` also names the kind of DynamoDB item each call touches (from its
    key: `GetItem PARTNERKEY`, `Query PERSON/GRANT`, ...); `items_read` counts the items
    DynamoDB read for the calls counted (GetItem, BatchGetItem, and a Query's ScannedCount)."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.items_read = 0
        self.active = False
        self.by_item = False
        self._lock = threading.Lock()
        botocore.handlers.BUILTIN_HANDLERS.extend(
            [
                ("before-parameter-build.*.*", self._on_params),
                ("before-call.*.*", self._on_call),
                ("after-call.*.*", self._on_result),
            ]
        )

    def _on_params(self, params: Any, model: Any, context: Any = None, **_: Any) -> None:
        if self.active and self.by_item and context is not None:
            service = model.service_model.service_name
            if service == "dynamodb" and isinstance(params, dict):
                context["bench_item_kind"] = item_kind(model.name, params)

    def _on_call(self, model: Any, **kwargs: Any) -> None:
        if self.active:
            name = f"{model.service_model.service_name}:{model.name}"
            kind = (kwargs.get("context") or {}).get("bench_item_kind")
            with self._lock:
                self.calls[f"{name} {kind}" if kind else name] += 1

    def _on_result(self, parsed: Any, model: Any, **_: Any) -> None:
        if self.active and model.service_model.service_name == "dynamodb":
            with self._lock:
                self.items_read += items_read(model.name, parsed)

    @contextmanager
    def counting(self, *, by_item: bool = False) -> Iterator[Counter[str]]:
        self.calls = Counter()
        self.items_read = 0
        self.by_item = by_item
        self.active = True
        try:
            yield self.calls
        finally:
            self.active = False


def _key_kind(pk: Any, sk: Any) -> str:
    """`PARTNERKEY`, `SPACE/DOC`, ...: the prefixes of an item's keys (values are ids)."""
    pk_prefix = str(pk.get("S", "?") if isinstance(pk, dict) else "?").split("#")[0]
    sk_prefix = str(sk.get("S", "") if isinstance(sk, dict) else "").split("#")[0]
    return pk_prefix if sk_prefix in ("", pk_prefix) else f"{pk_prefix}/{sk_prefix}"


def item_kind(operation: str, params: dict[str, Any]) -> str | None:
    """The kind of item a DynamoDB call reads or writes, from its parameters."""
    if "Key" in params or "Item" in params:
        keys = params.get("Key") or params.get("Item") or {}
        return _key_kind(keys.get("pk"), keys.get("sk"))
    if operation == "Query":
        values = params.get("ExpressionAttributeValues") or {}
        placeholders = re.findall(r":\w+", params.get("KeyConditionExpression", ""))
        pk = values.get(placeholders[0]) if placeholders else None
        sk = values.get(placeholders[1]) if len(placeholders) > 1 else None
        index = f"{params['IndexName']} " if params.get("IndexName") else ""
        return index + _key_kind(pk, sk)
    if operation == "TransactWriteItems":
        kinds = []
        for entry in params.get("TransactItems", []):
            write: dict[str, Any] = next(iter(entry.values()), {})
            keys = write.get("Key") or write.get("Item") or {}
            kinds.append(_key_kind(keys.get("pk"), keys.get("sk")))
        return "[" + " ".join(kinds) + "]"
    return None


def items_read(operation: str, parsed: Any) -> int:
    if not isinstance(parsed, dict) or "Error" in parsed:
        return 0
    if operation == "GetItem":
        return 1 if "Item" in parsed else 0
    if operation in ("Query", "Scan"):
        return int(parsed.get("ScannedCount") or parsed.get("Count") or 0)
    if operation == "BatchGetItem":
        return sum(len(items) for items in (parsed.get("Responses") or {}).values())
    if operation == "TransactGetItems":
        return len(parsed.get("Responses") or [])
    return 0


def median_counts(samples: list[Counter[str]]) -> dict[str, float]:
    operations = sorted({op for sample in samples for op in sample})
    return {op: statistics.median(sample.get(op, 0) for sample in samples) for op in operations}


# ------------------------------------------------------------------ timing loops
def interleaved(
    subjects: Mapping[Subject, Callable[[], Sample]], runs: int
) -> dict[Subject, list[Sample]]:
    """Each subject's samples over `runs` rounds, one sample of every subject per round, in their
    order: machine noise (other processes, the CPU's clock) hits every subject alike."""
    samples: dict[Subject, list[Sample]] = {name: [] for name in subjects}
    for _ in range(runs):
        for name, subject in subjects.items():
            samples[name].append(subject())
    return samples


def cpu_microseconds(call: Callable[[], Any], batch: int) -> float:
    """This thread's CPU time per call (not wall time: other processes share the machine)."""
    started = time.thread_time_ns()
    for _ in range(batch):
        call()
    return (time.thread_time_ns() - started) / batch / 1000


# ------------------------------------------------------------------ output
def markdown_table(header: list[str], rows: list[list[str]], *, padded: bool = True) -> str:
    """A markdown table, its columns padded to align in a terminal (or not, for documents)."""
    if not padded:
        lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        return "\n".join(lines + ["| " + " | ".join(map(str, row)) + " |" for row in rows])
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    lines = [
        "| " + " | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)) + " |",
        "|" + "|".join("-" * (w + 2) for w in widths) + "|",
    ]
    for row in rows:
        cells = zip(row, widths, strict=True)
        lines.append("| " + " | ".join(str(c).ljust(w) for c, w in cells) + " |")
    return "\n".join(lines)


def print_table(title: str, header: list[str], rows: list[list[str]]) -> str:
    """Print the table under its title; return it unpadded, for a document."""
    print(f"\n## {title}\n\n{markdown_table(header, rows)}")
    return markdown_table(header, rows, padded=False)


# A document's generated part: between these markers, the rest of the document is kept.
SECTION_START, SECTION_END = "<!-- bench:start -->", "<!-- bench:end -->"


def around(text: str, start: str, end: str) -> tuple[str, str] | None:
    """What the text has before `start` and after the `end` that follows it; None without
    both markers."""
    if start not in text or end not in text:
        return None
    before, rest = text.split(start, 1)
    return before, rest.split(end, 1)[1]
