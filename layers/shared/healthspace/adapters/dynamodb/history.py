"""The access history's filtered pages (professionals' acts, emergency accesses), read as the
store reads: a bounded stretch per page, never a client-side filter of one page."""

from __future__ import annotations

from typing import Any

from pynamodb.expressions.condition import Condition

from healthspace.adapters.dynamodb.items import Item, entity_of
from healthspace.adapters.dynamodb.paging import decode_cursor, encode_cursor
from healthspace.kernel.entity import Page
from healthspace.records.model import MAX_FILTERED_READ, AccessLogEntry, HistoryFilter

# What a filter looks for in an entry's JSON (`body`): keys written by pydantic in the entity's
# field order, compact. A quote inside a string value is escaped (\"), so a name or a reason
# cannot imitate these (tests/integration/test_access_log_filters.py holds them to the model).
_PROFESSIONAL_ACTOR = '"actor":{"kind":"PROFESSIONAL"'
_EMERGENCY = '"emergency_reason":"'  # a reason (a string), not null
_FILTERED_READ_PAGE = 200  # entries one Query of a filtered history reads


def _log_condition(only: HistoryFilter) -> Condition:
    conditions = [
        *([Item.body.contains(_PROFESSIONAL_ACTOR)] if only.professionals else []),
        *([Item.body.contains(_EMERGENCY)] if only.emergency else []),
    ]
    condition = conditions[0]
    for more in conditions[1:]:
        condition &= more
    return condition


def filtered_log(
    partition: str, limit: int, cursor: str | None, only: HistoryFilter
) -> Page[AccessLogEntry]:
    """A page of the history's entries `only` lets through, newest first: Queries of
    _FILTERED_READ_PAGE entries with a filter, until `limit` are found, the history ends, or
    MAX_FILTERED_READ entries were read (a short page, with a cursor). A page ending inside a
    Query's answer resumes after its last entry shown."""
    start = decode_cursor(cursor, ("pk", partition), sk="LOG#")
    pages = Item.query(
        partition,
        Item.sk.startswith("LOG#"),
        filter_condition=_log_condition(only),
        scan_index_forward=False,
        page_size=_FILTERED_READ_PAGE,
        last_evaluated_key=start,
    ).page_iter
    found: list[AccessLogEntry] = []
    resume: dict[str, Any] | None = None
    for answer in pages:
        raws = answer.get("Items", [])
        resume = answer.get("LastEvaluatedKey")
        for n, raw in enumerate(raws, 1):
            found.append(entity_of(AccessLogEntry, Item.from_raw_data(raw)))
            if len(found) == limit:
                last = n == len(raws)
                after = resume if last else {"pk": raw["pk"], "sk": raw["sk"]}
                return Page[AccessLogEntry](items=found, next_cursor=encode_cursor(after))
        if resume is None or pages.total_scanned_count >= MAX_FILTERED_READ:
            break
    return Page[AccessLogEntry](items=found, next_cursor=encode_cursor(resume))
