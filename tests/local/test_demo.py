"""Demo data: accounts with valid INS (Corsica included) and passwords the pools accept; the
demo wave's population file; and a small demo wave on the stack in this process."""

import io
import re
import time
from collections.abc import Iterator
from datetime import date

import boto3
import httpx
import pytest

from healthspace import bootstrap
from healthspace.identifiers import is_valid_ins
from healthspace.population import read_population, validate_population
from infra.local.__main__ import wave_banner
from infra.local.demo import (
    DEMO_ACCOUNTS,
    DEMO_OPERATOR,
    DEMO_WAVE_SIZE,
    PILOT_OPPOSITION_RATE,
    demo_population,
    run_demo_wave,
    seed_operator,
)
from infra.local.stack import LocalStack
from infra.local.template import ACCOUNT_ID, REGION, load_template


def people():
    for account in DEMO_ACCOUNTS:
        yield account.person
        yield from account.represents


def test_every_demo_person_has_a_valid_ins() -> None:
    for person in people():
        assert len(person.ins) == 15
        assert is_valid_ins(person.ins), person


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


def test_the_demo_population_is_valid_but_for_one_line() -> None:
    today = date(2026, 11, 28)
    population = demo_population(today)

    check = validate_population(
        read_population(io.StringIO(population.csv_text), "csv"), today, lambda _: False
    )

    assert [(e.line, e.field) for e in check.errors] == [(population.bad_line, "ins")]
    assert len(check.citizens) == len(population.people) == DEMO_WAVE_SIZE
    ins = [p.ins for p in population.people]
    assert len(set(ins)) == len(ins) and all(is_valid_ins(i) for i in ins)
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
    bootstrap.forget()  # wired to another stack's moto, maybe
    with LocalStack(port=0, parameters={"EnrollmentWindow": "PT15S"}) as running:
        yield running
    bootstrap.forget()


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
