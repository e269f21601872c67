"""The local stack's moto DynamoDB (infra/local/moto_dynamodb.py): transactions stay
all-or-nothing without copying their tables, and concurrent requests do not break them."""

import threading
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto.dynamodb.models.dynamo_type import Item
from moto.dynamodb.models.table import Table

from infra.local.stack import LocalStack


@pytest.fixture(scope="module")
def stack() -> Iterator[LocalStack]:
    with LocalStack(port=0, demo=False) as running:
        yield running


@pytest.fixture
def dynamodb(stack: LocalStack) -> Any:
    return boto3.client("dynamodb")  # the stack's environment points it at its moto


def _table(dynamodb: Any, name: str, items: int = 0) -> None:
    """A pk/sk table (as the template's) holding `items` items."""
    dynamodb.create_table(
        TableName=name,
        KeySchema=[
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    for start in range(0, items, 25):
        puts = [
            {"PutRequest": {"Item": {"pk": {"S": f"p{n}"}, "sk": {"S": "x"}, "n": {"N": "1"}}}}
            for n in range(start, min(start + 25, items))
        ]
        dynamodb.batch_write_item(RequestItems={name: puts})


def _get(dynamodb: Any, table: str, pk: str) -> dict[str, Any] | None:
    key = {"pk": {"S": pk}, "sk": {"S": "x"}}
    return dynamodb.get_item(TableName=table, Key=key).get("Item")


def _put(table: str, pk: str) -> dict[str, Any]:
    return {"Put": {"TableName": table, "Item": {"pk": {"S": pk}, "sk": {"S": "x"}}}}


def _bump(table: str, pk: str, expected: int) -> dict[str, Any]:
    """n + 1 if n is `expected`."""
    return {
        "Update": {
            "TableName": table,
            "Key": {"pk": {"S": pk}, "sk": {"S": "x"}},
            "UpdateExpression": "SET n = n + :one",
            "ConditionExpression": "n = :expected",
            "ExpressionAttributeValues": {":one": {"N": "1"}, ":expected": {"N": str(expected)}},
        }
    }


def test_a_failed_transaction_changes_nothing(dynamodb: Any) -> None:
    _table(dynamodb, "rollback", items=3)  # p0, p1, p2 with n = 1
    delete_p2 = {"Delete": {"TableName": "rollback", "Key": {"pk": {"S": "p2"}, "sk": {"S": "x"}}}}

    # When a transaction's last condition fails after a put, an update and a delete applied
    with pytest.raises(dynamodb.exceptions.TransactionCanceledException):
        dynamodb.transact_write_items(
            TransactItems=[
                _put("rollback", "new"),
                _bump("rollback", "p0", expected=1),
                delete_p2,
                _bump("rollback", "p1", expected=7),
            ]
        )

    # Then none of them is left
    assert _get(dynamodb, "rollback", "new") is None
    assert _get(dynamodb, "rollback", "p0") == {
        "pk": {"S": "p0"},
        "sk": {"S": "x"},
        "n": {"N": "1"},
    }
    assert _get(dynamodb, "rollback", "p2") is not None
    # nor after a refusal midway (the same item twice)
    with pytest.raises(ClientError, match="ValidationException"):
        dynamodb.transact_write_items(
            TransactItems=[_put("rollback", "twice"), _bump("rollback", "twice", expected=1)]
        )
    assert _get(dynamodb, "rollback", "twice") is None
    # and a transaction that holds goes through whole
    dynamodb.transact_write_items(
        TransactItems=[_put("rollback", "new"), _bump("rollback", "p1", expected=1), delete_p2]
    )
    assert _get(dynamodb, "rollback", "new") is not None
    assert _get(dynamodb, "rollback", "p1")["n"] == {"N": "2"}
    assert _get(dynamodb, "rollback", "p2") is None
    assert Item.instances_tracked == []  # moto's registry kept no copies


def test_a_transaction_copies_its_items_not_its_table(
    dynamodb: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    _table(dynamodb, "small", items=2)
    _table(dynamodb, "large", items=500)
    table_copies: list[Table] = []
    item_copies: list[Item] = []
    copy_item = Item.__deepcopy__

    def counting_copy(self: Item, memo: dict[int, Any]) -> Item:
        item_copies.append(self)
        return copy_item(self, memo)

    def table_copy(self: Table, memo: dict[int, Any]) -> Table:
        table_copies.append(self)
        return self  # moto's rollback would then be wrong: the assertion below fails first

    monkeypatch.setattr(Item, "__deepcopy__", counting_copy)
    monkeypatch.setattr(Table, "__deepcopy__", table_copy, raising=False)

    def copies(table: str, expected: int) -> int:
        """Items copied by a transaction on the table: one that holds, or one that fails."""
        item_copies.clear()
        transaction = [_put(table, f"new{expected}"), _bump(table, "p1", expected=expected)]
        if expected == 1:
            dynamodb.transact_write_items(TransactItems=transaction)
        else:
            with pytest.raises(dynamodb.exceptions.TransactionCanceledException):
                dynamodb.transact_write_items(TransactItems=transaction)
        return len(item_copies)

    # The same transactions copy no table, and as many items on a table of 2 items as on one
    # of 500: those they name
    held, failed = copies("small", expected=1), copies("small", expected=7)
    assert (copies("large", expected=1), copies("large", expected=7)) == (held, failed)
    assert table_copies == []
    assert 0 < failed < 10


def test_concurrent_transactions_and_scans_all_succeed(dynamodb: Any) -> None:
    _table(dynamodb, "busy", items=8)  # p0..p7, n = 1: one counter per thread
    errors: list[BaseException] = []

    def work(n: int) -> None:
        client = boto3.client("dynamodb")
        try:
            for round_ in range(1, 16):
                client.transact_write_items(
                    TransactItems=[_put("busy", f"t{n}-{round_}"), _bump("busy", f"p{n}", round_)]
                )
                client.scan(TableName="busy", Limit=50)
        except BaseException as error:  # a 500 of moto, a failed condition
            errors.append(error)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert [_get(dynamodb, "busy", f"p{n}")["n"] for n in range(8)] == [{"N": "16"}] * 8


def _item_answers(dynamodb: Any) -> list[dict[str, Any]]:
    """The answers of every item operation on a table with an index, the ResponseMetadata left
    out: items of every attribute type, pages, consumed capacity, old and new values."""
    dynamodb.create_table(
        TableName="answers",
        KeySchema=[
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        AttributeDefinitions=[
            {"AttributeName": n, "AttributeType": "S"} for n in ("pk", "sk", "g")
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "by_g",
                "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    every_type = {
        "n": {"N": "1.5"},
        "ss": {"SS": ["a", "b"]},
        "ns": {"NS": ["1", "2"]},
        "m": {"M": {"l": {"L": [{"S": "x"}, {"NULL": True}, {"BOOL": False}]}}},
    }
    key = {"pk": {"S": "p"}, "sk": {"S": "1"}}
    answers = [
        dynamodb.put_item(TableName="answers", Item={**key, "g": {"S": "g"}, **every_type}),
        dynamodb.put_item(
            TableName="answers",
            Item={"pk": {"S": "p"}, "sk": {"S": "2"}, "g": {"S": "g"}, "b": {"B": b"\x00\xff"}},
            ReturnValues="ALL_OLD",
        ),
        dynamodb.get_item(TableName="answers", Key=key, ReturnConsumedCapacity="TOTAL"),
        dynamodb.query(
            TableName="answers",
            KeyConditionExpression="pk = :p",
            ExpressionAttributeValues={":p": {"S": "p"}},
            Limit=1,
            ReturnConsumedCapacity="INDEXES",
        ),
        dynamodb.query(
            TableName="answers",
            IndexName="by_g",
            KeyConditionExpression="g = :g",
            ExpressionAttributeValues={":g": {"S": "g"}},
        ),
        dynamodb.scan(TableName="answers"),
        dynamodb.batch_get_item(RequestItems={"answers": {"Keys": [key]}}),
        dynamodb.transact_get_items(TransactItems=[{"Get": {"TableName": "answers", "Key": key}}]),
        dynamodb.update_item(
            TableName="answers",
            Key=key,
            UpdateExpression="SET n = n + :one",
            ExpressionAttributeValues={":one": {"N": "1"}},
            ReturnValues="ALL_NEW",
        ),
        dynamodb.delete_item(TableName="answers", Key=key, ReturnValues="ALL_OLD"),
    ]
    for answer in answers:
        answer.pop("ResponseMetadata")
    return answers


def test_item_operations_answer_as_moto_serializer_does(monkeypatch: pytest.MonkeyPatch) -> None:
    from moto import mock_aws
    from moto.core.serialize import ResponseSerializer

    from infra.local.moto_dynamodb import moto_dynamodb_workarounds

    for name, value in {"AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "x"}.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        by_moto = _item_answers(boto3.client("dynamodb", region_name="eu-west-3"))
    serialized: list[str] = []
    serialize = ResponseSerializer.serialize

    def recorded(self: Any, result: Any) -> Any:
        # DynamoDB's answers to named operations only: the class is patched for the whole
        # process, where another test's workflows (moto's Step Functions threads) may still be
        # answering other calls (an unknown action's error has no operation name).
        named = self.operation_model.name is not None
        if named and self.service_model.service_name == "dynamodb":
            serialized.append(self.operation_name)
        return serialize(self, result)

    monkeypatch.setattr(ResponseSerializer, "serialize", recorded)
    with mock_aws(), moto_dynamodb_workarounds():
        ours = _item_answers(boto3.client("dynamodb", region_name="eu-west-3"))

    assert ours == by_moto
    # moto's serializer wrote only the table's answer, those holding the binary item (bytes: the
    # index's query, the scan) and DeleteItem's (moto adds a key the output shape does not have,
    # which its serializer drops); every other item operation took json.dumps.
    assert serialized == ["CreateTable", "Query", "Scan", "DeleteItem"]


def _index_reads(dynamodb: Any) -> list[list[dict[str, Any]]]:
    """What a Query on an index finds after each kind of write: a put, a put over an item, an
    update moving an item to another index value, a transaction, a failed one, a delete."""
    _table(dynamodb, "indexed")
    dynamodb.update_table(
        TableName="indexed",
        AttributeDefinitions=[{"AttributeName": "g", "AttributeType": "S"}],
        GlobalSecondaryIndexUpdates=[
            {
                "Create": {
                    "IndexName": "by_g",
                    "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                    "Projection": {"ProjectionType": "ALL"},
                }
            }
        ],
    )

    def item(pk: str, g: str, v: str = "1") -> dict[str, Any]:
        return {"pk": {"S": pk}, "sk": {"S": "x"}, "g": {"S": g}, "v": {"N": v}}

    def read(g: str) -> list[dict[str, Any]]:
        found = dynamodb.query(
            TableName="indexed",
            IndexName="by_g",
            KeyConditionExpression="g = :g",
            ExpressionAttributeValues={":g": {"S": g}},
        )["Items"]
        return sorted(found, key=lambda i: i["pk"]["S"])

    key = {"pk": {"S": "a"}, "sk": {"S": "x"}}
    reads = []
    dynamodb.put_item(TableName="indexed", Item=item("a", "one"))
    reads += [read("one")]  # the first Query of the index value: found by a pass
    dynamodb.put_item(TableName="indexed", Item=item("b", "one"))
    dynamodb.put_item(TableName="indexed", Item=item("a", "one", "2"))  # over a
    reads += [read("one")]
    dynamodb.update_item(
        TableName="indexed",
        Key=key,
        UpdateExpression="SET g = :two",
        ExpressionAttributeValues={":two": {"S": "two"}},
    )
    reads += [read("one"), read("two")]
    dynamodb.transact_write_items(
        TransactItems=[
            {"Put": {"TableName": "indexed", "Item": item("c", "two")}},
            {
                "Update": {
                    "TableName": "indexed",
                    "Key": {"pk": {"S": "b"}, "sk": {"S": "x"}},
                    "UpdateExpression": "SET g = :two",
                    "ExpressionAttributeValues": {":two": {"S": "two"}},
                }
            },
        ]
    )
    reads += [read("one"), read("two")]
    with pytest.raises(ClientError):  # the second write's condition fails: nothing changes
        dynamodb.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": "indexed", "Item": item("a", "three")}},
                {
                    "Put": {
                        "TableName": "indexed",
                        "Item": item("c", "three"),
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                },
            ]
        )
    reads += [read("two"), read("three")]
    dynamodb.delete_item(TableName="indexed", Key=key)
    reads += [read("two")]
    return reads


def test_a_query_on_an_index_finds_what_moto_finds_after_every_kind_of_write(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from moto import mock_aws

    from infra.local.moto_dynamodb import moto_dynamodb_workarounds

    for name, value in {"AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "x"}.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        by_moto = _index_reads(boto3.client("dynamodb", region_name="eu-west-3"))
    with mock_aws(), moto_dynamodb_workarounds():
        ours = _index_reads(boto3.client("dynamodb", region_name="eu-west-3"))

    assert ours == by_moto
    assert [len(found) for found in ours] == [1, 2, 1, 1, 0, 3, 3, 0, 2]
