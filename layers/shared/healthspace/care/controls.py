"""The patient's controls over who may open their file: settings (emergency access, masking by
default, blocked professionals) and the care team (treating doctor, grants), one versioned care
record. The rules are care.rules'; here each change is checked against the version the patient
read and written with its access-log entry. Actions follow the HTTP verb: UPDATE for a PUT,
DELETE for a DELETE; the object is the route ("care/team", RPPS)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from healthspace.care import rules
from healthspace.care.matrices import Profession
from healthspace.care.ports import CareRecords
from healthspace.care.record import (
    CareRecord,
    CareTeam,
    GrantKind,
    PatientSettings,
    Professional,
    Scope,
)
from healthspace.directory.lookup import Directory
from healthspace.kernel.clock import Clock
from healthspace.kernel.errors import BadRequest, Forbidden, PreconditionFailed
from healthspace.kernel.identifiers import parse_rpps
from healthspace.records.access import Access
from healthspace.records.access_log import AccessLog
from healthspace.records.model import Action, Role


def _manages_controls(access: Access) -> None:
    """The holder and their legal representatives decide who sees the file; nobody else."""
    if access.role not in (Role.HOLDER, Role.LEGAL_REPRESENTATIVE):
        raise Forbidden("only the holder or a legal representative manages access to this file")


@dataclass(eq=False)
class PatientControls:
    store: CareRecords
    log: AccessLog
    clock: Clock
    # Where a treating doctor's profession is read; without it (the tests' compositions), the
    # profession the patient's client sends is taken.
    directory: Directory | None = None

    def care_record(self, access: Access) -> CareRecord:
        """The settings and care team. Not traced, like the access log: the patient consulting
        who may see their file reads no health data; every change to it is traced."""
        _manages_controls(access)
        return self.store.get_care_record(access.space_id)

    def change_settings(
        self,
        access: Access,
        expected_version: int,
        emergency_access: bool | None = None,
        mask_by_default: bool | None = None,
    ) -> CareRecord:
        """Emergency access and masking by default are plain switches (no rule binds them)."""
        switches = {"emergency_access": emergency_access, "mask_by_default": mask_by_default}
        changes = {name: value for name, value in switches.items() if value is not None}
        return self._change(
            access,
            expected_version,
            Action.UPDATE,
            "care/settings",
            None,
            lambda r: (r.settings.model_copy(update=changes), r.team),
        )

    def block_professional(self, access: Access, rpps: str, expected_version: int) -> CareRecord:
        rpps = parse_rpps(rpps)
        return self._change(
            access,
            expected_version,
            Action.UPDATE,
            "care/blocked",
            rpps,
            lambda r: (rules.block(r.settings, r.team, rpps), r.team),
        )

    def unblock_professional(self, access: Access, rpps: str, expected_version: int) -> CareRecord:
        rpps = parse_rpps(rpps)
        return self._change(
            access,
            expected_version,
            Action.DELETE,
            "care/blocked",
            rpps,
            lambda r: (rules.unblock(r.settings, rpps), r.team),
        )

    def designate_treating_doctor(
        self,
        access: Access,
        rpps: str,
        expected_version: int,
        profession: Profession = Profession.MEDECIN,
    ) -> CareRecord:
        """A non-médecin is refused. The profession is the directory's for a professional it
        holds (whatever the client sends: a pharmacist cannot be named treating doctor by
        claiming otherwise); for one it does not hold (yet: a new doctor before the next
        import), `profession`, what the patient's client knows of the doctor."""
        listed = self.directory.find(rpps) if self.directory else None
        if listed is not None:
            if listed.profession_code not in {p.value for p in Profession}:
                raise BadRequest("the treating doctor must be a médecin")
            profession = Profession(listed.profession_code)
        doctor = Professional(rpps=rpps, profession=profession)
        now = self.clock.now()
        return self._change(
            access,
            expected_version,
            Action.UPDATE,
            "care/treating-doctor",
            doctor.rpps,
            lambda r: (
                r.settings,
                rules.designate_treating_doctor(r.team, r.settings, doctor, now),
            ),
        )

    def end_treating_doctor(self, access: Access, expected_version: int) -> CareRecord:
        return self._change(
            access,
            expected_version,
            Action.DELETE,
            "care/treating-doctor",
            None,
            lambda r: (r.settings, rules.end_treating_doctor(r.team)),
        )

    def grant_access(
        self,
        access: Access,
        rpps: str,
        scope: Scope,
        expected_version: int,
        expires_at: datetime | None = None,
    ) -> CareRecord:
        """The patient declares a member of their care team (GrantKind.TEAM; a CONSENT is
        recorded by a professional, record_consent). Granting again replaces the grant."""
        rpps = parse_rpps(rpps)
        now = self.clock.now()
        return self._change(
            access,
            expected_version,
            Action.UPDATE,
            "care/team",
            rpps,
            lambda r: (
                r.settings,
                rules.grant_access(
                    r.team, r.settings, rpps, GrantKind.TEAM, scope, now, expires_at
                ),
            ),
        )

    def revoke_access(self, access: Access, rpps: str, expected_version: int) -> CareRecord:
        """Ends a team member's or a consent's grant, whichever the professional holds."""
        rpps = parse_rpps(rpps)
        return self._change(
            access,
            expected_version,
            Action.DELETE,
            "care/team",
            rpps,
            lambda r: (r.settings, rules.revoke_access(r.team, rpps)),
        )

    def _change(
        self,
        access: Access,
        expected_version: int,
        action: Action,
        object_type: str,
        object_id: str | None,
        change: Callable[[CareRecord], tuple[PatientSettings, CareTeam]],
    ) -> CareRecord:
        """Apply `change` to the record the patient read (at `expected_version`) and write it
        with its access-log entry. The version is checked here as well as by the store's
        conditional write: a change computed on a stale read must not overwrite a newer record.
        A change that alters nothing is still written and traced (the patient asked for it)."""
        _manages_controls(access)
        current = self.store.get_care_record(access.space_id)
        if current.version != expected_version:
            raise PreconditionFailed(
                "the care settings were changed since you read them; reload and try again"
            )
        settings, team = change(current)
        updated = current.model_copy(
            update={"settings": settings, "team": team, "version": expected_version + 1}
        )
        self.store.put_care_record(
            updated, expected_version, self.log.entry(access, action, object_type, object_id)
        )
        return updated
