"""Documents a partner system sends on behalf of a professional, on fakes: filed like an upload
(checked by their bytes, encrypted, audited), once per sender's id however often it is sent."""

from datetime import date

import pytest

from healthspace.kernel.crypto import decrypt_document
from healthspace.kernel.errors import Conflict, NotFound, PayloadTooLarge, UnsupportedMediaType
from healthspace.kernel.identifiers import make_ins
from healthspace.records.model import Action, ActorKind, Author, Category, DocumentFacts, Role
from tests.unit.conftest import ALICE_INS

PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n%%EOF\n"
FACTS = DocumentFacts(
    category=Category.BIOLOGY, title="Bilan sanguin", document_date=date(2026, 11, 2)
)
DOCTOR = Author(kind=ActorKind.PROFESSIONAL, id="rpps:10000000009", display_name="Dr Lefèvre")
SOURCE = "urn:oid:1.2.3|LAB-2026-0042"


def push(medical_file, content=PDF, source=SOURCE, facts=FACTS):
    space = medical_file.spaces.space_of(ALICE_INS)
    return medical_file.filing.push_document(space, DOCTOR, facts, content, "bilan.pdf", source)


def test_a_pushed_document_is_filed_encrypted_and_in_the_access_history(
    medical_file, store, blobs, keys, spaces
):
    document, created = push(medical_file)

    assert created and document.author == DOCTOR
    assert (document.category, document.content_type, document.size) == (
        Category.BIOLOGY,
        "application/pdf",
        len(PDF),
    )
    space = spaces["alice"]
    assert store.get_document(space.space_id, document.document_id) == document
    stored = blobs.documents[document.blob_key]
    assert PDF not in stored  # encrypted under the space's key
    key = medical_file.spaces.space_key(store.get_space(space.space_id))
    assert decrypt_document(key, space.space_id, document.document_id, stored) == PDF
    [entry] = [e for e in store.log if e.object.id == document.document_id]
    assert (entry.actor, entry.role, entry.action) == (DOCTOR, Role.PROFESSIONAL, Action.CREATE)


def test_the_same_document_sent_again_is_one_document(medical_file, store, blobs, spaces):
    first, _ = push(medical_file)

    again, created = push(medical_file)  # the partner's retry

    assert not created and again == first
    space_id = spaces["alice"].space_id
    assert [d for (s, _), d in store.documents.items() if s == space_id] == [first]
    assert len([k for k in blobs.documents if space_id in k]) == 1  # the retry's copy is gone
    assert len([e for e in store.log if e.action is Action.CREATE]) == 1


def test_the_same_id_with_other_content_is_refused(medical_file, store, spaces):
    push(medical_file)
    with pytest.raises(Conflict):
        push(medical_file, content=PDF + b"% another version\n")
    assert len(store.documents) == 1


def test_another_id_is_another_document(medical_file, store, spaces):
    push(medical_file)
    _, created = push(medical_file, source="urn:oid:1.2.3|LAB-2026-0043")
    assert created and len(store.documents) == 2


@pytest.mark.parametrize(
    ("content", "error"),
    [
        (b"MZ\x90\x00 an executable", UnsupportedMediaType),
        (b"%PDF-" + b"x" * 2000, PayloadTooLarge),  # the fixture's limit is 1,000 bytes
    ],
)
def test_content_is_judged_by_its_bytes_and_nothing_is_stored(
    medical_file, store, blobs, spaces, content, error
):
    with pytest.raises(error):
        push(medical_file, content=content)
    assert store.documents == {} and blobs.documents == {}


def test_a_patient_without_an_active_space_is_not_found(medical_file, spaces):
    with pytest.raises(NotFound):
        medical_file.spaces.space_of(make_ins("1010101010101"))
