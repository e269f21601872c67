"""The access history's filters and titles on moto (issue 11, item 6): `actor=professionals` and
`emergency=true` are applied by the store as it reads, a bounded stretch per page, so that
walking the cursors finds every matching entry and no other; the documents named carry their
title."""

import json
from datetime import UTC, datetime, timedelta

import pytest

from healthspace.records.model import (
    AccessedObject,
    AccessLogEntry,
    Action,
    Author,
    HistoryFilter,
    Role,
)
from tests.integration.test_announcement_holds import deposit
from tests.unit.test_care_access import rpps

LOG = "/me/access-log"
NASTY = 'Dr "actor":{"kind":"PROFESSIONAL" "emergency_reason":"x'


def entry(space_id, n, *, professional=False, emergency=False, name=NASTY):
    """The n-th entry of a space's history (larger n: newer), a patient's read by default."""
    actor = (
        Author.professional(rpps(n % 50 + 1))
        if professional
        else Author(kind="PATIENT", id="sub-x", display_name=name)
    )
    return AccessLogEntry(
        entry_id=f"{n:026d}",
        at=datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=n),
        actor=actor,
        role=Role.PROFESSIONAL if professional else Role.HOLDER,
        action=Action.READ,
        object=AccessedObject(type="document", id=f"doc-{n}"),
        space_id=space_id,
        emergency_reason="Malaise, patient inconscient" if emergency else None,
    )


@pytest.fixture
def history(person):
    """Alice's history of 40 entries: professionals' reads at every multiple of 3, emergency
    accesses at 2, 9 and 33; the others her own reads, named so as to imitate what a filter
    looks for."""
    from healthspace.wiring.records import medical_file

    alice = person("Alice")
    store = medical_file().store
    for n in range(1, 41):
        emergency = n in (2, 9, 33)
        pro = emergency or n % 3 == 0
        store.append_access_log(entry(alice.space_id, n, professional=pro, emergency=emergency))
    return alice


def walk(api, who, query):
    """Every page of a filtered history: the entries' numbers, and the pages' sizes."""
    numbers, sizes, cursor = [], [], None
    while True:
        status, _, page = api(
            "GET", LOG, who, query={**query, **({"cursor": cursor} if cursor else {})}
        )
        assert status == 200, page
        sizes.append(len(page["items"]))
        numbers += [int(e["entry_id"]) for e in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            return numbers, sizes


@pytest.fixture
def small_reads(monkeypatch):
    """A filtered page reads 4 entries a Query and 10 at most (1000 and 200 in production)."""
    from healthspace.adapters.dynamodb import table

    monkeypatch.setattr(table, "MAX_FILTERED_READ", 10)
    monkeypatch.setattr(table, "_FILTERED_READ_PAGE", 4)


def test_the_professionals_filter_walks_every_professional_act_and_nothing_else(api, history):
    expected = [n for n in range(40, 0, -1) if n in (2, 9, 33) or n % 3 == 0]
    numbers, sizes = walk(api, history, {"actor": "professionals", "limit": "5"})
    assert numbers == expected
    assert max(sizes) <= 5


def test_emergency_accesses_are_found_a_bounded_stretch_at_a_time(api, history, small_reads):
    numbers, sizes = walk(api, history, {"emergency": "true", "limit": "2"})
    assert numbers == [33, 9, 2]
    # 40 entries read 10 at most per page: 4 pages at least, some of them empty.
    assert len(sizes) >= 4 and 0 in sizes and max(sizes) <= 2
    both, _ = walk(api, history, {"emergency": "true", "actor": "professionals"})
    assert both == [33, 9, 2]


def test_a_full_page_ending_inside_a_query_resumes_after_its_last_entry(api, history, small_reads):
    numbers, sizes = walk(api, history, {"actor": "professionals", "limit": "1"})
    assert numbers == [n for n in range(40, 0, -1) if n in (2, 9, 33) or n % 3 == 0]
    assert set(sizes) <= {0, 1}


def test_the_unfiltered_history_is_unchanged(api, history):
    numbers, sizes = walk(api, history, {"limit": "100"})
    assert numbers == list(range(40, 0, -1)) and sizes == [40]


@pytest.mark.parametrize(
    "query",
    [{"actor": "patients"}, {"emergency": "maybe"}, {"actor": ""}],
)
def test_an_unknown_filter_is_a_400(api, person, query):
    status, _, body = api("GET", LOG, person("Bob"), query=query)
    assert status == 400 and body["code"], body


def test_a_cursor_stays_in_its_space(api, history, person):
    _, _, page = api("GET", LOG, history, query={"actor": "professionals", "limit": "1"})
    status, _, _ = api("GET", LOG, person("Eve"), query={"cursor": page["next_cursor"]})
    assert status == 400


def test_the_stored_json_is_what_the_filters_look_for():
    """The filters read the entity's JSON: a professional actor and a reason (a string) are
    found by the patterns, a patient named like them and a null reason are not."""
    from healthspace.adapters.dynamodb.table import _EMERGENCY, _PROFESSIONAL_ACTOR

    for pro, emergency in [(False, False), (True, False), (True, True)]:
        body = entry("s", 1, professional=pro, emergency=emergency).model_dump_json()
        assert (_PROFESSIONAL_ACTOR in body) is pro
        assert (_EMERGENCY in body) is emergency
    assert HistoryFilter(emergency=True).matches(entry("s", 1, professional=True, emergency=True))


def test_the_history_gives_the_titles_of_the_documents_it_names(api, person):
    alice = person("Alice")
    document_id = deposit(alice, "lab-1")
    assert api("GET", f"/me/documents/{document_id}", alice)[0] == 200
    log = api("GET", LOG, alice)[2]["items"]
    about = [e["object"] for e in log if e["object"].get("id") == document_id]
    assert about and all(o["title"] == "Biopsie" for o in about)
    assert all("title" not in e["object"] for e in log if e["object"].get("id") != document_id)


def test_the_filters_are_in_the_openapi_document(openapi):
    operation = openapi["paths"]["/me/access-log"]["get"]
    parameters = {p["name"]: p for p in operation["parameters"]}
    assert {"limit", "cursor", "actor", "emergency"} <= set(parameters)
    assert "professionals" in json.dumps(parameters["actor"]["schema"])
    assert "boolean" in json.dumps(parameters["emergency"]["schema"])
    assert {"200", "400"} <= set(operation["responses"])
