"""The Notifier adapter on moto: SES emails, SNS text messages, letter batches in S3."""

import csv
import io
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, date, datetime

import boto3
import pytest
from moto import mock_aws
from moto.core import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends
from moto.sns.models import sns_backends

from healthspace.adapters.notify import POSTAL_COLUMNS, NotDelivered, Notifications, channels_of
from healthspace.enrollment.messages import is_gsm7, sms_segments
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
from healthspace.kernel.settings import NotifySettings
from tests.fakes import FakeClock, SequentialIds

REGION = "eu-west-3"
SENDER = "ne-pas-repondre@espace-sante.example.fr"
BUCKET = "healthspace-ops-test"
CODE = "7K3M-Q9TB-X2HD"
ADDRESS = PostalAddress(
    lines=("Chez Mme Durand", "12 rue des Lilas"), postal_code="75011", city="PARIS"
)


@pytest.fixture
def aws(monkeypatch):
    """SES with the sender verified, an operations bucket and a KMS key: what the stack provides."""
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    with mock_aws():
        boto3.client("ses", region_name=REGION).verify_email_identity(EmailAddress=SENDER)
        boto3.client("s3", region_name=REGION).create_bucket(
            Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION}
        )
        key_id = boto3.client("kms", region_name=REGION).create_key()["KeyMetadata"]["KeyId"]
        yield key_id


@pytest.fixture
def settings(aws):
    return NotifySettings(
        sender_email=SENDER,
        sms_sender_id="AMELI",
        ops_bucket=BUCKET,
        kms_key_id=aws,
        public_site_url="https://www.espace-sante.example.fr",
        helpline_phone="34 22",
        letters_per_batch=3,
    )


@pytest.fixture
def notifications(settings):
    return Notifications(settings, clock=FakeClock(), ids=SequentialIds())


def enrollment(contact: Contact, *, n: int = 0, minor: bool = False) -> Enrollment:
    return Enrollment(
        ins=make_ins(f"{2150699000123 + n}" if minor else f"{2850675123456 + n}"),
        birth_date=date(2015, 6, 1) if minor else date(1985, 6, 1),
        given_name="Léa" if minor else "Marie",
        family_name="Martin",
        wave_id="W20261128",
        deadline=datetime(2027, 1, 9, 9, 0, tzinfo=UTC),
        status=EnrollmentStatus.PENDING,
        recipient=contact,
        representatives=(make_ins("1790113045001"),) if minor else (),
        code_digest="digest",
        code_issued_at=datetime(2026, 11, 28, 9, 0, tzinfo=UTC),
        created_at=datetime(2026, 11, 28, 9, 0, tzinfo=UTC),
    )


def receipt(person: Enrollment, decision: Decision = Decision.OPPOSED) -> Receipt:
    return Receipt(
        receipt_id="01JDQ3ZC8W6F1T6D9Y2N4R7K5M",
        decision=decision,
        decided_at=datetime(2026, 12, 1, 10, 0, tzinfo=UTC),
        given_name=person.given_name,
        family_name=person.family_name,
        birth_date=person.birth_date,
        decided_by="operator:op-7",
    )


def sent_emails():
    return ses_backends[DEFAULT_ACCOUNT_ID][REGION].sent_messages


def sent_sms():
    return list(sns_backends[DEFAULT_ACCOUNT_ID][REGION].sms_messages.values())


def postal_objects(s3=None):
    s3 = s3 or boto3.client("s3", region_name=REGION)
    listing = s3.list_objects_v2(Bucket=BUCKET, Prefix="postal/").get("Contents", [])
    return [item["Key"] for item in listing]


def read_letters(key):
    body = boto3.client("s3", region_name=REGION).get_object(Bucket=BUCKET, Key=key)["Body"]
    return list(csv.DictReader(io.StringIO(body.read().decode("utf-8"))))


# --- routing


def test_the_channel_is_email_else_sms_else_post():
    everything = Contact(email="a@example.org", mobile="0612345678", address=ADDRESS)

    assert channels_of(everything) == [Channel.EMAIL, Channel.SMS, Channel.POST]
    assert channels_of(Contact(mobile="0612345678", address=ADDRESS)) == [Channel.SMS, Channel.POST]
    assert channels_of(Contact(address=ADDRESS)) == [Channel.POST]


def test_settings_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("SENDER_EMAIL", SENDER)
    monkeypatch.setenv("SMS_SENDER_ID", "AMELI")
    monkeypatch.setenv("OPS_BUCKET", BUCKET)
    monkeypatch.setenv("KMS_KEY_ID", "alias/healthspace")
    monkeypatch.setenv("PUBLIC_SITE_URL", "https://www.espace-sante.example.fr")
    monkeypatch.setenv("HELPLINE_PHONE", "34 22")
    monkeypatch.delenv("LETTERS_PER_BATCH", raising=False)

    settings = NotifySettings.from_env()

    assert settings == NotifySettings(
        SENDER, "AMELI", BUCKET, "alias/healthspace", "https://www.espace-sante.example.fr", "34 22"
    )
    assert settings.letters_per_batch == 1000


# --- email


def test_a_code_goes_by_email_when_there_is_an_email(notifications):
    # Given a person with an email, a mobile and an address
    person = enrollment(Contact(email="marie@example.org", mobile="0612345678", address=ADDRESS))

    # When their code is sent
    channel = notifications.send_code(person, CODE)

    # Then SES sent one email, from the configured sender, with the code; nothing else went out
    assert channel is Channel.EMAIL
    [email] = sent_emails()
    assert email.source == SENDER
    assert email.destinations == {"ToAddresses": ["marie@example.org"]}
    assert email.subject == "Votre espace santé sera créé le 9 janvier 2027"
    assert CODE in email.body
    assert email.body.startswith("Bonjour Marie,")
    assert sent_sms() == []
    assert notifications.pending_letters == 0


def test_a_receipt_goes_by_email_too(notifications):
    person = enrollment(Contact(email="marie@example.org"))

    assert notifications.send_receipt(person, receipt(person)) is Channel.EMAIL

    [email] = sent_emails()
    assert "01JDQ3ZC8W6F1T6D9Y2N4R7K5M" in email.body
    assert "ne sera pas créé" in email.body


def test_an_unverified_sender_is_an_error_not_a_reason_to_switch_channel(settings):
    # Given a sender identity SES does not know (a configuration error)
    other = replace(settings, sender_email="inconnu@example.fr")
    person = enrollment(Contact(email="marie@example.org", mobile="0612345678"))

    # When a code is sent, Then the error reaches the caller and no SMS is sent instead
    with pytest.raises(NotDelivered, match="email: MessageRejected") as error:
        Notifications(other).send_code(person, CODE)
    assert error.value.error_code == "MessageRejected"
    assert error.value.__cause__ is None  # the provider's message may quote the address
    assert "marie@example.org" not in str(error.value)
    assert sent_sms() == []


def test_a_refused_email_address_falls_back_to_the_next_channel(notifications):
    # Given a contact whose email SES refuses outright (bypassing the entity's validation)
    contact = Contact.model_construct(email="pas-une-adresse", mobile="+33612345678", address=None)
    person = enrollment(Contact(email="marie@example.org")).model_copy(
        update={"recipient": contact}
    )

    # When the code is sent, Then it goes by SMS
    assert notifications.send_code(person, CODE) is Channel.SMS
    assert sent_emails() == []
    assert len(sent_sms()) == 1


def test_nothing_accepted_is_not_delivered(notifications):
    contact = Contact.model_construct(email="pas-une-adresse", mobile=None, address=None)
    person = enrollment(Contact(email="marie@example.org")).model_copy(
        update={"recipient": contact}
    )

    with pytest.raises(NotDelivered):
        notifications.send_code(person, CODE)


# --- SMS


def test_a_code_goes_by_sms_as_a_transactional_message(notifications):
    # Given a child whose representative has only a mobile number
    person = enrollment(Contact(mobile="06 12 34 56 78"), minor=True)
    published = []  # the request parameters (moto keeps only the number and the text)
    notifications._sns.meta.events.register(
        "provide-client-params.sns.Publish", lambda params, **_: published.append(params)
    )

    # When the code is sent
    assert notifications.send_code(person, CODE) is Channel.SMS

    # Then SNS is asked for a transactional SMS, from the sender id, to the E.164 number
    [call] = published
    assert call["PhoneNumber"] == "+33612345678"
    assert call["MessageAttributes"] == {
        "AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": "Transactional"},
        "AWS.SNS.SMS.SenderID": {"DataType": "String", "StringValue": "AMELI"},
    }
    assert CODE in call["Message"]
    assert len(sent_sms()) == 1


def test_moto_records_the_sms_with_the_code_and_the_childs_name(notifications):
    person = enrollment(Contact(mobile="06 12 34 56 78"), minor=True)

    notifications.send_code(person, CODE)

    [(number, text)] = sent_sms()
    assert number == "+33612345678"
    assert CODE in text
    assert "Léa" in text
    assert "9 janvier 2027" in text
    assert is_gsm7(text)
    assert sms_segments(text) <= 2
    assert sent_emails() == []


def test_a_receipt_goes_by_sms(notifications):
    person = enrollment(Contact(mobile="+447700900123"))

    assert notifications.send_receipt(person, receipt(person, Decision.ACTIVE)) is Channel.SMS

    [(number, text)] = sent_sms()
    assert number == "+447700900123"
    assert "est activé" in text


# --- post


def test_letters_are_batched_into_few_encrypted_objects(notifications, aws):
    # Given seven people of one wave reachable only by post (batches of three letters)
    people = [enrollment(Contact(address=ADDRESS), n=n) for n in range(7)]

    # When their codes are sent, full batches are written at once...
    channels = [
        notifications.send_code(person, f"{CODE[:-1]}{n}") for n, person in enumerate(people)
    ]
    assert channels == [Channel.POST] * 7
    assert len(postal_objects()) == 2
    assert notifications.pending_letters == 1

    # ...and the caller's flush writes the rest
    notifications.flush()
    assert notifications.pending_letters == 0
    notifications.flush()  # nothing left: no empty object

    # Then three objects hold the seven letters, encrypted with the configured key
    s3 = boto3.client("s3", region_name=REGION)
    keys = postal_objects(s3)
    assert len(keys) == 3
    letters = []
    for key in keys:
        assert key.startswith("postal/W20261128/2026-11-28-")
        assert key.endswith(".csv")
        head = s3.head_object(Bucket=BUCKET, Key=key)
        assert head["ServerSideEncryption"] == "aws:kms"
        assert head["SSEKMSKeyId"].endswith(aws)
        assert head["ContentType"] == "text/csv; charset=utf-8"
        letters += read_letters(key)
    assert sorted(letter["letter"].count(CODE[:-1]) for letter in letters) == [1] * 7
    assert {letter["letter"].split("Votre code personnel : ")[1][:14] for letter in letters} == {
        f"{CODE[:-1]}{n}" for n in range(7)
    }


def test_a_letter_row_has_what_the_mail_house_needs(notifications):
    person = enrollment(Contact(address=ADDRESS), minor=True)

    notifications.send_code(person, CODE)
    notifications.flush()

    [key] = postal_objects()
    raw = boto3.client("s3", region_name=REGION).get_object(Bucket=BUCKET, Key=key)["Body"].read()
    assert raw.decode("utf-8").splitlines()[0] == ",".join(POSTAL_COLUMNS)
    [row] = read_letters(key)
    assert row["kind"] == "code"
    assert row["recipient_name"] == "Représentant légal de Léa MARTIN"
    assert row["address_line_1"] == "Chez Mme Durand"
    assert row["address_line_2"] == "12 rue des Lilas"
    assert row["address_line_3"] == row["address_line_4"] == ""
    assert row["postal_code"] == "75011"
    assert row["city"] == "PARIS"
    assert row["subject"] == "L'espace santé de Léa sera créé le 9 janvier 2027"
    assert row["letter"].startswith("Madame, Monsieur,\n\n")
    assert f"Code personnel de Léa : {CODE}" in row["letter"]
    assert person.ins not in raw.decode("utf-8")


def test_a_letter_with_an_enclosure_names_the_pdf_written_before_it(notifications, aws):
    from healthspace.enrollment.messages import Message

    person = enrollment(Contact(email="marie@example.org", address=ADDRESS))
    pdf = b"%PDF-1.7\n...\n%%EOF\n"
    message = Message("La synthèse médicale de votre espace santé", "Madame, Monsieur, ...")

    letter_id = notifications.send_enclosed(person, "summary-by-post", message, pdf)

    # The PDF is written at once (encrypted with the key), before any batch names it
    s3 = boto3.client("s3", region_name=REGION)
    key = f"postal/W20261128/enclosures/{letter_id}.pdf"
    assert postal_objects(s3) == [key]
    head = s3.head_object(Bucket=BUCKET, Key=key)
    assert (head["ServerSideEncryption"], head["ContentType"]) == ("aws:kms", "application/pdf")
    assert head["SSEKMSKeyId"].endswith(aws)
    assert s3.get_object(Bucket=BUCKET, Key=key)["Body"].read() == pdf
    # by post although an email is on file: the letter row names it, once flushed
    notifications.flush()
    [batch] = [k for k in postal_objects(s3) if k.endswith(".csv")]
    [row] = read_letters(batch)
    assert (row["letter_id"], row["kind"], row["enclosure"]) == (letter_id, "summary-by-post", key)
    assert row["address_line_2"] == "12 rue des Lilas" and sent_emails() == []
    with pytest.raises(ValueError, match="postal address"):
        notifications.send_enclosed(
            enrollment(Contact(email="marie@example.org")), "summary-by-post", message, pdf
        )


def test_a_letter_alone_has_no_enclosure(notifications):
    notifications.send_code(enrollment(Contact(address=ADDRESS)), CODE)
    notifications.flush()
    [row] = read_letters(postal_objects()[0])
    assert row["enclosure"] == ""


def test_an_assisted_receipt_goes_by_post_in_the_same_batches(notifications):
    person = enrollment(Contact(address=ADDRESS))

    assert notifications.send_receipt(person, receipt(person)) is Channel.POST
    notifications.send_code(enrollment(Contact(address=ADDRESS), n=1), CODE)
    notifications.flush()

    [key] = postal_objects()
    kinds = [row["kind"] for row in read_letters(key)]
    assert kinds == ["receipt", "code"]


def test_letters_of_different_waves_go_to_different_objects(notifications):
    first = enrollment(Contact(address=ADDRESS))
    second = first.model_copy(update={"wave_id": "W20261129"})

    notifications.send_code(first, CODE)
    notifications.send_code(second, CODE)
    notifications.flush()

    assert sorted(key.split("/")[1] for key in postal_objects()) == ["W20261128", "W20261129"]


def test_the_context_manager_flushes_even_when_the_work_fails(settings):
    person = enrollment(Contact(address=ADDRESS))

    def import_chunk_failing_after_one_enrollment():
        with Notifications(settings) as notifications:
            notifications.send_code(person, CODE)
            raise RuntimeError("the import chunk failed after this person was enrolled")

    with pytest.raises(RuntimeError):
        import_chunk_failing_after_one_enrollment()

    assert len(postal_objects()) == 1


def test_a_failed_write_keeps_the_letters_for_the_next_flush(settings):
    person = enrollment(Contact(address=ADDRESS))
    broken = replace(settings, ops_bucket="no-such-bucket")
    notifications = Notifications(broken)
    notifications.send_code(person, CODE)

    with pytest.raises(Exception, match="NoSuchBucket"):
        notifications.flush()
    assert notifications.pending_letters == 1

    notifications.settings = settings  # the bucket is back
    notifications.flush()
    assert notifications.pending_letters == 0
    assert len(postal_objects()) == 1


def test_letters_sent_from_many_threads_are_each_written_once(settings):
    # Given the importer's way of working: several threads notifying at once
    notifications = Notifications(replace(settings, letters_per_batch=7))
    people = [enrollment(Contact(address=ADDRESS), n=n) for n in range(100)]

    # When every code is sent, then flushed
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda p: notifications.send_code(p, CODE), people))
    notifications.flush()

    # Then every letter is in exactly one object, and no batch is over its size
    batches = [read_letters(key) for key in postal_objects()]
    assert len(batches) == 15  # 14 full batches of 7, and the last 2 letters
    assert all(len(batch) <= 7 for batch in batches)
    ids = [letter["letter_id"] for batch in batches for letter in batch]
    assert len(ids) == len(set(ids)) == 100


# --- what is never logged


def test_logs_carry_neither_codes_nor_names_nor_addresses(notifications, caplog):
    people = [
        enrollment(Contact(email="marie@example.org")),
        enrollment(Contact(mobile="0612345678"), n=1),
        enrollment(Contact(address=ADDRESS), n=2, minor=True),
    ]

    for person in people:
        notifications.send_code(person, CODE)
        notifications.send_receipt(person, receipt(person))
    notifications.flush()

    # Every record with its extra keys, as the JSON formatter would print them
    output = "".join(str(record.__dict__) for record in caplog.records)
    assert {record.__dict__.get("channel") for record in caplog.records} == {"email", "sms", "post"}
    for secret in (CODE, "Marie", "Léa", "Martin", "MARTIN", "marie@example.org", "0612345678"):
        assert secret not in output
    for secret in ("612345678", "Lilas", "75011", "01JDQ3ZC8W6F1T6D9Y2N4R7K5M"):
        assert secret not in output
    for person in people:
        assert person.ins not in output


@pytest.mark.parametrize("once", [False, True])
def test_once_the_provider_is_asked_one_time_whatever_its_answer(settings, once: bool) -> None:
    """SES answers 503 (the request may or may not have sent the email: it has no idempotency
    key). Botocore's retries would ask again; `once` asks one time and reports the refusal
    (NotDelivered: answered, nothing taken) for the caller to decide."""
    from botocore.awsrequest import AWSResponse

    notifications = Notifications(settings, once=once)
    sent: list[str] = []

    class Raw:
        def stream(self, **_):  # type: ignore[no-untyped-def]
            yield (
                b"<ErrorResponse><Error><Type>Receiver</Type><Code>ServiceUnavailable</Code>"
                b"<Message>try again</Message></Error></ErrorResponse>"
            )

    def unavailable(request, **_):  # type: ignore[no-untyped-def]
        sent.append(request.url)
        return AWSResponse(request.url, 503, {}, Raw())

    notifications._ses.meta.events.register("before-send.ses.SendEmail", unavailable)
    with pytest.raises(NotDelivered):
        notifications.send_email("marie@example.org", code_message_of(settings))
    assert len(sent) == 1 if once else len(sent) > 1  # botocore retries a 503 by default


def code_message_of(settings):  # type: ignore[no-untyped-def]
    from healthspace.enrollment.messages import code_message

    return code_message(
        enrollment(Contact(email="marie@example.org")), CODE, Channel.EMAIL, settings
    )
