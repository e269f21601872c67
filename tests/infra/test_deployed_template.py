"""The template as a health-data host deploys it: Cognito, the WAF, the partners' gateway
settings, the custom domains, Pro Santé Connect and FranceConnect, read through the local
stack's resolver under the parameters a deployment gives (conditions evaluated as
CloudFormation does)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from functions.professional_signin.app import MAPPED_CLAIMS
from infra.local.routes import load_apis, load_routes
from infra.local.template import Resolver, load_template

TEMPLATE = load_template()
CUSTOM_DOMAIN = {
    "ApiDomainName": "api.espace.example.org",
    "ApiCertificateArn": "arn:aws:acm:eu-west-3:123456789012:certificate/0f0e-11aa",
}
MTLS = {
    **CUSTOM_DOMAIN,
    "PartnerDomainName": "partenaires.espace.example.org",
    "PartnerTruststoreUri": "s3://truststores-example/partners.pem",
}
PSC = {
    "PscIssuer": "https://auth.esw.esante.gouv.fr/auth/realms/esante-wallet",
    "PscClientId": "espace-sante",
    "PscClientSecretArn": "arn:aws:secretsmanager:eu-west-3:123456789012:secret:psc-AbCdEf",
}


def deployed(**parameters: str) -> Resolver:
    """The template under these parameters, every resource registered with a placeholder id."""
    resolver = Resolver(TEMPLATE, parameters=parameters)
    for lid in TEMPLATE.resources:
        resolver.register(lid, f"ref-{lid}", Arn=f"arn-{lid}", RegionalDomainName=f"d-{lid}")
        resolver.register(f"{lid}.Alias", f"alias-{lid}")
    resolver.register("Api.Stage", "v1")  # SAM's !Ref Api.Stage: the stage's name
    return resolver


def created(resolver: Resolver, resource_type: str) -> dict[str, dict[str, Any]]:
    """The resources of a type CloudFormation would create, their properties resolved."""
    return {
        r.logical_id: resolver.resolve(TEMPLATE.properties(r.logical_id))
        for r in TEMPLATE.of_type(resource_type)
        if resolver.creates(r.logical_id)
    }


# ------------------------------------------------------------------------------ Cognito
def test_deployed_clients_sign_in_by_srp_only_the_local_one_by_password() -> None:
    def password_clients(resolver: Resolver) -> set[str]:
        clients = created(resolver, "AWS::Cognito::UserPoolClient")
        return {
            lid
            for lid, c in clients.items()
            if "ALLOW_USER_PASSWORD_AUTH" in c["ExplicitAuthFlows"]
        }

    assert password_clients(deployed()) == set()
    assert password_clients(deployed(**PSC)) == set()
    local = deployed(LocalPasswordLogin="true")
    assert password_clients(local) == {"LocalLoginClient"}
    client = created(local, "AWS::Cognito::UserPoolClient")["LocalLoginClient"]
    assert client["UserPoolId"] == "ref-PatientUserPool"


@pytest.mark.parametrize("parameters", [{}, PSC, {"LocalPasswordLogin": "true"}])
def test_every_client_bounds_its_tokens_and_can_revoke_them(parameters) -> None:
    for lid, client in created(deployed(**parameters), "AWS::Cognito::UserPoolClient").items():
        units = client["TokenValidityUnits"]
        assert {"IdToken", "AccessToken", "RefreshToken"} <= set(units), lid
        hours = {"minutes": 1 / 60, "hours": 1, "days": 24}
        assert client["IdTokenValidity"] * hours[units["IdToken"]] <= 1, lid
        assert client["AccessTokenValidity"] * hours[units["AccessToken"]] <= 1, lid
        assert client["RefreshTokenValidity"] * hours[units["RefreshToken"]] <= 24, lid
        assert client["EnableTokenRevocation"] is True, lid


def test_no_pool_takes_self_sign_ups_or_can_be_deleted() -> None:
    pools = created(deployed(), "AWS::Cognito::UserPool")
    assert set(pools) == {"PatientUserPool", "ProfessionalUserPool", "OperatorUserPool"}
    for lid, pool in pools.items():
        assert pool["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True, lid
        assert pool["DeletionProtection"] == "ACTIVE", lid
        assert TEMPLATE.resources[lid].properties is not None
    assert pools["ProfessionalUserPool"]["MfaConfiguration"] == "ON"
    assert pools["OperatorUserPool"]["MfaConfiguration"] == "ON"


@pytest.mark.parametrize(
    ("mode", "tier"), [("ENFORCED", "PLUS"), ("AUDIT", "PLUS"), ("OFF", "ESSENTIALS")]
)
def test_threat_protection_follows_its_parameter_on_its_feature_plan(mode, tier) -> None:
    for lid, pool in created(deployed(ThreatProtection=mode), "AWS::Cognito::UserPool").items():
        assert pool["UserPoolAddOns"] == {"AdvancedSecurityMode": mode}, lid
        assert pool["UserPoolTier"] == tier, lid


# ------------------------------------------------------------------------------ the WAF
def waf_rules(resolver: Resolver) -> dict[str, dict[str, Any]]:
    acl = resolver.resolve(TEMPLATE.properties("ApiFirewall"))
    return {rule["Name"]: rule for rule in acl["Rules"]}


def rate_rule_regexes() -> dict[str, re.Pattern[str]]:
    rules = waf_rules(deployed())
    return {
        name: re.compile(
            rule["Statement"]["RateBasedStatement"]["ScopeDownStatement"]["RegexMatchStatement"][
                "RegexString"
            ]
        )
        for name, rule in rules.items()
        if "RateBasedStatement" in rule["Statement"]
    }


def test_the_managed_rule_sets_guard_the_api() -> None:
    managed = {
        rule["Statement"]["ManagedRuleGroupStatement"]["Name"]
        for rule in waf_rules(deployed()).values()
        if "ManagedRuleGroupStatement" in rule["Statement"]
    }
    assert managed == {
        "AWSManagedRulesCommonRuleSet",
        "AWSManagedRulesKnownBadInputsRuleSet",
        "AWSManagedRulesAmazonIpReputationList",
    }


def test_every_route_group_has_exactly_one_rate_limit_through_either_endpoint() -> None:
    """Each group of the API's routes (/me, /pro, /fhir...), as its first path segment, is
    counted by one rate rule, reached through execute-api (/v1/...) or the custom domain."""
    resolver = deployed()
    groups = {r.resource.split("/")[1] for r in load_routes(resolver, load_apis(resolver, ""))}
    assert groups == {
        "me",
        "directory",
        "pro",
        "fhir",
        "enrollment",
        "accounts",
        "operator",
        "agenda",
    }
    regexes = rate_rule_regexes()
    for group in groups:
        for path in (f"/v1/{group}", f"/v1/{group}/x/y", f"/{group}", f"/{group}/x"):
            counted = [name for name, regex in regexes.items() if regex.search(path)]
            assert len(counted) == 1, (path, counted)
    # a prefix is no group: /mentions is not /me, /directory-x not /directory
    assert not any(regex.search("/v1/mentions") for regex in regexes.values())
    assert not any(regex.search("/v1/directoryx") for regex in regexes.values())


def test_no_rule_keeps_sampled_requests() -> None:
    """A sample keeps the request, body and URL included: health data, INS, codes."""
    acl = deployed(**MTLS).resolve(TEMPLATE.properties("ApiFirewall"))
    configs = [acl["VisibilityConfig"], *(rule["VisibilityConfig"] for rule in acl["Rules"])]
    assert all(config["SampledRequestsEnabled"] is False for config in configs)


def test_the_body_limit_spares_only_the_fhir_pushes() -> None:
    rule = waf_rules(deployed())["BodySize"]
    size, spared = rule["Statement"]["AndStatement"]["Statements"]
    limit = size["SizeConstraintStatement"]
    # the inspection must reach the limit, and what it cannot see counts as over
    acl = deployed().resolve(TEMPLATE.properties("ApiFirewall"))
    inspected = acl["AssociationConfig"]["RequestBody"]["API_GATEWAY"]["DefaultSizeInspectionLimit"]
    assert limit["Size"] <= int(inspected.removeprefix("KB_")) * 1024
    assert limit["FieldToMatch"]["Body"]["OversizeHandling"] == "MATCH"
    fhir = re.compile(spared["NotStatement"]["Statement"]["RegexMatchStatement"]["RegexString"])
    assert fhir.search("/v1/fhir/DocumentReference") and fhir.search("/fhir")
    assert not fhir.search("/v1/me/profile/advance-directives")
    priorities = [r["Priority"] for r in waf_rules(deployed()).values()]
    assert len(priorities) == len(set(priorities))


# ------------------------------------------------------------- partners at the gateway
def test_partner_routes_need_their_signature_and_an_api_key_of_the_usage_plan() -> None:
    resolver = deployed()
    partner_routes = [
        r
        for r in load_routes(resolver, load_apis(resolver, ""))
        if r.function == "PartnersFunction"
    ]
    assert partner_routes
    for route in partner_routes:
        assert set(route.required_headers) == {"Signature", "Signature-Input"}, route.resource
    fhir_events = TEMPLATE.resources["PartnersFunction"].properties["Events"]
    assert all(e["Properties"]["Auth"]["ApiKeyRequired"] is True for e in fhir_events.values())
    plan = created(resolver, "AWS::ApiGateway::UsagePlan")["PartnerUsagePlan"]
    assert plan["ApiStages"][0]["ApiId"] == "ref-Api"
    assert plan["Throttle"]["RateLimit"] > 0 and plan["Throttle"]["BurstLimit"] > 0


# ---------------------------------------------------------------- custom domains, mTLS
def test_without_a_domain_the_execute_api_endpoint_stays_the_only_one() -> None:
    resolver = deployed(ApiDomainName="api.espace.example.org")  # no certificate: no domain
    assert created(resolver, "AWS::ApiGateway::DomainName") == {}
    assert resolver.resolve(TEMPLATE.properties("Api"))["DisableExecuteApiEndpoint"] is False


def test_a_custom_domain_closes_the_execute_api_endpoint() -> None:
    resolver = deployed(**CUSTOM_DOMAIN)
    domains = created(resolver, "AWS::ApiGateway::DomainName")
    assert set(domains) == {"ApiDomain"}
    assert domains["ApiDomain"]["SecurityPolicy"] == "TLS_1_2"
    assert set(created(resolver, "AWS::ApiGateway::BasePathMapping")) == {"ApiDomainMapping"}
    assert resolver.resolve(TEMPLATE.properties("Api"))["DisableExecuteApiEndpoint"] is True
    assert "FhirOnlyOnPartnerDomain" not in waf_rules(resolver)


def test_the_partners_mtls_domain_is_the_only_way_to_fhir() -> None:
    resolver = deployed(**MTLS)
    partner = created(resolver, "AWS::ApiGateway::DomainName")["PartnerDomain"]
    assert partner["MutualTlsAuthentication"] == {"TruststoreUri": MTLS["PartnerTruststoreUri"]}
    rule = waf_rules(resolver)["FhirOnlyOnPartnerDomain"]
    path, host = rule["Statement"]["AndStatement"]["Statements"]
    assert re.compile(path["RegexMatchStatement"]["RegexString"]).search("/fhir/Bundle")
    named = host["NotStatement"]["Statement"]["ByteMatchStatement"]["SearchString"]
    assert named == MTLS["PartnerDomainName"]
    versioned = deployed(**MTLS, PartnerTruststoreVersion="v3")
    tls = created(versioned, "AWS::ApiGateway::DomainName")["PartnerDomain"]
    assert tls["MutualTlsAuthentication"]["TruststoreVersion"] == "v3"


# ------------------------------------------------------------------ Pro Santé Connect
def test_without_psc_the_professionals_sign_in_as_the_pools_own_users() -> None:
    resolver = deployed()
    assert created(resolver, "AWS::Cognito::UserPoolIdentityProvider") == {}
    pool = created(resolver, "AWS::Cognito::UserPool")["ProfessionalUserPool"]
    assert "LambdaConfig" not in pool
    client = created(resolver, "AWS::Cognito::UserPoolClient")["ProfessionalWebClient"]
    assert client["SupportedIdentityProviders"] == ["COGNITO"]


def test_with_psc_it_is_the_professionals_only_sign_in_through_the_trigger() -> None:
    resolver = deployed(**PSC)
    provider = created(resolver, "AWS::Cognito::UserPoolIdentityProvider")["ProSanteConnect"]
    details = provider["ProviderDetails"]
    assert details["oidc_issuer"] == PSC["PscIssuer"]
    # the secret is read by CloudFormation from Secrets Manager, never given in clear
    assert details["client_secret"] == f"{{{{resolve:secretsmanager:{PSC['PscClientSecretArn']}}}}}"
    pool = created(resolver, "AWS::Cognito::UserPool")["ProfessionalUserPool"]
    assert pool["LambdaConfig"] == {"PreTokenGeneration": "alias-ProfessionalSignInFunction"}
    client = created(resolver, "AWS::Cognito::UserPoolClient")["ProfessionalWebClient"]
    assert client["SupportedIdentityProviders"] == ["ref-ProSanteConnect"]
    assert client["ExplicitAuthFlows"] == ["ALLOW_REFRESH_TOKEN_AUTH"]  # no SRP of own users
    # without this scope a token cannot rewrite its own user's (mapped) attributes
    assert "aws.cognito.signin.user.admin" not in client["AllowedOAuthScopes"]
    assert resolver.creates("ProfessionalSignInPermission")


def test_the_trigger_reads_exactly_what_the_identity_provider_maps() -> None:
    mapping = TEMPLATE.resources["ProSanteConnect"].properties["AttributeMapping"]
    psc_attributes = {k: v for k, v in mapping.items() if k.startswith("custom:psc_")}
    assert psc_attributes == MAPPED_CLAIMS
    schema = {
        f"custom:{a['Name']}": a
        for a in TEMPLATE.resources["ProfessionalUserPool"].properties["Schema"]
    }
    # an attribute mapped from an identity provider must be mutable, or sign-ins fail
    assert all(schema[name]["Mutable"] is True for name in psc_attributes)


# ------------------------------------------------------------------ FranceConnect
FRANCE_CONNECT = {
    "FranceConnectIssuer": "https://fcp-low.integ01.dev-franceconnect.fr/api/v2",
    "FranceConnectClientId": "espace-sante-patients",
    "FranceConnectClientSecretArn": "arn:aws:secretsmanager:eu-west-3:123456789012:secret:fc-XyZ",
}


def test_without_franceconnect_the_patients_sign_in_with_their_password_only() -> None:
    resolver = deployed()
    assert created(resolver, "AWS::Cognito::UserPoolIdentityProvider") == {}
    pool = created(resolver, "AWS::Cognito::UserPool")["PatientUserPool"]
    assert "LambdaConfig" not in pool
    client = created(resolver, "AWS::Cognito::UserPoolClient")["PatientWebClient"]
    assert client["SupportedIdentityProviders"] == ["COGNITO"]
    assert "AllowedOAuthFlows" not in client
    assert not resolver.creates("PatientSignUpPermission")
    assert not resolver.creates("PatientUserPoolDomain")


@pytest.mark.parametrize("missing", sorted(FRANCE_CONNECT))
def test_franceconnect_needs_its_issuer_client_id_and_secret(missing: str) -> None:
    resolver = deployed(**{**FRANCE_CONNECT, missing: ""})
    assert created(resolver, "AWS::Cognito::UserPoolIdentityProvider") == {}


def test_with_franceconnect_the_patients_pool_declares_it_and_links_through_the_trigger() -> None:
    resolver = deployed(**FRANCE_CONNECT)
    providers = created(resolver, "AWS::Cognito::UserPoolIdentityProvider")
    assert set(providers) == {"FranceConnect"}
    provider = providers["FranceConnect"]
    assert provider["UserPoolId"] == "ref-PatientUserPool"
    assert (provider["ProviderName"], provider["ProviderType"]) == ("FranceConnect", "OIDC")
    details = provider["ProviderDetails"]
    assert details["oidc_issuer"] == FRANCE_CONNECT["FranceConnectIssuer"]
    assert details["client_id"] == FRANCE_CONNECT["FranceConnectClientId"]
    # the secret is read by CloudFormation from Secrets Manager, never given in clear
    secret = FRANCE_CONNECT["FranceConnectClientSecretArn"]
    assert details["client_secret"] == f"{{{{resolve:secretsmanager:{secret}}}}}"
    assert set(details["authorize_scopes"].split()) >= {"openid", "birthdate", "birthplace"}

    pool = created(resolver, "AWS::Cognito::UserPool")["PatientUserPool"]
    assert pool["LambdaConfig"] == {"PreSignUp": "alias-PatientSignUpFunction"}
    permission = created(resolver, "AWS::Lambda::Permission")["PatientSignUpPermission"]
    assert permission["FunctionName"] == "alias-PatientSignUpFunction"
    assert permission["Principal"] == "cognito-idp.amazonaws.com"
    assert permission["SourceArn"] == "arn-PatientUserPool"

    client = created(resolver, "AWS::Cognito::UserPoolClient")["PatientWebClient"]
    assert client["SupportedIdentityProviders"] == ["COGNITO", "ref-FranceConnect"]
    assert client["AllowedOAuthFlows"] == ["code"]
    # without this scope a token cannot rewrite its own user's attributes
    assert "aws.cognito.signin.user.admin" not in client["AllowedOAuthScopes"]
    # every attribute FranceConnect maps is writable by the client, or its sign-ins fail
    mapping = provider["AttributeMapping"]
    assert set(mapping) <= set(client["WriteAttributes"])
    assert resolver.creates("PatientUserPoolDomain")


@pytest.mark.parametrize("parameters", [{}, FRANCE_CONNECT, {"LocalPasswordLogin": "true"}])
def test_no_patients_client_may_write_the_ins(parameters) -> None:
    """The INS is set by the platform when the space opens (and immutable in the schema): no
    client of the patients' pool may write it, with or without FranceConnect."""
    resolver = deployed(**parameters)
    clients = created(resolver, "AWS::Cognito::UserPoolClient")
    patients = {
        lid: client
        for lid, client in clients.items()
        if client["UserPoolId"] == "ref-PatientUserPool"
    }
    assert "PatientWebClient" in patients
    for lid, client in patients.items():
        assert "WriteAttributes" in client, f"{lid}: without WriteAttributes, every one is writable"
        assert not any(a.startswith("custom:ins") for a in client["WriteAttributes"]), lid
        assert "custom:ins" in client["ReadAttributes"], lid
    mapping = TEMPLATE.resources["FranceConnect"].properties["AttributeMapping"]
    assert "custom:ins" not in mapping  # nor does FranceConnect's sign-in map one
    schema = {a["Name"]: a for a in TEMPLATE.resources["PatientUserPool"].properties["Schema"]}
    assert schema["ins"]["Mutable"] is False
