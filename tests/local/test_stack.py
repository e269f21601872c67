"""The local stack in-process, with stand-in handlers: resources from the template, S3
notifications into the handlers, the gateway's authorizer, and a clean stop."""

import json
import os
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import unquote_plus

import boto3
import httpx
import pytest
from moto.awslambda.models import LambdaFunction

from infra.local.demo.people import DEMO_ACCOUNTS
from infra.local.stack import LocalStack
from infra.local.template import load_template

TEMPLATE = load_template()


class StandIns:
    """Handlers that record their events; the records one echoes what it received."""

    def __init__(self) -> None:
        self.events: dict[str, list[tuple[dict[str, Any], Any]]] = {}

    def handlers(self) -> dict[str, Any]:
        functions = TEMPLATE.of_type("AWS::Serverless::Function")
        return {f.logical_id: self._recorder(f.logical_id) for f in functions}

    def _recorder(self, logical_id: str) -> Any:
        def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
            self.events.setdefault(logical_id, []).append((event, context))
            return {"statusCode": 200, "body": json.dumps({"function": logical_id})}

        return handler


@pytest.fixture(scope="module")
def stand_ins() -> StandIns:
    return StandIns()


@pytest.fixture(scope="module")
def stack(stand_ins: StandIns) -> Iterator[LocalStack]:
    with LocalStack(port=0, handlers=stand_ins.handlers()) as running:
        yield running


@pytest.fixture
def http(stack: LocalStack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=stack.api_url, trust_env=False, timeout=30) as client:
        yield client


def test_the_table_is_the_templates(stack: LocalStack) -> None:
    declared = TEMPLATE.resources["HealthSpaceTable"].properties
    table = boto3.client("dynamodb").describe_table(TableName=stack.ref("HealthSpaceTable"))
    table = table["Table"]
    assert table["KeySchema"] == declared["KeySchema"]
    assert [i["IndexName"] for i in table["GlobalSecondaryIndexes"]] == [
        i["IndexName"] for i in declared["GlobalSecondaryIndexes"]
    ]
    assert table["SSEDescription"]["Status"] == "ENABLED"
    ttl = boto3.client("dynamodb").describe_time_to_live(TableName=table["TableName"])
    assert ttl["TimeToLiveDescription"]["AttributeName"] == "expires_at"


def test_the_buckets_carry_the_templates_settings(stack: LocalStack) -> None:
    s3 = boto3.client("s3")
    quarantine = stack.ref("QuarantineBucket")
    assert quarantine == "healthspace-local-quarantine-123456789012"
    rules = s3.get_bucket_encryption(Bucket=quarantine)["ServerSideEncryptionConfiguration"]
    default = rules["Rules"][0]["ApplyServerSideEncryptionByDefault"]
    assert default["SSEAlgorithm"] == "aws:kms"
    assert default["KMSMasterKeyID"].endswith(stack.ref("DataKey"))
    assert s3.get_bucket_cors(Bucket=quarantine)["CORSRules"][0]["AllowedMethods"] == ["POST"]
    lifecycle = s3.get_bucket_lifecycle_configuration(Bucket=quarantine)["Rules"]
    assert lifecycle[0]["Expiration"]["Days"] == 1
    documents = stack.ref("DocumentsBucket")
    assert s3.get_bucket_versioning(Bucket=documents)["Status"] == "Enabled"


def test_functions_get_globals_and_their_own_variables(stack: LocalStack) -> None:
    config = boto3.client("lambda").get_function_configuration(
        FunctionName=stack.ref("IngestFunction")
    )
    variables = config["Environment"]["Variables"]
    assert variables["POWERTOOLS_SERVICE_NAME"] == "ingest"
    assert variables["TABLE_NAME"] == stack.ref("HealthSpaceTable")
    assert variables["MAX_UPLOAD_BYTES"] == "20971520"
    # The process holds the Globals values, shared by every in-process handler.
    assert os.environ["DOCUMENTS_BUCKET"] == stack.ref("DocumentsBucket")
    assert os.environ["POWERTOOLS_SERVICE_NAME"] == "healthspace"
    assert os.environ["AWS_ENDPOINT_URL"] == stack.aws_endpoint_url


def test_the_patient_pool_has_its_custom_attribute_and_demo_users(stack: LocalStack) -> None:
    cognito = boto3.client("cognito-idp")
    pool = cognito.describe_user_pool(UserPoolId=stack.ref("PatientUserPool"))["UserPool"]
    assert "custom:ins" in {a["Name"] for a in pool["SchemaAttributes"]}
    user = cognito.admin_get_user(UserPoolId=pool["Id"], Username=DEMO_ACCOUNTS[0].username)
    attributes = {a["Name"]: a["Value"] for a in user["UserAttributes"]}
    assert attributes["custom:ins"] == DEMO_ACCOUNTS[0].person.ins


def test_an_upload_to_the_quarantine_reaches_the_ingest_handler(
    stack: LocalStack, stand_ins: StandIns
) -> None:
    # Given the quarantine bucket notifies the ingest function for uploads/ (template.yaml)
    bucket = stack.ref("QuarantineBucket")
    before = len(stand_ins.events.get("IngestFunction", []))

    # When a browser's file lands under uploads/, and another file elsewhere
    s3 = boto3.client("s3")
    s3.put_object(Bucket=bucket, Key="uploads/space-1/report 1.pdf", Body=b"%PDF-1.7")
    s3.put_object(Bucket=bucket, Key="elsewhere/file.pdf", Body=b"%PDF-1.7")

    # Then the ingest handler ran once, in-process, with the S3 event and a Lambda context
    received = stand_ins.events["IngestFunction"][before:]
    assert len(received) == 1
    event, context = received[0]
    record = event["Records"][0]
    assert record["eventSource"] == "aws:s3"
    assert record["s3"]["bucket"]["name"] == bucket
    # URL-encoded as S3 does (moto also encodes the slashes; unquote_plus reads both)
    assert unquote_plus(record["s3"]["object"]["key"]) == "uploads/space-1/report 1.pdf"
    assert context.function_name == stack.ref("IngestFunction")


def _id_token(http: httpx.Client) -> str:
    account = DEMO_ACCOUNTS[0]
    answer = http.post(
        "/local/login", json={"username": account.username, "password": account.password}
    )
    assert answer.status_code == 200, answer.text
    return str(answer.json()["id_token"])


def test_a_token_from_the_pool_reaches_the_handler_with_its_claims(
    stack: LocalStack, stand_ins: StandIns, http: httpx.Client
) -> None:
    token = _id_token(http)
    before = len(stand_ins.events.get("RecordsFunction", []))

    answer = http.get("/me/documents", headers={"Authorization": f"Bearer {token}"})

    assert answer.status_code == 200
    event, _ = stand_ins.events["RecordsFunction"][before]
    assert event["resource"] == "/me/{proxy+}"
    assert event["pathParameters"] == {"proxy": "documents"}
    claims = event["requestContext"]["authorizer"]["claims"]
    assert claims["custom:ins"] == DEMO_ACCOUNTS[0].person.ins
    assert claims["token_use"] == "id"
    assert all(isinstance(value, str) for value in claims.values())
    assert claims["exp"].endswith(" UTC " + claims["exp"][-4:])  # API Gateway's date form


def test_no_token_no_handler(stack: LocalStack, stand_ins: StandIns, http: httpx.Client) -> None:
    before = len(stand_ins.events.get("RecordsFunction", []))
    answer = http.get("/me")
    assert answer.status_code == 401
    assert answer.json()["code"] == "UNAUTHORIZED"
    assert len(stand_ins.events.get("RecordsFunction", [])) == before


def test_an_access_token_is_not_an_id_token(stack: LocalStack, http: httpx.Client) -> None:
    account = DEMO_ACCOUNTS[0]
    tokens = http.post(
        "/local/login", json={"username": account.username, "password": account.password}
    ).json()
    answer = http.get("/me", headers={"Authorization": tokens["access_token"]})
    assert answer.status_code == 401


def test_preflight_is_answered_without_the_authorizer(http: httpx.Client) -> None:
    answer = http.options(
        "/me/documents",
        headers={"Origin": "http://localhost:5173", "Access-Control-Request-Method": "POST"},
    )
    assert answer.status_code == 200
    assert answer.headers["Access-Control-Allow-Origin"] == "http://localhost:5173"
    assert "Authorization" in answer.headers["Access-Control-Allow-Headers"]


# Each authorizer of the template, and the pool whose ID tokens it accepts.
AUTHORIZER_POOLS = {
    "PatientAuthorizer": "patients",
    "ProfessionalAuthorizer": "professionals",
    "OperatorAuthorizer": "operators",
}


def test_a_token_opens_only_its_own_pools_routes(
    stack: LocalStack, stand_ins: StandIns, http: httpx.Client
) -> None:
    """Every route of the template (authorisation inside each API is the walk's, in
    tests/integration/test_authorization_walk.py), called with an ID token of each pool: only
    its own pool's authorizer lets it through; a route without one (partners sign, the public
    enrollment routes take a code) reaches its function without claims, whatever token came."""
    from infra.local.demo.people import DEMO_OPERATOR, TREATING_DOCTOR
    from infra.local.demo.users import seed_operator

    seed_operator(boto3.client("cognito-idp"), stack.ref("OperatorUserPool"))
    logins = {
        "patients": (DEMO_ACCOUNTS[0].username, DEMO_ACCOUNTS[0].password),
        "professionals": (TREATING_DOCTOR.username, TREATING_DOCTOR.password),
        "operators": (DEMO_OPERATOR.username, DEMO_OPERATOR.password),
    }
    tokens = {}
    for pool, (username, password) in logins.items():
        body = {"username": username, "password": password, "pool": pool}
        answer = http.post("/local/login", json=body)
        assert answer.status_code == 200, answer.text
        tokens[pool] = answer.json()["id_token"]
    assert set(AUTHORIZER_POOLS) == {r.authorizer for r in stack.routes if r.authorizer}

    wrong = []
    for route in stack.routes:
        path = re.sub(r"\{[^}]+\}", "x", route.resource)
        method = "GET" if route.method == "ANY" else route.method
        for pool, token in tokens.items():
            calls = stand_ins.events.setdefault(route.function, [])
            before = len(calls)
            # The request validator's headers (the partners' signature), so that only the
            # authorizer decides here (the validator: tests/local/test_gateway.py).
            headers = {name: "stand-in" for name in route.required_headers}
            headers["Authorization"] = f"Bearer {token}"
            answer = http.request(method, path, headers=headers)
            reached = len(calls) > before
            owner = AUTHORIZER_POOLS.get(route.authorizer or "")
            if owner is None:  # no authorizer: the function decides, and sees no claims
                claims = calls[-1][0]["requestContext"].get("authorizer") if reached else None
                ok = reached and not (claims or {}).get("claims")
            else:
                ok = reached if pool == owner else (answer.status_code, reached) == (401, False)
            if not ok:
                wrong.append(f"{pool} token on {method} {route.resource}: {answer.status_code}")
    assert not wrong, "\n".join(wrong)


def test_signing_out_revokes_the_refresh_token_and_the_id_token_lives_on_until_it_expires(
    http: httpx.Client,
) -> None:
    # Given a patient signed in, whose ID token the site renews with the refresh token
    account = DEMO_ACCOUNTS[0]
    login = {"username": account.username, "password": account.password}
    signed_in = http.post("/local/login", json=login)
    assert signed_in.status_code == 200, signed_in.text
    tokens = signed_in.json()
    refresh = {"refresh_token": tokens["refresh_token"]}
    renewed = http.post("/local/refresh", json=refresh)
    assert renewed.status_code == 200 and renewed.json()["id_token"]
    # When she signs out
    assert http.post("/local/logout", json=refresh).status_code == 204
    # Then the refresh token renews nothing any more; her ID token still opens the API until
    # it expires (API Gateway's authorizer checks no revocation: docs/accounts.md)
    assert http.post("/local/refresh", json=refresh).status_code == 401
    bearer = {"Authorization": f"Bearer {tokens['id_token']}"}
    assert http.get("/me/documents", headers=bearer).status_code == 200
    # and another session of hers is untouched
    other = http.post("/local/login", json=login).json()["refresh_token"]
    assert http.post("/local/refresh", json={"refresh_token": other}).status_code == 200
    assert http.post("/local/logout", json={}).status_code == 400


def test_the_site_reads_how_it_signs_in(http: httpx.Client) -> None:
    config = http.get("/config.json").json()
    assert (config["auth"], config["refreshUrl"], config["logoutUrl"]) == (
        "local",
        "/local/refresh",
        "/local/logout",
    )


def test_stop_restores_the_process() -> None:
    environment = dict(os.environ)
    invoke = LambdaFunction.__dict__["_invoke_lambda"]

    with LocalStack(port=0, handlers=StandIns().handlers(), demo=False) as stack:
        assert os.environ["AWS_ENDPOINT_URL"] == stack.aws_endpoint_url
        url = stack.api_url

    assert dict(os.environ) == environment
    assert LambdaFunction.__dict__["_invoke_lambda"] is invoke
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{url}/local/health", trust_env=False)
