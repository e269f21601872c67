"""Template -> moto for resource kinds and event sources on a small template of their own (state
machines, SQS event sources and their partial batch responses, unknown types), on an in-memory
moto (mock_aws)."""

import json
from typing import Any

import boto3
import pytest
from moto import mock_aws

from infra.local.lambdas import FunctionRegistry, moto_invokes_in_process
from infra.local.resources import Deployer
from infra.local.template import Resolver, load_template

TEMPLATE = """
Resources:
  Jobs:
    Type: AWS::SQS::Queue
    Properties:
      VisibilityTimeout: 60
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: functions/worker
      Handler: app.handler
      Environment:
        Variables:
          JOBS_URL: !Ref Jobs
          TOPIC_ARN: !Ref Topic
      Events:
        Job: {Type: SQS, Properties: {Queue: !GetAtt Jobs.Arn, BatchSize: 1}}
        Nightly: {Type: Schedule, Properties: {Schedule: rate(1 day)}}
  Timer:
    Type: AWS::Serverless::StateMachine
    Properties:
      DefinitionUri: timer.asl.json
      DefinitionSubstitutions:
        WorkerArn: !GetAtt Worker.Arn
  Topic:
    Type: AWS::SNS::Topic
"""
ASL = {
    "StartAt": "Work",
    "States": {"Work": {"Type": "Task", "Resource": "${WorkerArn}", "End": True}},
}


@pytest.fixture(scope="module")
def deployer(tmp_path_factory: pytest.TempPathFactory) -> Any:
    # Deployed once: under an enclosing mock_aws (the integration tier's), moto is not reset.
    tmp_path = tmp_path_factory.mktemp("template")
    (tmp_path / "template.yaml").write_text(TEMPLATE)
    (tmp_path / "timer.asl.json").write_text(json.dumps(ASL))
    with mock_aws():
        template = load_template(tmp_path / "template.yaml")
        # A stack name of its own: an enclosing mock_aws may hold the project's resources.
        deployer = Deployer(template, Resolver(template, stack_name="resources-test"))
        deployer.deploy()
        yield deployer


def test_the_function_spec_follows_code_uri_and_handler(deployer: Deployer) -> None:
    spec = deployer.functions["Worker"]
    assert (spec.module, spec.attribute) == ("functions.worker.app", "handler")
    assert spec.environment["JOBS_URL"].endswith("/resources-test-Jobs")


def test_unknown_types_get_placeholders(deployer: Deployer) -> None:
    # AWS::SNS::Topic has no creator: skipped, yet the variable naming it resolves.
    assert deployer.functions["Worker"].environment["TOPIC_ARN"] == "resources-test-Topic"


def test_state_machines_get_their_substituted_definition(deployer: Deployer) -> None:
    machine = boto3.client("stepfunctions").describe_state_machine(
        stateMachineArn=deployer.resolver.refs["Timer"]
    )
    definition = json.loads(machine["definition"])
    assert definition["States"]["Work"]["Resource"] == deployer.functions["Worker"].arn


def test_sqs_events_reach_the_handler(deployer: Deployer) -> None:
    received = []
    registry = FunctionRegistry(
        deployer.functions, {}, {"Worker": lambda event, context: received.append(event)}
    )
    with moto_invokes_in_process(registry):
        boto3.client("sqs").send_message(QueueUrl=deployer.resolver.refs["Jobs"], MessageBody="42")

    assert [r["body"] for e in received for r in e["Records"]] == ["42"]


def test_a_message_its_partial_batch_response_names_stays_in_the_queue(deployer: Deployer) -> None:
    """moto deletes the messages of an invocation that did not raise: the stack reports a
    failed message as the invocation's error, so that it is delivered again."""
    received: list[str] = []

    def worker(event: Any, context: Any) -> Any:
        failed = []
        for record in event["Records"]:
            received.append(record["body"])
            if record["body"] == "fails once" and received.count("fails once") == 1:
                failed.append({"itemIdentifier": record["messageId"]})
        return {"batchItemFailures": failed}

    registry = FunctionRegistry(deployer.functions, {}, {"Worker": worker})
    sqs, url = boto3.client("sqs"), deployer.resolver.refs["Jobs"]
    with moto_invokes_in_process(registry):
        sqs.send_message(QueueUrl=url, MessageBody="fails once")
        left = sqs.get_queue_attributes(
            QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"]
        )
        sqs.send_message(QueueUrl=url, MessageBody="next")  # the queue's next delivery

    assert left["Attributes"]["ApproximateNumberOfMessages"] == "1"
    # Delivered again first (BatchSize 1: "next" waits for the queue's next delivery).
    assert received == ["fails once", "fails once"]
