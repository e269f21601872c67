"""The wave timer: at a wave's deadline, everyone it notified who neither opposed nor decided
is activated, chunk by chunk (a Step Functions Distributed Map), and the wave's figures are
stored for operators."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from healthspace.enrollment.activation import activate
from healthspace.enrollment.model import EnrollmentStatus, Wave, WaveCounts, WaveStatus
from healthspace.enrollment.ports import EnrollmentStore, NewSpace, OpsFiles
from healthspace.kernel.clock import Clock, IdGenerator
from healthspace.kernel.entity import page_size
from healthspace.kernel.errors import NotFound


@dataclass(eq=False)
class Waves:
    store: EnrollmentStore
    files: OpsFiles
    clock: Clock
    ids: IdGenerator
    new_space: NewSpace

    def recent(
        self, limit: int, cursor: str | None = None
    ) -> tuple[list[tuple[Wave, WaveCounts]], str | None]:
        """A page of the waves, newest first, each with its counts (for operators), and the
        next page's cursor."""
        page = self.store.list_waves(page_size(limit), cursor)
        waves = [(wave, self.store.wave_counts(wave.wave_id)) for wave in page.items]
        return waves, page.next_cursor

    def figures(self, wave_id: str) -> tuple[Wave, WaveCounts]:
        wave = self.store.get_wave(wave_id)
        if wave is None:
            raise NotFound("wave not found")
        return wave, self.store.wave_counts(wave_id)

    def seal_wave(self, wave_id: str) -> list[str]:
        """At the deadline: the list of the wave's chunks, for the Distributed Map."""
        self.store.set_wave_status(wave_id, WaveStatus.ACTIVATING)
        keys = sorted(self.files.list_keys(f"waves/{wave_id}/chunks/"))
        self.files.put_json(f"waves/{wave_id}/chunks.json", keys)
        return keys

    def activate_chunk(self, chunk_key: str) -> dict[str, int]:
        """Activate everyone of a chunk still PENDING; opposed or already active people are
        skipped, so a retried chunk never acts twice."""
        chunk = self.files.get_json(chunk_key)
        if not isinstance(chunk, dict):
            raise ValueError(f"{chunk_key} is not a wave chunk")
        wave_id = chunk["wave_id"]
        outcome: Counter[str] = Counter()
        try:
            for ins in chunk["ins"]:
                enrollment = self.store.get_enrollment(ins)
                if (
                    enrollment is None
                    or enrollment.status is not EnrollmentStatus.PENDING
                    or enrollment.wave_id != wave_id  # notified again since, in a later wave
                ):
                    outcome["skipped"] += 1
                elif not enrollment.notified_at:
                    # Never told: no space without a chance to oppose. A re-import of their
                    # file notifies them in a new wave; the summary counts them for operators.
                    outcome["unnotified"] += 1
                elif activate(
                    self.store, self.new_space, self.clock, self.ids, enrollment, "timer"
                ):
                    outcome["activated"] += 1
                else:
                    outcome["skipped"] += 1  # decided meanwhile: the condition kept it
        finally:
            # Counted even if the chunk fails partway: its retry will skip these people.
            if outcome["activated"]:
                self.store.add_to_wave(wave_id, activated=outcome["activated"])
        if outcome["unnotified"]:  # not skipped by a retry: counted once the chunk is done
            self.store.add_to_wave(wave_id, unnotified=outcome["unnotified"])
        return {name: outcome[name] for name in ("activated", "skipped", "unnotified")}

    def finish_wave(self, wave_id: str) -> dict[str, object]:
        """Close the wave: the people of chunks that kept failing (the state machine left their
        keys under waves/<wave_id>/failed/) and are still pending are counted as failed, and
        logged for operators to rerun; then the summary is stored."""
        failed_chunks = sorted(
            {
                self.files.read_text(key).read().strip()
                for key in self.files.list_keys(f"waves/{wave_id}/failed/")
            }
        )
        failed = sum(self._still_pending(key) for key in failed_chunks)
        if failed:
            self.store.add_to_wave(wave_id, failed=failed)
        self.store.set_wave_status(wave_id, WaveStatus.DONE)
        counts = self.store.wave_counts(wave_id)
        summary: dict[str, object] = {
            "wave_id": wave_id,
            **counts.model_dump(),
            "failed_chunks": len(failed_chunks),
            "opposition_rate": round(counts.opposition_rate, 4),
        }
        self.files.put_json(f"waves/{wave_id}/summary.json", summary)
        return summary

    def _still_pending(self, chunk_key: str) -> int:
        try:
            chunk = self.files.get_json(chunk_key)
        except Exception:  # an unreadable chunk is reported by key, its people unknown
            return 0
        if not isinstance(chunk, dict):
            return 0
        wave_id, people = chunk.get("wave_id"), chunk.get("ins") or []
        return sum(
            1
            for ins in people
            if (e := self.store.get_enrollment(ins))
            and e.status is EnrollmentStatus.PENDING
            and e.wave_id == wave_id
        )
