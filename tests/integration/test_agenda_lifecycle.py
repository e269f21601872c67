"""The agenda's items in a space's life, against moto: the export's FHIR Bundle carries each
appointment as an Appointment (validated with fhir.resources' R4B models); a close -> archive
-> reopen round trip gives back every agenda item attribute for attribute (the start index
and the feed's index keys included), and the calendar link works again; an express deletion
leaves none of them, nor anything in the index."""

from __future__ import annotations

import json
import os
from datetime import date, timedelta

import boto3
from fhir.resources.R4B.bundle import Bundle

from tests.integration.test_agenda_api import agenda, appointment  # noqa: F401  (fixture)
from tests.integration.test_agenda_feed import fetch  # noqa: F401  (fixture)
from tests.integration.test_archive_reopen import (  # noqa: F401  (fixtures)
    _archive_of,
    _ask_again,
    _close_and_archive,
    _executing,
    _execution_of,
    _low_level_items,
    _machines,
    _restored,
    _wait_for_token,
)
from tests.integration.test_deletion import DELETE, erase, every_item
from tests.integration.test_export import build, zip_of  # noqa: F401  (fixture)

SOON = date.today() + timedelta(days=20)
AGENDA_KINDS = ("APPT#", "APPTSTART#", "COUNT#APPOINTMENTS#", "FEED")


def agenda_items(space_id):
    return {
        i["sk"]["S"]: i for i in _low_level_items(space_id) if i["sk"]["S"].startswith(AGENDA_KINDS)
    }


def test_the_export_carries_the_appointments_as_fhir(agenda, api, person, s3, build):  # noqa: F811
    rose = person("Rose")
    booked = agenda("POST", "/me/agenda/appointments", rose, appointment(reason="Bilan"))[2]
    cancelled = agenda("POST", "/me/agenda/appointments", rose, appointment(facility="CHU"))[2]
    agenda("DELETE", f"/me/agenda/appointments/{cancelled['appointment_id']}", rose)
    status, _, export = api("POST", "/me/exports", rose)
    assert status == 202, export
    build(rose)
    with zip_of(s3, rose, export["export_id"]) as archive:
        bundle = json.loads(archive.read("bundle.json"))
    Bundle.model_validate(bundle)
    found = [
        e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Appointment"
    ]
    [mine] = [a for a in found if a["id"] == booked["appointment_id"]]
    assert mine["status"] == "booked"
    assert mine["start"] == "2030-03-04T09:30:00+01:00"
    assert mine["reasonCode"] == [{"text": "Bilan"}]
    assert mine["participant"][1]["actor"] == {"type": "Practitioner", "display": "Dr Lefèvre"}
    [other] = [a for a in found if a["id"] == cancelled["appointment_id"]]
    assert other["status"] == "cancelled"
    assert other["participant"][2]["actor"] == {"type": "Location", "display": "CHU"}


def test_close_archive_reopen_gives_the_agenda_back(agenda, api, person, deployed, fetch):  # noqa: F811
    sam = person("Sam")
    start, end = f"{SOON}T09:00:00", f"{SOON}T09:30:00"
    agenda("POST", "/me/agenda/appointments", sam, appointment(start, end))
    _, _, feed = agenda("POST", "/me/agenda/feed", sam, {})
    assert fetch(feed["path"])[0] == 200
    before = agenda_items(sam.space_id)
    assert {sk.split("#")[0] for sk in before} >= {"APPT", "APPTSTART", "COUNT", "FEED"}

    _close_and_archive(api, deployed, sam)
    assert agenda_items(sam.space_id) == {}
    assert fetch(feed["path"])[0] == 404
    archive = _archive_of(sam.space_id)

    status, _ = _ask_again(deployed, sam)
    assert status == 202
    execution = _execution_of("REOPEN_STATE_MACHINE_ARN", sam.space_id)
    _wait_for_token(sam.space_id)
    assert _restored(archive, execution)["status"] == "SUCCEEDED"
    assert agenda_items(sam.space_id) == before  # attribute for attribute, index keys included
    assert fetch(feed["path"])[0] == 200


def test_an_express_deletion_leaves_no_agenda_item(agenda, api, person, deployed):  # noqa: F811
    tom = person("Tom")
    agenda("POST", "/me/agenda/appointments", tom, appointment())
    agenda("POST", "/me/agenda/feed", tom, {})
    assert api("POST", "/me/deletion", tom, body=DELETE)[0] == 202
    erase(deployed, tom.space_id)
    left = [i for i in every_item() if tom.space_id in json.dumps(i, default=str)]
    assert [i["sk"] for i in left if i["sk"].startswith(AGENDA_KINDS)] == []
    table = boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])
    indexed = table.query(
        IndexName="gsi1",
        KeyConditionExpression="gsi1pk = :pk",
        ExpressionAttributeValues={":pk": f"AGENDA#{tom.space_id}"},
    )
    assert indexed["Items"] == []
