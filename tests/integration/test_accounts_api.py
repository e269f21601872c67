"""People's accounts through the real functions on moto: a space activated with the person's
code, the table's stream (its ACTIVATED line) reaches the accounts function, which opens the
account in the patients' pool; the person asks for a one-time code, chooses a password with
it, and signs in with their INS."""

import os
import re
from datetime import date

import boto3
import pytest
from moto.core import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends

from healthspace.enrollment.model import Decision
from healthspace.kernel.identifiers import make_ins
from infra.local.sample_events import api_event, api_result, queued_stream_event

ADULT = make_ins("1800175223401")
CHILD = make_ins("2150175223403")
LETTER = make_ins("2450175223404")
COLUMNS = "ins,birth_date,given_name,family_name,email,address_line1,postal_code,city"
FILE = f"""{COLUMNS},representative_ins
{ADULT},1980-01-01,Marc,Petit,marc.petit@example.org,,,,
{CHILD},2015-01-01,Zoé,Petit,,,,,{ADULT}
{LETTER},1945-01-01,Jeanne,Roux,,3 rue des Lilas,75011,Paris,
"""
PASSWORD = "Mon-mot-de-passe-2027"


@pytest.fixture
def imported(deployed, stack_env, s3):
    """The file imported (the bucket's notification runs the import in-process); its reports
    removed, as the other tests of the folder read theirs from the same bucket."""
    bucket = stack_env["OPS_BUCKET"]
    before = {
        o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix="reports/").get("Contents", [])
    }
    s3.put_object(Bucket=bucket, Key="imports/accounts.csv", Body=FILE.encode())
    for report in s3.list_objects_v2(Bucket=bucket, Prefix="reports/").get("Contents", []):
        if report["Key"] not in before:
            s3.delete_object(Bucket=bucket, Key=report["Key"])


def last_code_to(address, subject_has, about_child=False):
    sent = [
        m
        for m in ses_backends[DEFAULT_ACCOUNT_ID]["eu-west-3"].sent_messages
        if address in m.destinations["ToAddresses"]
        and subject_has in m.subject
        and ("Zoé" in m.body) == about_child
    ]
    assert sent, f"no such email to {address}"
    return re.search(r"\b[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}\b", sent[-1].body).group(0)


def call(deployed, path, body):
    return api_result(deployed[1].invoke("EnrollmentFunction", api_event("POST", path, None, body)))


def history(ins):
    return boto3.client("dynamodb").query(
        TableName=os.environ["TABLE_NAME"],
        KeyConditionExpression="pk = :pk AND begins_with(sk, :log)",
        ExpressionAttributeValues={":pk": {"S": f"ENROLL#{ins}"}, ":log": {"S": "LOG#"}},
    )["Items"]


def actions(ins):
    return sorted(item["category"]["S"] for item in history(ins))


def deliver_activations(deployed, ins):
    """What the stream router hands on to the function's queue: the ACTIVATED lines."""
    items = [i for i in history(ins) if i["category"]["S"] == "ACTIVATED"]
    assert items
    answer = deployed[1].invoke("AccountsFunction", queued_stream_event(items))
    assert answer == {"batchItemFailures": []}


@pytest.fixture
def pool(deployed):
    cognito = boto3.client("cognito-idp")
    pool_id = os.environ["PATIENT_USER_POOL_ID"]
    [client] = [
        c["ClientId"]
        for c in cognito.list_user_pool_clients(UserPoolId=pool_id, MaxResults=10)[
            "UserPoolClients"
        ]
    ]
    return cognito, pool_id, client


def attributes(pool, username):
    cognito, pool_id, _ = pool
    user = cognito.admin_get_user(UserPoolId=pool_id, Username=username)
    return {a["Name"]: a["Value"] for a in user["UserAttributes"]}, user["UserStatus"]


def activate(deployed, ins, birth_date, email):
    code = last_code_to(email, "sera créé")
    status, _, _ = call(
        deployed, "/enrollment/activation", {"ins": ins, "birth_date": birth_date, "code": code}
    )
    assert status == 200


def test_an_activated_space_opens_its_account_and_the_person_chooses_a_password(
    deployed, imported, pool
):
    # Given Marc opened his space with his code; the stream delivers its ACTIVATED line twice
    activate(deployed, ADULT, "1980-01-01", "marc.petit@example.org")
    deliver_activations(deployed, ADULT)
    deliver_activations(deployed, ADULT)  # at least once: nothing twice
    found, status = attributes(pool, ADULT)
    assert found["custom:ins"] == ADULT and found["email"] == "marc.petit@example.org"
    assert found.get("email_verified") != "true"  # the pool's own reset stays closed
    assert status == "FORCE_CHANGE_PASSWORD"
    assert actions(ADULT).count("ACCOUNT_OPENED") == 1

    # When he asks for a code (first sign-in) and chooses his password with it
    identity = {"ins": ADULT, "birth_date": "1980-01-01"}
    status, _, answer = call(deployed, "/accounts/code-requests", identity)
    assert status == 202 and "message" in answer
    code = last_code_to("marc.petit@example.org", "mot de passe")
    status, _, _ = call(
        deployed, "/accounts/password", {**identity, "code": code, "password": PASSWORD}
    )
    assert status == 204

    # Then he signs in with his INS and that password; the code was used once
    cognito, _, client = pool
    tokens = cognito.initiate_auth(
        ClientId=client,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": ADULT, "PASSWORD": PASSWORD},
    )["AuthenticationResult"]
    assert tokens["IdToken"]
    status, _, error = call(
        deployed, "/accounts/password", {**identity, "code": code, "password": "Autre-chose-2027"}
    )
    assert (status, error["code"]) == (400, "ACCOUNT_CODE_REFUSED")
    assert {"ACCOUNT_CODE_SENT", "PASSWORD_SET"} <= set(actions(ADULT))


def test_a_childs_space_opens_the_parents_account(deployed, imported, pool):
    code = last_code_to("marc.petit@example.org", "sera créé", about_child=True)
    status, _, _ = call(
        deployed, "/enrollment/activation", {"ins": CHILD, "birth_date": "2015-01-01", "code": code}
    )
    assert status == 200
    deliver_activations(deployed, CHILD)
    assert attributes(pool, ADULT)[0]["custom:ins"] == ADULT
    cognito, pool_id, _ = pool
    with pytest.raises(cognito.exceptions.UserNotFoundException):
        cognito.admin_get_user(UserPoolId=pool_id, Username=CHILD)


def test_a_letter_carries_the_code_of_someone_with_neither_email_nor_phone(
    deployed, imported, pool, s3, stack_env
):
    from healthspace.wiring.enrollment import enrollments

    enrollments().decide_for("op-1", LETTER, date(1945, 1, 1), Decision.ACTIVE)
    deliver_activations(deployed, LETTER)
    status, _, _ = call(
        deployed, "/accounts/code-requests", {"ins": LETTER, "birth_date": "1945-01-01"}
    )
    assert status == 202
    letters = s3.list_objects_v2(Bucket=stack_env["OPS_BUCKET"], Prefix="postal/")["Contents"]
    bodies = [
        s3.get_object(Bucket=stack_env["OPS_BUCKET"], Key=o["Key"])["Body"].read().decode()
        for o in letters
        if o["Key"].endswith(".csv")  # the batches, not a helpline letter's enclosed PDF
    ]
    assert any("account-code" in body and "mot de passe" in body for body in bodies)


def test_bad_requests_are_4xx_and_say_nothing_of_who_is_known(deployed, imported):
    identity = {"ins": make_ins("1990175999999"), "birth_date": "1999-01-01"}
    status, _, _ = call(deployed, "/accounts/code-requests", identity)
    assert status == 202
    status, _, error = call(deployed, "/accounts/code-requests", {"ins": ADULT})
    assert (status, error["code"]) == (400, "VALIDATION_ERROR")
    weak = {**identity, "code": "AAAA-BBBB-CCCC", "password": "short"}
    status, _, error = call(deployed, "/accounts/password", weak)
    assert (status, error["code"]) == (400, "WEAK_PASSWORD")
    status, _, error = call(deployed, "/accounts/password", {**weak, "password": PASSWORD})
    assert (status, error["code"]) == (400, "ACCOUNT_CODE_REFUSED")


def test_a_franceconnect_sign_in_finds_the_account_by_its_index_or_is_refused(
    deployed, imported, pool
):
    """The trigger on moto: the account's opening indexed Marc; the recorded event's identity
    (someone else) is looked up and refused, nothing created. (moto has no
    AdminLinkProviderForUser: the link itself is tested on the domain's fakes.)"""
    import json
    from pathlib import Path

    from healthspace.accounts.france_connect import key_of_enrollment
    from healthspace.wiring.accounts import accounts

    activate(deployed, ADULT, "1980-01-01", "marc.petit@example.org")
    deliver_activations(deployed, ADULT)
    service = accounts()
    marc = service.enrollments.get_enrollment(ADULT)
    assert service.identities.find_identity(key_of_enrollment(service.pepper, marc), 10) == [ADULT]
    event = json.loads(
        (Path(__file__).parents[1] / "unit/franceconnect/pre_sign_up_event.json").read_text()
    )
    event["userPoolId"] = os.environ["PATIENT_USER_POOL_ID"]
    cognito, pool_id, _ = pool
    before = cognito.list_users(UserPoolId=pool_id)["Users"]
    with pytest.raises(Exception, match="matches no single enrolled person"):
        deployed[1].invoke("PatientSignUpFunction", event)
    assert cognito.list_users(UserPoolId=pool_id)["Users"] == before
