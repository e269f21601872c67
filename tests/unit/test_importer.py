"""Importing a population file into enrollment, on fakes: notify, report, manifest, re-import."""

import io

from healthspace.enrollment import EnrollmentStatus
from healthspace.identifiers import make_ins
from healthspace.importer import import_population
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


def run(world, text=CSV):
    return import_population(
        world.enrollments, io.StringIO(text), "csv", "pop.csv", world.clock.now().date()
    )


def test_good_lines_are_notified_bad_ones_reported():
    world = World()
    summary, errors = run(world)
    assert (summary.lines, summary.notified, summary.rejected_lines) == (4, 3, 1)
    assert [(e.line, e.field) for e in errors] == [(5, "ins")]
    assert world.files.objects[summary.report_key].splitlines()[1].startswith("5,ins,")
    assert world.store.get_enrollment(CHILD).recipient.email == "marc@example.org"
    assert world.notifier.flushed


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
