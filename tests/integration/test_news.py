"""GET /me/news (the home page's "what is new"), through the records function on moto: new since
the previous visit recorded by the server (so on any device), documents others filed,
professionals' accesses with break-glass ones first, next steps from the space's state; bounded;
a represented child's space by X-Space-Id; another's space out of reach."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import quote

from healthspace.records.model import Action, Author, Role
from tests.integration.test_professional_uploads import deposit, ticket_request
from tests.integration.test_professionals_api import claims, designate, refer
from tests.integration.test_professionals_api import pro as pro  # the fixture
from tests.integration.test_records_api import upload_pdf
from tests.unit.test_care_access import rpps

DOCTOR, NURSE = rpps(81), rpps(82)


def news(api, who, space=None):
    status, _, body = api("GET", "/me/news", who, headers={"X-Space-Id": space} if space else None)
    assert status == 200, body
    return body


def end_visit(who, space_id, ago=timedelta(hours=1)):
    """Their visit ended `ago` (as if they had left and come back later)."""
    from healthspace.wiring.records import table

    store = table()
    visit = store.get_visit(who.ins, space_id)
    assert visit is not None
    then = datetime.now(UTC) - ago
    store.put_visit(who.ins, visit.model_copy(update={"since": then, "last_seen": then}))
    return then


def test_a_first_visit_shows_the_last_30_days_and_the_next_steps(api, person):
    alice = person("Alice")
    body = news(api, alice)
    since = datetime.fromisoformat(body["since"])
    assert timedelta(days=29) < datetime.now(UTC) - since < timedelta(days=31)
    assert body["first_visit"] is True
    assert (body["documents"], body["accesses"], body["complete"]) == ([], [], True)
    assert body["next_steps"] == ["CHOOSE_TREATING_DOCTOR", "FILL_PROFILE", "ADD_CONTACT"]


def test_documents_of_others_and_professionals_accesses_emergencies_first(api, person, s3, pro):
    """Given Alice's own upload, her doctor's report and a nurse's break-glass read, then her
    news names the doctor's report (not her own), the nurse first with her reason, and asks
    her to review that access first."""
    alice = person("Alice")
    upload_pdf(api, alice, s3, title="Mon propre document")
    designate(api, alice, DOCTOR)
    report = deposit(pro, s3, alice, claims(DOCTOR), **ticket_request())
    reason = "inconsciente aux urgences"
    headers = {"X-Emergency-Reason": quote(reason)}
    base = refer(pro, alice, claims(NURSE, "60"), headers=headers)
    assert pro("GET", f"{base}/documents", claims(NURSE, "60"), headers=headers)[0] == 200

    body = news(api, alice)

    assert [d["document_id"] for d in body["documents"]] == [report]
    assert body["documents"][0]["author"]["id"] == f"rpps:{DOCTOR}"
    nurse, doctor = body["accesses"]
    assert (nurse["actor"]["id"], nurse["emergency"], nurse["emergency_reason"]) == (
        f"rpps:{NURSE}",
        True,
        reason,
    )
    assert nurse["actor"]["professional"]["rpps"] == NURSE
    assert (doctor["actor"]["id"], doctor["emergency"], doctor["emergency_reason"]) == (
        f"rpps:{DOCTOR}",
        False,
        None,
    )
    assert doctor["count"] >= 1
    assert body["next_steps"][0] == "REVIEW_EMERGENCY_ACCESS"
    assert "CHOOSE_TREATING_DOCTOR" not in body["next_steps"]
    # Naming the report's title is a read of the documents list, traced.
    log = api("GET", "/me/access-log", alice)[2]["items"]
    assert (log[0]["actor"]["id"], log[0]["object"]["type"]) == (alice.subject, "document-list")


def test_a_reload_keeps_the_news_and_a_new_visit_starts_where_the_last_ended(api, person, s3, pro):
    """The visit is the server's: a reload (or another device) within the visit shows the same
    news; once she has been away, news starts where her last visit ended. (What falls before and
    after that time: tests/unit/test_news.py, on a clock the test moves.)"""
    alice = person("Alice")
    designate(api, alice, DOCTOR)
    first = deposit(pro, s3, alice, claims(DOCTOR), **ticket_request())
    shown = news(api, alice)
    assert [d["document_id"] for d in shown["documents"]] == [first]
    again = news(api, alice)
    assert (again["since"], again["documents"]) == (shown["since"], shown["documents"])

    ended = end_visit(alice, alice.space_id)
    body = news(api, alice)
    assert (datetime.fromisoformat(body["since"]), body["first_visit"]) == (ended, False)


def test_the_profile_and_a_contact_clear_their_steps(api, person):
    alice = person("Alice")
    allergy = {"substance": "Arachide", "category": "food", "criticality": "high"}
    assert api("POST", "/me/profile/allergies", alice, body=allergy)[0] == 201
    contact = {"kind": "trusted-person", "name": "Paul Martin", "phone": "0601020304"}
    assert api("POST", "/me/profile/contacts", alice, body=contact)[0] == 201
    assert news(api, alice)["next_steps"] == ["CHOOSE_TREATING_DOCTOR"]


def test_a_representative_reads_the_childs_news_and_no_one_elses(api, person):
    parent = person("Julien")
    child = person("Léa", represented_by=parent)
    stranger = person("Bob")
    body = news(api, parent, space=child.space_id)
    assert body["first_visit"] is True
    # The parent's visits of each space are their own: the child's did not end the parent's.
    assert news(api, parent)["first_visit"] is True
    status, _, refused = api("GET", "/me/news", parent, headers={"X-Space-Id": stranger.space_id})
    assert status in (403, 404), refused


def test_news_reads_at_most_200_acts(api, person):
    from healthspace.wiring.records import medical_file

    alice = person("Alice")
    file = medical_file()
    reader = Author.professional(NURSE, "Claire Dubois")
    for _ in range(201):
        file.store.append_access_log(
            file.history.entry_of(
                alice.space_id, reader, Role.PROFESSIONAL, Action.READ, "document-list"
            )
        )
    body = news(api, alice)
    assert body["complete"] is False
    [nurse] = body["accesses"]
    assert nurse["count"] == 200
