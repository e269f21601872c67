"""Importing a population file into enrollment, on fakes: notify, report, manifest, re-import."""

import io

from healthspace.enrollment.importer import import_population
from healthspace.enrollment.model import EnrollmentStatus
from healthspace.kernel.identifiers import make_ins
from tests.unit.test_enrollment import World

PARENT, CHILD, SINGLE = (
    make_ins("1800175000001"),
    make_ins("2150175000002"),
    make_ins("2450175000003"),
)
HEADER = "ins;birth_date;given_name;family_name;email;mobile;postal_code;city;address_line1"
CSV = f"""{HEADER};representative_ins
{CHILD};2015-01-01;Zoé;Petit;;;;;;{PARENT}
{PARENT};1980-01-01;Marc;Petit;marc@example.org;;;;;
{SINGLE};1945-01-01;Jeanne;Roux;;;75011;Paris;3 rue des Lilas;
123;1990-01-01;Bad;Line;bad@example.org;;;;;
"""


def run(world, text=CSV, max_lines=None):
    return import_population(
        world.enrollments,
        io.StringIO(text),
        "csv",
        "pop.csv",
        world.clock.now().date(),
        max_lines=max_lines,
    )


def test_good_lines_are_notified_bad_ones_reported():
    world = World()
    summary, errors = run(world)
    assert (summary.lines, summary.notified, summary.rejected_lines) == (4, 3, 1)
    assert [(e.line, e.field) for e in errors] == [(5, "ins")]
    assert world.files.objects[summary.report_key].splitlines()[1].startswith("5,ins,")
    assert world.store.get_enrollment(CHILD).recipient.email == "marc@example.org"
    # Jeanne's letter was handed to the mail house: only then is she counted as told.
    assert (world.notifier.letters_written, world.notifier.letters_buffered) == (1, 0)
    assert world.store.get_enrollment(SINGLE).notified_at is not None


def test_the_notified_are_in_their_waves_manifest():
    world = World()
    run(world)
    wave_id = world.store.get_enrollment(PARENT).wave_id
    chunks = world.files.list_keys(f"waves/{wave_id}/chunks/")
    people = [ins for key in chunks for ins in world.files.objects[key]["ins"]]
    assert sorted(people) == sorted([PARENT, CHILD, SINGLE])


def test_reimporting_notifies_nobody_twice_and_keeps_the_pending_in_the_manifest():
    world = World()
    run(world)
    codes = dict(world.notifier.codes)
    world.enrollments.oppose(SINGLE, world.store.get_enrollment(SINGLE).birth_date, codes[SINGLE])
    summary, _ = run(world)
    assert (summary.notified, summary.already_enrolled) == (0, 3)
    assert world.notifier.codes == codes
    wave_id = world.store.get_enrollment(PARENT).wave_id
    latest = world.files.list_keys(f"waves/{wave_id}/chunks/{summary.import_id}")
    assert sorted(world.files.objects[latest[0]]["ins"]) == sorted([PARENT, CHILD])
    assert world.store.get_enrollment(SINGLE).status is EnrollmentStatus.OPPOSED


def test_a_letter_not_handed_to_the_mail_house_is_nobody_told():
    """The batch file could not be written: Jeanne stays untold (the timer will not activate
    her) and the import fails, so that its retry sends her a letter with a new code."""
    world = World()
    world.notifier.flush_fails = True
    try:
        run(world)
    except RuntimeError:
        pass
    else:
        raise AssertionError("the import should fail when its letters cannot be written")
    assert world.store.get_enrollment(SINGLE).notified_at is None
    assert world.store.get_enrollment(PARENT).notified_at is not None  # by email
    # The manifest was still written: the timer knows everyone, and skips the untold.
    wave_id = world.store.get_enrollment(PARENT).wave_id
    assert world.files.list_keys(f"waves/{wave_id}/chunks/")
    first_code = world.notifier.codes[SINGLE]

    world.notifier.flush_fails = False
    summary, _ = run(world)  # the retry

    assert (summary.notified, summary.already_enrolled) == (1, 2)
    assert world.store.get_enrollment(SINGLE).notified_at is not None
    assert world.notifier.codes[SINGLE] != first_code
    assert world.store.wave_counts(wave_id).notified == 3


def test_a_failed_notification_still_writes_the_letters_and_manifest_of_the_others():
    world = World()
    sent = world.notifier.send_code

    def throttled_for_marc(enrollment, code):
        if enrollment.ins in (PARENT, CHILD):  # both go to Marc's address
            raise RuntimeError("Throttling")
        return sent(enrollment, code)

    world.notifier.send_code = throttled_for_marc
    try:
        run(world)
    except RuntimeError:
        pass
    else:
        raise AssertionError("a failed notification should fail the import (S3 retries it)")
    assert world.notifier.letters_written == 1
    assert world.store.get_enrollment(SINGLE).notified_at is not None
    wave_id = world.store.get_enrollment(SINGLE).wave_id
    people = [
        ins
        for key in world.files.list_keys(f"waves/{wave_id}/chunks/")
        for ins in world.files.objects[key]["ins"]
    ]
    assert SINGLE in people


def test_a_file_over_the_limit_is_refused_whole_before_anyone_is_notified():
    world = World()
    summary, errors = run(world, max_lines=2)
    [error] = errors
    assert (error.line, error.field) == (4, "file")  # the third record, on line 4
    assert "more than 2 records" in error.reason
    assert (summary.notified, summary.errors) == (0, 1)
    assert world.store.enrollments == {} and world.notifier.codes == {}
    assert world.files.objects[summary.report_key].splitlines()[1].startswith("4,file,")
    # At the limit, the file goes through.
    summary, _ = run(world, max_lines=4)
    assert summary.notified == 3
