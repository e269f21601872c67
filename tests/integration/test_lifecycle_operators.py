"""A space's life in operators' hands on the deployed template (moto): the helpline closes or
deletes a caller's space (the receipt in the mail house's batch) and posts its summary or its
file (a printed PDF enclosed in the batch), an operator suspends and lifts a space
(one execution per suspension), the death registry's file dropped in the operations bucket
closes spaces, and the CLI does the same through the same use cases."""

from datetime import UTC, date, datetime, timedelta

import boto3
import pytest

from healthspace.enrollment.messages import french_date
from healthspace.enrollment.model import Contact, Enrollment, EnrollmentStatus, PostalAddress
from infra.local.sample_events import api_event, api_result

OPERATOR = {"sub": "operator-9", "cognito:groups": "helpline", "token_use": "id"}
BORN = date(1985, 6, 1)


def operator(deployed, path, body, claims=OPERATOR):
    event = api_event("POST", path, claims, body, resource="/operator/{proxy+}")
    return api_result(deployed[1].invoke("EnrollmentFunction", event))


@pytest.fixture
def caller(person):
    """A holder with a space and an enrollment whose contact has a postal address."""
    from healthspace.wiring.enrollment import enrollments

    someone = person("Paule")
    at = datetime(2026, 10, 20, tzinfo=UTC)
    address = PostalAddress(lines=("1 rue de la Paix",), postal_code="75002", city="Paris")
    enrollment = Enrollment(
        ins=someone.ins,
        birth_date=BORN,
        given_name="Paule",
        family_name="Martin",
        wave_id="W20261020",
        deadline=at + timedelta(weeks=6),
        status=EnrollmentStatus.ACTIVE,
        recipient=Contact(email="paule@example.org", address=address),
        code_digest="d",
        code_issued_at=at,
        created_at=at,
        space_id=someone.space_id,
    )
    desk = enrollments()
    log = desk.store  # the log entry's shape is enrollment's own
    from healthspace.enrollment.activation import log_entry

    assert log.create_enrollment(
        enrollment, log_entry(desk.clock, desk.ids, someone.ins, "NOTIFIED", "import")
    )
    return someone


def identity(who, **more):
    return {"ins": who.ins, "birth_date": BORN.isoformat(), **more}


def letters(s3, stack_env):
    """The mail house's batches, each by its key (not in writing order: keys sort by wave)."""
    bucket = stack_env["OPS_BUCKET"]
    listed = s3.list_objects_v2(Bucket=bucket, Prefix="postal/").get("Contents", [])
    keys = [o["Key"] for o in listed if o["Key"].endswith(".csv")]  # not the enclosures
    return {k: s3.get_object(Bucket=bucket, Key=k)["Body"].read().decode() for k in keys}


def new_batch(before, s3, stack_env):
    """The one batch written since `before` (a letters() answer)."""
    [batch] = [body for key, body in letters(s3, stack_env).items() if key not in before]
    return batch


def test_the_helpline_closes_a_callers_space_and_posts_the_receipt(
    deployed, caller, api, s3, stack_env
):
    before = letters(s3, stack_env)
    act = identity(caller, action="CLOSE", identity_checked=True, checks=["POSTAL_ADDRESS"])
    status, _, closed = operator(deployed, "/operator/helpline/acts", act)

    assert status == 200, closed
    assert (closed["status"], closed["reason"], closed["receipt"]) == ("CLOSED", "REQUEST", "post")
    assert "closed_by" not in closed
    batch = new_batch(before, s3, stack_env)
    assert "closure-receipt" in batch and "par téléphone" in batch
    status, _, refused = api("GET", "/me/documents", caller)
    assert (status, refused["code"]) == (403, "SPACE_CLOSED")
    # Again: the closure answered, no second letter
    status, _, again = operator(deployed, "/operator/helpline/acts", act)
    assert (status, again["closed_at"], again["receipt"]) == (200, closed["closed_at"], None)
    assert len(letters(s3, stack_env)) == len(before) + 1


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"identity_checked": False}, (403, "FORBIDDEN")),
        ({"checks": []}, (400, "VALIDATION_ERROR")),
        ({"birth_date": "1985-06-02"}, (404, "NOT_FOUND")),
        ({"action": "ARCHIVE"}, (400, "VALIDATION_ERROR")),
    ],
)
def test_the_helpline_refuses_what_it_cannot_do_and_changes_nothing(
    deployed, caller, api, change, expected
):
    act = identity(caller, action="CLOSE", identity_checked=True, checks=["CALLBACK"])
    status, _, refused = operator(deployed, "/operator/helpline/acts", {**act, **change})
    assert (status, refused["code"]) == expected
    assert api("GET", "/me/documents", caller)[0] == 200


def test_the_helpline_deletes_a_callers_space_and_posts_the_receipt(
    deployed, caller, api, s3, stack_env
):
    before = letters(s3, stack_env)
    act = identity(caller, action="DELETE", identity_checked=True, checks=["IDENTITY_QUESTIONS"])
    status, _, deleting = operator(deployed, "/operator/helpline/acts", act)

    assert status == 200, deleting
    assert (deleting["status"], deleting["receipt"]) == ("DELETING", "post")
    gone = datetime.fromisoformat(deleting["last_copy_gone_by"])
    assert gone - datetime.fromisoformat(deleting["requested_at"]) == timedelta(days=36)
    batch = new_batch(before, s3, stack_env)
    assert "deletion-receipt" in batch
    # The letter says the day in Paris (after 23:00 UTC, already the next day there)
    assert french_date(gone) in batch and "par téléphone" in batch
    # The crypto-shred happened: DELETING, the wrapped key gone; the holder sees the deletion
    from tests.integration.test_deletion import space_body

    body = space_body(caller.space_id)
    assert body["status"] == "DELETING" and not body.get("wrapped_key")
    status, _, seen = api("GET", "/me/deletion", caller)
    assert (status, seen["requested_by"]) == (200, "SYSTEM")
    # Again: the deletion under way answered, no second letter
    status, _, again = operator(deployed, "/operator/helpline/acts", act)
    assert (status, again["status"], again["receipt"]) == (200, "DELETING", None)
    assert len(letters(s3, stack_env)) == len(before) + 1


def test_the_helpline_posts_the_summary_and_the_file_printed_in_the_mail_houses_batch(
    deployed, caller, api, s3, stack_env, caplog
):
    from tests.integration.test_records_api import upload_pdf
    from tests.unit.test_helpline import pdf_text

    allergy = {"substance": "Arachide", "category": "food", "criticality": "high"}
    assert api("POST", "/me/profile/allergies", caller, body=allergy)[0] == 201
    upload_pdf(api, caller, s3, title="Bilan thyroidien")
    bucket = stack_env["OPS_BUCKET"]
    for action, kind, found in (
        ("SEND_SUMMARY", "summary-by-post", "Arachide"),
        ("SEND_FILE", "file-by-post", "Bilan thyroidien"),
    ):
        act = identity(caller, action=action, identity_checked=True, checks=["CALLBACK"])
        status, _, sent = operator(deployed, "/operator/helpline/acts", act)
        assert status == 200, sent
        assert (sent["status"], sent["receipt"]) == ("ACTIVE", "post")
        key = f"postal/W20261020/enclosures/{sent['letter_id']}.pdf"
        enclosed = s3.get_object(Bucket=bucket, Key=key)
        assert enclosed["ServerSideEncryption"] == "aws:kms"
        assert found in pdf_text(enclosed["Body"].read())
        [batch] = [b for b in letters(s3, stack_env).values() if sent["letter_id"] in b]
        assert kind in batch and key in batch and found not in batch
    log = api("GET", "/me/access-log", caller)[2]["items"]
    posted = [
        (e["action"], e["object"]["type"]) for e in log if e["actor"]["id"] == "operator:operator-9"
    ]
    assert sorted(posted) == [("DOWNLOAD", "export/post"), ("DOWNLOAD", "summary")]
    # The functions' logs name the letters, never what they hold nor whom they go to
    logged = "\n".join(str(vars(record)) for record in caplog.records)
    assert "summary-by-post" in logged and "file-by-post" in logged
    for secret in ("Arachide", "Bilan thyroidien", caller.ins, "rue de la Paix"):
        assert secret not in logged


def test_nothing_goes_by_post_without_an_address_on_file(deployed, person):
    nobody = person("Sans")  # a space opened without enrollment: no address
    for action in ("SEND_SUMMARY", "SEND_FILE"):
        act = identity(nobody, action=action, identity_checked=True, checks=["CALLBACK"])
        status, _, refused = operator(deployed, "/operator/helpline/acts", act)
        assert (status, refused["code"]) == (409, "CONFLICT"), refused


def test_operators_outside_the_helpline_group_are_refused(deployed, caller):
    others = {**OPERATOR, "cognito:groups": "partner-admins"}
    act = identity(caller, action="SEND_SUMMARY", identity_checked=True, checks=["CALLBACK"])
    for path, body in (
        ("/operator/suspensions", identity(caller, reason="IDENTITY_FRAUD")),
        ("/operator/suspensions/lifting", identity(caller)),
        ("/operator/helpline/acts", act),
    ):
        status, _, refused = operator(deployed, path, body, claims=others)
        assert (status, refused["code"]) == (403, "FORBIDDEN")


def test_an_operator_suspends_a_space_then_lifts_the_suspension(deployed, caller, api):
    status, _, suspended = operator(
        deployed, "/operator/suspensions", identity(caller, reason="IDENTITY_FRAUD")
    )
    assert (status, suspended["status"]) == (200, "SUSPENDED")
    status, _, refused = api("GET", "/me/documents", caller)
    assert (status, refused["code"]) == (403, "SPACE_SUSPENDED")
    status, _, me = api("GET", "/me", caller)
    assert (status, me["space"]["status"]) == (200, "SUSPENDED")
    # One execution, named after the space and the version the suspension left it at
    sfn = boto3.client("stepfunctions")
    [machine] = [
        m["stateMachineArn"]
        for m in sfn.list_state_machines()["stateMachines"]
        if m["name"].endswith("-suspension")
    ]
    names = [e["name"] for e in sfn.list_executions(stateMachineArn=machine)["executions"]]
    assert [n for n in names if n.startswith(caller.space_id)] == [f"{caller.space_id}-2"]

    status, _, lifted = operator(deployed, "/operator/suspensions/lifting", identity(caller))
    assert (status, lifted["status"]) == (200, "ACTIVE")
    assert api("GET", "/me/documents", caller)[0] == 200


def test_the_death_registrys_file_closes_the_spaces_it_names(deployed, person, api, s3, stack_env):
    died, other = person("Jean"), person("Marc")
    bucket = stack_env["OPS_BUCKET"]
    body = "\n".join(
        [
            "ins,birth_date,death_date",
            f"{died.ins},1985-06-01,2026-11-01",
            f"{other.ins},1990-01-01,2026-11-01",  # not his birth date
        ]
    )
    s3.put_object(Bucket=bucket, Key="deaths/2026-11-02.csv", Body=body.encode())

    status, _, refused = api("GET", "/me/documents", died)
    assert (status, refused["code"]) == (403, "SPACE_CLOSED")
    status, _, closure = api("GET", "/me/closure", died)
    assert (closure["reason"], closure["closed_by"]) == ("DEATH", {"role": "SYSTEM"})
    assert api("GET", "/me/documents", other)[0] == 200
    listed = s3.list_objects_v2(Bucket=bucket, Prefix="reports/")["Contents"]
    reports = [
        s3.get_object(Bucket=bucket, Key=o["Key"])["Body"].read().decode()
        for o in listed
        if o["Key"].endswith(".errors.csv")
    ]
    [report] = [r for r in reports if "birth_date" in r]
    assert "3,birth_date," in report and other.ins not in report


def test_the_cli_suspends_lifts_acts_for_a_caller_and_imports_deaths(
    deployed, caller, person, api, tmp_path, capsys
):
    from infra.cli.__main__ import main

    who = ["--ins", caller.ins, "--birth-date", BORN.isoformat()]
    assert main(["suspension", "--operator", "op-cli", "suspend", *who]) == 0
    assert api("GET", "/me/documents", caller)[2]["code"] == "SPACE_SUSPENDED"
    assert main(["suspension", "--operator", "op-cli", "lift", *who]) == 0
    helpline = ["helpline", "--operator", "op-cli"]
    assert main([*helpline, "send-summary", *who, "--checked", "POSTAL_ADDRESS"]) == 0
    assert '"receipt": "post"' in capsys.readouterr().out
    assert main([*helpline, "close", *who, "--checked", "CALLBACK"]) == 0
    assert '"status": "CLOSED"' in capsys.readouterr().out
    assert main(["suspension", "lift", *who]) == 1  # closed: a message, not a traceback
    assert "CONFLICT" in capsys.readouterr().err
    assert main([*helpline, "send-file", *who, "--checked", "CALLBACK"]) == 1  # closed
    assert "CONFLICT" in capsys.readouterr().err
    assert main([*helpline, "delete", *who, "--checked", "CALLBACK"]) == 0
    assert '"status": "DELETING"' in capsys.readouterr().out

    died = person("Luc")
    deaths = tmp_path / "deaths.csv"
    deaths.write_text(f"ins,birth_date,death_date\n{died.ins},1985-06-01,2026-11-01\n")
    assert main(["deaths", "import", str(deaths)]) == 0
    assert "1 spaces closed" in capsys.readouterr().out
    assert main(["deaths", "import", str(deaths)]) == 0
    assert "0 spaces closed, 1 already closed" in capsys.readouterr().out
