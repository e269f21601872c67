"""The helpline's acts for a caller beyond closing (healthspace.lifecycle.helpline), on fakes:
express deletion with its receipt by post, reopening with its own, the summary and the file sent
by post (a printed PDF in the mail house's batch, traced as a download by the operator)."""

import re
import zlib
from datetime import date, timedelta

import pytest

from healthspace.enrollment.messages import french_date
from healthspace.enrollment.model import Channel, Contact, PostalAddress
from healthspace.kernel.errors import Conflict
from healthspace.lifecycle.deletions import Requester
from healthspace.lifecycle.helpline import HelplineAction, HelplineRequest, IdentityCheck
from healthspace.lifecycle.model import operator_author
from healthspace.lifecycle.summary import FILE_BY_POST_OBJECT, SUMMARY_OBJECT
from healthspace.records.model import Action, Author, Category, DocumentFacts, Role, SpaceStatus
from tests.unit.conftest import ALICE_INS, BOB_INS, CHILD_INS
from tests.unit.test_announcement_holds import DOCTOR
from tests.unit.test_announcement_holds import child as child  # the fixture
from tests.unit.test_export import SAMPLES
from tests.unit.test_lifecycle_operators import ALICE_BORN, BOB_BORN, CHILD_BORN, entries
from tests.unit.test_lifecycle_operators import closures as closures  # the fixtures
from tests.unit.test_lifecycle_operators import closures_store as closures_store
from tests.unit.test_lifecycle_operators import contacts as contacts
from tests.unit.test_lifecycle_operators import deletions as deletions
from tests.unit.test_lifecycle_operators import desk as desk
from tests.unit.test_lifecycle_operators import reopenings as reopenings
from tests.unit.test_notices import enrollment

ADDRESS = PostalAddress(lines=("1 rue de la Paix",), postal_code="75002", city="Paris")


def ask(action, ins=ALICE_INS, born=ALICE_BORN):
    return HelplineRequest("op-7", action, ins, born, frozenset({IdentityCheck.CALLBACK}))


def pdf_text(pdf: bytes) -> str:
    """The text a PDF of fpdf2 draws: its page streams, inflated. Each is cut by its /Length: a
    compressed stream may end with a byte that reads as the line break before `endstream`."""
    assert pdf[:5] == b"%PDF-"
    starts = re.finditer(rb"/Length (\d+)[^>]*>>\s*stream\r?\n", pdf)
    streams = [pdf[m.end() : m.end() + int(m.group(1))] for m in starts]
    text = b""
    for raw in streams:
        try:
            text += zlib.decompress(raw)
        except zlib.error:
            text += raw
    return text.decode("latin-1")


# --- express deletion


def test_the_helpline_deletes_a_callers_space_and_posts_the_day_the_last_copy_is_gone(
    desk, deletions, spaces, clock
):
    helpline, letters = desk
    outcome = helpline.act(ask(HelplineAction.DELETE))

    space_id = spaces["alice"].space_id
    [(requester, asked)] = deletions.requests
    assert asked == space_id
    assert requester == Requester(role=Role.SYSTEM, author=operator_author("op-7"))
    answer = outcome.to_api()
    assert (answer["action"], answer["status"], answer["receipt"]) == ("DELETE", "DELETING", "post")
    gone = clock.now() + timedelta(days=36)  # asked + a day to run + 35 days of PITR
    assert answer["last_copy_gone_by"] == gone.isoformat()
    [(ins, kind, (channel, message))] = letters.sent
    assert (ins, kind, channel) == (ALICE_INS, "deletion-receipt", Channel.POST)
    assert "par téléphone" in message.body and french_date(gone) in message.body
    assert letters.flushes == 1
    # Asked again: the deletion under way answered, nothing sent again
    again = helpline.act(ask(HelplineAction.DELETE))
    assert again.to_api()["status"] == "DELETING" and again.receipt is None
    assert len(letters.sent) == 1


@pytest.mark.parametrize(
    ("contact", "channel"),
    [(Contact(email="alice@example.org"), "email"), (Contact(mobile="0612345678"), "sms")],
)
def test_without_an_address_the_receipt_goes_by_the_enrollments_channel(
    desk, contacts, spaces, clock, contact, channel
):
    helpline, letters = desk
    contacts.enrollments[ALICE_INS] = contacts.enrollments[ALICE_INS].model_copy(
        update={"recipient": contact}
    )
    outcome = helpline.act(ask(HelplineAction.DELETE))
    assert outcome.receipt == channel
    [(_, _, (_, message))] = letters.sent
    assert french_date(clock.now() + timedelta(days=36)) in message.body
    if channel == "sms":
        assert len(message.body) <= 160 and message.body.startswith("Assurance Maladie : ")


def test_a_space_without_enrollment_is_deleted_with_nobody_to_write_to(desk, deletions, spaces):
    helpline, letters = desk
    outcome = helpline.act(ask(HelplineAction.DELETE, BOB_INS, BOB_BORN))
    assert outcome.receipt is None and letters.sent == []
    assert [space for _, space in deletions.requests] == [spaces["bob"].space_id]


# --- reopening


def test_the_helpline_reopens_a_callers_archived_space_and_posts_the_receipt(
    desk, reopenings, store, spaces
):
    helpline, letters = desk
    space_id = spaces["alice"].space_id
    store.spaces[space_id] = spaces["alice"].model_copy(update={"status": SpaceStatus.ARCHIVED})

    outcome = helpline.act(ask(HelplineAction.REOPEN))

    [(asked, author, role)] = reopenings.requests
    assert (asked, author, role) == (space_id, operator_author("op-7"), Role.SYSTEM)
    answer = outcome.to_api()
    assert (answer["action"], answer["status"], answer["receipt"]) == (
        "REOPEN",
        "REOPENING",
        "post",
    )
    [(ins, kind, (channel, message))] = letters.sent
    assert (ins, kind, channel) == (ALICE_INS, "reopening-receipt", Channel.POST)
    assert "réouverture" in message.body and "deux jours" in message.body
    # Asked again: the reopening under way answered, nothing sent again
    again = helpline.act(ask(HelplineAction.REOPEN))
    assert again.to_api()["status"] == "REOPENING" and again.receipt is None
    assert len(letters.sent) == 1


@pytest.mark.parametrize("status", [SpaceStatus.ACTIVE, SpaceStatus.SUSPENDED])
def test_an_open_or_suspended_space_has_nothing_to_reopen(desk, store, spaces, status):
    helpline, letters = desk
    space_id = spaces["alice"].space_id
    store.spaces[space_id] = spaces["alice"].model_copy(update={"status": status})
    with pytest.raises(Conflict, match="nothing to reopen"):
        helpline.act(ask(HelplineAction.REOPEN))
    assert store.spaces[space_id].status is status and letters.sent == []


# --- the summary and the file, by post


def test_the_summary_goes_by_post_printed_and_traced_as_the_operators_download(
    desk, medical_file, alice, store, spaces
):
    helpline, letters = desk
    access = medical_file.spaces.policy.resolve(alice, None)
    for section in ("allergies", "treatments", "conditions"):
        medical_file.profile.add_entry(access, section, SAMPLES[section])

    outcome = helpline.act(ask(HelplineAction.SEND_SUMMARY))

    answer = outcome.to_api()
    assert (answer["action"], answer["status"], answer["receipt"]) == (
        "SEND_SUMMARY",
        "ACTIVE",
        "post",
    )
    assert answer["letter_id"] == "letter-1" and answer["sent_at"]
    [(ins, kind, message, pdf)] = letters.enclosed
    assert (ins, kind) == (ALICE_INS, "summary-by-post")
    text = pdf_text(pdf)
    assert "Arachide" in text and "Levothyrox" in text
    assert "synthèse médicale" in message.body and "Arachide" not in message.body
    assert letters.flushes == 1
    [traced] = entries(store, spaces["alice"].space_id, SUMMARY_OBJECT)
    assert (traced.action, traced.role, traced.actor.id) == (
        Action.DOWNLOAD,
        Role.SYSTEM,
        "operator:op-7",
    )
    # Asked again (a lost letter): a second letter, traced again
    helpline.act(ask(HelplineAction.SEND_SUMMARY))
    assert len(letters.enclosed) == 2
    assert len(entries(store, spaces["alice"].space_id, SUMMARY_OBJECT)) == 2


def push(medical_file, title: str, **flags: bool) -> None:
    facts = DocumentFacts(category=Category.BIOLOGY, title=title, document_date=date(2026, 11, 2))
    medical_file.filing.push_document(
        medical_file.spaces.space_of(CHILD_INS),
        Author.professional(DOCTOR),
        facts,
        b"%PDF-1.7\n%%EOF\n",
        "bilan.pdf",
        f"source-{title}",
        **flags,
    )


def test_a_childs_file_goes_to_the_representative_without_what_they_may_not_see(
    desk, contacts, medical_file, store, spaces, child
):
    helpline, letters = desk
    lea = enrollment(CHILD_INS, "Léa", CHILD_BORN, "alice@example.org")
    contacts.enrollments[CHILD_INS] = lea.model_copy(
        update={"recipient": Contact(email="alice@example.org", address=ADDRESS)}
    )
    push(medical_file, "Bilan sanguin")
    push(medical_file, "Resultat secret", confidential_from_representatives=True)
    push(medical_file, "Biopsie en attente", hold_for_announcement=True)

    helpline.act(ask(HelplineAction.SEND_FILE, CHILD_INS, CHILD_BORN))

    [(ins, kind, message, pdf)] = letters.enclosed
    assert (ins, kind) == (CHILD_INS, "file-by-post")
    assert "représentant légal de Léa" in message.body
    text = pdf_text(pdf)
    assert "Bilan sanguin" in text and "02/11/2026" in text and "biologie" in text
    assert "Resultat secret" not in text and "Biopsie en attente" not in text
    [traced] = entries(store, spaces["child"].space_id, FILE_BY_POST_OBJECT)
    assert (traced.action, traced.actor.id) == (Action.DOWNLOAD, "operator:op-7")


@pytest.mark.parametrize("action", [HelplineAction.SEND_SUMMARY, HelplineAction.SEND_FILE])
def test_nothing_goes_by_post_from_a_space_not_active_or_without_an_address(
    desk, contacts, store, spaces, action
):
    helpline, letters = desk
    with pytest.raises(Conflict, match="postal address"):
        helpline.act(ask(action, BOB_INS, BOB_BORN))  # never enrolled: no address on file
    email_only = contacts.enrollments[ALICE_INS]
    contacts.enrollments[ALICE_INS] = email_only.model_copy(
        update={"recipient": Contact(email="alice@example.org")}
    )
    with pytest.raises(Conflict, match="postal address"):
        helpline.act(ask(action))
    contacts.enrollments[ALICE_INS] = email_only
    for status in (SpaceStatus.SUSPENDED, SpaceStatus.CLOSED):
        space_id = spaces["alice"].space_id
        store.spaces[space_id] = spaces["alice"].model_copy(update={"status": status})
        with pytest.raises(Conflict, match=status.value.lower()):
            helpline.act(ask(action))
    assert letters.enclosed == [] and letters.sent == []
    assert [e for e in store.log if e.object.type in (SUMMARY_OBJECT, FILE_BY_POST_OBJECT)] == []
