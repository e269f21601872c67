"""The prevention calendar through AgendaFunction, on API Gateway events, against moto: the
holder's items paged and by range, a status set with If-Match (stored as its own item with its
access-log entry), a vaccination of the profile marking its item done, a representative reading
their child's calendar, another patient kept out, a closed space refused."""

from __future__ import annotations

import itertools
import json
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from healthspace.kernel.dates import months_after
from healthspace.kernel.identifiers import make_ins
from healthspace.records.model import Holder
from tests.integration.conftest import Person
from tests.integration.test_agenda_api import agenda as agenda  # the fixture
from tests.integration.test_agenda_api import appointment, table_items
from tests.integration.test_closure import CLOSE

_women = itertools.count(1)
TODAY = datetime.now(UTC).astimezone(ZoneInfo("Europe/Paris")).date()


@pytest.fixture
def prevention(agenda):
    def call(method, path, who, body=None, headers=None, query=None):
        return agenda(method, f"/me/agenda/prevention{path}", who, body, headers, query)

    return call


@pytest.fixture
def woman(deployed):
    """A woman (her INS's first digit: 2) born on `birth_date`."""
    from healthspace.wiring.records import medical_file

    def make(birth_date: date) -> Person:
        n = next(_women)
        ins = make_ins(f"2850575{n:06d}")
        space = medical_file().spaces.open_space(
            ins, Holder(given_name="Claire", family_name="Martin", birth_date=birth_date)
        )
        return Person(f"sub-w{n}", ins, "Claire", space.space_id)

    return make


def every(prevention, who, headers=None, **query):
    items, cursor = [], None
    while True:
        ask = {"limit": "25", **query, **({"cursor": cursor} if cursor else {})}
        status, _, page = prevention("GET", "", who, headers=headers, query=ask)
        assert status == 200, page
        items += page["items"]
        if page["next_cursor"] is None:
            return {i["item_id"]: i for i in items}
        cursor = page["next_cursor"]


def test_a_woman_turning_50_sees_her_first_breast_screening_due(prevention, woman):
    claire = woman(months_after(TODAY, -50 * 12) - timedelta(days=3))  # 50 three days ago
    items = every(prevention, claire)
    breast = items["screening-breast-1"]
    assert breast["state"] == "DUE" and breast["status"] == "TO_PLAN" and breast["version"] == 0
    assert breast["window"]["from"] == (TODAY - timedelta(days=3)).isoformat()
    assert breast["source"]["title"].startswith("Programme national de dépistage organisé")
    assert len([i for i in items if i.startswith("exam-")]) == 20
    # the agenda's month: only what meets it
    first, last = TODAY.replace(day=1), months_after(TODAY.replace(day=1), 1) - timedelta(days=1)
    month = every(prevention, claire, **{"from": first.isoformat(), "to": last.isoformat()})
    assert "screening-breast-1" in month and "exam-8-days" not in month
    assert all(i["window"]["from"] <= last.isoformat() for i in month.values())


def test_a_man_has_no_breast_screening_and_cannot_mark_one(prevention, person):
    bob = person("Bob", birth_date=date(1970, 1, 1))
    assert not [i for i in every(prevention, bob) if "breast" in i or "cervical" in i]
    status, _, error = prevention(
        "PUT", "/screening-breast-1", bob, {"status": "NOT_DONE"}, {"If-Match": '"0"'}
    )
    assert (status, error["code"]) == (404, "NOT_FOUND")


def test_a_status_is_set_with_its_version_and_traced(prevention, person, agenda, api, stack_env):
    bob = person("Bob", birth_date=date(1970, 1, 1))
    path = "/checkup-45-50"
    status, headers, done = prevention(
        "PUT", path, bob, {"status": "DONE", "done_on": "2019-05-02"}, {"If-Match": '"0"'}
    )
    assert status == 200, done
    assert (done["status"], done["done_on"], done["version"]) == ("DONE", "2019-05-02", 1)
    assert headers["ETag"] == '"1"'
    [stored] = table_items(stack_env, bob.space_id, "PREVENTION#")
    assert (stored["sk"], stored["version"]) == ("PREVENTION#checkup-45-50", 1)

    stale = prevention("PUT", path, bob, {"status": "TO_PLAN"}, {"If-Match": '"0"'})
    assert (stale[0], stale[2]["code"]) == (412, "PRECONDITION_FAILED")
    missing = prevention("PUT", path, bob, {"status": "TO_PLAN"})
    assert missing[0] == 428
    for wrong in (
        {"status": "DONE"},
        {"status": "LATER"},
        {"status": "NOT_DONE", "done_on": "2019-05-02"},
        {"status": "DONE", "done_on": "2999-01-01"},
        {"status": "PLANNED", "appointment_id": "01NOSUCHAPPOINTMENT"},
    ):
        refused = prevention("PUT", path, bob, wrong, {"If-Match": '"1"'})
        assert refused[0] == 400, (wrong, refused)

    # planned with an appointment of the agenda
    status, _, booked = agenda("POST", "/me/agenda/appointments", bob, appointment())
    assert status == 201, booked
    planned = {"status": "PLANNED", "appointment_id": booked["appointment_id"]}
    status, _, item = prevention("PUT", path, bob, planned, {"If-Match": '"1"'})
    assert status == 200, item
    assert (item["status"], item["appointment_id"], item["version"]) == (
        "PLANNED",
        booked["appointment_id"],
        2,
    )
    assert every(prevention, bob)["checkup-45-50"]["status"] == "PLANNED"

    log = api("GET", "/me/access-log", bob, query={"limit": "100"})[2]["items"]
    traced = [
        (e["action"], e["object"].get("id"))
        for e in log
        if e["object"]["type"] == "agenda/prevention"
    ]
    assert ("UPDATE", "checkup-45-50") in traced and ("READ", None) in traced


def test_a_vaccination_in_the_profile_marks_its_item_done(prevention, person, api):
    born = months_after(TODAY, -12) - timedelta(days=3)  # a year old three days ago
    parent = person("Paul")
    child = person("Léo", represented_by=parent, birth_date=born)
    for_child = {"X-Space-Id": child.space_id}
    given = months_after(born, 2).isoformat()
    status, _, entry = api(
        "POST",
        "/me/profile/vaccinations",
        parent,
        body={"vaccine": "Infanrix hexa", "date": given},
        headers=for_child,
    )
    assert status == 201, entry
    items = every(prevention, parent, headers=for_child)
    first = items["vacc-hexavalent-1"]
    assert (first["status"], first["done_on"], first["profile_entry_id"]) == (
        "DONE",
        given,
        entry["entry_id"],
    )
    assert items["exam-month-13"]["state"] == "DUE"
    assert items["vacc-hexavalent-2"]["status"] == "TO_PLAN"
    # the representative marks the child's 9-month examination done
    status, _, marked = prevention(
        "PUT",
        "/exam-month-9",
        parent,
        {"status": "DONE", "done_on": months_after(born, 8).isoformat()},
        {"If-Match": "0", **for_child},
    )
    assert status == 200, marked


def test_another_patient_never_reaches_a_calendar_not_theirs(prevention, person):
    alice, bob = person("Alice"), person("Bob")
    headers = {"X-Space-Id": alice.space_id}
    assert prevention("GET", "", bob, headers=headers)[0] == 404
    put = prevention(
        "PUT", "/checkup-45-50", bob, {"status": "NOT_DONE"}, {"If-Match": "0", **headers}
    )
    assert put[0] == 404


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ({"from": "2026-02-31"}, "BAD_REQUEST"),
        ({"from": "2026-03-01", "to": "2026-02-01"}, "BAD_REQUEST"),
        ({"from": "1 March"}, "VALIDATION_ERROR"),
        ({"cursor": "2026-01-01.NOT-OURS"}, "BAD_REQUEST"),
        ({"limit": "0"}, "VALIDATION_ERROR"),
    ],
)
def test_a_query_that_cannot_be_read_is_refused(prevention, person, query, code):
    status, _, error = prevention("GET", "", person("Alice"), query=query)
    assert (status, error["code"]) == (400, code)


def test_a_closed_space_refuses_its_calendar(prevention, person, api):
    alice = person("Alice")
    assert api("POST", "/me/closure", alice, body=CLOSE)[0] == 200
    for method, path, body in (
        ("GET", "", None),
        ("PUT", "/checkup-45-50", {"status": "NOT_DONE"}),
    ):
        status, _, error = prevention(method, path, alice, body, {"If-Match": "0"})
        assert (status, error["code"]) == (403, "SPACE_CLOSED")


def test_the_openapi_document_declares_every_answer(deployed):
    from functions.agenda.app import app  # its settings: the deployed stack's environment

    paths = json.loads(app.get_openapi_json_schema())["paths"]
    listed = paths["/me/agenda/prevention"]["get"]
    assert {"200", "400", "401", "403", "404"} <= set(listed["responses"])
    assert {p["name"] for p in listed["parameters"]} >= {"from", "to", "limit", "cursor"}
    marked = paths["/me/agenda/prevention/{item_id}"]["put"]
    assert {"200", "400", "401", "403", "404", "412", "428"} <= set(marked["responses"])
    assert "If-Match" in {p["name"] for p in marked["parameters"]}
    ref = marked["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    schemas = json.loads(app.get_openapi_json_schema())["components"]["schemas"]
    body = schemas[ref.rsplit("/", 1)[1]]
    assert set(body["properties"]) == {"status", "appointment_id", "done_on"}
    statuses = schemas[body["properties"]["status"]["$ref"].rsplit("/", 1)[1]]["enum"]
    assert set(statuses) == {"TO_PLAN", "PLANNED", "DONE", "NOT_DONE"}
