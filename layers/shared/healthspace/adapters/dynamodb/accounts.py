"""The accounts' items on the health space table: the one-time code, `ACCOUNT#<ins>` / `CODE`,
one per person, gone with DynamoDB's TTL a day after its expiry (the domain checks the expiry
itself: the sweep may lag); the identity index, `IDENTITY#<keyed digest>` / `ACCOUNT#<ins>`,
how a FranceConnect sign-in finds the account (healthspace.accounts.france_connect)."""

from __future__ import annotations

from datetime import timedelta

from pynamodb.exceptions import DeleteError, DoesNotExist

from healthspace.accounts.model import AccountCode
from healthspace.adapters.dynamodb.enrollment import enrollment_log_item
from healthspace.adapters.dynamodb.items import Item, item_of
from healthspace.enrollment.model import EnrollmentLogEntry


def _key(ins: str) -> tuple[str, str]:
    return f"ACCOUNT#{ins}", "CODE"


class DynamoAccountCodes:
    def put_account_code(self, code: AccountCode) -> None:
        item_of(*_key(code.ins), code, expires_at=code.expires_at + timedelta(days=1)).save()

    def get_account_code(self, ins: str) -> AccountCode | None:
        try:
            item = Item.get(*_key(ins), consistent_read=True)
        except DoesNotExist:
            return None
        return AccountCode.model_validate_json(item.body)

    def use_account_code(self, code: AccountCode) -> bool:
        try:
            Item(*_key(code.ins), body="{}").delete(condition=Item.body == code.model_dump_json())
        except DeleteError as exc:
            if exc.cause_response_code == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def record(self, entry: EnrollmentLogEntry) -> None:
        enrollment_log_item(entry).save()

    def put_identity(self, key: str, ins: str) -> None:
        Item(f"IDENTITY#{key}", f"ACCOUNT#{ins}", body="{}").save()

    def find_identity(self, key: str, limit: int) -> list[str]:
        items = Item.query(f"IDENTITY#{key}", limit=limit, page_size=limit)
        return [item.sk.removeprefix("ACCOUNT#") for item in items]
