"""The medical file's use cases on in-memory fakes: rules, audit, concurrency, authorisation."""

from datetime import UTC, date, datetime

import pytest

from healthspace.kernel.crypto import decrypt_document
from healthspace.kernel.errors import (
    BadRequest,
    Forbidden,
    NotFound,
    PayloadTooLarge,
    PreconditionFailed,
    UnsupportedMediaType,
)
from healthspace.records.access import AccessPolicy
from healthspace.records.model import (
    Action,
    ActorKind,
    Author,
    Category,
    DocumentFacts,
    DocumentFilter,
    Role,
    UploadStatus,
)
from healthspace.records.uploads import upload_key

PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n%%EOF\n"
FACTS = DocumentFacts(category=Category.BIOLOGY, title="Bilan", document_date=date(2026, 11, 2))


def upload(medical_file, blobs, access, data=PDF, facts=FACTS, content_type="application/pdf"):
    ticket = medical_file.uploads.start_upload(access, facts, "bilan.pdf", content_type, len(data))
    key = upload_key(access.space_id, ticket.upload.upload_id)
    blobs.quarantine[key] = data
    status = medical_file.uploads.ingest(key, len(data))
    return ticket.upload.upload_id, status


class TestAccessPolicy:
    def test_own_space_by_default(self, medical_file, alice, spaces):
        access = medical_file.spaces.policy.resolve(alice, None)
        assert (access.space_id, access.role) == (spaces["alice"].space_id, Role.HOLDER)

    def test_represented_space_on_request(self, medical_file, alice, spaces):
        access = medical_file.spaces.policy.resolve(alice, spaces["child"].space_id)
        assert access.role is Role.LEGAL_REPRESENTATIVE

    def test_foreign_space_is_not_found(self, medical_file, bob, spaces):
        with pytest.raises(NotFound):
            medical_file.spaces.policy.resolve(bob, spaces["alice"].space_id)

    def test_person_without_space(self, medical_file, spaces):
        from healthspace.records.access import Caller
        from tests.unit.conftest import make_ins

        stranger = Caller(subject="s", ins=make_ins("1010101010101"), display_name="x")
        with pytest.raises(NotFound):
            medical_file.spaces.policy.resolve(stranger, None)

    def test_a_new_grant_is_seen_at_once_by_the_instance_that_made_it(
        self, medical_file, alice, bob, spaces
    ):
        medical_file.spaces.policy.resolve(bob, None)  # Bob's grants are now cached
        medical_file.spaces.grant(bob.ins, spaces["child"].space_id, Role.LEGAL_REPRESENTATIVE)
        access = medical_file.spaces.policy.resolve(bob, spaces["child"].space_id)
        assert access.role is Role.LEGAL_REPRESENTATIVE

    def test_grants_are_cached_between_requests(self, medical_file, store, alice, spaces):
        reads = store.reads
        for _ in range(5):
            medical_file.spaces.policy.resolve(alice, None)
        assert store.reads == reads + 1

    def test_a_grant_revoked_elsewhere_ends_within_thirty_seconds(self, store, alice, spaces):
        """Another instance's cache: a revoked grant (here: the person's grants gone from the
        table) still serves until the cached copy is 30 s old, and never after."""
        now = [0.0]
        policy = AccessPolicy(store, timer=lambda: now[0])
        assert policy.resolve(alice, None).space_id == spaces["alice"].space_id
        del store.people[alice.ins]
        now[0] = 29.9
        assert policy.resolve(alice, None).space_id == spaces["alice"].space_id
        now[0] = 30.1
        with pytest.raises(NotFound):
            policy.resolve(alice, None)


def test_me_shows_own_and_represented_spaces(medical_file, alice, spaces):
    me = medical_file.spaces.me(alice)
    assert me["space"]["space_id"] == spaces["alice"].space_id
    assert me["space"]["role"] == "HOLDER"
    assert "wrapped_key" not in me["space"] and "holder_ins" not in me["space"]
    assert [s["holder"]["given_name"] for s in me["represented"]] == ["Léa"]


class TestUpload:
    def test_accepted_pdf_is_encrypted_indexed_and_audited(
        self, medical_file, store, blobs, keys, alice, spaces
    ):
        access = medical_file.spaces.policy.resolve(alice, None)
        upload_id, status = upload(medical_file, blobs, access)
        assert status is UploadStatus.ACCEPTED
        assert blobs.quarantine == {}
        document = store.get_document(access.space_id, upload_id)
        assert document.content_type == "application/pdf" and document.size == len(PDF)
        assert document.author.kind is ActorKind.PATIENT
        stored = blobs.documents[document.blob_key]
        assert PDF not in stored
        space = store.get_space(access.space_id)  # its data key was made for this document
        key = keys.unwrap_data_key(space.space_id, space.wrapped_key)
        assert decrypt_document(key, space.space_id, upload_id, stored) == PDF
        assert [(e.action, e.object.id) for e in store.log] == [(Action.CREATE, upload_id)]

    def test_real_type_wins_over_declared_type(self, medical_file, blobs, alice, spaces):
        access = medical_file.spaces.policy.resolve(alice, None)
        upload_id, status = upload(medical_file, blobs, access, data=b"MZ\x90\x00binary")
        assert status is UploadStatus.REJECTED
        result = medical_file.uploads.upload_status(access, upload_id)
        assert "not a PDF" in result.reason
        assert blobs.quarantine == {} and blobs.documents == {}

    def test_redelivered_event_creates_no_duplicate(
        self, medical_file, store, blobs, alice, spaces
    ):
        access = medical_file.spaces.policy.resolve(alice, None)
        upload_id, _ = upload(medical_file, blobs, access)
        key = upload_key(access.space_id, upload_id)
        blobs.quarantine[key] = PDF  # S3 delivers the same event again
        assert medical_file.uploads.ingest(key, len(PDF)) is UploadStatus.ACCEPTED
        assert len(store.documents) == 1 and len(store.log) == 1
        assert blobs.quarantine == {}

    def test_oversize_and_wrong_declarations_are_refused_up_front(
        self, medical_file, store, alice, spaces
    ):
        access = medical_file.spaces.policy.resolve(alice, None)
        with pytest.raises(PayloadTooLarge):
            medical_file.uploads.start_upload(access, FACTS, "a.pdf", "application/pdf", 1001)
        with pytest.raises(UnsupportedMediaType):
            medical_file.uploads.start_upload(
                access, FACTS, "a.exe", "application/x-msdownload", 10
            )
        with pytest.raises(BadRequest):
            medical_file.uploads.start_upload(access, FACTS, "../etc/passwd", "application/pdf", 10)
        future = FACTS.model_copy(update={"document_date": date(2030, 1, 1)})
        with pytest.raises(BadRequest):
            medical_file.uploads.start_upload(access, future, "a.pdf", "application/pdf", 10)
        assert store.uploads == {}

    def test_a_document_dated_today_just_after_midnight_in_paris_is_taken(
        self, medical_file, store, alice, spaces, clock
    ):
        # 23:30 UTC on 7 December is 00:30 on the 8th in Paris: the person's today
        clock.current = datetime(2026, 12, 7, 23, 30, tzinfo=UTC)
        access = medical_file.spaces.policy.resolve(alice, None)
        tomorrow_in_utc = FACTS.model_copy(update={"document_date": date(2026, 12, 8)})
        medical_file.uploads.start_upload(access, tomorrow_in_utc, "a.pdf", "application/pdf", 10)
        # a day that has begun nowhere yet is refused
        later = FACTS.model_copy(update={"document_date": date(2026, 12, 9)})
        with pytest.raises(BadRequest, match="future"):
            medical_file.uploads.start_upload(access, later, "a.pdf", "application/pdf", 10)
        assert len(store.uploads) == 1

    def test_file_larger_than_allowed_is_rejected_at_ingest(
        self, medical_file, blobs, alice, spaces
    ):
        # Given a client that declared a small file but sent a large one
        access = medical_file.spaces.policy.resolve(alice, None)
        ticket = medical_file.uploads.start_upload(access, FACTS, "a.pdf", "application/pdf", 10)
        key = upload_key(access.space_id, ticket.upload.upload_id)
        blobs.quarantine[key] = PDF + b"0" * 1000
        # When it is ingested, Then it is refused with a readable reason and leaves no trace
        assert medical_file.uploads.ingest(key, 1043) is UploadStatus.REJECTED
        assert (
            "larger" in medical_file.uploads.upload_status(access, ticket.upload.upload_id).reason
        )
        assert blobs.quarantine == {} and blobs.documents == {}

    @pytest.mark.parametrize("sent", [PDF[:-1], PDF + b"%%"], ids=["shorter", "longer"])
    @pytest.mark.parametrize("reported", ["as S3 reports it", "as read"])
    def test_a_file_of_another_size_than_declared_is_rejected_at_ingest(
        self, medical_file, store, blobs, alice, spaces, sent, reported
    ):
        # Given a ticket for the PDF's size and a file of another size under it (S3 enforces the
        # POST's content-length-range, moto does not): S3's event may even report the size
        # declared, when the object changed after it
        access = medical_file.spaces.policy.resolve(alice, None)
        ticket = medical_file.uploads.start_upload(
            access, FACTS, "a.pdf", "application/pdf", len(PDF)
        )
        key = upload_key(access.space_id, ticket.upload.upload_id)
        blobs.quarantine[key] = sent
        size = len(sent) if reported == "as S3 reports it" else len(PDF)
        # When it is ingested, Then it is refused as other bad uploads are, naming both sizes
        assert medical_file.uploads.ingest(key, size) is UploadStatus.REJECTED
        reason = medical_file.uploads.upload_status(access, ticket.upload.upload_id).reason
        assert reason == (
            f"the file is {len(sent)} bytes, not the {len(PDF)} bytes its upload declared"
        )
        assert blobs.quarantine == {} and blobs.documents == {} and store.documents == {}

    def test_unknown_key_is_discarded(self, medical_file, blobs):
        blobs.quarantine["uploads/nope"] = PDF
        assert medical_file.uploads.ingest("uploads/nope", 10) is None
        assert blobs.quarantine == {}


class TestDocuments:
    @pytest.fixture
    def access(self, medical_file, alice, spaces):
        return medical_file.spaces.policy.resolve(alice, None)

    def test_list_filters_and_pages_newest_first(self, medical_file, blobs, access):
        for day, category in [(1, Category.BIOLOGY), (3, Category.IMAGING), (2, Category.BIOLOGY)]:
            facts = FACTS.model_copy(
                update={"document_date": date(2026, 10, day), "category": category}
            )
            upload(medical_file, blobs, access, facts=facts)
        page = medical_file.documents.list_documents(access, DocumentFilter(), 2, None)
        assert [d.document_date.day for d in page.items] == [3, 2]
        rest = medical_file.documents.list_documents(access, DocumentFilter(), 2, page.next_cursor)
        assert [d.document_date.day for d in rest.items] == [1] and rest.next_cursor is None
        biology = medical_file.documents.list_documents(
            access, DocumentFilter(category=Category.BIOLOGY, date_from=date(2026, 10, 2)), 10, None
        )
        assert [d.document_date.day for d in biology.items] == [2]

    def test_reversed_date_range_is_bad_request(self, medical_file, access):
        query = DocumentFilter(date_from=date(2026, 2, 1), date_to=date(2026, 1, 1))
        with pytest.raises(BadRequest):
            medical_file.documents.list_documents(access, query, 10, None)

    def test_stale_update_fails_and_changes_nothing(self, medical_file, store, blobs, access):
        document_id, _ = upload(medical_file, blobs, access)
        medical_file.documents.update_document(access, document_id, 1, title="Nouveau titre")
        with pytest.raises(PreconditionFailed):
            medical_file.documents.update_document(access, document_id, 1, masked=True)
        current = store.get_document(access.space_id, document_id)
        assert (current.title, current.masked, current.version) == ("Nouveau titre", False, 2)

    def test_download_hands_out_the_plaintext(self, medical_file, blobs, access):
        document_id, _ = upload(medical_file, blobs, access)
        _url, seconds = medical_file.documents.download(access, document_id)
        assert seconds > 0
        assert list(blobs.downloads.values()) == [PDF]

    def test_data_key_is_unwrapped_once_while_cached(self, medical_file, blobs, keys, access):
        document_id, _ = upload(medical_file, blobs, access)
        unwraps = keys.unwraps
        for _ in range(3):
            medical_file.documents.download(access, document_id)
        assert keys.unwraps == unwraps

    def test_patient_cannot_delete_professional_document(self, medical_file, store, blobs, access):
        document_id, _ = upload(medical_file, blobs, access)
        doc = store.get_document(access.space_id, document_id)
        store.documents[(access.space_id, document_id)] = doc.model_copy(
            update={"author": Author(kind=ActorKind.PROFESSIONAL, id="rpps", display_name="Dr")}
        )
        with pytest.raises(Forbidden):
            medical_file.documents.delete_document(access, document_id, None)
        assert store.get_document(access.space_id, document_id) is not None

    def test_delete_removes_index_and_blob(self, medical_file, store, blobs, access):
        document_id, _ = upload(medical_file, blobs, access)
        medical_file.documents.delete_document(access, document_id, 1)
        assert store.get_document(access.space_id, document_id) is None
        assert blobs.documents == {}
        with pytest.raises(NotFound):
            medical_file.documents.get_document(access, document_id)

    def test_every_read_and_write_is_traced(self, medical_file, store, blobs, access):
        document_id, _ = upload(medical_file, blobs, access)
        medical_file.documents.get_document(access, document_id)
        medical_file.documents.list_documents(access, DocumentFilter(), 10, None)
        medical_file.documents.download(access, document_id)
        medical_file.documents.update_document(access, document_id, 1, masked=True)
        actions = [e.action for e in medical_file.history.history(access, 10, None).items]
        assert actions == [Action.UPDATE, Action.DOWNLOAD, Action.READ, Action.READ, Action.CREATE]


class TestProfile:
    @pytest.fixture
    def access(self, medical_file, alice, spaces):
        return medical_file.spaces.policy.resolve(alice, None)

    def test_add_read_replace_delete(self, medical_file, store, access):
        entry = medical_file.profile.add_entry(
            access, "allergies", {"substance": "Pénicilline", "category": "medication"}
        )
        assert entry.fields["criticality"] == "unable-to-assess"
        replaced = medical_file.profile.replace_entry(
            access,
            "allergies",
            entry.entry_id,
            {"substance": "Pénicilline", "category": "medication", "criticality": "high"},
            1,
        )
        assert replaced.version == 2
        with pytest.raises(PreconditionFailed):
            medical_file.profile.replace_entry(
                access, "allergies", entry.entry_id, {"substance": "X", "category": "food"}, 1
            )
        profile = medical_file.profile.read(access)
        assert profile["allergies"].items[0].fields["criticality"] == "high"
        medical_file.profile.delete_entry(access, "allergies", entry.entry_id, 2)
        assert medical_file.profile.list_section(access, "allergies", 20, None).items == []

    @pytest.mark.parametrize(
        ("section", "data", "message"),
        [
            ("allergies", {"substance": "x", "category": "pollen"}, "category"),
            ("allergies", {"substance": "x", "category": "food", "extra": 1}, "extra"),
            ("vaccinations", {"vaccine": "DTP", "date": "2099-01-01"}, "future"),
            (
                "measurements",
                {"kind": "weight", "value": 70, "unit": "lb", "measured_at": "2026-01-01T10:00Z"},
                "unit",
            ),
            (
                "measurements",
                {
                    "kind": "blood-pressure",
                    "value": 120,
                    "unit": "mmHg",
                    "measured_at": "2026-01-01T10:00:00Z",
                },
                "diastolic",
            ),
            ("contacts", {"kind": "trusted-person", "name": "Paul", "phone": "12"}, "phone"),
            (
                "treatments",
                {"medication": "x", "start_date": "2026-02-01", "end_date": "2026-01-01"},
                "end_date",
            ),
        ],
    )
    def test_invalid_entries_are_refused_and_nothing_is_written(
        self, medical_file, store, access, section, data, message
    ):
        with pytest.raises(BadRequest, match=message):
            medical_file.profile.add_entry(access, section, data)
        assert store.profile == {} and store.log == []

    def test_unknown_section(self, medical_file, access):
        with pytest.raises(NotFound):
            medical_file.profile.list_section(access, "horoscope", 20, None)
