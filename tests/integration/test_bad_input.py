"""Bad input gets a 4xx with `{code, message}`, never a 5xx, and changes nothing: the cases an
outside probe found answering 500, one by one. (The property-based walk over every route is
tests/integration/test_http_fuzz.py.)"""

import base64
import json

import pytest

from infra.local.sample_events import api_event, api_result

PROFILE = "/me/profile/allergies"
ENTRY = {"substance": "Arachide", "category": "food", "criticality": "high"}


def send(deployed, who, body, content_type="application/json", base64_body=False):
    event = api_event("POST", PROFILE, who.claims, "x")
    event["headers"]["Content-Type"] = content_type
    event["multiValueHeaders"]["Content-Type"] = [content_type]
    event["body"] = base64.b64encode(body).decode() if base64_body else body.decode()
    event["isBase64Encoded"] = base64_body
    return api_result(deployed[1].invoke("RecordsFunction", event))


def entries(api, who):
    return api("GET", PROFILE, who)[2]["items"]


@pytest.mark.parametrize(
    ("name", "body", "content_type", "base64_body", "status"),
    [
        ("nested 1,000 deep", b"[" * 1000 + b"]" * 1000, "application/json", False, 400),
        ("nested past the bound", b'{"a":' * 40 + b"1" + b"}" * 40, "application/json", False, 400),
        ("text/plain on a JSON route", b'{"substance": "x"}', "text/plain", False, 415),
        (
            "a form on a JSON route",
            b"substance=x&category=food",
            "application/x-www-form-urlencoded",
            False,
            415,
        ),
        ("not UTF-8", '{"substance": "é"}'.encode("latin-1"), "application/json", True, 400),
        ("a JSON of another kind", b'{"a": 1}', "application/merge-patch+json", False, 415),
        ("JSON in capitals, unread by the resolver", b"{}", "Application/JSON", False, 415),
        ("UTF-8 declared otherwise", b'{"a": 1}', "application/json; charset=latin-1", False, 415),
    ],
)
def test_an_unreadable_body_is_a_4xx_that_changes_nothing(
    name, body, content_type, base64_body, status, api, person, deployed
):
    alice = person("Alice")
    answered, _, answer = send(deployed, alice, body, content_type, base64_body)
    assert answered == status, (name, answer)
    assert set(answer) == {"code", "message"} and answer["message"], answer
    assert entries(api, alice) == []


def test_json_declared_with_its_charset_or_sent_as_base64_is_read(api, person, deployed):
    alice = person("Alice")
    body = json.dumps(ENTRY).encode()
    for content_type in ("application/json; charset=utf-8", "application/json;charset=UTF8"):
        status, _, answer = send(deployed, alice, body, content_type)
        assert status == 201, (content_type, answer)
    utf8 = send(
        deployed,
        alice,
        json.dumps({**ENTRY, "substance": "Pénicilline"}).encode(),
        base64_body=True,
    )
    assert utf8[0] == 201 and utf8[2]["substance"] == "Pénicilline", utf8
    assert len(entries(api, alice)) == 3


@pytest.mark.parametrize("written", [0, 1700000000, 1.5, True])
def test_a_date_sent_as_a_number_is_refused(written, api, person):
    """pydantic would read a number as seconds since 1970: `"date": 0` was 1 January 1970."""
    alice = person("Alice")
    status, _, answer = api(
        "POST", "/me/profile/vaccinations", alice, body={"vaccine": "Grippe", "date": written}
    )
    assert (status, answer["code"]) == (400, "VALIDATION_ERROR"), answer
    assert "ISO 8601" in answer["message"]
    assert api("GET", "/me/profile/vaccinations", alice)[2]["items"] == []
    accepted = api(
        "POST", "/me/profile/vaccinations", alice, body={"vaccine": "Grippe", "date": "2025-10-20"}
    )
    assert accepted[0] == 201, accepted
