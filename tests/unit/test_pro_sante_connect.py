"""Pro Santé Connect's claims as the professional the care rules know (care.pro_sante_connect),
and the professionals' pool trigger that puts them in the tokens (functions.professional_signin).

The claim sets are recorded PSC userinfo answers (tests/unit/psc/): a hospital doctor as the
production service names an RPPS-registered professional, and a sandbox test identity created
in ANS's EDIT tool, which has no RPPS number.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from functions.professional_signin import app
from healthspace.care.matrices import Profession
from healthspace.care.pro_sante_connect import professional_from_psc
from healthspace.kernel.errors import IdentityNotMapped

RECORDED = Path(__file__).parent / "psc"
DOCTOR_RPPS = "10000073014"


def recorded(name: str) -> dict[str, Any]:
    claims: dict[str, Any] = json.loads((RECORDED / f"{name}.json").read_text(encoding="utf-8"))
    return claims


def refusal(claims: dict[str, Any]) -> str:
    with pytest.raises(IdentityNotMapped) as refused:
        professional_from_psc(claims)
    return refused.value.reason


# --------------------------------------------------------------------------- the mapping
def test_a_doctors_userinfo_maps_to_their_rpps_and_profession() -> None:
    professional = professional_from_psc(recorded("userinfo_medecin"))

    assert (professional.rpps, professional.profession) == (DOCTOR_RPPS, Profession.MEDECIN)


def test_the_claims_as_cognito_maps_them_map_the_same() -> None:
    """Cognito hands JSON claims over as text in the attributes they are mapped to."""
    claims = recorded("userinfo_medecin")
    as_mapped = {
        "SubjectNameID": claims["SubjectNameID"],
        "otherIds": json.dumps(claims["otherIds"]),
        "SubjectRole": json.dumps(claims["SubjectRole"]),
    }

    professional = professional_from_psc(as_mapped)

    assert (professional.rpps, professional.profession) == (DOCTOR_RPPS, Profession.MEDECIN)


def test_a_sandbox_identity_without_rpps_is_refused() -> None:
    assert refusal(recorded("userinfo_sandbox_edit")) == "NO_RPPS"


def test_two_different_rpps_numbers_are_refused() -> None:
    claims = recorded("userinfo_medecin")
    claims["otherIds"][0]["identifiant"] = "10000073022"  # valid, but not SubjectNameID's

    assert refusal(claims) == "RPPS_MISMATCH"


def test_an_rpps_number_failing_its_check_digit_is_refused() -> None:
    claims = recorded("userinfo_medecin")
    claims["SubjectNameID"] = "810000073015"
    claims["otherIds"] = [{"identifiant": "10000073015", "origine": "RPPS", "qualite": 1}]

    assert refusal(claims) == "RPPS_INVALID"


def test_a_profession_without_access_is_refused() -> None:
    claims = recorded("userinfo_medecin")
    claims["SubjectRefPro"]["exercices"][0]["codeProfession"] = "80"  # pédicure-podologue
    claims["SubjectRole"] = ["80^1.2.250.1.213.1.1.5.5"]

    assert refusal(claims) == "PROFESSION_NOT_ALLOWED"


def test_several_professions_with_access_are_refused() -> None:
    claims = recorded("userinfo_medecin")
    claims["SubjectRole"].append("21^1.2.250.1.213.1.1.5.5")  # also a pharmacist

    assert refusal(claims) == "SEVERAL_PROFESSIONS"


def test_a_role_of_another_nomenclature_is_no_profession() -> None:
    claims = recorded("userinfo_medecin")
    del claims["SubjectRefPro"]
    claims["SubjectRole"] = ["10^1.2.250.1.71.1.2.7"]

    assert refusal(claims) == "NO_PROFESSION"


def test_claims_that_cannot_be_read_are_refused() -> None:
    claims = {"SubjectNameID": "810000073014", "otherIds": "[{not json", "SubjectRole": "10"}

    assert refusal(claims) == "MALFORMED"


# --------------------------------------------------------------------------- the trigger
class Context:
    function_name = "ProfessionalSignInFunction"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:eu-west-3:123456789012:function:signin"
    aws_request_id = "req-1"


def sign_in_event(claims: dict[str, Any], provider: str = app.PROVIDER) -> dict[str, Any]:
    """A pre token generation event as Cognito sends it for a federated user: PSC's claims in
    the attributes the identity provider maps them to (JSON claims as text)."""
    identities = [{"userId": claims["sub"], "providerName": provider, "providerType": "OIDC"}]
    return {
        "version": "1",
        "triggerSource": "TokenGeneration_HostedAuth",
        "region": "eu-west-3",
        "userPoolId": "eu-west-3_pros",
        "userName": f"{provider}_{claims['sub']}",
        "callerContext": {"awsSdkVersion": "aws-sdk-unknown-unknown", "clientId": "client"},
        "request": {
            "userAttributes": {
                "sub": "5b1c7d1e-0000-4000-8000-000000000001",
                "identities": json.dumps(identities),
                "given_name": claims["given_name"],
                "family_name": claims["family_name"],
                "custom:psc_nameid": claims["SubjectNameID"],
                "custom:psc_otherids": json.dumps(claims["otherIds"]),
                "custom:psc_roles": json.dumps(claims["SubjectRole"]),
            },
            "groupConfiguration": {"groupsToOverride": [], "iamRolesToOverride": []},
        },
        "response": {"claimsOverrideDetails": None},
    }


def test_a_psc_sign_in_gets_the_rpps_and_profession_in_its_tokens() -> None:
    answer = app.lambda_handler(sign_in_event(recorded("userinfo_medecin")), Context())

    override = answer["response"]["claimsOverrideDetails"]
    assert override["claimsToAddOrOverride"] == {
        "custom:rpps": DOCTOR_RPPS,
        "custom:profession": "10",
    }
    # the raw PSC claims stay out of the tokens
    assert set(override["claimsToSuppress"]) == set(app.MAPPED_CLAIMS)


def test_a_sign_in_that_does_not_map_is_refused_and_traced_without_identifiers(
    capsys, caplog
) -> None:
    claims = recorded("userinfo_sandbox_edit")

    with pytest.raises(IdentityNotMapped):
        app.lambda_handler(sign_in_event(claims), Context())

    [refused] = [r for r in caplog.records if r.getMessage() == "Pro Santé Connect sign-in refused"]
    assert refused.reason == "NO_RPPS"
    assert "ProSanteConnectRefused" in capsys.readouterr().out  # the metric
    logged = "\n".join(json.dumps(vars(r), default=str) for r in caplog.records)
    for identifier in (claims["SubjectNameID"], claims["sub"], claims["family_name"]):
        assert identifier not in logged


def test_the_pools_own_users_keep_the_attributes_an_administrator_set() -> None:
    event = sign_in_event(recorded("userinfo_medecin"), provider="SomeOtherProvider")
    untouched = copy.deepcopy(event)

    assert app.lambda_handler(event, Context()) == untouched


def test_a_federated_user_with_unreadable_identities_gets_no_rpps() -> None:
    event = sign_in_event(recorded("userinfo_medecin"))
    event["request"]["userAttributes"]["identities"] = "not json"

    answer = app.lambda_handler(event, Context())

    assert answer["response"]["claimsOverrideDetails"] is None  # the API then refuses (401)
