"""Express deletion against moto (the template's resources, the handlers in-process): the route,
the crypto-shred (one write: DELETING, the wrapped data key gone), then the deletion step as its
workflow invokes it (LifecycleFunction, `erase`): every object version in both buckets, every
item of the space, its DOCREFs, its people's grants and visits; the tombstone and the audit;
a ciphertext saved before that nothing can open any more; another space untouched."""

import json
import os
import time
from datetime import UTC, datetime, timedelta

import boto3
import pytest
from boto3.dynamodb.conditions import Key

from healthspace.kernel.crypto import DecryptionFailed, decrypt_document
from tests.integration.test_records_api import upload_pdf

DELETE = {"confirm": "DELETE"}


def table():
    return boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])


def partition(pk):
    return table().query(KeyConditionExpression=Key("pk").eq(pk))["Items"]


def every_item():
    items, scan = [], {}
    while True:
        page = table().scan(**scan)
        items += page["Items"]
        if "LastEvaluatedKey" not in page:
            return items
        scan["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def versions(s3, bucket, space_id):
    listed = s3.list_object_versions(Bucket=bucket, Prefix=f"spaces/{space_id}/")
    return listed.get("Versions", []) + listed.get("DeleteMarkers", [])


def erase(deployed, space_id):
    """The deletion workflow's step, as Step Functions invokes it."""
    registry = deployed[1]
    return registry.invoke("LifecycleFunction", {"action": "erase", "space_id": space_id})


def space_body(space_id):
    item = table().get_item(Key={"pk": f"SPACE#{space_id}", "sk": "SPACE"}).get("Item")
    return json.loads(item["body"]) if item else None


@pytest.fixture
def archive_bucket(stack_env):
    return stack_env["ARCHIVE_BUCKET"]


def test_the_holder_deletes_an_open_space_and_nothing_of_it_remains(
    api, person, s3, deployed, stack_env, archive_bucket
):
    # Given Alice's space with a document (two versions of its object: an overwrite), and Bob's
    alice, bob = person("Alice"), person("Bob")
    document_id = upload_pdf(api, alice, s3)
    upload_pdf(api, bob, s3)
    api("GET", "/me/news", alice)  # a visit
    documents = stack_env["DOCUMENTS_BUCKET"]
    [stored] = versions(s3, documents, alice.space_id)
    ciphertext = s3.get_object(Bucket=documents, Key=stored["Key"])["Body"].read()
    s3.put_object(Bucket=documents, Key=stored["Key"], Body=ciphertext)
    wrapped = space_body(alice.space_id)["wrapped_key"]
    assert wrapped
    bob_items = partition(f"SPACE#{bob.space_id}")
    bob_objects = versions(s3, documents, bob.space_id)

    # When she asks for its deletion
    status, _, answer = api("POST", "/me/deletion", alice, body=DELETE)

    # Then it is DELETING at once, its data key gone in the same write
    assert status == 202, answer
    assert (answer["status"], answer["reason"], answer["requested_by"]) == (
        "DELETING",
        "REQUEST",
        "HOLDER",
    )
    requested = datetime.fromisoformat(answer["requested_at"])
    gone_by = datetime.fromisoformat(answer["last_copy_gone_by"])
    assert gone_by - requested == timedelta(days=36)  # a day to delete, 35 of backups
    body = space_body(alice.space_id)
    assert body["status"] == "DELETING" and body["wrapped_key"] is None
    deletion = table().get_item(Key={"pk": f"SPACE#{alice.space_id}", "sk": "DELETION"})["Item"]
    assert deletion["gsi1pk"] == f"PURGE#{requested.astimezone(UTC).date().isoformat()}"
    # its workflow started, named after it
    sfn = boto3.client("stepfunctions")
    machine = os.environ["DELETION_STATE_MACHINE_ARN"]
    names = [e["name"] for e in sfn.list_executions(stateMachineArn=machine)["executions"]]
    assert f"delete-{alice.space_id}" in names
    # asking again answers the same, and the space's routes refuse as closed
    again = api("POST", "/me/deletion", alice, body=DELETE)
    assert again[0] == 202 and again[2]["requested_at"] == answer["requested_at"]
    assert api("GET", "/me/deletion", alice)[2]["status"] == "DELETING"
    refused = api("GET", f"/me/documents/{document_id}/content", alice)
    assert (refused[0], refused[2]["code"]) == (403, "SPACE_CLOSED")

    # When its workflow runs the deletion, and runs it again (a retry)
    first = erase(deployed, alice.space_id)
    second = erase(deployed, alice.space_id)

    # Then every object version is gone, and every item but the tombstone
    assert first["outcome"] == "done" and first["objects"] == 2
    assert second == {
        "space_id": alice.space_id,
        "outcome": "already purged",
        "objects": 0,
        "items": 0,
    }
    assert versions(s3, documents, alice.space_id) == []
    [tombstone] = partition(f"SPACE#{alice.space_id}")
    assert tombstone["sk"] == "DELETION" and "gsi1pk" not in tombstone
    shown = json.loads(tombstone["body"])
    assert shown["status"] == "DELETED" and shown["deleted_at"]
    assert partition(f"DOCREF#{document_id}") == []
    assert [i["sk"] for i in partition(f"PERSON#{alice.ins}")] == []
    everything = json.dumps(every_item(), default=str)
    for secret in (alice.ins, "Alice", wrapped, alice.subject):
        assert secret not in everything
    # one audit record: a pseudonym, dates, counts (the tombstone's)
    audits = [i for i in every_item() if i["pk"].startswith("AUDIT#DELETIONS#")]
    [audit] = [
        json.loads(a["body"])
        for a in audits
        if json.loads(a["body"])["requested_at"] == shown["requested_at"]
    ]
    assert audit["reason"] == "REQUEST" and alice.space_id not in json.dumps(audit)
    assert (audit["objects"], audit["items"]) == (2, int(tombstone["items_erased"]))
    assert audit["items"] >= 6  # the space, its document, DOCREF, counts, history, grant...

    # and the ciphertext saved before opens with nothing that remains: the records' path finds
    # no space, and a data key made anew for it is not the one that sealed the document
    from healthspace.wiring.records import medical_file

    file = medical_file()
    assert file.store.get_space(alice.space_id) is None
    key, _ = file.spaces.keys.generate_data_key(alice.space_id)
    with pytest.raises(DecryptionFailed):
        decrypt_document(key, alice.space_id, document_id, ciphertext)
    # the person's side: no space any more
    assert api("GET", "/me/deletion", alice)[0] == 404

    # and Bob's space is as it was
    assert partition(f"SPACE#{bob.space_id}") == bob_items
    assert versions(s3, documents, bob.space_id) == bob_objects
    assert api("GET", "/me/documents", bob)[0] == 200


def test_an_archived_space_is_deleted_with_every_version_of_its_archive(
    api, person, s3, deployed, archive_bucket
):
    # Given Alice's space closed, then archived (as the archive workflow leaves it: the
    # archive object, here two versions and a delete marker, and the closure's ArchiveRef)
    alice = person("Alice")
    upload_pdf(api, alice, s3)
    assert api("POST", "/me/closure", alice, body={"confirm": "CLOSE"})[0] == 200
    key = f"spaces/{alice.space_id}/archive-20261207T090000Z.tar"
    first = s3.put_object(Bucket=archive_bucket, Key=key, Body=b"tar 1")
    s3.put_object(Bucket=archive_bucket, Key=key, Body=b"tar 2")
    s3.delete_object(Bucket=archive_bucket, Key=key)
    closure = table().get_item(Key={"pk": f"SPACE#{alice.space_id}", "sk": "CLOSURE"})["Item"]
    ref = {
        "key": key,
        "version_id": first["VersionId"],
        "sha256": "0" * 64,
        "size": 5,
        "documents": 1,
        "items": 3,
        "archived_at": "2026-12-07T09:00:00+00:00",
    }
    table().update_item(
        Key={"pk": closure["pk"], "sk": "CLOSURE"},
        UpdateExpression="SET body = :b",
        ExpressionAttributeValues={
            ":b": json.dumps({**json.loads(closure["body"]), "archive": ref})
        },
    )
    table().update_item(
        Key={"pk": f"SPACE#{alice.space_id}", "sk": "SPACE"},
        UpdateExpression="SET #s = :s, body = :b",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={
            ":s": "ARCHIVED",
            ":b": json.dumps({**space_body(alice.space_id), "status": "ARCHIVED"}),
        },
    )
    assert len(versions(s3, archive_bucket, alice.space_id)) == 3

    # When she deletes it, and the workflow runs
    status, _, answer = api("POST", "/me/deletion", alice, body=DELETE)
    assert status == 202 and answer["status"] == "DELETING", answer
    done = erase(deployed, alice.space_id)

    # Then the archive's versions and delete marker are gone with the documents, and the
    # closure (its dated index entry) with the rest
    assert done["outcome"] == "done" and done["objects"] == 1 + 3
    assert versions(s3, archive_bucket, alice.space_id) == []
    assert [i["sk"] for i in partition(f"SPACE#{alice.space_id}")] == ["DELETION"]


def test_deleting_asks_a_recent_sign_in_and_the_word(api, person):
    alice = person("Alice")
    stale = {**alice.claims, "auth_time": str(int(time.time()) - 3600)}
    status, _, refused = api("POST", "/me/deletion", alice, body=DELETE, claims=stale)
    assert (status, refused["code"]) == (401, "REAUTHENTICATION_REQUIRED")
    status, _, refused = api("POST", "/me/deletion", alice, body={"confirm": "CLOSE"})
    assert (status, refused["code"]) == (400, "VALIDATION_ERROR")
    assert space_body(alice.space_id)["status"] == "ACTIVE"
    # a representative of an adult may not; of a child, may
    parent = person("Paul")
    adult = person("Marc", represented_by=parent)
    named = {"X-Space-Id": adult.space_id}
    status, _, refused = api("POST", "/me/deletion", parent, body=DELETE, headers=named)
    assert (status, refused["code"]) == (403, "FORBIDDEN")
    from datetime import date

    child = person("Léa", represented_by=parent, birth_date=date(2015, 6, 1))
    named = {"X-Space-Id": child.space_id}
    status, _, answer = api("POST", "/me/deletion", parent, body=DELETE, headers=named)
    assert status == 202 and answer["requested_by"] == "LEGAL_REPRESENTATIVE"
    # another patient never learns of it
    assert api("GET", "/me/deletion", alice, headers=named)[0] == 404


def test_the_wrapped_key_is_nowhere_after_the_shred(api, person, s3):
    alice = person("Alice")
    upload_pdf(api, alice, s3)
    wrapped = space_body(alice.space_id)["wrapped_key"]
    assert wrapped and wrapped in json.dumps(every_item(), default=str)
    assert api("POST", "/me/deletion", alice, body=DELETE)[0] == 202
    # before the deletion's workflow ran: the shred alone removed it from everywhere we hold
    assert wrapped not in json.dumps(every_item(), default=str)
