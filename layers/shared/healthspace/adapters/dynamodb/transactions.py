"""Writes to the table: conditional puts, transactions (all or nothing, retried on a conflict),
and the check every write of a space's content carries (the space is still active)."""

from __future__ import annotations

import random
import time
from collections.abc import Sequence

from pynamodb.connection import Connection
from pynamodb.exceptions import PutError, TransactWriteError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactWrite

from healthspace.adapters.dynamodb.items import Item, space_pk
from healthspace.records.model import SpaceStatus

Write = tuple[Item, Condition | None]


def active_space(space_id: str) -> Write:
    """The check every write of a space's content carries: the space is still ACTIVE."""
    return Item(space_pk(space_id), "SPACE", body="{}"), Item.status == SpaceStatus.ACTIVE.value


Update = tuple[Item, Sequence[Action], Condition | None]
NEW = Item.pk.does_not_exist()  # the item must not exist yet
STALE = "this item was changed or removed since you read it; reload and try again"


def put_if(item: Item, condition: Condition) -> bool:
    """One conditional write; False if the condition failed (another writer was first)."""
    try:
        item.save(condition=condition)
    except PutError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise
    return True


# Tries of a transaction that DynamoDB cancelled for a conflict with another one in flight on the
# same item (a section's count under concurrent adds): it wrote nothing, so it is tried again.
CONFLICT_TRIES = 4


def transact(
    connection: Connection,
    saves: Sequence[Write],
    deletes: Sequence[Write] = (),
    updates: Sequence[Update] = (),
    checks: Sequence[Write] = (),
) -> bool:
    """All the writes or none, in one DynamoDB transaction, on condition that each of `checks`
    (items not written) holds; False if a condition failed."""
    tries = 0
    while True:
        try:
            with TransactWrite(connection=connection) as tx:
                for item, condition in deletes:
                    tx.delete(item, condition=condition)
                for item, condition in saves:
                    tx.save(item, condition=condition)
                for item, actions, condition in updates:
                    tx.update(item, actions=list(actions), condition=condition)
                for item, condition in checks:
                    tx.condition_check(Item, item.pk, item.sk, condition=condition)
        except TransactWriteError as exc:
            if _cancelled_by(exc, "ConditionalCheckFailed"):
                return False
            tries += 1
            if not _cancelled_by(exc, "TransactionConflict") or tries == CONFLICT_TRIES:
                raise
            time.sleep(random.uniform(0, 0.02 * 2**tries))  # noqa: S311  (jitter, not a secret)
        else:
            return True


def _cancelled_by(exc: TransactWriteError, code: str) -> bool:
    reasons = getattr(exc, "cancellation_reasons", None) or []
    return any(reason is not None and reason.code == code for reason in reasons)


def one_more(counter: Item, cap: int) -> Update:
    """One more in `counter`, on condition it holds fewer than `cap`: of two writers racing
    for the last place, one transaction fails (or conflicts, is retried, then fails)."""
    room = Item.entries.does_not_exist() | (Item.entries < cap)
    return counter, [Item.entries.add(1), Item.body.set("{}")], room


def one_less(counter: Item) -> Update:
    return counter, [Item.entries.add(-1)], None
