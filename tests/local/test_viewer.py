"""The local documents' origin (infra/local/viewer.py) as the viewer distribution answers: the
headers of template.yaml's ViewerHeaders on every answer, the object's own type and disposition,
and only for a link signed by the records function's adapter (SignedViewLinks) before it expires,
under views/."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

import boto3
import httpx
import pytest
from moto import mock_aws

from healthspace.adapters.cloudfront import SignedViewLinks
from infra.local.template import Resolver, load_template
from infra.local.viewer import LocalViewer, new_signing_key
from infra.local.website import distribution_headers
from tests.unit.test_document_view import POLYGLOT

WEB_ORIGIN = "http://127.0.0.1:3000"
HEADERS = distribution_headers(
    Resolver(load_template(), parameters={"WebOrigin": WEB_ORIGIN}), "DocumentViewer"
)
BUCKET = "downloads"
KEY = "views/01VIEW/01DOC"


def has_the_headers(response: httpx.Response) -> bool:
    return all(response.headers.get(name) == value for name, value in HEADERS.items())


class Viewer:
    def __init__(self, viewer: LocalViewer, links: SignedViewLinks) -> None:
        self.viewer, self.links = viewer, links

    def get(self, url: str, **kwargs: object) -> httpx.Response:
        return httpx.get(url, timeout=10, **kwargs)  # type: ignore[arg-type]


@pytest.fixture
def viewer() -> Iterator[Viewer]:
    private, public = new_signing_key()
    with mock_aws():
        s3 = boto3.client("s3", region_name="eu-west-3")
        s3.create_bucket(
            Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-west-3"}
        )
        for key in (KEY, "downloads/01DL/01DOC"):
            s3.put_object(
                Bucket=BUCKET,
                Key=key,
                Body=POLYGLOT,
                ContentType="application/pdf",
                ContentDisposition="inline; filename*=UTF-8''bilan.pdf",
                CacheControl="private, no-store",
            )
        secret = boto3.client("secretsmanager", region_name="eu-west-3").create_secret(
            Name="viewer-key", SecretString=private
        )
        local = LocalViewer(0, BUCKET, public, "K2VIEWER", HEADERS)
        local.start()
        try:
            yield Viewer(local, SignedViewLinks(local.origin, "K2VIEWER", secret["ARN"]))
        finally:
            local.stop()


def test_the_headers_are_the_ones_cloudfront_sends() -> None:
    assert {
        "Content-Security-Policy": f"sandbox; default-src 'none'; frame-ancestors {WEB_ORIGIN}",
        "X-Content-Type-Options": "nosniff",
        "Strict-Transport-Security": "max-age=63072000; includeSubDomains",
        "Referrer-Policy": "no-referrer",
        "Cache-Control": "private, no-store",
    } == HEADERS


def test_a_signed_link_serves_the_object_as_its_type_inline_with_the_headers(viewer) -> None:
    response = viewer.get(viewer.links.link(KEY, 60))
    assert response.status_code == 200
    assert response.content == POLYGLOT
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"] == "inline; filename*=UTF-8''bilan.pdf"
    assert has_the_headers(response)


def test_a_range_is_served_as_the_pdf_viewer_asks(viewer) -> None:
    response = viewer.get(viewer.links.link(KEY, 60), headers={"Range": "bytes=0-7"})
    assert (response.status_code, response.content) == (206, POLYGLOT[:8])


def tampered(url: str) -> list[str]:
    parts = urlsplit(url)
    origin = f"{parts.scheme}://{parts.netloc}"
    query = dict(p.split("=", 1) for p in parts.query.split("&"))
    other = f"{origin}/views/01OTHER/01DOC?{parts.query}"
    later = url.replace(f"Expires={query['Expires']}", f"Expires={int(query['Expires']) + 60}")
    wrong_key = url.replace("Key-Pair-Id=K2VIEWER", "Key-Pair-Id=K2OTHER")
    return [f"{origin}{parts.path}", other, later, wrong_key]


def test_an_unsigned_tampered_or_expired_link_is_refused_with_the_headers(viewer) -> None:
    for url in [*tampered(viewer.links.link(KEY, 60)), viewer.links.link(KEY, -1)]:
        response = viewer.get(url)
        assert response.status_code == 403, url
        assert b"AccessDenied" in response.content and POLYGLOT not in response.content
        assert has_the_headers(response)


def test_a_download_is_not_the_viewers_to_serve_even_signed(viewer) -> None:
    response = viewer.get(viewer.links.link("downloads/01DL/01DOC", 60))
    assert response.status_code == 403


def test_an_absent_copy_is_denied_as_s3_does(viewer) -> None:
    assert viewer.get(viewer.links.link("views/01GONE/01DOC", 60)).status_code == 403
