"""The website as template.yaml deploys it: a private bucket read only by its CloudFront
distribution (origin access control), TLS only, the site's security headers, and the API's
patient paths on the same origin, uncached."""

import re
from fnmatch import fnmatchcase
from typing import Any

import pytest

from infra.local.template import REPO_ROOT, Resolver
from infra.site.build import build
from infra.site.references import page_references
from tests.infra.test_deployed_template import CUSTOM_DOMAIN, TEMPLATE
from tests.infra.test_deployed_template import deployed as deployed_template

WEB_DOMAIN = {
    "WebDomainName": "espace.example.org",
    "WebCertificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/0f0e-22bb",
}
VIEWER_DOMAIN = {
    "ViewerDomainName": "documents.espace.example.org",
    "ViewerCertificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/0f0e-33cc",
}
CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
ALL_VIEWER_EXCEPT_HOST = "b689b0a8-53d0-40ab-baf2-68738e2966ac"
ALL_METHODS = {"GET", "HEAD", "OPTIONS", "PUT", "PATCH", "POST", "DELETE"}
# What the website calls; /fhir (partners, mTLS) and /operator (the CLI) are not its own.
WEBSITE_API = ("/me", "/pro", "/enrollment", "/accounts", "/agenda")


def deployed(**parameters: str) -> Resolver:
    """The template deployed with placeholder ids; the origin access control's id too."""
    resolver = deployed_template(**parameters)
    resolver.register("WebsiteOriginAccess", "ref-WebsiteOriginAccess", Id="id-WebsiteOriginAccess")
    resolver.register("ViewerOriginAccess", "ref-ViewerOriginAccess", Id="id-ViewerOriginAccess")
    resolver.register(
        "DocumentViewer", "ref-DocumentViewer", DomainName="d-DocumentViewer.cloudfront.net"
    )
    return resolver


def distribution(resolver: Resolver | None = None) -> dict[str, Any]:
    resolver = resolver or deployed()
    return resolver.resolve(TEMPLATE.properties("WebsiteDistribution"))["DistributionConfig"]


def origin(config: dict[str, Any], origin_id: str) -> dict[str, Any]:
    (found,) = [o for o in config["Origins"] if o["Id"] == origin_id]
    return found


def behaviour_for(config: dict[str, Any], path: str) -> dict[str, Any]:
    """The cache behaviour CloudFront picks for a path: the first pattern that matches."""
    for behaviour in config["CacheBehaviors"]:
        if fnmatchcase(path, behaviour["PathPattern"]):
            return behaviour
    return config["DefaultCacheBehavior"]


# ------------------------------------------------------------------------------- bucket
def test_the_bucket_is_private_encrypted_with_the_key_and_logged() -> None:
    bucket = deployed().resolve(TEMPLATE.properties("WebsiteBucket"))
    assert all(bucket["PublicAccessBlockConfiguration"].values())
    assert len(bucket["PublicAccessBlockConfiguration"]) == 4
    (rule,) = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rule["ServerSideEncryptionByDefault"] == {
        "SSEAlgorithm": "aws:kms",
        "KMSMasterKeyID": "arn-DataKey",
    }
    assert rule["BucketKeyEnabled"] is True  # the key policy's encryption context is the bucket
    assert bucket["LoggingConfiguration"]["DestinationBucketName"] == "ref-AccessLogsBucket"
    assert bucket["OwnershipControls"]["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}]


def test_only_the_distribution_reads_the_bucket_and_only_over_tls() -> None:
    policy = deployed().resolve(TEMPLATE.properties("WebsiteBucketPolicy"))
    statements = {s["Sid"]: s for s in policy["PolicyDocument"]["Statement"]}
    assert set(statements) == {"TlsOnly", "TheDistributionReads"}
    assert statements["TlsOnly"]["Effect"] == "Deny"
    reads = statements["TheDistributionReads"]
    assert reads["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert reads["Action"] == "s3:GetObject"  # no listing
    assert reads["Condition"] == {
        "StringEquals": {
            "AWS:SourceArn": "arn:aws:cloudfront::123456789012:distribution/ref-WebsiteDistribution"
        }
    }


def test_cloudfront_may_only_decrypt_the_website_buckets_objects() -> None:
    key = deployed().resolve(TEMPLATE.properties("DataKey"))
    statements = {s["Sid"]: s for s in key["KeyPolicy"]["Statement"]}
    cloudfront = [s for s in statements.values() if "cloudfront" in str(s["Principal"])]
    # The website's bucket here, the documents' views in tests/infra/test_viewer_template.py.
    assert [s["Sid"] for s in cloudfront] == [
        "CloudFrontMayReadTheWebsite",
        "CloudFrontMayReadViews",
    ]
    statement = statements["CloudFrontMayReadTheWebsite"]
    assert statement["Action"] == "kms:Decrypt"
    bucket = deployed().resolve(TEMPLATE.properties("WebsiteBucket"))["BucketName"]
    assert statement["Condition"] == {
        "ArnLike": {"aws:SourceArn": "arn:aws:cloudfront::123456789012:distribution/*"},
        "StringEquals": {"kms:EncryptionContext:aws:s3:arn": f"arn:aws:s3:::{bucket}"},
    }


# ------------------------------------------------------------------------- distribution
def test_the_bucket_is_reached_through_origin_access_control() -> None:
    config = distribution()
    website = origin(config, "website")
    assert website["DomainName"] == "d-WebsiteBucket"
    assert website["OriginAccessControlId"] == "id-WebsiteOriginAccess"
    assert website["S3OriginConfig"] == {"OriginAccessIdentity": ""}  # no legacy OAI
    oac = deployed().resolve(TEMPLATE.properties("WebsiteOriginAccess"))
    assert oac["OriginAccessControlConfig"] | {"Name": "", "Description": ""} == {
        "Name": "",
        "Description": "",
        "OriginAccessControlOriginType": "s3",
        "SigningBehavior": "always",
        "SigningProtocol": "sigv4",
    }
    assert config["DefaultRootObject"] == "index.html"


@pytest.mark.parametrize("parameters", [{}, WEB_DOMAIN])
def test_viewers_use_https_only(parameters) -> None:
    config = distribution(deployed(**parameters))
    behaviours = [config["DefaultCacheBehavior"], *config["CacheBehaviors"]]
    assert config["DefaultCacheBehavior"]["ViewerProtocolPolicy"] == "redirect-to-https"
    # An API call over plain HTTP has sent its token already: refused, not redirected.
    assert {b["ViewerProtocolPolicy"] for b in behaviours[1:]} == {"https-only"}
    assert origin(config, "api")["CustomOriginConfig"] == {
        "OriginProtocolPolicy": "https-only",
        "OriginSSLProtocols": ["TLSv1.2"],
    }


def test_the_websites_domain_takes_tls_1_2_at_least() -> None:
    assert distribution()["ViewerCertificate"] == {"CloudFrontDefaultCertificate": True}
    assert "Aliases" not in distribution()
    config = distribution(deployed(**WEB_DOMAIN))
    assert config["Aliases"] == ["espace.example.org"]
    assert config["ViewerCertificate"] == {
        "AcmCertificateArn": WEB_DOMAIN["WebCertificateArn"],
        "SslSupportMethod": "sni-only",
        "MinimumProtocolVersion": "TLSv1.2_2021",
    }


def test_pages_and_assets_come_from_the_bucket_compressed_with_the_headers() -> None:
    config = distribution()
    default = config["DefaultCacheBehavior"]
    assert default["TargetOriginId"] == "website"
    assert default["Compress"] is True
    assert default["ResponseHeadersPolicyId"] == "ref-WebsiteHeaders"
    for path in build(REPO_ROOT / "web").files:
        assert behaviour_for(config, f"/{path}") is default, path


def test_the_headers_policy_is_the_pages_own_plus_what_only_a_header_can_say() -> None:
    config = TEMPLATE.properties("WebsiteHeaders")["ResponseHeadersPolicyConfig"]
    headers = config["SecurityHeadersConfig"]
    page = (REPO_ROOT / "web" / "index.html").read_text()
    meta = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page)
    assert meta, "web/index.html declares its Content-Security-Policy in a <meta>"
    # The page cannot know the documents' origin: its own policy lets frames and images come
    # from any https origin (or the local stack's); the header, which both policies bind,
    # narrows them to the documents' own origin.
    anywhere = "https: http://127.0.0.1:* http://localhost:*"
    assert f"img-src 'self' data: {anywhere};" in meta.group(1)
    assert f"frame-src {anywhere};" in meta.group(1)
    narrowed = (
        meta.group(1)
        .replace(f"img-src 'self' data: {anywhere};", "img-src 'self' data: ${Viewer};")
        .replace(f"frame-src {anywhere};", "frame-src ${Viewer};")
    )
    policy = headers["ContentSecurityPolicy"]["ContentSecurityPolicy"]["Fn::Sub"]
    assert policy[0] == f"{narrowed}; frame-ancestors 'none'"
    for parameters, viewer in [
        ({}, "https://d-DocumentViewer.cloudfront.net"),
        (VIEWER_DOMAIN, "https://documents.espace.example.org"),
    ]:
        resolved = deployed(**parameters).resolve(TEMPLATE.properties("WebsiteHeaders"))
        csp = resolved["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]
        assert csp["ContentSecurityPolicy"]["ContentSecurityPolicy"] == policy[0].replace(
            "${Viewer}", viewer
        )
    hsts = headers["StrictTransportSecurity"]
    assert hsts["AccessControlMaxAgeSec"] >= 2 * 365 * 24 * 3600
    assert hsts["IncludeSubdomains"] is True
    assert headers["FrameOptions"]["FrameOption"] == "DENY"
    assert headers["ReferrerPolicy"]["ReferrerPolicy"] == "no-referrer"
    assert "ContentTypeOptions" in headers
    assert all(setting["Override"] is True for setting in headers.values())
    assert page_references(page), "the page names its assets"


# ---------------------------------------------------------------------------- same origin
def api_paths() -> list[str]:
    """Every route path of the template's API, {parameters} filled in."""
    paths = []
    for function in TEMPLATE.of_type("AWS::Serverless::Function"):
        for event in (TEMPLATE.properties(function.logical_id).get("Events") or {}).values():
            if event["Type"] == "Api":
                paths.append(re.sub(r"\{[^}]+\}", "x", event["Properties"]["Path"]))
    return paths


@pytest.mark.parametrize("parameters", [{}, CUSTOM_DOMAIN])
def test_the_websites_api_paths_go_to_the_api_uncached_with_every_header(parameters) -> None:
    config = distribution(deployed(**parameters))
    routed = [p for p in api_paths() if p.startswith(WEBSITE_API)]
    assert {"/me", "/me/x", "/pro/x", "/enrollment/opposition"} <= set(routed)
    for path in routed:
        behaviour = behaviour_for(config, path)
        assert behaviour["TargetOriginId"] == "api", path
        assert behaviour["CachePolicyId"] == CACHING_DISABLED, path
        assert behaviour["OriginRequestPolicyId"] == ALL_VIEWER_EXCEPT_HOST, path
        assert set(behaviour["AllowedMethods"]) == ALL_METHODS, path
    for path in set(api_paths()) - set(routed):
        assert behaviour_for(config, path)["TargetOriginId"] == "website", path
    assert {b["TargetOriginId"] for b in config["CacheBehaviors"]} == {"api"}


def test_every_api_call_of_the_website_is_routed_to_the_api() -> None:
    config = distribution()
    calls = set()
    for module in (REPO_ROOT / "web").rglob("*.js"):
        calls |= set(re.findall(r'api\("(/[^"?]*)', module.read_text()))
    calls = {c for c in calls if not c.startswith("/local/")}  # the local stack's own
    assert "/me" in calls
    for call in calls:
        assert behaviour_for(config, call)["TargetOriginId"] == "api", call


def test_the_api_origin_is_the_stage_or_the_custom_domain() -> None:
    plain = origin(distribution(), "api")
    assert plain["DomainName"] == "ref-Api.execute-api.eu-west-3.amazonaws.com"
    assert plain["OriginPath"] == "/v1"
    behind_domain = origin(distribution(deployed(**CUSTOM_DOMAIN)), "api")
    assert behind_domain["DomainName"] == CUSTOM_DOMAIN["ApiDomainName"]
    assert behind_domain["OriginPath"] == ""  # the domain maps the stage at its root
