"""Demo accounts: valid INS (Corsica included), passwords the patient pool accepts."""

import re

from healthspace.identifiers import is_valid_ins
from infra.local.demo import DEMO_ACCOUNTS
from infra.local.template import load_template


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
