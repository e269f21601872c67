"""The BlobStore port on S3: quarantine (presigned POST uploads), documents, download and view
staging."""

from __future__ import annotations

from functools import cached_property
from typing import Any
from urllib.parse import quote

import boto3

from healthspace.adapters.cloudfront import SignedViewLinks


class S3Blobs:
    def __init__(
        self,
        quarantine_bucket: str,
        documents_bucket: str,
        downloads_bucket: str,
        kms_key_id: str,
        views: SignedViewLinks | None = None,
    ) -> None:
        self.quarantine_bucket = quarantine_bucket
        self.documents_bucket = documents_bucket
        self.downloads_bucket = downloads_bucket
        self.kms_key_id = kms_key_id
        self.views = views

    @cached_property
    def _s3(self) -> Any:
        # Signature v4 everywhere: presigned URLs for KMS-encrypted objects require it.
        return boto3.client("s3", config=boto3.session.Config(signature_version="s3v4"))

    def _sse(self) -> dict[str, str]:
        return {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": self.kms_key_id}

    def presign_upload(
        self, key: str, max_bytes: int, expires_in: int
    ) -> tuple[str, dict[str, str]]:
        post = self._s3.generate_presigned_post(
            Bucket=self.quarantine_bucket,
            Key=key,
            Fields={"x-amz-server-side-encryption": "aws:kms"},
            Conditions=[
                ["content-length-range", 1, max_bytes],
                {"x-amz-server-side-encryption": "aws:kms"},
            ],
            ExpiresIn=expires_in,
        )
        return str(post["url"]), {k: str(v) for k, v in post["fields"].items()}

    def read_upload(self, key: str) -> bytes:
        body: bytes = self._s3.get_object(Bucket=self.quarantine_bucket, Key=key)["Body"].read()
        return body

    def discard_upload(self, key: str) -> None:
        self._s3.delete_object(Bucket=self.quarantine_bucket, Key=key)

    def put_document(self, key: str, data: bytes) -> None:
        self._s3.put_object(Bucket=self.documents_bucket, Key=key, Body=data, **self._sse())

    def get_document(self, key: str) -> bytes:
        body: bytes = self._s3.get_object(Bucket=self.documents_bucket, Key=key)["Body"].read()
        return body

    def delete_document(self, key: str) -> None:
        self._s3.delete_object(Bucket=self.documents_bucket, Key=key)

    def stage_download(
        self, key: str, data: bytes, content_type: str, filename: str, expires_in: int
    ) -> str:
        self._s3.put_object(
            Bucket=self.downloads_bucket,
            Key=key,
            Body=data,
            ContentType=content_type,
            **self._sse(),
        )
        disposition = f"attachment; filename*=UTF-8''{quote(filename)}"
        url: str = self._s3.generate_presigned_url(
            "get_object",
            Params={
                "Bucket": self.downloads_bucket,
                "Key": key,
                "ResponseContentDisposition": disposition,
                "ResponseContentType": content_type,
            },
            ExpiresIn=expires_in,
        )
        return url

    def stage_view(
        self, key: str, data: bytes, content_type: str, filename: str, expires_in: int
    ) -> str:
        """The copy under views/, which only the viewer distribution reads: its type and an
        inline disposition are the object's own, so CloudFront serves them as they are (with the
        viewer's response headers policy: nosniff, the sandboxing CSP, no-store)."""
        if self.views is None:
            raise RuntimeError("no viewer origin is configured")
        if not key.startswith("views/"):
            raise ValueError("a view's copy goes under views/")
        self._s3.put_object(
            Bucket=self.downloads_bucket,
            Key=key,
            Body=data,
            ContentType=content_type,
            ContentDisposition=f"inline; filename*=UTF-8''{quote(filename)}",
            CacheControl="private, no-store",
            **self._sse(),
        )
        return self.views.link(key, expires_in)
