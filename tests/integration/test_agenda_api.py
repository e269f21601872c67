"""The agenda's appointments through AgendaFunction, on API Gateway events, against moto: add,
list by range with overlaps, edit with If-Match, cancel, the month's cap, the start index
written in the same transaction, another patient kept out, a closed space refused."""

from __future__ import annotations

import boto3
import pytest

from infra.local.sample_events import api_event, api_result

PARIS = "Europe/Paris"


@pytest.fixture
def agenda(deployed):
    """Calls the agenda function as API Gateway's proxy integration would."""
    registry = deployed[1]

    def call(method, path, who, body=None, headers=None, query=None):
        event = api_event(
            method, path, who.claims, body, headers, query, resource="/me/agenda/{proxy+}"
        )
        return api_result(registry.invoke("AgendaFunction", event))

    return call


def appointment(start="2030-03-04T09:30:00", end="2030-03-04T10:00:00", **more):
    return {
        "start_local": start,
        "end_local": end,
        "time_zone": PARIS,
        "professional_name": "Dr Lefèvre",
        **more,
    }


def table_items(stack_env, space_id, prefix):
    table = boto3.resource("dynamodb").Table(stack_env["TABLE_NAME"])
    found = table.query(
        KeyConditionExpression="pk = :pk AND begins_with(sk, :sk)",
        ExpressionAttributeValues={":pk": f"SPACE#{space_id}", ":sk": prefix},
    )
    return found["Items"]


def test_a_patient_adds_lists_and_sees_overlaps(agenda, person, stack_env):
    alice = person("Alice")
    status, headers, first = agenda("POST", "/me/agenda/appointments", alice, appointment())
    assert status == 201, first
    assert headers["ETag"] == '"1"'
    assert first["status"] == "BOOKED"
    assert first["overlaps"] == []
    assert first["booked_by"]["kind"] == "PATIENT"

    later = appointment("2030-03-04T09:45:00", "2030-03-04T11:00:00", facility="CHU")
    status, _, second = agenda("POST", "/me/agenda/appointments", alice, later)
    assert status == 201, second
    assert second["overlaps"] == [first["appointment_id"]]

    query = {"from": "2030-03-01T00:00:00+01:00", "to": "2030-04-01T00:00:00+02:00"}
    status, _, page = agenda("GET", "/me/agenda/appointments", alice, query=query)
    assert status == 200, page
    assert [a["appointment_id"] for a in page["items"]] == [
        first["appointment_id"],
        second["appointment_id"],
    ]
    assert page["items"][0]["overlaps"] == [second["appointment_id"]]

    starts = table_items(stack_env, alice.space_id, "APPTSTART#")
    assert {s["gsi1pk"] for s in starts} == {"STARTS#2030-03-04T08:30", "STARTS#2030-03-04T08:45"}


def test_edits_need_the_version_read_and_move_the_start_index(agenda, person, stack_env):
    bob = person("Bob")
    _, _, added = agenda("POST", "/me/agenda/appointments", bob, appointment())
    path = f"/me/agenda/appointments/{added['appointment_id']}"
    moved = appointment("2030-03-05T14:00:00", "2030-03-05T14:30:00", reason="Contrôle")

    assert agenda("PUT", path, bob, moved)[0] == 428  # no If-Match
    assert agenda("PUT", path, bob, moved, headers={"If-Match": '"7"'})[0] == 412
    status, headers, edited = agenda("PUT", path, bob, moved, headers={"If-Match": '"1"'})
    assert status == 200, edited
    assert (headers["ETag"], edited["reason"]) == ('"2"', "Contrôle")
    assert agenda("PUT", path, bob, moved, headers={"If-Match": '"1"'})[0] == 412  # stale
    [start] = table_items(stack_env, bob.space_id, "APPTSTART#")
    assert (start["gsi1pk"], int(start["version"])) == ("STARTS#2030-03-05T13:00", 2)

    status, _, cancelled = agenda("DELETE", path, bob, headers={"If-Match": '"2"'})
    assert (status, cancelled["status"], cancelled["version"]) == (200, "CANCELLED", 3)
    assert table_items(stack_env, bob.space_id, "APPTSTART#") == []  # no reminder any more
    assert agenda("PUT", path, bob, moved, headers={"If-Match": '"3"'})[0] == 409
    status, _, kept = agenda("GET", path, bob)
    assert (status, kept["status"]) == (200, "CANCELLED")  # kept, as cancelled


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"end_local": "2030-03-04T09:00:00"}, "end must be after start"),
        ({"time_zone": "Europe/London"}, "time_zone must be one of"),
        # 29 March 2026: Paris's clocks go from 02:00 to 03:00.
        (
            {"start_local": "2026-03-29T02:30:00", "end_local": "2026-03-29T03:30:00"},
            "does not exist in Europe/Paris",
        ),
        ({"professional_name": None}, "say whom you see"),
        ({"professional_rpps": "10000000006"}, "RPPS or by name, not both"),
        ({"start_local": "2030-03-04T09:30:00+02:00"}, "without an offset"),
        ({"start_local": "2060-03-04T09:30:00", "end_local": "2060-03-04T10:00:00"}, "years"),
    ],
)
def test_impossible_appointments_are_refused_clearly(agenda, person, stack_env, change, message):
    carl = person("Carl")
    status, _, refused = agenda(
        "POST", "/me/agenda/appointments", carl, {**appointment(), **change}
    )
    assert status == 400, refused
    assert message in refused["message"]
    assert table_items(stack_env, carl.space_id, "APPT") == []


def test_a_professional_named_by_rpps_must_be_in_the_directory(agenda, person):
    from tests.unit.test_care_access import rpps

    dina = person("Dina")
    body = {**appointment(), "professional_name": None, "professional_rpps": rpps(901)}
    status, _, refused = agenda("POST", "/me/agenda/appointments", dina, body)
    assert (status, refused["message"]) == (400, "no professional with this RPPS in the directory")


def test_a_month_holds_a_bounded_number_of_appointments(agenda, person, monkeypatch):
    from healthspace.wiring.agenda import appointments

    monkeypatch.setattr(appointments(), "max_per_month", 2)
    emma = person("Emma")
    for day in ("04", "05"):
        start, end = f"2030-03-{day}T09:00:00", f"2030-03-{day}T09:30:00"
        assert agenda("POST", "/me/agenda/appointments", emma, appointment(start, end))[0] == 201
    status, _, full = agenda("POST", "/me/agenda/appointments", emma, appointment())
    assert (status, full["code"]) == (409, "LIMIT_REACHED")
    april = appointment("2030-04-04T09:00:00", "2030-04-04T09:30:00")
    assert agenda("POST", "/me/agenda/appointments", emma, april)[0] == 201


def test_another_patient_never_reaches_an_appointment(agenda, person):
    fanny, gus = person("Fanny"), person("Gus")
    _, _, added = agenda("POST", "/me/agenda/appointments", fanny, appointment())
    path = f"/me/agenda/appointments/{added['appointment_id']}"
    assert agenda("GET", path, gus)[0] == 404
    assert agenda("PUT", path, gus, appointment(), headers={"If-Match": "1"})[0] == 404
    assert agenda("DELETE", path, gus)[0] == 404
    assert agenda("GET", "/me/agenda/appointments", gus)[2]["items"] == []
    on_fanny = {"X-Space-Id": fanny.space_id}
    assert agenda("GET", "/me/agenda/appointments", gus, headers=on_fanny)[0] == 404


def test_a_representative_keeps_a_childs_agenda(agenda, person):
    parent = person("Hugo")
    child = person("Inès", represented_by=parent)
    on_child = {"X-Space-Id": child.space_id}
    status, _, added = agenda("POST", "/me/agenda/appointments", parent, appointment(), on_child)
    assert status == 201, added
    listed = agenda(
        "GET",
        "/me/agenda/appointments",
        parent,
        headers=on_child,
        query={"from": "2030-03-01T00:00:00Z", "to": "2030-04-01T00:00:00Z"},
    )[2]
    assert [a["appointment_id"] for a in listed["items"]] == [added["appointment_id"]]
    assert (
        agenda(
            "GET",
            "/me/agenda/appointments",
            parent,
            query={"from": "2030-03-01T00:00:00Z", "to": "2030-04-01T00:00:00Z"},
        )[2]["items"]
        == []
    )


def test_reads_and_writes_are_in_the_history(agenda, api, person):
    jade = person("Jade")
    _, _, added = agenda("POST", "/me/agenda/appointments", jade, appointment())
    agenda("GET", f"/me/agenda/appointments/{added['appointment_id']}", jade)
    agenda("GET", "/me/agenda/appointments", jade)
    _, _, history = api("GET", "/me/access-log", jade)
    agenda_entries = [
        (e["action"], e["object"]["id"])
        for e in history["items"]
        if e["object"]["type"] == "agenda/appointment"
    ]
    assert agenda_entries == [
        ("READ", None),
        ("READ", added["appointment_id"]),
        ("CREATE", added["appointment_id"]),
    ]


def test_a_closed_space_refuses_the_agenda(agenda, api, person):
    kim = person("Kim")
    _, _, added = agenda("POST", "/me/agenda/appointments", kim, appointment())
    assert api("POST", "/me/closure", kim, body={"confirm": "CLOSE"})[0] == 200
    for method, path in (
        ("GET", "/me/agenda/appointments"),
        ("GET", f"/me/agenda/appointments/{added['appointment_id']}"),
        ("POST", "/me/agenda/appointments"),
    ):
        body = appointment() if method == "POST" else None
        status, _, refused = agenda(method, path, kim, body)
        assert (status, refused["code"]) == (403, "SPACE_CLOSED"), path


def test_a_care_team_professional_books_and_the_patient_declines(agenda, api, person, deployed):
    from tests.integration.test_professionals_api import claims, designate, refer
    from tests.unit.test_care_access import rpps

    registry = deployed[1]

    def pro(method, path, who, body=None, headers=None, query=None):
        event = api_event(method, path, who, body, headers, query, resource="/pro/{proxy+}")
        return api_result(registry.invoke("ProfessionalsFunction", event))

    paula, other = person("Paula"), person("Quentin")
    doctor, stranger = rpps(61), rpps(62)
    designate(api, paula, doctor)
    base = refer(pro, paula, claims(doctor))
    status, _, booked = pro("POST", f"{base}/appointments", claims(doctor), appointment())
    assert status == 201, booked
    assert booked["booked_by"] == {
        "kind": "PROFESSIONAL",
        "id": f"rpps:{doctor}",
        "display_name": "Claire Dubois",
    }
    # Not under break-glass, not a stranger, not another's file through this reference.
    emergency = {"X-Emergency-Reason": "malaise"}
    assert pro("POST", f"{base}/appointments", claims(doctor), appointment(), emergency)[0] == 400
    status, _, refused = pro(
        "POST", "/pro/patient-references", claims(stranger), body={"ins": paula.ins}
    )
    assert status == 403, refused
    listed = pro(
        "GET",
        f"{base}/appointments",
        claims(doctor),
        query={"from": "2030-03-01T00:00:00Z", "to": "2030-04-01T00:00:00Z"},
    )[2]
    assert [a["appointment_id"] for a in listed["items"]] == [booked["appointment_id"]]

    # The patient sees who booked it, and declines it; their own cannot be declined.
    path = f"/me/agenda/appointments/{booked['appointment_id']}"
    assert agenda("GET", path, paula)[2]["booked_by"]["display_name"] == "Claire Dubois"
    assert agenda("POST", f"{path}/decline", other)[0] == 404
    status, _, declined = agenda("POST", f"{path}/decline", paula, headers={"If-Match": "1"})
    assert (status, declined["status"]) == (200, "DECLINED")
    _, _, own = agenda("POST", "/me/agenda/appointments", paula, appointment())
    status, _, refused = agenda(
        "POST", f"/me/agenda/appointments/{own['appointment_id']}/decline", paula
    )
    assert (status, refused["code"]) == (409, "CONFLICT")
    # The professional cannot change it (a PUT is the patient's) and the history names him.
    _, _, history = api("GET", "/me/access-log", paula)
    created = [
        e
        for e in history["items"]
        if e["object"] == {"type": "agenda/appointment", "id": booked["appointment_id"]}
        and e["action"] == "CREATE"
    ]
    assert [e["actor"]["id"] for e in created] == [f"rpps:{doctor}"]
