"""The care rules at their edges (healthspace.care.rules): the bounds of what a patient or a
professional states, and what a refusal or a bad value says of itself."""

from datetime import timedelta

import pytest

from healthspace.care.record import FULL, GrantKind, PatientSettings
from healthspace.care.rules import (
    MAX_CONSENT,
    MAX_EMERGENCY_REASON,
    Refusal,
    Relationship,
    block,
    record_consent,
    visible_to_professional,
)
from healthspace.kernel.errors import BadRequest
from healthspace.records.access import entry_facts
from healthspace.records.model import Author, Category, ProfileEntry, Section
from tests.unit.test_care_access import DOCTOR, NOW, OTHER, SETTINGS, TEAM, access, granted


@pytest.mark.parametrize("reason", ["x", "x" * MAX_EMERGENCY_REASON])
def test_break_glass_takes_a_reason_of_one_to_the_maximum_characters(reason):
    decision = access(DOCTOR, reason=f"  {reason} ")
    assert decision.relationship is Relationship.EMERGENCY
    assert decision.emergency_reason == reason  # as stated, trimmed


def test_a_refusal_names_the_professional_it_refuses():
    """The access log of a refused access says who was refused."""
    blocked = access(DOCTOR, settings=block(SETTINGS, TEAM, DOCTOR.rpps))
    opted_out = access(DOCTOR, settings=PatientSettings(emergency_access=False), reason="coma")
    assert (blocked.refusal, blocked.professional) == (Refusal.BLOCKED, DOCTOR)
    assert (opted_out.refusal, opted_out.professional) == (Refusal.EMERGENCY_DISABLED, DOCTOR)


def test_a_recorded_consent_may_last_exactly_a_year():
    team = record_consent(TEAM, SETTINGS, DOCTOR, FULL, NOW, NOW + MAX_CONSENT)
    assert team.grants[DOCTOR.rpps].expires_at == NOW + MAX_CONSENT
    with pytest.raises(BadRequest):
        record_consent(TEAM, SETTINGS, DOCTOR, FULL, NOW, NOW + MAX_CONSENT + timedelta(seconds=1))


def test_a_team_grant_that_ended_leaves_the_professional_free_to_record_a_consent():
    team = granted(DOCTOR, kind=GrantKind.TEAM, expires_at=NOW + timedelta(days=1))
    later = NOW + timedelta(days=2)
    team = record_consent(team, SETTINGS, DOCTOR, FULL, later)
    assert team.grants[DOCTOR.rpps].kind is GrantKind.CONSENT


def test_a_broken_bound_says_where():
    with pytest.raises(BadRequest) as refused:
        granted(DOCTOR, frozenset())
    assert refused.value.message.startswith(f"grants.{DOCTOR.rpps}: ")


def test_a_professional_sees_the_profile_entries_they_wrote_beyond_their_scope():
    """Given a doctor who added an allergy, when the patient narrows his grant to lab results,
    then he still sees his own entry, and no one else's in that section."""
    narrowed = access(DOCTOR, granted(DOCTOR, frozenset({Category.BIOLOGY}), kind=GrantKind.TEAM))
    theirs, others = (entry(Author.professional(who.rpps)) for who in (DOCTOR, OTHER))
    assert visible_to_professional(narrowed, entry_facts(theirs))
    assert not visible_to_professional(narrowed, entry_facts(others))


def entry(author: Author) -> ProfileEntry:
    return ProfileEntry(
        section=Section.ALLERGIES.value,
        entry_id="0" * 26,
        version=1,
        created_at=NOW,
        updated_at=NOW,
        author=author,
        fields={},
        space_id="0" * 26,
    )
