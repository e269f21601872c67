"""Guards the private moto API the local stack replaces (LambdaFunction._invoke_lambda, and
DynamoDBBackend.transact_write_items).

If one of these fails after a moto upgrade, infra/local/lambdas.py (S3 notifications, SQS
mappings and Step Functions tasks depend on it) or infra/local/moto_dynamodb.py must follow
moto's change before anything else.
"""

import json
from importlib.metadata import version
from pathlib import Path

import boto3
import pytest
from moto import mock_aws
from moto.awslambda.models import LambdaFunction
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.table import Table
from moto.dynamodb.responses import DynamoHandler

from infra.local.lambdas import (
    FunctionRegistry,
    FunctionSpec,
    check_moto_invoke_api,
    moto_invokes_in_process,
)
from infra.local.moto_dynamodb import check_moto_transactions, moto_dynamodb_workarounds

REQUIREMENTS = Path(__file__).parents[2] / "requirements-dev.txt"


def test_moto_is_the_pinned_version() -> None:
    pins = dict(
        line.split("==", 1) for line in REQUIREMENTS.read_text().splitlines() if "==" in line
    )
    assert version("moto") == pins["moto[server]"], "moto moved: re-check infra/local/lambdas.py"


def test_the_private_invoke_api_has_the_expected_shape() -> None:
    check_moto_invoke_api()  # raises RuntimeError with the reason otherwise


def test_the_guard_notices_a_changed_signature(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(LambdaFunction, "_invoke_lambda", lambda self, event, context: None)
    with pytest.raises(RuntimeError, match="signature"):
        check_moto_invoke_api()


def test_the_guard_notices_a_missing_method(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(LambdaFunction, "_invoke_lambda")
    with pytest.raises(RuntimeError, match="gone"):
        check_moto_invoke_api()


def _function(name: str) -> str:
    role = boto3.client("iam").create_role(
        RoleName=f"{name}-role",
        AssumeRolePolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "lambda.amazonaws.com"},
                        "Action": "sts:AssumeRole",
                    }
                ],
            }
        ),
    )["Role"]["Arn"]
    return boto3.client("lambda").create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=role,
        Handler="app.handler",
        Code={"ZipFile": b"PK\x05\x06" + b"\x00" * 18},  # an empty zip
    )["FunctionArn"]


def _registry(name: str, arn: str, handler) -> FunctionRegistry:
    spec = FunctionSpec("Fn", name, arn, "unused", "handler", {}, timeout=3)
    return FunctionRegistry({"Fn": spec}, {}, {"Fn": handler})


@mock_aws
def test_moto_invocations_call_the_in_process_handler() -> None:
    # Given a function known to moto and a stand-in handler for it
    arn = _function("guarded")
    seen = []

    def handler(event, context):
        seen.append((event, context.function_name, context.get_remaining_time_in_millis()))
        return {"echo": event["n"]}

    # When moto invokes it
    with moto_invokes_in_process(_registry("guarded", arn, handler)):
        answer = boto3.client("lambda").invoke(FunctionName="guarded", Payload=b'{"n": 7}')

    # Then the handler ran in-process with the event and a context
    assert json.loads(answer["Payload"].read()) == {"echo": 7}
    assert "FunctionError" not in answer
    ((event, name, remaining),) = seen
    assert event == {"n": 7}
    assert name == "guarded"
    assert 0 < remaining <= 3000


@mock_aws
def test_a_failing_handler_is_a_function_error() -> None:
    arn = _function("failing")

    def handler(event, context):
        raise ValueError("boom")

    with moto_invokes_in_process(_registry("failing", arn, handler)):
        answer = boto3.client("lambda").invoke(FunctionName="failing", Payload=b"{}")

    assert answer["FunctionError"] == "Handled"
    assert json.loads(answer["Payload"].read()) == {
        "errorMessage": "boom",
        "errorType": "ValueError",
    }


def test_the_replacement_is_undone_on_exit() -> None:
    original = LambdaFunction.__dict__["_invoke_lambda"]
    with moto_invokes_in_process(FunctionRegistry({}, {})):
        assert LambdaFunction.__dict__["_invoke_lambda"] is not original
    assert LambdaFunction.__dict__["_invoke_lambda"] is original


def test_the_transaction_moto_dynamodb_replaces_is_the_reviewed_one() -> None:
    check_moto_transactions()  # raises RuntimeError otherwise
    with moto_dynamodb_workarounds():
        check_moto_transactions()  # it finds moto's behind the replacement


def test_the_guard_notices_a_changed_transaction(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(DynamoDBBackend, "transact_write_items", lambda self, items: None)
    with pytest.raises(RuntimeError, match="transact_write_items changed"):
        check_moto_transactions()
    with (
        pytest.raises(RuntimeError, match="transact_write_items changed"),
        moto_dynamodb_workarounds(),
    ):
        pass


def test_the_dynamodb_workarounds_apply_once_and_are_undone_on_exit() -> None:
    def installed() -> tuple[object, object]:
        return (
            DynamoDBBackend.__dict__["transact_write_items"],
            DynamoHandler.__dict__["call_action"],
        )

    moto = installed()
    with moto_dynamodb_workarounds():
        patched = installed()
        assert patched[0] is not moto[0] and patched[1] is not moto[1]
        Table.instances_tracked = []  # as moto's reset does
        with moto_dynamodb_workarounds():  # a second stack started before the first stopped
            assert installed() == patched
            Table.instances_tracked.append("a table")
            assert Table.instances_tracked == []  # the registry keeps nothing again
        assert installed() == patched
    assert installed() == moto
