"""The template reader: CloudFormation tags, SAM Globals, intrinsics, creation order."""

from pathlib import Path

import pytest

from infra.local.template import (
    ACCOUNT_ID,
    NO_VALUE,
    Resolver,
    Template,
    TemplateError,
    layer_dirs,
    load_template,
    merge_globals,
)

SMALL = """
Parameters:
  Stage: {Type: String, Default: v1}
  Size: {Type: Number, Default: 42}
Globals:
  Function:
    Timeout: 20
    Layers: [!Ref Layer]
    Environment:
      Variables:
        TABLE: !Ref Table
        SHARED: one
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.handler
      Layers: [extra]
      Environment:
        Variables:
          SHARED: two
          QUEUE_ARN: !GetAtt Queue.Arn
      Events:
        Upload: {Type: S3, Properties: {Bucket: !Ref Bucket, Events: "s3:ObjectCreated:*"}}
  Bucket:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: !Sub "${AWS::StackName}-files-${AWS::AccountId}"
  Table: {Type: AWS::DynamoDB::Table, Properties: {}}
  Queue: {Type: AWS::SQS::Queue, DependsOn: Bucket}
  Layer: {Type: AWS::Serverless::LayerVersion, Properties: {ContentUri: layers/x}}
"""


@pytest.fixture
def template(tmp_path: Path) -> Template:
    path = tmp_path / "template.yaml"
    path.write_text(SMALL)
    return load_template(path)


def test_short_tags_become_the_long_form(template: Template) -> None:
    # Given the YAML short forms, When loaded, Then they are CloudFormation's JSON forms.
    props = template.resources["Fn"].properties
    assert props["Environment"]["Variables"]["QUEUE_ARN"] == {"Fn::GetAtt": ["Queue", "Arn"]}
    assert template.resources["Bucket"].properties["BucketName"] == {
        "Fn::Sub": "${AWS::StackName}-files-${AWS::AccountId}"
    }


def test_globals_merge_as_sam_does(template: Template) -> None:
    props = template.properties("Fn")
    assert props["Timeout"] == 20  # scalar from Globals
    assert props["Layers"] == [{"Ref": "Layer"}, "extra"]  # lists add up, globals first
    assert props["Environment"]["Variables"]["SHARED"] == "two"  # the function wins
    assert props["Environment"]["Variables"]["TABLE"] == {"Ref": "Table"}  # maps merge


def test_merge_globals_leaves_its_inputs_alone() -> None:
    globals_ = {"Environment": {"Variables": {"A": "1"}}}
    merge_globals(globals_, {"Environment": {"Variables": {"B": "2"}}})
    assert globals_ == {"Environment": {"Variables": {"A": "1"}}}


def test_creation_order_puts_references_first_and_ignores_events(template: Template) -> None:
    order = template.creation_order()
    assert order.index("Table") < order.index("Fn")
    assert order.index("Queue") < order.index("Fn")
    assert order.index("Layer") < order.index("Fn")
    assert order.index("Bucket") < order.index("Queue")  # DependsOn
    # Fn's S3 event names Bucket, yet Fn need not wait for it: events are wired last.
    assert set(order) == set(template.resources)


def test_resolver_handles_refs_subs_and_attributes(template: Template) -> None:
    resolver = Resolver(template)
    resolver.register("Table", "the-table", Arn="arn:table")
    resolver.register("Queue", "https://queue", Arn="arn:queue")
    resolver.register("Layer", "arn:layer:1")

    props = {k: v for k, v in template.properties("Fn").items() if k != "Events"}
    resolved = resolver.resolve(props)

    assert resolved["Environment"]["Variables"] == {
        "TABLE": "the-table",
        "SHARED": "two",
        "QUEUE_ARN": "arn:queue",
    }
    assert resolver.resolve(template.resources["Bucket"].properties) == {
        "BucketName": f"healthspace-local-files-{ACCOUNT_ID}"
    }


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"Ref": "Stage"}, "v1"),
        ({"Ref": "Size"}, "42"),  # parameters are strings, as in CloudFormation
        ({"Fn::Sub": "${!Literal}-${Stage}"}, "${Literal}-v1"),
        ({"Fn::Sub": ["${A}-${Table.Arn}", {"A": {"Ref": "AWS::Region"}}]}, "eu-west-3-arn:t"),
        ({"Fn::Sub": "arn:${AWS::Partition}:s3:::x"}, "arn:aws:s3:::x"),
        ({"Fn::Join": ["/", ["a", {"Ref": "Stage"}]]}, "a/v1"),
        ({"Fn::Select": [1, {"Fn::Split": [",", "a,b,c"]}]}, "b"),
        ({"Fn::GetAtt": "Table.Arn"}, "arn:t"),
        ({"K": {"Ref": "AWS::NoValue"}, "L": 1}, {"L": 1}),
        ([{"Ref": "AWS::NoValue"}, 2], [2]),
    ],
)
def test_intrinsics(template: Template, value: object, expected: object) -> None:
    resolver = Resolver(template)
    resolver.register("Table", "t", Arn="arn:t")
    assert resolver.resolve(value) == expected


def test_no_value_is_a_marker(template: Template) -> None:
    assert Resolver(template).ref("AWS::NoValue") is NO_VALUE


@pytest.mark.parametrize(
    "value",
    [{"Ref": "Missing"}, {"Fn::GetAtt": ["Table", "StreamArn"]}, {"Fn::If": ["C", 1, 2]}],
)
def test_what_cannot_be_resolved_fails_loudly(template: Template, value: object) -> None:
    resolver = Resolver(template)
    resolver.register("Table", "t", Arn="arn:t")
    with pytest.raises(TemplateError):
        resolver.resolve(value)


def test_layer_dirs_are_relative_to_the_template(template: Template) -> None:
    assert layer_dirs(template) == [template.root / "layers/x"]


def test_the_project_template_resolves_its_globals() -> None:
    # The real template: every Globals variable resolves once its resources are registered.
    template = load_template()
    resolver = Resolver(template)
    for lid in template.resources:
        resolver.register(lid, f"ref-{lid}", Arn=f"arn-{lid}", DomainName=f"d-{lid}")
    variables = resolver.resolve(template.globals["Function"]["Environment"]["Variables"])
    assert variables["QUARANTINE_BUCKET"] == f"healthspace-local-quarantine-{ACCOUNT_ID}"
    assert set(template.creation_order()) == set(template.resources)
