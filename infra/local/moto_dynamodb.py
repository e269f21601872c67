"""Workarounds for moto 5.2.5's DynamoDB, active while a local stack runs (so for `make run`, the
local and wave test tiers and the benchmarks alike). They keep moto's results and change what
they cost.

- Transactions copy the items they touch, not their tables: moto's transact_write_items
  deep-copies every table a transaction names (to roll back on failure), so a transaction costs
  O(table size) and a wave of N people O(N^2): 150 transactions/s on an empty table, 0.3/s at
  40,000 items. Here the table's "copy" is the table itself, and the items the transaction
  names are saved and put back if it fails: the same all-or-nothing outcome. The stream
  records its writes added before it failed are removed too (moto leaves them: a failed write
  would reach the stream's consumers).
- A table's Query reads its partition, not the table: moto 5.2.5's lists and sorts every item of
  the table (`Table.all_items`) and keeps those of the hash key, then tests each against the
  range condition, so a Query cost O(table size log table size): the local stack's throughput
  fell with every access-log entry its requests wrote. Here `all_items`, called from a Query on
  the table (no legacy QueryFilter), gives the items of the queried hash key whose range key
  meets the condition, sorted: what moto would have kept, in its order. From a Query on an index,
  it gives the items whose index hash key is the one asked, unsorted (moto sorts an index's
  results itself), found by its value: each table keeps its items by the string value of each
  index hash key queried (built by one pass at the first such Query, then told of every item
  written: Table.put_item, DynamoDBBackend.update_item, a transaction's rollback), and each item
  found is checked again (still stored, still holding the value), as one deleted or updated
  since may not be. A Query on an index cost a pass over the table (1 ms at 6,000 items, for
  each GET /me/documents) and grew with every access-log entry.
- One DynamoDB request at a time: item-level rollback is only all-or-nothing if no other write
  lands between a transaction's writes and its rollback, and moto's scans iterate over dicts
  that other threads' writes resize (a 500, "dictionary changed size during iteration"). The
  operators' CLI imports with 8 threads; the gateway and the wave's Distributed Map run
  concurrently. moto's DynamoDB calls no other service here (streams are polled by the local
  stack, infra/local/streams.py, never delivered by moto inside a write): no deadlock.
- Stream records already delivered are forgotten (`forget_stream_records`): moto keeps every
  record of a stream for the life of the stack.
- Item operations' answers (GetItem, Query, PutItem...) are written with json.dumps: moto 5.2.5
  walks the operation's output shape for every attribute of every item (its generic
  serializer), which cost a local GET /me/documents more than moto's own Query (three items:
  about 1 ms of CPU). Only answers made of JSON types whose top-level keys the output shape declares
  take this path (no bytes, no datetime, no None: the serializer's own conversions); any other,
  and every error, goes through moto's serializer.
- Items and tables are not kept in moto's instance registry (for the /moto-api dashboard only),
  which holds every Item moto builds (copies and query results included) until its reset: with
  table copies, a 300-person wave held 1.5 million items (2 GB) and took minutes to exit.

check_moto_transactions() and check_moto_query() fail loudly if moto's transact_write_items or
Table.query is no longer the code
these rely on.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import hashlib
import inspect
import json
import threading
import weakref
from collections.abc import Callable, Iterator
from typing import Any

# sha256 of the source of moto 5.2.5's DynamoDBBackend.transact_write_items, as reviewed: it
# backs up with copy.deepcopy(self.tables[name]), rolls back by putting those back in
# self.tables, and writes only the items its operations name.
_REVIEWED_SOURCE = "81db2cb7d94e39c90b3a2077e1f4bb41a449c558ef9b1b1e2910fdaa39978ad4"
# sha256 of moto 5.2.5's dynamodb Table.query, as reviewed: a query on the table (no index)
# keeps the items of self.all_items() whose hash key is the one asked, sorts them by range key,
# and tests each against the range comparison (filter_kwargs: the legacy QueryFilter).
_REVIEWED_QUERY = "002b4d00be6df07cf37f6cbe0132e5eb89455ae12a8e79b23db3fb492450f21e"

_lock = threading.Lock()  # guards _depth and _undo
_requests = threading.Lock()  # one DynamoDB request at a time (and stream trimming)
_depth = 0  # entered, not exited (a stack within another's life): the first patches
_undo: Callable[[], None] | None = None
_transaction = threading.local()  # .active: inside our transact_write_items, in this thread
_partition = threading.local()  # .wanted: (hash key, range comparison, its values) of a Query
# table -> attribute -> its string value -> {item's key: item} of the items written with it
_ByValue = dict[str, dict[str, dict[tuple[Any, ...], Any]]]
_by_value: weakref.WeakKeyDictionary[Any, _ByValue] = weakref.WeakKeyDictionary()

_Saved = tuple[Any, Any, Any, Any]  # (table, hash key, range key or None, item copy or None)


def check_moto_transactions() -> None:
    """Fail loudly if moto's transact_write_items changed since the workaround was reviewed."""
    from moto.dynamodb.models import DynamoDBBackend

    source = inspect.getsource(inspect.unwrap(DynamoDBBackend.transact_write_items))
    if hashlib.sha256(source.encode()).hexdigest() != _REVIEWED_SOURCE:
        raise RuntimeError(
            "moto's DynamoDBBackend.transact_write_items changed: review "
            "infra/local/moto_dynamodb.py against it (rollback by table copies? other writes?)"
        )


@contextlib.contextmanager
def moto_dynamodb_workarounds() -> Iterator[None]:
    """While active, the workarounds above; undone on exit. Enter it after moto's reset, which
    empties the instance registries (undoing ours): each entry sets them again."""
    global _depth, _undo
    from moto.dynamodb import models
    from moto.dynamodb.models.dynamo_type import Item
    from moto.dynamodb.models.table import Table
    from moto.dynamodb.responses import DynamoHandler, DynamoResult

    with _lock:
        if _undo is None:
            check_moto_transactions()
            check_moto_query()
            undoes = [
                _patch(models, Table, DynamoHandler),
                _patch_query(Table, models.DynamoDBBackend),
                _patch_serializer(DynamoResult),
            ]

            def _undo_all() -> None:
                for undo in reversed(undoes):
                    undo()

            _undo = _undo_all
        _depth += 1
    tracked: tuple[Any, ...] = (Item, Table)
    for model in tracked:
        model.instances_tracked = _Untracked()
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _undo is not None:
                _undo()
                _undo = None
                for model in tracked:
                    if isinstance(model.instances_tracked, _Untracked):
                        model.instances_tracked = []


def _patch(models: Any, table_type: type, handler: type) -> Callable[[], None]:
    """Install the transaction and the lock; what undoes them."""
    backend = models.DynamoDBBackend
    transact = backend.__dict__["transact_write_items"]
    call_action = handler.__dict__["call_action"]
    module_copy = models.copy

    def serialized(self: Any) -> Any:
        with _requests:
            return call_action(self)

    @functools.wraps(transact)  # check_moto_transactions() finds moto's behind it
    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        saved = _named_items(self, transact_items)
        shards = {id(s): (s, len(s.items)) for t, *_ in saved if (s := t.stream_shard)}
        _transaction.active = True
        try:
            transact(self, transact_items)
        except Exception:
            _put_back(saved)
            for shard, length in shards.values():
                del shard.items[length:]
            raise
        finally:
            _transaction.active = False

    models.copy = _CopyKeepingTables(table_type)
    backend.transact_write_items = transact_write_items
    handler.call_action = serialized  # type: ignore[attr-defined]

    def undo() -> None:
        models.copy = module_copy
        backend.transact_write_items = transact
        handler.call_action = call_action  # type: ignore[attr-defined]

    return undo


def check_moto_query() -> None:
    """Fail loudly if moto's Table.query no longer finds a table's items as reviewed."""
    from moto.dynamodb.models.table import Table

    source = inspect.getsource(inspect.unwrap(Table.query))
    if hashlib.sha256(source.encode()).hexdigest() != _REVIEWED_QUERY:
        raise RuntimeError(
            "moto's dynamodb Table.query changed: review infra/local/moto_dynamodb.py against it "
            "(does a table query still take all_items() and keep those of the hash key?)"
        )


def _patch_query(table_type: Any, backend_type: Any) -> Callable[[], None]:
    """Install the partition's Query, and what keeps items by value; what undoes them."""
    query = table_type.__dict__["query"]
    all_items = table_type.__dict__["all_items"]
    put_item = table_type.__dict__["put_item"]
    update_item = backend_type.__dict__["update_item"]

    signature = inspect.signature(query)

    @functools.wraps(query)  # check_moto_query() finds moto's behind it
    def partition_query(self: Any, *args: Any, **kwargs: Any) -> Any:
        asked = signature.bind(self, *args, **kwargs).arguments
        wanted: tuple[Any, ...] | None = None
        if asked.get("filter_kwargs"):  # the legacy QueryFilter: moto's own way
            wanted = None
        elif asked.get("index_name"):
            wanted = ("index", asked.get("hash_key_conditions") or [])
        elif self.range_key_attr:
            wanted = ("table", asked["hash_key"], asked["range_comparison"], asked["range_objs"])
        if wanted is None or wanted == ("index", []):
            return query(self, *args, **kwargs)
        _partition.wanted = wanted
        try:
            return query(self, *args, **kwargs)
        finally:
            _partition.wanted = None

    def partition_items(self: Any) -> list[Any]:
        wanted = getattr(_partition, "wanted", None)
        if wanted is None:
            return list(all_items(self))
        if wanted[0] == "index":
            # moto sorts an index's results itself: any order of the candidates will do.
            _, conditions = wanted
            name, value = conditions[0]
            every = _with_value(self, name, value)
            for name, value in conditions:  # the first condition leaves few to test
                every = [i for i in every if _same(i.attrs.get(name), value)]
            return every
        _, hash_key, comparison, values = wanted
        items = self.items.get(hash_key, {}).values()
        if comparison:
            items = [item for item in items if item.range_key.compare(comparison, values)]
        return sorted(items, key=lambda item: item.range_key)

    @functools.wraps(put_item)
    def put_item_remembered(self: Any, *args: Any, **kwargs: Any) -> Any:
        item = put_item(self, *args, **kwargs)
        _remember(self, item)
        return item

    @functools.wraps(update_item)
    def update_item_remembered(self: Any, table_name: str, *args: Any, **kwargs: Any) -> Any:
        item = update_item(self, table_name, *args, **kwargs)
        _remember(self.get_table(table_name), item)
        return item

    table_type.query = partition_query
    table_type.all_items = partition_items
    table_type.put_item = put_item_remembered
    backend_type.update_item = update_item_remembered

    def undo() -> None:
        table_type.query = query
        table_type.all_items = all_items
        table_type.put_item = put_item
        backend_type.update_item = update_item
        _by_value.clear()

    return undo


def _with_value(table: Any, name: str, value: Any) -> list[Any]:
    """The table's items whose attribute `name` is `value` (a DynamoType)."""
    stored = (
        [i for rows in table.items.values() for i in rows.values()]
        if table.range_key_attr
        else list(table.items.values())
    )
    if value.type != "S":  # numbers compare as numbers: moto's own test, on every item
        return [i for i in stored if _same(i.attrs.get(name), value)]
    by_value = _by_value.setdefault(table, {})
    if name not in by_value:
        by_value[name] = {}
        for item in stored:
            _remember_by(by_value[name], name, item)
    candidates = by_value[name].get(value.value, {})
    found = []
    for key, item in list(candidates.items()):
        if _stored(table, item) and _same(item.attrs.get(name), value):
            found.append(item)
        else:  # deleted, replaced, or updated to another value since
            del candidates[key]
    return found


def _stored(table: Any, item: Any) -> bool:
    """Whether the item is the one the table holds at its key."""
    if table.range_key_attr:
        return table.items.get(item.hash_key, {}).get(item.range_key) is item
    return table.items.get(item.hash_key) is item


def _remember(table: Any, item: Any) -> None:
    """Tell the table's items-by-value of an item written (new, updated, or put back)."""
    by_value = _by_value.get(table)
    if not by_value or item is None:
        return
    for name, values in by_value.items():
        _remember_by(values, name, item)


def _remember_by(values: dict[str, dict[tuple[Any, ...], Any]], name: str, item: Any) -> None:
    held = item.attrs.get(name)
    if held is not None and held.type == "S":
        # By the item's key: an item written again replaces its entry (the same value), and
        # any other is checked, then dropped, by the next Query of its value.
        key = (item.hash_key.value, item.range_key.value if item.range_key is not None else None)
        values.setdefault(held.value, {})[key] = item


# The operations whose answers are items and counts (moto's DynamoResult, dynamo_to_dict'ed).
_ITEM_OPERATIONS = frozenset(
    {
        "GetItem",
        "PutItem",
        "UpdateItem",
        "DeleteItem",
        "Query",
        "Scan",
        "BatchGetItem",
        "BatchWriteItem",
        "TransactGetItems",
        "TransactWriteItems",
    }
)


def _patch_serializer(result_type: Any) -> Callable[[], None]:
    """Answer the item operations with json.dumps; what undoes it."""
    if "execute_result" in vars(result_type):
        raise RuntimeError("moto's DynamoResult has its own execute_result now: review this")
    serialize = result_type.execute_result  # ActionResult's: moto's generic serializer

    def execute_result(self: Any, context: Any) -> Any:
        operation = context.operation_model
        result = self.result
        output = operation.output_shape
        if (
            operation.name in _ITEM_OPERATIONS
            and isinstance(result, dict)
            and output is not None
            and result.keys() <= output.members.keys()
            and _json_only(result)
        ):
            version = context.service_model.metadata.get("jsonVersion", "1.0")
            headers = {"Content-Type": f"application/x-amz-json-{version}"}
            return operation.http.get("responseCode", 200), headers, json.dumps(result)
        return serialize(self, context)

    result_type.execute_result = execute_result

    def undo() -> None:
        del result_type.execute_result

    return undo


def _json_only(value: Any) -> bool:
    """Whether json.dumps writes it as moto's serializer would: JSON types only, no None."""
    if isinstance(value, dict):
        return all(isinstance(k, str) and _json_only(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_json_only(v) for v in value)
    return isinstance(value, str | int | float)  # bool is an int


def _same(value: Any, expected: Any) -> bool:
    """DynamoType equality, strings compared without moto's costly cast."""
    if value is None:
        return False
    if value.type == expected.type == "S":
        return bool(value.value == expected.value)
    return bool(value == expected)


def _named_items(backend: Any, transact_items: list[dict[str, Any]]) -> list[_Saved]:
    """A copy of each item the transaction names, as it is before (None: absent)."""
    saved = []
    for entry in transact_items:
        for op in entry.values():  # one per entry, or moto refuses the transaction
            with contextlib.suppress(Exception):  # a malformed operation: moto reports it
                table = backend.get_table(op["TableName"])
                key = op.get("Key") or {
                    name: op["Item"][name]
                    for name in (table.hash_key_attr, table.range_key_attr)
                    if name
                }
                hash_value, range_value = backend.get_keys_value(table, key)
                before = copy.deepcopy(table.get_item(hash_value, range_value))
                saved.append((table, hash_value, range_value, before))
    return saved


def _put_back(saved: list[_Saved]) -> None:
    """Undo a failed transaction's writes (the first copy of an item named twice wins)."""
    for table, hash_value, range_value, before in reversed(saved):
        # moto keeps items[hash] (hash-only tables) or items[hash][range].
        holder, key = (
            (table.items, hash_value)
            if range_value is None
            else (table.items[hash_value], range_value)
        )
        if before is None:
            holder.pop(key, None)
        else:
            holder[key] = before
            _remember(table, before)


class _CopyKeepingTables:
    """The `copy` module as moto.dynamodb.models sees it: within our transact_write_items, a
    table's deep copy (moto's backup) is the table itself, so moto's rollback puts the same
    table back; _put_back restores its items."""

    def __init__(self, table_type: type) -> None:
        self.table_type = table_type

    def __getattr__(self, name: str) -> Any:
        return getattr(copy, name)

    def deepcopy(self, value: Any, memo: dict[int, Any] | None = None) -> Any:
        if isinstance(value, self.table_type) and getattr(_transaction, "active", False):
            return value
        return copy.deepcopy(value, memo)


class _Untracked(list[Any]):
    """An instance registry that keeps nothing."""

    def append(self, item: Any) -> None:
        pass


def forget_stream_records(account_id: str, region: str, stream_arn: str, last: int) -> None:
    """Drop a stream's records up to sequence number `last` (delivered) from moto's shard; the
    numbering of the next records is unchanged."""
    from moto.dynamodb.models import dynamodb_backends

    with _requests:
        for table in dynamodb_backends[account_id][region].tables.values():
            shard = table.stream_shard
            if shard is None or table.latest_stream_label is None:
                continue
            if not stream_arn.endswith(f"/stream/{table.latest_stream_label}"):
                continue
            count = max(0, min(len(shard.items), last + 1 - shard.starting_sequence_number))
            del shard.items[:count]
            shard.starting_sequence_number += count
