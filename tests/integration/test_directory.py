"""The directory of professionals on moto: the import of an extract into the table (through the
CLI too), the patients' search routes, and the professionals named in /me/care and the history."""

import json

import boto3
import pytest

from infra.local.demo.directory import DEMO_EXTRACT
from tests.unit.test_care_access import rpps
from tests.unit.test_directory import extract, line

LECLERC, BENALI = "10100123453", "10100678902"
SEARCH = "/directory/professionals"


@pytest.fixture
def demo_directory(deployed):
    from healthspace.wiring.directory_import import import_extract

    with DEMO_EXTRACT.open(encoding="utf-8") as stream:
        summary, errors = import_extract(stream, DEMO_EXTRACT.name)
    assert errors == [] and summary.added == 200
    return summary


def test_the_import_writes_each_professional_once_and_reports_in_the_ops_bucket(
    demo_directory, stack_env
):
    from healthspace.wiring.directory_import import import_extract

    report = boto3.client("s3").get_object(
        Bucket=stack_env["OPS_BUCKET"], Key=f"reports/directory-{demo_directory.import_id}.json"
    )
    assert json.loads(report["Body"].read())["professionals"] == 200
    with DEMO_EXTRACT.open(encoding="utf-8") as stream:
        again, _ = import_extract(stream, DEMO_EXTRACT.name)
    assert (again.added, again.updated, again.unchanged, again.removed) == (0, 0, 200, 0)


def test_who_left_the_extract_is_removed_with_every_search_key(deployed, api, person):
    import io

    from healthspace.wiring.directory_import import import_extract

    everyone = [
        line(rpps(n), family="Kerouac", town="Brest", postcode="29200") for n in range(1, 31)
    ]
    import_extract(io.StringIO(extract(*everyone)), "first.txt")
    summary, _ = import_extract(io.StringIO(extract(*everyone[1:])), "second.txt")
    assert summary.removed == 1
    alice = person("Alice")
    for query in ({"town": "brest"}, {"postcode": "29200"}, {"department": "29"}, {}):
        status, _, page = api(
            "GET", SEARCH, alice, query={"name": "kerouac", "limit": "50", **query}
        )
        assert status == 200 and len(page["items"]) == 29, query
        assert rpps(1) not in {item["rpps"] for item in page["items"]}
    assert api("GET", f"{SEARCH}/{rpps(1)}", alice)[0] == 404


def test_the_cli_imports_a_file_and_says_what_it_did(deployed, tmp_path, capsys):
    from infra.cli.__main__ import main

    good = tmp_path / "PS_LibreAcces_Personne_activite_202612030000.txt"
    good.write_text(extract(line(rpps(1)), line(rpps(2))), encoding="utf-8")
    assert main(["directory", "import", str(good)]) == 0
    assert "2 professionals: 2 added" in capsys.readouterr().out
    bad = tmp_path / "bad.txt"
    bad.write_text(extract(line(rpps(1)), line("10100123454")), encoding="utf-8")
    assert main(["directory", "import", str(bad)]) == 1
    shown = capsys.readouterr().out
    assert "line 3, Identifiant PP" in shown and "error report: s3://" in shown


def test_a_patient_searches_by_name_and_place_a_page_at_a_time(demo_directory, api, person):
    alice = person("Alice")
    status, _, page = api("GET", SEARCH, alice, query={"name": "Lecl", "town": "LYON"})
    assert status == 200 and page["next_cursor"] is None
    assert page["items"] == [
        {
            "rpps": LECLERC,
            "title": "Dr",
            "given_name": "Sophie",
            "family_name": "LECLERC",
            "display_name": "Dr Sophie LECLERC",
            "profession_code": "10",
            "profession": "Médecin",
            "specialty": "Médecine générale (SM)",
            "places": [{"town": "Lyon", "postcode": "69003"}],
        }
    ]
    first = api("GET", SEARCH, alice, query={"name": "ma", "limit": "2"})[2]
    second = api(
        "GET", SEARCH, alice, query={"name": "ma", "limit": "2", "cursor": first["next_cursor"]}
    )[2]
    seen = [item["rpps"] for item in first["items"] + second["items"]]
    assert len(set(seen)) == 4
    # a cursor is bound to its search: another partition's or prefix's is refused
    for other in ({"name": "mo"}, {"name": "ma", "department": "75"}):
        status, _, error = api(
            "GET", SEARCH, alice, query={**other, "cursor": first["next_cursor"]}
        )
        assert (status, error["code"]) == (400, "BAD_REQUEST")


@pytest.mark.parametrize(
    "query",
    [
        {"name": "a"},
        {"name": "--"},
        {"name": "martin", "limit": "51"},
        {"name": "martin", "postcode": "75"},
        {"name": "martin", "town": "Lyon", "department": "69"},
        {"name": "martin", "cursor": "not-a-cursor"},
        {},
    ],
)
def test_a_search_it_cannot_answer_is_a_400(deployed, api, person, query):
    status, _, error = api("GET", SEARCH, person("Alice"), query=query)
    assert status == 400 and set(error) == {"code", "message"}


def test_one_professional_by_rpps(demo_directory, api, person):
    alice = person("Alice")
    status, _, found = api("GET", f"{SEARCH}/{BENALI}", alice)
    assert status == 200 and [p["postcode"] for p in found["places"]] == ["69003", "69007"]
    assert api("GET", f"{SEARCH}/{rpps(1)}", alice)[0] == 404
    assert api("GET", f"{SEARCH}/10100123454", alice)[2]["code"] == "INVALID_IDENTIFIER"


def test_only_a_patients_token_reads_the_directory(demo_directory, api, person):
    professional = {"sub": "pro-1", "custom:rpps": LECLERC, "token_use": "id"}
    alice = person("Alice")
    for path in (SEARCH, f"{SEARCH}/{LECLERC}"):
        status, _, error = api("GET", path, alice, query={"name": "lecl"}, claims=professional)
        assert (status, error["code"]) == (401, "UNAUTHORIZED")


def _change(api, who, method, path, body=None):
    version = api("GET", "/me/care", who)[2]["version"]
    status, _, care = api(method, path, who, body=body, headers={"If-Match": str(version)})
    assert status == 200, care
    return care


def test_the_care_record_and_the_history_name_each_professional(demo_directory, api, person):
    alice = person("Alice")
    _change(api, alice, "PUT", "/me/care/treating-doctor", {"rpps": LECLERC})
    _change(api, alice, "PUT", f"/me/care/team/{BENALI}", {"scope": ["allergies"]})
    care = _change(api, alice, "PUT", f"/me/care/blocked/{rpps(7)}")  # not in the directory
    assert care["treating_doctor"]["professional"] == {
        "rpps": LECLERC,
        "display_name": "Dr Sophie LECLERC",
        "profession": "Médecin",
        "profession_code": "10",
        "specialty": "Médecine générale (SM)",
        "in_directory": True,
    }
    assert care["team"][0]["rpps"] == BENALI and care["team"][0]["scope"] == ["allergies"]
    assert care["team"][0]["professional"]["display_name"] == "Karim BENALI"
    assert care["blocked"] == [rpps(7)]  # unchanged, beside its named twin
    assert care["blocked_professionals"] == [
        {
            "rpps": rpps(7),
            "display_name": f"RPPS {rpps(7)}",
            "profession": None,
            "profession_code": None,
            "specialty": None,
            "in_directory": False,
        }
    ]
    assert api("GET", "/me/care", alice)[2] == care
    history = api("GET", "/me/access-log", alice)[2]["items"]
    named = {e["object"]["type"]: e["object"].get("professional") for e in history}
    assert named["care/treating-doctor"]["display_name"] == "Dr Sophie LECLERC"
    assert named["care/blocked"]["in_directory"] is False
    assert all("professional" not in e["actor"] for e in history)  # the patient acted


def test_the_history_names_a_professional_actor(demo_directory, api, person):
    from healthspace.records.model import Action, Author, Role
    from healthspace.wiring.records import medical_file

    alice = person("Alice")
    entry = medical_file().history.entry_of(
        alice.space_id, Author.professional(LECLERC), Role.PROFESSIONAL, Action.READ, "document"
    )
    medical_file().store.append_access_log(entry)
    shown = api("GET", "/me/access-log", alice)[2]["items"][0]
    assert shown["actor"]["id"] == f"rpps:{LECLERC}"  # as before
    assert shown["actor"]["professional"]["display_name"] == "Dr Sophie LECLERC"


def test_the_treating_doctors_profession_is_read_in_the_directory(demo_directory, api, person):
    alice = person("Alice")
    doctor = {"rpps": BENALI, "profession": "10"}  # a pharmacist, claimed a médecin
    status, _, body = api(
        "PUT", "/me/care/treating-doctor", alice, body=doctor, headers={"If-Match": "0"}
    )
    assert status == 400 and "médecin" in body["message"]
    care = _change(api, alice, "PUT", "/me/care/treating-doctor", {"rpps": LECLERC})
    assert care["treating_doctor"]["rpps"] == LECLERC
