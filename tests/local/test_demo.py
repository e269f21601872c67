"""Demo data: accounts with valid INS (Corsica included) and passwords the pools accept; the
demo professionals and their places in the demo patient's care record; the demo wave's
population file; and, on the stack in this process, the professionals at work through the /pro
API and a small demo wave."""

import io
import re
import time
from collections.abc import Iterator
from datetime import date

import boto3
import httpx
import pytest

from healthspace import wiring
from healthspace.care.matrices import Profession
from healthspace.enrollment.population import validate_population
from healthspace.enrollment.population_files import read_population
from healthspace.kernel.identifiers import parse_ins, parse_rpps
from infra.local.__main__ import wave_banner
from infra.local.demo.people import (
    DEMO_ACCOUNTS,
    DEMO_OPERATOR,
    DEMO_PROFESSIONALS,
    PHARMACIST,
    PROFESSIONALS_POOL,
    STRANGER_DOCTOR,
    TREATING_DOCTOR,
    DemoProfessional,
)
from infra.local.demo.population import DEMO_WAVE_SIZE, demo_population
from infra.local.demo.users import seed_operator
from infra.local.demo.wave import PILOT_OPPOSITION_RATE, run_demo_wave
from infra.local.stack import LocalStack
from infra.local.template import ACCOUNT_ID, REGION, load_template


def people():
    for account in DEMO_ACCOUNTS:
        yield account.person
        yield from account.represents


def test_every_demo_person_has_a_valid_ins() -> None:
    for person in people():
        assert len(person.ins) == 15
        assert parse_ins(person.ins) == person.ins, person  # InvalidIdentifier if not


def test_the_demo_covers_corsica_and_a_represented_child() -> None:
    assert any(p.nir[5:7] in ("2A", "2B") for p in people())
    assert any(account.represents for account in DEMO_ACCOUNTS)


def test_demo_passwords_satisfy_the_patient_pool_policy() -> None:
    policy = load_template().resources["PatientUserPool"].properties["Policies"]["PasswordPolicy"]
    for account in DEMO_ACCOUNTS:
        password = account.password
        assert len(password) >= policy["MinimumLength"]
        assert not policy["RequireLowercase"] or re.search("[a-z]", password)
        assert not policy["RequireUppercase"] or re.search("[A-Z]", password)
        assert not policy["RequireNumbers"] or re.search("[0-9]", password)


def test_the_operator_password_satisfies_the_operators_pool_policy() -> None:
    pool = load_template().resources["OperatorUserPool"].properties
    policy = pool["Policies"]["PasswordPolicy"]
    password = DEMO_OPERATOR.password
    assert len(password) >= policy["MinimumLength"]
    assert re.search("[a-z]", password) and re.search("[A-Z]", password)
    assert re.search("[0-9]", password) and re.search(r"[^A-Za-z0-9]", password)
    assert pool["MfaConfiguration"] == "ON"  # the local login must answer the challenge


def test_the_demo_professionals_carry_the_claims_the_pro_api_accepts() -> None:
    pool = load_template().resources["ProfessionalUserPool"].properties
    policy = pool["Policies"]["PasswordPolicy"]
    assert {a["Name"] for a in pool["Schema"]} >= {"rpps", "profession"}  # custom:rpps...
    assert pool["MfaConfiguration"] == "ON"  # the local login must answer the challenge
    for professional in DEMO_PROFESSIONALS:
        assert parse_rpps(professional.rpps) == professional.rpps
        assert Profession.from_claim(professional.profession.value) is professional.profession
        password = professional.password
        assert len(password) >= policy["MinimumLength"]
        assert re.search("[a-z]", password) and re.search("[A-Z]", password)
        assert re.search("[0-9]", password) and re.search(r"[^A-Za-z0-9]", password)
    assert len({p.rpps for p in DEMO_PROFESSIONALS}) == len(DEMO_PROFESSIONALS)


def test_the_demo_patient_names_a_doctor_and_a_pharmacist_but_not_the_stranger() -> None:
    patient = DEMO_ACCOUNTS[0]
    assert patient.treating_doctor == TREATING_DOCTOR
    assert TREATING_DOCTOR.profession is Profession.MEDECIN
    assert [member for member, _ in patient.care_team] == [PHARMACIST]
    named = {p.rpps for a in DEMO_ACCOUNTS for p in (a.treating_doctor, *dict(a.care_team)) if p}
    assert STRANGER_DOCTOR.rpps not in named and STRANGER_DOCTOR.profession is Profession.MEDECIN


def test_the_demo_population_is_valid_but_for_one_line() -> None:
    today = date(2026, 11, 28)
    population = demo_population(today)

    check = validate_population(
        read_population(io.StringIO(population.csv_text), "csv"), today, lambda _: False
    )

    assert [(e.line, e.field) for e in check.errors] == [(population.bad_line, "ins")]
    assert len(check.citizens) == len(population.people) == DEMO_WAVE_SIZE
    ins = [p.ins for p in population.people]
    assert len(set(ins)) == len(ins) and all(parse_ins(i) == i for i in ins)
    assert not set(ins) & {p.ins for p in people()}  # no demo account is enrolled again
    assert any(i[5:7] in ("2A", "2B") for i in ins)
    # Minors, each with a parent of the file; every channel is used.
    minors = [c for c in check.citizens if c.is_minor(today)]
    assert len(minors) >= 3
    assert all(c.representatives and c.representatives[0] in set(ins) for c in minors)
    adults = [p for p in population.people if not p.representative]
    assert any(p.email for p in adults)
    assert any(p.mobile and not p.email for p in adults)
    assert any(not p.email and not p.mobile for p in adults)
    # 2 oppositions out of this many people is the pilot's 0.7 %.
    assert round(2 / DEMO_WAVE_SIZE, 3) == PILOT_OPPOSITION_RATE
    # Deterministic: the same file for the same day.
    assert demo_population(today).csv_text == population.csv_text


@pytest.fixture
def stack(monkeypatch: pytest.MonkeyPatch) -> Iterator[LocalStack]:
    # As `python -m infra.local` runs it: moto checks TOTP codes.
    monkeypatch.setenv("MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP", "true")
    wiring.forget()  # wired to another stack's moto, maybe
    with LocalStack(port=0, parameters={"EnrollmentWindow": "PT15S"}) as running:
        yield running
    wiring.forget()


def pro_login(http: httpx.Client, professional: DemoProfessional) -> dict[str, str]:
    """One request, as the README's curl: the gateway answers the pool's MFA challenge."""
    login = http.post(
        "/local/login",
        json={
            "username": professional.username,
            "password": professional.password,
            "pool": PROFESSIONALS_POOL,
        },
    )
    assert login.status_code == 200, login.text
    assert login.json()["access_token"]
    return {"Authorization": f"Bearer {login.json()['id_token']}"}


def referred(http: httpx.Client, ins: str, headers: dict[str, str]) -> httpx.Response:
    """The professional names the patient by INS once, in a body: their reference to her file."""
    return http.post("/pro/patient-references", json={"ins": ins}, headers=headers)


def files_documents(http: httpx.Client, ins: str, headers: dict[str, str]) -> str:
    answer = referred(http, ins, headers)
    assert answer.status_code == 201, answer.text
    return f"/pro/patients/{answer.json()['reference']}/documents"


def test_demo_professionals_read_refuse_and_break_the_glass(stack: LocalStack) -> None:
    patient = DEMO_ACCOUNTS[0]
    ins = patient.person.ins
    with httpx.Client(base_url=stack.api_url, trust_env=False, timeout=30) as http:
        # The treating doctor reads the whole file: every document, every profile section.
        doctor = pro_login(http, TREATING_DOCTOR)
        documents = files_documents(http, ins, doctor)
        listed = http.get(documents, headers=doctor)
        assert listed.status_code == 200, listed.text
        titles = {d["title"] for d in listed.json()["items"]}
        assert titles == {"Compte rendu de consultation", "Bilan sanguin", "Ordonnance"}
        profile = http.get(documents.replace("/documents", "/profile"), headers=doctor)
        assert profile.status_code == 200, profile.text

        # The pharmacist's grant is narrower than his row: the prescription, not the lab results.
        pharmacist = pro_login(http, PHARMACIST)
        listed = http.get(files_documents(http, ins, pharmacist), headers=pharmacist)
        assert listed.status_code == 200, listed.text
        assert [d["title"] for d in listed.json()["items"]] == ["Ordonnance"]

        # A doctor the patient never named is refused, until he states an emergency.
        stranger = pro_login(http, STRANGER_DOCTOR)
        refused = referred(http, ins, stranger)
        assert refused.status_code == 403
        assert refused.json()["code"] == "NO_RELATIONSHIP"
        assert http.get(documents, headers=stranger).status_code == 404  # not his reference
        reason = "Unconscious patient admitted to the emergency room"
        emergency = {**stranger, "X-Emergency-Reason": reason}
        glass = http.get(files_documents(http, ins, emergency), headers=emergency)
        assert glass.status_code == 200, glass.text
        assert {d["title"] for d in glass.json()["items"]} == titles

        # The patient sees who broke the glass, and why, in her access history.
        login = http.post(
            "/local/login", json={"username": patient.username, "password": patient.password}
        )
        me = {"Authorization": f"Bearer {login.json()['id_token']}"}
        history = http.get("/me/access-log", headers=me)
        assert history.status_code == 200, history.text
        emergencies = [e for e in history.json()["items"] if e["emergency_reason"]]
        assert [(e["actor"]["id"], e["emergency_reason"]) for e in emergencies] == [
            (f"rpps:{STRANGER_DOCTOR.rpps}", reason)
        ]
        # The demo wrote her care record as she would (GET /me/care shows it).
        care = http.get("/me/care", headers=me).json()
        assert care["treating_doctor"]["rpps"] == TREATING_DOCTOR.rpps
        assert [g["rpps"] for g in care["team"]] == [PHARMACIST.rpps]
        # The demo's directory names them, and finds them by name and town.
        assert care["treating_doctor"]["professional"]["display_name"] == "Dr Sophie LECLERC"
        assert care["team"][0]["professional"]["profession"] == "Pharmacien"
        found = http.get(
            "/directory/professionals", params={"name": "fab", "town": "Paris"}, headers=me
        )
        assert [p["rpps"] for p in found.json()["items"]] == [STRANGER_DOCTOR.rpps], found.text
        named = {e["actor"].get("professional", {}).get("display_name") for e in emergencies}
        assert named == {"Dr Marc FABRE"}

        # She was told by email (the stream, polled by the stack, then the notices function):
        # the consultations and the emergency, each once; her doctor's inbox has the emergency.
        told: list[dict[str, str]] = []
        for _ in range(50):  # the poller delivers every half second
            told = http.get("/local/outbox", params={"to": patient.username}).json()["items"]
            if len(told) >= 3:
                break
            time.sleep(0.2)
        subjects = sorted(m["subject"] for m in told)
        assert subjects == [
            "Accès en urgence à votre espace santé",
            "Un professionnel de santé a consulté votre espace santé",
            "Un professionnel de santé a consulté votre espace santé",
        ], subjects  # the doctor, the pharmacist; the stranger's read was the emergency
        assert not any(reason in m["body"] for m in told)
        inbox = http.get("/pro/notices", headers=doctor).json()["items"]
        assert [n["by"]["id"] for n in inbox] == [f"rpps:{STRANGER_DOCTOR.rpps}"]


def test_a_small_demo_wave_runs_to_its_end(stack: LocalStack) -> None:
    seed_operator(boto3.client("cognito-idp"), stack.ref("OperatorUserPool"))

    wave = run_demo_wave(stack.api_url, ACCOUNT_ID, REGION, stack.shared_env["OPS_BUCKET"], size=60)

    # Everyone valid was notified; 2 opposed and 1 activated early, with their own codes.
    assert (wave.file_lines, wave.notified, wave.rejected_lines) == (61, 60, 1)
    assert [e.split(", ", 1)[1] for e in wave.errors] == ["ins: INS key does not match its NIR"]
    assert (len(wave.opposed), len(wave.activated_early)) == (2, 1)
    assert wave.sample is not None and wave.sample not in wave.opposed + wave.activated_early
    with httpx.Client(base_url=stack.api_url, trust_env=False, timeout=30) as http:
        # The sample's code is the one in their message (GET /local/outbox).
        sample = wave.sample.person
        to = sample.email or "+33" + str(sample.mobile)[1:]
        sent = http.get("/local/outbox", params={"to": to}).json()["items"]
        assert [wave.sample.code in m["body"] for m in sent] == [True]
        # The operator logs in (MFA answered by the gateway) and follows the wave.
        login = http.post(
            "/local/login",
            json={
                "username": DEMO_OPERATOR.username,
                "password": DEMO_OPERATOR.password,
                "pool": "operators",
            },
        )
        assert login.status_code == 200, login.text
        auth = {"Authorization": f"Bearer {login.json()['id_token']}"}
        give_up = time.monotonic() + 90
        while (figures := http.get(f"/operator/waves/{wave.wave_id}", headers=auth).json())[
            "status"
        ] != "DONE":
            assert time.monotonic() < give_up, figures
            time.sleep(0.5)
    assert (figures["notified"], figures["opposed"], figures["activated_early"]) == (60, 2, 1)
    assert (figures["activated"], figures["failed"]) == (57, 0)
    assert figures["opposition_rate"] == round(2 / 60, 4)
    banner = "\n".join(wave_banner(stack.api_url, wave, "PT15S"))
    assert f"--local {stack.api_url} waves" in banner
    assert wave.sample.code in banner and "/enrollment/opposition" in banner
