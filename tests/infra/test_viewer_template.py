"""The documents' own origin as template.yaml deploys it (docs/viewer.md): a distribution in front
of the downloads bucket's views/ only, reached by links signed with the key group's key, whose
answers carry nosniff and a sandboxing Content-Security-Policy; the records function may stage
views and read the signing key, and nothing more."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from infra.local.template import REPO_ROOT, _CfnLoader
from tests.infra.test_deployed_template import TEMPLATE
from tests.infra.test_website_template import CACHING_DISABLED, VIEWER_DOMAIN, deployed


def viewer(**parameters: str) -> dict[str, Any]:
    resolved = deployed(**parameters).resolve(TEMPLATE.properties("DocumentViewer"))
    return resolved["DistributionConfig"]


def test_only_signed_links_reach_the_views_uncached_with_the_viewers_headers() -> None:
    config = viewer()
    (origin,) = config["Origins"]
    assert origin["DomainName"] == "d-DownloadsBucket"
    assert origin["OriginAccessControlId"] == "id-ViewerOriginAccess"
    assert origin["S3OriginConfig"] == {"OriginAccessIdentity": ""}
    behaviour = config["DefaultCacheBehavior"]
    assert "CacheBehaviors" not in config
    assert behaviour["TrustedKeyGroups"] == ["ref-ViewerKeyGroup"]
    assert behaviour["CachePolicyId"] == CACHING_DISABLED
    assert behaviour["ResponseHeadersPolicyId"] == "ref-ViewerHeaders"
    assert behaviour["ViewerProtocolPolicy"] == "https-only"
    assert set(behaviour["AllowedMethods"]) == {"GET", "HEAD"}
    group = deployed().resolve(TEMPLATE.properties("ViewerKeyGroup"))["KeyGroupConfig"]
    assert group["Items"] == ["ref-ViewerPublicKey"]
    key = deployed(ViewerPublicKeyPem="PEM").resolve(TEMPLATE.properties("ViewerPublicKey"))
    assert key["PublicKeyConfig"]["EncodedKey"] == "PEM"


def test_a_deployment_without_the_public_key_is_refused_before_it_starts() -> None:
    text = (REPO_ROOT / "template.yaml").read_text(encoding="utf-8")
    rules = yaml.load(text, Loader=_CfnLoader)["Rules"]  # noqa: S506 (safe subclass)
    (rule,) = rules["ViewerKeyGiven"]["Assertions"]
    assert rule["Assert"] == {"Fn::Not": [{"Fn::Equals": [{"Ref": "ViewerPublicKeyPem"}, ""]}]}


def test_a_document_never_runs_as_a_page_and_only_the_website_frames_it() -> None:
    config = deployed(WebOrigin="https://espace.example.org").resolve(
        TEMPLATE.properties("ViewerHeaders")
    )["ResponseHeadersPolicyConfig"]
    security = config["SecurityHeadersConfig"]
    csp = security["ContentSecurityPolicy"]["ContentSecurityPolicy"].split("; ")
    assert csp == ["sandbox", "default-src 'none'", "frame-ancestors https://espace.example.org"]
    assert "ContentTypeOptions" in security  # nosniff
    assert security["ReferrerPolicy"]["ReferrerPolicy"] == "no-referrer"
    assert all(setting["Override"] is True for setting in security.values())
    custom = {i["Header"]: i["Value"] for i in config["CustomHeadersConfig"]["Items"]}
    assert custom == {"Cache-Control": "private, no-store"}


def test_the_distribution_reads_views_only_and_may_decrypt_only_that_bucket() -> None:
    policy = deployed().resolve(TEMPLATE.properties("DownloadsBucketPolicy"))
    statements = {s["Sid"]: s for s in policy["PolicyDocument"]["Statement"]}
    reads = statements["TheViewerReadsViews"]
    assert reads["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert reads["Action"] == "s3:GetObject"
    assert reads["Resource"] == "arn-DownloadsBucket/views/*"  # never downloads/
    assert reads["Condition"] == {
        "StringEquals": {
            "AWS:SourceArn": "arn:aws:cloudfront::123456789012:distribution/ref-DocumentViewer"
        }
    }
    key = deployed().resolve(TEMPLATE.properties("DataKey"))
    (statement,) = [
        s for s in key["KeyPolicy"]["Statement"] if s["Sid"] == "CloudFrontMayReadViews"
    ]
    bucket = deployed().resolve(TEMPLATE.properties("DownloadsBucket"))["BucketName"]
    assert statement["Action"] == "kms:Decrypt"
    assert statement["Condition"]["StringEquals"] == {
        "kms:EncryptionContext:aws:s3:arn": f"arn:aws:s3:::{bucket}"
    }


@pytest.mark.parametrize(
    ("parameters", "origin"),
    [
        ({}, "https://d-DocumentViewer.cloudfront.net"),
        (VIEWER_DOMAIN, "https://documents.espace.example.org"),
        ({"ViewerOrigin": "http://127.0.0.1:4000"}, "http://127.0.0.1:4000"),
    ],
)
def test_the_functions_sign_links_to_the_viewers_origin(parameters, origin) -> None:
    variables = TEMPLATE.globals["Function"]["Environment"]["Variables"]
    resolved = deployed(**parameters).resolve(variables)
    assert resolved["VIEW_ORIGIN"] == origin
    assert resolved["VIEW_KEY_PAIR_ID"] == "ref-ViewerPublicKey"
    assert resolved["VIEW_SIGNING_KEY_SECRET_ID"] == "ref-ViewerSigningKey"
    config = viewer(**parameters)
    if parameters == VIEWER_DOMAIN:
        assert config["Aliases"] == ["documents.espace.example.org"]
        assert config["ViewerCertificate"]["MinimumProtocolVersion"] == "TLSv1.2_2021"


def test_the_records_function_stages_views_and_reads_the_key_nothing_more() -> None:
    function = deployed().resolve(TEMPLATE.properties("RecordsFunction"))
    statements = {s["Sid"]: s for s in function["Policies"][0]["Statement"]}
    assert statements["StageViews"]["Action"] == "s3:PutObject"
    assert statements["StageViews"]["Resource"] == "arn-DownloadsBucket/views/*"
    assert statements["ViewerSigningKey"] == {
        "Sid": "ViewerSigningKey",
        "Effect": "Allow",
        "Action": "secretsmanager:GetSecretValue",
        "Resource": "ref-ViewerSigningKey",
    }
    others = [
        lid
        for lid in (r.logical_id for r in TEMPLATE.of_type("AWS::Serverless::Function"))
        if "ViewerSigningKey" in str(TEMPLATE.properties(lid).get("Policies"))
    ]
    assert others == ["RecordsFunction"]
