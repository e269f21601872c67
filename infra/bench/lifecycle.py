"""python -m infra.bench.lifecycle: what closing + archiving, reopening, and purging at term a
space of N documents costs in AWS requests and bytes, and an archived citizen-year at list
prices. The purge is of the same space closed and archived again, on a clock ten years on: a
real tombstone and archive object, as the daily sweep finds them (infra/bench/purge.py measures
the sweep's throughput).

The local stack runs in this process (handlers included, so botocore's events see every call
the functions make); streams are delivered by the bench (`deliver_streams`), S3's restore is
completed at once (`complete_restores`: moto's twelve hours). Counted: every AWS request made
by a botocore client (the handlers' and the bench's own HTTP upload excluded), the bytes each
request sends and receives (Content-Length of request and response), and, apart, the state
transitions of the executions (Step Functions' unit of price; its Lambda invocations are in
moto, not botocore, and are counted as transitions). Prices: infra/bench/prices.json (dated;
the table says which region it priced).
"""

from __future__ import annotations

import argparse
import json
import os
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import botocore.handlers
import httpx

from infra.bench.measure import print_table
from infra.local.executions import finished
from infra.local.sample_events import api_event, api_result, dynamodb_stream_event
from infra.local.stack import LocalStack

PROG = "python -m infra.bench.lifecycle"
PRICES = Path(__file__).with_name("prices.json")
GB = 1024**3


class Traffic:
    """AWS requests and their bytes, through botocore's events (every client of the process)."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.sent = self.received = 0
        self.active = False
        self._paused: int | None = None
        self._lock = threading.Lock()
        hooks: list[tuple[str, Any]] = [
            ("request-created.*.*", self._on_request),
            ("after-call.*.*", self._on_response),
        ]
        botocore.handlers.BUILTIN_HANDLERS.extend(hooks)

    def _counts(self) -> bool:
        return self.active and threading.get_ident() != self._paused

    def _on_request(self, request: Any, event_name: str, **_: Any) -> None:
        if not self._counts():
            return
        _event, service, operation = event_name.split(".", 2)
        size = int(request.headers.get("Content-Length") or 0) or _length(request.body)
        with self._lock:
            self.calls[f"{service}:{operation}"] += 1
            self.sent += size

    def _on_response(self, http_response: Any, model: Any, **_: Any) -> None:
        # A HEAD's Content-Length is the object's, which it does not send.
        if self._counts() and model.http.get("method") != "HEAD":
            with self._lock:
                self.received += int(http_response.headers.get("Content-Length") or 0)

    @contextmanager
    def counting(self) -> Iterator[Traffic]:
        self.calls, self.sent, self.received, self.active = Counter(), 0, 0, True
        try:
            yield self
        finally:
            self.active = False

    @contextmanager
    def paused(self) -> Iterator[None]:
        """The bench's own polling (an execution's status, a token stored) is not counted; the
        workflow's steps, meanwhile in moto's threads, are."""
        self._paused = threading.get_ident()
        try:
            yield
        finally:
            self._paused = None


def _length(body: Any) -> int:
    if isinstance(body, bytes | bytearray | str):
        return len(body)
    if hasattr(body, "seek") and hasattr(body, "tell"):
        here = body.tell()
        end = body.seek(0, os.SEEK_END)
        body.seek(here)
        return int(end - here)
    return 0


@dataclass
class Run:
    documents: int
    close_calls: Counter[str]
    close_sent: int
    close_received: int
    archive_transitions: int
    archive_bytes: int
    tombstone_bytes: int
    reopen_calls: Counter[str]
    reopen_sent: int
    reopen_received: int
    reopen_transitions: int
    purge_calls: Counter[str]
    purge_sent: int
    purge_received: int


@dataclass(frozen=True)
class _At:
    """A clock stopped at one moment: the purge's, ten years after the closure."""

    moment: datetime

    def now(self) -> datetime:
        return self.moment


def _pdf(size: int, serial: int) -> bytes:
    head = f"%PDF-1.7\n% bench document {serial}\n".encode()
    return head + os.urandom(max(0, size - len(head) - 6)) + b"%%EOF\n"


def _api(
    stack: LocalStack,
    function: str,
    method: str,
    path: str,
    claims: dict[str, str],
    body: Any = None,
) -> Any:
    status, _, payload = api_result(stack.invoke(function, api_event(method, path, claims, body)))
    if status >= 400:
        raise RuntimeError(f"{method} {path}: {status} {payload}")
    return payload


def _restored(bucket: str, key: str, arn: str, timeout: float = 300) -> dict[str, Any]:
    s3, sfn = boto3.client("s3"), boto3.client("stepfunctions")
    give_up = time.monotonic() + timeout
    while time.monotonic() < give_up:
        described: dict[str, Any] = sfn.describe_execution(executionArn=arn)
        if described["status"] != "RUNNING":
            return described
        with suppress(s3.exceptions.ClientError):  # gone once the space is back
            s3.head_object(Bucket=bucket, Key=key)
        time.sleep(0.05)
    raise RuntimeError(f"{arn} still running")


def _transitions(arn: str) -> int:
    """State transitions of an execution, as Step Functions bills them (entered states)."""
    sfn = boto3.client("stepfunctions")
    events = sfn.get_execution_history(executionArn=arn, maxResults=1000)["events"]
    return sum(1 for e in events if str(e["type"]).endswith("StateEntered"))


def _execution(machine: str, space_id: str) -> str:
    sfn = boto3.client("stepfunctions")
    for found in sfn.list_executions(stateMachineArn=machine)["executions"]:
        if found["name"].startswith(space_id):
            return str(found["executionArn"])
    raise RuntimeError(f"no execution for {space_id}")


def _item_bytes(items: list[dict[str, Any]], overhead: int) -> int:
    """DynamoDB's item size: names and values' lengths, plus its per-item storage overhead."""
    total = 0
    for item in items:
        for name, value in item.items():
            ((_, raw),) = value.items()
            total += len(name) + len(str(raw))
        total += overhead
    return total


def run(
    stack: LocalStack, traffic: Traffic, documents: int, size: int, serial: int, overhead: int
) -> Run:
    from healthspace.kernel.identifiers import make_ins
    from healthspace.records.model import Holder
    from healthspace.wiring.records import medical_file

    ins = make_ins(f"29001750{serial:05d}")
    holder = Holder(given_name="Bench", family_name="Mark", birth_date=date(1990, 1, 1))
    space_id = medical_file().spaces.open_space(ins, holder).space_id
    claims = {"sub": f"bench-{serial}", "custom:ins": ins, "given_name": "Bench"}
    for n in range(documents):
        content = _pdf(size, n)
        ticket = _api(
            stack,
            "RecordsFunction",
            "POST",
            "/me/uploads",
            claims,
            {
                "filename": f"bench-{n}.pdf",
                "content_type": "application/pdf",
                "size": len(content),
                "category": "biology",
                "title": f"Bench {n}",
                "document_date": "2026-11-02",
            },
        )
        httpx.post(ticket["url"], data=ticket["fields"], files={"file": content}).raise_for_status()
    stack.deliver_streams()  # the uploads' notices: not the closure's cost
    env = stack.shared_env
    table = boto3.client("dynamodb")

    with traffic.counting():
        fresh = {**claims, "auth_time": str(int(time.time()))}
        _api(stack, "RecordsFunction", "POST", "/me/closure", fresh, {"confirm": "CLOSE"})
        closure = table.get_item(
            TableName=env["TABLE_NAME"],
            Key={"pk": {"S": f"SPACE#{space_id}"}, "sk": {"S": "CLOSURE"}},
        )["Item"]
        # The stream's delivery of the closure item alone (the poller's reads are shared by
        # every record of the table: not one closure's).
        stack.invoke("StreamEventsFunction", dynamodb_stream_event([closure]))
        with traffic.paused():
            archive_run = _execution(env["ARCHIVE_STATE_MACHINE_ARN"], space_id)
            if finished(archive_run, timeout=300)["status"] != "SUCCEEDED":
                raise RuntimeError("the archive workflow failed")
        close_calls, close_sent, close_received = (
            Counter(traffic.calls),
            traffic.sent,
            traffic.received,
        )
    stack.deliver_streams()
    ref = json.loads(
        table.get_item(
            TableName=env["TABLE_NAME"],
            Key={"pk": {"S": f"SPACE#{space_id}"}, "sk": {"S": "CLOSURE"}},
        )["Item"]["body"]["S"]
    )["archive"]
    tombstone = [
        table.get_item(TableName=env["TABLE_NAME"], Key={"pk": {"S": pk}, "sk": {"S": sk}})["Item"]
        for pk, sk in [
            (f"SPACE#{space_id}", "SPACE"),
            (f"SPACE#{space_id}", "CLOSURE"),
            (f"PERSON#{ins}", f"GRANT#{space_id}"),
        ]
    ]

    with traffic.counting():
        _api(stack, "EnrollmentFunction", "POST", "/enrollment/space-requests", claims)
        with traffic.paused():
            reopen_run = _execution(env["REOPEN_STATE_MACHINE_ARN"], space_id)
            # S3's twelve hours: moto completes a restore on the next read of the object's
            # state, then sends its restore-completed event (the event function's requests,
            # in moto's thread, are counted; these HEADs, the bench's, are not). Read until
            # the execution ends: a read before the workflow's RestoreObject completes nothing.
            if _restored(env["ARCHIVE_BUCKET"], ref["key"], reopen_run)["status"] != "SUCCEEDED":
                raise RuntimeError("the reopen workflow failed")
        reopen_calls, reopen_sent, reopen_received = (
            Counter(traffic.calls),
            traffic.sent,
            traffic.received,
        )
    stack.deliver_streams()
    purge_calls, purge_sent, purge_received = _purge_at_term(stack, traffic, space_id, claims)
    return Run(
        documents,
        close_calls,
        close_sent,
        close_received,
        _transitions(archive_run),
        int(ref["size"]),
        _item_bytes(tombstone, overhead),
        reopen_calls,
        reopen_sent,
        reopen_received,
        _transitions(reopen_run),
        purge_calls,
        purge_sent,
        purge_received,
    )


def _purge_at_term(
    stack: LocalStack, traffic: Traffic, space_id: str, claims: dict[str, str]
) -> tuple[Counter[str], int, int]:
    """Close the reopened space again, let the workflow archive it, then purge it as the sweep
    does (LifecycleFunction's `erase`, term reached) on a clock past its ten years."""
    from healthspace.lifecycle.model import Closure
    from healthspace.wiring.erasing import eraser

    env = stack.shared_env
    table = boto3.client("dynamodb")
    fresh = {**claims, "auth_time": str(int(time.time()))}
    _api(stack, "RecordsFunction", "POST", "/me/closure", fresh, {"confirm": "CLOSE"})
    key = {"pk": {"S": f"SPACE#{space_id}"}, "sk": {"S": "CLOSURE"}}
    closure = table.get_item(TableName=env["TABLE_NAME"], Key=key)["Item"]
    stack.invoke("StreamEventsFunction", dynamodb_stream_event([closure]))
    runs = boto3.client("stepfunctions").list_executions(
        stateMachineArn=env["ARCHIVE_STATE_MACHINE_ARN"]
    )["executions"]
    latest = max((e for e in runs if e["name"].startswith(space_id)), key=lambda e: e["startDate"])
    if finished(latest["executionArn"], timeout=300)["status"] != "SUCCEEDED":
        raise RuntimeError("the second archive workflow failed")
    stack.deliver_streams()
    stored = table.get_item(TableName=env["TABLE_NAME"], Key=key)["Item"]["body"]["S"]
    term = Closure.model_validate_json(stored).purge_after + timedelta(days=1)
    purge = eraser()
    purge.clock = _At(term)
    with traffic.counting():
        if purge.erase(space_id, term=True).outcome.value != "done":
            raise RuntimeError("the purge did not finish")
        return Counter(traffic.calls), traffic.sent, traffic.received


def _operations(calls: Counter[str]) -> str:
    return ", ".join(
        f"{name} {n}" for name, n in sorted(calls.items(), key=lambda c: (-c[1], c[0]))
    )


def _kb(n: int) -> str:
    return f"{n / 1024:,.0f} KB"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=PROG, description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, nargs="+", default=[10, 100])
    parser.add_argument("--size", type=int, default=300 * 1024, help="bytes per document")
    args = parser.parse_args(argv)
    prices = json.loads(PRICES.read_text(encoding="utf-8"))
    traffic = Traffic()
    runs = []
    with LocalStack(port=0, demo=False, stream_poll_seconds=None, in_process=True) as stack:
        for serial, documents in enumerate(args.documents, start=1):
            runs.append(
                run(
                    stack,
                    traffic,
                    documents,
                    args.size,
                    serial,
                    prices["dynamodb_item_overhead_bytes"],
                )
            )
    rows = []
    for r in runs:
        for what, calls, sent, received, transitions in [
            (
                "close + archive",
                r.close_calls,
                r.close_sent,
                r.close_received,
                str(r.archive_transitions),
            ),
            (
                "reopen",
                r.reopen_calls,
                r.reopen_sent,
                r.reopen_received,
                str(r.reopen_transitions),
            ),
            # The sweep's transitions are its batches', shared by up to 20 spaces each.
            ("purge at term", r.purge_calls, r.purge_sent, r.purge_received, "the batch's"),
        ]:
            rows.append(
                [
                    str(r.documents),
                    what,
                    str(sum(calls.values())),
                    _kb(sent),
                    _kb(received),
                    transitions,
                    _operations(calls),
                ]
            )
    print_table(
        f"AWS requests and bytes per space of N documents of {_kb(args.size)} (botocore's events)",
        ["N", "flow", "requests", "sent", "received", "state transitions", "by operation"],
        rows,
    )
    cost_rows = []
    for r in runs:
        archived = r.archive_bytes + prices["s3_deep_archive_overhead_kb"] * 1024
        storage = archived / GB * prices["s3_deep_archive_gb_month"] * 12
        tombstone = r.tombstone_bytes / GB * prices["dynamodb_standard_gb_month"] * 12
        once_close = (
            prices["s3_deep_archive_put_per_1000"]
            + r.archive_transitions * prices["step_functions_per_1000_transitions"]
        ) / 1000
        once_reopen = (
            r.archive_bytes / GB * prices["s3_deep_archive_standard_restore_per_gb"]
            + prices["s3_deep_archive_standard_restore_per_1000"] / 1000
            + r.reopen_transitions * prices["step_functions_per_1000_transitions"] / 1000
        )
        cost_rows.append(
            [
                str(r.documents),
                _kb(r.archive_bytes),
                f"{r.tombstone_bytes:,} B",
                f"${storage + tombstone:.6f}",
                f"${(storage + tombstone) * 600_000 * 10:,.0f}",
                f"${once_close:.5f}",
                f"${once_reopen:.5f}",
            ]
        )
    priced = f"{prices['region']} list prices of {prices['dated']}, {prices['currency']}"
    print_table(
        f"Cost per archived citizen-year ({priced})",
        [
            "N",
            "archive object",
            "tombstone",
            "per citizen-year",
            "10 years of 600,000 closures a year, per year",
            "once per close",
            "once per reopen",
        ],
        cost_rows,
    )
    deep, overhead = prices["s3_deep_archive_gb_month"], prices["s3_deep_archive_overhead_kb"]
    dynamo, per_item = prices["dynamodb_standard_gb_month"], prices["dynamodb_item_overhead_bytes"]
    print(
        "\nAssumptions: Deep Archive storage at "
        f"${deep}/GB-month plus {overhead} KB "
        "of overhead per object (billed here at the Deep Archive rate: its 8 KB at Standard add "
        "<$0.000003 a year); the tombstone (space item, closure, grant) in DynamoDB Standard at "
        f"${dynamo}/GB-month with {per_item} B "
        "per item; a steady state of 6 million archives (600,000 closures a year kept ten years). "
        "Once per close: the PUT into Deep Archive and the workflow's transitions (the Lambda "
        "and DynamoDB requests above are a few cents per thousand and not priced here). Once per "
        "reopen: a standard-tier restore of the object and its transitions; a reopening within "
        f"{prices['s3_deep_archive_minimum_days']} days of the archive also pays Deep Archive's "
        f"minimum stay. Prices: {PRICES.name} ({prices['source']})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
