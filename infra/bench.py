"""`make bench`: what each route costs in AWS requests, how long each function takes to import,
and how fast the local stack serves, each measured side by side with a baseline in the same run.

    python -m infra.bench [--runs 5] [--requests 200]

Tables (medians over --runs):
1. AWS requests per route, by service and operation, with warm caches (a second request on the
   same function instance). Targets: reads <= 2 requests, 0 KMS; no Scan anywhere.
2. Cold start: importing each handler module in a fresh interpreter, next to `import boto3`.
3. Local stack: GET /me/documents over HTTP, next to a bare GetItem loop on the same moto.
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

import botocore.handlers
import httpx

from infra.local.sample_events import api_event, api_result
from infra.local.stack import LocalStack
from infra.local.template import REPO_ROOT

PDF = b"%PDF-1.7\n" + b"1 0 obj <<>> endobj\n" * 200 + b"%%EOF\n"


# ------------------------------------------------------------------ counting AWS requests
class RequestCounter:
    """Counts every AWS API call made by any botocore client (boto3 and PynamoDB alike), through
    botocore's before-call event. Registered before any session exists, so every client has it."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.active = False
        self._lock = threading.Lock()
        botocore.handlers.BUILTIN_HANDLERS.append(("before-call.*.*", self._on_call))

    def _on_call(self, model: Any, **_: Any) -> None:
        if self.active:
            with self._lock:
                self.calls[f"{model.service_model.service_name}:{model.name}"] += 1

    @contextmanager
    def counting(self) -> Iterator[Counter[str]]:
        self.calls = Counter()
        self.active = True
        try:
            yield self.calls
        finally:
            self.active = False


def median_counts(samples: list[Counter[str]]) -> dict[str, float]:
    operations = sorted({op for sample in samples for op in sample})
    return {op: statistics.median(sample.get(op, 0) for sample in samples) for op in operations}


# ------------------------------------------------------------------ the scenario
class Patient:
    """A patient of the running stack, with a document and a profile entry."""

    def __init__(self, stack: LocalStack) -> None:
        from healthspace.bootstrap import medical_file
        from healthspace.identifiers import make_ins
        from healthspace.model import Holder

        self.stack = stack
        self.ins = make_ins("2900175000101")
        holder = Holder(given_name="Bench", family_name="Mark", birth_date=date(1990, 1, 1))
        self.space_id = medical_file().open_space(self.ins, holder).space_id
        self.claims = {"sub": "bench-subject", "custom:ins": self.ins, "given_name": "Bench"}

    def call(self, method: str, path: str, body: Any = None, **headers: str) -> Any:
        event = api_event(method, path, self.claims, body, headers or None)
        status, _, payload = api_result(self.stack.invoke("RecordsFunction", event))
        if status >= 400:
            raise RuntimeError(f"{method} {path}: {status} {payload}")
        return payload

    def upload(self) -> str:
        """The browser's way: a presigned POST to moto, whose notification runs the ingest."""
        ticket = self.call(
            "POST",
            "/me/uploads",
            {
                "filename": "bench.pdf",
                "content_type": "application/pdf",
                "size": len(PDF),
                "category": "biology",
                "title": "Bench",
                "document_date": "2026-11-02",
            },
        )
        response = httpx.post(ticket["url"], data=ticket["fields"], files={"file": PDF})
        response.raise_for_status()
        upload_id: str = ticket["upload_id"]
        status = self.call("GET", f"/me/uploads/{upload_id}")["status"]
        if status != "ACCEPTED":
            raise RuntimeError(f"upload {status}")
        return upload_id


def route_table(stack: LocalStack, counter: RequestCounter, runs: int) -> list[list[str]]:
    patient = Patient(stack)
    document_id = patient.upload()
    allergy = {"substance": "Pollen", "category": "environment"}
    entry_id = patient.call("POST", "/me/profile/allergies", allergy)["entry_id"]
    version = {"document": 1, "entry": 1}

    def patch_document() -> None:
        patient.call(
            "PATCH",
            f"/me/documents/{document_id}",
            {"title": f"Bench {version['document']}"},
            **{"If-Match": str(version["document"])},
        )
        version["document"] += 1

    def put_entry() -> None:
        patient.call(
            "PUT",
            f"/me/profile/allergies/{entry_id}",
            allergy,
            **{"If-Match": str(version["entry"])},
        )
        version["entry"] += 1

    routes: list[tuple[str, bool, Callable[[], Any]]] = [
        ("GET /me", True, lambda: patient.call("GET", "/me")),
        ("GET /me/documents", True, lambda: patient.call("GET", "/me/documents")),
        (
            "GET /me/documents/{id}",
            True,
            lambda: patient.call("GET", f"/me/documents/{document_id}"),
        ),
        (
            "GET /me/documents/{id}/content",
            False,
            lambda: patient.call("GET", f"/me/documents/{document_id}/content"),
        ),
        ("GET /me/uploads/{id}", True, lambda: patient.call("GET", f"/me/uploads/{document_id}")),
        ("GET /me/profile", True, lambda: patient.call("GET", "/me/profile")),
        ("GET /me/profile/allergies", True, lambda: patient.call("GET", "/me/profile/allergies")),
        ("GET /me/access-log", True, lambda: patient.call("GET", "/me/access-log")),
        ("PATCH /me/documents/{id}", False, patch_document),
        (
            "POST /me/profile/allergies",
            False,
            lambda: patient.call("POST", "/me/profile/allergies", allergy),
        ),
        ("PUT /me/profile/allergies/{id}", False, put_entry),
        (
            "POST /me/uploads (ticket)",
            False,
            lambda: patient.call(
                "POST",
                "/me/uploads",
                {
                    "filename": "b.pdf",
                    "content_type": "application/pdf",
                    "size": 10,
                    "category": "other",
                    "title": "b",
                    "document_date": "2026-01-01",
                },
            ),
        ),
        ("upload + ingest (S3 event)", False, patient.upload),
    ]
    rows = []
    for name, is_read, call in routes:
        call()  # warm: grants and the data key cached, as on a busy function
        samples = []
        for _ in range(runs):
            with counter.counting() as calls:
                call()
            samples.append(Counter(calls))
        counts = median_counts(samples)
        total = sum(counts.values())
        kms = sum(v for op, v in counts.items() if op.startswith("kms:"))
        scans = sum(v for op, v in counts.items() if op.endswith(":Scan"))
        verdict = ""
        if is_read:
            verdict = "ok" if total <= 2 and kms == 0 else "OVER TARGET"
        if scans:
            verdict = "SCAN!"
        by_op = ", ".join(f"{op} {v:g}" for op, v in counts.items())
        rows.append([name, f"{total:g}", f"{kms:g}", by_op, verdict or "-"])
    return rows


# ------------------------------------------------------------------ cold start
def import_seconds(statement: str, env: dict[str, str]) -> float:
    code = f"import time; t = time.perf_counter(); {statement}; print(time.perf_counter() - t)"
    result = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    return float(result.stdout.strip())


def cold_start_table(function_env: dict[str, str], runs: int) -> list[list[str]]:
    env = {
        **os.environ,
        **function_env,
        "PYTHONPATH": os.pathsep.join([str(REPO_ROOT / "layers/shared"), str(REPO_ROOT)]),
        "AWS_DEFAULT_REGION": "eu-west-3",
    }
    env.pop("AWS_ENDPOINT_URL", None)
    subjects = {
        "import boto3 (baseline)": "import boto3",
        "functions.records.app": "import functions.records.app",
        "functions.ingest.app": "import functions.ingest.app",
        "functions.enrollment.app": "import functions.enrollment.app",
        "functions.population.app": "import functions.population.app",
        "functions.wave.app": "import functions.wave.app",
    }
    import_seconds("import boto3", env)  # compile and cache the bytecode first
    times: dict[str, list[float]] = {name: [] for name in subjects}
    for _ in range(runs):  # interleaved, so machine noise hits every subject alike
        for name, statement in subjects.items():
            times[name].append(import_seconds(statement, env))
    baseline = statistics.median(times["import boto3 (baseline)"])
    rows = []
    for name, samples in times.items():
        seconds = statistics.median(samples)
        ratio = seconds / baseline
        target = "-" if name.startswith("import boto3") else ("ok" if ratio <= 1.5 else "OVER 1.5x")
        rows.append([name, f"{seconds * 1000:.0f} ms", f"{ratio:.2f}x", target])
    return rows


# ------------------------------------------------------------------ local stack throughput
def throughput_table(stack: LocalStack, requests: int, runs: int) -> list[list[str]]:
    import boto3

    from infra.local.demo import DEMO_ACCOUNTS

    account = DEMO_ACCOUNTS[0]
    with httpx.Client(base_url=stack.api_url, timeout=30) as client:
        login = client.post(
            "/local/login", json={"username": account.username, "password": account.password}
        )
        login.raise_for_status()
        headers = {"Authorization": f"Bearer {login.json()['id_token']}"}
        client.get("/me/documents", headers=headers).raise_for_status()

        def api_round() -> float:
            started = time.perf_counter()
            for _ in range(requests):
                client.get("/me/documents", headers=headers).raise_for_status()
            return requests / (time.perf_counter() - started)

        dynamodb = boto3.client("dynamodb")
        table = stack.ref("HealthSpaceTable")
        key = {"pk": {"S": "bench"}, "sk": {"S": "bench"}}
        dynamodb.put_item(TableName=table, Item=key)

        def moto_round() -> float:
            started = time.perf_counter()
            for _ in range(requests):
                dynamodb.get_item(TableName=table, Key=key)
            return requests / (time.perf_counter() - started)

        api, moto = [], []
        for _ in range(runs):
            api.append(api_round())
            moto.append(moto_round())
    api_rps, moto_rps = statistics.median(api), statistics.median(moto)
    return [
        [
            "GET /me/documents over HTTP (gateway + handler + moto)",
            f"{api_rps:.0f}",
            f"{api_rps / moto_rps:.2f}x",
        ],
        ["bare moto GetItem loop (boto3 over HTTP)", f"{moto_rps:.0f}", "1.00x"],
    ]


# ------------------------------------------------------------------ output
def print_table(title: str, header: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    print(f"\n## {title}\n")
    print("| " + " | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in rows:
        print("| " + " | ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)) + " |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args(argv)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # moto server's request lines
    counter = RequestCounter()
    with LocalStack(port=0) as stack:
        assert stack.registry is not None
        function_env = dict(stack.registry.specs["RecordsFunction"].environment)
        print_table(
            "AWS requests per route (warm function; median of runs)",
            ["route", "requests", "KMS", "by operation", "read target"],
            route_table(stack, counter, args.runs),
        )
        print_table(
            "Local stack throughput (median of runs)",
            ["what", "requests/s", "ratio"],
            throughput_table(stack, args.requests, args.runs),
        )
    print_table(
        "Cold start: import of the handler module in a fresh interpreter (median of runs)",
        ["module", "import time", "vs boto3", "target <= 1.5x"],
        cold_start_table(function_env, args.runs),
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
