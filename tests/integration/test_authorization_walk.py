"""One authorisation walk over every API of the template: every route x every role x the caller's
own objects and foreign ones.

The routes come from the functions' OpenAPI documents (generated from the code) and from the
template's `Type: Api` events (a route the template declares must be walked all the same; the
partners' POSTs take a FHIR resource their OpenAPI document does not model, read raw after the
signature). A route falls under the expectation
of its family, the (function, authorizer) pair that serves it in the template, so a new route is
covered without a new test; a new family, a path parameter or a request body the walk cannot
fill fails with a message saying what to add.

The handlers are called on API Gateway events carrying each role's identity (claims, or a
partner's signature): allowed roles get a 2xx on their own objects; every foreign combination is
a 403/404 (a 401 for an identity of the wrong kind), changes nothing, and no answer ever carries
data the caller may not see. The layer before them, the gateway's authorizers letting each
pool's tokens through only to its own routes, is walked on the local stack with real tokens
(tests/local/test_stack.py, test_a_token_opens_only_its_own_pools_routes).

The world (patients, a minor and their parent, documents, entries, uploads, care records, a
partner's key) is built once for the module: the folder's per-test emptying of the table is
turned off here, and cases that change their own objects work on fresh ones.
"""

from __future__ import annotations

import importlib
import json
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import boto3
import pytest

from infra.local.routes import find_route, load_apis, load_routes
from infra.local.sample_events import api_event, api_result, queued_stream_event
from tests.integration.test_announcement_holds import deposit
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
from tests.integration.test_records_api import upload_pdf
from tests.integration.test_route_walk import QUERIES, body_for, export_items
from tests.samples import SPACE_SAMPLES
from tests.unit.test_care_access import rpps

DOCTOR, TEAM_MEMBER, OUTSIDER, BLOCKED, NAMED, RESCUER = (rpps(n) for n in range(81, 87))
# The team member's grant: a médecin (whose row is everything) limited to these kinds.
TEAM_SCOPE = ("biology", "allergies")

PATIENT_ROLES = ("patient", "representative", "other_patient")
PROFESSIONAL_ROLES = ("treating_doctor", "team_member", "outside_professional", "blocked")
ROLES = (*PATIENT_ROLES, *PROFESSIONAL_ROLES, "partner")
PROFESSIONAL_OF = {
    "treating_doctor": DOCTOR,
    "team_member": TEAM_MEMBER,
    "outside_professional": OUTSIDER,
    "blocked": BLOCKED,
}
# Route families: the (function, authorizer) pair serving a route in template.yaml, and whose
# identity the family is for (None: anybody's, the route is public).
FAMILIES = {
    ("RecordsFunction", "PatientAuthorizer"): "records",
    ("ProfessionalsFunction", "ProfessionalAuthorizer"): "professionals",
    ("PartnersFunction", None): "partners",
    ("EnrollmentFunction", None): "public_enrollment",
    ("EnrollmentFunction", "PatientAuthorizer"): "patient_enrollment",
    ("EnrollmentFunction", "OperatorAuthorizer"): "operators",
    ("AgendaFunction", "PatientAuthorizer"): "agenda",
    ("AgendaFeedFunction", None): "agenda_feed",
}
AUDIENCE = {
    "records": "patients",
    "professionals": "professionals",
    "partners": "signature",
    "public_enrollment": None,
    "patient_enrollment": "patients",
    "operators": "operators",
    "agenda": "patients",
    "agenda_feed": None,
}
# Outcomes: what the handler answers.
ALLOWED = "allowed (2xx)"
REFUSED = "refused (403/404), nothing changed, nothing leaked"
UNAUTHENTICATED = "unauthenticated (401): the wrong kind of identity"
DENIED = "refused (401/403): not an operator"
NOT_A_KEY = "refused (4xx, 202 for a code request), nothing changed: no code, no access"
OUTCOMES = {
    ALLOWED: set(range(200, 300)),
    REFUSED: {403, 404},
    UNAUTHENTICATED: {401},
    DENIED: {401, 403},
    NOT_A_KEY: {400, 403, 404, 409, 422, 429},
}

# Object variants: which objects the request names.
OWN = "own"  # the caller's legitimate objects (for outsiders: the patient's, A)
FOREIGN_OBJECT = "foreign object"  # another space's id within the caller's own context
FOREIGN_SPACE = "foreign space"  # another space named outright (X-Space-Id, INS, patient=)
HIDDEN = "hidden object"  # an object of the right space the caller may not see
EMERGENCY = "emergency"  # break-glass, for the blocked professional

# The expectation of every (family, role): variant -> outcome. A (family, role) missing here
# fails the walk. The team member's own writes follow the scope rule (`expected`).
EXPECTED: dict[tuple[str, str], dict[str, str]] = {
    **{
        ("records", role): {
            OWN: ALLOWED,
            FOREIGN_OBJECT: REFUSED,
            FOREIGN_SPACE: REFUSED,
            HIDDEN: REFUSED,
        }
        for role in PATIENT_ROLES
    },
    **{("records", role): {OWN: UNAUTHENTICATED} for role in (*PROFESSIONAL_ROLES, "partner")},
    # The agenda's patients' routes (AgendaFunction) answer as the records'.
    **{
        ("agenda", role): {
            OWN: ALLOWED,
            FOREIGN_OBJECT: REFUSED,
            FOREIGN_SPACE: REFUSED,
        }
        for role in PATIENT_ROLES
    },
    **{("agenda", role): {OWN: UNAUTHENTICATED} for role in (*PROFESSIONAL_ROLES, "partner")},
    # The calendar feed: the token is the key, whoever asks; the walk's is nobody's.
    **{("agenda_feed", role): {FOREIGN_SPACE: NOT_A_KEY} for role in ROLES},
    ("professionals", "treating_doctor"): {
        OWN: ALLOWED,
        FOREIGN_OBJECT: REFUSED,
        FOREIGN_SPACE: REFUSED,
        HIDDEN: REFUSED,
    },
    ("professionals", "team_member"): {
        OWN: ALLOWED,
        FOREIGN_OBJECT: REFUSED,
        FOREIGN_SPACE: REFUSED,
        HIDDEN: REFUSED,
    },
    ("professionals", "outside_professional"): {OWN: REFUSED},
    ("professionals", "blocked"): {OWN: REFUSED, EMERGENCY: REFUSED},
    **{("professionals", role): {OWN: UNAUTHENTICATED} for role in (*PATIENT_ROLES, "partner")},
    ("partners", "partner"): {
        OWN: ALLOWED,
        FOREIGN_OBJECT: REFUSED,
        FOREIGN_SPACE: REFUSED,
        HIDDEN: REFUSED,
    },
    **{
        ("partners", role): {OWN: UNAUTHENTICATED} for role in (*PATIENT_ROLES, *PROFESSIONAL_ROLES)
    },
    **{("public_enrollment", role): {FOREIGN_SPACE: NOT_A_KEY} for role in ROLES},
    **{("patient_enrollment", role): {OWN: NOT_A_KEY} for role in PATIENT_ROLES},
    **{
        ("patient_enrollment", role): {OWN: UNAUTHENTICATED}
        for role in (*PROFESSIONAL_ROLES, "partner")
    },
    **{("operators", role): {FOREIGN_SPACE: DENIED} for role in ROLES},
}
DECLINE = "/me/agenda/appointments/{appointment_id}/decline"
PATIENTS_CHOICE = "conflict (409): the patient's own appointment is cancelled, not declined"
# Routes and variants that answer otherwise, and why.
EXCEPTIONS = {
    ("GET", "/me", FOREIGN_SPACE): (
        ALLOWED,
        "about the caller, whatever space is named: it must only not show the named one",
    ),
    ("GET", "/enrollment/help", FOREIGN_SPACE): (
        ALLOWED,
        "facts anyone may know before deciding (the code's validity, the helpline): nobody's data",
    ),
    ("POST", "/enrollment/code-requests", FOREIGN_SPACE): (
        "same answer whatever the details (202)",
        "it must not tell whether the details matched; it only sends a code to the person",
    ),
    ("POST", "/accounts/code-requests", FOREIGN_SPACE): (
        "same answer whatever the details (202)",
        "it must not tell whether the details matched; it only sends a code to the person",
    ),
    ("POST", DECLINE, OWN): (
        PATIENTS_CHOICE,
        "the walk's appointment is the patient's own: only a professional's booking is "
        "declined (tests/integration/test_agenda_api.py declines one)",
    ),
    ("POST", "/enrollment/space-requests", OWN): (
        NOT_A_KEY,
        "the caller already has a space: only someone who opposed may ask (tested with an "
        "opposition in test_enrollment_api.py); it acts on the token's INS only",
    ),
}
OUTCOMES["same answer whatever the details (202)"] = {202}
OUTCOMES[PATIENTS_CHOICE] = {409}
# Exceptions that depend on the role too: (method, path, role, variant) -> (outcome, why).
CONSENT = "/pro/consents"
# The professionals' routes that name a patient by INS in their body (never in a URL): the
# others name the file by the reference the first one answers.
REFERENCES = "/pro/patient-references"
BY_INS = {CONSENT, REFERENCES}
PATIENTS_OWN = "conflict (409): the patient set this access themselves, only they change it"
OUTCOMES[PATIENTS_OWN] = {409}
ROLE_EXCEPTIONS = {
    ("POST", CONSENT, "outside_professional", OWN): (
        ALLOWED,
        "how a professional with no relationship records the patient's consent (traced in the "
        "patient's history, the patient emailed, revocable)",
    ),
    **{
        ("POST", CONSENT, role, OWN): (PATIENTS_OWN, "their treating doctor, their team grant")
        for role in ("treating_doctor", "team_member")
    },
    **{
        ("POST", CONSENT, role, FOREIGN_SPACE): (
            ALLOWED,
            "recording another patient's consent is how anyone reaches a new patient",
        )
        for role in ("treating_doctor", "team_member")
    },
}
# The rules' refusal codes the professionals' API must give (docs/professionals.md: a patient
# without a space, or without a relationship, answers alike).
REFUSAL_CODES = {
    ("outside_professional", OWN): "NO_RELATIONSHIP",
    ("blocked", OWN): "BLOCKED",
    ("blocked", EMERGENCY): "BLOCKED",
    ("treating_doctor", FOREIGN_SPACE): "NO_RELATIONSHIP",
    ("team_member", FOREIGN_SPACE): "NO_RELATIONSHIP",
}
# Variants a family has no use for, and why.
NOT_APPLICABLE = {
    ("partners", "POST", FOREIGN_OBJECT): "a push names its patient in the body; any partner "
    "may push for any patient with a space (docs/partners.md): there is no foreign object",
    ("partners", "POST", FOREIGN_SPACE): "as above",
    ("partners", "POST", HIDDEN): "as above",
}

# Path parameters: which object each names. Others fail the walk ("add a rule").
OBJECT_PARAMS = {"document_id", "upload_id", "entry_id", "export_id", "appointment_id"}
# Public numbers, the same in every space (a professional's RPPS on /me/care/...): only naming
# another's space must fail.
# An item of the prevention calendar: the same id in every space whose holder it concerns.
PREVENTION_ITEM = "checkup-18-25"
NOT_AN_OBJECT = {"rpps": NAMED, "item_id": PREVENTION_ITEM}
# A professional's reference to the patient's file: the walker resolves the space's INS for
# each case, as the professional would (a refused resolution is the case's answer).
PATIENT_PARAM = "ref"
WAVE_PARAM = {"wave_id": "W20261101-1"}
# A calendar feed's token: the walk's opens nothing (tests/integration/test_agenda_feed.py
# fetches real ones).
FEED_PARAM = {"token": "A" * 43}
# Partner systems' keys (operators): ids, public, named alike whoever calls.
KEY_PARAMS = {"key_id": "walk-key-1", "partner_id": "walk-lab"}
# Request bodies of the routes outside the patients' API (test_route_walk.body_for has theirs).
CODE_CHECK = {"birth_date": "1985-06-01", "code": "AAAA-BBBB-CCCC"}
APPOINTMENT = {
    "start_local": "2030-03-04T09:30:00",
    "end_local": "2030-03-04T10:00:00",
    "time_zone": "Europe/Paris",
    "facility": "Centre de santé",
}
BODIES: dict[tuple[str, str], Any] = {
    ("POST", "/me/agenda/appointments"): APPOINTMENT,
    ("PUT", "/me/agenda/appointments/{appointment_id}"): APPOINTMENT,
    ("POST", "/me/agenda/feed"): {},
    ("PUT", "/me/agenda/feed"): {"show_place": True},
    ("PUT", "/me/agenda/prevention/{item_id}"): {"status": "NOT_DONE"},
    # No lead time: the walk's spaces have no contact to remind through.
    ("PUT", "/me/agenda/reminders"): {"leads": [], "channel": "EMAIL", "prevention": False},
    ("POST", "/pro/patients/{ref}/appointments"): APPOINTMENT,
    ("POST", CONSENT): {"scope": "full", "patient_agreed": True},  # and the INS (Walker.body)
    ("POST", REFERENCES): {},
    ("POST", "/enrollment/opposition"): CODE_CHECK,
    ("POST", "/enrollment/activation"): CODE_CHECK,
    ("POST", "/enrollment/code-checks"): CODE_CHECK,
    ("POST", "/enrollment/code-requests"): {"birth_date": "1985-06-01", "second_factor": "75001"},
    ("POST", "/accounts/code-requests"): {"birth_date": "1985-06-01"},
    ("POST", "/accounts/password"): {**CODE_CHECK, "password": "Walk-password-2027"},
    ("POST", "/operator/enrollment/decisions"): {
        "birth_date": "1985-06-01",
        "decision": "OPPOSED",
        "identity_checked": True,
    },
    ("POST", "/operator/suspensions"): {"birth_date": "1985-06-01", "reason": "IDENTITY_FRAUD"},
    ("POST", "/operator/suspensions/lifting"): {"birth_date": "1985-06-01"},
    ("POST", "/operator/helpline/acts"): {
        "action": "CLOSE",
        "birth_date": "1985-06-01",
        "identity_checked": True,
        "checks": ["IDENTITY_QUESTIONS"],
    },
    ("POST", "/operator/partner-keys"): {
        "partner_id": "walk-lab",
        "key_id": "walk-key-1",
        "public_key": "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=",  # RFC 8032, test 1
    },
}


# ------------------------------------------------------------------------------------ routes
@dataclass(frozen=True)
class WalkRoute:
    method: str
    path: str  # with {param}s, as the OpenAPI document (or the template) writes it
    family: str
    function: str
    resource: str  # the template's resource serving it
    authorizer: str | None
    takes_body: bool  # the OpenAPI operation has a requestBody (the template's: any POST)

    @property
    def params(self) -> list[str]:
        return re.findall(r"\{(\w+)\}", self.path)


def walk_routes(deployed) -> tuple[list[WalkRoute], list[str]]:
    """Every route of every API, and the problems found (an unreachable route, a new family)."""
    deployer = deployed[0]
    routes = load_routes(deployer.resolver, load_apis(deployer.resolver, "file:///unused"))
    problems: list[str] = []
    walked: dict[tuple[str, str], WalkRoute] = {}
    documented: set[int] = set()
    for function in sorted({r.function for r in routes}):
        module = importlib.import_module(deployer.functions[function].module)
        document = json.loads(module.app.get_openapi_json_schema())
        for path, operations in document.get("paths", {}).items():
            for method, operation in operations.items():
                method = method.upper()
                found = find_route(routes, method, re.sub(r"\{\w+\}", "x", path))
                if found is None or found[0].function != function:
                    served = found[0].function if found else "no route of the template"
                    problems.append(f"{method} {path} of {function} is served by {served}")
                    continue
                documented.add(id(found[0]))
                takes_body = "requestBody" in operation or (
                    function == "PartnersFunction" and method == "POST"
                )
                walked[(method, path)] = walk_route(method, path, found[0], takes_body, problems)
    for route in routes:
        if id(route) in documented:
            continue
        if route.method == "ANY" or route.resource.endswith("+}"):
            problems.append(f"{route.method} {route.resource}: no documented route under it")
            continue
        takes_body = route.method in ("POST", "PUT", "PATCH")
        walked[(route.method, route.resource)] = walk_route(
            route.method, route.resource, route, takes_body, problems
        )
    return sorted(walked.values(), key=lambda r: (r.path, r.method)), problems


def walk_route(method, path, route, takes_body, problems) -> WalkRoute:
    family = FAMILIES.get((route.function, route.authorizer))
    if family is None:
        problems.append(
            f"{method} {path}: ({route.function}, {route.authorizer}) is a new family: "
            "add it to FAMILIES, AUDIENCE and EXPECTED"
        )
    return WalkRoute(
        method, path, family or "?", route.function, route.resource, route.authorizer, takes_body
    )


def sample_body(route: WalkRoute) -> Any:
    """A valid body for the route, or None when it takes none."""
    if (route.method, route.path) in BODIES:
        return BODIES[(route.method, route.path)]
    if route.family == "professionals":  # the patient's bodies: uploads, profile entries
        return body_for(route.method, "/me" + route.path.removeprefix("/pro/patients/{ref}"))
    return body_for(route.method, route.path)


def resolved(pro, ins: str, number: str, headers=None) -> tuple[int, Any, Any]:
    """The professional's resolution of an INS into their reference to the file."""
    claims = professional_claims(number)
    return pro("POST", REFERENCES, claims, body={"ins": ins}, headers=headers)


# ------------------------------------------------------------------------------------- world
@dataclass
class SpaceObjects:
    """One space and an object of each kind in it, with the strings that would betray them."""

    holder: Any  # the Person whose space it is
    document_id: str = ""
    export_id: str = ""
    title: str = ""
    entries: dict[str, str] = field(default_factory=dict)
    care_version: int = 0
    appointment_id: str = ""

    @property
    def space_id(self) -> str:
        return str(self.holder.space_id)

    @property
    def ins(self) -> str:
        return str(self.holder.ins)

    def markers(self) -> set[str]:
        return {
            self.space_id,
            self.ins,
            self.document_id,
            self.title,
            *self.entries.values(),
            *filter(None, [self.appointment_id]),
        }


@dataclass
class World:
    alice: SpaceObjects  # A: the patient's, with a treating doctor, a team, a block
    bob: SpaceObjects  # B: another patient's
    minor: SpaceObjects  # M: a minor's, whose legal representative is `parent`
    parent: Any
    partner: Any
    held: str  # A's document held for the announcement consultation (hidden from A's side)
    secret: str  # M's document confidential from the representatives
    out_of_scope: str  # A's document of a category outside the team member's grant
    uploads: dict[str, str]  # A's uploads started by each professional, when the route exists
    groups: dict[str, set[str]] = field(default_factory=dict)


# What each role may see, by group of markers (World.groups); any other group must never appear
# in an answer to them.
VISIBLE = {
    "patient": {"A", "A.out_of_scope"},
    "representative": {"M"},
    "other_patient": {"B"},
    "treating_doctor": {"A", "A.out_of_scope", "A.held", "A.uploads"},
    "team_member": {"A", "A.held"},
    "outside_professional": set(),
    "blocked": set(),
    "partner": {"A", "A.out_of_scope", "A.held"},  # reads for the treating doctor
}


def objects_of(api, s3, deployed, owner, space=None, title="") -> SpaceObjects:
    """A document (also an upload) and an entry of every profile section, by the space's side."""
    headers = {"X-Space-Id": space.space_id} if space else None
    objects = SpaceObjects(space or owner, title=title)
    objects.document_id = upload_pdf(
        api, owner, s3, title=title, space=space.space_id if space else None
    )
    for section, sample in SPACE_SAMPLES.items():
        status, _, entry = api(
            "POST", f"/me/profile/{section}", owner, body=sample, headers=headers
        )
        assert status == 201, entry
        objects.entries[section] = entry["entry_id"]
    objects.appointment_id = agenda_objects(deployed, owner, headers)
    return objects


def agenda_call(deployed, method, path, who, body=None, headers=None):
    event = api_event(method, path, who.claims, body, headers, None, "/me/agenda/{proxy+}")
    return api_result(deployed[1].invoke("AgendaFunction", event))


def agenda_objects(deployed, owner, headers) -> str:
    """An appointment of the space, its calendar link, a prevention item's status and the
    reminders' settings; the appointment's id."""
    status, _, added = agenda_call(
        deployed, "POST", "/me/agenda/appointments", owner, APPOINTMENT, headers
    )
    assert status == 201, added
    assert agenda_call(deployed, "POST", "/me/agenda/feed", owner, {}, headers)[0] == 201
    # A prevention item marked once: at version 1, as the walk's If-Match says
    marked = agenda_call(
        deployed,
        "PUT",
        f"/me/agenda/prevention/{PREVENTION_ITEM}",
        owner,
        {"status": "TO_PLAN"},
        {**(headers or {}), "If-Match": "0"},
    )
    assert marked[0] == 200, marked
    reminders = agenda_call(  # set once: at version 1 too
        deployed,
        "PUT",
        "/me/agenda/reminders",
        owner,
        BODIES[("PUT", "/me/agenda/reminders")],
        {**(headers or {}), "If-Match": "0"},
    )
    assert reminders[0] == 200, reminders
    return str(added["appointment_id"])


def care_write(api, who, path, body=None, space=None, method="PUT"):
    headers = {"X-Space-Id": space} if space else {}
    version = api("GET", "/me/care", who, headers=headers)[2]["version"]
    status, _, care = api(
        method, path, who, body=body, headers={**headers, "If-Match": str(version)}
    )
    assert status == 200, care
    return care["version"]


def build_world(api, person, s3, pro, deployed, hospital, routes) -> World:
    import io

    from healthspace.wiring.directory_import import import_extract
    from tests.unit.test_directory import extract, line

    # The professional the paths name, in the directory of professionals.
    assert not import_extract(io.StringIO(extract(line(NAMED, family="Martin"))), "walk.txt")[1]
    alice, bob, parent = person("Alice"), person("Bob"), person("Paul")
    minor = person("Léa", represented_by=parent)
    a = objects_of(api, s3, deployed, alice, title="Bilan d'Alice 7f3a")
    b = objects_of(api, s3, deployed, bob, title="Bilan de Bob 91c2")
    m = objects_of(api, s3, deployed, parent, space=minor, title="Bilan de Léa 5d0e")
    # An export of each space by its holder, built (so that another may be asked for).
    for objects in (a, b, m):
        objects.export_id = api("POST", "/me/exports", objects.holder)[2]["export_id"]
        built = queued_stream_event(export_items(objects.holder))
        assert deployed[1].invoke("ExportsFunction", built) == {"batchItemFailures": []}
    # A's care record: a treating doctor, a team member on part of the file, a blocked one who
    # held full rights before.
    care_write(api, alice, "/me/care/treating-doctor", {"rpps": DOCTOR})
    care_write(api, alice, f"/me/care/team/{TEAM_MEMBER}", {"scope": list(TEAM_SCOPE)})
    care_write(api, alice, f"/me/care/team/{BLOCKED}", {"scope": "full"})
    a.care_version = care_write(api, alice, f"/me/care/blocked/{BLOCKED}")
    # B has a treating doctor of their own; M's parent manages the minor's care.
    b.care_version = care_write(api, bob, "/me/care/treating-doctor", {"rpps": NAMED})
    m.care_version = care_write(
        api, parent, "/me/care/treating-doctor", {"rpps": NAMED}, minor.space_id
    )
    held = deposit(alice, "urn:walk|HELD-1", hold_for_announcement=True)
    secret = deposit(minor, "urn:walk|SECRET-1", confidential_from_representatives=True)
    status, _, pushed = send(
        deployed,
        hospital,
        "/fhir/DocumentReference",
        document_for(alice, "WALK-REPORT-1"),
        nonce=uuid.uuid4().hex,
    )
    assert status == 201, pushed  # a report: outside the team member's scope
    # In the treating doctor's inbox, a break-glass access to A's file (the notices function
    # files it from the table's stream, which this folder's stack does not run).
    from healthspace.notices.patient import NoticeKind, ProfessionalNotice
    from healthspace.records.model import Author
    from healthspace.wiring.notices import professional_inbox

    notice = ProfessionalNotice(
        notice_id=uuid.uuid4().hex,
        at=datetime.now(UTC),
        kind=NoticeKind.EMERGENCY,
        patient_ins=alice.ins,
        patient_given_name="Alice",
        patient_family_name="Martin",
        patient_birth_date=date(1985, 6, 1),
        by=Author.professional(RESCUER),
    )
    professional_inbox().deliver(DOCTOR, notice)
    uploads = {}
    if any(r.method == "POST" and r.path == "/pro/patients/{ref}/uploads" for r in routes):
        body = body_for("POST", "/me/uploads")
        for role in ("treating_doctor", "team_member"):
            number = PROFESSIONAL_OF[role]
            url = f"/pro/patients/{resolved(pro, alice.ins, number)[2]['reference']}/uploads"
            status, _, ticket = pro("POST", url, professional_claims(number), body=body)
            assert status == 201, ticket
            uploads[role] = ticket["upload_id"]
    notices = pro("GET", "/pro/notices", professional_claims(DOCTOR))[2]
    assert notices["items"], notices  # something that others' inboxes must not show
    world = World(a, b, m, parent, hospital, held, secret, pushed["id"], uploads)
    world.groups = {
        "A": a.markers(),
        "A.out_of_scope": {pushed["id"]},
        "A.held": {held},
        "A.uploads": set(uploads.values()),
        "B": b.markers(),
        "M": m.markers(),
        "M.secret": {secret},
    }
    return world


@pytest.fixture(scope="module")
def _built():
    return {}


@pytest.fixture(autouse=True)
def _fresh_start(deployed):
    """Overrides the folder's: the table is emptied once, when the world is built. Each test
    still starts with cold caches, like a new Lambda instance."""
    from healthspace import wiring

    wiring.forget()


@pytest.fixture(scope="module")
def routes(deployed):
    return walk_routes(deployed)


@pytest.fixture
def world(_built, request, api, person, s3, pro, deployed, empty_table, routes) -> World:
    if "world" not in _built:
        empty_table()  # once: the world lives as long as the module
        hospital = request.getfixturevalue("hospital")
        _built["world"] = build_world(api, person, s3, pro, deployed, hospital, routes[0])
    return _built["world"]


# ------------------------------------------------------------------------------------- cases
@dataclass
class Case:
    route: WalkRoute
    role: str
    variant: str
    space: SpaceObjects  # the space acted on
    named: SpaceObjects  # the space whose objects the path names
    overrides: dict[str, str]  # path parameters naming hidden objects
    expected: str
    reason: str = ""

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (self.role, self.route.method, self.route.path, self.variant)


def acting_space(world: World, role: str) -> SpaceObjects:
    """The space a role legitimately acts on (outsiders: A, the file they are kept out of)."""
    return {"representative": world.minor, "other_patient": world.bob}.get(role, world.alice)


def foreign_space(world: World, role: str) -> SpaceObjects:
    return {"representative": world.alice, "other_patient": world.minor}.get(role, world.bob)


def hidden_objects(world: World, role: str) -> dict[str, str]:
    """Objects of the acting space that the role may not see, by path parameter."""
    return {
        "patient": {
            "document_id": world.held,
            "upload_id": world.uploads.get("treating_doctor", ""),
        },
        "representative": {"document_id": world.secret},
        "treating_doctor": {"upload_id": world.alice.document_id},  # the patient's own upload
        "team_member": {
            "document_id": world.out_of_scope,
            "upload_id": world.uploads.get("treating_doctor", ""),
        },
        "partner": {"document_id": world.out_of_scope},  # read for the team member
    }.get(role, {})


def path_values(case: Case, world: World) -> dict[str, str] | None:
    """The values of the route's path parameters; None when the case has no object to name."""
    route, named = case.route, case.named
    values = {
        **NOT_AN_OBJECT,
        **WAVE_PARAM,
        **KEY_PARAMS,
        **FEED_PARAM,
        PATIENT_PARAM: "resolved in call",
    }
    values["document_id"] = values["upload_id"] = named.document_id
    values["export_id"] = named.export_id
    values["appointment_id"] = named.appointment_id
    if route.family == "professionals":  # a professional's uploads are theirs
        someone_elses = world.uploads.get("treating_doctor", "")
        values["upload_id"] = (
            world.uploads.get(case.role, someone_elses)
            if named is world.alice
            else named.document_id
        )
    section = re.search(r"/profile/([a-z-]+)/\{entry_id\}", route.path)
    if section:
        values["entry_id"] = named.entries[section.group(1)]
    values.update(case.overrides)
    unknown = [p for p in route.params if p not in values]
    assert not unknown, f"{route.method} {route.path}: add a rule for the parameter(s) {unknown}"
    if not all(values[p] for p in route.params):
        return None
    return values


def names_a_space(route: WalkRoute) -> bool:
    """Whether a request of the route can name a space other than the caller's."""
    if route.family == "professionals":  # else a route about the professional themselves
        return PATIENT_PARAM in route.params or route.path in BY_INS
    if route.family == "partners":
        # the patient of a search (its body), the document of a read (its space); pushes:
        # NOT_APPLICABLE; the CapabilityStatement is nobody's
        return route.path == SEARCH_POST or "document_id" in route.params
    if route.path.startswith("/directory/"):
        return False  # the public directory: no space, X-Space-Id is not read
    return route.family != "patient_enrollment"  # acts on the token's INS only


def expected(route: WalkRoute, role: str, variant: str) -> tuple[str, str]:
    outcome = EXPECTED[(route.family, role)][variant]
    if outcome == UNAUTHENTICATED:
        return outcome, ""
    exception = ROLE_EXCEPTIONS.get((route.method, route.path, role, variant)) or EXCEPTIONS.get(
        (route.method, route.path, variant)
    )
    if exception:
        return exception
    if route.family == "professionals" and not names_a_space(route):
        return ALLOWED, "about the professional themselves (their inbox), not a patient's file"
    # The team member's grant: reading or adding to a profile section outside its scope is
    # refused.
    section = re.search(r"/profile/([a-z-]+)$", route.path)
    team_act = (route.family, role, variant)
    if team_act == ("professionals", "team_member", OWN) and section:  # noqa: SIM102
        if section.group(1) not in TEAM_SCOPE:
            return REFUSED, f"{section.group(1)} is outside the grant's scope {TEAM_SCOPE}"
    booking = route.method == "POST" and route.path.endswith("/appointments")
    if team_act == ("professionals", "team_member", OWN) and booking:
        return REFUSED, f"booking asks the right to add a report, outside the scope {TEAM_SCOPE}"
    return outcome, ""


def cases(world: World, routes: list[WalkRoute], family: str, role: str) -> list[Case]:
    return list(_cases(world, routes, family, role))


def _cases(world: World, routes: list[WalkRoute], family: str, role: str) -> Iterator[Case]:
    for route in (r for r in routes if r.family == family):
        objects = [p for p in route.params if p in OBJECT_PARAMS]
        for variant in EXPECTED[(family, role)]:
            pushes = route.method == "POST" and route.path != SEARCH_POST
            if (family, "POST" if pushes else route.method, variant) in NOT_APPLICABLE:
                continue
            reads = route.method == "GET" or route.path == REFERENCES
            if variant == EMERGENCY and (not reads or not names_a_space(route)):
                continue  # break-glass only reads, a patient's file
            if variant in (FOREIGN_SPACE, HIDDEN) and not names_a_space(route):
                continue
            mine, other = acting_space(world, role), foreign_space(world, role)
            overrides: dict[str, str] = {}
            if variant == FOREIGN_OBJECT:
                if not objects:
                    continue  # the route names no object
                space, named = mine, other
            elif variant == FOREIGN_SPACE:
                space = named = other
            elif variant == HIDDEN:
                overrides = {
                    p: v for p, v in hidden_objects(world, role).items() if p in objects and v
                }
                if not overrides:
                    continue
                space = named = mine
            else:
                space = named = mine
            if family in ("public_enrollment", "operators"):
                space = named = world.alice  # a person's INS, with no code nor helpline role
            outcome, reason = expected(route, role, variant)
            case = Case(route, role, variant, space, named, overrides, outcome, reason)
            if path_values(case, world) is not None:
                yield case


# ------------------------------------------------------------------------------------ calls
def nonce() -> str:
    return uuid.uuid4().hex


def snapshot(table, objects: SpaceObjects, family: str) -> list[dict[str, Any]]:
    """The space's items but its access log (reads append to it, refusals may), and for the
    enrollment routes the person's enrollment items."""
    from boto3.dynamodb.conditions import Key

    pk = Key("pk").eq(f"SPACE#{objects.space_id}")
    items = []
    for sk in (Key("sk").lt("LOG#"), Key("sk").gt("LOG$")):  # '$' follows '#'
        items.extend(table.query(KeyConditionExpression=pk & sk)["Items"])
    if family in ("public_enrollment", "operators"):
        for person in (f"PERSON#{objects.ins}", f"ENROLL#{objects.ins}"):
            items.extend(table.query(KeyConditionExpression=Key("pk").eq(person))["Items"])
    return items


@dataclass
class Walker:
    """Runs the cases: builds each request, calls the function, checks the answer."""

    world: World
    api: Any
    pro: Any
    person: Any
    s3: Any
    deployed: Any
    table: Any = None
    own_spaces: dict[tuple[str, str], tuple[Any, Any]] = field(default_factory=dict)

    def __post_init__(self):
        import os

        self.table = boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])

    # -- own objects that a write would change: fresh ones, so that the world stays as built
    def fresh(self, case: Case) -> tuple[Any, SpaceObjects]:
        """A space of the role's own with a new object for the case: one per test, and one per
        route of the care record (blocking someone would refuse their grant, and so on) and of
        the closure and the deletion (a closed or deleting space refuses the routes after it).
        A representative's is a child's (a representative closes only a child's space)."""
        own_route = case.route.path.startswith(
            ("/me/care", "/me/closure", "/me/deletion", "/me/agenda")
        )
        # The agenda's: one per route and method (a new calendar link changes the one of PUT).
        agenda = case.route.method if case.route.path.startswith("/me/agenda") else ""
        key = (case.role, f"{agenda}{case.route.path}" if own_route else "")
        if key not in self.own_spaces:
            if case.role == "representative":
                parent = self.person("Paul")
                child = self.person("Léa", represented_by=parent, birth_date=date(2015, 6, 1))
                self.own_spaces[key] = (parent, child)
            else:
                holder = self.person("Fresh")
                self.own_spaces[key] = (holder, holder)
        who, space = self.own_spaces[key]
        named = space.space_id if who is not space else None
        headers = {"X-Space-Id": named} if named else {}
        objects = SpaceObjects(space)
        if {"document_id", "upload_id"} & set(case.route.params):
            objects.document_id = upload_pdf(self.api, who, self.s3, space=named)
        section = re.search(r"/profile/([a-z-]+)/\{entry_id\}", case.route.path)
        if section:
            sample = SPACE_SAMPLES[section.group(1)]
            path = f"/me/profile/{section.group(1)}"
            entry = self.api("POST", path, who, body=sample, headers=headers)[2]
            objects.entries[section.group(1)] = entry["entry_id"]
        objects.care_version = self.api("GET", "/me/care", who, headers=headers)[2]["version"]
        if {"appointment_id", "item_id"} & set(case.route.params) or case.route.path in (
            "/me/agenda/feed",
            "/me/agenda/reminders",
        ):
            objects.appointment_id = agenda_objects(self.deployed, who, headers)
        return who, objects

    def body(self, case: Case) -> Any:
        route = case.route
        if route.path == SEARCH_POST:
            return {"patient": f"urn:oid:1.2.250.1.213.1.4.8|{case.space.ins}"}
        if route.family == "partners" and route.method == "POST":
            document = document_for(case.space.holder, f"WALK-{nonce()}")
            if route.path == "/fhir/DocumentReference":
                return document
            request = {"method": "POST", "url": "DocumentReference"}
            return {
                "resourceType": "Bundle",
                "type": "transaction",
                "entry": [{"resource": document, "request": request}],
            }
        body = sample_body(route)
        names_a_person = route.path.startswith(
            (
                "/enrollment/",
                "/operator/enrollment/",
                "/accounts/",
                "/operator/suspensions",
                "/operator/helpline/",
            )
        )
        if route.family in ("public_enrollment", "operators") and names_a_person and body:
            body = {**body, "ins": case.space.ins}
        if route.family == "professionals" and route.path in BY_INS:
            body = {**body, "ins": case.space.ins}
        return body

    def call(self, case: Case) -> tuple[int, Any, dict[str, Any]]:
        """(status, decoded body, what the request carried) of one case."""
        route, world = case.route, self.world
        who = {
            "patient": world.alice.holder,
            "representative": world.parent,
            "other_patient": world.bob.holder,
        }.get(case.role)
        fresh = (
            route.family in ("records", "agenda")
            and case.variant == OWN
            and route.method != "GET"
            and case.expected == ALLOWED
        )
        if fresh:
            who, objects = self.fresh(case)
            case = Case(route, case.role, case.variant, objects, objects, {}, case.expected)
        if route.path == CONSENT and case.expected == ALLOWED:  # it opens a file: not the world's
            objects = SpaceObjects(self.person("Consenting"))
            case = Case(route, case.role, case.variant, objects, objects, {}, case.expected)
        values = path_values(case, world)
        assert values is not None
        headers: dict[str, str] = {}
        if case.variant == EMERGENCY:
            headers["X-Emergency-Reason"] = "patient inconscient aux urgences"
        if route.family == "professionals" and PATIENT_PARAM in route.params:
            if case.role not in PROFESSIONAL_OF:  # another pool's token: refused before any rule
                values[PATIENT_PARAM] = "A" * 24
            else:
                status, _, answer = resolved(
                    self.pro, case.space.ins, PROFESSIONAL_OF[case.role], headers
                )
                if status != 201:  # the rules refuse the file at its naming
                    return status, answer, {"resolved": case.space.ins, "headers": headers}
                values[PATIENT_PARAM] = answer["reference"]
        url = re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], route.path)
        if route.family in ("records", "agenda") and case.space.holder is not who:
            headers["X-Space-Id"] = case.space.space_id
        if route.family in ("records", "agenda") and route.method in ("PUT", "PATCH", "DELETE"):
            care = route.path.startswith("/me/care")
            headers["If-Match"] = str(case.space.care_version) if care else "1"
        body = self.body(case) if route.takes_body else None
        carried = {"url": url, "headers": headers, "body": body}
        registry = self.deployed[1]
        if case.role == "partner":
            partner = world.partner
            professional = TEAM_MEMBER if case.variant == HIDDEN else DOCTOR
            if route.path == SEARCH_POST:
                field_value = professional_field(professional)
                status, _, answer = search(
                    self.deployed, partner, body, nonce=nonce(), professional=field_value
                )
            elif route.family == "partners" and route.params:  # a read, by the document's id
                field_value = professional_field(professional)
                status, _, answer = read(
                    self.deployed, partner, url, nonce=nonce(), professional=field_value
                )
            elif route.family == "partners" and route.method == "GET":  # the capabilities
                signed = partner.sign(
                    "GET", f"{BASE}{url}", b"", created=datetime.now(UTC), nonce=nonce()
                )
                event = api_event("GET", url, None, None, signed, resource=route.resource)
                status, _, answer = api_result(registry.invoke(route.function, event))
            elif route.family == "partners":
                status, _, answer = send(self.deployed, partner, url, body, nonce=nonce())
            else:  # a signed request on a route that is not the partners'
                raw = json.dumps(body).encode() if body is not None else b""
                signed = partner.sign(
                    route.method, f"{BASE}{url}", raw, created=datetime.now(UTC), nonce=nonce()
                )
                event = api_event(
                    route.method,
                    url,
                    None,
                    body,
                    {**signed, **headers},
                    QUERIES.get((route.method, route.path)),
                    route.resource,
                )
                status, _, answer = api_result(registry.invoke(route.function, event))
            return status, answer, carried
        claims = (
            who.claims
            if case.role in PATIENT_ROLES
            else professional_claims(PROFESSIONAL_OF[case.role])
        )
        if route.family == "partners":  # a token, no signature
            headers["Authorization"] = "Bearer token-of-another-pool"
        query = QUERIES.get((route.method, route.path))
        event = api_event(route.method, url, claims, body, headers, query, route.resource)
        status, _, answer = api_result(registry.invoke(route.function, event))
        return status, answer, carried

    def check(self, case: Case) -> str | None:
        """None if the case answered as expected, else what went wrong."""
        # A refusal by the rules is checked case by case; one by identity (before any rule runs)
        # once per test, by `unchanged` (each snapshot costs queries, of 20-60 items).
        write = case.route.method != "GET" and case.expected in (REFUSED, PATIENTS_OWN)
        spaces = [case.named] if case.named is case.space else [case.space, case.named]
        family = case.route.family
        before = [snapshot(self.table, s, family) for s in spaces] if write else None
        status, answer, carried = self.call(case)
        text = json.dumps(answer)
        if status not in OUTCOMES[case.expected]:
            why = f" ({case.reason})" if case.reason else ""
            return f"{case.key}: expected {case.expected}{why}, got {status} {text[:200]}"
        code = REFUSAL_CODES.get((case.role, case.variant))
        if case.expected == REFUSED and case.route.family == "professionals" and code:  # noqa: SIM102
            if (status, (answer or {}).get("code")) != (403, code):
                return f"{case.key}: expected 403 {code}, got {status} {text[:200]}"
        asked = json.dumps(carried)
        visible = VISIBLE[case.role]
        for group, markers in self.world.groups.items():
            if group in visible:
                continue
            leaked = {m for m in markers if m in text and m not in asked}
            if leaked:
                return f"{case.key}: the answer shows {group}'s {sorted(leaked)}: {text[:300]}"
        if write and status >= 300:
            after = [snapshot(self.table, s, family) for s in spaces]
            if after != before:
                changed = [changes(b, a) for b, a in zip(before, after, strict=True)]
                return f"{case.key}: refused ({status}) but changed {changed}"
        return None

    def unchanged(self, spaces: list[SpaceObjects], family: str) -> Iterator[str]:
        """Snapshots the spaces, yields (after the caller's cases ran) what changed in them."""
        before = [snapshot(self.table, space, family) for space in spaces]
        yield ""
        for space, was in zip(spaces, before, strict=True):
            now = snapshot(self.table, space, family)
            if now != was:
                yield f"space of {space.holder.given_name}: changed {changes(was, now)}"


def changes(before: list[dict[str, Any]], after: list[dict[str, Any]]) -> list[str]:
    return [f"+{i['sk']}" for i in after if i not in before] + [
        f"-{i['sk']}" for i in before if i not in after
    ]


@pytest.fixture
def walker(world, api, pro, person, s3, deployed) -> Walker:
    return Walker(world, api, pro, person, s3, deployed)


# ------------------------------------------------------------------------------------ tests
def test_the_walk_covers_every_route_of_every_api(routes):
    walked, problems = routes
    assert not problems, "\n".join(problems)
    families = {r.family for r in walked}
    assert families == set(AUDIENCE), f"families without a route: {set(AUDIENCE) - families}"
    for family in families:
        for role in ROLES:
            assert (family, role) in EXPECTED, f"no expectation for {role} on {family}"
    counts = {f: sum(r.family == f for r in walked) for f in families}
    assert counts["records"] >= 50 and counts["professionals"] >= 10, counts
    assert counts["partners"] == 5, counts  # their OpenAPI document, /fhir/metadata included
    for route in walked:
        if route.takes_body and route.family != "partners":  # the walker writes FHIR bodies
            assert sample_body(route) is not None, f"add a sample body for {route.path}"


@pytest.mark.parametrize(
    ("family", "role"), [pytest.param(f, r, id=f"{r} on {f}") for f, r in sorted(EXPECTED)]
)
def test_each_role_reaches_only_what_it_may(family, role, world, routes, walker):
    """Given the world, when `role` calls every route of `family` with its own objects and with
    foreign ones, then each answers as EXPECTED says, shows nothing of another space and,
    refused, changes nothing."""
    walked = cases(world, routes[0], family, role)
    refused_by_identity = {
        id(case.named): case.named
        for case in walked
        if case.route.method != "GET" and case.expected not in (ALLOWED, REFUSED, PATIENTS_OWN)
    }
    unchanged = walker.unchanged(list(refused_by_identity.values()), family)
    next(unchanged)
    failures = [walker.check(case) for case in walked]
    failures = [failure for failure in failures if failure] + list(unchanged)
    assert walked, f"no case for {role} on {family}"
    assert not failures, f"{len(failures)} of {len(walked)} cases failed:\n" + "\n".join(failures)
