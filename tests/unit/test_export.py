"""Give me all my data (healthspace.lifecycle.exports, fhir_bundle, summary) on in-memory fakes:
the FHIR R4 Bundle of a space validates with fhir.resources and maps every kind of content; the
export's ZIP holds every document byte for byte beside it, an index, and only what the
requester's side sees; one export runs at a time; who may ask; the IPS document."""

import hashlib
import json
import zipfile
from datetime import date, timedelta

import pytest
from fhir.resources.R4B.bundle import Bundle

from healthspace.care.record import CareTeam, Grant, GrantKind, PatientSettings, TreatingDoctor
from healthspace.kernel.errors import Forbidden, NotFound, SpaceClosed
from healthspace.lifecycle.content import StoredContent
from healthspace.lifecycle.export_model import EXPORT_OBJECT, ExportStatus
from healthspace.lifecycle.exports import ExportRunning, Exports
from healthspace.lifecycle.fhir_bundle import SHA256_EXTENSION, bundle
from healthspace.lifecycle.summary import ABSENT, IPS_CODE, Summaries, ips_pdf
from healthspace.records.model import Action, Category, DocumentFacts, SpaceStatus
from tests.export_fakes import FakeExportFiles, FakeExportStore
from tests.samples import SPACE_SAMPLES as SAMPLES
from tests.unit.test_announcement_holds import child as child  # the fixture
from tests.unit.test_announcement_holds import deposit
from tests.unit.test_care_access import rpps
from tests.unit.test_medical_file import upload

DOCTOR = rpps(41)


def log_of(store, space_id):
    return [e for e in store.log if e.space_id == space_id]


@pytest.fixture
def export_store(store):
    return FakeExportStore(store)


@pytest.fixture
def files():
    return FakeExportFiles(part_size=1024)


@pytest.fixture
def exports(medical_file, export_store, files, store, blobs, clock):
    return Exports(
        store=export_store,
        files=files,
        content=store,
        care=store,
        blobs=blobs,
        spaces=medical_file.spaces,
        log=medical_file.history,
        clock=clock,
        ids=medical_file.ids,
    )


def filled(medical_file, blobs, store, alice, documents=3):
    """Alice's space with documents, an entry of every profile section and her care team."""
    access = medical_file.spaces.policy.resolve(alice, None)
    uploaded = {}
    for n in range(documents):
        data = b"%PDF-1.7\n" + f"document {n}\n".encode() * (n + 1) + b"%%EOF\n"
        facts = DocumentFacts(
            category=Category.BIOLOGY, title=f"Bilan {n}", document_date=date(2026, 11, 2)
        )
        upload_id, _ = upload(medical_file, blobs, access, data=data, facts=facts)
        uploaded[upload_id] = hashlib.sha256(data).hexdigest()
    for section, sample in SAMPLES.items():
        medical_file.profile.add_entry(access, section, sample)
    now = medical_file.clock.now()
    store.care[access.space_id] = store.get_care_record(access.space_id).model_copy(
        update={
            "team": CareTeam(
                treating_doctor=TreatingDoctor(rpps=DOCTOR, designated_at=now),
                grants={
                    rpps(42): Grant(
                        kind=GrantKind.TEAM,
                        granted_at=now,
                        scope=frozenset({Category.BIOLOGY}),
                        expires_at=now + timedelta(days=30),
                    )
                },
            ),
            "settings": PatientSettings(blocked=frozenset({rpps(43)}), emergency_access=False),
            "version": 3,
        }
    )
    return access, uploaded


def test_the_bundle_maps_every_kind_of_content_and_validates(
    medical_file, blobs, store, alice, spaces, clock
):
    access, uploaded = filled(medical_file, blobs, store, alice)
    space = medical_file.spaces.get(access.space_id)
    content = StoredContent(space, store.get_care_record(space.space_id), store, clock.now())

    found = bundle(content, clock.now())

    Bundle.model_validate(found)  # fhir.resources' R4B models (R4's, for these resources)
    kinds = [e["resource"]["resourceType"] for e in found["entry"]]
    assert kinds.count("DocumentReference") == len(uploaded)
    for kind in ("Patient", "AllergyIntolerance", "MedicationStatement", "Condition"):
        assert kinds.count(kind) == 1, kind
    assert kinds.count("Immunization") == kinds.count("Observation") == 1
    assert kinds.count("Consent") == 2  # the advance directive and the care settings
    assert kinds.count("AuditEvent") == len(log_of(store, space.space_id))
    urls = [e["fullUrl"] for e in found["entry"]]
    assert len(set(urls)) == len(urls)
    # References resolve inside the Bundle
    patient_url = urls[kinds.index("Patient")]
    allergy = found["entry"][kinds.index("AllergyIntolerance")]["resource"]
    assert allergy["patient"]["reference"] == patient_url
    patient = found["entry"][0]["resource"]
    assert patient["identifier"][0]["value"] == alice.ins
    assert patient["contact"][0]["name"]["text"] == SAMPLES["contacts"]["name"]
    # Each document: its file's path in the ZIP, its size and SHA-256
    for entry in found["entry"]:
        resource = entry["resource"]
        if resource["resourceType"] == "DocumentReference":
            attachment = resource["content"][0]["attachment"]
            sha = attachment["extension"][0]
            assert sha["url"] == SHA256_EXTENSION
            assert sha["valueString"] == uploaded[resource["id"]]
            assert attachment["url"].startswith(f"documents/{resource['id']}-")
    care = next(
        e["resource"]
        for e in found["entry"]
        if e["resource"]["resourceType"] == "Consent"
        and e["resource"]["scope"]["coding"][0]["code"] == "patient-privacy"
    )
    provisions = care["provision"]["provision"]
    assert [p["type"] for p in provisions] == ["permit", "permit", "deny", "deny"]
    assert provisions[1]["code"][0]["coding"][0]["code"] == "biology"
    pressure = found["entry"][kinds.index("Observation")]["resource"]
    assert [c["code"]["coding"][0]["code"] for c in pressure["component"]] == ["8480-6", "8462-4"]


def test_the_export_zip_holds_every_document_the_bundle_and_an_index(
    exports, files, medical_file, blobs, store, alice, spaces
):
    access, uploaded = filled(medical_file, blobs, store, alice, documents=4)

    export = exports.request(alice, None, "en")
    assert export.status is ExportStatus.PENDING
    assert exports.build(access.space_id, export.export_id).status is ExportStatus.READY

    stored = exports.store.get_export(access.space_id, export.export_id)
    assert (stored.status, stored.documents) == (ExportStatus.READY, 4)
    with zipfile.ZipFile(files.zip(stored.key)) as archive:
        names = archive.namelist()
        assert names[0] == "bundle.json" and names[-1] == "index.html"
        found = json.loads(archive.read("bundle.json"))
        Bundle.model_validate(found)
        paths = {
            e["resource"]["id"]: e["resource"]["content"][0]["attachment"]["url"]
            for e in found["entry"]
            if e["resource"]["resourceType"] == "DocumentReference"
        }
        assert paths.keys() == uploaded.keys()
        for document_id, path in paths.items():
            assert hashlib.sha256(archive.read(path)).hexdigest() == uploaded[document_id]
        index = archive.read("index.html").decode()
        assert '<html lang="en">' in index and "Bilan 3" in index
        assert SAMPLES["allergies"]["substance"] in index
    assert stored.size == len(files.files[stored.key])
    # Streamed: the file left in parts, never held whole
    assert len(files.uploads[0].parts) > 1
    assert files.uploads[0].largest_buffer < 2 * files.part_size + 64 * 1024


def test_the_export_is_traced_and_its_link_too(
    exports, files, medical_file, blobs, store, alice, spaces
):
    access, _ = filled(medical_file, blobs, store, alice, documents=1)
    export = exports.request(alice, None, "fr")
    traced = [e for e in log_of(store, access.space_id) if e.object.type == EXPORT_OBJECT]
    assert [(e.action, e.object.id) for e in traced] == [(Action.CREATE, export.export_id)]
    assert "url" not in exports.get(alice, None, export.export_id)  # not ready: no link

    exports.build(access.space_id, export.export_id)
    ready = exports.get(alice, None, export.export_id)

    assert ready["status"] == "READY" and ready["expires_in"] == 300
    assert files.links[-1][0] == f"exports/{access.space_id}/{export.export_id}/export.zip"
    traced = [e for e in log_of(store, access.space_id) if e.object.type == EXPORT_OBJECT]
    assert traced[-1].action is Action.DOWNLOAD


def test_one_export_runs_at_a_time(exports, medical_file, clock, alice, spaces):
    access = medical_file.spaces.policy.resolve(alice, None)
    first = exports.request(alice, None, "fr")
    with pytest.raises(ExportRunning) as refused:
        exports.request(alice, None, "fr")
    assert (refused.value.status, refused.value.code) == (409, "EXPORT_RUNNING")

    exports.build(access.space_id, first.export_id)  # done: another may start
    second = exports.request(alice, None, "fr")
    # A build that died (its worker's timeout) no longer holds the space once past its deadline
    clock.advance(minutes=17)
    assert exports.get(alice, None, second.export_id)["status"] == "FAILED"
    exports.request(alice, None, "fr")


def test_a_ready_export_expires_after_a_day(exports, files, medical_file, clock, alice, spaces):
    access = medical_file.spaces.policy.resolve(alice, None)
    export = exports.request(alice, None, "fr")
    exports.build(access.space_id, export.export_id)
    links = len(files.links)
    clock.advance(days=1, minutes=1)
    assert exports.get(alice, None, export.export_id) == {
        **exports.get(alice, None, export.export_id),
        "status": "EXPIRED",
    }
    assert "url" not in exports.get(alice, None, export.export_id)
    assert len(files.links) == links


def test_a_redelivered_build_does_nothing_and_a_failed_one_gives_its_parts_up(
    exports, files, medical_file, blobs, alice, spaces
):
    access = medical_file.spaces.policy.resolve(alice, None)
    upload(medical_file, blobs, access)
    export = exports.request(alice, None, "fr")
    for key in list(blobs.documents):
        blobs.documents[key] = b"\x01" + b"\x00" * 40  # altered: it no longer decrypts

    failed = exports.build(access.space_id, export.export_id)
    assert (failed.status, failed.failure) == (ExportStatus.FAILED, "DecryptionFailed")
    assert "failure" not in exports.get(alice, None, export.export_id)
    assert files.aborted == [f"exports/{access.space_id}/{export.export_id}/export.zip"]
    assert exports.build(access.space_id, export.export_id).status is ExportStatus.FAILED
    assert len(files.uploads) == 1
    exports.request(alice, None, "fr")  # a failed export holds nothing


def test_a_message_delivered_again_while_its_export_is_built_builds_nothing(
    exports, files, medical_file, blobs, alice, spaces
):
    # The queue delivers at least once: a second delivery finds the export RUNNING (its first
    # build under way, or its worker dead: then it shows FAILED past its deadline).
    access = medical_file.spaces.policy.resolve(alice, None)
    upload(medical_file, blobs, access)
    export = exports.request(alice, None, "fr")
    running = exports.store.get_export(access.space_id, export.export_id)
    exports.store.put_export(running.model_copy(update={"status": ExportStatus.RUNNING}))

    again = exports.build(access.space_id, export.export_id)

    assert again.status is ExportStatus.RUNNING
    assert files.uploads == []


def test_of_two_deliveries_at_once_one_builds(exports, files, medical_file, blobs, alice, spaces):
    # Both read the export PENDING; the other delivery's claim lands first: this one's fails,
    # and it builds nothing.
    access = medical_file.spaces.policy.resolve(alice, None)
    upload(medical_file, blobs, access)
    export = exports.request(alice, None, "fr")
    pending = exports.store.get_export(access.space_id, export.export_id)
    assert exports.store.claim_export(pending.model_copy(update={"status": ExportStatus.RUNNING}))
    stale = exports.store.get_export
    exports.store.get_export = lambda *_: pending  # what this delivery read, before the claim

    exports.build(access.space_id, export.export_id)

    exports.store.get_export = stale
    assert stale(access.space_id, export.export_id).status is ExportStatus.RUNNING
    assert files.uploads == []


def test_who_may_export(exports, medical_file, alice, bob, spaces, store):
    # A parent exports their child's space; nobody another person's
    child_export = exports.request(alice, spaces["child"].space_id, "fr")
    assert child_export.space_id == spaces["child"].space_id
    with pytest.raises(NotFound):
        exports.request(bob, spaces["alice"].space_id, "fr")
    with pytest.raises(NotFound):
        exports.get(bob, spaces["alice"].space_id, child_export.export_id)
    with pytest.raises(NotFound):
        exports.get(alice, None, child_export.export_id)  # not in her own space
    # A closed space is refused, as every patient route
    store.spaces[spaces["bob"].space_id] = spaces["bob"].model_copy(
        update={"status": SpaceStatus.CLOSED}
    )
    with pytest.raises(SpaceClosed):
        exports.request(bob, None, "fr")


def test_an_adults_representative_may_not_export(exports, medical_file, alice, bob, store, spaces):
    from healthspace.records.model import Role

    medical_file.spaces.grant(bob.ins, spaces["alice"].space_id, Role.LEGAL_REPRESENTATIVE)
    with pytest.raises(Forbidden):
        exports.request(bob, spaces["alice"].space_id, "fr")


def test_the_export_leaves_out_what_the_requesters_side_does_not_see(
    exports, files, medical_file, store, alice, child
):
    held = deposit(medical_file, "held-1", hold_for_announcement=True)
    secret = deposit(medical_file, "secret-1", confidential_from_representatives=True)
    seen = deposit(medical_file, "seen-1")
    space_id = child["parent"].space_id
    export = exports.request(alice, space_id, "fr")
    exports.build(space_id, export.export_id)

    stored = exports.store.get_export(space_id, export.export_id)
    with zipfile.ZipFile(files.zip(stored.key)) as archive:
        names = archive.namelist()
        found = archive.read("bundle.json").decode()
    assert any(name.startswith(f"documents/{seen}-") for name in names)
    for hidden in (held, secret):  # from the parent's side: a hold, the minor's secret
        assert hidden not in found and not any(hidden in name for name in names)


def test_the_patient_summary_is_an_ips_document(medical_file, store, blobs, alice, spaces, clock):
    summaries = Summaries(
        store, medical_file.spaces, blobs, medical_file.history, clock, medical_file.ids
    )
    access = medical_file.spaces.policy.resolve(alice, None)
    empty = summaries.document(access, "fr")
    Bundle.model_validate(empty)
    composition = empty["entry"][0]["resource"]
    assert empty["type"] == "document" and composition["resourceType"] == "Composition"
    assert composition["type"]["coding"][0]["code"] == IPS_CODE
    codes = [s["code"]["coding"][0]["code"] for s in composition["section"]]
    assert codes == ["10160-0", "48765-2", "11450-4"]  # no immunization section when empty
    absent = [
        e["resource"]
        for e in empty["entry"][2:]
        if any(
            c.get("system") == ABSENT
            for c in (e["resource"].get("code") or e["resource"].get("medicationCodeableConcept"))[
                "coding"
            ]
        )
    ]
    assert len(absent) == 3

    for section in ("allergies", "treatments", "conditions", "vaccinations"):
        medical_file.profile.add_entry(access, section, SAMPLES[section])
    medical_file.profile.add_entry(
        access, "treatments", {**SAMPLES["treatments"], "status": "stopped"}
    )
    full = summaries.document(access, "en")
    Bundle.model_validate(full)
    kinds = [e["resource"]["resourceType"] for e in full["entry"]]
    assert kinds.count("MedicationStatement") == 1  # the stopped treatment is not current
    assert kinds.count("Immunization") == 1
    section = full["entry"][0]["resource"]["section"][1]
    assert SAMPLES["allergies"]["substance"] in section["text"]["div"]
    traced = [e for e in log_of(store, access.space_id) if e.object.type == "summary"]
    assert [e.action for e in traced] == [Action.READ, Action.READ]

    _, seconds = summaries.pdf(access, "fr")
    assert seconds == 300
    staged = next(iter(blobs.downloads.values()))
    assert staged[:5] == b"%PDF-"


def test_the_pdf_writes_text_beyond_latin1(medical_file, store, blobs, alice, spaces, clock):
    from healthspace.lifecycle.summary import SummaryContent
    from healthspace.records.model import Section

    content = SummaryContent(
        patient={"id": "x"},
        holder_name="Chloé Œuvray",
        birth_date="1985-06-01",
        entries={s: [] for s in Section},
    )
    assert ips_pdf(content, clock.now(), "fr")[:5] == b"%PDF-"
