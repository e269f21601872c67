"""Migrating the former system's shared medical files: DocumentReference records (NDJSON, one per
line, or a FHIR Bundle of them) filed into the patients' spaces, with a per-record error report.

Each record is filed by its former identifier (`migration|<masterIdentifier>`), through the same
`push_document` as the partner API: filing a record twice files it once. So a run stopped midway
(a crash, a timeout) is resumed by running the file again, and a file dropped twice adds nothing.
A problem with one record (invalid FHIR, a patient without an active space, unreadable content)
is reported in the error report and never stops the others; a failure of our own (DynamoDB, S3,
KMS) stops the run, to be run again. Reports carry record numbers, FHIRPath expressions and
reasons, never a value from the file."""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from typing import Any, Literal, Protocol, TextIO

from healthspace.kernel.clock import IdGenerator
from healthspace.kernel.errors import HealthSpaceError, NotFound
from healthspace.kernel.reports import RECORD, LineError, ReportFiles, write_error_report
from healthspace.partners.fhir import InvalidResource, PartnerDocument, read_document_reference
from healthspace.records.filing import Filing
from healthspace.records.model import ActorKind, Author, Document, Role
from healthspace.records.spaces import Spaces

Format = Literal["ndjson", "bundle"]

SOURCE_PREFIX = "migration|"
"""A migrated record's `source`: its former identifier under our own prefix, so that it cannot
meet a partner's (theirs are `<partner id>|...`)."""

MIGRATION = Author(kind=ActorKind.SYSTEM, id="migration", display_name="Migration du DMP")
"""Who filed a migrated document, in the patient's access history (role SYSTEM)."""

FORMER_SYSTEM = Author(kind=ActorKind.SYSTEM, id="former-dmp", display_name="Ancien DMP")
"""The author of a migrated document whose author has no RPPS: the former system's records
predate the RPPS rule for some. Such a document is nobody's work for the care rules (the
professionals see it under their profession's rights, never as its author)."""

BUNDLE_TYPES = frozenset({"collection", "batch", "transaction"})


class MedicalFile(Protocol):
    """What a migration files into (the wiring's medical file is one)."""

    @property
    def spaces(self) -> Spaces: ...

    @property
    def filing(self) -> Filing: ...

    @property
    def ids(self) -> IdGenerator: ...


@dataclass(frozen=True)
class MigrationSummary:
    migration_id: str
    name: str
    records: int
    filed: int
    already_there: int
    rejected_records: int
    errors: int
    report_key: str


@dataclass(frozen=True, slots=True)
class Record:
    """One record as read from the file: its resource, or why it could not be read. `number` is
    its line (NDJSON) or entry (Bundle, from 1); `where` prefixes its FHIRPath expressions."""

    number: int
    where: str = ""
    resource: dict[str, Any] | None = None
    error: str | None = None


def read_records(stream: TextIO, fmt: Format) -> Iterator[Record]:
    """The records of a migration file, one at a time (blank NDJSON lines are skipped). A Bundle
    is read whole (JSON has no streaming end): big migrations go in NDJSON."""
    if fmt == "ndjson":
        return _read_ndjson(stream)
    if fmt == "bundle":
        return _read_bundle(stream)
    raise ValueError("migration files are ndjson or bundle")


def _read_ndjson(stream: TextIO) -> Iterator[Record]:
    for number, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        try:
            resource = json.loads(line)
        except ValueError:
            yield Record(number, error="not JSON")
            continue
        if not isinstance(resource, dict):
            yield Record(number, error="a FHIR resource (a JSON object) is expected")
            continue
        yield Record(number, resource=resource)


def _read_bundle(stream: TextIO) -> Iterator[Record]:
    try:
        bundle = json.load(stream)
    except ValueError:
        yield Record(0, "Bundle", error="not JSON")
        return
    if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
        yield Record(0, "Bundle", error="a FHIR Bundle is expected")
        return
    if bundle.get("type") not in BUNDLE_TYPES:
        yield Record(0, "Bundle.type", error="a collection, batch or transaction is expected")
        return
    entries = bundle.get("entry") or []
    if not isinstance(entries, list):
        yield Record(0, "Bundle.entry", error="a list of entries is expected")
        return
    for n, entry in enumerate(entries):
        where = f"Bundle.entry[{n}].resource"
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if not isinstance(resource, dict):
            yield Record(n + 1, where, error="a resource is expected")
        else:
            # The entry's request (batch, transaction) is not read: every record is a create.
            yield Record(n + 1, f"{where}.", resource)


def migrate_file(
    medical_file: MedicalFile,
    reports: ReportFiles,
    open_file: Callable[[], TextIO],
    fmt: Format,
    name: str,
    progress: Callable[[int], None] | None = None,
    max_records: int | None = None,
) -> tuple[MigrationSummary, list[LineError]]:
    """Migrate one file (`open_file()` opens it); write its error report and summary under
    reports/. A file of more than `max_records` is refused whole, before anything is filed (the
    migration function must finish within Lambda's time limit; the CLI sets none): the file is
    then read twice, once to count. `progress(done)` follows the records (a progress bar)."""
    migration_id = medical_file.ids.new_id()
    counts = {"records": 0, "filed": 0, "already": 0}
    errors: list[LineError] = []
    if max_records is not None:
        with open_file() as stream:
            counts["records"] = sum(1 for record in read_records(stream, fmt) if record.number)
        if counts["records"] > max_records:
            errors.append(_too_long(max_records))
            return _report(reports, migration_id, name, counts, errors), errors
        counts["records"] = 0
    with open_file() as stream:
        for record in read_records(stream, fmt):
            counts["records"] += bool(record.number)
            outcome = _migrate(medical_file, record, errors)
            if outcome is not None:
                counts["filed" if outcome else "already"] += 1
            if progress:
                progress(counts["records"])
    return _report(reports, migration_id, name, counts, errors), errors


def _too_long(max_records: int) -> LineError:
    return LineError(
        max_records + 1,
        "file",
        f"more than {max_records:,} records: a file dropped in the migrations folder must be "
        "filed within the migration function's time limit; split it, or migrate it with "
        "`healthspace migrate` (no limit). Nothing in this file was filed.",
    )


def _migrate(medical_file: MedicalFile, record: Record, errors: list[LineError]) -> bool | None:
    """File one record: True if filed now, False if filed before, None if reported."""
    if record.resource is None:
        errors.append(LineError(record.number, record.where or RECORD, record.error or ""))
        return None
    try:
        pushed = read_document_reference(record.resource, author_required=False)
    except InvalidResource as exc:
        errors.extend(
            LineError(record.number, f"{record.where}{where}" or RECORD, what)
            for where, what in exc.issues
        )
        return None
    try:
        _, created = file_migrated(medical_file, pushed)
    except NotFound:
        field = f"{record.where}DocumentReference.subject.identifier"
        errors.append(LineError(record.number, field, "no active health space for this patient"))
        return None
    except HealthSpaceError as exc:  # the content, a future date, an identifier reused
        errors.append(LineError(record.number, f"{record.where}DocumentReference", exc.message))
        return None
    return created


def file_migrated(medical_file: MedicalFile, pushed: PartnerDocument) -> tuple[Document, bool]:
    """File one former document: authored by its professional (RPPS) or by the former system,
    filed by the migration (so the patient's history shows it), once per former identifier."""
    author = (
        Author.professional(pushed.author_rpps, pushed.author_name)
        if pushed.author_rpps
        else FORMER_SYSTEM
    )
    return medical_file.filing.push_document(
        medical_file.spaces.space_of(pushed.patient_ins),
        author,
        pushed.facts,
        pushed.content,
        pushed.filename,
        source=f"{SOURCE_PREFIX}{pushed.identifier}",
        actor=MIGRATION,
        role=Role.SYSTEM,
    )


def _report(
    reports: ReportFiles,
    migration_id: str,
    name: str,
    counts: dict[str, int],
    errors: list[LineError],
) -> MigrationSummary:
    report_key = f"reports/migration-{migration_id}.errors.csv"
    report = io.StringIO()
    write_error_report(errors, report)
    reports.put_text(report_key, report.getvalue(), "text/csv")
    summary = MigrationSummary(
        migration_id=migration_id,
        name=name,
        records=counts["records"],
        filed=counts["filed"],
        already_there=counts["already"],
        rejected_records=len({error.line for error in errors}),
        errors=len(errors),
        report_key=report_key,
    )
    reports.put_json(f"reports/migration-{migration_id}.json", asdict(summary))
    return summary
