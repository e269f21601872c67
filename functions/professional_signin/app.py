"""Pro Santé Connect sign-ins: the professionals' pool's pre token generation trigger.

For a user who came through PSC (the identity provider ProSanteConnect), Cognito hands over the
attributes PSC's claims were mapped to (template.yaml, ProSanteConnect's AttributeMapping); the
care room reads them as the professional's RPPS and profession, which the token then carries as
custom:rpps and custom:profession (what the professionals' API reads), and the raw PSC claims
are left out of it. Claims that do not map raise: Cognito refuses the sign-in. The demo's
administrator-created professionals (no identity provider) keep the attributes they were given.
"""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from healthspace.care.pro_sante_connect import professional_from_psc
from healthspace.kernel.errors import IdentityNotMapped
from healthspace.kernel.observability import logger, metrics

PROVIDER = "ProSanteConnect"
# The pool's attribute -> PSC's claim (the identity provider's AttributeMapping, reversed).
MAPPED_CLAIMS = {
    "custom:psc_nameid": "SubjectNameID",
    "custom:psc_otherids": "otherIds",
    "custom:psc_roles": "SubjectRole",
}


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    attributes: dict[str, str] = event["request"].get("userAttributes") or {}
    if not _came_through_psc(attributes):
        return event  # the pool's own user: its attributes were set by an administrator
    claims = {claim: attributes.get(name) for name, claim in MAPPED_CLAIMS.items()}
    try:
        professional = professional_from_psc(claims)
    except IdentityNotMapped as refused:
        metrics.add_metric(name="ProSanteConnectRefused", unit=MetricUnit.Count, value=1)
        logger.warning("Pro Santé Connect sign-in refused", extra={"reason": refused.reason})
        raise
    metrics.add_metric(name="ProSanteConnectSignIn", unit=MetricUnit.Count, value=1)
    event["response"]["claimsOverrideDetails"] = {
        "claimsToAddOrOverride": {
            "custom:rpps": professional.rpps,
            "custom:profession": professional.profession.value,
        },
        "claimsToSuppress": list(MAPPED_CLAIMS),
    }
    return event


def _came_through_psc(attributes: dict[str, str]) -> bool:
    """Cognito's `identities` attribute (JSON) names the identity provider a user came from.
    Unreadable, it names none: the token then has no RPPS, which the API refuses."""
    try:
        identities = json.loads(attributes.get("identities") or "[]")
    except ValueError:
        return False
    return isinstance(identities, list) and any(
        isinstance(identity, dict) and identity.get("providerName") == PROVIDER
        for identity in identities
    )
