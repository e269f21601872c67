"""The FHIR edge of the partner API: a partner's DocumentReference read into the domain (FHIR R4
validity first, then our rules), and the official HL7 R4 examples fed through it."""

import base64
import copy
import hashlib
import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from healthspace.kernel.errors import BadRequest
from healthspace.kernel.identifiers import make_ins
from healthspace.partners.fhir import (
    INS_SYSTEM,
    RPPS_SYSTEM,
    InvalidResource,
    document_reference,
    operation_outcome,
    parse_identifier_criteria,
    read_document_reference,
)
from healthspace.records.model import ActorKind, Author, Category, Document

EXAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "fhir-r4-examples"
INS = make_ins("1800175123401")
RPPS = "10000000009"  # 11 digits, Luhn-valid
PDF = b"%PDF-1.4 compte rendu\n"


def official(name: str) -> dict:
    return json.loads((EXAMPLES / name).read_text())


def pushed() -> dict:
    """HL7's DocumentReference example as a partner of ours sends it: the patient by INS, the
    author by RPPS, the content inline."""
    return as_our_partners_send(official("DocumentReference-example.json"))


def document_reference_examples() -> list[str]:
    return sorted(
        p.name
        for p in EXAMPLES.glob("*.json")
        if official(p.name)["resourceType"] == "DocumentReference"
    )


def as_our_partners_send(resource: dict) -> dict:
    """A DocumentReference adapted to our rules alone: the patient by INS, the author by RPPS,
    the content inline; everything else as published."""
    resource = copy.deepcopy(resource)
    resource["subject"] = {"identifier": {"system": INS_SYSTEM, "value": INS}}
    resource["author"] = [
        {"identifier": {"system": RPPS_SYSTEM, "value": RPPS}, "display": "Dr Gerald Smitty"}
    ]
    resource["content"][0]["attachment"] = {
        "contentType": "application/pdf",
        "data": base64.b64encode(PDF).decode(),
        "size": len(PDF),
        "hash": base64.b64encode(hashlib.sha1(PDF).digest()).decode(),  # noqa: S324
        "title": "Physical",
    }
    return resource


def test_a_partners_document_reference_is_read_into_the_domain():
    document = read_document_reference(pushed())

    assert document.identifier == "urn:ietf:rfc:3986|urn:oid:1.3.6.1.4.1.21367.2005.3.7"
    assert (document.patient_ins, document.author_rpps) == (INS, RPPS)
    assert document.author_name == "Dr Gerald Smitty"
    assert document.category is Category.REPORTS  # LOINC 34108-1, outpatient note
    assert (document.type_code, document.title) == ("34108-1", "Physical")
    assert document.document_date == date(2005, 12, 24)
    assert (document.content, document.content_type) == (PDF, "application/pdf")
    assert document.confidential  # securityLabel V: very restricted


def test_our_category_wins_over_the_loinc_type():
    resource = pushed()
    resource["category"] = [
        {
            "coding": [
                {
                    "system": "https://healthspace.example.org/fhir/CodeSystem/document-category",
                    "code": "biology",
                }
            ]
        }
    ]
    assert read_document_reference(resource).category is Category.BIOLOGY


def broken(change) -> dict:
    resource = pushed()
    change(resource)
    return resource


@pytest.mark.parametrize(
    ("change", "where"),
    [
        (lambda r: r.pop("masterIdentifier"), "DocumentReference.masterIdentifier"),
        (lambda r: r.update(subject={"reference": "Patient/xcda"}), "subject.identifier"),
        (lambda r: r["subject"]["identifier"].update(value=INS[:-2] + "00"), "identifier.value"),
        (lambda r: r.update(author=[{"reference": "Practitioner/1"}]), "DocumentReference.author"),
        (lambda r: r["author"][0]["identifier"].update(value="10000000008"), "author[0]"),
        (lambda r: r["content"][0]["attachment"].update(data="%%%"), "attachment.data"),
        (lambda r: r.update(status="superseded"), "DocumentReference.status"),
        (lambda r: r["content"][0]["attachment"].pop("data"), "attachment.data"),
        (lambda r: r["content"][0]["attachment"].update(size=1), "attachment.size"),
        (lambda r: r["content"][0]["attachment"].update(hash="AAAA"), "attachment.hash"),
        (lambda r: r["content"][0]["attachment"].pop("contentType"), "contentType"),
        (lambda r: r.update(content=r["content"] * 2), "DocumentReference.content"),
        (lambda r: (r.pop("date"), r.pop("context")), "DocumentReference.date"),
        (lambda r: r.update(description="x" * 201), "DocumentReference.description"),
    ],
    ids=[
        "no identifier",
        "patient by reference",
        "bad INS key",
        "author by reference",
        "bad RPPS",
        "not current",
        "content by url",
        "data not base64",
        "wrong size",
        "wrong hash",
        "no content type",
        "two contents",
        "no date",
        "title too long",
    ],
)
def test_what_breaks_our_rules_is_refused_with_where_and_why(change, where):
    with pytest.raises(InvalidResource) as refused:
        read_document_reference(broken(change))
    assert refused.value.status == 422
    assert any(where in expression for expression, _ in refused.value.issues), refused.value.issues


def test_invalid_fhir_is_refused_without_quoting_the_values():
    resource = pushed()
    resource["date"] = "Marc Petit, not a date"
    with pytest.raises(InvalidResource) as refused:
        read_document_reference(resource)
    assert "Marc Petit" not in str(refused.value)
    assert refused.value.issues[0][0].startswith("DocumentReference.date")


def test_every_problem_is_reported_at_once():
    resource = pushed()
    resource.pop("masterIdentifier")
    resource["subject"] = {"reference": "Patient/1"}
    with pytest.raises(InvalidResource) as refused:
        read_document_reference(resource)
    assert len(refused.value.issues) == 2


def test_the_official_examples_are_beside_the_project():
    """The examples' test below must never pass by running empty: ../shared/fhir-r4-examples is
    part of the checkout CI prepares."""
    assert sorted(EXAMPLES.glob("*.json")), f"no FHIR R4 examples in {EXAMPLES}"


@pytest.mark.parametrize("name", sorted(p.name for p in EXAMPLES.glob("*.json")))
def test_the_official_r4_examples_are_read_or_refused_with_a_reason(name):
    """HL7's examples are valid FHIR R4. A DocumentReference is accepted once it fits our rules
    (here: as pushed() adapts it); as published it names the patient by reference, so it is
    refused with that reason; any other resource type is refused as not a DocumentReference."""
    resource = official(name)
    with pytest.raises(InvalidResource) as refused:
        read_document_reference(copy.deepcopy(resource))
    expressions = [where for where, _ in refused.value.issues]
    if resource["resourceType"] == "DocumentReference":
        assert "DocumentReference.subject.identifier" in expressions
        assert not any("DocumentReference." + f in expressions for f in ("status", "date"))
    else:
        assert expressions == ["resourceType"]


def test_a_document_is_written_back_as_a_document_reference_that_reads_again():
    document = Document(
        document_id="01JDOC",
        category=Category.BIOLOGY,
        type_code="11502-2",
        title="Bilan sanguin",
        document_date=date(2026, 11, 2),
        author=Author(kind=ActorKind.SYSTEM, id="partner-1", display_name="Laboratoire Bio+"),
        size=len(PDF),
        content_type="application/pdf",
        sha256=hashlib.sha256(PDF).hexdigest(),
        masked=False,
        created_at=datetime(2026, 11, 3, 8, 0, tzinfo=UTC),
        version=1,
        filename="bilan.pdf",
        space_id="S1",
    )
    resource = document_reference(document, INS, "https://api.example.org/fhir/Binary/01JDOC")

    from fhir.resources.R4B.documentreference import DocumentReference

    DocumentReference.model_validate(resource)  # valid FHIR
    assert resource["subject"]["identifier"] == {"system": INS_SYSTEM, "value": INS}
    assert resource["category"][0]["coding"][0]["code"] == "biology"


def test_an_operation_outcome_names_each_issue():
    outcome = operation_outcome([("DocumentReference.status", "only current"), ("", "general")])
    assert outcome["resourceType"] == "OperationOutcome"
    assert outcome["issue"][0]["expression"] == ["DocumentReference.status"]
    assert "expression" not in outcome["issue"][1]


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.mark.parametrize(
    ("content", "declared", "extension"),
    [
        (PNG, "application/pdf", "png"),
        (PDF, "text/plain", "pdf"),
        (b"compte rendu", "image/jpeg", "txt"),
    ],
)
def test_the_filename_says_what_the_bytes_are_not_what_was_declared(content, declared, extension):
    resource = pushed()
    resource["content"][0]["attachment"] = {
        "contentType": declared,
        "data": base64.b64encode(content).decode(),
    }
    document = read_document_reference(resource)
    assert document.filename == f"34108-1-2005-12-24.{extension}"


def test_if_none_exist_takes_one_identifier_token():
    assert parse_identifier_criteria("identifier=urn:oid:1.2|A-1") == ("urn:oid:1.2", "A-1")
    assert parse_identifier_criteria("?identifier=%7CA-1") == ("", "A-1")
    assert parse_identifier_criteria("identifier=A-1") == (None, "A-1")
    for refused in ("", "identifier=", "identifier=s|", "patient=1", "identifier=a&identifier=b"):
        with pytest.raises(BadRequest):
            parse_identifier_criteria(refused)


def _filed(resource: dict) -> Document:
    """The document our filing makes of a partner's DocumentReference (what a read starts from)."""
    read = read_document_reference(resource)
    return Document(
        document_id="01JDOC",
        category=read.category,
        type_code=read.type_code,
        title=read.title,
        document_date=read.document_date,
        author=Author.professional(read.author_rpps or "", read.author_name),
        size=len(read.content),
        content_type="application/pdf",
        sha256=hashlib.sha256(read.content).hexdigest(),
        masked=False,
        created_at=datetime(2026, 11, 3, 8, 0, tzinfo=UTC),
        version=1,
        filename=read.filename,
        space_id="S1",
        confidential_from_representatives=read.confidential,
        as_sent=dict(read.as_sent or {}),
    )


@pytest.mark.parametrize("name", document_reference_examples())
def test_what_was_sent_is_given_back(name):
    sent = as_our_partners_send(official(name))
    back = document_reference(_filed(sent), INS)

    from fhir.resources.R4B.documentreference import DocumentReference

    DocumentReference.model_validate(back)  # valid FHIR
    for element in ("masterIdentifier", "identifier", "docStatus", "type", "date", "context"):
        assert back.get(element) == sent.get(element), element
    assert back["securityLabel"] == sent["securityLabel"]
    assert back["author"] == [
        {"identifier": sent["author"][0]["identifier"], "display": "Dr Gerald Smitty"}
    ]
    assert all(concept in back["category"] for concept in sent["category"])
    assert back["meta"]["lastUpdated"] == "2026-11-03T08:00:00+00:00"  # our filing time, there only


def test_more_than_we_keep_is_refused_by_name():
    resource = pushed()
    resource["identifier"] = [{"system": "urn:x", "value": str(n)} for n in range(11)]
    with pytest.raises(InvalidResource) as refused:
        read_document_reference(resource)
    assert refused.value.issues == [("DocumentReference.identifier", "at most 10 identifiers")]
    resource = pushed()
    resource["context"]["event"] = [{"text": "x" * 1000} for _ in range(20)]
    with pytest.raises(InvalidResource) as refused:
        read_document_reference(resource)
    assert refused.value.issues[0][0] == "DocumentReference"
