"""Importing the national directory's extract into ours: every line checked (bad ones to the
error report), the activity lines of each professional gathered into one entry, entries written
in batches, then the professionals the extract no longer lists removed.

Idempotent: an entry is written only when it differs from the stored one, so importing the same
file again writes nothing but the report. A professional missing from a newer extract is
removed, not marked: the directory mirrors the national one, which dropped them (retired,
struck off); the care records that name them keep their RPPS, and lists name them by it. A file
that would remove more than `max_removed_share` of the directory is taken for a truncated one:
nobody is removed, and the report says why."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import TextIO

from healthspace.directory.ans_file import Activity, Ignored, UnreadableFile, read_activities
from healthspace.directory.model import DirectoryEntry
from healthspace.directory.ports import Change, DirectoryStore, shard_of
from healthspace.kernel.clock import IdGenerator
from healthspace.kernel.reports import LineError, ReportFiles, write_error_report

# Professionals read and written per round: one BatchGetItem (100 keys at most) for what is
# stored, then their writes in BatchWriteItems of 25.
BATCH = 100
MAX_REMOVED_SHARE = 0.05


@dataclass(frozen=True)
class DirectorySummary:
    import_id: str
    name: str
    lines: int
    professionals: int
    added: int
    updated: int
    unchanged: int
    removed: int
    ignored_lines: int  # ADELI numbers: not in this directory
    rejected_lines: int
    errors: int
    report_key: str


@dataclass
class _Run:
    store: DirectoryStore
    progress: Callable[[int], None] | None
    pending: dict[str, DirectoryEntry] = field(default_factory=dict)
    listed: set[str] = field(default_factory=set)  # every RPPS of the file, good lines or not
    written: set[str] = field(default_factory=set)  # written by this run, in an earlier round
    counts: dict[str, int] = field(
        default_factory=lambda: dict.fromkeys(("lines", "added", "updated", "unchanged"), 0)
    )
    errors: list[LineError] = field(default_factory=list)
    ignored: int = 0

    def add(self, activity: Activity) -> None:
        entry = activity.entry
        if entry.rpps not in self.pending and len(self.pending) == BATCH:
            self.flush()
        before = self.pending.get(entry.rpps)
        self.pending[entry.rpps] = before.with_places(entry.places) if before else entry
        self.listed.add(entry.rpps)

    def flush(self) -> None:
        """Write the round's professionals that changed. The extract lists a professional's
        lines together; one whose lines come apart (an earlier round wrote them) keeps the
        places written then."""
        if not self.pending:
            return
        stored = {e.rpps: e for e in self.store.get_entries(list(self.pending))}
        changes: list[Change] = []
        for rpps, entry in self.pending.items():
            old = stored.get(rpps)
            if rpps in self.written and old is not None:
                entry = old.with_places(entry.places)
            else:
                outcome = "added" if old is None else "unchanged" if old == entry else "updated"
                self.counts[outcome] += 1
            if entry != old:
                changes.append((old, entry))
        self.store.write(changes)
        self.written.update(self.pending)
        self.pending.clear()
        if self.progress:
            self.progress(self.counts["lines"])


def import_directory(
    store: DirectoryStore,
    reports: ReportFiles,
    ids: IdGenerator,
    stream: TextIO,
    name: str,
    progress: Callable[[int], None] | None = None,
    max_removed_share: float = MAX_REMOVED_SHARE,
) -> tuple[DirectorySummary, list[LineError]]:
    """Import one extract (`stream`, read line by line); write its error report and summary
    under reports/ in the operations bucket. `progress(lines)` follows the rounds."""
    run = _Run(store, progress)
    removed = 0
    try:
        for line in read_activities(stream):
            run.counts["lines"] += 1
            if isinstance(line, Activity):
                run.add(line)
            elif isinstance(line, Ignored):
                run.ignored += 1
            else:
                run.errors.extend(line.errors)
                if line.rpps:
                    run.listed.add(line.rpps)  # kept as they were, not removed
        run.flush()
    except UnreadableFile as unreadable:
        run.errors.append(unreadable.error)
    else:
        removed = _remove_unlisted(store, run, max_removed_share)
    return _report(reports, ids.new_id(), name, run, removed), run.errors


def _remove_unlisted(store: DirectoryStore, run: _Run, max_share: float) -> int:
    """Remove who the last import listed and this one does not; then this file's rosters."""
    old = store.get_rosters()
    new: dict[str, set[str]] = {}
    for rpps in run.listed:
        new.setdefault(shard_of(rpps), set()).add(rpps)
    gone = sorted(set().union(*old.values()) - run.listed) if old else []
    known = sum(len(members) for members in old.values())
    if len(gone) > max_share * known:
        run.errors.append(
            LineError(
                0,
                "file",
                f"{len(gone)} of the directory's {known} professionals are not in this file "
                f"(more than {max_share:.0%}): it looks truncated, so nobody was removed",
            )
        )
        for shard, members in old.items():
            new.setdefault(shard, set()).update(members)
        gone = []
    for start in range(0, len(gone), BATCH):
        entries = store.get_entries(gone[start : start + BATCH])
        store.write([(entry, None) for entry in entries])
    store.put_rosters(
        {shard: members for shard, members in new.items() if members != old.get(shard)}
        | {shard: () for shard in old if shard not in new}
    )
    return len(gone)


def _report(
    reports: ReportFiles, import_id: str, name: str, run: _Run, removed: int
) -> DirectorySummary:
    report_key = f"reports/directory-{import_id}.errors.csv"
    report = io.StringIO()
    write_error_report(run.errors, report)
    reports.put_text(report_key, report.getvalue(), "text/csv")
    summary = DirectorySummary(
        import_id=import_id,
        name=name,
        lines=run.counts["lines"],
        professionals=len(run.written),
        added=run.counts["added"],
        updated=run.counts["updated"],
        unchanged=run.counts["unchanged"],
        removed=removed,
        ignored_lines=run.ignored,
        rejected_lines=len({error.line for error in run.errors if error.field != "file"}),
        errors=len(run.errors),
        report_key=report_key,
    )
    reports.put_json(f"reports/directory-{import_id}.json", asdict(summary))
    return summary
