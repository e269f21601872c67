"""FranceConnect's first sign-in on in-memory fakes, with a claim set in FranceConnect's userinfo
shape (the pivot identity of its integration environment's demo person) and the pre sign-up
event Cognito builds from it: linked to the one enrolled person it names, refused and traced
otherwise."""

import json
from datetime import date
from pathlib import Path

import pytest

from functions.patient_signup import app
from healthspace.accounts.france_connect import (
    PROVIDER,
    FranceConnectLinking,
    pivot_identity,
)
from healthspace.enrollment.model import Citizen, Contact
from healthspace.kernel.errors import IdentityNotMapped
from healthspace.kernel.identifiers import make_ins
from tests.unit.test_accounts import Accounting
from tests.unit.test_enrollment import PEPPER

RECORDED = Path(__file__).parent / "franceconnect"


class Context:
    function_name = "PatientSignUpFunction"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:eu-west-3:123456789012:function:signup"
    aws_request_id = "req-1"


def recorded(name):
    return json.loads((RECORDED / f"{name}.json").read_text(encoding="utf-8"))


CLAIMS = recorded("userinfo_sandbox")
SUBJECT = CLAIMS["sub"]


def person(given_name, order="123", sex="2", place="75107", born=date(1962, 8, 24)):
    """An insured person whose INS writes the sex, the year and month and the place of birth."""
    nir = f"{sex}{born:%y%m}{place}{order}"
    return Citizen(
        ins=make_ins(nir),
        birth_date=born,
        given_name=given_name,
        family_name="Dubois",
        contact=Contact(email=f"{given_name.lower()}.{order}@example.org"),
    )


ANGELA = person("Angela")


class World(Accounting):
    def __init__(self) -> None:
        super().__init__()
        self.linking = FranceConnectLinking(
            enrollments=self.store,
            index=self.identities,
            links=self.pool,
            history=self.codes,
            pepper_source=PEPPER,
            clock=self.clock,
            ids=self.enrollments.ids,
        )

    def open(self, *citizens):
        self.enroll(*citizens)
        for citizen in citizens:
            self.activate(citizen)

    def history(self, citizen):
        return [e.action for e in self.codes.log if e.ins == citizen.ins]


@pytest.fixture
def world():
    return World()


def test_the_recorded_identity_is_linked_to_the_enrolled_persons_account(world):
    world.open(ANGELA)
    assert world.linking.link(CLAIMS, SUBJECT) == ANGELA.ins
    assert world.pool.links == {(PROVIDER, SUBJECT): ANGELA.ins}
    assert world.history(ANGELA)[-1] == "FRANCECONNECT_LINKED"


def test_names_are_compared_without_accents_case_or_hyphens(world):
    jean = person("Jean-Noël", sex="1", order="124")
    world.open(jean)
    claims = {**CLAIMS, "given_name": "JEAN NOEL Marie", "family_name": "dubois", "gender": "male"}
    assert world.linking.link(claims, "sub-2") == jean.ins


def test_a_twin_is_told_apart_by_her_first_given_name(world):
    twin = person("Béatrice", order="124")
    world.open(twin, ANGELA)
    assert world.linking.link(CLAIMS, SUBJECT) == ANGELA.ins


def test_someone_born_abroad_is_found_by_the_country_of_birth(world):
    abroad = person("Angela", place="99134", order="045")  # Spain
    world.open(abroad)
    claims = {**CLAIMS, "birthplace": "", "birthcountry": "99134"}
    assert world.linking.link(claims, "sub-3") == abroad.ins


@pytest.mark.parametrize(
    ("change", "traced"),
    [
        ({"given_name": "Angèle Claire"}, True),  # the key matches, the first name does not
        ({"birthplace": "75108"}, False),  # another commune: no candidate at all
        ({"gender": "male"}, False),
        ({"birthdate": "1962-08-25"}, False),
        ({"family_name": "DUPONT"}, False),
    ],
)
def test_a_fact_that_does_not_match_refuses_and_is_traced_on_the_candidate(world, change, traced):
    world.open(ANGELA)
    before = world.history(ANGELA)
    with pytest.raises(IdentityNotMapped) as refused:
        world.linking.link({**CLAIMS, **change}, SUBJECT)
    assert refused.value.reason == "NO_MATCH"
    assert world.pool.links == {}
    assert world.history(ANGELA)[len(before) :] == (["FRANCECONNECT_REFUSED"] if traced else [])


def test_two_people_the_identity_names_alike_are_refused(world):
    world.open(ANGELA, person("Angela", order="124"))
    with pytest.raises(IdentityNotMapped) as refused:
        world.linking.link(CLAIMS, SUBJECT)
    assert refused.value.reason == "SEVERAL_MATCHES" and world.pool.links == {}


def test_someone_enrolled_but_without_an_account_is_not_found(world):
    world.enroll(ANGELA)  # pending: no account, so not indexed
    with pytest.raises(IdentityNotMapped):
        world.linking.link(CLAIMS, SUBJECT)


@pytest.mark.parametrize(
    "change",
    [
        {"birthdate": "24/08/1962"},
        {"gender": "unknown"},
        {"given_name": ""},
        {"family_name": None},
        {"birthplace": "", "birthcountry": "99100"},  # born in France, no commune
        {"birthplace": "7510"},
        {"given_name": "A" * 500},
    ],
)
def test_claims_that_cannot_be_read_are_refused(change):
    with pytest.raises(IdentityNotMapped) as refused:
        pivot_identity({**CLAIMS, **change})
    assert refused.value.reason == "MALFORMED"


def test_corsica_writes_its_department_with_a_letter():
    assert pivot_identity({**CLAIMS, "birthplace": "2a004"}).place == "2A004"


@pytest.mark.parametrize(
    "change",
    [
        {"triggerSource": "PreSignUp_SignUp", "userName": "someone"},
        {"triggerSource": "PreSignUp_AdminCreateUser"},
        {"userName": "ProSanteConnect_abc"},
        {"userName": "FranceConnect_"},
    ],
)
def test_the_trigger_refuses_every_other_sign_up_before_any_lookup(change):
    event = {**recorded("pre_sign_up_event"), **change}
    with pytest.raises(IdentityNotMapped) as refused:
        app.lambda_handler(event, Context())
    assert refused.value.reason == "NOT_FRANCECONNECT"
