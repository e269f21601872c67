"""Closing a space through the records function, against moto: the route, what the table holds
after it (the space CLOSED, its closure indexed by the day of its purge, the history's entry),
the refusals that change nothing, the race of two closures on the table's condition, and the
daily releases skipping a closed space."""

import os
import time
from datetime import UTC, date, datetime

import boto3
import pytest

from tests.integration.test_announcement_holds import held_long_ago as held_long_ago  # fixture
from tests.integration.test_records_api import upload_pdf
from tests.samples import SPACE_SAMPLES

CLOSE = {"confirm": "CLOSE"}


def table_item(space_id, sk):
    table = boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])
    return table.get_item(Key={"pk": f"SPACE#{space_id}", "sk": sk}).get("Item")


def space_items(space_id):
    from boto3.dynamodb.conditions import Key

    table = boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])
    return table.query(KeyConditionExpression=Key("pk").eq(f"SPACE#{space_id}"))["Items"]


def signed_in(who, seconds_ago):
    return {**who.claims, "auth_time": str(int(time.time()) - seconds_ago)}


def test_the_holder_closes_their_space(api, person, s3):
    alice = person("Alice")
    document_id = upload_pdf(api, alice, s3)

    status, _, closed = api("POST", "/me/closure", alice, body=CLOSE)

    assert status == 200, closed
    assert closed["status"] == "CLOSED" and closed["closed_by"] == {"role": "HOLDER"}
    closed_at = datetime.fromisoformat(closed["closed_at"])
    purge_after = datetime.fromisoformat(closed["purge_after"])
    assert abs((datetime.now(UTC) - closed_at).total_seconds()) < 60
    assert (purge_after.year - closed_at.year, purge_after.month) == (10, closed_at.month)
    # The table: the space CLOSED at its next version (2 was its data key's, kept), the
    # closure indexed by the day of its purge
    space = table_item(alice.space_id, "SPACE")
    assert (space["status"], space["version"]) == ("CLOSED", 3)
    assert '"wrapped_key":null' not in space["body"]
    closure = table_item(alice.space_id, "CLOSURE")
    assert closure["gsi1pk"] == f"PURGE#{purge_after.astimezone(UTC).date().isoformat()}"
    assert closure["gsi1sk"] == alice.space_id
    assert alice.ins not in str(closure) and "Alice" not in str(closure)
    # ... and in the space's history, by its holder
    logs = [i for i in space_items(alice.space_id) if i["sk"].startswith("LOG#")]
    assert any('"space/closure"' in i["body"] and alice.subject in i["body"] for i in logs)

    # From now on: its status and closure read, nothing else of the space
    assert api("GET", "/me/closure", alice)[2] == closed
    me = api("GET", "/me", alice)[2]
    assert me["space"]["status"] == "CLOSED"
    for method, path in [
        ("GET", "/me/documents"),
        ("GET", f"/me/documents/{document_id}/content"),
        ("GET", "/me/access-log"),
        ("GET", "/me/profile"),
        ("GET", "/me/care"),
    ]:
        status, _, refused = api(method, path, alice)
        assert (status, refused["code"]) == (403, "SPACE_CLOSED"), (path, refused)
    allergy = SPACE_SAMPLES["allergies"]
    status, _, refused = api("POST", "/me/profile/allergies", alice, body=allergy)
    assert (status, refused["code"]) == (403, "SPACE_CLOSED")


def test_closing_again_answers_the_same_closure_and_changes_nothing(api, person):
    alice = person("Alice")
    first = api("POST", "/me/closure", alice, body=CLOSE)[2]
    before = space_items(alice.space_id)

    status, _, again = api("POST", "/me/closure", alice, body=CLOSE, claims=signed_in(alice, 3600))

    assert (status, again) == (200, first)
    assert space_items(alice.space_id) == before


@pytest.mark.parametrize(
    ("body", "claims", "expected"),
    [
        ({}, None, (400, "VALIDATION_ERROR")),
        ({"confirm": "close"}, None, (400, "VALIDATION_ERROR")),
        ({"confirm": "CLOSE", "also": 1}, None, (400, "VALIDATION_ERROR")),
        (CLOSE, "an hour ago", (401, "REAUTHENTICATION_REQUIRED")),
        (CLOSE, "no auth_time", (401, "REAUTHENTICATION_REQUIRED")),
        (CLOSE, "unreadable auth_time", (401, "REAUTHENTICATION_REQUIRED")),
    ],
)
def test_a_request_that_does_not_confirm_with_a_fresh_sign_in_closes_nothing(
    api, person, body, claims, expected
):
    alice = person("Alice")
    passed = {
        None: alice.claims,
        "an hour ago": signed_in(alice, 3600),
        "no auth_time": {k: v for k, v in alice.claims.items() if k != "auth_time"},
        "unreadable auth_time": {**alice.claims, "auth_time": "Wed Feb 20 20:11:59 UTC 2019"},
    }[claims]
    before = space_items(alice.space_id)
    status, _, refused = api("POST", "/me/closure", alice, body=body, claims=passed)
    assert (status, refused["code"]) == expected, refused
    assert space_items(alice.space_id) == before
    assert api("GET", "/me/closure", alice)[2]["status"] == "ACTIVE"


def test_a_parent_closes_a_childs_space_and_keeps_their_own(api, person):
    parent = person("Paul")
    child = person("Léa", represented_by=parent, birth_date=date(2015, 6, 1))
    adult = person("Marc", represented_by=parent)  # under guardianship, say
    on_child = {"X-Space-Id": child.space_id}

    status, _, closed = api("POST", "/me/closure", parent, body=CLOSE, headers=on_child)
    assert status == 200 and closed["closed_by"] == {"role": "LEGAL_REPRESENTATIVE"}
    status, _, refused = api("GET", "/me/profile", parent, headers=on_child)
    assert (status, refused["code"]) == (403, "SPACE_CLOSED")
    assert api("GET", "/me/profile", parent)[0] == 200  # their own space is open
    represented = {s["space_id"]: s["status"] for s in api("GET", "/me", parent)[2]["represented"]}
    assert represented[child.space_id] == "CLOSED"

    on_adult = {"X-Space-Id": adult.space_id}
    status, _, refused = api("POST", "/me/closure", parent, body=CLOSE, headers=on_adult)
    assert (status, refused["code"]) == (403, "FORBIDDEN")
    assert table_item(adult.space_id, "SPACE")["status"] == "ACTIVE"


def test_of_two_closures_racing_one_writes(person):
    """Both read the space ACTIVE; the table's condition on its version lets one write, and
    the other writes nothing (nor its history's entry)."""
    from healthspace.lifecycle.model import CLOSURE_OBJECT, Closure
    from healthspace.records.model import Action, ActorKind, Author, Role
    from healthspace.wiring.lifecycle import closures
    from healthspace.wiring.records import medical_file

    alice = person("Alice")
    store, file = closures().store, medical_file()
    space = file.spaces.get(alice.space_id)
    writes = []
    for subject in ("sub-a", "sub-b"):
        closure = Closure.of(space.space_id, datetime.now(UTC), Role.HOLDER, subject)
        actor = Author(kind=ActorKind.PATIENT, id=subject, display_name="Alice")
        entry = file.history.entry_of(
            space.space_id, actor, Role.HOLDER, Action.UPDATE, CLOSURE_OBJECT
        )
        writes.append(store.close_space(space, closure, entry))
    assert writes == [True, False]
    assert store.get_closure(space.space_id).closed_by.id == "sub-a"
    logs = [i for i in space_items(alice.space_id) if i["sk"].startswith("LOG#")]
    assert len(logs) == 1 and "sub-a" in logs[0]["body"]


def test_a_data_key_cannot_be_stored_in_a_space_closed_meanwhile(api, person):
    from healthspace.kernel.errors import SpaceClosed
    from healthspace.wiring.records import medical_file

    alice = person("Alice")
    read_before = medical_file().spaces.get(alice.space_id)  # no key yet
    assert api("POST", "/me/closure", alice, body=CLOSE)[0] == 200
    with pytest.raises(SpaceClosed):
        medical_file().store.set_space_key(read_before, b"wrapped")
    assert medical_file().spaces.get(alice.space_id).wrapped_key is None


def test_the_daily_releases_skip_a_closed_space(api, person, deployed, held_long_ago):
    registry = deployed[1]
    alice, bob = person("Alice"), person("Bob")
    held_long_ago(alice, "urn:x|OLD-A")
    held_long_ago(bob, "urn:x|OLD-B")
    assert api("POST", "/me/closure", alice, body=CLOSE)[0] == 200

    assert registry.invoke("ReleasesFunction", {}) == {"released": 1}  # Bob's only
    hold_items = [i for i in space_items(alice.space_id) if i["sk"].startswith("HOLD#")]
    assert len(hold_items) == 1  # Alice's hold stays as it was


def test_a_write_that_passed_its_check_before_the_closure_writes_nothing_after_it(api, person):
    """A request resolved its access while the space was open, then the space closed: the
    table's check on the space's status (every write of its content carries it) refuses the
    write, SPACE_CLOSED, and nothing lands after the closure."""
    from healthspace.kernel.errors import SpaceClosed
    from healthspace.records.access import Caller
    from healthspace.records.model import Author, Category, DocumentFacts
    from healthspace.wiring.records import medical_file
    from tests.integration.test_records_api import PDF

    alice = person("Alice")
    files = medical_file()
    caller = Caller(subject=alice.subject, ins=alice.ins, display_name="Alice")
    access = files.spaces.policy.resolve(caller, None)  # open, then
    space = files.spaces.space_of(alice.ins)
    assert api("POST", "/me/closure", alice, body=CLOSE)[0] == 200
    before = space_items(alice.space_id)

    with pytest.raises(SpaceClosed):
        files.profile.add_entry(access, "allergies", SPACE_SAMPLES["allergies"])
    facts = DocumentFacts(category=Category.REPORTS, title="CR", document_date=date(2026, 1, 2))
    with pytest.raises(SpaceClosed):  # a partner's push, its space read before
        files.filing.push_document(
            space, Author.professional("10000000007"), facts, PDF, "cr.pdf", "urn:x|LATE"
        )
    assert space_items(alice.space_id) == before
    listed = boto3.client("s3").list_objects_v2(
        Bucket=os.environ["DOCUMENTS_BUCKET"], Prefix=f"spaces/{alice.space_id}/"
    )
    assert listed.get("KeyCount", 0) == 0  # the sealed copy was removed


def test_an_upload_landing_as_the_space_closes_is_rejected_and_leaves_no_copy(
    api, person, s3, monkeypatch
):
    """The ticket was issued while open; the space closes while the ingest seals the file."""
    from healthspace.records.access import Caller
    from healthspace.wiring.lifecycle import closures
    from healthspace.wiring.records import medical_file

    alice = person("Alice")
    files = medical_file()
    seal = files.filing.seal

    def seal_then_close(*args, **kwargs):
        sealed = seal(*args, **kwargs)
        caller = Caller(subject=alice.subject, ins=alice.ins, display_name="Alice")
        closures().close(caller, None, datetime.now(UTC))
        return sealed

    monkeypatch.setattr(files.filing, "seal", seal_then_close)
    upload_id = upload_pdf(api, alice, s3)
    monkeypatch.undo()

    upload = files.store.get_upload(alice.space_id, upload_id)
    assert upload.status.value == "REJECTED" and "closed" in upload.reason
    assert not [i for i in space_items(alice.space_id) if i["sk"].startswith("DOC#")]
    listed = s3.list_objects_v2(
        Bucket=os.environ["DOCUMENTS_BUCKET"], Prefix=f"spaces/{alice.space_id}/"
    )
    assert listed.get("KeyCount", 0) == 0
