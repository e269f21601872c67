"""A notification wave on the local stack, from the operators' file to the spaces it opens.

Black box: the operators' CLI in a subprocess (`healthspace --local URL import FILE`, `wave ID`),
the public enrollment routes and the operator routes over HTTP. The codes are read where people
find them, in what the stack sent (GET /local/outbox: moto's SES emails, SNS SMS, and the letters
of the operations bucket). Two things go around the API, as they do in real life: the error
report is an S3 object of the operations bucket (read with boto3 on moto, as an operator would
with the AWS CLI), and the patients' accounts are made in the patient pool by the identity
provider (boto3 on moto), so that each person can sign in and GET /me shows their final state.

The stack runs with a 25-second window (tests/e2e/conftest.py) and no demo wave, so that this
file makes today's wave.
"""

import csv
import io
import json
import re
import subprocess
import time
from dataclasses import dataclass
from datetime import UTC, datetime

import boto3
import httpx
import jwt
import pytest

from healthspace.kernel.identifiers import make_ins
from infra.local.demo.people import DEMO_ACCOUNTS, DEMO_OPERATOR
from tests.e2e.conftest import ENROLLMENT_WINDOW_SECONDS
from tests.e2e.stack_process import ROOT

pytestmark = pytest.mark.e2e

CLI = ROOT / "infra" / "bin" / "healthspace"
CODE = re.compile(r"\b[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}\b")
PASSWORD = "Journey-Patient-2026"


@dataclass(frozen=True)
class Person:
    ins: str
    birth_date: str
    given_name: str
    family_name: str
    email: str = ""
    mobile: str = ""
    address: tuple[str, str, str] = ("", "", "")
    representative: str = ""

    def row(self):
        line1, postal_code, city = self.address
        return [
            self.ins,
            self.birth_date,
            self.given_name,
            self.family_name,
            self.email,
            self.mobile,
            line1,
            postal_code,
            city,
            self.representative,
        ]

    @property
    def account(self):
        """Their sign-in name with the identity provider (not how they were notified)."""
        return f"{self.given_name.lower()}.{self.family_name.lower()}@journey.example.org"


# Everyone is reached by a different channel; Diane, a minor, through her mother Chloe.
ALICE = Person(make_ins("2850375111001"), "1985-03-02", "Alice", "Opposant", "alice@example.org")
BRUNO = Person(make_ins("1790769123002"), "1979-07-21", "Bruno", "Precoce", "bruno@example.org")
CHLOE = Person(make_ins("2880213055003"), "1988-02-11", "Chloe", "Silence", mobile="0612345678")
DIANE = Person(
    make_ins("2150213055004"), "2015-02-14", "Diane", "Silence", representative=CHLOE.ins
)
ETIENNE = Person(
    make_ins("1520233063005"),
    "1952-02-29",
    "Etienne",
    "Courrier",
    address=("3 rue des Lilas", "33000", "Bordeaux"),
)
# A mistyped key: the importer must report it, not drop it.
TYPO = Person(
    ALICE.ins[:13] + f"{(int(ALICE.ins[13:]) + 1) % 100:02d}",
    "1990-01-01",
    "Marc",
    "Coquille",
    "marc@example.org",
)
FILE = [ALICE, BRUNO, CHLOE, TYPO, DIANE, ETIENNE]
BAD_LINE = 1 + FILE.index(TYPO) + 1  # after the header


def test_a_wave_from_the_operators_file_to_every_space(http, local_stack, tmp_path):
    aws = aws_clients(http)
    population = tmp_path / "assures-2026-11.csv"
    write_csv(population, FILE)

    # The operator imports the file: five people notified, the bad line reported, not dropped.
    imported = cli(local_stack.url, "import", str(population))
    assert imported.returncode == 1, imported.stderr  # 1: the file had errors
    assert "6 lines: 5 notified, 0 already enrolled, 1 rejected (1 errors)" in imported.stdout
    assert f"line {BAD_LINE}, ins: INS key does not match its NIR" in imported.stdout
    bucket, report_key = re.search(r"error report: s3://([^/]+)/(\S+)", imported.stdout).groups()
    report = aws.s3.get_object(Bucket=bucket, Key=report_key)["Body"].read().decode()
    assert list(csv.reader(io.StringIO(report))) == [
        ["line", "field", "reason"],
        [str(BAD_LINE), "ins", "INS key does not match its NIR"],
    ]
    summary_key = report_key.removesuffix(".errors.csv") + ".json"
    summary = json.loads(aws.s3.get_object(Bucket=bucket, Key=summary_key)["Body"].read())
    assert (summary["name"], summary["lines"], summary["notified"]) == (population.name, 6, 5)
    assert (summary["rejected_lines"], summary["errors"]) == (1, 1)

    # Everyone got a code: by email, by SMS (Chloe, for herself and for Diane), by letter.
    alice_code, bruno_code = code_sent_to(http, ALICE.email), code_sent_to(http, BRUNO.email)
    to_chloe = outbox(http, "+33612345678")
    assert [m["channel"] for m in to_chloe] == ["sms", "sms"]
    (for_diane,) = [m["body"] for m in to_chloe if "Diane" in m["body"]]
    (chloe_code,) = [CODE.search(m["body"]).group(0) for m in to_chloe if "Diane" not in m["body"]]
    assert CODE.search(for_diane)
    letters = [m for m in outbox(http) if m["channel"] == "post"]
    assert any("COURRIER" in m["to"] and CODE.search(m["body"]) for m in letters)

    # Alice opposes, Bruno opens his space now; each gets a receipt.
    opposed = http.post("/enrollment/opposition", json=decision(ALICE, alice_code))
    assert opposed.status_code == 200, opposed.text
    assert opposed.json()["decision"] == "OPPOSED"
    proof = httpx.get(opposed.json()["receipt_url"], trust_env=False)
    assert proof.status_code == 200 and proof.content.startswith(b"%PDF")
    activated = http.post("/enrollment/activation", json=decision(BRUNO, bruno_code))
    assert activated.status_code == 200, activated.text
    assert activated.json()["decision"] == "ACTIVE"
    # A code serves once: Alice cannot change her mind with it, nor Bruno reuse his.
    assert http.post("/enrollment/activation", json=decision(ALICE, alice_code)).status_code == 400
    assert http.post("/enrollment/opposition", json=decision(BRUNO, bruno_code)).status_code == 400

    # The helpline sees the wave waiting for its deadline.
    operator = operator_auth(http)
    waves = http.get("/operator/waves", headers=operator)
    assert waves.status_code == 200, waves.text
    wave_id = waves.json()["items"][0]["wave_id"]
    assert wave_id == f"W{datetime.now(UTC):%Y%m%d}"
    before = http.get(f"/operator/waves/{wave_id}", headers=operator).json()
    assert before["status"] == "WAITING", before
    assert figures(before) == (5, 1, 1, 0, 0)
    # Bruno's space is open already.
    bruno = patient_auth(http, aws, BRUNO)
    assert http.get("/me", headers=bruno).json()["space"]["status"] == "ACTIVE"

    # When the deadline passes, the timer opens the space of everyone who said nothing.
    deadline = datetime.fromisoformat(before["deadline"])
    assert 0 < (deadline - datetime.now(UTC)).total_seconds() <= ENROLLMENT_WINDOW_SECONDS
    after = wait_for_done(http, operator, wave_id, deadline)
    assert figures(after) == (5, 1, 1, 3, 0)
    assert after["opposition_rate"] == 0.2

    # Every person's final state, as each sees it once signed in.
    nothing = http.get("/me", headers=patient_auth(http, aws, ALICE))  # opposed: no space
    assert nothing.status_code == 404 and nothing.json()["code"] == "NOT_FOUND", nothing.text
    for person in (BRUNO, CHLOE, ETIENNE):
        space = me(http, aws, person)["space"]
        assert space["status"] == "ACTIVE", (person, space)
        assert space["holder"]["given_name"] == person.given_name
        assert space["role"] == "HOLDER"
    # Diane's space is open, and her mother holds it as her legal representative.
    (child,) = me(http, aws, CHLOE)["represented"]
    assert child["holder"]["given_name"] == DIANE.given_name
    assert (child["status"], child["role"]) == ("ACTIVE", "LEGAL_REPRESENTATIVE")
    # Too late to oppose with the code now.
    late = http.post("/enrollment/opposition", json=decision(CHLOE, chloe_code))
    assert late.status_code == 400 and late.json()["code"] == "CODE_REFUSED"

    # The operators' CLI shows the same figures.
    shown = cli(local_stack.url, "wave", wave_id)
    assert shown.returncode == 0, shown.stderr
    assert re.search(
        rf"{wave_id}\s+DONE .* notified\s+5\s+opposed\s+1 \(20\.00%\)\s+early\s+1\s+"
        r"activated\s+3\s+failed 0\s+never told 0",
        shown.stdout,
    ), shown.stdout
    listed = cli(local_stack.url, "waves")
    assert listed.returncode == 0 and shown.stdout.strip() in listed.stdout


def test_operator_routes_refuse_a_patient_token(http):
    patient = DEMO_ACCOUNTS[0]
    token = login(http, patient.username, patient.password)["id_token"]
    answer = http.get("/operator/waves", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 401  # another pool's token: the operators' authorizer refuses


def test_the_operator_login_goes_through_mfa(http):
    wrong = http.post(
        "/local/login",
        json={
            "username": DEMO_OPERATOR.username,
            "password": DEMO_OPERATOR.password,
            "pool": "operators",
            "mfa_code": "000000",
        },
    )
    assert wrong.status_code == 401  # moto checks the TOTP code the pool requires
    claims = jwt_claims(login(http, pool="operators")["id_token"])
    assert claims["cognito:groups"] == ["helpline"]


# ----------------------------------------------------------------------------------- helpers
@dataclass(frozen=True)
class Aws:
    s3: object
    cognito: object
    patient_pool: str


def aws_clients(http):
    """boto3 on the stack's moto, as /local/env describes it (what `--local` gives the CLI)."""
    env = http.get("/local/env").json()
    session = boto3.session.Session(
        aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
        region_name=env["AWS_REGION"],
    )
    endpoint = env["AWS_ENDPOINT_URL"]
    return Aws(
        s3=session.client("s3", endpoint_url=endpoint),
        cognito=session.client("cognito-idp", endpoint_url=endpoint),
        patient_pool=http.get("/local/config.json").json()["userPoolId"],
    )


def cli(url, *args):
    return subprocess.run(  # noqa: S603 (our own CLI, our arguments)
        [str(CLI), "--local", url, *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        check=False,
    )


def write_csv(path, people):
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(
            [
                "ins",
                "birth_date",
                "given_name",
                "family_name",
                "email",
                "mobile",
                "address_line1",
                "postal_code",
                "city",
                "representative_ins",
            ]
        )
        writer.writerows(person.row() for person in people)


def outbox(http, to=None):
    answer = http.get("/local/outbox", params={"to": to} if to else None)
    assert answer.status_code == 200, answer.text
    return answer.json()["items"]


def code_sent_to(http, address):
    (message,) = outbox(http, address)
    return CODE.search(message["body"]).group(0)


def decision(person, code):
    return {"ins": person.ins, "birth_date": person.birth_date, "code": code}


def figures(wave):
    keys = ("notified", "opposed", "activated_early", "activated", "failed")
    return tuple(wave[k] for k in keys)


def login(http, username=DEMO_OPERATOR.username, password=DEMO_OPERATOR.password, pool=None):
    body = {"username": username, "password": password, **({"pool": pool} if pool else {})}
    answer = http.post("/local/login", json=body)
    assert answer.status_code == 200, answer.text
    return answer.json()


def operator_auth(http):
    return {"Authorization": f"Bearer {login(http, pool='operators')['id_token']}"}


def patient_auth(http, aws, person):
    """The person's account with the identity provider (made on first use), signed in."""
    try:
        aws.cognito.admin_create_user(
            UserPoolId=aws.patient_pool,
            Username=person.account,
            MessageAction="SUPPRESS",
            UserAttributes=[
                {"Name": "email", "Value": person.account},
                {"Name": "given_name", "Value": person.given_name},
                {"Name": "family_name", "Value": person.family_name},
                {"Name": "custom:ins", "Value": person.ins},
            ],
        )
        aws.cognito.admin_set_user_password(
            UserPoolId=aws.patient_pool, Username=person.account, Password=PASSWORD, Permanent=True
        )
    except aws.cognito.exceptions.UsernameExistsException:
        pass
    return {"Authorization": f"Bearer {login(http, person.account, PASSWORD)['id_token']}"}


def me(http, aws, person):
    answer = http.get("/me", headers=patient_auth(http, aws, person))
    assert answer.status_code == 200, answer.text
    return answer.json()


def wait_for_done(http, operator, wave_id, deadline, after_deadline=60):
    """The wave once its timer finished (polls; the timer starts at the deadline)."""
    give_up = deadline.timestamp() + after_deadline
    while time.time() < give_up:
        wave = http.get(f"/operator/waves/{wave_id}", headers=operator).json()
        if wave["status"] == "DONE":
            return wave
        time.sleep(0.5)
    raise AssertionError(f"{wave_id} not done {after_deadline}s after its deadline: {wave}")


def jwt_claims(token):
    return jwt.decode(token, options={"verify_signature": False})
