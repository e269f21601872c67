"""What people are told: the code and receipt messages, by email, SMS and letter."""

from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest

from healthspace.enrollment.messages import (
    GSM7_EXTENSION,
    SMS_MAX_SEGMENTS,
    code_message,
    french_date,
    is_gsm7,
    letter_recipient,
    paris_date,
    receipt_message,
    sms_segments,
    to_gsm7,
)
from healthspace.enrollment.model import (
    Channel,
    Contact,
    Decision,
    Enrollment,
    EnrollmentStatus,
    PostalAddress,
    Receipt,
)
from healthspace.kernel.identifiers import make_ins

ADULT_INS = make_ins("2850675123456")
CHILD_INS = make_ins("2150699000123")
PARENT_INS = make_ins("1790113045001")
CODE = "7K3M-Q9TB-X2HD"
DEADLINE = datetime(2027, 1, 9, 14, 30, tzinfo=UTC)


@dataclass(frozen=True)
class Site:
    public_site_url: str = "https://www.espace-sante.example.fr/"
    helpline_phone: str = "34 22"


SITE = Site()


def enrollment(
    *,
    minor: bool = False,
    given_name: str | None = None,
    deadline: datetime = DEADLINE,
) -> Enrollment:
    return Enrollment(
        ins=CHILD_INS if minor else ADULT_INS,
        birth_date=date(2015, 6, 1) if minor else date(1985, 6, 1),
        given_name=given_name or ("Léa" if minor else "Marie"),
        family_name="Martin-Lefèvre",
        wave_id="W20261128",
        deadline=deadline,
        status=EnrollmentStatus.PENDING,
        recipient=Contact(
            email="famille.martin@example.org",
            mobile="06 12 34 56 78",
            address=PostalAddress(lines=("12 rue des Lilas",), postal_code="75011", city="PARIS"),
        ),
        representatives=(PARENT_INS,) if minor else (),
        code_digest="digest",
        code_issued_at=datetime(2026, 11, 28, tzinfo=UTC),
        created_at=datetime(2026, 11, 28, tzinfo=UTC),
    )


def receipt(person: Enrollment, decision: Decision, decided_by: str = "self") -> Receipt:
    return Receipt(
        receipt_id="01JDQ3ZC8W6F1T6D9Y2N4R7K5M",
        decision=decision,
        decided_at=datetime(2026, 12, 1, 10, 0, tzinfo=UTC),
        given_name=person.given_name,
        family_name=person.family_name,
        birth_date=person.birth_date,
        decided_by=decided_by,
    )


def every_message(person: Enrollment) -> list[tuple[Channel, str]]:
    """Every text a person may receive, with its channel."""
    texts = []
    for channel in Channel:
        messages = [code_message(person, CODE, channel, SITE)]
        for decision in Decision:
            for by in ("self", "operator:op-7", "timer"):
                messages.append(
                    receipt_message(person, receipt(person, decision, by), channel, SITE)
                )
        texts += [(channel, f"{m.subject}\n{m.body}") for m in messages]
    return texts


# --- dates


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (datetime(2027, 1, 9, 14, 30, tzinfo=UTC), "9 janvier 2027"),
        (datetime(2027, 1, 8, 23, 30, tzinfo=UTC), "9 janvier 2027"),  # 00:30 in Paris
        (datetime(2027, 7, 14, 21, 30, tzinfo=UTC), "14 juillet 2027"),  # 23:30 summer time
        (datetime(2027, 7, 14, 22, 30, tzinfo=UTC), "15 juillet 2027"),  # 00:30 summer time
        (datetime(2027, 3, 27, 22, 30, tzinfo=UTC), "27 mars 2027"),  # the day before summer time
        (datetime(2027, 3, 28, 22, 30, tzinfo=UTC), "29 mars 2027"),  # the first day of it
        (datetime(2027, 10, 31, 22, 30, tzinfo=UTC), "31 octobre 2027"),  # back to winter time
        (datetime(2027, 8, 15, 12, 0), "15 août 2027"),  # naive: UTC
    ],
)
def test_a_deadline_is_told_as_its_day_in_paris(moment, expected):
    assert paris_date(moment) == date.fromisoformat(expected_iso(expected))
    assert french_date(moment) == expected


def expected_iso(french: str) -> str:
    months = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août"]
    months += ["septembre", "octobre", "novembre", "décembre"]
    day, month, year = french.split()
    return f"{year}-{months.index(month) + 1:02d}-{int(day.removesuffix('er')):02d}"


def test_the_first_of_the_month_is_written_1er():
    assert french_date(date(2027, 3, 1)) == "1er mars 2027"
    assert french_date(date(2027, 12, 31)) == "31 décembre 2027"


# --- the code message


@pytest.mark.parametrize("channel", list(Channel))
@pytest.mark.parametrize("minor", [False, True])
def test_the_code_message_has_the_code_the_deadline_and_how_to_act(channel, minor):
    # Given a person notified in a wave ending on 9 January 2027
    person = enrollment(minor=minor)

    # When their code message is written
    message = code_message(person, CODE, channel, SITE)

    # Then it carries the code, the deadline in French, the website and the helpline
    assert CODE in message.body
    assert "9 janvier 2027" in message.body
    assert "9 janvier 2027" in message.subject
    assert "espace-sante.example.fr" in message.body
    assert "34 22" in message.body
    assert "Personne ne vous demandera" in message.body


@pytest.mark.parametrize("channel", [Channel.EMAIL, Channel.POST])
def test_email_and_letter_explain_the_space_opposition_and_activation(channel):
    body = code_message(enrollment(), CODE, channel, SITE).body

    assert "gratuit et sécurisé" in body
    assert "L'Assurance Maladie" in body
    assert "sauf si vous vous y opposez avant cette date" in body
    assert "Vous ne souhaitez pas d'espace santé ?" in body
    assert "dès maintenant" in body
    assert "numéro de sécurité sociale" in body  # what they need at hand to oppose online


def test_an_email_links_the_website_and_a_letter_gives_it_to_type():
    email = code_message(enrollment(), CODE, Channel.EMAIL, SITE).body
    letter = code_message(enrollment(), CODE, Channel.POST, SITE).body

    assert "https://www.espace-sante.example.fr " in email
    assert "https://" not in letter
    assert "www.espace-sante.example.fr " in letter


def test_an_adult_is_greeted_by_first_name():
    message = code_message(enrollment(), CODE, Channel.EMAIL, SITE)

    assert message.body.startswith("Bonjour Marie,")
    assert message.subject == "Votre espace santé sera créé le 9 janvier 2027"


@pytest.mark.parametrize("channel", list(Channel))
def test_a_childs_message_speaks_to_the_representative_of_the_childs_space(channel):
    # Given a minor, whose code goes to a legal representative
    child = enrollment(minor=True)

    # When the code message is written
    message = code_message(child, CODE, channel, SITE)

    # Then it speaks of the child's space, by the child's first name
    assert "espace santé de Léa" in message.body
    assert "Léa" in message.subject
    assert "Votre espace santé" not in message.body
    if channel is not Channel.SMS:
        assert "représentant légal de Léa" in message.body


def test_a_letter_is_addressed_to_the_person_or_to_the_childs_representative():
    assert letter_recipient(enrollment()) == "Marie MARTIN-LEFÈVRE"
    assert letter_recipient(enrollment(minor=True)) == "Représentant légal de Léa MARTIN-LEFÈVRE"


def test_a_letter_is_a_few_short_paragraphs():
    body = code_message(enrollment(minor=True), CODE, Channel.POST, SITE).body
    paragraphs = body.split("\n\n")

    assert paragraphs[0] == "Madame, Monsieur,"
    assert 5 <= len(paragraphs) <= 10
    assert all(len(paragraph) <= 320 for paragraph in paragraphs)


# --- SMS


DEADLINES = [
    datetime(2027, month, 30 if month != 2 else 28, 12, tzinfo=UTC) for month in range(1, 13)
]


@pytest.mark.parametrize("deadline", DEADLINES, ids=lambda d: d.strftime("%B"))
@pytest.mark.parametrize("minor", [False, True])
def test_a_code_sms_fits_two_gsm7_segments_whatever_the_month(deadline, minor):
    sms = code_message(enrollment(minor=minor, deadline=deadline), CODE, Channel.SMS, SITE).body

    assert is_gsm7(sms)  # "août", "février", "décembre": no character forces UCS-2
    assert sms_segments(sms) <= SMS_MAX_SEGMENTS
    assert len(sms) <= 306
    assert CODE in sms
    assert french_date(deadline).replace("û", "u") in sms


@pytest.mark.parametrize(
    "given_name",
    ["Maëlle-Françoise", "Anne-Cécile-Bénédicte-Ségolène-Marie-Joséphine", "Zoë", "Jérôme"],
)
@pytest.mark.parametrize("minor", [False, True])
def test_names_outside_gsm7_are_folded_and_long_ones_still_fit(given_name, minor):
    site = Site(public_site_url="https://www.espace-sante-national.example.fr/activer")
    person = enrollment(minor=minor, given_name=given_name)

    sms = code_message(person, CODE, Channel.SMS, site).body

    assert is_gsm7(sms)
    assert sms_segments(sms) <= SMS_MAX_SEGMENTS
    assert CODE in sms
    if minor:  # a representative must know which child the code is for
        assert to_gsm7(given_name) in sms


@pytest.mark.parametrize("decision", list(Decision))
@pytest.mark.parametrize("minor", [False, True])
def test_a_receipt_sms_fits_two_gsm7_segments(decision, minor):
    person = enrollment(minor=minor)

    sms = receipt_message(person, receipt(person, decision), Channel.SMS, SITE).body

    assert is_gsm7(sms)
    assert sms_segments(sms) <= SMS_MAX_SEGMENTS
    assert "01JDQ3ZC8W6F1T6D9Y2N4R7K5M" in sms
    assert "1er décembre 2026" in sms


def test_gsm7_folding_and_segment_counting():
    assert (
        to_gsm7("Maëlle Françoise, l\u2019été «août» — Œuvre")
        == 'Maelle Francoise, l\'été "aout" - OEuvre'
    )
    assert to_gsm7("李") == "?"
    assert sms_segments("a" * 160) == 1
    assert sms_segments("a" * 161) == 2
    assert sms_segments("a" * 306) == 2
    assert sms_segments("a" * 307) == 3
    assert sms_segments("€" * 80) == 1  # an extension character takes two septets
    assert sms_segments("€" * 81) == 2
    assert "€" in GSM7_EXTENSION
    assert sms_segments("ê" * 70) == 1  # UCS-2
    assert sms_segments("ê" * 71) == 2


# --- the receipt message


@pytest.mark.parametrize("channel", list(Channel))
def test_an_opposition_receipt_says_the_space_will_not_be_created(channel):
    person = enrollment()

    message = receipt_message(person, receipt(person, Decision.OPPOSED), channel, SITE)

    assert "opposition" in message.subject.lower()
    assert "ne sera pas créé" in message.body
    assert "01JDQ3ZC8W6F1T6D9Y2N4R7K5M" in message.body
    assert "1er décembre 2026" in message.body


@pytest.mark.parametrize("channel", list(Channel))
def test_an_activation_receipt_says_the_space_is_active(channel):
    person = enrollment(minor=True)

    message = receipt_message(person, receipt(person, Decision.ACTIVE), channel, SITE)

    assert message.subject == "L'espace santé de Léa est activé"
    assert "espace santé de Léa est activé depuis le 1er décembre 2026" in message.body
    assert "01JDQ3ZC8W6F1T6D9Y2N4R7K5M" in message.body


@pytest.mark.parametrize("channel", [Channel.EMAIL, Channel.POST])
def test_an_assisted_decision_says_it_was_made_by_phone(channel):
    person = enrollment()

    assisted = receipt_message(
        person, receipt(person, Decision.OPPOSED, "operator:op-7"), channel, SITE
    ).body
    online = receipt_message(person, receipt(person, Decision.OPPOSED), channel, SITE).body

    assert "par téléphone, auprès d'un conseiller" in assisted
    assert "op-7" not in assisted
    assert "conseiller" not in online


def test_a_receipt_letter_identifies_the_person_as_a_proof():
    person = enrollment(minor=True)

    letter = receipt_message(person, receipt(person, Decision.OPPOSED), Channel.POST, SITE).body

    assert "Personne concernée : Léa MARTIN-LEFÈVRE, date de naissance : 1er juin 2015." in letter
    assert "Vous recevez ce courrier en tant que représentant légal de Léa." in letter


# --- what a message never says


@pytest.mark.parametrize("minor", [False, True])
def test_no_message_carries_an_ins(minor):
    person = enrollment(minor=minor)

    for _, text in every_message(person):
        digits = "".join(char for char in text if char.isdigit())
        for ins in (ADULT_INS, CHILD_INS, PARENT_INS):
            assert ins not in text
            assert ins[:13] not in digits  # not even the NIR without its key, nor spaced out


@pytest.mark.parametrize("minor", [False, True])
def test_emails_and_sms_name_the_person_by_first_name_only(minor):
    person = enrollment(minor=minor)

    for channel, text in every_message(person):
        if channel is not Channel.POST:
            assert "Martin" not in text
            assert "MARTIN" not in text
            assert "1985" not in text
            assert "2015" not in text  # nor a birth date


@pytest.mark.parametrize("minor", [False, True])
def test_every_sms_is_gsm7_and_at_most_two_segments(minor):
    for channel, text in every_message(enrollment(minor=minor)):
        if channel is Channel.SMS:
            body = text.split("\n", 1)[1]
            assert is_gsm7(body)
            assert sms_segments(body) <= SMS_MAX_SEGMENTS
