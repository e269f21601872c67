"""The Notifier port on AWS: email through SES, SMS through SNS, letters as batch files for the
mail house in the operations bucket.

A person is reached by their recipient's channel (email, else SMS, else post). When a provider
refuses an address outright (malformed email, invalid phone number), the next channel the
contact has is tried; any other failure (throttling, configuration) raises NotDelivered for the
caller to retry.

Letters are buffered and written in batches: `postal/<wave_id>/<date>-<batch>.csv`, up to
`letters_per_batch` letters per object, encrypted with SSE-KMS (they carry codes). A full batch
is written as soon as it fills; the caller must `flush()` (or use the adapter as a context
manager) at the end of each unit of work, such as an import chunk, and before the function
returns: letters still buffered when a Lambda invocation ends would never be printed. Safe to
share between threads.

Logs name the channel, the kind of message and a pseudonymous id (the provider's message id, or
the letter id), never a code, a name, an address or a message body.
"""

from __future__ import annotations

import csv
import io
import threading
from collections.abc import Callable
from datetime import datetime
from functools import cached_property
from types import TracebackType
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from healthspace.accounts.messages import account_code_message
from healthspace.adapters.system import SystemClock, UlidIds
from healthspace.enrollment.messages import Message, code_message, letter_recipient, receipt_message
from healthspace.enrollment.model import Channel, Contact, Enrollment, Receipt
from healthspace.kernel.clock import Clock, IdGenerator
from healthspace.kernel.observability import logger
from healthspace.kernel.settings import NotifySettings
from healthspace.notices.patient import NotSent, Undeliverable

POSTAL_COLUMNS = (
    "letter_id",
    "kind",
    "recipient_name",
    "address_line_1",
    "address_line_2",
    "address_line_3",
    "address_line_4",
    "postal_code",
    "city",
    "subject",
    "letter",
    # The key, in the same bucket, of a printed PDF to enclose (the helpline's summary); empty
    # for a letter alone. Written before the letter's batch: a row never names a missing file.
    "enclosure",
)

_CLIENTS = threading.Lock()

# Provider answers that mean "this address can never receive this message": try the next channel.
_UNDELIVERABLE = {
    Channel.EMAIL: frozenset({"InvalidParameterValue"}),
    Channel.SMS: frozenset({"InvalidParameter", "InvalidParameterValue"}),
}


class NotDelivered(NotSent):
    """The message did not go out: a provider answered with an error (`error_code`: throttling,
    configuration...; retry later) or no channel of the contact accepted it. Raised without the
    provider's exception, whose message may quote the recipient's address. A failure without
    an answer (botocore's timeouts, a lost connection) is raised as it is: the message may have
    gone out."""

    def __init__(self, message: str, channel: Channel | None = None, error_code: str = "") -> None:
        super().__init__(message)
        self.channel = channel
        self.error_code = error_code


def channels_of(contact: Contact) -> list[Channel]:
    """The contact's channels, in order of preference (the first is `contact.channel`)."""
    available = {
        Channel.EMAIL: contact.email,
        Channel.SMS: contact.mobile,
        Channel.POST: contact.address,
    }
    return [channel for channel in Channel if available[channel]]


class Notifications:
    """The Notifier port: `send_code` and `send_receipt` return the channel actually used."""

    def __init__(
        self,
        settings: NotifySettings,
        clock: Clock | None = None,
        ids: IdGenerator | None = None,
        *,
        once: bool = False,
    ) -> None:
        """`once`: each email and SMS is one request to the provider, botocore retrying none
        and waiting a bounded time, so that a message goes out at most once from this side:
        SES and SNS have no idempotency key, and a retry of a request whose answer was lost
        (a read timeout) may send it twice. A failure is then the caller's to handle (the
        reminders: an answered refusal is tried again at the next run, a lost answer never)."""
        if settings.letters_per_batch < 1:
            raise ValueError("letters_per_batch must be at least 1")
        self.settings = settings
        self._client_config = (
            Config(
                retries={"total_max_attempts": 1, "mode": "standard"},
                connect_timeout=5,
                read_timeout=10,
            )
            if once
            else None
        )
        self._clock: Clock = clock or SystemClock()
        self._ids: IdGenerator = ids or UlidIds()
        self._letters: dict[str, list[dict[str, str]]] = {}  # by wave id
        self._lock = threading.Lock()  # the importer notifies from several threads

    # boto3's default session is not thread-safe: clients are created one at a time.

    @cached_property
    def _ses(self) -> Any:
        with _CLIENTS:
            return boto3.client("ses", config=self._client_config)

    @cached_property
    def _sns(self) -> Any:
        with _CLIENTS:
            return boto3.client("sns", config=self._client_config)

    @cached_property
    def _s3(self) -> Any:
        with _CLIENTS:
            return boto3.client("s3")

    # --- the port

    def send_code(self, enrollment: Enrollment, code: str) -> Channel:
        """Send the person's code (to the legal representative, for a minor)."""
        return self._send(
            enrollment,
            "code",
            lambda channel: code_message(enrollment, code, channel, self.settings),
        )

    def send_receipt(self, enrollment: Enrollment, receipt: Receipt) -> Channel:
        """Send the proof of an opposition or an activation."""
        return self._send(
            enrollment,
            "receipt",
            lambda channel: receipt_message(enrollment, receipt, channel, self.settings),
        )

    def send(
        self, enrollment: Enrollment, kind: str, compose: Callable[[Channel], Message]
    ) -> Channel:
        """Any message of `kind` through the enrollment's channels, in order of preference (a
        letter is batched for the mail house until `flush`): a space's life (suspension, death,
        a receipt by post, a deletion's confirmation), by healthspace.notices and
        healthspace.lifecycle."""
        return self._send(enrollment, kind, compose)

    def send_enclosed(
        self, enrollment: Enrollment, kind: str, message: Message, enclosure: bytes
    ) -> str:
        """A letter with a printed PDF enclosed, by post only (the recipient's address): the
        PDF is written first, `postal/<wave_id>/enclosures/<letter_id>.pdf` (SSE-KMS, the
        postal batches' expiry), then the letter naming it is batched until `flush`. The
        letter's id."""
        if enrollment.recipient.address is None:
            raise ValueError("a letter needs a postal address")
        letter_id = self._ids.new_id()
        key = f"postal/{enrollment.wave_id}/enclosures/{letter_id}.pdf"
        self._s3.put_object(
            Bucket=self.settings.ops_bucket,
            Key=key,
            Body=enclosure,
            ContentType="application/pdf",
            ServerSideEncryption="aws:kms",
            SSEKMSKeyId=self.settings.kms_key_id,
            BucketKeyEnabled=True,
        )
        self._letter(enrollment, kind, message, letter_id=letter_id, enclosure=key)
        logger.info(
            "message sent",
            extra={
                "channel": Channel.POST.value,
                "kind": kind,
                "message_id": letter_id,
                "wave_id": enrollment.wave_id,
                "enclosed": True,
            },
        )
        return letter_id

    def send_account_code(
        self, enrollment: Enrollment, code: str, valid_until: datetime
    ) -> Channel:
        """Send the code that lets an adult choose their account's password."""
        return self._send(
            enrollment,
            "account-code",
            lambda channel: account_code_message(
                enrollment, code, valid_until, channel, self.settings
            ),
        )

    def flush(self) -> None:
        """Write every buffered letter. On a failure the letters not written stay buffered (a
        later flush writes them) and the first error is raised."""
        with self._lock:
            pending, self._letters = self._letters, {}
        failure: Exception | None = None
        for wave_id, letters in pending.items():
            try:
                self._write_all(wave_id, letters)
            except Exception as exc:  # the other waves are still written
                failure = failure or exc
        if failure is not None:
            raise failure

    @property
    def pending_letters(self) -> int:
        """Letters buffered and not yet written."""
        with self._lock:
            return sum(len(letters) for letters in self._letters.values())

    def __enter__(self) -> Notifications:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # Flush even when the work failed: the people already enrolled must get their letter.
        self.flush()

    # --- delivery

    def _send(
        self, enrollment: Enrollment, kind: str, compose: Callable[[Channel], Message]
    ) -> Channel:
        for channel in channels_of(enrollment.recipient):
            try:
                reference = self._deliver(channel, enrollment, kind, compose(channel))
            except ClientError as exc:
                error = _error_code(exc)
                if channel is Channel.POST or error not in _UNDELIVERABLE[channel]:
                    raise NotDelivered(f"{channel.value}: {error}", channel, error) from None
                logger.warning(
                    "recipient refused by channel, trying the next one",
                    extra={"channel": channel.value, "kind": kind, "error_code": error},
                )
                continue
            logger.info(
                "message sent",
                extra={
                    "channel": channel.value,
                    "kind": kind,
                    "message_id": reference,
                    "wave_id": enrollment.wave_id,
                },
            )
            return channel
        raise NotDelivered(f"no channel of the recipient accepted the {kind} message")

    def _deliver(
        self, channel: Channel, enrollment: Enrollment, kind: str, message: Message
    ) -> str:
        """Deliver on one channel; returns a pseudonymous reference of the message."""
        contact = enrollment.recipient
        if channel is Channel.EMAIL:
            return self._email(str(contact.email), message)
        if channel is Channel.SMS:
            return self._sms(str(contact.mobile), message)
        return self._letter(enrollment, kind, message)

    def send_email(self, address: str, message: Message) -> str:
        """The Mailer port of healthspace.notices: one email to `address`."""
        try:
            return self._email(address, message)
        except ClientError as exc:
            error = _error_code(exc)
            if error in _UNDELIVERABLE[Channel.EMAIL]:
                raise Undeliverable(error) from None
            raise NotDelivered(f"email: {error}", Channel.EMAIL, error) from None

    def _email(self, address: str, message: Message) -> str:
        response = self._ses.send_email(
            Source=self.settings.sender_email,
            Destination={"ToAddresses": [address]},
            Message={
                "Subject": {"Data": message.subject, "Charset": "UTF-8"},
                "Body": {"Text": {"Data": message.body, "Charset": "UTF-8"}},
            },
        )
        return str(response["MessageId"])

    def _sms(self, phone_number: str, message: Message) -> str:
        attributes = {
            "AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": "Transactional"},
        }
        if self.settings.sms_sender_id:
            attributes["AWS.SNS.SMS.SenderID"] = {
                "DataType": "String",
                "StringValue": self.settings.sms_sender_id,
            }
        response = self._sns.publish(
            PhoneNumber=phone_number, Message=message.body, MessageAttributes=attributes
        )
        return str(response["MessageId"])

    def _letter(
        self,
        enrollment: Enrollment,
        kind: str,
        message: Message,
        *,
        letter_id: str | None = None,
        enclosure: str = "",
    ) -> str:
        address = enrollment.recipient.address
        if address is None:  # channels_of offers POST only with an address
            raise ValueError("a letter needs a postal address")
        lines = [*address.lines, "", "", "", ""][:4]
        letter_id = letter_id or self._ids.new_id()
        row = {
            "letter_id": letter_id,
            "kind": kind,
            "recipient_name": letter_recipient(enrollment),
            **{f"address_line_{n}": line for n, line in enumerate(lines, start=1)},
            "postal_code": address.postal_code,
            "city": address.city,
            "subject": message.subject,
            "letter": message.body,
            "enclosure": enclosure,
        }
        full: list[dict[str, str]] = []
        with self._lock:
            batch = self._letters.setdefault(enrollment.wave_id, [])
            batch.append(row)
            if len(batch) >= self.settings.letters_per_batch:
                full = self._letters.pop(enrollment.wave_id)
        if full:
            try:
                self._write_all(enrollment.wave_id, full)
            except (ClientError, BotoCoreError) as exc:
                # The letter is buffered and flush() writes it or raises: the caller must not
                # send it again, so this is not an error of send_code.
                logger.warning(
                    "letters kept for the next flush",
                    extra={"channel": Channel.POST.value, "error": type(exc).__name__},
                )
        return letter_id

    def _write_all(self, wave_id: str, letters: list[dict[str, str]]) -> None:
        """Write letters in batches; on a failure put back what was not written, and raise."""
        size = self.settings.letters_per_batch
        for start in range(0, len(letters), size):
            try:
                self._write_batch(wave_id, letters[start : start + size])
            except Exception:
                with self._lock:
                    self._letters[wave_id] = letters[start:] + self._letters.get(wave_id, [])
                raise

    def _write_batch(self, wave_id: str, letters: list[dict[str, str]]) -> str:
        """One CSV object for the mail house (RFC 4180, UTF-8, a header line)."""
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=POSTAL_COLUMNS)
        writer.writeheader()
        writer.writerows(letters)
        key = f"postal/{wave_id}/{self._clock.now():%Y-%m-%d}-{self._ids.new_id()}.csv"
        self._s3.put_object(
            Bucket=self.settings.ops_bucket,
            Key=key,
            Body=buffer.getvalue().encode("utf-8"),
            ContentType="text/csv; charset=utf-8",
            ServerSideEncryption="aws:kms",
            SSEKMSKeyId=self.settings.kms_key_id,
            BucketKeyEnabled=True,
        )
        logger.info(
            "letters written",
            extra={"channel": Channel.POST.value, "key": key, "count": len(letters)},
        )
        return key


def _error_code(exc: ClientError) -> str:
    """The provider's error code only: its message may quote an address."""
    return str(exc.response.get("Error", {}).get("Code", ""))
