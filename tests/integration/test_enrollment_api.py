"""Enrollment through the real functions on moto: an operator drops a population file in the
operations bucket, the import function notifies by email (SES), the person opposes or activates
with the code from their email, the helpline decides for a caller."""

import json
import os
import re
from datetime import date

import boto3
import pytest
from moto.core import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends

from healthspace.enrollment.model import EnrollmentStatus
from healthspace.kernel.identifiers import make_ins
from infra.local.sample_events import api_event, api_result

ADULT = make_ins("1800175123401")
OTHER = make_ins("2810175123402")
CHILD = make_ins("2150175123403")
FILE = f"""ins,birth_date,given_name,family_name,email,representative_ins
{ADULT},1980-01-01,Marc,Petit,marc.petit@example.org,
{OTHER},1981-01-01,Anne,Petit,anne.petit@example.org,
{CHILD},2015-01-01,Zoé,Petit,,{ADULT}
{make_ins("1800175123499")[:-2]}00,1980-01-01,Bad,Key,bad@example.org,
"""


@pytest.fixture
def imported(deployed, stack_env, s3):
    """The file dropped under imports/: S3 notifies the import function (in-process)."""
    s3.put_object(Bucket=stack_env["OPS_BUCKET"], Key="imports/petit.csv", Body=FILE.encode())
    return stack_env["OPS_BUCKET"]


def code_sent_to(address, about_child=False):
    """The code in the last email moto's SES sent to that address: about the child Zoé (her
    parent receives her code too), or not."""
    sent = [
        m
        for m in ses_backends[DEFAULT_ACCOUNT_ID]["eu-west-3"].sent_messages
        if address in m.destinations["ToAddresses"] and ("Zoé" in m.body) == about_child
    ]
    assert sent, f"no email to {address}"
    return re.search(r"\b[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}\b", sent[-1].body).group(0)


def call(deployed, method, path, body=None, claims=None, resource=None):
    event = api_event(method, path, claims, body, resource=resource or path)
    return api_result(deployed[1].invoke("EnrollmentFunction", event))


def enrollment(ins):
    from healthspace.wiring.enrollment import enrollments

    return enrollments().store.get_enrollment(ins)


def test_the_import_notifies_the_good_lines_and_reports_the_bad(imported, s3):
    reports = s3.list_objects_v2(Bucket=imported, Prefix="reports/")["Contents"]
    # the population import's report (other imports, the directory's, report beside it)
    ours = [o["Key"] for o in reports if re.fullmatch(r"reports/[0-9A-Z]+\.errors\.csv", o["Key"])]
    [report] = ours
    lines = s3.get_object(Bucket=imported, Key=report)["Body"].read().decode().splitlines()
    assert lines[0] == "line,field,reason" and lines[1].startswith("5,ins,")
    assert enrollment(ADULT).status is EnrollmentStatus.PENDING
    assert enrollment(CHILD).recipient.email == "marc.petit@example.org"  # the parent
    assert code_sent_to("anne.petit@example.org")


def test_a_file_too_big_for_one_invocation_is_refused_whole(deployed, stack_env, s3, monkeypatch):
    from functions.population import app

    monkeypatch.setattr(app, "MAX_LINES_PER_FILE", 3)
    bucket = stack_env["OPS_BUCKET"]
    s3.put_object(Bucket=bucket, Key="imports/too-big.csv", Body=FILE.encode())  # four records

    [summary] = [
        summary
        for o in s3.list_objects_v2(Bucket=bucket, Prefix="reports/")["Contents"]
        if o["Key"].endswith(".json")
        and (summary := json.load(s3.get_object(Bucket=bucket, Key=o["Key"])["Body"]))["name"]
        == "imports/too-big.csv"
    ]
    assert (summary["notified"], summary["errors"]) == (0, 1)
    report = s3.get_object(Bucket=bucket, Key=summary["report_key"])["Body"].read().decode()
    lines = report.splitlines()
    assert lines[1].startswith('5,file,"more than 3 records')
    assert "healthspace import" in lines[1]
    assert all(enrollment(ins) is None for ins in (ADULT, OTHER, CHILD))  # nobody notified


def test_opposing_with_the_emailed_code(deployed, imported, s3):
    status, _, receipt = call(
        deployed,
        "POST",
        "/enrollment/opposition",
        {"ins": OTHER, "birth_date": "1981-01-01", "code": code_sent_to("anne.petit@example.org")},
    )
    assert status == 200, receipt
    assert receipt["decision"] == "OPPOSED" and receipt["receipt_url"]
    key = f"receipts/{receipt['receipt_id']}.pdf"
    assert s3.get_object(Bucket=imported, Key=key)["Body"].read().startswith(b"%PDF")
    assert enrollment(OTHER).status is EnrollmentStatus.OPPOSED


def test_activating_early_opens_the_space(deployed, imported):
    status, _, receipt = call(
        deployed,
        "POST",
        "/enrollment/activation",
        {"ins": ADULT, "birth_date": "1980-01-01", "code": code_sent_to("marc.petit@example.org")},
    )
    assert status == 200, receipt
    assert receipt["decision"] == "ACTIVE"
    space_id = enrollment(ADULT).space_id
    from healthspace.wiring.records import medical_file

    assert medical_file().store.get_person(ADULT).spaces == {space_id: "HOLDER"}


def test_wrong_details_get_one_answer_and_five_lock_the_code(deployed, imported):
    wrong = {"ins": OTHER, "birth_date": "1981-01-01", "code": "AAAA-AAAA-AAAA"}
    for _ in range(5):
        status, _, error = call(deployed, "POST", "/enrollment/opposition", wrong)
        assert (status, error["code"]) == (400, "CODE_REFUSED")
    right = {**wrong, "code": code_sent_to("anne.petit@example.org")}
    assert call(deployed, "POST", "/enrollment/opposition", right)[2]["code"] == "CODE_REFUSED"
    assert enrollment(OTHER).status is EnrollmentStatus.PENDING


def test_anyone_reads_how_long_a_code_is_valid_and_the_helpline(deployed):
    status, _, facts = call(deployed, "GET", "/enrollment/help", None)
    assert status == 200
    assert facts == {
        "window_days": 42,
        "window_seconds": 42 * 24 * 3600,
        "helpline_phone": os.environ["HELPLINE_PHONE"],
    }


def test_malformed_requests_are_4xx(deployed, imported):
    status, _, error = call(deployed, "POST", "/enrollment/opposition", {"ins": OTHER})
    assert (status, error["code"]) == (400, "VALIDATION_ERROR")
    status, _, answer = call(
        deployed,
        "POST",
        "/enrollment/code-requests",
        {"ins": OTHER, "birth_date": "1981-01-01", "second_factor": "0000"},
    )
    assert status == 202 and "message" in answer  # says nothing of whether it matched


def test_a_code_request_answers_the_same_receipt_whatever_matched(deployed, imported, s3):
    """Anne's details with her postcode's wrong value and with an unknown INS: the same answer
    and receipt as for a request that matches, but for the reference and the moment."""
    from tests.unit.test_helpline import pdf_text

    asked = [
        {"ins": OTHER, "birth_date": "1981-01-01", "second_factor": "0000", "language": "en"},
        {"ins": make_ins("1990175123409"), "birth_date": "1990-01-01", "second_factor": "75001"},
    ]
    answers = []
    for body in asked:
        status, _, answer = call(deployed, "POST", "/enrollment/code-requests", body)
        assert status == 202, answer
        assert set(answer) == {"message", "request_id", "received_at", "language", "receipt_url"}
        key = f"receipts/code-requests/{answer['request_id']}.pdf"
        assert key in answer["receipt_url"]
        pdf = s3.get_object(Bucket=imported, Key=key)["Body"].read()
        assert answer["request_id"] in pdf_text(pdf)
        answers.append((answer, pdf_text(pdf)))
    (english, text_en), (french, text_fr) = answers
    assert (english["language"], french["language"]) == ("en", "fr")
    assert "Request received on" in text_en and "Demande reçue le" in text_fr
    assert os.environ["HELPLINE_PHONE"] in text_en


def test_a_valid_code_reads_its_deadline_a_wrong_one_is_refused(deployed, imported):
    code = code_sent_to("anne.petit@example.org")
    body = {"ins": OTHER, "birth_date": "1981-01-01", "code": code}
    status, _, answer = call(deployed, "POST", "/enrollment/code-checks", body)
    assert status == 200, answer
    assert answer == {"deadline": enrollment(OTHER).deadline.isoformat().replace("+00:00", "Z")}
    status, _, error = call(
        deployed, "POST", "/enrollment/code-checks", {**body, "code": "AAAA-AAAA-AAAA"}
    )
    assert (status, error["code"]) == (400, "CODE_REFUSED")
    assert enrollment(OTHER).status is EnrollmentStatus.PENDING  # a check decides nothing


OPERATOR = {"sub": "operator-7", "cognito:groups": "helpline", "token_use": "id"}


def test_the_helpline_records_a_decision_for_a_caller(deployed, imported):
    status, _, receipt = call(
        deployed,
        "POST",
        "/operator/enrollment/decisions",
        {"ins": OTHER, "birth_date": "1981-01-01", "decision": "OPPOSED", "identity_checked": True},
        claims=OPERATOR,
        resource="/operator/{proxy+}",
    )
    assert status == 200, receipt
    assert enrollment(OTHER).decided_by == "operator:operator-7"
    status, _, waves = call(
        deployed, "GET", "/operator/waves", claims=OPERATOR, resource="/operator/{proxy+}"
    )
    [wave] = waves["items"]
    assert wave["notified"] == 3 and wave["opposed"] == 1


def test_operator_routes_need_the_helpline_group(deployed, imported):
    status, _, error = call(
        deployed,
        "GET",
        "/operator/waves",
        claims={**OPERATOR, "cognito:groups": "readers"},
        resource="/operator/{proxy+}",
    )
    assert (status, error["code"]) == (403, "FORBIDDEN")


def test_the_wave_timer_was_started_for_the_day(deployed, imported):
    from healthspace.enrollment.enrollments import wave_id_for

    sfn = boto3.client("stepfunctions")
    machine = [m for m in sfn.list_state_machines()["stateMachines"] if m["name"].endswith("-wave")]
    executions = sfn.list_executions(stateMachineArn=machine[0]["stateMachineArn"])["executions"]
    assert wave_id_for(date.today()) in [e["name"] for e in executions]


def test_someone_who_opposed_signs_in_and_asks_for_a_space(deployed, imported):
    code = code_sent_to("anne.petit@example.org")
    call(
        deployed,
        "POST",
        "/enrollment/opposition",
        {"ins": OTHER, "birth_date": "1981-01-01", "code": code},
    )
    anne = {"sub": "anne-sub", "custom:ins": OTHER, "given_name": "Anne", "token_use": "id"}
    status, _, receipt = call(deployed, "POST", "/enrollment/space-requests", claims=anne)
    assert status == 200, receipt
    assert enrollment(OTHER).status is EnrollmentStatus.ACTIVE
    status, _, error = call(deployed, "POST", "/enrollment/space-requests", claims=anne)
    assert (status, error["code"]) == (409, "CONFLICT")


def test_the_waves_list_is_paged_newest_first(deployed):
    """However many waves there have been, the helpline reads them a page at a time."""
    from datetime import UTC, datetime, timedelta

    from healthspace.enrollment.model import Wave
    from healthspace.wiring.enrollment import enrollments

    store = enrollments().store
    start = datetime(2030, 1, 1, tzinfo=UTC)
    made = [f"W2030010{day}-1" for day in range(1, 6)]
    for day, wave_id in enumerate(made):
        created = start + timedelta(days=day)
        store.create_wave(Wave(wave_id=wave_id, created_at=created, deadline=created))

    def page(query: dict[str, str]) -> tuple:
        event = api_event("GET", "/operator/waves", OPERATOR, query=query)
        event["resource"] = "/operator/{proxy+}"
        return api_result(deployed[1].invoke("EnrollmentFunction", event))

    seen, cursor = [], None
    while True:
        status, _, answer = page({"limit": "2", **({"cursor": cursor} if cursor else {})})
        assert status == 200, answer
        seen += [wave["wave_id"] for wave in answer["items"]]
        if not answer["next_cursor"]:
            break
        cursor = answer["next_cursor"]
    assert seen == made[::-1]
    status, _, refused = page({"cursor": "not-a-cursor"})
    assert (status, refused["code"]) == (400, "BAD_REQUEST")
