"""A space holds Limits.max_documents documents at most, whichever way they come (an upload, a
partner's push): past it, a 409 LIMIT_REACHED naming the cap, nothing filed, no copy left; a
deletion makes room. (The counter's transaction on DynamoDB, racing writers included:
tests/integration/test_document_cap.py.)"""

import pytest

from healthspace.kernel.errors import LimitReached
from healthspace.records.model import Limits, UploadStatus
from healthspace.records.uploads import upload_key
from healthspace.wiring.compose import compose_medical_file
from tests.fakes import SequentialIds
from tests.unit.test_medical_file import FACTS, PDF, upload
from tests.unit.test_partner_push import push

CAP = 2


@pytest.fixture
def medical_file(store, blobs, keys, clock):
    limits = Limits(max_upload_bytes=1000, max_documents=CAP)
    return compose_medical_file(store, blobs, keys, clock, SequentialIds(), limits)


def test_an_upload_past_the_cap_is_refused_before_the_file_is_sent(
    medical_file, store, blobs, alice, spaces
):
    access = medical_file.spaces.policy.resolve(alice, None)
    for _ in range(CAP):
        assert upload(medical_file, blobs, access)[1] is UploadStatus.ACCEPTED
    with pytest.raises(LimitReached, match=f"at most {CAP} documents"):
        medical_file.uploads.start_upload(access, FACTS, "x.pdf", "application/pdf", len(PDF))
    assert store.count_documents(access.space_id) == CAP


def test_a_ticket_issued_before_the_space_filled_up_is_rejected_at_ingest(
    medical_file, store, blobs, alice, spaces
):
    access = medical_file.spaces.policy.resolve(alice, None)
    late = medical_file.uploads.start_upload(access, FACTS, "x.pdf", "application/pdf", len(PDF))
    for _ in range(CAP):
        upload(medical_file, blobs, access)
    key = upload_key(access.space_id, late.upload.upload_id)
    blobs.quarantine[key] = PDF
    stored = dict(blobs.documents)
    assert medical_file.uploads.ingest(key, len(PDF)) is UploadStatus.REJECTED
    status = medical_file.uploads.upload_status(access, late.upload.upload_id)
    assert f"at most {CAP} documents" in status.reason
    assert blobs.documents == stored and blobs.quarantine == {}  # no sealed copy left behind
    assert store.count_documents(access.space_id) == CAP


def test_a_push_past_the_cap_is_refused_and_leaves_no_copy(medical_file, store, blobs, spaces):
    for n in range(CAP):
        push(medical_file, source=f"urn:lab|{n}")
    stored = dict(blobs.documents)
    with pytest.raises(LimitReached):
        push(medical_file, source="urn:lab|one-too-many")
    assert blobs.documents == stored
    _, created = push(medical_file, source="urn:lab|0")  # a retry of a filed one still answers
    assert not created


def test_a_deletion_makes_room(medical_file, store, blobs, alice, spaces):
    access = medical_file.spaces.policy.resolve(alice, None)
    first, _ = upload(medical_file, blobs, access)
    upload(medical_file, blobs, access)
    medical_file.documents.delete_document(access, first, None)
    assert upload(medical_file, blobs, access)[1] is UploadStatus.ACCEPTED
