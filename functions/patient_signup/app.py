"""FranceConnect sign-ins: the patients' pool's pre sign-up trigger.

On a person's first sign-in through FranceConnect (triggerSource PreSignUp_ExternalProvider),
Cognito hands over the pivot identity's claims as the attributes the identity provider maps
them to (template.yaml, FranceConnect's AttributeMapping); healthspace.accounts.france_connect
finds the one enrolled person they name and links the identity to their account, whose tokens
(custom:ins included) its sign-ins then give. Claims that match nobody, or several, raise:
Cognito refuses the sign-in, and no federated user is created. Any other sign-up is refused
too: the pool's accounts are opened by the platform only.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from healthspace.accounts.france_connect import PROVIDER
from healthspace.kernel.errors import IdentityNotMapped
from healthspace.kernel.observability import logger, metrics
from healthspace.wiring.accounts import france_connect

EXTERNAL = "PreSignUp_ExternalProvider"


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    username = str(event.get("userName") or "")
    provider, _, subject = username.partition("_")
    if event.get("triggerSource") != EXTERNAL or provider != PROVIDER or not subject:
        metrics.add_metric(name="SignUpRefused", unit=MetricUnit.Count, value=1)
        raise IdentityNotMapped("NOT_FRANCECONNECT", "accounts are opened by the platform only")
    attributes: dict[str, Any] = event["request"].get("userAttributes") or {}
    claims = {
        "given_name": attributes.get("given_name"),
        "family_name": attributes.get("family_name"),
        "birthdate": attributes.get("birthdate"),
        "gender": attributes.get("gender"),
        "birthplace": attributes.get("custom:fc_birthplace"),
        "birthcountry": attributes.get("custom:fc_birthcountry"),
    }
    try:
        france_connect(str(event["userPoolId"])).link(claims, subject)
    except IdentityNotMapped as refused:
        metrics.add_metric(name="FranceConnectRefused", unit=MetricUnit.Count, value=1)
        logger.warning("FranceConnect sign-in refused", extra={"reason": refused.reason})
        raise
    metrics.add_metric(name="FranceConnectLinked", unit=MetricUnit.Count, value=1)
    return event
