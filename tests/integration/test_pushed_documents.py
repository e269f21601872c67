"""A document sent by a partner system, filed through the real adapters on moto: one DynamoDB
transaction writes the document, its access-log entry and the sender's id, so that a retry finds
the first document and leaves nothing behind."""

from datetime import date

import boto3

from healthspace.records.model import ActorKind, Author, Category, DocumentFacts

PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n%%EOF\n"
DOCTOR = Author(kind=ActorKind.PROFESSIONAL, id="rpps:10000000009", display_name="Dr Lefèvre")
FACTS = DocumentFacts(
    category=Category.REPORTS, title="Compte rendu", document_date=date(2026, 11, 2)
)


def test_a_retried_push_is_one_document_and_one_object(person, stack_env):
    from healthspace.wiring.records import medical_file

    patient = person("Inès")
    files = medical_file()
    space = files.spaces.space_of(patient.ins)

    first, created = files.filing.push_document(space, DOCTOR, FACTS, PDF, "cr.pdf", "urn:x|CR-1")
    again, created_again = files.filing.push_document(
        space, DOCTOR, FACTS, PDF, "cr.pdf", "urn:x|CR-1"
    )

    assert created and not created_again and again == first
    objects = boto3.client("s3").list_objects_v2(
        Bucket=stack_env["DOCUMENTS_BUCKET"], Prefix=f"spaces/{space.space_id}/"
    )
    assert [o["Key"] for o in objects["Contents"]] == [first.blob_key]
    page = files.store.list_access_log(space.space_id, 10, None)
    assert [(e.actor.id, e.object.id) for e in page.items] == [(DOCTOR.id, first.document_id)]
