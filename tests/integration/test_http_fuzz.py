"""Property: whatever arrives over HTTP, no route of any API answers a 5xx, every refusal is
`{code, message}` (an OperationOutcome on the partners' FHIR routes), and every answer carries
the security headers.

Hypothesis draws, for every route of every API (the authorisation walk's list: the OpenAPI
documents and the template), a request from a valid one of its family's allowed caller: random
headers (If-Match, X-Space-Id, Content-Type, Accept, X-Emergency-Reason), query strings, path
parameters and bodies (the route's sample with fields replaced, any JSON, deep nesting, bytes
that are not UTF-8). The seed is fixed (derandomize) and the examples bounded, so that CI runs
the same requests every time; a failure prints the request that broke.
"""

from __future__ import annotations

import base64
import json
import re
import uuid
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from healthspace.api.common import SECURITY_HEADERS
from healthspace.kernel.identifiers import make_ins
from infra.local.sample_events import api_event, api_result
from tests.integration.test_authorization_walk import (
    ALLOWED,
    DOCTOR,
    OWN,
    PATIENT_PARAM,
    PROFESSIONAL_OF,
    Case,
    Walker,
    path_values,
    resolved,
)
from tests.integration.test_authorization_walk import (
    _built as _built,  # the fixtures the world is built with
)
from tests.integration.test_authorization_walk import _fresh_start as _fresh_start
from tests.integration.test_authorization_walk import hospital as hospital
from tests.integration.test_authorization_walk import pro as pro
from tests.integration.test_authorization_walk import routes as routes
from tests.integration.test_authorization_walk import world as world
from tests.integration.test_enrollment_api import OPERATOR
from tests.integration.test_partner_api import BASE, professional_field
from tests.integration.test_professionals_api import claims as professional_claims

EXAMPLES_PER_FAMILY = 150
# Text a client could put anywhere: printable, non-ASCII digits ("²", "٣") and letters, quotes,
# separators; no line breaks or NUL (HTTP carries none in a header).
TEXT = st.text(
    st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\r\n\x00"), max_size=40
)
NUMBERS = st.one_of(st.integers(-(2**70), 2**70).map(str), st.sampled_from(["", "0", "²", "1e9"]))
HEADERS = {
    "If-Match": st.one_of(NUMBERS, TEXT, NUMBERS.map(lambda n: f'W/"{n}"')),
    "X-Space-Id": st.one_of(TEXT, st.uuids().map(str)),
    "Content-Type": st.sampled_from(
        [
            "application/json",
            "application/json; charset=latin-1",
            "application/fhir+json",
            "application/fhir+xml",
            "text/plain",
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=x",
            "",
        ]
    ),
    "Accept": st.sampled_from(["application/json", "application/fhir+json", "text/html", "*/*"]),
    "X-Emergency-Reason": TEXT,
}
QUERY_NAMES = st.one_of(
    st.sampled_from(["limit", "cursor", "category", "patient", "status", "from", "to", "_count"]),
    TEXT.filter(bool),
)
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=12,
)


def nested(depth: int) -> str:
    return '{"a":' * depth + "1" + "}" * depth


def bodies(sample: Any) -> st.SearchStrategy[Any]:
    """JSON text, or bytes (sent base64-encoded, as API Gateway sends what is not text)."""
    choices = [st.none(), JSON.map(json.dumps), st.integers(30, 3000).map(nested)]
    choices.append(st.binary(max_size=64).map(bytes))
    choices.append(st.just('{"truncated": ').map(str))
    if isinstance(sample, dict) and sample:
        replaced = st.dictionaries(st.sampled_from(sorted(sample)), JSON, min_size=1)
        choices.append(replaced.map(lambda fields: json.dumps({**sample, **fields})))
        choices.append(st.just(json.dumps(sample)))
    return st.one_of(choices)


def well_formed(family: str, path: str, answer: Any) -> bool:
    if family == "partners" and path.startswith("/fhir"):
        return isinstance(answer, dict) and (
            answer.get("resourceType") == "OperationOutcome" or {"code", "message"} <= set(answer)
        )
    return (
        isinstance(answer, dict)
        and isinstance(answer.get("code"), str)
        and isinstance(answer.get("message"), str)
        and bool(answer["message"])
    )


# Each family's caller with the most reach: the deepest code a request can get to.
CALLER = {
    "records": "patient",
    "professionals": "treating_doctor",
    "partners": "partner",
    "public_enrollment": None,
    "patient_enrollment": "patient",
    "operators": "operator",
}


# The operators' routes that change a space's life (close, suspend) name nobody with a space
# here: a valid request would close or freeze the patient every other family fuzzes next.
LIFE_ROUTES = ("/operator/suspensions", "/operator/helpline/")
NOBODY = make_ins("2990175999999")


def identity(family: str, world) -> dict[str, Any] | None:
    role = CALLER[family]
    if role == "patient":
        return world.alice.holder.claims
    if role == "operator":
        return OPERATOR
    if role in PROFESSIONAL_OF:
        return professional_claims(DOCTOR)
    return None


def request(route, world, walker: Walker, draw, reference: str) -> dict[str, Any]:
    """A random request on the route, starting from a valid one (`reference`: the treating
    doctor's to the patient's file)."""
    case = Case(
        route, CALLER[route.family] or "patient", OWN, world.alice, world.alice, {}, ALLOWED
    )
    values = {**(path_values(case, world) or {}), PATIENT_PARAM: reference}
    for name in route.params:
        if draw(st.booleans()):
            values[name] = draw(TEXT.filter(lambda t: t and "/" not in t and "?" not in t))
    url = re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], route.path)
    sample = walker.body(case) if route.takes_body else None
    if route.path.startswith(LIFE_ROUTES) and isinstance(sample, dict):
        sample = {**sample, "ins": NOBODY}
    body = draw(bodies(sample))
    headers = {name: draw(value) for name, value in HEADERS.items() if draw(st.booleans())}
    query = draw(st.dictionaries(QUERY_NAMES, TEXT, max_size=3))
    return {"url": url, "body": body, "headers": headers, "query": query}


def invoke(route, world, deployed, sent: dict[str, Any]) -> tuple[int, dict[str, str], Any]:
    body, headers = sent["body"], dict(sent["headers"])
    raw = body if isinstance(body, bytes) else (body or "").encode()
    if route.family == "partners":  # signed as a client sends it: percent-encoded, query sorted
        url = BASE + quote(sent["url"], safe="/")
        if sent["query"]:
            url += "?" + urlencode(sorted(sent["query"].items()), quote_via=quote, safe="")
        headers.update(
            world.partner.sign(
                route.method,
                url,
                raw,
                created=datetime.now(UTC),
                nonce=uuid.uuid4().hex,
                headers={"Healthspace-Professional": professional_field(DOCTOR)},
            )
        )
    event = api_event(
        route.method,
        sent["url"],
        identity(route.family, world),
        None,
        headers,
        sent["query"] or None,
        resource=route.resource,
    )
    if "Content-Type" not in headers and raw:
        event["headers"]["Content-Type"] = "application/json"
    if isinstance(body, bytes):
        event.update(body=base64.b64encode(body).decode(), isBase64Encoded=True)
    elif body is not None:
        event["body"] = body
    return api_result(deployed[1].invoke(route.function, event))


@pytest.mark.parametrize("family", sorted(CALLER))
def test_no_request_gets_a_server_error(family, routes, world, api, pro, person, s3, deployed):
    walker = Walker(world, api, pro, person, s3, deployed)
    status, _, referred = resolved(pro, world.alice.ins, DOCTOR)
    assert status == 201, referred
    served = [route for route in routes[0] if route.family == family]
    assert served, f"no route of {family}"

    @settings(
        max_examples=EXAMPLES_PER_FAMILY,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(data=st.data())
    def answers_without_a_fault(data):
        route = data.draw(st.sampled_from(served), label="route")
        sent = request(route, world, walker, data.draw, referred["reference"])
        status, headers, answer = invoke(route, world, deployed, sent)
        shown = json.dumps(answer, default=str)[:300]
        assert status < 500, f"{route.method} {route.path} {sent!r} answered {status} {shown}"
        assert SECURITY_HEADERS.items() <= headers.items(), f"{route.path}: {headers}"
        if status >= 400:
            assert well_formed(family, route.path, answer), f"{route.path}: {status} {shown}"

    answers_without_a_fault()
