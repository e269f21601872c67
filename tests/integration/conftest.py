"""Integration tier: every resource of template.yaml created in moto (in-process), the functions'
handlers called on API Gateway and S3 events as Lambda would, S3 notifications included."""

import itertools
import json
import os
import time
from dataclasses import dataclass
from datetime import date

import boto3
import pytest
from moto import mock_aws

from healthspace.kernel.identifiers import make_ins
from healthspace.records.model import Holder, Role
from infra.local.lambdas import FunctionRegistry, moto_invokes_in_process
from infra.local.moto_dynamodb import moto_dynamodb_workarounds
from infra.local.resources import Deployer
from infra.local.sample_events import api_event, api_result, s3_created_event
from infra.local.template import Resolver, load_template
from infra.local.viewer import new_signing_key, store_signing_key

_serial = itertools.count(1)


@pytest.fixture(scope="package")
def deployed():
    """The template deployed once in moto for this folder; tests use fresh people each. (Package
    scope: moto's mock must end before other folders start their own.)"""
    # moto's DynamoDB as the local stack runs it: one request at a time (the importer's threads
    # write concurrently), transactions rolled back item by item.
    with mock_aws(), moto_dynamodb_workarounds():
        template = load_template()
        deployer = Deployer(template, Resolver(template))
        deployer.deploy()
        # What the operator stores once (README, "Deploying"): the key signing the views' links.
        store_signing_key(deployer.resolver.refs["ViewerSigningKey"], new_signing_key()[0])
        records = deployer.functions["RecordsFunction"]
        os.environ.update(records.environment)
        registry = FunctionRegistry(deployer.functions, records.environment)
        registry.load()
        with moto_invokes_in_process(registry):
            yield deployer, registry


@pytest.fixture(scope="package")
def stack_env(deployed):
    return dict(deployed[0].functions["RecordsFunction"].environment)


@pytest.fixture(scope="package")
def empty_table(deployed):
    """Deletes every item, so that each test starts on an empty table."""
    table = boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])

    def empty():
        scan = {"ProjectionExpression": "pk, sk"}
        while True:
            page = table.scan(**scan)
            with table.batch_writer() as batch:
                for key in page["Items"]:
                    batch.delete_item(Key=key)
            if "LastEvaluatedKey" not in page:
                return
            scan["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    return empty


@pytest.fixture(autouse=True)
def _fresh_start(deployed, empty_table):
    """Each test starts cold, like a new Lambda instance (grant and data-key caches empty), on an
    empty table."""
    from healthspace import wiring

    empty_table()
    wiring.forget()


@pytest.fixture(scope="package")
def s3(deployed):
    return boto3.client("s3")


@pytest.fixture(scope="package")
def kms(deployed):
    return boto3.client("kms")


@dataclass(frozen=True)
class Person:
    subject: str
    ins: str
    given_name: str
    space_id: str

    @property
    def claims(self):
        """As API Gateway passes an ID token's claims, of a sign-in just now (auth_time)."""
        return {
            "sub": self.subject,
            "custom:ins": self.ins,
            "given_name": self.given_name,
            "family_name": "Martin",
            "token_use": "id",
            "auth_time": str(int(time.time())),
        }


@pytest.fixture
def person(deployed):
    """Opens a space for a new person (optionally represented by another) and returns them."""
    from healthspace.wiring.records import medical_file

    def make(given_name, represented_by=None, birth_date=date(1985, 6, 1)):
        n = next(_serial)
        ins = make_ins(f"1{n % 100:02d}0175{n:06d}"[:13].ljust(13, "0"))
        representatives = {represented_by.ins: Role.LEGAL_REPRESENTATIVE} if represented_by else {}
        space = medical_file().spaces.open_space(
            ins,
            Holder(given_name=given_name, family_name="Martin", birth_date=birth_date),
            representatives,
        )
        return Person(f"sub-{n}", ins, given_name, space.space_id)

    return make


@pytest.fixture
def api(deployed):
    """Calls the records function as API Gateway's proxy integration would."""
    registry = deployed[1]

    def call(method, path, who, body=None, headers=None, query=None, claims=None):
        event = api_event(
            method, path, who.claims if claims is None else claims, body, headers, query
        )
        return api_result(registry.invoke("RecordsFunction", event))

    return call


@pytest.fixture
def ingest(deployed, stack_env):
    """Delivers an S3 ObjectCreated event to the ingest function (again), as S3 may."""
    registry = deployed[1]

    def deliver(key, size):
        event = s3_created_event(stack_env["QUARANTINE_BUCKET"], key, size)
        return registry.invoke("IngestFunction", event)

    return deliver


@pytest.fixture(scope="package")
def openapi(deployed):
    from functions.records.app import app

    return json.loads(app.get_openapi_json_schema())
