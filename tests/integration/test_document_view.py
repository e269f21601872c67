"""GET /me/documents/{id}/view on moto: the copy staged under views/ as the detected type, inline,
uncached; the link signed for the documents' own origin with the key of the secret; a view
traced; text refused (409) and another patient's document not found."""

import base64
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import boto3
from botocore.signers import CloudFrontSigner
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

from tests.integration.test_records_api import upload_pdf
from tests.unit.test_document_view import POLYGLOT


def verifies(url: str, secret_id: str, key_pair_id: str) -> bool:
    """Whether CloudFront would take this link: its canned policy signed with the secret's key."""
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert set(query) == {"Expires", "Signature", "Key-Pair-Id"}
    pem = boto3.client("secretsmanager").get_secret_value(SecretId=secret_id)["SecretString"]
    public = serialization.load_pem_private_key(pem.encode(), password=None).public_key()
    resource = f"{parts.scheme}://{parts.netloc}{parts.path}"
    when = datetime.fromtimestamp(int(query["Expires"]), UTC)
    policy = CloudFrontSigner(key_pair_id, lambda _: b"").build_policy(resource, when)
    signature = query["Signature"].replace("-", "+").replace("_", "=").replace("~", "/")
    public.verify(base64.b64decode(signature), policy.encode(), padding.PKCS1v15(), hashes.SHA1())  # noqa: S303
    return query["Key-Pair-Id"] == key_pair_id


def test_a_pdf_is_staged_as_a_pdf_inline_and_its_link_is_signed(api, person, s3, stack_env):
    alice = person("Alice")
    # Declared a PDF, sent as a PDF that is also a web page: staged as what it was detected.
    document_id = upload_pdf(api, alice, s3, data=POLYGLOT)
    status, _, view = api("GET", f"/me/documents/{document_id}/view", alice)
    assert status == 200, view
    assert view["content_type"] == "application/pdf" and 0 < view["expires_in"] <= 300
    url = view["url"]
    assert url.startswith(f"{stack_env['VIEW_ORIGIN']}/views/")
    assert verifies(url, stack_env["VIEW_SIGNING_KEY_SECRET_ID"], stack_env["VIEW_KEY_PAIR_ID"])
    staged = s3.get_object(Bucket=stack_env["DOWNLOADS_BUCKET"], Key=urlsplit(url).path[1:])
    assert staged["Body"].read() == POLYGLOT
    assert staged["ContentType"] == "application/pdf"
    assert staged["ContentDisposition"] == "inline; filename*=UTF-8''bilan.pdf"
    assert staged["CacheControl"] == "private, no-store"

    log = api("GET", "/me/access-log", alice)[2]["items"]
    assert (log[0]["action"], log[0]["object"]["id"]) == ("VIEW", document_id)


def test_text_is_only_downloaded_and_a_strangers_document_is_not_found(api, person, s3):
    alice, bob = person("Alice"), person("Bob")
    text_id = upload_pdf(api, alice, s3, data=b"Compte rendu en texte\n")
    status, _, refusal = api("GET", f"/me/documents/{text_id}/view", alice)
    assert (status, refusal["code"]) == (409, "CONFLICT")
    assert api("GET", f"/me/documents/{text_id}/content", alice)[0] == 200
    pdf_id = upload_pdf(api, alice, s3)
    status, _, refusal = api("GET", f"/me/documents/{pdf_id}/view", bob)
    assert (status, refusal["code"]) == (404, "NOT_FOUND")
    log = api("GET", "/me/access-log", alice)[2]["items"]
    assert "VIEW" not in {e["action"] for e in log}
