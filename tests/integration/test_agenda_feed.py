"""The agenda's calendar feed against moto: the patient makes a secret URL, a calendar fetches
it without signing in (AgendaFeedFunction) and reads RFC 5545 through the `icalendar` parser;
by default it shows "Rendez-vous médical" and nothing else; a new URL revokes the old, revoking
leaves none, a closed space's feed is a 404; the day's first fetch is in the history, once."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from infra.local.sample_events import api_event
from tests.integration.test_agenda_api import agenda, appointment  # noqa: F401  (fixture)

# A feed shows the months around today: its appointments are a month from now.
SOON = date.today() + timedelta(days=30)


def soon(hour, minute=0):
    return f"{SOON.isoformat()}T{hour:02d}:{minute:02d}:00"


@pytest.fixture
def fetch(deployed):
    registry = deployed[1]

    def call(path):
        event = api_event("GET", path, None, resource="/agenda/feeds/{token}")
        event["pathParameters"] = {"token": path.rsplit("/", 1)[-1]}
        response = registry.invoke("AgendaFeedFunction", event)
        return response["statusCode"], response

    return call


def body_of(response):
    headers = {**(response.get("headers") or {})}
    headers |= {k: v[0] for k, v in (response.get("multiValueHeaders") or {}).items()}
    assert headers["Content-Type"].startswith("text/calendar")
    return Calendar.from_ical(response["body"])


def events(calendar):
    return [c for c in calendar.walk("VEVENT")]


def test_a_calendar_reads_only_what_the_patient_chose(agenda, fetch, person):  # noqa: F811
    lou = person("Lou")
    secret = {"reason": "Suivi oncologie", "facility": "Institut Curie"}
    booked = agenda(
        "POST", "/me/agenda/appointments", lou, appointment(soon(9, 30), soon(10), **secret)
    )[2]
    gone = agenda("POST", "/me/agenda/appointments", lou, appointment(soon(11), soon(12)))[2]
    agenda("DELETE", f"/me/agenda/appointments/{gone['appointment_id']}", lou)

    status, _, feed = agenda("POST", "/me/agenda/feed", lou, {})
    assert status == 201, feed
    assert feed["options"] == {
        "show_professional": False,
        "show_place": False,
        "show_reason": False,
        "language": "fr",
    }
    assert "token_sha256" not in feed
    status, response = fetch(feed["path"])
    assert status == 200, response
    calendar = body_of(response)
    shown = {str(e["UID"]): e for e in events(calendar)}
    first = shown[f"{booked['appointment_id']}@agenda.health-space"]
    assert str(first["SUMMARY"]) == "Rendez-vous médical"
    assert "LOCATION" not in first and "DESCRIPTION" not in first
    assert first["DTSTART"].params["TZID"] == "Europe/Paris"
    wall = datetime.fromisoformat(soon(9, 30)).replace(tzinfo=ZoneInfo("Europe/Paris"))
    assert first.start == wall
    assert [str(t["TZID"]) for t in calendar.walk("VTIMEZONE")] == ["Europe/Paris"]
    assert str(shown[f"{gone['appointment_id']}@agenda.health-space"]["STATUS"]) == "CANCELLED"
    text = response["body"]
    for word in ("oncologie", "Curie", "Lefèvre"):
        assert word not in text

    options = {"show_reason": True, "show_place": True, "show_professional": True}
    assert agenda("PUT", "/me/agenda/feed", lou, options)[0] == 428
    status, _, changed = agenda("PUT", "/me/agenda/feed", lou, options, {"If-Match": '"1"'})
    assert status == 200, changed
    first = {str(e["UID"]): e for e in events(body_of(fetch(feed["path"])[1]))}[
        f"{booked['appointment_id']}@agenda.health-space"
    ]
    assert str(first["SUMMARY"]) == "Rendez-vous médical - Dr Lefèvre"
    assert str(first["LOCATION"]) == "Institut Curie"
    assert str(first["DESCRIPTION"]) == "Suivi oncologie"


def test_a_new_link_revokes_the_old_and_revoking_leaves_none(agenda, fetch, person):  # noqa: F811
    max_ = person("Max")
    _, _, first = agenda("POST", "/me/agenda/feed", max_, {})
    _, _, second = agenda("POST", "/me/agenda/feed", max_, {"language": "en"})
    assert fetch(first["path"])[0] == 404
    assert fetch(second["path"])[0] == 200
    status, _, read = agenda("GET", "/me/agenda/feed", max_)
    assert (status, read["version"], read["options"]["language"]) == (200, 2, "en")
    assert "token" not in read and "path" not in read
    assert agenda("DELETE", "/me/agenda/feed", max_)[0] == 204
    assert fetch(second["path"])[0] == 404
    assert agenda("GET", "/me/agenda/feed", max_)[0] == 404
    assert fetch("/agenda/feeds/" + "A" * 43)[0] == 404


def test_the_days_first_fetch_is_traced_once(agenda, api, fetch, person):  # noqa: F811
    noa = person("Noa")
    _, _, feed = agenda("POST", "/me/agenda/feed", noa, {})
    for _ in range(3):
        assert fetch(feed["path"])[0] == 200
    _, _, history = api("GET", "/me/access-log", noa)
    reads = [
        e
        for e in history["items"]
        if e["object"]["type"] == "agenda/feed" and e["action"] == "READ"
    ]
    assert [(e["actor"]["kind"], e["role"]) for e in reads] == [("SYSTEM", "SYSTEM")]


def test_a_closed_spaces_feed_answers_nothing(agenda, api, fetch, person):  # noqa: F811
    oli = person("Oli")
    _, _, feed = agenda("POST", "/me/agenda/feed", oli, {})
    assert api("POST", "/me/closure", oli, body={"confirm": "CLOSE"})[0] == 200
    assert fetch(feed["path"])[0] == 404
