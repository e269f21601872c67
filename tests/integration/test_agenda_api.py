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
