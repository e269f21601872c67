"""Importing an insured-persons file: validate every line, notify the good ones, report the bad
ones, and add the notified to their wave's manifest as it goes.

Safe to run again on the same file (after a crash, or by mistake): nobody told is notified twice,
whoever was not told (a failed send, a crash) is told with a new code, and everyone still pending
is put back in their wave's manifest (activation skips duplicates and the untold)."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from datetime import date
from typing import Literal, TextIO

from healthspace.enrollment.enrollments import CHUNK_SIZE, Enrollments
from healthspace.enrollment.model import Citizen, Contact, EnrollmentStatus
from healthspace.enrollment.population import PopulationCheck, validate_population
from healthspace.enrollment.population_files import RawLine, read_population
from healthspace.kernel.reports import LineError, write_error_report

Format = Literal["csv", "jsonl"]

# One file is one invocation of the import function, which Lambda stops at 900 s. One invocation
# notifies about 290 people/s at AWS latencies (docs/enrollment-scale.md): 100,000 take about 6
# minutes. A bigger file is refused whole, before anyone is notified: split it, or use
# `healthspace import`.
MAX_LINES_PER_FILE = 100_000


@dataclass(frozen=True)
class ImportSummary:
    import_id: str
    name: str
    lines: int
    notified: int
    already_enrolled: int
    rejected_lines: int
    errors: int
    report_key: str


class _Manifest:
    """Pending people by wave, written out in chunks as they fill."""

    def __init__(self, enrollments: Enrollments, import_id: str) -> None:
        self._enrollments = enrollments
        self._import_id = import_id
        self._pending: dict[str, list[str]] = {}
        self._written: dict[str, int] = {}

    def add(self, wave_id: str, ins: str) -> None:
        pending = self._pending.setdefault(wave_id, [])
        pending.append(ins)
        if len(pending) >= CHUNK_SIZE:
            self._write(wave_id)

    def close(self) -> None:
        for wave_id in list(self._pending):
            self._write(wave_id)

    def _write(self, wave_id: str) -> None:
        people = self._pending.pop(wave_id, [])
        if people:
            n = self._written.get(wave_id, 0)
            name = f"{self._import_id}-{n:05d}"
            self._enrollments.write_chunks(wave_id, name, people)
            self._written[wave_id] = n + 1


def import_population(
    enrollments: Enrollments,
    stream: TextIO,
    fmt: Format,
    name: str,
    today: date,
    progress: Callable[[int, int], None] | None = None,
    workers: int = 8,
    max_lines: int | None = None,
) -> tuple[ImportSummary, list[LineError]]:
    """Import one file. `progress(done, total)` follows the notifications (for a progress bar);
    `workers` notify in parallel (each notification is a network call). A file of more than
    `max_lines` records is refused whole, before anyone is notified (the import function must
    finish within Lambda's time limit; the CLI sets none)."""
    import_id = enrollments.ids.new_id()
    try:
        check = validate_population(
            _at_most(read_population(stream, fmt), max_lines),
            today,
            is_known=lambda ins: enrollments.contact_of(ins) is not None,
        )
    except _TooLong as too_long:
        check = PopulationCheck(errors=[too_long.error], lines=max_lines or 0)
    return _notify(enrollments, check, import_id, name, progress, workers)


class _TooLong(Exception):
    def __init__(self, max_lines: int, line: int) -> None:
        self.error = LineError(
            line,
            "file",
            f"more than {max_lines:,} records: a file dropped in the imports folder must be "
            "notified within the import function's time limit; split it, or import it with "
            "`healthspace import` (no limit). Nobody in this file was notified.",
        )


def _at_most(lines: Iterator[RawLine], max_lines: int | None) -> Iterator[RawLine]:
    for n, line in enumerate(lines, start=1):
        if max_lines is not None and n > max_lines:
            raise _TooLong(max_lines, line.line)
        yield line


def _notify(
    enrollments: Enrollments,
    check: PopulationCheck,
    import_id: str,
    name: str,
    progress: Callable[[int, int], None] | None,
    workers: int,
) -> tuple[ImportSummary, list[LineError]]:
    in_file = {c.ins: c.contact for c in check.citizens}

    def recipient(citizen: Citizen) -> Contact | None:
        """A represented person (a minor, an adult under guardianship) is reached through their
        first representative, from this file or enrolled before."""
        if not citizen.representatives:
            return citizen.contact
        first = citizen.representatives[0]
        return in_file.get(first) or enrollments.contact_of(first)

    manifest = _Manifest(enrollments, import_id)
    notified = already = 0
    try:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            jobs = [
                (citizen, pool.submit(enrollments.enroll, citizen, contact))
                for citizen in check.citizens
                if (contact := recipient(citizen)) is not None
            ]
            failure: Exception | None = None
            for done, (_citizen, job) in enumerate(jobs, start=1):
                try:
                    enrollment, created = job.result()
                except Exception as exc:  # the others still go in the manifest; then raise
                    failure = failure or exc
                else:
                    notified += created
                    already += not created
                    if enrollment.status is EnrollmentStatus.PENDING:
                        manifest.add(enrollment.wave_id, enrollment.ins)
                if progress:
                    progress(done, len(jobs))
        if failure is not None:
            raise failure
    finally:
        # Even when a notification failed: the letters of the people already enrolled go to
        # the mail house, and the manifest keeps everyone notified so far.
        manifest.close()
        enrollments.flush_letters()

    report_key = f"reports/{import_id}.errors.csv"
    report = io.StringIO()
    write_error_report(check.errors, report)
    enrollments.files.put_text(report_key, report.getvalue(), "text/csv")
    summary = ImportSummary(
        import_id=import_id,
        name=name,
        lines=check.lines,
        notified=notified,
        already_enrolled=already,
        rejected_lines=check.rejected_lines,
        errors=len(check.errors),
        report_key=report_key,
    )
    enrollments.files.put_json(f"reports/{import_id}.json", asdict(summary))
    return summary, check.errors
