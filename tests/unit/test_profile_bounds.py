"""Every collection bounded, every list paged (issue 10, section 2): a profile section holds at
most its cap, a read is one page, and whatever a page holds, its answer stays under Lambda's
6 MB; past it, api_handler answers a clear error instead of API Gateway's 502."""

import base64
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, CORSConfig
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent

from healthspace.adapters.dynamodb.paging import decode_cursor, encode_cursor
from healthspace.api.common import MAX_RESPONSE_BYTES, api_handler, caller, response_bytes
from healthspace.api.shapes import page_body, profile_summary
from healthspace.care.matrices import Profession
from healthspace.kernel.entity import MAX_PAGE, Page
from healthspace.kernel.errors import BadRequest, Forbidden, LimitReached
from healthspace.records.model import MAX_DISPLAY_NAME, ActorKind, Author, ProfileEntry
from healthspace.records.profile import validate_section
from healthspace.records.sections import MAX_ENTRIES, SECTIONS, SUMMARY_PAGE
from infra.local.sample_events import api_event
from tests.unit.conftest import ALICE_INS
from tests.unit.test_professional_access import NURSE, pro
from tests.wave.test_wave_handler import emitted_metrics

# The heaviest character in an answer: an astral one is a \uXXXX\uXXXX pair in the body (14 bytes
# once Lambda escapes the body's backslashes), where a quote weighs 4 and a control character 7.
HEAVY = "\U0001d11e"


def heavy(length: int) -> str:
    return HEAVY * length


HEAVY_CODE = {"system": "urn:" + heavy(196), "code": heavy(64), "display": heavy(200)}
LONG_EMAIL = "a" * 64 + "@" + ".".join(["b" * 63, "c" * 63, "d" * 58]) + ".fr"  # 254, the most
# Every section's heaviest entry: each field at its longest, in its heaviest characters.
HEAVIEST: dict[str, dict[str, Any]] = {
    "allergies": {
        "substance": heavy(200),
        "code": HEAVY_CODE,
        "category": "environment",
        "criticality": "unable-to-assess",
        "reaction": heavy(2000),
        "onset_date": "2020-01-01",
    },
    "treatments": {
        "medication": heavy(200),
        "code": HEAVY_CODE,
        "dosage": heavy(200),
        "start_date": "2020-01-01",
        "end_date": "2021-01-01",
        "status": "completed",
    },
    "conditions": {
        "name": heavy(200),
        "code": HEAVY_CODE,
        "clinical_status": "recurrence",
        "onset_date": "2020-01-01",
        "note": heavy(2000),
    },
    "vaccinations": {
        "vaccine": heavy(200),
        "code": HEAVY_CODE,
        "date": "2020-01-01",
        "lot_number": heavy(40),
        "dose_number": 20,
    },
    "measurements": {
        "kind": "blood-pressure",
        "value": 299.99999999999994,
        "diastolic": 20.000000000000004,
        "unit": "mmHg",
        "measured_at": "2020-01-01T23:59:59.999999+14:00",
    },
    "advance-directives": {"title": heavy(200), "content": heavy(5000), "date": "2020-01-01"},
    "contacts": {
        "kind": "emergency-contact",
        "name": heavy(200),
        "relationship": heavy(200),
        "phone": "+123456789012345",
        "email": LONG_EMAIL,
    },
}
AT = datetime(2026, 11, 2, 23, 59, 59, 999999, tzinfo=UTC)


def heaviest_entry(section: str) -> ProfileEntry:
    return ProfileEntry(
        section=section,
        entry_id="0" * 26,
        version=999_999_999,
        created_at=AT,
        updated_at=AT,
        author=Author(kind=ActorKind.PROFESSIONAL, id="rpps:" + "9" * 11, display_name=heavy(200)),
        fields=validate_section(section, HEAVIEST[section]),  # what the API would store
        space_id="0" * 26,
        confidential_from_representatives=True,
    )


def answered(body: dict[str, Any]) -> dict[str, Any]:
    """The proxy response a route answering `body` gives, through Powertools' own serializer."""
    app = APIGatewayRestResolver(enable_validation=True)
    app.get("/answer")(lambda: body)
    return app.resolve(api_event("GET", "/answer", None), None)  # type: ignore[arg-type]


def test_every_section_has_a_cap_and_its_heaviest_entry_is_valid():
    assert set(MAX_ENTRIES) == set(SECTIONS) == set(HEAVIEST)
    for section in SECTIONS:
        assert heaviest_entry(section).fields  # valid: refused fields would raise


@pytest.mark.parametrize("section", list(SECTIONS))
def test_a_page_of_heaviest_entries_stays_under_the_limit(section):
    # A page holds MAX_PAGE entries at most, and never more than the section may hold
    entries = [heaviest_entry(section)] * min(MAX_PAGE, MAX_ENTRIES[section])
    page = Page[ProfileEntry](items=entries, next_cursor=encode_cursor({"pk": {"S": "x" * 100}}))
    size = response_bytes(answered(page_body(page)))
    print(f"{section}: {len(entries)} entries, {size:,} bytes")
    assert size <= MAX_RESPONSE_BYTES


def test_the_summary_of_heaviest_sections_stays_under_the_limit():
    cursor = encode_cursor({"pk": {"S": "x" * 100}, "sk": {"S": "y" * 100}})
    sections = {
        section: Page[ProfileEntry](
            items=[heaviest_entry(section)] * min(SUMMARY_PAGE, MAX_ENTRIES[section]),
            next_cursor=cursor,
        )
        for section in SECTIONS
    }
    size = response_bytes(answered(profile_summary(sections)))
    print(f"summary: {size:,} bytes")
    assert size <= MAX_RESPONSE_BYTES


# --- the caps, on the domain


@pytest.fixture
def holder(medical_file, alice, spaces):
    return medical_file.spaces.policy.resolve(alice, None)


CONTACT = {"kind": "trusted-person", "name": "Paul", "phone": "0612345678"}


def test_a_full_section_refuses_the_next_entry_naming_its_cap(medical_file, holder, store):
    cap = MAX_ENTRIES["contacts"]
    added = [medical_file.profile.add_entry(holder, "contacts", CONTACT) for _ in range(cap)]
    logged = len(store.log)
    with pytest.raises(LimitReached, match=f"contacts holds at most {cap} entries") as refused:
        medical_file.profile.add_entry(holder, "contacts", CONTACT)
    assert (refused.value.status, refused.value.code) == (409, "LIMIT_REACHED")
    assert len(store.log) == logged  # nothing written, not even its access-log entry
    # Another section, or another space, is not full
    medical_file.profile.add_entry(holder, "allergies", {"substance": "x", "category": "food"})
    # Removing one makes room for one
    medical_file.profile.delete_entry(holder, "contacts", added[0].entry_id, None)
    medical_file.profile.add_entry(holder, "contacts", CONTACT)
    with pytest.raises(LimitReached):
        medical_file.profile.add_entry(holder, "contacts", CONTACT)


def test_a_section_reads_page_by_page_newest_first(medical_file, holder):
    added = [medical_file.profile.add_entry(holder, "contacts", CONTACT).entry_id for _ in range(5)]
    seen, cursor, pages = [], None, 0
    while True:
        page = medical_file.profile.list_section(holder, "contacts", 2, cursor)
        seen += [entry.entry_id for entry in page.items]
        pages, cursor = pages + 1, page.next_cursor
        if cursor is None:
            break
    assert (seen, pages) == (added[::-1], 3)
    with pytest.raises(BadRequest, match="limit must be between 1 and 100"):
        medical_file.profile.list_section(holder, "contacts", MAX_PAGE + 1, None)


def test_the_summary_shows_each_sections_first_page(medical_file, holder):
    for _ in range(SUMMARY_PAGE + 1):
        medical_file.profile.add_entry(
            holder, "vaccinations", {"vaccine": "x", "date": "2020-01-01"}
        )
    summary = medical_file.profile.read(holder)
    assert set(summary) == set(SECTIONS)
    assert len(summary["vaccinations"].items) == SUMMARY_PAGE
    rest = medical_file.profile.list_section(
        holder, "vaccinations", MAX_PAGE, summary["vaccinations"].next_cursor
    )
    assert (len(rest.items), rest.next_cursor) == (1, None)
    assert (summary["contacts"].items, summary["contacts"].next_cursor) == ([], None)


def test_a_professional_may_not_page_through_a_section_they_do_not_read(medical_file, holder):
    medical_file.controls.grant_access(holder, NURSE, "full", 0)
    nurse = medical_file.professionals.open_for_professional(
        pro(NURSE, Profession.INFIRMIER), holder.caller.ins
    )
    with pytest.raises(Forbidden, match="may not read this section"):
        medical_file.profile.list_section(nurse, "conditions", 20, None)
    assert medical_file.profile.list_section(nurse, "allergies", 20, None).items == []


# --- cursors


def _cursor(key: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode()


MINE = {"pk": {"S": "SPACE#mine"}, "sk": {"S": "PROFILE#contacts#01J"}}


@pytest.mark.parametrize(
    "key",
    [
        {**MINE, "pk": {"S": "SPACE#theirs"}},  # another space
        {**MINE, "sk": {"S": "PROFILE#allergies#01J"}},  # another section
        {**MINE, "sk": {"S": "LOG#01J"}},  # another kind of item: DynamoDB would answer 500
        {**MINE, "sk": {"N": "1"}},  # not a string
        {**MINE, "gsi1pk": {"S": "x"}},  # an attribute the query's key has not
        {"pk": MINE["pk"]},  # a key without its sort key
        ["SPACE#mine"],
    ],
)
def test_a_cursor_bent_out_of_its_section_is_refused(key):
    with pytest.raises(BadRequest, match="cursor is not valid"):
        decode_cursor(_cursor(key), ("pk", "SPACE#mine"), sk="PROFILE#contacts#")


def test_a_cursor_of_its_own_section_is_taken_and_garbage_refused():
    assert decode_cursor(_cursor(MINE), ("pk", "SPACE#mine"), sk="PROFILE#contacts#") == MINE
    for garbage in ("%%%", "bm90IGpzb24", base64.urlsafe_b64encode(b"\xff").decode()):
        with pytest.raises(BadRequest):
            decode_cursor(garbage, ("pk", "SPACE#mine"), sk="PROFILE#contacts#")


# --- the last line of defence


class Context:
    function_name, memory_limit_in_mb, aws_request_id = "records", 1024, "req-1"
    invoked_function_arn = "arn:aws:lambda:eu-west-3:123456789012:function:records"


def _handler(body_bytes: int):
    app = APIGatewayRestResolver(cors=CORSConfig(allow_origin="https://espace.example.org"))
    app.get("/big")(lambda: {"items": ["x" * body_bytes]})
    return api_handler(app, dict)


def test_an_answer_over_the_limit_becomes_a_clear_error_and_a_metric(capsys):
    event = api_event("GET", "/big", None, headers={"Origin": "https://espace.example.org"})
    response = _handler(MAX_RESPONSE_BYTES)(event, Context())  # type: ignore[arg-type]
    assert response["statusCode"] == 500
    assert json.loads(response["body"]) == {
        "code": "RESPONSE_TOO_LARGE",
        "message": "the answer would pass the 6 MB a response may carry; ask for a smaller page "
        "(limit)",
    }
    headers = response["multiValueHeaders"]
    assert headers["Content-Type"] == ["application/json"]
    assert headers["Access-Control-Allow-Origin"] == ["https://espace.example.org"]  # readable
    (document,) = emitted_metrics(capsys.readouterr().out)
    assert document["ResponseTooLarge"] == [1.0]


def test_an_answer_under_the_limit_is_left_as_it_is():
    event = api_event("GET", "/big", None)
    response = _handler(MAX_RESPONSE_BYTES - 1000)(event, Context())  # type: ignore[arg-type]
    assert response["statusCode"] == 200
    assert response_bytes(response) <= MAX_RESPONSE_BYTES


class Router:
    """What caller() reads of a router: its current event."""

    def __init__(self, claims: dict[str, str]) -> None:
        self.current_event = APIGatewayProxyEvent(api_event("GET", "/me", claims))


def test_an_authors_name_from_a_token_is_bounded():
    # A name claim may carry 2,048 characters; every entry and log line repeats its author's
    claims = {"sub": "s", "custom:ins": ALICE_INS, "given_name": "A" * 2048, "family_name": "B"}
    assert len(caller(Router(claims)).display_name) == MAX_DISPLAY_NAME  # type: ignore[arg-type]
