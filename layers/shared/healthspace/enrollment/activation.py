"""What every path to an active space shares (the person's code, the helpline, the wave's
timer): one transaction, and one line in the person's enrollment history."""

from __future__ import annotations

from healthspace.enrollment.model import Channel, Enrollment, EnrollmentLogEntry, EnrollmentStatus
from healthspace.enrollment.ports import EnrollmentStore, NewSpace
from healthspace.kernel.clock import Clock, IdGenerator
from healthspace.records.model import Holder, Role


def activate(
    store: EnrollmentStore,
    new_space: NewSpace,
    clock: Clock,
    ids: IdGenerator,
    enrollment: Enrollment,
    actor: str,
) -> bool:
    """Activate a pending (or opposed) enrollment: its space and its grants in one transaction
    with the enrollment's change; False if the enrollment changed meanwhile."""
    holder = Holder(
        given_name=enrollment.given_name,
        family_name=enrollment.family_name,
        birth_date=enrollment.birth_date,
    )
    space = new_space(enrollment.ins, holder)
    active = enrollment.model_copy(
        update={
            "status": EnrollmentStatus.ACTIVE,
            "space_id": space.space_id,
            "decided_at": clock.now(),
            "decided_by": actor,
            "version": enrollment.version + 1,
        }
    )
    grants = [(enrollment.ins, Role.HOLDER)] + [
        (rep, Role.LEGAL_REPRESENTATIVE) for rep in enrollment.representatives
    ]
    log = log_entry(clock, ids, enrollment.ins, "ACTIVATED", actor)
    return store.activate_enrollment(active, enrollment.version, space, grants, log)


def log_entry(
    clock: Clock,
    ids: IdGenerator,
    ins: str,
    action: str,
    actor: str,
    channel: Channel | None = None,
) -> EnrollmentLogEntry:
    """One line of a person's enrollment history."""
    return EnrollmentLogEntry(
        entry_id=ids.new_id(),
        ins=ins,
        at=clock.now(),
        action=action,
        actor=actor,
        channel=channel,
    )
