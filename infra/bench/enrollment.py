"""`make bench`, enrollment at scale (issue 3): N synthetic citizens through the real pipeline on
the local stack, what each costs in AWS requests and state transitions, and a projection for
68 million citizens at eu-west-3 (Paris) prices and default quotas.

    python -m infra.bench.enrollment [--citizens 100000] [--window auto|PT2H] [--seed 3]
                                     [--output docs/enrollment-scale.md]

(`make bench` asks for 5,000: moto notifies ~35 citizens/s on 2 CPUs, so 100,000 take ~2 hours.)

1. A population file (CSV, streamed to disk): valid INS, ~20% minors whose representatives are
   in the file, adults reached by email, else by mobile only, else by post only; seeded.
2. The file is dropped under imports/ in the operations bucket: moto's S3 notification runs the
   PopulationFunction handler (healthspace.importer.import_population, as in the cloud), which
   notifies everyone (SES, SNS, postal batches), writes the wave manifest and starts the timer.
3. 0.7% of the people oppose (the pilot's rate) with the code they received, read from what the
   stack sent (the local outbox: moto's SES and SNS messages, the postal batch files), through
   POST /enrollment/opposition on the local gateway.
4. The wave's deadline passes: the state machine seals the wave and activates everyone else, one
   Distributed Map child run per chunk of 1,000; the bench waits for the execution to succeed,
   then checks the counts (summary, and every enrollment, space and grant in the table).

Every botocore call made in the process is counted per phase (infra.bench.measure.RequestCounter),
except the bench's own (file upload, polling, reading results); DynamoDB capacity units are
computed from the requests themselves (item sizes as sent). Functions are timed around their real
handlers, as the local stack's registry loaded and invokes them (infra/local/lambdas.py).
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import dataclasses
import io
import itertools
import json
import logging
import math
import os
import random
import re
import resource
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import httpx
from botocore.config import Config
from pydantic import TypeAdapter

from healthspace.adapters.dynamodb.enrollment import COUNTER_SHARDS
from infra.bench.measure import SECTION_END, SECTION_START, RequestCounter, around, markdown_table
from infra.local.lambdas import Handler
from infra.local.template import ACCOUNT_ID, REGION, REPO_ROOT

# ------------------------------------------------------------------ prices and quotas
# AWS public prices, Europe (Paris) eu-west-3, on-demand, in USD, from the pricing pages named
# (2025 editions; re-check before quoting: prices change). The Step Functions price is the Paris
# row of its page; the others are the Paris (or all-region) prices as last published there.
PRICES_USD: dict[str, float] = {
    # aws.amazon.com/dynamodb/pricing/on-demand/ (Paris, after the Nov. 2024 on-demand cut):
    # one WRU writes 1 KB (a transaction costs 2 per KB), one RRU reads 4 KB strongly consistent.
    "dynamodb_per_wru": 0.7425 / 1e6,
    "dynamodb_per_rru": 0.1485 / 1e6,
    # aws.amazon.com/s3/pricing/ (S3 Standard, Paris): PUT/COPY/POST/LIST, and GET, per request.
    "s3_per_put": 0.0053 / 1000,
    "s3_per_get": 0.00042 / 1000,
    # aws.amazon.com/kms/pricing/: symmetric requests, all regions.
    "kms_per_request": 0.03 / 10_000,
    # aws.amazon.com/ses/pricing/: outbound email (no attachment), all regions.
    "ses_per_email": 0.10 / 1000,
    # aws.amazon.com/end-user-messaging/pricing/ (SNS SMS is billed there): France, per message
    # part, sender ID; carrier fees included as listed for FR.
    "sms_fr_per_part": 0.0750,
    # aws.amazon.com/step-functions/pricing/: Standard workflows, Europe (Paris).
    "sfn_per_transition": 0.0297 / 1000,
    # aws.amazon.com/lambda/pricing/ (Paris, Arm, as the template's Architectures: [arm64]).
    "lambda_per_gb_second": 0.0000133334,
    "lambda_per_request": 0.20 / 1e6,
    # aws.amazon.com/cloudwatch/pricing/ (Paris): logs ingestion (standard class), per GB.
    "logs_per_gb": 0.53,
}
USD_TO_EUR = 0.86  # assumption: ECB reference rate of 2025 (about 0.85-0.93); one number, stated

POPULATION = 68_000_000
WINDOW_DAYS = 42  # the template's EnrollmentWindow default, P42D
OPPOSITION_RATE = 0.007  # the 3.3 M-person pilot (issue 3)

# Default quotas (and the raised ones a national roll-out would ask for), per account and region.
QUOTAS: dict[str, float] = {
    # Lambda: concurrent executions, account default; the template reserves 100 per function
    # (Globals.ReservedConcurrentExecutions) and the ASL's Distributed Map runs 50 at a time.
    "lambda_concurrency": 1000,
    "reserved_concurrency": 100,
    # SES in production starts at 14 emails/s (and 50,000 a day); a quota raise to 1,000/s is
    # what we assume here (AWS grants such raises on request, with a sending history).
    "ses_emails_per_second": 1000,
    # SNS SMS: default 20 messages/s per account (and a USD 1 monthly spend limit, to be raised
    # before anything is sent); the throughput is assumed NOT raised.
    "sms_per_second": 20,
    # DynamoDB on-demand: 40,000 WRU/s and 40,000 RRU/s per table (default table quota), and
    # 1,000 WRU/s per partition (a partition key's items share one partition until split).
    "dynamodb_table_wru_per_second": 40_000,
    "dynamodb_partition_wru_per_second": 1000,
}
# Typical in-region latencies of one call, in ms (an assumption: AWS publishes none), by service:
# they set how fast one invocation works through its people, where moto's local speed does not.
LATENCY_MS: dict[str, float] = {
    "dynamodb": 8.0,
    "ses": 40.0,
    "sns": 60.0,
    "s3": 25.0,
    "stepfunctions": 40.0,
    "secretsmanager": 25.0,
}
IMPORT_WORKERS = 16  # functions/population/app.py: import_population(..., workers=16)

# A child run's states and the Map's MaxConcurrency are read from the ASL.
ASL_PATH = REPO_ROOT / "infra/statemachines/wave.asl.json"
# The N. On moto with 2 CPUs it takes about 2 hours (~35 citizens/s notified, ~40/s
# activated, and the window in between): `make bench` asks for 5,000 to stay near 10 minutes.
DEFAULT_CITIZENS = 100_000


# ------------------------------------------------------------------ the synthetic population
# ASCII names: the bench finds a child's code in a message by the child's first name.
GIVEN_NAMES = (
    *("Camille", "Louis", "Emma", "Gabriel", "Jade", "Arthur", "Louise", "Jules", "Alice"),
    *("Adam", "Chloe", "Hugo", "Lina", "Leo", "Rose", "Raphael", "Anna", "Paul", "Mia"),
    *("Nathan", "Lea", "Tom", "Manon", "Lucas", "Zoe", "Noah", "Ines", "Victor", "Clara"),
)
FAMILY_NAMES = (
    *("Martin", "Bernard", "Thomas", "Petit", "Robert", "Richard", "Durand", "Dubois"),
    *("Moreau", "Laurent", "Simon", "Michel", "Lefebvre", "Leroy", "Roux", "David"),
    *("Bertrand", "Morel", "Fournier", "Girard", "Andre", "Mercier", "Blanc", "Guerin"),
)
STREETS = ("rue de la Paix", "avenue Foch", "rue des Lilas", "place du Marche", "rue Haute")
CITIES = (("75011", "Paris"), ("69003", "Lyon"), ("13005", "Marseille"), ("33000", "Bordeaux"))


@dataclass(frozen=True, slots=True)
class Person:
    ins: str
    birth_date: date
    given_name: str
    family_name: str
    email: str = ""
    mobile: str = ""
    address: tuple[str, str, str] | None = None  # line 1, postal code, city
    representatives: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Opposer:
    """Who opposes, and how to find their code among what was sent: the recipient's address
    (email, mobile, or first address line) and, for a child, the child's first name."""

    ins: str
    birth_date: date
    destination: str
    child_name: str | None
    grants: int  # the grants their space would have had


@dataclass
class Expected:
    citizens: int = 0
    minors: int = 0
    by_channel: Counter[str] = field(default_factory=Counter)  # the recipients' channels
    grants: int = 0  # if everyone were activated: the holder plus each representative
    opposers: list[Opposer] = field(default_factory=list)


def population(n: int, seed: int, today: date) -> Iterator[Person]:
    """Households of one or two adults and 0-3 children (about 20% minors); parents come first,
    so a cut at n keeps every child's representatives in the file."""
    rng = random.Random(seed)
    serial = itertools.count()

    def ins(born: date) -> str:
        from healthspace.kernel.identifiers import make_ins

        k = next(serial)
        # NIR: sex, birth year and month, then department and a 6-digit serial, unique per k.
        department = 1 + k // 1_000_000
        department += department >= 20  # no department 20 since 1976 (2A/2B)
        return make_ins(f"{rng.choice('12')}{born:%y%m}{department:02d}{k % 1_000_000:06d}")

    def born(min_age: int, max_age: int) -> date:
        return today - timedelta(days=rng.randint(min_age * 366 + 1, max_age * 365))

    made = 0
    while made < n:
        family = rng.choice(FAMILY_NAMES)
        adults = rng.choice((1, 2))
        children = rng.choices((0, 1, 2, 3), weights=(75, 12.5, 10, 2.5))[0]
        names = rng.sample(GIVEN_NAMES, adults + children)  # distinct within a household
        parents: list[str] = []
        for name in names[:adults]:
            if made == n:
                return
            birth_date = born(19, 90)
            k = made
            kind = rng.random()
            email = f"{name}.{family}.{k}@example.org".lower() if kind < 0.80 else ""
            mobile = f"06{k:08d}" if 0.65 < kind < 0.92 else ""
            postal = (f"{1 + k % 200} {rng.choice(STREETS)} {k}", *rng.choice(CITIES))
            address = postal if (kind < 0.80 or kind >= 0.92) else None
            person = Person(ins(birth_date), birth_date, name, family, email, mobile, address)
            parents.append(person.ins)
            made += 1
            yield person
        for name in names[adults:]:
            if made == n:
                return
            birth_date = born(0, 17)
            made += 1
            yield Person(ins(birth_date), birth_date, name, family, representatives=(*parents,))


def write_population(path: Path, n: int, seed: int, today: date) -> Expected:
    """The CSV file, written as generated (nothing kept but the opposers); what to expect."""
    from healthspace.enrollment.population_files import CSV_COLUMNS

    expected = Expected()
    contacts: dict[str, tuple[str, str]] = {}  # adult INS -> (channel, destination)
    pick = random.Random(seed + 1)
    opposers = set(pick.sample(range(n), round(n * OPPOSITION_RATE)))
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(CSV_COLUMNS)
        for index, person in enumerate(population(n, seed, today)):
            line1, postal_code, city = person.address or ("", "", "")
            writer.writerow(
                (
                    person.ins,
                    person.birth_date.isoformat(),
                    person.given_name,
                    person.family_name,
                    person.email,
                    person.mobile,
                    line1,
                    "",
                    "",
                    postal_code,
                    city,
                    "|".join(person.representatives),
                )
            )
            if person.representatives:
                expected.minors += 1
                channel, destination = contacts[person.representatives[0]]
            elif person.email:
                channel, destination = "email", person.email
            elif person.mobile:
                channel, destination = "sms", f"+33{person.mobile[1:]}"
            else:
                assert person.address is not None
                channel, destination = "post", person.address[0]
            if not person.representatives:
                contacts[person.ins] = (channel, destination)
            expected.citizens += 1
            expected.by_channel[channel] += 1
            expected.grants += 1 + len(person.representatives)
            if index in opposers:
                child = person.given_name if person.representatives else None
                grants = 1 + len(person.representatives)
                expected.opposers.append(
                    Opposer(person.ins, person.birth_date, destination, child, grants)
                )
            # Contacts of a household's parents are all that later lines need; a household
            # never spans more than 5 lines, so forget older ones (memory bounded).
            if len(contacts) > 64:
                for key in list(contacts)[:32]:
                    del contacts[key]
    return expected


# ------------------------------------------------------------------ counting requests and capacity
@dataclass
class Tally:
    calls: Counter[str] = field(default_factory=Counter)
    units: Counter[str] = field(default_factory=Counter)  # dynamodb WRU and RRU


class PhaseCounter(RequestCounter):
    """RequestCounter (every botocore call of the process), which also skips the bench's own
    calls (marked per thread) and computes DynamoDB capacity units from each request."""

    def __init__(self) -> None:
        super().__init__()
        self.tally = Tally()
        self._local = threading.local()

    @contextlib.contextmanager
    def phase(self) -> Iterator[Tally]:
        self.tally = Tally()
        self.active = True
        try:
            yield self.tally
        finally:
            self.active = False

    @contextlib.contextmanager
    def ignored(self) -> Iterator[None]:
        """The bench's own calls on this thread: not the pipeline's cost."""
        self._local.ignored = True
        try:
            yield
        finally:
            self._local.ignored = False

    def _on_call(self, model: Any, **kwargs: Any) -> None:
        if not self.active or getattr(self._local, "ignored", False):
            return
        service, operation = model.service_model.service_name, model.name
        units = _capacity(operation, kwargs.get("params") or {}) if service == "dynamodb" else {}
        with self._lock:
            self.tally.calls[f"{service}:{operation}"] += 1
            self.tally.units.update(units)


def _capacity(operation: str, params: dict[str, Any]) -> dict[str, float]:
    """DynamoDB's billing rules applied to the request as sent: a write costs one WRU per KB of
    the item written (twice in a transaction), a strongly consistent read one RRU per 4 KB (half
    if eventually consistent). Updates and reads are of items under 1 KB / 4 KB on this path
    (counters, enrollments), so they count one unit each."""
    try:
        body = json.loads(params.get("body") or b"{}")
    except ValueError:
        return {}
    read = 1.0 if body.get("ConsistentRead") else 0.5
    if operation == "PutItem":
        return {"WRU": _wru(body["Item"])}
    if operation in ("UpdateItem", "DeleteItem"):
        return {"WRU": 1.0}
    if operation == "TransactWriteItems":
        wru = 0.0
        for entry in body["TransactItems"]:
            ((kind, op),) = entry.items()
            wru += 2 * (_wru(op["Item"]) if kind == "Put" else 1)
        return {"WRU": wru}
    if operation in ("GetItem", "Query"):
        return {"RRU": read}
    if operation == "TransactGetItems":
        return {"RRU": 2.0 * len(body["TransactItems"])}
    return {}


def _wru(item: dict[str, Any]) -> float:
    size = sum(len(name.encode()) + _value_size(value) for name, value in item.items())
    gsi = 1 if "gsi1pk" in item else 0  # the index copy of the item costs once more, not twice
    return float(math.ceil(size / 1024) * (1 + gsi))


def _value_size(value: dict[str, Any]) -> int:
    ((kind, raw),) = value.items()
    if kind == "S":
        return len(str(raw).encode())
    if kind == "N":
        return len(str(raw).lstrip("-").replace(".", "")) // 2 + 2
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "B":
        return len(str(raw)) * 3 // 4
    if kind == "L":
        return 3 + sum(1 + _value_size(v) for v in raw)
    if kind == "M":
        return 3 + sum(1 + len(k.encode()) + _value_size(v) for k, v in raw.items())
    return sum(len(str(v)) for v in raw)  # sets


# ------------------------------------------------------------------ timing the functions
class Timed:
    """A function's real handler, timed: durations by action, and what it raised (moto's S3
    notification swallows a handler's error; the bench must not). Put in the handler's place by
    the stack's registry (FunctionRegistry.wrap), which calls it as it would the handler."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.durations: dict[str, list[float]] = {}
        self.spans: dict[str, list[tuple[float, float]]] = {}
        self.results: list[Any] = []
        self.errors: list[BaseException] = []
        self._lock = threading.Lock()

    def __call__(self, event: Any, context: Any) -> Any:
        handler = self.handler
        action = str(event.get("action") or "invoke") if isinstance(event, dict) else "invoke"
        started = time.perf_counter()
        try:
            result = handler(event, context)
        except BaseException as error:
            self.errors.append(error)
            raise
        finally:
            ended = time.perf_counter()
            with self._lock:
                self.durations.setdefault(action, []).append(ended - started)
                self.spans.setdefault(action, []).append((started, ended))
        self.results.append(result)
        return result

    def seconds(self, action: str | None = None) -> float:
        if action is None:
            return sum(sum(d) for d in self.durations.values())
        return sum(self.durations.get(action, []))

    def calls(self, action: str | None = None) -> int:
        if action is None:
            return sum(len(d) for d in self.durations.values())
        return len(self.durations.get(action, []))


# ------------------------------------------------------------------ logs
class LogSink(io.TextIOBase):
    """Where the functions' stdout logs (Powertools JSON lines, metrics) go during the run:
    counted (CloudWatch Logs ingestion is billed per GB), not printed."""

    def __init__(self) -> None:
        self.bytes = 0
        self._lock = threading.Lock()

    def write(self, text: str) -> int:
        with self._lock:
            self.bytes += len(text.encode())
        return len(text)

    def writable(self) -> bool:
        return True


@contextlib.contextmanager
def logs_to(sink: LogSink) -> Iterator[None]:
    """The functions' logs into the sink: Powertools' handlers write to the stdout they found
    at import, and its metrics print."""
    streams = []
    loggers = [logging.getLogger(), *logging.Logger.manager.loggerDict.values()]
    for logger in loggers:
        for handler in getattr(logger, "handlers", []):
            if isinstance(handler, logging.StreamHandler) and handler.stream is sys.stdout:
                streams.append((handler, handler.setStream(sink)))
    try:
        with contextlib.redirect_stdout(sink):
            yield
    finally:
        for handler, stream in streams:
            handler.setStream(stream)


# ------------------------------------------------------------------ the codes people received
_CODE = re.compile(r"\b([0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4})\b")
_CHILD = re.compile(r"espace santé de ([A-Za-z][A-Za-z' -]*?)(?:,| sera)")


def codes_received(
    outbox: list[dict[str, Any]], wanted: set[tuple[str, str | None]]
) -> dict[tuple[str, str | None], str]:
    """(recipient address, child's first name or None) -> the code the message carries, for the
    wanted recipients (the opposers) only."""
    codes = {}
    for message in outbox:
        destination = message["address"][0] if message["channel"] == "post" else message["to"]
        body = str(message.get("body") or "")
        child = _CHILD.search(body)
        key = (str(destination), child.group(1) if child else None)
        code = _CODE.search(body)
        if key in wanted and code is not None:
            codes[key] = code.group(1)
    return codes


# ------------------------------------------------------------------ the run
@dataclass
class Run:
    n: int
    window: str
    seed: int
    expected: Expected
    summary: dict[str, Any]
    notify: Tally
    oppose: Tally
    activate: Tally
    import_seconds: float
    oppose_seconds: float
    activation_seconds: float
    population: Timed
    wave: Timed
    enrollment: Timed
    memory_mb: dict[str, int]
    log_bytes: int
    parent_transitions: int
    map_items: dict[str, int]
    child_states: int
    sms_parts: list[int]
    table_check: dict[str, int]
    peak_rss_mb: float
    file_bytes: int


def run(n: int, window: str, seed: int, workdir: Path) -> Run:
    from infra.local.outbox import read_outbox
    from infra.local.stack import LocalStack

    counter = PhaseCounter()  # before any botocore session exists, so every client has it
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # moto server's request lines
    today = datetime.now(UTC).date()
    path = workdir / f"population-{n}.csv"
    started = time.perf_counter()
    expected = write_population(path, n, seed, today)
    say(f"{n} citizens written to {path.name} in {time.perf_counter() - started:.1f}s")

    sink = LogSink()
    # The stack's moto copies only the items a transaction touches (infra/local/moto_dynamodb.py).
    # The handlers in this process: every botocore call is counted where it is made.
    with LocalStack(
        port=0, demo=False, parameters={"EnrollmentWindow": window}, in_process=True
    ) as stack:
        assert stack.registry is not None
        # The handlers the stack loaded from the template (CodeUri + Handler, each with its own
        # variables), timed where they are: moto's S3 notification, the state machine's tasks
        # and the gateway invoke them through the registry, as any function of the stack.
        population_fn = stack.registry.wrap("PopulationFunction", Timed)
        wave_fn = stack.registry.wrap("WaveFunction", Timed)
        enrollment_fn = stack.registry.wrap("EnrollmentFunction", Timed)
        _queue_child_runs(stack.registry, math.ceil(n / 1000))
        memory = {
            name: stack.registry.specs[name].memory_mb
            for name in ("PopulationFunction", "WaveFunction", "EnrollmentFunction")
        }
        bucket = stack.shared_env["OPS_BUCKET"]
        state_machine = stack.ref("WaveStateMachine")
        key = f"imports/bench-{n}.csv"

        # Notification: the operator drops the file; the S3 notification runs the import.
        say(f"importing through s3://{bucket}/{key} (the PopulationFunction, 16 threads)...")
        with counter.phase() as notify, logs_to(sink), _progress():
            started = time.perf_counter()
            with counter.ignored(), path.open("rb") as body:
                # The import runs inside this PUT (moto notifies synchronously): no timeout.
                long_call = Config(read_timeout=24 * 3600, retries={"total_max_attempts": 1})
                boto3.client("s3", config=long_call).put_object(Bucket=bucket, Key=key, Body=body)
            import_seconds = time.perf_counter() - started
        if population_fn.errors or len(population_fn.results) != 1:
            raise SystemExit(f"the import failed: {population_fn.errors or 'no invocation'}")
        (summary_import,) = population_fn.results[0]
        check(
            "import summary",
            (summary_import["lines"], summary_import["notified"], summary_import["errors"]),
            (n, n, 0),
        )
        say(f"notified {n} in {import_seconds:.0f}s ({n / import_seconds:.0f}/s)")

        # The codes, from what was sent; the opposers use theirs before the deadline.
        with counter.ignored():
            outbox = read_outbox(ACCOUNT_ID, REGION, bucket)
        sent = Counter(str(m["channel"]) for m in outbox)
        check("messages sent by channel", dict(sent), dict(expected.by_channel))
        codes = codes_received(outbox, {(o.destination, o.child_name) for o in expected.opposers})
        sms_parts = _sms_parts(outbox)
        del outbox
        execution_arn = _the_wave(state_machine, counter)
        deadline = _deadline(execution_arn, counter)
        say(f"{len(expected.opposers)} oppose; deadline {deadline:%H:%M:%S} UTC")
        with counter.phase() as oppose, logs_to(sink), httpx.Client(timeout=60) as client:
            started = time.perf_counter()
            for person in expected.opposers:
                code = codes[(person.destination, person.child_name)]
                answer = client.post(
                    f"{stack.api_url}/enrollment/opposition",
                    json={"ins": person.ins, "birth_date": str(person.birth_date), "code": code},
                )
                if answer.status_code != 200:
                    late = datetime.now(UTC) >= deadline
                    hint = " (the deadline passed: raise --window)" if late else ""
                    raise SystemExit(
                        f"opposition refused: {answer.status_code} {answer.text}{hint}"
                    )
            oppose_seconds = time.perf_counter() - started
        if datetime.now(UTC) >= deadline:
            raise SystemExit("the deadline passed before the oppositions ended: raise --window")

        # Activation: the timer fires at the deadline; wait for it to finish.
        say(f"waiting for the deadline, then the wave's activation ({execution_arn})...")
        with counter.phase() as activate, logs_to(sink):
            described = _finished(execution_arn, counter, deadline, n)
        if described["status"] != "SUCCEEDED":
            raise SystemExit(f"the wave execution ended {described['status']}: {described}")
        seal_start = wave_fn.spans["seal"][0][0]
        finish_end = wave_fn.spans["finish"][-1][1]
        summary = json.loads(described["output"])

        with counter.ignored():
            sfn = boto3.client("stepfunctions")
            events = _history(sfn, execution_arn)
            map_run = sfn.list_map_runs(executionArn=execution_arn)["mapRuns"][0]["mapRunArn"]
            items = sfn.describe_map_run(mapRunArn=map_run)["itemCounts"]
        parent = sum(1 for event in events if event["type"].endswith("StateEntered"))
        table_check = _table_check(stack.ref("HealthSpaceTable"))

    return Run(
        n=n,
        window=window,
        seed=seed,
        expected=expected,
        summary=summary,
        notify=notify,
        oppose=oppose,
        activate=activate,
        import_seconds=import_seconds,
        oppose_seconds=oppose_seconds,
        activation_seconds=finish_end - seal_start,
        population=population_fn,
        wave=wave_fn,
        enrollment=enrollment_fn,
        memory_mb=memory,
        log_bytes=sink.bytes,
        parent_transitions=parent,
        map_items={k: int(v) for k, v in items.items()},
        child_states=_child_states_on_success(),
        sms_parts=sms_parts,
        table_check=table_check,
        peak_rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        file_bytes=path.stat().st_size,
    )


def _queue_child_runs(registry: Any, chunks: int) -> None:
    """Locally one WaveFunction instance serves every child run, one at a time (the registry's
    lock), where Lambda runs up to the Map's MaxConcurrency at once; a call waiting longer than
    the function's timeout fails (FunctionBusy), which a wave of more than ~10 chunks reaches.
    Let the queued calls wait their turn: each still runs within the function's timeout."""
    spec = registry.specs["WaveFunction"]
    registry.specs["WaveFunction"] = dataclasses.replace(spec, timeout=spec.timeout * (chunks + 2))


@contextlib.contextmanager
def _progress() -> Iterator[None]:
    """A line every 30 s while the import runs (messages sent so far, read from moto)."""
    from moto.ses.models import ses_backends
    from moto.sns.models import sns_backends

    done = threading.Event()

    def report() -> None:
        started = time.monotonic()
        while not done.wait(30):
            sent = len(ses_backends[ACCOUNT_ID][REGION].sent_messages) + len(
                sns_backends[ACCOUNT_ID][REGION].sms_messages
            )
            say(f"  {time.monotonic() - started:.0f}s: {sent} emails and SMS sent")

    thread = threading.Thread(target=report, name="bench-progress", daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join()


def _the_wave(state_machine: str, counter: PhaseCounter) -> str:
    """The wave's execution, started by the import (one wave: the import did not cross
    midnight UTC)."""
    with counter.ignored():
        sfn = boto3.client("stepfunctions")
        executions = sfn.list_executions(stateMachineArn=state_machine)["executions"]
    if len(executions) != 1:
        names = [e["name"] for e in executions]
        raise SystemExit(f"expected one wave execution, found {names} (midnight UTC?)")
    return str(executions[0]["executionArn"])


def _deadline(execution_arn: str, counter: PhaseCounter) -> datetime:
    with counter.ignored():
        described = boto3.client("stepfunctions").describe_execution(executionArn=execution_arn)
    value = json.loads(described["input"])["deadline"]
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


def _finished(
    execution_arn: str, counter: PhaseCounter, deadline: datetime, n: int
) -> dict[str, Any]:
    # Generous: a chunk of 1,000 takes seconds here; the wait itself is up to the deadline.
    give_up = time.monotonic() + max(0.0, (deadline - datetime.now(UTC)).total_seconds())
    give_up += 600 + n / 20
    with counter.ignored():
        sfn = boto3.client("stepfunctions")
        while time.monotonic() < give_up:
            described: dict[str, Any] = sfn.describe_execution(executionArn=execution_arn)
            if described["status"] != "RUNNING":
                return described
            time.sleep(1)
    raise SystemExit(f"{execution_arn} still running: giving up")


def _history(sfn: Any, execution_arn: str) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    for page in sfn.get_paginator("get_execution_history").paginate(executionArn=execution_arn):
        events.extend(page["events"])
    return events


def _asl() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(ASL_PATH.read_text())
    return loaded


def _child_states_on_success() -> int:
    """States a child run enters when its chunk succeeds (StartAt to End along Next)."""
    processor = _asl()["States"]["ActivateChunks"]["ItemProcessor"]
    states, name, count = processor["States"], processor["StartAt"], 0
    while name:
        count += 1
        name = states[name].get("Next")
    return count


def _sms_parts(outbox: list[dict[str, Any]]) -> list[int]:
    from healthspace.enrollment.messages import sms_segments

    return [sms_segments(str(m["body"])) for m in outbox if m["channel"] == "sms"]


def _table_check(table_name: str) -> dict[str, int]:
    """Every enrollment, space and grant, read from moto's table in this process (a Scan of
    hundreds of thousands of items through the API would take longer than the run)."""
    from moto.dynamodb.models import dynamodb_backends

    table = dynamodb_backends[ACCOUNT_ID][REGION].get_table(table_name)
    found: Counter[str] = Counter()
    stored = 0
    for partition in list(table.items.values()):
        for item in list(partition.values()):
            pk = item.hash_key.value
            stored += item.size()
            if pk.startswith("ENROLL#") and item.range_key.value == "ENROLL":
                found[f"enrollment {item.attrs['status'].value}"] += 1
            elif pk.startswith("SPACE#") and item.range_key.value == "SPACE":
                found["spaces"] += 1
            elif pk.startswith("PERSON#") and item.range_key.value.startswith("GRANT#"):
                found["grants"] += 1
    found["stored bytes"] = stored
    return dict(found)


def check(what: str, actual: object, expected: object) -> None:
    if actual != expected:
        raise SystemExit(f"WRONG {what}: {actual!r}, expected {expected!r}")


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


# ------------------------------------------------------------------ the report
def _g(value: float, digits: int = 3) -> str:
    return f"{value:.{digits}g}" if value else "0"


def _eur(usd: float) -> str:
    euros = usd * USD_TO_EUR
    return f"{euros:,.0f} €" if euros >= 10 else f"{euros:,.2f} €"


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 2 * 3600:
        return f"{seconds / 60:.0f} min"
    if seconds < 3 * 86400:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} days"


def verify(r: Run) -> list[list[str]]:
    """Final counts against expectations; a mismatch stops the bench."""
    opposed = len(r.expected.opposers)
    activated = r.n - opposed
    grants = r.expected.grants - sum(o.grants for o in r.expected.opposers)
    rows = [
        ("notified (wave summary)", r.summary["notified"], r.n),
        ("opposed (wave summary)", r.summary["opposed"], opposed),
        ("activated by the timer (wave summary)", r.summary["activated"], activated),
        (
            "activated early / failed / unnotified (wave summary)",
            (r.summary["activated_early"], r.summary["failed"], r.summary["unnotified"]),
            (0, 0, 0),
        ),
        ("enrollments ACTIVE (table)", r.table_check.get("enrollment ACTIVE", 0), activated),
        ("enrollments OPPOSED (table)", r.table_check.get("enrollment OPPOSED", 0), opposed),
        ("enrollments PENDING (table)", r.table_check.get("enrollment PENDING", 0), 0),
        ("spaces (table)", r.table_check.get("spaces", 0), activated),
        ("grants: holders + representatives (table)", r.table_check.get("grants", 0), grants),
        (
            "map items succeeded / failed",
            (r.map_items["succeeded"], r.map_items["failed"]),
            (math.ceil(r.n / 1000), 0),
        ),
    ]
    for what, actual, expected in rows:
        check(what, actual, expected)
    return [[what, str(actual), str(expected), "ok"] for what, actual, expected in rows]


def report(r: Run, command: str, counts: list[list[str]]) -> str:
    n = r.n
    opposed = len(r.expected.opposers)
    activated = n - opposed
    chunks = r.map_items["total"]
    out: list[str] = []

    def section(title: str, text: str) -> None:
        out.append(f"### {title}\n\n{text}\n")

    mix = r.expected.by_channel
    section(
        "What ran",
        f"`{command}` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC ({os.cpu_count()} CPUs, "
        f"Python {sys.version.split()[0]}, moto in-process). {n:,} citizens "
        f"({r.expected.minors:,} minors, {r.file_bytes / 1e6:.1f} MB CSV); recipients by "
        f"channel: {mix['email']:,} email, {mix['sms']:,} SMS, {mix['post']:,} post; "
        f"{opposed} oppositions ({opposed / n:.2%}); EnrollmentWindow {r.window}; seed {r.seed}. "
        f"Peak memory of the whole process (moto's data included): {r.peak_rss_mb:,.0f} MB.",
    )
    section(
        "Throughput on this machine",
        "moto serves each AWS call in ~8 ms of CPU here, under the GIL: these rates measure moto "
        "more than the pipeline (see the projection for AWS).\n\n"
        + markdown_table(
            ["phase", "what runs", "wall time", "citizens/s"],
            [
                [
                    "notify (import)",
                    "PopulationFunction: validate, enroll, send, manifest",
                    f"{r.import_seconds:.1f} s",
                    f"{n / r.import_seconds:,.0f}",
                ],
                [
                    "oppose",
                    f"{opposed} x POST /enrollment/opposition via the gateway",
                    f"{r.oppose_seconds:.1f} s",
                    f"{opposed / r.oppose_seconds:,.1f}",
                ],
                [
                    "activate (timer)",
                    f"Seal, {chunks} child runs (one at a time here), Finish",
                    f"{r.activation_seconds:.1f} s",
                    f"{activated / r.activation_seconds:,.0f}",
                ],
            ],
        ),
    )

    operations = sorted(set(r.notify.calls) | set(r.oppose.calls) | set(r.activate.calls))
    rows = []
    for op in operations:
        notify, oppose, act = r.notify.calls[op], r.oppose.calls[op], r.activate.calls[op]
        total = (notify + oppose + act) / n
        rows.append([op, _g(notify / n), _g(oppose / max(opposed, 1)), _g(act / n), _g(total)])
    per_phase = [sum(t.calls.values()) for t in (r.notify, r.oppose, r.activate)]
    rows.append(
        [
            "**all**",
            _g(per_phase[0] / n),
            _g(per_phase[1] / max(opposed, 1)),
            _g(per_phase[2] / n),
            _g(sum(per_phase) / n),
        ]
    )
    for unit in ("WRU", "RRU"):
        values = [t.units[unit] for t in (r.notify, r.oppose, r.activate)]
        rows.append(
            [
                f"DynamoDB {unit} (computed)",
                _g(values[0] / n),
                _g(values[1] / max(opposed, 1)),
                _g(values[2] / n),
                _g(sum(values) / n),
            ]
        )
    section(
        "AWS requests per citizen, by operation",
        "Every botocore call of the functions (and of Step Functions itself: `lambda:Invoke` per "
        "task, the ItemReader's `s3:GetObject`), counted by RequestCounter. Notify and activate "
        "are per citizen of the file; oppose is per person opposing; the last column is per "
        f"citizen of the population at a {opposed / n:.1%} opposition rate.\n\n"
        + markdown_table(
            ["service:operation", "notify", "oppose (per opposer)", "activate", "total"], rows
        ),
    )

    transitions = _transitions(r)
    section(
        "Step Functions state transitions",
        markdown_table(
            ["what", "count", "how it is counted"],
            [
                [
                    "parent execution",
                    str(r.parent_transitions),
                    "get_execution_history: `*StateEntered` events",
                ],
                [
                    "child runs",
                    str(transitions["children"]),
                    f"describe_map_run: {r.map_items['succeeded']} items succeeded x "
                    f"{r.child_states} state per child on success (ActivateChunk, from the ASL) "
                    f"+ {transitions['retries']} retries (WaveFunction calls beyond one per item) "
                    f"+ {r.map_items['failed']} failed x 2 (ActivateChunk, RecordFailedChunk)",
                ],
                [
                    "**per citizen**",
                    f"{transitions['total'] / n:.5f}",
                    f"({r.parent_transitions} + {transitions['children']}) / {n:,}; target ≤ 0.01",
                ],
            ],
        )
        + "\n\nmoto keeps no history for Distributed Map child runs, hence the count from the map "
        "run's item counts and the ASL. Retries are billed as transitions "
        f"({transitions['retries'] or 'none'} here). A full wave of 1,000-people chunks costs "
        "just over 0.001 per citizen.",
    )

    section(
        "Final counts (checked; the bench fails on any mismatch)",
        markdown_table(["what", "found", "expected", ""], counts),
    )
    out.append(projection(r))
    return "\n".join(out)


def _transitions(r: Run) -> dict[str, int]:
    items = r.map_items["succeeded"] + r.map_items["failed"]
    retries = max(0, r.wave.calls("activate") - items)
    children = r.map_items["succeeded"] * r.child_states + r.map_items["failed"] * 2 + retries
    return {"children": children, "retries": retries, "total": r.parent_transitions + children}


def projection(r: Run) -> str:
    """68 million citizens: the measured per-citizen counts x AWS prices, and the wall time the
    quotas allow."""
    n = r.n
    calls = r.notify.calls + r.oppose.calls + r.activate.calls
    units = r.notify.units + r.oppose.units + r.activate.units

    def per(value: float) -> float:
        return value / n

    mix = r.expected.by_channel
    email, sms, post = per(mix["email"]), per(mix["sms"]), per(mix["post"])
    parts = statistics.mean(r.sms_parts) if r.sms_parts else 1.0
    s3_put = per(sum(v for op, v in calls.items() if op in _S3_PUT_CLASS))
    s3_get = per(calls["s3:GetObject"])
    # S3 encrypts the ops bucket with the KMS key: at worst one KMS request per object written
    # or read (the bucket's S3 Bucket Key makes it far fewer); plus the functions' own calls.
    kms = per(sum(v for op, v in calls.items() if op.startswith("kms:"))) + s3_put + s3_get
    wave_lambda = r.wave.seconds() * r.memory_mb["WaveFunction"] / 1024
    lambda_gb_s = per(
        r.population.seconds() * r.memory_mb["PopulationFunction"] / 1024
        + wave_lambda
        + r.enrollment.seconds() * r.memory_mb["EnrollmentFunction"] / 1024
    )
    lambda_requests = per(r.population.calls() + r.wave.calls() + r.enrollment.calls())
    transitions = per(_transitions(r)["total"])
    log_gb = per(r.log_bytes) / 1e9

    lines: list[tuple[str, float, str, float]] = [
        ("DynamoDB writes", per(units["WRU"]), "WRU", PRICES_USD["dynamodb_per_wru"]),
        ("DynamoDB reads", per(units["RRU"]), "RRU", PRICES_USD["dynamodb_per_rru"]),
        ("S3 PUT/LIST", s3_put, "requests", PRICES_USD["s3_per_put"]),
        ("S3 GET", s3_get, "requests", PRICES_USD["s3_per_get"]),
        ("KMS (S3 SSE-KMS, upper bound)", kms, "requests", PRICES_USD["kms_per_request"]),
        ("SES emails", email, "emails", PRICES_USD["ses_per_email"]),
        (SMS_LINE, sms * parts, "message parts", PRICES_USD["sms_fr_per_part"]),
        ("Step Functions", transitions, "transitions", PRICES_USD["sfn_per_transition"]),
        ("Lambda compute (arm64)", lambda_gb_s, "GB-s", PRICES_USD["lambda_per_gb_second"]),
        ("Lambda requests", lambda_requests, "invocations", PRICES_USD["lambda_per_request"]),
        ("CloudWatch Logs ingestion", log_gb, "GB", PRICES_USD["logs_per_gb"]),
    ]
    rows = []
    costs: dict[str, float] = {}
    for name, quantity, unit, price in lines:
        costs[name] = cost = quantity * POPULATION * price
        rows.append(
            [
                name,
                f"{_g(quantity, 4)} {unit}",
                f"{quantity * POPULATION:,.0f}",
                f"${price:.3g}",
                _eur(cost),
                _eur(cost / POPULATION * 1e6) + " per M",
            ]
        )
    total = sum(costs.values())
    without_sms = total - costs[SMS_LINE]
    rows.append(["**total (AWS)**", "", "", "", f"**{_eur(total)}**", _eur(total / 68)])
    rows.append(["total without SMS", "", "", "", _eur(without_sms), _eur(without_sms / 68)])
    letters = post * POPULATION
    cost_text = (
        f"Per citizen measured here x 68,000,000 x price (USD, converted at {USD_TO_EUR} €/$). "
        "Lambda time is the functions' measured local duration per citizen "
        f"({lambda_gb_s * 1e3:.2f} GB-ms) at their template memory: moto shares this process, "
        "so CPU is overcounted and network latency undercounted. Recipients' channels follow "
        "the synthetic file's mix "
        f"({email:.1%} email, {sms:.1%} SMS, {post:.1%} post; minors through their parent); SMS "
        f"average {parts:.2f} parts, and make {costs[SMS_LINE] / total:.0%} of the cost. "
        f"**Postal letters are not included**: {letters:,.0f} letters ({post:.1%}) at the mail "
        "house's price per letter (printing and postage, not AWS). "
        "DynamoDB storage after the run: "
        f"{per(r.table_check['stored bytes']):,.0f} bytes per citizen "
        f"({per(r.table_check['stored bytes']) * POPULATION / 1e9:,.0f} GB for 68 M, a monthly "
        "cost, not counted).\n\n"
        + markdown_table(
            ["item", "per citizen", "for 68 M", "unit price", "cost", "per million"], rows
        )
    )
    return (
        "### Projection: 68 million citizens, eu-west-3\n\n"
        + cost_text
        + "\n\n"
        + wall_time(r, email, sms)
        + "\n"
    )


SMS_LINE = "SNS SMS (France)"
_S3_PUT_CLASS = ("s3:PutObject", "s3:ListObjectsV2", "s3:CopyObject", "s3:ListObjects")


def wall_time(r: Run, email: float, sms: float) -> str:
    from healthspace.enrollment.importer import MAX_LINES_PER_FILE

    n = r.n
    notify_wru = r.notify.units["WRU"] / n
    activate_wru = r.activate.units["WRU"] / n
    # One file is one PopulationFunction invocation notifying from WORKERS threads: its rate is
    # the threads over the latency of one person's calls, at the assumed AWS latencies.
    person_ms = sum(
        count / n * LATENCY_MS.get(op.split(":")[0], 0.0) for op, count in r.notify.calls.items()
    )
    per_invocation = IMPORT_WORKERS / (person_ms / 1000)
    chunk_calls = (
        (r.activate.calls["dynamodb:GetItem"] + r.activate.calls["dynamodb:TransactWriteItems"])
        / n
        * 1000
    )
    chunk_aws = chunk_calls * LATENCY_MS["dynamodb"] / 1000
    chunk_here = statistics.median(r.wave.durations["activate"])
    population = POPULATION
    rows: list[list[str]] = []

    def limit(what: str, quota: str, rate: float) -> float:
        seconds = population / rate
        rows.append([what, quota, f"{rate:,.0f} citizens/s", _duration(seconds)])
        return seconds

    notify = {
        "ses": limit(
            "SES sending rate",
            f"{QUOTAS['ses_emails_per_second']:,.0f} emails/s (raised; default 14/s)",
            QUOTAS["ses_emails_per_second"] / email,
        ),
        "sms": limit(
            "SNS SMS rate",
            f"{QUOTAS['sms_per_second']:,.0f} SMS/s (default)",
            QUOTAS["sms_per_second"] / sms,
        ),
        "table": limit(
            "DynamoDB table writes",
            f"{QUOTAS['dynamodb_table_wru_per_second']:,.0f} WRU/s / {notify_wru:.2f} WRU",
            QUOTAS["dynamodb_table_wru_per_second"] / notify_wru,
        ),
        "counters": limit(
            f"wave counters ({COUNTER_SHARDS} partitions)",
            f"{QUOTAS['dynamodb_partition_wru_per_second']:,.0f} WRU/s each, 1 update per citizen",
            QUOTAS["dynamodb_partition_wru_per_second"] * COUNTER_SHARDS,
        ),
        "lambda": limit(
            "PopulationFunction concurrency",
            f"{QUOTAS['reserved_concurrency']:.0f} reserved x {per_invocation:,.0f}/s per file",
            QUOTAS["reserved_concurrency"] * per_invocation,
        ),
    }
    title = dict(zip(notify, (row[0] for row in rows), strict=True))
    bound = max(notify, key=notify.__getitem__)
    runner_up = max((k for k in notify if k != "sms"), key=notify.__getitem__)
    chunks = math.ceil(population / 1000)
    activation = chunks * chunk_aws
    map_concurrency = int(_asl()["States"]["ActivateChunks"]["MaxConcurrency"])
    # A wave is a day's notifications: at the bound's rate, how many people and chunks.
    day_people = min(population, population / notify[bound] * 86400)
    day_activation = math.ceil(day_people / 1000) * chunk_aws / map_concurrency
    at_map = activation / map_concurrency
    at_account = activation / QUOTAS["lambda_concurrency"]
    dynamo_floor = population * activate_wru / QUOTAS["dynamodb_table_wru_per_second"]
    latencies = ", ".join(f"{service} {ms:g} ms" for service, ms in LATENCY_MS.items())
    return (
        "#### Wall time\n\n"
        f"Assumed AWS latencies per call (p50, in region; AWS publishes none): {latencies}. "
        f"A person's notification calls take {person_ms:.0f} ms, so one file (one "
        f"PopulationFunction invocation, {IMPORT_WORKERS} threads) notifies about "
        f"{per_invocation:,.0f} citizens/s (here, with moto: {n / r.import_seconds:,.0f}/s). "
        "If all 68 M were imported at once, each quota caps the rate; the smallest cap "
        "decides.\n\n"
        + markdown_table(["limit", "quota", "rate it allows", "time for 68 M"], rows)
        + "\n\n"
        f"- **Notification is bound by the {title[bound]}: {_duration(notify[bound])}**. "
        f"With the SMS rate raised, the next bound is the {title[runner_up]}: "
        f"{_duration(notify[runner_up])}. SMS go out from the same import threads as emails "
        "and letters, so a throttled SMS slows or fails a whole file.\n"
        "- **No cap on a wave's size**: a wave is everyone notified the same UTC day; its "
        "Distributed Map writes its children's results to S3 (ResultWriter) rather than into "
        "the execution, whose 256 KiB payload limit capped a wave at about 6 M people before, "
        "and the counts are in DynamoDB.\n"
        f"- **Per file**: Lambda stops an invocation at 900 s, about "
        f"{per_invocation * 900:,.0f} citizens at this rate ({n / r.import_seconds * 900:,.0f} "
        f"at this machine's): the import function refuses a file of more than "
        f"{MAX_LINES_PER_FILE:,} records whole, before notifying anyone (the CLI, which runs "
        "on the operator's machine, has no limit). 68 M arrive as at least "
        f"{math.ceil(POPULATION / MAX_LINES_PER_FILE):,} files.\n"
        f"- **Activation** at each wave's deadline: {chunks:,} chunks of 1,000 for 68 M, "
        f"{chunk_calls:,.0f} sequential DynamoDB calls each: {chunk_aws:.0f} s per chunk at the "
        f"assumed latency ({chunk_here:.0f} s here), {_duration(activation)} of Lambda time. "
        f"Wall time {_duration(at_map)} at the ASL's MaxConcurrency of "
        f"{map_concurrency}; at the default {QUOTAS['lambda_concurrency']:,.0f} "
        f"concurrent executions it would be {_duration(at_account)}, but DynamoDB's "
        f"{QUOTAS['dynamodb_table_wru_per_second']:,.0f} WRU/s ({activate_wru:.1f} WRU per "
        f"activation) floors it at {_duration(dynamo_floor)}. A day's wave at the notification "
        f"bound ({day_people / 1e6:.1f} M people) activates in {_duration(day_activation)}.\n"
        f"- **In all**: notifying 68 M takes {_duration(notify[bound])}, and the last wave is "
        f"activated one window ({WINDOW_DAYS} days) after its day.\n"
    )


# ------------------------------------------------------------------ entry point
def auto_window(n: int) -> str:
    """Long enough for the import and the oppositions at 20 citizens/s (a 2-CPU machine does
    ~35 with moto), so that the deadline falls after them; the wait is idle, not measured."""
    return f"PT{60 + math.ceil(n / 20)}S"


def write_doc(path: Path, text: str) -> None:
    """Replace the generated part of the document, keeping what is written around it."""
    start, end = SECTION_START, SECTION_END
    block = f"{start}\n{text}\n{end}"
    if path.exists():
        kept = around(path.read_text(encoding="utf-8"), start, end)
        if kept is not None:
            before, after = kept
            path.write_text(before + block + after, encoding="utf-8")
            return
    path.write_text(f"# Enrollment at scale\n\n{block}\n", encoding="utf-8")


# How it is run: its usage line, and the command its report names.
PROG = "python -m infra.bench.enrollment"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=PROG, description=__doc__.splitlines()[0])
    parser.add_argument("--citizens", type=int, default=DEFAULT_CITIZENS)
    parser.add_argument(
        "--window",
        default="auto",
        help="EnrollmentWindow (ISO 8601, e.g. PT15M); auto: long enough for the import",
    )
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--output", type=Path, help="also write the report into this document")
    args = parser.parse_args(argv)
    if args.citizens < 1:
        parser.error("--citizens must be at least 1")
    window = auto_window(args.citizens) if args.window == "auto" else args.window
    TypeAdapter(timedelta).validate_python(window)  # the same parsing as the functions
    command = f"{PROG} " + " ".join(argv or sys.argv[1:])
    with tempfile.TemporaryDirectory(prefix="bench-enrollment-") as workdir:
        result = run(args.citizens, window, args.seed, Path(workdir))
    counts = verify(result)  # before anything is printed: wrong counts fail the bench
    text = report(result, command.strip(), counts)
    print(text)
    if args.output:
        write_doc(args.output, text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
