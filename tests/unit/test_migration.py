"""Migrating the former system's files, on fakes: every good record filed in its patient's space
(authored by its professional, filed by the migration), every bad one reported by number and
FHIRPath expression, and a file run again (a re-drop, a crash resumed) filing nothing twice."""

import base64
import csv
import io
import json

import pytest

from healthspace.kernel.identifiers import make_ins
from healthspace.partners.fhir import INS_SYSTEM, RPPS_SYSTEM
from healthspace.partners.migration import FORMER_SYSTEM, MIGRATION, migrate_file
from healthspace.records.model import Action, ActorKind, Author, Role
from tests.fakes import FakeOpsFiles
from tests.unit.conftest import ALICE_INS, BOB_INS

PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n%%EOF\n"
RPPS = "10000000009"  # Luhn-valid
NOBODY_INS = make_ins("1800175999001")  # a valid INS without a space


def former(ins: str, identifier: str, rpps: str | None = RPPS, **changes: object) -> dict:
    """A DocumentReference as the former system exports it: the patient by INS, the author by
    RPPS (or by name only), the content inline."""
    author: dict[str, object] = {"display": "Dr Anne Lefèvre"}
    if rpps is not None:
        author["identifier"] = {"system": RPPS_SYSTEM, "value": rpps}
    resource = {
        "resourceType": "DocumentReference",
        "status": "current",
        "masterIdentifier": {"system": "urn:oid:1.2.250.1.213.1.1.9", "value": identifier},
        "type": {"coding": [{"system": "http://loinc.org", "code": "11488-4"}]},
        "subject": {"identifier": {"system": INS_SYSTEM, "value": ins}},
        "date": "2019-03-04T10:00:00+01:00",
        "author": [author],
        "description": "Compte rendu de consultation",
        "content": [
            {
                "attachment": {
                    "contentType": "application/pdf",
                    "data": base64.b64encode(PDF).decode(),
                }
            }
        ],
    }
    resource.update(changes)
    return resource


def ndjson(*resources: dict | str) -> str:
    return "\n".join(r if isinstance(r, str) else json.dumps(r) for r in resources) + "\n"


def bundle(*resources: dict, type_: str = "collection") -> str:
    entries = [{"resource": r} for r in resources]
    if type_ in ("batch", "transaction"):
        for entry in entries:
            entry["request"] = {"method": "POST", "url": "DocumentReference"}
    return json.dumps({"resourceType": "Bundle", "type": type_, "entry": entries})


@pytest.fixture
def ops():
    return FakeOpsFiles()


def migrate(medical_file, ops, text, fmt="ndjson", **kwargs):
    return migrate_file(
        medical_file, ops, lambda: io.StringIO(text), fmt, "former.ndjson", **kwargs
    )


def created_entries(store):
    return [e for e in store.log if e.action is Action.CREATE and e.object.type == "document"]


def test_every_record_is_filed_in_its_patients_space(medical_file, store, ops, spaces):
    text = ndjson(former(ALICE_INS, "A-1"), "", former(BOB_INS, "B-1"))

    summary, errors = migrate(medical_file, ops, text)

    assert errors == []
    assert (summary.records, summary.filed, summary.already_there) == (2, 2, 0)
    by_space = {space_id: document for (space_id, _), document in store.documents.items()}
    alice = by_space[spaces["alice"].space_id]
    assert alice.author == Author.professional(RPPS, "Dr Anne Lefèvre")  # their work, for care
    assert (alice.title, alice.type_code, str(alice.document_date)) == (
        "Compte rendu de consultation",
        "11488-4",
        "2019-03-04",
    )
    assert spaces["bob"].space_id in by_space


def test_the_patients_history_shows_the_migration(medical_file, store, ops, spaces):
    migrate(medical_file, ops, ndjson(former(ALICE_INS, "A-1")))

    [entry] = created_entries(store)
    assert (entry.actor, entry.role) == (MIGRATION, Role.SYSTEM)
    assert entry.actor.kind is ActorKind.SYSTEM and entry.actor.display_name == "Migration du DMP"
    assert entry.space_id == spaces["alice"].space_id


@pytest.mark.parametrize("type_", ["collection", "batch", "transaction"])
def test_a_bundle_is_migrated_as_ndjson_is(medical_file, store, ops, spaces, type_):
    text = bundle(former(ALICE_INS, "A-1"), former(BOB_INS, "B-1"), type_=type_)

    summary, errors = migrate(medical_file, ops, text, fmt="bundle")

    assert errors == [] and (summary.records, summary.filed) == (2, 2)
    assert len(store.documents) == 2


def test_a_bad_record_is_reported_by_number_and_expression_and_the_others_filed(
    medical_file, store, ops, spaces
):
    bad = former(ALICE_INS, "A-2", status="superseded")
    del bad["masterIdentifier"]
    text = ndjson(former(ALICE_INS, "A-1"), bad, "{not json", former(BOB_INS, "B-1"))

    summary, errors = migrate(medical_file, ops, text)

    assert (summary.records, summary.filed, summary.rejected_records) == (4, 2, 2)
    assert {(e.line, e.field) for e in errors} == {
        (2, "DocumentReference.status"),
        (2, "DocumentReference.masterIdentifier"),
        (3, "record"),
    }
    assert len(store.documents) == 2


def test_a_bad_bundle_entry_is_reported_with_its_path(medical_file, ops, spaces):
    text = bundle(former(ALICE_INS, "A-1"), former(ALICE_INS, "A-2", status="superseded"))

    _, errors = migrate(medical_file, ops, text, fmt="bundle")

    [error] = errors
    assert (error.line, error.field) == (2, "Bundle.entry[1].resource.DocumentReference.status")


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("{", "Bundle"),
        (json.dumps({"resourceType": "Bundle", "type": "searchset"}), "Bundle.type"),
        (json.dumps({"resourceType": "Patient"}), "Bundle"),
    ],
)
def test_a_file_that_is_not_a_bundle_is_reported_as_record_0(
    medical_file, ops, spaces, text, field
):
    summary, errors = migrate(medical_file, ops, text, fmt="bundle")

    assert [(e.line, e.field) for e in errors] == [(0, field)]
    assert (summary.records, summary.filed) == (0, 0)


def test_a_patient_without_an_active_space_is_reported_not_fatal(medical_file, store, ops, spaces):
    text = ndjson(former(NOBODY_INS, "N-1"), former(ALICE_INS, "A-1"))

    summary, errors = migrate(medical_file, ops, text)

    assert [(e.line, e.field, e.reason) for e in errors] == [
        (1, "DocumentReference.subject.identifier", "no active health space for this patient")
    ]
    assert summary.filed == 1


def test_an_author_without_rpps_is_the_former_system_but_a_wrong_rpps_is_refused(
    medical_file, store, ops, spaces
):
    text = ndjson(former(ALICE_INS, "A-1", rpps=None), former(ALICE_INS, "A-2", rpps="10000000000"))

    _, errors = migrate(medical_file, ops, text)

    [document] = store.documents.values()
    assert document.author == FORMER_SYSTEM and document.author.rpps is None
    assert [(e.line, e.field) for e in errors] == [
        (2, "DocumentReference.author[0].identifier.value")
    ]


def test_content_that_is_not_a_document_is_reported(medical_file, ops, spaces):
    resource = former(ALICE_INS, "A-1")
    resource["content"][0]["attachment"]["data"] = base64.b64encode(b"MZ\x90\x00").decode()

    _, [error] = migrate(medical_file, ops, ndjson(resource))

    assert (error.line, error.field) == (1, "DocumentReference")
    assert "not a PDF" in error.reason


def test_the_report_and_summary_are_written_without_values(medical_file, ops, spaces):
    summary, _ = migrate(medical_file, ops, ndjson(former(NOBODY_INS, "N-1")))

    rows = list(csv.reader(io.StringIO(ops.objects[summary.report_key])))
    assert rows == [
        ["line", "field", "reason"],
        ["1", "DocumentReference.subject.identifier", "no active health space for this patient"],
    ]
    assert NOBODY_INS not in ops.objects[summary.report_key]
    stored = ops.objects[f"reports/migration-{summary.migration_id}.json"]
    assert stored["rejected_records"] == 1 and stored["name"] == "former.ndjson"


def test_a_file_run_again_files_nothing_twice(medical_file, store, blobs, ops, spaces):
    text = ndjson(former(ALICE_INS, "A-1"), former(BOB_INS, "B-1"))
    migrate(medical_file, ops, text)

    summary, errors = migrate(medical_file, ops, text)

    assert errors == [] and (summary.filed, summary.already_there) == (0, 2)
    assert len(store.documents) == 2 and len(blobs.documents) == 2
    assert len(created_entries(store)) == 2


def test_a_run_stopped_midway_is_completed_by_running_it_again(
    medical_file, store, ops, spaces, monkeypatch
):
    text = ndjson(*(former(ALICE_INS, f"A-{n}") for n in range(5)))
    push = medical_file.filing.push_document
    calls = []

    def crash_on_the_fourth(*args, **kwargs):
        calls.append(1)
        if len(calls) == 4:
            raise ConnectionError("DynamoDB unreachable")
        return push(*args, **kwargs)

    monkeypatch.setattr(medical_file.filing, "push_document", crash_on_the_fourth)
    with pytest.raises(ConnectionError):
        migrate(medical_file, ops, text)
    assert len(store.documents) == 3
    monkeypatch.setattr(medical_file.filing, "push_document", push)

    summary, errors = migrate(medical_file, ops, text)

    assert errors == [] and (summary.filed, summary.already_there) == (2, 3)
    assert len(store.documents) == 5 and len(created_entries(store)) == 5


def test_a_file_over_the_limit_is_refused_whole(medical_file, store, ops, spaces):
    text = ndjson(*(former(ALICE_INS, f"A-{n}") for n in range(3)))

    summary, [error] = migrate(medical_file, ops, text, max_records=2)

    assert (error.line, error.field) == (3, "file") and "healthspace migrate" in error.reason
    assert (summary.records, summary.filed) == (3, 0)
    assert store.documents == {}


def test_progress_follows_the_records(medical_file, ops, spaces):
    seen = []
    text = ndjson(former(ALICE_INS, "A-1"), former(BOB_INS, "B-1"))

    migrate(medical_file, ops, text, progress=seen.append, max_records=10)

    assert seen == [1, 2]
