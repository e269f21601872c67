"""Held and confidential documents (issue 4) through the real handlers, against moto: the
patient's side does not see them, the author releases through the professionals' API, the daily
job releases what is past its month, and the patient's access history says so."""

from datetime import UTC, date, datetime, timedelta

import pytest

from healthspace.records.model import Author, Category, DocumentFacts
from tests.fakes import FakeClock
from tests.integration.test_professionals_api import claims, designate, refer
from tests.integration.test_professionals_api import pro as pro  # the fixture
from tests.integration.test_records_api import PDF
from tests.unit.test_care_access import rpps

DOCTOR, COLLEAGUE = rpps(61), rpps(62)
FACTS = DocumentFacts(category=Category.BIOLOGY, title="Biopsie", document_date=date(2025, 3, 1))


def deposit(patient, source, **flags):
    from healthspace.wiring.records import medical_file

    files = medical_file()
    document, _ = files.filing.push_document(
        files.spaces.space_of(patient.ins),
        Author.professional(DOCTOR),
        FACTS,
        PDF,
        "biopsie.pdf",
        source,
        **flags,
    )
    return document.document_id


def patient_sees(api, who, document_id, space=None):
    headers = {"X-Space-Id": space} if space else None
    listed = api("GET", "/me/documents", who, headers=headers)[2]["items"]
    statuses = {
        api("GET", f"/me/documents/{document_id}{tail}", who, headers=headers)[0]
        for tail in ("", "/content")
    }
    visible = document_id in {d["document_id"] for d in listed}
    assert statuses == ({200} if visible else {404}), statuses
    return visible


def told(api, who, document_id):
    log = api("GET", "/me/access-log", who)[2]["items"]
    return [
        e
        for e in log
        if (e["object"]["type"], e["object"].get("id")) == ("document/release", document_id)
    ]


def test_the_author_releases_a_held_document_and_the_patient_is_told(api, person, pro):
    alice = person("Alice")
    designate(api, alice, DOCTOR)
    grant = {"scope": "full"}
    assert (
        api("PUT", f"/me/care/team/{COLLEAGUE}", alice, body=grant, headers={"If-Match": "1"})[0]
        == 200
    )
    held = deposit(alice, "urn:x|HELD-1", hold_for_announcement=True)
    assert not patient_sees(api, alice, held)
    mine = f"{refer(pro, alice, claims(DOCTOR))}/documents/{held}"
    base = f"{refer(pro, alice, claims(COLLEAGUE))}/documents/{held}"
    assert pro("GET", base, claims(COLLEAGUE))[0] == 200  # professionals: the ordinary rules

    status, _, refused = pro("POST", f"{base}/release", claims(COLLEAGUE))
    assert (status, refused["code"]) == (403, "FORBIDDEN")
    assert not patient_sees(api, alice, held)

    status, _, released = pro("POST", f"{mine}/release", claims(DOCTOR))
    assert status == 200 and released["hold"]["released_at"], released
    assert patient_sees(api, alice, held)
    [entry] = told(api, alice, held)
    assert (entry["actor"]["id"], entry["action"]) == (f"rpps:{DOCTOR}", "UPDATE")
    assert pro("POST", f"{mine}/release", claims(DOCTOR))[0] == 200  # twice: nothing changes
    assert len(told(api, alice, held)) == 1


def test_a_minors_secret_is_kept_from_the_parent(api, person):
    parent = person("Alice")
    child = person("Léa", represented_by=parent)
    secret = deposit(child, "urn:x|SECRET-1", confidential_from_representatives=True)
    assert patient_sees(api, child, secret)
    assert not patient_sees(api, parent, secret, space=child.space_id)


@pytest.fixture
def held_long_ago(monkeypatch):
    """Deposits made 40 days ago: their month has passed, the job has not run."""
    from healthspace.wiring.records import medical_file

    files = medical_file()

    def deposit_then(patient, source):
        with monkeypatch.context() as patched:
            then = FakeClock(datetime.now(UTC) - timedelta(days=40))
            patched.setattr(files.filing, "clock", then)
            patched.setattr(files.history, "clock", then)
            return deposit(patient, source, hold_for_announcement=True)

    return deposit_then


def test_the_daily_job_releases_the_holds_past_their_month(api, person, deployed, held_long_ago):
    registry = deployed[1]
    alice = person("Alice")
    old = held_long_ago(alice, "urn:x|OLD-1")
    recent = deposit(alice, "urn:x|NEW-1", hold_for_announcement=True)
    assert patient_sees(api, alice, old)  # by the clock already; not yet told

    assert registry.invoke("ReleasesFunction", {}) == {"released": 1}
    assert registry.invoke("ReleasesFunction", {}) == {"released": 0}  # idempotent
    [entry] = told(api, alice, old)
    assert (entry["actor"]["kind"], entry["role"]) == ("SYSTEM", "SYSTEM")
    assert not told(api, alice, recent) and not patient_sees(api, alice, recent)
