"""The directory of professionals on fakes: searching by name and place, naming many at once,
and importing the national directory's extract (report, idempotence, batches, removals)."""

import io

import pytest

from healthspace.directory.ans_file import READ
from healthspace.directory.importer import BATCH, import_directory
from healthspace.directory.lookup import MAX_SEARCH_PAGE, Directory
from healthspace.directory.model import DirectoryQuery, department_of, normalise, search_key
from healthspace.kernel.errors import BadRequest, InvalidIdentifier, NotFound
from infra.local.demo.directory import DEMO_EXTRACT
from infra.local.demo.people import DEMO_PROFESSIONALS
from tests.fakes import FakeDirectory, FakeOpsFiles, SequentialIds
from tests.unit.test_care_access import rpps

LECLERC, BENALI = "10100123453", "10100678902"


def line(number, family="DUPONT", given="Marie", postcode="69003", town="Lyon", **cells):
    """One line of an extract whose columns are those the import reads."""
    values = {
        "Type d'identifiant PP": "8",
        "Identifiant PP": number,
        "Identification nationale PP": f"8{number}",
        "Code civilité d'exercice": "DR",
        "Libellé civilité d'exercice": "Docteur",
        "Nom d'exercice": family,
        "Prénom d'exercice": given,
        "Code profession": "10",
        "Libellé profession": "Médecin",
        "Code savoir-faire": "SM54",
        "Libellé savoir-faire": "Médecine générale (SM)",
        "Code commune (coord. structure)": "",
        "Libellé commune (coord. structure)": town,
        "Code postal (coord. structure)": postcode,
        **cells,
    }
    return "|".join(values[name] for name in READ)


def extract(*lines):
    return "|".join(READ) + "\n" + "".join(f"{text}\n" for text in lines)


def run(store, text, **options):
    reports = FakeOpsFiles()
    summary, errors = import_directory(
        store, reports, SequentialIds(), io.StringIO(text), "extract.txt", **options
    )
    return summary, errors, reports


@pytest.fixture
def demo():
    store = FakeDirectory()
    run(store, DEMO_EXTRACT.read_text(encoding="utf-8"))
    return Directory(store)


# ------------------------------------------------------------------------------------- search
def test_names_and_towns_compare_without_case_accents_or_punctuation():
    assert normalise("Le Gall") == normalise("LE-GALL") == normalise("légall") == "LEGALL"
    assert normalise("Lefèvre") == "LEFEVRE" and normalise("Cœur") == "COEUR"
    assert normalise("Saint-Étienne") == "SAINTETIENNE"


@pytest.mark.parametrize(
    ("postcode", "department"),
    [("69003", "69"), ("20000", "2A"), ("20200", "2B"), ("97400", "974"), ("75011", "75")],
)
def test_a_postcode_tells_its_department(postcode, department):
    assert department_of(postcode) == department


def test_the_demo_extract_names_the_demo_professionals(demo):
    for professional in DEMO_PROFESSIONALS:
        entry = demo.professional(professional.rpps)
        assert entry.family_name.lower() == professional.family_name.lower()
        assert entry.profession_code == professional.profession.value


def test_search_by_family_name_prefix_in_a_town_case_and_accents_aside(demo):
    page = demo.search(DirectoryQuery("leclé", town="LYON"), 10, None)
    assert [e.rpps for e in page.items] == [LECLERC]
    assert page.items[0].display_name == "Dr Sophie LECLERC"


def test_search_by_postcode_department_or_nationwide(demo):
    assert LECLERC in {
        e.rpps for e in demo.search(DirectoryQuery("le", postcode="69003"), 50, None).items
    }
    assert BENALI in {
        e.rpps for e in demo.search(DirectoryQuery("ben", department="69"), 50, None).items
    }
    assert BENALI in {e.rpps for e in demo.search(DirectoryQuery("benali"), 50, None).items}
    assert not demo.search(DirectoryQuery("benali", town="Brest"), 50, None).items


def test_a_given_name_narrows_the_whole_family_name(demo):
    both = demo.search(DirectoryQuery("Leclerc", given_name="so"), 10, None).items
    assert [e.rpps for e in both] == [LECLERC]
    assert not demo.search(DirectoryQuery("Lecl", given_name="so"), 10, None).items


def test_results_come_in_name_order_a_page_at_a_time(demo):
    first = demo.search(DirectoryQuery("ma"), 3, None)
    second = demo.search(DirectoryQuery("ma"), 3, first.next_cursor)
    keys = [search_key(e) for e in (*first.items, *second.items)]
    assert len(set(keys)) == 6 and keys == sorted(keys)
    assert all(key.startswith("MA") for key in keys)


@pytest.mark.parametrize(
    "query",
    [
        {"name": "l"},
        {"name": "--"},
        {"name": "leclerc", "town": "Lyon", "postcode": "69003"},
        {"name": "leclerc", "postcode": "6900"},
        {"name": "leclerc", "department": "99A"},
        {"name": "leclerc", "town": "--"},
    ],
)
def test_a_search_that_cannot_be_answered_is_bad_input(query):
    with pytest.raises(BadRequest):
        DirectoryQuery(**query)


@pytest.mark.parametrize("limit", [0, MAX_SEARCH_PAGE + 1])
def test_a_page_holds_1_to_50_professionals(demo, limit):
    with pytest.raises(BadRequest):
        demo.search(DirectoryQuery("ma"), limit, None)


def test_one_professional_by_rpps(demo):
    assert demo.professional(BENALI).places[0].town == "Lyon"
    with pytest.raises(NotFound):
        demo.professional(rpps(1))
    with pytest.raises(InvalidIdentifier):
        demo.professional("10100123454")


def test_many_are_named_at_once_an_unknown_one_by_its_number(demo):
    named = demo.names([LECLERC, BENALI, rpps(1), LECLERC])
    assert named[LECLERC].display_name == "Dr Sophie LECLERC"
    assert (named[BENALI].profession, named[BENALI].in_directory) == ("Pharmacien", True)
    assert named[rpps(1)].model_dump() == {
        "rpps": rpps(1),
        "display_name": f"RPPS {rpps(1)}",
        "profession": None,
        "profession_code": None,
        "specialty": None,
        "in_directory": False,
    }


# ------------------------------------------------------------------------------------- import
def test_a_professionals_lines_make_one_entry_with_each_place():
    store = FakeDirectory()
    summary, errors, reports = run(
        store,
        extract(
            line(rpps(1), postcode="69003", town="Lyon"),
            line(rpps(1), postcode="75011", town="Paris"),
            line(rpps(2), family="Le Gall", postcode="", town=""),
        ),
    )
    assert errors == [] and (summary.lines, summary.professionals, summary.added) == (3, 2, 2)
    assert [p.town for p in store.entries[rpps(1)].places] == ["Lyon", "Paris"]
    assert store.entries[rpps(2)].places == ()
    assert reports.objects[f"reports/directory-{summary.import_id}.json"]["added"] == 2


def test_bad_lines_go_to_the_report_the_others_are_imported():
    store = FakeDirectory()
    summary, errors, reports = run(
        store,
        extract(
            line(rpps(1)),
            line("10100123454"),  # Luhn
            line(rpps(3), postcode="6900"),
            line(rpps(4), **{"Type d'identifiant PP": "5"}),
            line(rpps(5), family=""),
            "8|too|few",
            line("12345678", **{"Type d'identifiant PP": "0"}),  # ADELI: not ours, not an error
        ),
    )
    assert set(store.entries) == {rpps(1)}
    assert [(e.line, e.field) for e in errors] == [
        (3, "Identifiant PP"),
        (4, "Code postal (coord. structure)"),
        (5, "Type d'identifiant PP"),
        (6, "Nom d'exercice"),
        (7, "record"),
    ]
    assert (summary.rejected_lines, summary.ignored_lines) == (5, 1)
    report = reports.objects[summary.report_key]
    assert report.splitlines()[1].startswith("3,Identifiant PP,")
    assert "10100123454" not in report and "DUPONT" not in report  # where, never the value


def test_a_file_without_the_columns_imports_nothing():
    store = FakeDirectory()
    summary, errors, _ = run(store, "Nom|Prénom\nDUPONT|Marie\n")
    assert [(e.line, e.field) for e in errors] == [(1, "file")]
    assert store.entries == {} and store.rosters == {} and summary.lines == 0


def test_importing_the_same_file_again_writes_nothing():
    store = FakeDirectory()
    text = DEMO_EXTRACT.read_text(encoding="utf-8")
    first, _, _ = run(store, text)
    store.writes.clear()
    again, errors, _ = run(store, text)
    assert errors == [] and first.added == again.unchanged == again.professionals == 200
    assert sum(store.writes) == 0 and again.removed == 0


def test_writes_go_in_rounds_of_a_hundred_professionals():
    store = FakeDirectory()
    run(store, extract(*(line(rpps(n)) for n in range(1, 2 * BATCH + 6))))
    assert store.writes == [BATCH, BATCH, 5]


def test_a_professional_whose_lines_come_apart_keeps_every_place():
    store = FakeDirectory()
    lines = [line(rpps(1), postcode="69003", town="Lyon")]
    lines += [line(rpps(n)) for n in range(2, BATCH + 3)]
    lines.append(line(rpps(1), postcode="75011", town="Paris"))
    summary, _, _ = run(store, extract(*lines))
    assert [p.town for p in store.entries[rpps(1)].places] == ["Lyon", "Paris"]
    assert summary.added == summary.professionals == BATCH + 2


def test_a_changed_professional_is_updated():
    store = FakeDirectory()
    run(store, extract(line(rpps(1)), line(rpps(2))))
    summary, _, _ = run(store, extract(line(rpps(1), town="Villeurbanne"), line(rpps(2))))
    assert (summary.updated, summary.unchanged) == (1, 1)
    assert store.entries[rpps(1)].places[0].town == "Villeurbanne"


def test_who_left_the_extract_is_removed_unless_the_file_looks_truncated():
    store = FakeDirectory()
    everyone = [line(rpps(n)) for n in range(1, 41)]
    run(store, extract(*everyone))
    summary, errors, _ = run(store, extract(*everyone[:39]))  # one of 40 left: 2.5 %
    assert summary.removed == 1 and rpps(40) not in store.entries and errors == []
    truncated, errors, _ = run(store, extract(*everyone[:20]))  # half of them: a cut file
    assert truncated.removed == 0 and len(store.entries) == 39
    assert [(e.line, e.field) for e in errors] == [(0, "file")]
    # the next whole file still knows who the cut one missed
    summary, _, _ = run(store, extract(*everyone[:38]))
    assert summary.removed == 1 and len(store.entries) == 38


def test_a_professional_whose_lines_are_all_bad_this_time_is_kept():
    store = FakeDirectory()
    run(store, extract(*(line(rpps(n)) for n in range(1, 41))))
    lines = [line(rpps(n)) for n in range(1, 40)] + [line(rpps(40), postcode="bad")]
    summary, errors, _ = run(store, extract(*lines))
    assert summary.removed == 0 and rpps(40) in store.entries and len(errors) == 1
