"""What the local stack sent, read back (GET /local/outbox, the demo wave, the benchmarks, the
tests): the emails of moto's SES, the SMS of moto's SNS and the letters of the operations
bucket's postal batches. Local only: the messages carry the enrollment codes."""

from __future__ import annotations

import csv
import io
from typing import Any

import boto3


def read_outbox(account_id: str, region: str, ops_bucket: str | None) -> list[dict[str, Any]]:
    """What the stack sent, oldest first: the emails of moto's SES, the SMS of moto's SNS (moto
    runs in this process) and the letters of the operations bucket's postal batches. Items:
    {"channel": "email"|"sms"|"post", "to", "subject", "body", "id"}; a letter's "to" is its
    recipient line, its "address" the rest of the address block."""
    from moto.ses.models import ses_backends
    from moto.sns.models import sns_backends

    items: list[dict[str, Any]] = []
    for message in list(ses_backends[account_id][region].sent_messages):
        # SendEmail keeps {"ToAddresses": [...]}, SendRawEmail a list of addresses.
        destinations = getattr(message, "destinations", None) or []
        if isinstance(destinations, dict):
            destinations = destinations.get("ToAddresses", [])
        for address in destinations:
            items.append(
                {
                    "channel": "email",
                    "to": address,
                    "subject": getattr(message, "subject", None),
                    "body": getattr(message, "body", None),
                    "id": message.id,
                }
            )
    for message_id, (phone, text) in list(sns_backends[account_id][region].sms_messages.items()):
        items.append(
            {"channel": "sms", "to": phone, "subject": None, "body": text, "id": message_id}
        )
    if ops_bucket:
        items.extend(_letters(ops_bucket, region))
    return items


def _letters(bucket: str, region: str) -> list[dict[str, Any]]:
    s3 = boto3.client("s3", region_name=region)
    keys: list[str] = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix="postal/"):
        # The batches; a letter's enclosure (enclosures/<letter_id>.pdf) is named by its row.
        keys.extend(
            item["Key"] for item in page.get("Contents", []) if item["Key"].endswith(".csv")
        )
    letters = []
    for key in sorted(keys):  # <wave>/<date>-<ulid>.csv: in the order written
        text = s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode("utf-8")
        for row in csv.DictReader(io.StringIO(text)):
            address = [row.get(f"address_line_{n}", "") for n in range(1, 5)]
            letters.append(
                {
                    "channel": "post",
                    "to": row["recipient_name"],
                    "address": [line for line in address if line]
                    + [f"{row['postal_code']} {row['city']}"],
                    "subject": row["subject"],
                    "body": row["letter"],
                    "id": row["letter_id"],
                    "enclosure": row.get("enclosure") or None,
                }
            )
    return letters
