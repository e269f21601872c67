"""The purge at term (docs/lifecycle.md), as the purge workflow's steps
(infra/statemachines/purge.asl.json), started once a day:

1. `plan`: the days from the cursor (the last day swept entirely, swept again: a deletion asked
   after yesterday's run is indexed on it) to today, one Query of the dated index per day and
   page, never a Scan; the spaces due written as a manifest of batches to the operations bucket.
2. `purge_batch`, one Distributed Map child per batch: each space's deletion (`SpaceEraser`,
   idempotent: a crashed batch run again skips nothing and counts nothing twice).
3. `advance`: the cursor moves to the last day swept, only once every batch succeeded (a failed
   run leaves it, and the next day's sweeps those days again: their purged entries are gone).

No execution waits: the ten years live in the index; an execution lives minutes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from healthspace.kernel.clock import Clock
from healthspace.lifecycle.deletion_model import Erasure
from healthspace.lifecycle.deletion_ports import DeletionStore, SweepFiles
from healthspace.lifecycle.erasing import SpaceEraser

# Spaces per Distributed Map item: a space of 30 documents is a few dozen requests (make bench);
# 20 stay far inside the function's timeout even for large spaces.
BATCH_SIZE = 20
# A first sweep (no cursor yet) starts this many days back: nothing is due before the service.
FIRST_SWEEP_DAYS = 7
# Days one run sweeps at most (a long outage is caught up over a few runs): its manifest stays
# small and its first step short.
MAX_DAYS = 62


@dataclass(frozen=True)
class SweepPlan:
    run_id: str
    manifest: str  # the operations bucket's key of the JSON array of batches
    start: date
    through: date
    spaces: int
    batches: int

    def to_json(self) -> dict[str, object]:
        return {
            "run_id": self.run_id,
            "manifest": self.manifest,
            "start": self.start.isoformat(),
            "through": self.through.isoformat(),
            "spaces": self.spaces,
            "batches": self.batches,
        }


def manifest_key(run_id: str) -> str:
    return f"purges/{run_id}/batches.json"


@dataclass(eq=False)
class PurgeSweep:
    store: DeletionStore
    files: SweepFiles
    eraser: SpaceEraser
    clock: Clock
    batch_size: int = BATCH_SIZE
    max_days: int = MAX_DAYS

    def plan(self, run_id: str) -> SweepPlan:
        today = self.clock.now().date()
        start = self.store.sweep_cursor() or today - timedelta(days=FIRST_SWEEP_DAYS)
        through = min(today, start + timedelta(days=self.max_days - 1))
        due: dict[str, None] = {}  # in order, once: a space may be indexed twice
        day = start
        while day <= through:
            due.update(dict.fromkeys(self.store.due(day)))
            day += timedelta(days=1)
        ids = list(due)
        batches = [ids[i : i + self.batch_size] for i in range(0, len(ids), self.batch_size)]
        key = manifest_key(run_id)
        self.files.put_json(key, batches)
        return SweepPlan(run_id, key, start, through, len(ids), len(batches))

    def purge_batch(self, space_ids: list[str]) -> dict[str, int]:
        """Each space's deletion to its end; the counts are this run's (a rerun counts only
        what it deleted itself)."""
        tally = {"purged": 0, "already": 0, "skipped": 0, "objects": 0, "items": 0}
        for space_id in space_ids:
            erased = self.eraser.erase(space_id, term=True)
            if erased.outcome is Erasure.DONE:
                tally["purged"] += 1
            elif erased.outcome is Erasure.ALREADY:
                tally["already"] += 1
            else:
                tally["skipped"] += 1
            tally["objects"] += erased.objects
            tally["items"] += erased.items
        return tally

    def advance(self, through: date) -> date:
        """Every batch done: the next sweep starts at `through` (swept again, cheaply)."""
        current = self.store.sweep_cursor()
        if current is None or through > current:
            self.store.set_sweep_cursor(through)
            return through
        return current
