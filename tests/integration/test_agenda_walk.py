"""Walks every route of the agenda function's OpenAPI document, so that a new route of the
agenda (appointments, the calendar link, the reminders' and the prevention's) is covered without
a new test: each one the patient calls appends one entry to the space's access history, theirs.
(Who reaches what: tests/integration/test_authorization_walk.py's `agenda` family.)"""

from __future__ import annotations

import json
import re

import pytest

from infra.local.sample_events import api_event, api_result
from tests.integration.test_authorization_walk import BODIES, PREVENTION_ITEM
from tests.integration.test_professionals_api import claims, designate, refer
from tests.unit.test_care_access import rpps

# Routes that touch no health data, and why (none yet: an agenda is health data).
NOT_TRACED: dict[tuple[str, str], str] = {}
DOCTOR = rpps(71)


@pytest.fixture(scope="module")
def document(deployed):
    from functions.agenda.app import app

    return json.loads(app.get_openapi_json_schema())


def routes(document):
    for path, operations in document["paths"].items():
        for method in operations:
            yield method.upper(), path


def call(deployed, function, resource, method, path, who, body=None, headers=None):
    event = api_event(method, path, who, body, headers, None, resource)
    return api_result(deployed[1].invoke(function, event))


def test_every_route_has_a_sample_body(document):
    found = set(routes(document))
    assert len(found) >= 10
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if "requestBody" in operation:
                assert (method.upper(), path) in BODIES, f"add a sample body for {path}"


def test_every_agenda_route_writes_an_access_log_entry(
    api, person, deployed, document, empty_table
):
    for method, path in routes(document):
        empty_table()
        owner = person("Alice")

        def agenda(m, p, body=None, headers=None, who=owner):
            return call(
                deployed, "AgendaFunction", "/me/agenda/{proxy+}", m, p, who.claims, body, headers
            )

        # What the routes name: a professional's booking (declinable), a calendar link.
        designate(api, owner, DOCTOR)

        def pro(m, p, who, body=None, headers=None, query=None):
            event = api_event(m, p, who, body, headers, query, resource="/pro/{proxy+}")
            return api_result(deployed[1].invoke("ProfessionalsFunction", event))

        base = refer(pro, owner, claims(DOCTOR))
        booking = BODIES[("POST", "/pro/patients/{ref}/appointments")]
        status, _, booked = pro("POST", f"{base}/appointments", claims(DOCTOR), booking)
        assert status == 201, booked
        assert agenda("POST", "/me/agenda/feed", {})[0] == 201
        item = f"/me/agenda/prevention/{PREVENTION_ITEM}"  # marked once: at version 1
        assert agenda("PUT", item, {"status": "TO_PLAN"}, {"If-Match": "0"})[0] == 200
        reminders = BODIES[("PUT", "/me/agenda/reminders")]  # set once: at version 1 too
        assert agenda("PUT", "/me/agenda/reminders", reminders, {"If-Match": "0"})[0] == 200
        before = history(api, owner)
        url = re.sub(r"\{appointment_id\}", booked["appointment_id"], path)
        url = url.replace("{item_id}", PREVENTION_ITEM)
        status, _, answer = agenda(method, url, BODIES.get((method, path)), {"If-Match": "1"})
        assert status < 300, f"{method} {path} failed: {status} {answer}"
        after = history(api, owner)
        if (method, path) in NOT_TRACED:
            assert len(after) == len(before), f"{method} {path} should not be traced"
        else:
            assert len(after) == len(before) + 1, f"{method} {path} wrote no access-log entry"
            assert after[0]["actor"]["id"] == owner.subject
            assert after[0]["object"]["type"].startswith("agenda/")


def history(api, owner):
    return api("GET", "/me/access-log", owner, query={"limit": "100"})[2]["items"]
