"""The access rules for professionals and the patient's controls (issue 4), on plain values with
an explicit clock: who opens a file, what they then see and add, and what the patient's side sees.

The matrices are data; these tests check the rules that use them (never the table restated), a
few cells the issue names, and invariants the data must keep."""

from datetime import UTC, datetime, timedelta
from itertools import product
from pathlib import Path

import pytest

from healthspace.care.matrices import (
    EVERY_KIND,
    PATIENT_OWNED,
    READ_MATRIX,
    WRITE_MATRIX,
    Profession,
    matrix_markdown,
)
from healthspace.care.record import (
    FULL,
    MAX_BLOCKED,
    MAX_GRANTS,
    CareTeam,
    GrantKind,
    PatientSettings,
    Professional,
    Scope,
)
from healthspace.care.rules import (
    MAX_EMERGENCY_REASON,
    Refusal,
    Relationship,
    SpaceDecision,
    block,
    can_write,
    decide_space_access,
    designate_treating_doctor,
    end_treating_doctor,
    grant_access,
    patient_deposit,
    professional_deposit,
    release,
    revoke_access,
    unblock,
    visible_to_professional,
)
from healthspace.kernel.dates import add_month
from healthspace.kernel.errors import (
    BadRequest,
    BlockConflict,
    Forbidden,
    InvalidIdentifier,
    LimitReached,
    ProfessionNotAllowed,
)
from healthspace.records.access import visible_to_patient
from healthspace.records.model import (
    ALL_KINDS,
    AnnouncementHold,
    Category,
    ItemFacts,
    Kind,
    Role,
    Section,
)
from healthspace.records.sections import SECTIONS

NOW = datetime(2025, 3, 10, 9, 30, tzinfo=UTC)
DOC = Path(__file__).resolve().parents[2] / "docs" / "professionals.md"


def rpps(n: int) -> str:
    """A Luhn-valid RPPS number (test data): ten digits from n, then the check digit."""
    base = f"1{n:09d}"
    for check in "0123456789":
        digits = [int(c) for c in reversed(base + check)]
        total = sum(
            d if i % 2 == 0 else (d * 2 - 9 if d > 4 else d * 2) for i, d in enumerate(digits)
        )
        if total % 10 == 0:
            return base + check
    raise AssertionError("unreachable")


def pro(n: int, profession: Profession = Profession.MEDECIN) -> Professional:
    return Professional(rpps=rpps(n), profession=profession)


TREATING = pro(1)
DOCTOR = pro(2)
DENTIST = pro(3, Profession.CHIRURGIEN_DENTISTE)
PHARMACIST = pro(4, Profession.PHARMACIEN)
NURSE = pro(5, Profession.INFIRMIER)
PHYSIO = pro(6, Profession.MASSEUR_KINESITHERAPEUTE)
MIDWIFE = pro(7, Profession.SAGE_FEMME)
OTHER = pro(99)

SETTINGS = PatientSettings()
TEAM = designate_treating_doctor(CareTeam(), SETTINGS, TREATING, NOW - timedelta(days=400))


def granted(
    who: Professional,
    scope: Scope = FULL,
    kind: GrantKind = GrantKind.CONSENT,
    expires_at: datetime | None = None,
    team: CareTeam = TEAM,
) -> CareTeam:
    return grant_access(team, SETTINGS, who.rpps, kind, scope, NOW - timedelta(days=1), expires_at)


def access(
    who: Professional,
    team: CareTeam = TEAM,
    settings: PatientSettings = SETTINGS,
    reason: str | None = None,
) -> SpaceDecision:
    return decide_space_access(who, settings, team, NOW, emergency_reason=reason)


def corpus(me: Professional) -> list[ItemFacts]:
    """One item of every kind, masked or not, by nobody (the patient), by `me`, by another."""
    return [
        ItemFacts(kind=kind, masked=masked, author_rpps=author)
        for kind, masked, author in product(ALL_KINDS, (False, True), (None, me.rpps, OTHER.rpps))
    ]


def seen(decision: SpaceDecision) -> list[ItemFacts]:
    return [i for i in corpus(decision.professional) if visible_to_professional(decision, i)]


# --------------------------------------------------------------------------- the matrices


def test_every_profession_has_both_rows_and_writes_only_what_it_reads():
    """Given the matrices, then every profession has a read and a write row, and writes nothing
    it cannot read back nor any of the patient's own sections."""
    assert set(READ_MATRIX) == set(WRITE_MATRIX) == set(Profession)
    for profession in Profession:
        assert WRITE_MATRIX[profession] <= READ_MATRIX[profession], profession
        assert not WRITE_MATRIX[profession] & PATIENT_OWNED, profession


def test_sections_match_the_medical_profile():
    """Given the profile's sections, then the access rules know exactly those."""
    assert {s.value for s in Section} == set(SECTIONS)
    assert set(ALL_KINDS) == set(Category) | set(Section)


@pytest.mark.parametrize("profession", list(Profession))
def test_a_professional_sees_exactly_their_row_unmasked_plus_their_own_work(profession):
    """Given a professional with a consent covering every kind, when they list the file, then
    they see the items whose kind is in their profession's row, masked ones excluded, and every
    item they authored, masked or outside their row."""
    me = pro(50, profession)
    decision = access(me, granted(me, EVERY_KIND))

    assert decision.relationship is Relationship.CONSENT
    assert seen(decision) == [
        i
        for i in corpus(me)
        if i.author_rpps == me.rpps or (i.kind in READ_MATRIX[profession] and not i.masked)
    ]


@pytest.mark.parametrize("profession", list(Profession))
def test_full_rights_see_the_whole_row_masked_included(profession):
    """Given a professional granted the treating doctor's rights, when they list the file, then
    they see every item whose kind is in their row, masked or not: the row still binds them."""
    me = pro(50, profession)
    decision = access(me, granted(me, FULL, GrantKind.TEAM))

    assert decision.relationship is Relationship.TEAM and decision.sees_masked
    assert seen(decision) == [
        i for i in corpus(me) if i.author_rpps == me.rpps or i.kind in READ_MATRIX[profession]
    ]


@pytest.mark.parametrize("profession", list(Profession))
def test_writes_follow_the_row_cut_to_the_scope(profession):
    """Given a professional whose consent covers half of the kinds, when they add items, then
    they may add exactly the kinds both in their write row and in the scope."""
    me = pro(50, profession)
    scope = frozenset(ALL_KINDS[::2])
    decision = access(me, granted(me, scope))

    assert [k for k in ALL_KINDS if can_write(decision, k)] == [
        k for k in ALL_KINDS if k in WRITE_MATRIX[profession] and k in scope
    ]


@pytest.mark.parametrize(
    ("who", "kind", "reads"),
    [
        (DENTIST, Section.ADVANCE_DIRECTIVES, False),
        (PHARMACIST, Category.PRESCRIPTIONS_CARE, True),
        (PHARMACIST, Section.VACCINATIONS, True),
        (PHARMACIST, Category.IMAGING, False),
        (TREATING, Section.ADVANCE_DIRECTIVES, True),
    ],
)
def test_cells_named_by_the_issue(who, kind, reads):
    """Given a professional with a consent covering everything, when they look at an item the
    issue names, then they see it or not as the issue says."""
    decision = access(who, granted(who, EVERY_KIND) if who != TREATING else TEAM)
    assert visible_to_professional(decision, ItemFacts(kind=kind)) is reads


@pytest.mark.parametrize(
    ("who", "kind", "writes"),
    [
        (PHARMACIST, Section.VACCINATIONS, True),
        (NURSE, Section.VACCINATIONS, True),
        (DOCTOR, Section.ALLERGIES, True),
        (PHYSIO, Section.VACCINATIONS, False),
        (DOCTOR, Section.ADVANCE_DIRECTIVES, False),
        (DOCTOR, Section.CONTACTS, False),
    ],
)
def test_profile_entries_professionals_add(who, kind, writes):
    """Given a professional with full rights, when they add a profile entry, then vaccinations
    and allergies go in as the matrix allows, and the patient's own sections never do."""
    assert can_write(access(who, granted(who)), kind) is writes


def test_the_documentation_shows_the_matrices_as_they_are():
    """Given docs/professionals.md, then its matrix table is the one generated from the data
    (regenerate: python -c 'from healthspace.care.matrices import matrix_markdown as m;
    print(m())')."""
    text = DOC.read_text(encoding="utf-8")
    start, end = "<!-- matrix:start -->\n", "<!-- matrix:end -->"
    assert text[text.index(start) + len(start) : text.index(end)] == matrix_markdown()


# --------------------------------------------------------------------------- who opens the file


def test_the_treating_doctor_sees_everything_masked_included():
    """Given the patient's treating doctor, when they open the file, then they are let in as
    TREATING and see every item, masked ones included, and may add every category."""
    decision = access(TREATING)

    assert decision.relationship is Relationship.TREATING
    assert len(seen(decision)) == len(corpus(TREATING))
    assert all(can_write(decision, c) for c in Category)


def test_without_a_relationship_a_professional_is_refused():
    """Given a professional neither treating, in the team nor consented to, when they open the
    file, then they are refused and see nothing, not even what they authored."""
    decision = access(DOCTOR)

    assert (decision.allowed, decision.refusal) == (False, Refusal.NO_RELATIONSHIP)
    assert seen(decision) == []
    assert not can_write(decision, Category.REPORTS)


def test_a_team_member_is_let_in_within_the_declared_scope():
    """Given a nurse the patient declared in their care team for biology only, when she opens the
    file, then she is let in as TEAM and reads biology only, masked items excluded."""
    decision = access(NURSE, granted(NURSE, frozenset({Category.BIOLOGY}), GrantKind.TEAM))

    assert decision.relationship is Relationship.TEAM
    assert decision.readable == {Category.BIOLOGY}
    assert not visible_to_professional(decision, ItemFacts(kind=Category.BIOLOGY, masked=True))


def test_a_scope_never_widens_the_profession_row():
    """Given a dentist consented to for advance directives, when he opens the file, then he is
    let in but reads nothing: the matrix binds whatever the patient grants."""
    decision = access(DENTIST, granted(DENTIST, frozenset({Section.ADVANCE_DIRECTIVES})))
    assert decision.allowed and decision.readable == frozenset()


def test_a_consent_ends_at_its_expiry():
    """Given a consent expiring at noon, when the doctor opens the file before and at noon, then
    he is let in before and refused from noon on, with a reason saying it expired."""
    noon = NOW + timedelta(hours=2)
    team = granted(DOCTOR, EVERY_KIND, expires_at=noon)

    before = decide_space_access(DOCTOR, SETTINGS, team, noon - timedelta(seconds=1))
    after = decide_space_access(DOCTOR, SETTINGS, team, noon)

    assert before.relationship is Relationship.CONSENT
    assert (after.allowed, after.refusal) == (False, Refusal.CONSENT_EXPIRED)


def test_revoking_a_consent_refuses_the_professional():
    """Given a consented doctor, when the patient revokes the consent, then he is refused."""
    team = revoke_access(granted(DOCTOR), DOCTOR.rpps)
    assert access(DOCTOR, team).refusal is Refusal.NO_RELATIONSHIP


def test_a_grant_needs_a_scope_and_a_future_expiry():
    """Given a grant with an empty scope, or one expiring before it starts, then it is refused
    as bad input."""
    with pytest.raises(BadRequest, match="scope"):
        granted(DOCTOR, frozenset())
    with pytest.raises(BadRequest, match="expires_at"):
        granted(DOCTOR, expires_at=NOW - timedelta(days=2))


def test_a_care_team_is_bounded_and_sheds_expired_grants():
    """Given a care team at its limit, when one more professional is granted, then it is
    refused; when the existing grants have expired, then they make room."""
    team = TEAM
    for n in range(MAX_GRANTS):
        team = granted(pro(100 + n), expires_at=NOW + timedelta(days=1), team=team)

    with pytest.raises(LimitReached, match=f"a care team holds at most {MAX_GRANTS} professionals"):
        granted(DOCTOR, team=team)
    assert len(granted(pro(100), team=team).grants) == MAX_GRANTS  # replacing one still works
    later = grant_access(
        team, SETTINGS, DOCTOR.rpps, GrantKind.CONSENT, FULL, NOW + timedelta(days=2)
    )
    assert list(later.grants) == [DOCTOR.rpps]


# --------------------------------------------------------------------------- blocking


def test_a_blocked_professional_is_refused_whatever_they_hold():
    """Given a consented doctor whom the patient then blocks, when he opens the file, even in an
    emergency, then he is refused as BLOCKED; once unblocked, his consent lets him in again."""
    team = granted(DOCTOR)
    blocked = block(SETTINGS, team, DOCTOR.rpps)

    assert access(DOCTOR, team, blocked).refusal is Refusal.BLOCKED
    assert access(DOCTOR, team, blocked, reason="unconscious").refusal is Refusal.BLOCKED
    assert access(DOCTOR, team, unblock(blocked, DOCTOR.rpps)).relationship is (
        Relationship.CONSENT
    )


def test_the_treating_doctor_cannot_be_blocked_while_designated():
    """Given a designated treating doctor, when the patient blocks them, then it is refused with
    a conflict; once the designation ends, the block goes through."""
    with pytest.raises(BlockConflict, match="end the designation"):
        block(SETTINGS, TEAM, TREATING.rpps)

    settings = block(SETTINGS, end_treating_doctor(TEAM), TREATING.rpps)
    assert TREATING.rpps in settings.blocked


def test_a_blocked_professional_cannot_be_designated_nor_granted():
    """Given a blocked doctor, when the patient designates him or grants him access, then it is
    refused with a conflict."""
    settings = block(SETTINGS, TEAM, DOCTOR.rpps)
    with pytest.raises(BlockConflict):
        designate_treating_doctor(TEAM, settings, DOCTOR, NOW)
    with pytest.raises(BlockConflict):
        grant_access(TEAM, settings, DOCTOR.rpps, GrantKind.TEAM, FULL, NOW)


def test_a_stored_contradiction_fails_closed():
    """Given a care record whose treating doctor is also blocked (written outside these rules),
    when the doctor opens the file, then the block wins."""
    settings = PatientSettings(blocked=frozenset({TREATING.rpps}))
    assert access(TREATING, settings=settings).refusal is Refusal.BLOCKED


def test_the_blocked_list_is_bounded():
    """Given a patient who blocked the most professionals a record holds, when they block one
    more, then it is refused naming the cap (409); blocking one already blocked still works."""
    settings = PatientSettings(blocked=frozenset(rpps(1000 + n) for n in range(MAX_BLOCKED)))
    with pytest.raises(LimitReached, match=f"at most {MAX_BLOCKED} professionals can be blocked"):
        block(settings, TEAM, DOCTOR.rpps)
    assert block(settings, TEAM, rpps(1000)) == settings


def test_only_a_medecin_can_be_the_treating_doctor():
    """Given a pharmacist, when the patient designates him treating doctor, then it is refused."""
    with pytest.raises(BadRequest, match="médecin"):
        designate_treating_doctor(TEAM, SETTINGS, PHARMACIST, NOW)


# --------------------------------------------------------------------------- break-glass


def test_break_glass_reads_the_row_unmasked_and_notifies():
    """Given an emergency doctor unknown to the patient, when he opens the file with a stated
    reason, then he is let in as EMERGENCY, reads his row without masked items, adds nothing, and
    the patient and treating doctor are to be told."""
    decision = access(DOCTOR, reason="  found unconscious  ")

    assert decision.relationship is Relationship.EMERGENCY
    assert decision.emergency_reason == "found unconscious"
    assert decision.readable == READ_MATRIX[Profession.MEDECIN] and not decision.sees_masked
    assert decision.writable == frozenset()
    assert not visible_to_professional(decision, ItemFacts(kind=Category.REPORTS, masked=True))


def test_break_glass_is_refused_when_the_patient_opted_out():
    """Given a patient who turned emergency access off, when an unknown doctor breaks the glass,
    then he is refused as EMERGENCY_DISABLED."""
    decision = access(DOCTOR, settings=PatientSettings(emergency_access=False), reason="coma")
    assert (decision.allowed, decision.refusal) == (False, Refusal.EMERGENCY_DISABLED)


@pytest.mark.parametrize("reason", ["", "   ", "x" * (MAX_EMERGENCY_REASON + 1)])
def test_break_glass_needs_a_stated_reason(reason):
    """Given an emergency access with no reason (or an overlong one), then it is bad input."""
    with pytest.raises(BadRequest, match="reason"):
        access(DOCTOR, reason=reason)


def test_break_glass_widens_a_partial_grant_and_leaves_full_rights_alone():
    """Given a doctor consented to for imaging only, when he breaks the glass, then this request
    reads his whole row as an emergency; given the treating doctor, when she breaks the glass,
    then nothing is broken: she keeps her rights and nobody is notified."""
    widened = access(DOCTOR, granted(DOCTOR, frozenset({Category.IMAGING})), reason="stroke")
    treating = access(TREATING, reason="stroke")

    assert widened.relationship is Relationship.EMERGENCY
    assert widened.readable == READ_MATRIX[Profession.MEDECIN]
    assert treating.relationship is Relationship.TREATING


def test_an_opted_out_emergency_keeps_an_existing_grant():
    """Given a patient who turned emergency access off and a doctor consented to for imaging,
    when he breaks the glass, then he keeps his consent's rights."""
    settings = PatientSettings(emergency_access=False)
    team = granted(DOCTOR, frozenset({Category.IMAGING}))
    decision = access(DOCTOR, team, settings, reason="stroke")

    assert decision.relationship is Relationship.CONSENT
    assert decision.readable == {Category.IMAGING}


# --------------------------------------------------------------------------- masking and deposits


def test_masked_items_show_to_their_author_and_full_rights_only():
    """Given a masked report by the nurse, then the nurse and the treating doctor see it, a
    doctor consented to for everything does not, and the patient does."""
    item = ItemFacts(kind=Category.REPORTS, masked=True, author_rpps=NURSE.rpps)

    assert visible_to_professional(access(NURSE, granted(NURSE, EVERY_KIND)), item)
    assert visible_to_professional(access(TREATING), item)
    assert not visible_to_professional(access(DOCTOR, granted(DOCTOR, EVERY_KIND)), item)
    assert visible_to_patient(item, Role.HOLDER, NOW)


def test_a_deposit_is_authored_by_the_professional_and_masked_as_the_patient_chose():
    """Given a patient who masks new documents by default, when a doctor and then the patient
    add documents, then both start masked and the doctor's names him as author."""
    settings = PatientSettings(mask_by_default=True)
    item = professional_deposit(access(DOCTOR, granted(DOCTOR)), settings, Category.REPORTS, NOW)

    assert (item.author_rpps, item.masked, item.hold) == (DOCTOR.rpps, True, None)
    assert patient_deposit(settings, Category.OTHER).masked
    assert not patient_deposit(SETTINGS, Category.OTHER).masked


def test_a_deposit_outside_the_write_row_is_forbidden():
    """Given a physiotherapist with full rights, when he adds a prescription, then it is
    forbidden; in an emergency nobody adds anything."""
    with pytest.raises(Forbidden, match="masseur-kinésithérapeute"):
        professional_deposit(
            access(PHYSIO, granted(PHYSIO)), SETTINGS, Category.PRESCRIPTIONS_CARE, NOW
        )
    with pytest.raises(Forbidden):
        professional_deposit(access(DOCTOR, reason="coma"), SETTINGS, Category.REPORTS, NOW)


# --------------------------------------------------------------------------- the patient's side


def held_report(held_at: datetime = NOW) -> ItemFacts:
    decision = access(DOCTOR, granted(DOCTOR))
    return professional_deposit(
        decision, SETTINGS, Category.REPORTS, held_at, hold_for_announcement=True
    )


@pytest.mark.parametrize("role", [Role.HOLDER, Role.LEGAL_REPRESENTATIVE])
def test_a_held_document_is_hidden_from_the_patient_until_released(role):
    """Given a report held for the announcement consultation, when the patient's side looks,
    then it is hidden; once the doctor releases it, it shows; professionals see it throughout."""
    item = held_report()

    assert not visible_to_patient(item, role, NOW + timedelta(days=3))
    assert visible_to_professional(access(TREATING), item)
    released = release(item, DOCTOR, NOW + timedelta(days=3))
    assert visible_to_patient(released, role, NOW + timedelta(days=3))
    assert released.hold is not None and released.hold.released_at == NOW + timedelta(days=3)


@pytest.mark.parametrize("role", [Role.HOLDER, Role.LEGAL_REPRESENTATIVE])
def test_a_held_document_shows_by_itself_one_month_later(role):
    """Given a report held on 10 March at 09:30 and never released, then it is hidden until
    10 April 09:30 and shows from then on, whether or not the scheduled job has run."""
    item = held_report()
    month_later = datetime(2025, 4, 10, 9, 30, tzinfo=UTC)
    assert item.hold is not None

    assert not visible_to_patient(item, role, month_later - timedelta(seconds=1))
    assert visible_to_patient(item, role, month_later)
    assert not item.hold.due_for_release(month_later - timedelta(seconds=1))
    assert item.hold.due_for_release(month_later)


def test_the_month_is_a_calendar_month():
    """Given holds on 31 January and 31 December, then they end on the last day of February and
    on 31 January."""
    assert add_month(datetime(2025, 1, 31, 8, tzinfo=UTC)) == datetime(2025, 2, 28, 8, tzinfo=UTC)
    assert add_month(datetime(2024, 1, 31, tzinfo=UTC)) == datetime(2024, 2, 29, tzinfo=UTC)
    assert add_month(datetime(2024, 12, 31, tzinfo=UTC)) == datetime(2025, 1, 31, tzinfo=UTC)


def test_only_the_author_releases_and_releasing_twice_changes_nothing():
    """Given a held report, when another professional releases it, then it is forbidden; when
    its author releases it twice, then the first release stands and nothing is due later."""
    item = held_report()
    with pytest.raises(Forbidden):
        release(item, TREATING, NOW)

    once = release(item, DOCTOR, NOW + timedelta(days=1))
    assert release(once, DOCTOR, NOW + timedelta(days=2)) == once
    assert once.hold is not None and not once.hold.due_for_release(NOW + timedelta(days=60))


def test_a_late_release_does_not_hide_an_already_visible_document():
    """Given a hold released after its month ran out (the job ran late), then the document has
    been visible since the month's end."""
    hold = AnnouncementHold(held_at=NOW, released_at=NOW + timedelta(days=40))
    assert hold.visible_from == add_month(NOW)


def test_only_a_professionals_document_can_be_held():
    """Given a document without a professional author, when it is held, then it is invalid."""
    with pytest.raises(ValueError, match="professional"):
        ItemFacts(kind=Category.REPORTS, hold=AnnouncementHold(held_at=NOW))


def test_a_minors_confidential_document_is_hidden_from_the_representatives_only():
    """Given a minor's document confidential from their parents, then the representatives do
    not see it, the minor holder does, and professionals see it as any other."""
    decision = access(MIDWIFE, granted(MIDWIFE))
    item = professional_deposit(
        decision, SETTINGS, Category.PRESCRIPTIONS_CARE, NOW, confidential_from_representatives=True
    )

    assert not visible_to_patient(item, Role.LEGAL_REPRESENTATIVE, NOW)
    assert visible_to_patient(item, Role.HOLDER, NOW)
    assert visible_to_professional(access(TREATING), item)


def test_masked_documents_show_to_the_representatives():
    """Given a masked document, then the legal representatives see it: masking concerns
    professionals only."""
    assert visible_to_patient(
        ItemFacts(kind=Category.OTHER, masked=True), Role.LEGAL_REPRESENTATIVE, NOW
    )


@pytest.mark.parametrize("role", [Role.PROFESSIONAL, Role.SYSTEM])
def test_the_patient_side_rule_is_not_for_others(role):
    """Given a caller outside the patient's side, then asking the patient-side rule is a bug."""
    with pytest.raises(ValueError, match="patient's side"):
        visible_to_patient(ItemFacts(kind=Category.OTHER), role, NOW)


# --------------------------------------------------------------------------- claims and storage


def test_claims_name_a_valid_rpps_and_a_known_profession():
    """Given a token's claims, then a bad RPPS is an invalid identifier and an unknown profession
    (a psychologist, 93) is not allowed; a known one becomes a professional."""
    assert Professional.from_claims(f" {DOCTOR.rpps} ", "10") == DOCTOR
    with pytest.raises(InvalidIdentifier):
        Professional.from_claims("10000000008", "10")
    with pytest.raises(ProfessionNotAllowed):
        Professional.from_claims(DOCTOR.rpps, "93")


def test_the_care_record_round_trips_through_json():
    """Given settings and a care team, when stored as JSON and read back, then nothing changes
    (the storage increment keeps them in one item)."""
    team = granted(NURSE, frozenset({Category.BIOLOGY, Section.VACCINATIONS}), GrantKind.TEAM)
    team = granted(DOCTOR, expires_at=NOW + timedelta(days=365), team=team)
    settings = PatientSettings(blocked=frozenset({OTHER.rpps}), mask_by_default=True)

    assert CareTeam.model_validate_json(team.model_dump_json()) == team
    assert PatientSettings.model_validate_json(settings.model_dump_json()) == settings


def test_kinds_parse_from_their_stored_names():
    """Given a profile section name as the API and storage spell it, then it is a Kind."""
    kinds: list[Kind] = [Section("advance-directives"), Category("biology")]
    assert ItemFacts(kind="advance-directives").kind in kinds
    assert ItemFacts(kind="biology").kind is Category.BIOLOGY
