"""After a space closes, every route of every role, derived from the APIs' OpenAPI documents and
the template as the authorisation walk derives them (test_authorization_walk.walk_routes),
refuses as it should, changes nothing and traces nothing.

- Its holder and its legal representative: every route of the space answers 403 SPACE_CLOSED
  but GET /me (their spaces and their statuses), GET /me/closure (its closure) and POST
  /me/closure (closing again answers the same closure); the public directory answers as ever.
- Another patient naming it: 404, as any space not theirs (nothing tells them it closed).
- The professionals the patient had let in (treating doctor, care team), with a reference taken
  before the closure or naming the INS after it: 403 SPACE_CLOSED; the others (no relationship,
  blocked, break-glass): 403 NO_RELATIONSHIP, as for a patient without a space. Their routes
  about themselves (their inbox) answer as ever.
- A partner's software: reading or searching for the treating doctor, 403 SPACE_CLOSED; pushing
  a document, 404, as for a patient without a space; its CapabilityStatement as ever.

The enrollment and operators' routes act on enrollments (codes, decisions, partners' keys), not
on a space: they are left to the authorisation walk (reopening, which will use the space
request, comes with the archive).
"""

from __future__ import annotations

import json
import os
import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import boto3
import pytest
from boto3.dynamodb.conditions import Key

from infra.local.sample_events import api_event, api_result
from tests.integration.test_authorization_walk import (
    BLOCKED,
    BY_INS,
    DOCTOR,
    NAMED,
    OUTSIDER,
    PATIENT_PARAM,
    PREVENTION_ITEM,
    REFERENCES,
    TEAM_MEMBER,
    care_write,
    objects_of,
    sample_body,
    walk_routes,
)
from tests.integration.test_partner_api import (
    BASE,
    SEARCH_POST,
    document_for,
    professional_field,
    read,
    search,
    send,
)
from tests.integration.test_partner_api import hospital as hospital  # the fixture
from tests.integration.test_professionals_api import claims as professional_claims
from tests.integration.test_professionals_api import pro as pro  # the fixture
from tests.integration.test_route_walk import QUERIES

CLOSED_CODE = "SPACE_CLOSED"
# The families this walk covers, and why the others are not walked here.
WALKED = {"records", "professionals", "partners", "agenda"}
NOT_WALKED = {
    "agenda_feed": "the URL's token is the key, nobody's identity: a closed space's feed is a "
    "404 (tests/integration/test_agenda_feed.py)",
    "public_enrollment": "codes and decisions of an enrollment, not a space's content",
    "patient_enrollment": "acts on the caller's enrollment (the space request: reopening, later)",
    "operators": "enrollments and partners' keys, not a space's content",
}
# The patient's side's routes that answer on a closed space, and why.
STILL_ANSWERED = {
    ("GET", "/me"): "the caller's spaces and their statuses: how the website learns of it",
    ("GET", "/me/closure"): "the closure itself: when, by whom, until when",
    ("POST", "/me/closure"): "closing a closed space answers its closure, changes nothing",
    ("GET", "/me/deletion"): "the space's status, and its deletion once asked for",
    ("POST", "/me/deletion"): "a closed space may be deleted: walked without its word (400, "
    "nothing changes); test_deletion.py deletes closed and archived spaces",
    ("GET", "/directory/professionals"): "the public directory: nobody's space",
    ("GET", "/directory/professionals/{rpps}"): "the public directory: nobody's space",
}
# Professionals the patient had let in: told of the closure.
LET_IN = {"treating_doctor": DOCTOR, "team_member": TEAM_MEMBER}
KEPT_OUT = {"outside_professional": OUTSIDER, "blocked": BLOCKED}


@dataclass
class ClosedWorld:
    alice: Any  # holder; her space closed by herself
    parent: Any
    child: Any  # a child's space, closed by the parent
    bob: Any  # an active space, whose holder names the closed ones
    objects: dict[str, Any]  # space id -> its objects (walk.SpaceObjects)
    references: dict[str, str]  # role -> the reference to Alice's file taken before closing
    snapshots: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


def every_item(space_id: str) -> list[dict[str, Any]]:
    """Everything the space holds, its history included: a refusal appends nothing to it."""
    table = boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])
    query = {"KeyConditionExpression": Key("pk").eq(f"SPACE#{space_id}")}
    items: list[dict[str, Any]] = []
    while True:
        page = table.query(**query)
        items += page["Items"]
        if "LastEvaluatedKey" not in page:
            return items
        query["ExclusiveStartKey"] = page["LastEvaluatedKey"]


@pytest.fixture(scope="module")
def _built():
    return {}


@pytest.fixture(autouse=True)
def _fresh_start(deployed):
    """Overrides the folder's: the world is built once for the module (each test still starts
    with cold caches, like a new Lambda instance)."""
    from healthspace import wiring

    wiring.forget()


@pytest.fixture(scope="module")
def routes(deployed):
    walked, problems = walk_routes(deployed)
    assert not problems, problems
    return walked


@pytest.fixture
def closed(_built, request, api, person, s3, pro, empty_table, deployed) -> ClosedWorld:
    if "world" in _built:
        return _built["world"]
    empty_table()
    import io

    from healthspace.wiring.directory_import import import_extract
    from tests.unit.test_directory import extract, line

    assert not import_extract(io.StringIO(extract(line(NAMED, family="Martin"))), "walk.txt")[1]
    alice, bob, parent = person("Alice"), person("Bob"), person("Paul")
    child = person("Léa", represented_by=parent, birth_date=date(2015, 6, 1))
    objects = {
        alice.space_id: objects_of(api, s3, deployed, alice, title="Bilan d'Alice"),
        child.space_id: objects_of(api, s3, deployed, parent, space=child, title="Bilan de Léa"),
    }
    care_write(api, alice, "/me/care/treating-doctor", {"rpps": DOCTOR})
    care_write(api, alice, f"/me/care/team/{TEAM_MEMBER}", {"scope": "full"})
    care_write(api, alice, f"/me/care/team/{BLOCKED}", {"scope": "full"})
    care_write(api, alice, f"/me/care/blocked/{BLOCKED}")
    care_write(api, parent, "/me/care/treating-doctor", {"rpps": DOCTOR}, child.space_id)
    references = {}
    for role, number in LET_IN.items():
        status, _, answer = pro(
            "POST", REFERENCES, professional_claims(number), body={"ins": alice.ins}
        )
        assert status == 201, answer
        references[role] = answer["reference"]
    # The closures: Alice's by herself, Léa's by her parent
    assert api("POST", "/me/closure", alice, body={"confirm": "CLOSE"})[0] == 200
    on_child = {"X-Space-Id": child.space_id}
    assert api("POST", "/me/closure", parent, body={"confirm": "CLOSE"}, headers=on_child)[0] == 200
    world = ClosedWorld(alice, parent, child, bob, objects, references)
    world.snapshots = {s: every_item(s) for s in (alice.space_id, child.space_id)}
    _built["world"] = world
    return world


def filled(path: str, objects: Any, reference: str = "") -> str:
    section = re.search(r"/profile/([a-z-]+)/\{entry_id\}", path)
    values = {
        "document_id": objects.document_id,
        "upload_id": objects.document_id,
        "export_id": objects.document_id,  # any id: the space's refusal comes first
        "rpps": NAMED,
        "appointment_id": objects.appointment_id,
        "item_id": PREVENTION_ITEM,
        PATIENT_PARAM: reference,
        "entry_id": objects.entries[section.group(1)] if section else "",
    }
    return re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], path)


def headers_for(route, space_id: str | None) -> dict[str, str]:
    headers = {"X-Space-Id": space_id} if space_id else {}
    if route.method in ("PUT", "PATCH", "DELETE"):
        headers["If-Match"] = "1"
    return headers


def unchanged(world: ClosedWorld) -> list[str]:
    return [
        f"space {space_id} changed"
        for space_id, before in world.snapshots.items()
        if every_item(space_id) != before
    ]


def answered(status: int, answer: Any) -> str:
    code = (answer or {}).get("code") if isinstance(answer, dict) else None
    if (
        code is None
        and isinstance(answer, dict)
        and answer.get("resourceType") == "OperationOutcome"
    ):
        code = answer["issue"][0]["details"]["coding"][0]["code"]
    return f"{status} {code}"


def test_the_walk_covers_every_family(routes):
    families = {r.family for r in routes}
    assert families == WALKED | set(NOT_WALKED), families - WALKED - set(NOT_WALKED)
    for method, path in STILL_ANSWERED:
        assert any((r.method, r.path) == (method, path) for r in routes), (method, path)


@pytest.mark.parametrize("role", ["holder", "representative", "other_patient"])
def test_the_patients_side_reads_only_the_closure(role, closed, routes, api):
    world = closed
    who, space, named = {
        "holder": (world.alice, world.alice, None),
        "representative": (world.parent, world.child, world.child.space_id),
        "other_patient": (world.bob, world.alice, world.alice.space_id),
    }[role]
    failures = []
    walked = [r for r in routes if r.family == "records"]
    for route in walked:
        url = filled(route.path, world.objects[space.space_id])
        body = sample_body(route) if route.takes_body else None
        if (route.method, route.path) == ("POST", "/me/deletion"):
            body = None  # its word would delete the space: this walk proves nothing changes
        query = QUERIES.get((route.method, route.path))
        status, _, answer = api(
            route.method, url, who, body=body, headers=headers_for(route, named), query=query
        )
        if (route.method, route.path) in STILL_ANSWERED:
            ok = status == 200
            if (route.method, route.path) == ("POST", "/me/deletion"):
                ok = (status, (answer or {}).get("code")) == (400, "VALIDATION_ERROR")
            elif role == "other_patient" and route.path in ("/me/closure", "/me/deletion"):
                ok = status == 404  # another's space: not found, closed or not
            elif (ok and route.path == "/me/deletion") or (ok and route.path == "/me/closure"):
                ok = answer["status"] == "CLOSED" and answer["space_id"] == space.space_id
            elif ok and route.path == "/me" and role != "other_patient":
                shown = [answer["space"], *answer["represented"]]
                ok = {s["space_id"]: s["status"] for s in shown if s}[space.space_id] == "CLOSED"
        elif role == "other_patient":
            ok = status == 404
        else:
            ok = (status, (answer or {}).get("code")) == (403, CLOSED_CODE)
        if not ok:
            failures.append(f"{route.method} {route.path}: {answered(status, answer)}")
    assert len(walked) >= 50
    failures += unchanged(world)
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("role", ["holder", "representative", "other_patient"])
def test_the_agenda_refuses_a_closed_space(role, closed, routes, deployed):
    world = closed
    who, space, named = {
        "holder": (world.alice, world.alice, None),
        "representative": (world.parent, world.child, world.child.space_id),
        "other_patient": (world.bob, world.alice, world.alice.space_id),
    }[role]
    expected = "404 NOT_FOUND" if role == "other_patient" else f"403 {CLOSED_CODE}"
    failures = []
    walked = [r for r in routes if r.family == "agenda"]
    for route in walked:
        url = filled(route.path, world.objects[space.space_id])
        body = sample_body(route) if route.takes_body else None
        headers = headers_for(route, named)
        event = api_event(route.method, url, who.claims, body, headers, None, route.resource)
        status, _, answer = api_result(deployed[1].invoke(route.function, event))
        if answered(status, answer) != expected:
            failures.append(f"{route.method} {route.path}: {answered(status, answer)}")
    assert len(walked) >= 10
    failures += unchanged(world)
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("role", [*LET_IN, *KEPT_OUT])
def test_professionals_are_refused_and_only_those_let_in_learn_why(role, closed, routes, pro):
    world = closed
    number = {**LET_IN, **KEPT_OUT}[role]
    who = professional_claims(number)
    expected = "403 " + (CLOSED_CODE if role in LET_IN else "NO_RELATIONSHIP")
    failures = []
    walked = [r for r in routes if r.family == "professionals"]
    objects = world.objects[world.alice.space_id]
    for route in walked:
        names_space = PATIENT_PARAM in route.params or route.path in BY_INS
        body = sample_body(route) if route.takes_body else None
        if route.path in BY_INS:
            body = {**(body or {}), "ins": world.alice.ins}
        if PATIENT_PARAM in route.params and role not in world.references:
            continue  # no reference to hold: its naming of the INS (BY_INS) is the case
        url = filled(route.path, objects, world.references.get(role, ""))
        status, _, answer = pro(route.method, url, who, body=body, headers=headers_for(route, None))
        if not names_space:
            if not 200 <= status < 300:
                failures.append(f"{route.method} {route.path}: {answered(status, answer)}")
            continue
        if answered(status, answer) != expected:
            failures.append(f"{route.method} {route.path}: {answered(status, answer)}")
    # Breaking the glass tells nobody of the closure either
    emergency = {"X-Emergency-Reason": "patient inconscient aux urgences"}
    status, _, answer = pro(
        "POST", REFERENCES, who, body={"ins": world.alice.ins}, headers=emergency
    )
    if answered(status, answer) != expected:
        failures.append(f"break-glass: {answered(status, answer)}")
    assert len(walked) >= 10
    failures += unchanged(world)
    assert not failures, "\n".join(failures)


def test_partners_software_is_refused(closed, routes, deployed, hospital):
    world = closed
    objects = world.objects[world.alice.space_id]
    doctor = professional_field(DOCTOR)
    failures = []
    walked = [r for r in routes if r.family == "partners"]
    for route in walked:
        nonce = uuid.uuid4().hex
        if route.path == SEARCH_POST:
            form = {"patient": f"urn:oid:1.2.250.1.213.1.4.8|{world.alice.ins}"}
            status, _, answer = search(deployed, hospital, form, nonce=nonce, professional=doctor)
            expected = f"403 {CLOSED_CODE}"
        elif route.params:  # a read, by the document's id
            url = filled(route.path, objects)
            status, _, answer = read(deployed, hospital, url, nonce=nonce, professional=doctor)
            expected = f"403 {CLOSED_CODE}"
        elif route.method == "GET":  # the CapabilityStatement
            signed = hospital.sign(
                "GET", f"{BASE}{route.path}", b"", created=datetime.now(UTC), nonce=nonce
            )
            event = api_event("GET", route.path, None, None, signed, resource=route.resource)
            status, _, answer = api_result(deployed[1].invoke(route.function, event))
            expected = "200 None"
        else:  # a push, of a document or a bundle
            document = document_for(world.alice, f"CLOSED-{nonce}")
            resource = document
            if route.path != "/fhir/DocumentReference":
                request = {"method": "POST", "url": "DocumentReference"}
                resource = {
                    "resourceType": "Bundle",
                    "type": "transaction",
                    "entry": [{"resource": document, "request": request}],
                }
            status, _, answer = send(deployed, hospital, route.path, resource, nonce=nonce)
            expected = "404 NOT_FOUND"  # as for a patient without a space
        if answered(status, answer) != expected:
            failures.append(
                f"{route.method} {route.path}: {answered(status, answer)} {json.dumps(answer)[:99]}"
            )
    assert len(walked) == 5
    failures += unchanged(world)
    assert not failures, "\n".join(failures)
