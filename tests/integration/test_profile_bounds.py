"""A section filled to its cap with its heaviest entries stays readable by every reader, page by
page, every answer under Lambda's 6 MB (issue 10, section 2: 1,250 advance directives of 5 KB
once made the profile answer 502); the cap holds under concurrent adds; a cursor never leaves its
space or its section. The partner API reads no profile section (documents only), so partners
have no reader here."""

from concurrent.futures import ThreadPoolExecutor
from threading import Barrier
from urllib.parse import quote

import pytest

from healthspace.api.common import MAX_RESPONSE_BYTES, response_bytes
from healthspace.kernel.errors import LimitReached
from healthspace.records.sections import MAX_ENTRIES, SUMMARY_PAGE
from infra.local.sample_events import api_event, api_result
from tests.integration.test_professionals_api import claims
from tests.unit.test_care_access import rpps
from tests.unit.test_profile_bounds import HEAVIEST

SECTION = "advance-directives"
CAP = MAX_ENTRIES[SECTION]
DOCTOR, RESCUER = rpps(61), rpps(62)


@pytest.fixture
def call(deployed):
    """A function's raw proxy response (to weigh it) and its decoded (status, body)."""
    registry = deployed[1]

    def invoke(function, method, path, who, body=None, headers=None, query=None):
        resource = "/pro/{proxy+}" if function == "ProfessionalsFunction" else None
        event = api_event(method, path, who, body, headers, query, resource=resource)
        response = registry.invoke(function, event)
        size = response_bytes(response)
        assert size <= MAX_RESPONSE_BYTES, f"{method} {path}: {size:,} bytes"
        status, _, decoded = api_result(response)
        return status, decoded, size

    return invoke


@pytest.fixture
def full_file(person, call):
    """Léa's file, her advance directives filled to the cap by her parent, every entry at its
    heaviest; her treating doctor designated by the parent."""
    parent = person("Anne")
    lea = person("Léa", represented_by=parent)
    on_lea = {"X-Space-Id": lea.space_id}
    for n in range(CAP):
        status, body, _ = call(
            "RecordsFunction",
            "POST",
            f"/me/profile/{SECTION}",
            parent.claims,
            HEAVIEST[SECTION],
            on_lea,
        )
        assert status == 201, (n, body)
    doctor = {"rpps": DOCTOR}
    status, body, _ = call(
        "RecordsFunction",
        "PUT",
        "/me/care/treating-doctor",
        parent.claims,
        doctor,
        {**on_lea, "If-Match": "0"},
    )
    assert status == 200, body
    return parent, lea


def test_a_full_section_refuses_the_next_entry_naming_its_cap(full_file, call):
    _, lea = full_file
    status, body, _ = call(
        "RecordsFunction",
        "POST",
        f"/me/profile/{SECTION}",
        lea.claims,
        HEAVIEST[SECTION],
    )
    assert (status, body) == (
        409,
        {
            "code": "LIMIT_REACHED",
            "message": f"{SECTION} holds at most {CAP} entries: remove one before adding another",
        },
    )
    # Removing one makes room for exactly one
    status, page, _ = call(
        "RecordsFunction", "GET", f"/me/profile/{SECTION}", lea.claims, query={"limit": "1"}
    )
    entry_id = page["items"][0]["entry_id"]
    assert (
        call("RecordsFunction", "DELETE", f"/me/profile/{SECTION}/{entry_id}", lea.claims)[0] == 204
    )
    assert (
        call("RecordsFunction", "POST", f"/me/profile/{SECTION}", lea.claims, HEAVIEST[SECTION])[0]
        == 201
    )
    assert (
        call("RecordsFunction", "POST", f"/me/profile/{SECTION}", lea.claims, HEAVIEST[SECTION])[0]
        == 409
    )


def referred(call, patient, who, headers=None):
    """The professional's path to the patient's profile: the INS resolved once, in a body."""
    body = {"ins": patient.ins}
    path = "/pro/patient-references"
    status, answer, _ = call("ProfessionalsFunction", "POST", path, who, body, headers)
    assert status == 201, answer
    return f"/pro/patients/{answer['reference']}/profile"


def test_every_reader_reads_a_full_section_page_by_page_under_the_limit(full_file, call):
    parent, lea = full_file
    emergency = {"X-Emergency-Reason": quote("inconsciente, directives ?")}
    readers = {
        "holder": ("RecordsFunction", "/me/profile", lea.claims, None),
        "representative": (
            "RecordsFunction",
            "/me/profile",
            parent.claims,
            {"X-Space-Id": lea.space_id},
        ),
        "treating doctor": (
            "ProfessionalsFunction",
            referred(call, lea, claims(DOCTOR)),
            claims(DOCTOR),
            None,
        ),
        "break-glass": (
            "ProfessionalsFunction",
            referred(call, lea, claims(RESCUER), emergency),
            claims(RESCUER),
            emergency,
        ),
    }
    for reader, (function, base, who, headers) in readers.items():
        # The summary: the section's first page and the way on
        status, summary, size = call(function, "GET", base, who, headers=headers)
        assert status == 200, (reader, summary)
        first = summary["sections"][SECTION]
        assert len(first["items"]) == min(SUMMARY_PAGE, CAP), reader
        # The section, 7 at a time, following next_cursor to the end
        seen, cursor, sizes = [], None, []
        while True:
            query = {"limit": "7", **({"cursor": cursor} if cursor else {})}
            status, page, size = call(
                function, "GET", f"{base}/{SECTION}", who, headers=headers, query=query
            )
            assert status == 200, (reader, page)
            seen += [entry["entry_id"] for entry in page["items"]]
            sizes.append(size)
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert len(seen) == len(set(seen)) == CAP, reader
        assert seen[: len(first["items"])] == [
            e["entry_id"] for e in first["items"]
        ]  # newest first
        assert all(e["content"] == HEAVIEST[SECTION]["content"] for e in page["items"])
        # The whole section in one page of the most a page may hold
        status, whole, size = call(
            function, "GET", f"{base}/{SECTION}", who, headers=headers, query={"limit": "100"}
        )
        assert (status, len(whole["items"]), whole["next_cursor"]) == (200, CAP, None), reader
        print(f"{reader}: summary and pages of {max(sizes):,} bytes at most; whole: {size:,}")


def test_concurrent_adds_never_pass_the_cap(person):
    from healthspace.records.access import Caller
    from healthspace.wiring.records import medical_file

    lea = person("Léa")
    profile = medical_file().profile
    holder = medical_file().spaces.policy.resolve(Caller(lea.subject, lea.ins, "Léa"), None)
    cap = MAX_ENTRIES["contacts"]
    contact = {"kind": "trusted-person", "name": "Paul", "phone": "0612345678"}
    start_together = Barrier(cap + 10)

    def add(_: int) -> bool:
        start_together.wait()
        try:
            profile.add_entry(holder, "contacts", contact)
        except LimitReached:
            return False
        return True

    with ThreadPoolExecutor(max_workers=cap + 10) as pool:
        added = list(pool.map(add, range(cap + 10)))

    assert added.count(True) == cap
    assert len(profile.list_section(holder, "contacts", 100, None).items) == cap


def test_a_cursor_never_leaves_its_space_or_its_section(person, call):
    alice, bob = person("Alice"), person("Bob")
    contact = {"kind": "trusted-person", "name": "Paul", "phone": "0612345678"}
    for who in (alice, bob):
        for _ in range(2):
            assert (
                call("RecordsFunction", "POST", "/me/profile/contacts", who.claims, contact)[0]
                == 201
            )
    status, page, _ = call(
        "RecordsFunction", "GET", "/me/profile/contacts", alice.claims, query={"limit": "1"}
    )
    alices = page["next_cursor"]
    assert status == 200 and alices
    # Bob cannot read on from Alice's cursor, nor can Alice bend it to another section
    for who, path in ((bob, "/me/profile/contacts"), (alice, "/me/profile/allergies")):
        status, body, _ = call("RecordsFunction", "GET", path, who.claims, query={"cursor": alices})
        assert (status, body["code"]) == (400, "BAD_REQUEST"), path
    status, body, _ = call(
        "RecordsFunction", "GET", "/me/profile/contacts", alice.claims, query={"cursor": "x" * 50}
    )
    assert status == 400
