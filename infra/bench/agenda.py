"""python -m infra.bench.agenda: the AWS requests of the agenda's writes and reads, counted as
the records bench counts its routes (a warm function, the median of runs): an appointment
created by the patient (POST /me/agenda/appointments), by a professional (their API), changed,
cancelled, a month's list, and a calendar's fetch of the feed (its first of the day, traced, and
the next ones).

The local stack runs in this process (handlers included), so botocore's events see every call
the functions make (infra/bench/measure.py's RequestCounter); each request is named by the kind
of item it touches."""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from infra.bench.measure import RequestCounter, median_counts, print_table
from infra.bench.records import Patient
from infra.local.sample_events import api_event, api_result
from infra.local.stack import LocalStack

PROG = "python -m infra.bench.agenda"
AGENDA = "/me/agenda/{proxy+}"


class AgendaPatient:
    """The bench's patient on the agenda function, with a treating doctor who books too."""

    def __init__(self, stack: LocalStack) -> None:
        from infra.local.demo.people import TREATING_DOCTOR

        self.stack = stack
        self.patient = Patient(stack, nir="2900175000202")
        self.doctor = {
            "sub": "bench-doctor",
            "custom:rpps": TREATING_DOCTOR.rpps,
            "custom:profession": "10",
            "given_name": "Sophie",
            "family_name": "Leclerc",
        }
        self.patient.call(
            "PUT", "/me/care/treating-doctor", {"rpps": TREATING_DOCTOR.rpps}, **{"If-Match": "0"}
        )
        self.reference = self.pro("POST", "/pro/patient-references", {"ins": self.patient.ins})[
            "reference"
        ]
        self.day = 0

    def call(self, method: str, path: str, body: Any = None, **headers: str) -> Any:
        event = api_event(method, path, self.patient.claims, body, headers or None, resource=AGENDA)
        status, _, payload = api_result(self.stack.invoke("AgendaFunction", event))
        if status >= 400:
            raise RuntimeError(f"{method} {path}: {status} {payload}")
        return payload

    def pro(self, method: str, path: str, body: Any = None) -> Any:
        event = api_event(method, path, self.doctor, body, resource="/pro/{proxy+}")
        status, _, payload = api_result(self.stack.invoke("ProfessionalsFunction", event))
        if status >= 400:
            raise RuntimeError(f"{method} {path}: {status} {payload}")
        return payload

    def appointment(self) -> dict[str, str]:
        """A new day's appointment each time (a month holds at most 60)."""
        self.day += 1
        day = (datetime.now(UTC) + timedelta(days=self.day)).date().isoformat()
        return {
            "start_local": f"{day}T09:30:00",
            "end_local": f"{day}T10:00:00",
            "time_zone": "Europe/Paris",
            "facility": "Centre de santé",
        }


def agenda_table(stack: LocalStack, counter: RequestCounter, runs: int) -> list[list[str]]:
    bench = AgendaPatient(stack)
    changed = bench.call("POST", "/me/agenda/appointments", bench.appointment())
    path = f"/me/agenda/appointments/{changed['appointment_id']}"
    version = {"n": 1}

    def change() -> None:
        bench.call("PUT", path, bench.appointment(), **{"If-Match": str(version["n"])})
        version["n"] += 1

    def cancel() -> None:
        added = bench.call("POST", "/me/agenda/appointments", bench.appointment())
        with counter.counting(by_item=True) as calls:
            bench.call("DELETE", f"/me/agenda/appointments/{added['appointment_id']}")
        cancelled.append(kinds(calls))

    cancelled: list[Counter[str]] = []
    feed = bench.call("POST", "/me/agenda/feed", {})
    fetch = api_event("GET", feed["path"], None, resource="/agenda/feeds/{token}")
    fetch["pathParameters"] = {"token": feed["token"]}
    month = {
        "from": datetime.now(UTC).isoformat(),
        "to": (datetime.now(UTC) + timedelta(days=31)).isoformat(),
    }

    routes: list[tuple[str, Callable[[], Any]]] = [
        (
            "POST /me/agenda/appointments (created)",
            lambda: bench.call("POST", "/me/agenda/appointments", bench.appointment()),
        ),
        (
            "POST /pro/patients/{ref}/appointments (booked)",
            lambda: bench.pro(
                "POST", f"/pro/patients/{bench.reference}/appointments", bench.appointment()
            ),
        ),
        ("PUT /me/agenda/appointments/{id} (moved)", change),
        (
            "GET /me/agenda/appointments (a month)",
            lambda: api_result(
                stack.invoke(
                    "AgendaFunction",
                    api_event(
                        "GET",
                        "/me/agenda/appointments",
                        bench.patient.claims,
                        query=month,
                        resource=AGENDA,
                    ),
                )
            ),
        ),
        (
            "GET /agenda/feeds/{token} (fetched again)",
            lambda: stack.invoke("AgendaFeedFunction", fetch),
        ),
    ]
    rows = []
    for name, call in routes:
        call()  # warm: grants cached, as on a busy function
        samples = []
        for _ in range(runs):
            with counter.counting(by_item=True) as calls:
                call()
            samples.append(kinds(calls))
        rows.append(row(name, median_counts(samples)))
    for _ in range(runs):
        cancel()
    rows.insert(3, row("DELETE /me/agenda/appointments/{id} (cancelled)", median_counts(cancelled)))
    return rows


def kinds(calls: Counter[str]) -> Counter[str]:
    """The calls by operation and kind of item, without the index keys' values (a day, an
    instant): the same request of every run counts as one."""
    found: Counter[str] = Counter()
    for op, n in calls.items():
        found[re.sub(r"/[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]+Z?", "", op)] += n
    return found


def row(name: str, counts: dict[str, float]) -> list[str]:
    total = sum(counts.values())
    scans = sum(v for op, v in counts.items() if ":Scan" in op)
    by_op = ", ".join(f"{op} {v:g}" for op, v in counts.items())
    return [name, f"{total:g}", by_op, "SCAN!" if scans else "-"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=PROG, description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    counter = RequestCounter()
    with LocalStack(port=0, demo=False, stream_poll_seconds=None, in_process=True) as stack:
        print_table(
            "Agenda: AWS requests per appointment created, changed, cancelled, listed, and per "
            "calendar fetch (warm function; median of runs)",
            ["request", "AWS requests", "by operation and item", "scan"],
            agenda_table(stack, counter, args.runs),
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
