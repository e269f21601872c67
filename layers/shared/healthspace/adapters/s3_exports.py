"""The ExportFiles port on S3: an export's ZIP written as a multipart upload, part by part (a
part leaves as soon as it is full: memory holds one part, whatever the ZIP's size), in the
downloads bucket, which expires it after a day; handed out by presigned GETs."""

from __future__ import annotations

from functools import cached_property
from typing import Any
from urllib.parse import quote

import boto3

from healthspace.lifecycle.ports import ZipUpload

# S3 takes parts of 5 MiB at least (the last excepted), 10,000 parts at most: 8 MiB parts hold
# a ZIP of 78 GiB, far beyond a space's 20,000 documents of 20 MB (docs/lifecycle.md).
PART_BYTES = 8 * 1024 * 1024


class S3Upload:
    """A multipart upload as a stream zipfile writes to (write and flush, no seek)."""

    def __init__(self, s3: Any, bucket: str, key: str, upload_id: str, part_bytes: int) -> None:
        self._s3 = s3
        self.bucket, self.key, self.upload_id = bucket, key, upload_id
        self._part_bytes = part_bytes
        self._buffer = bytearray()
        self.parts: list[dict[str, Any]] = []
        self.size = 0

    def write(self, data: bytes) -> int:
        self._buffer += data
        if len(self._buffer) >= self._part_bytes:
            # The buffer leaves as the part, as it is (parts need not be of one size): never
            # a copy of it.
            part, self._buffer = self._buffer, bytearray()
            self._send(part)
        return len(data)

    def flush(self) -> None:
        """Parts leave when full, never on a flush (S3's minimum size)."""

    def finish(self) -> None:
        if self._buffer or not self.parts:
            part, self._buffer = self._buffer, bytearray()
            self._send(part)

    def _send(self, part: bytearray) -> None:
        number = len(self.parts) + 1
        sent = self._s3.upload_part(
            Bucket=self.bucket, Key=self.key, UploadId=self.upload_id, PartNumber=number, Body=part
        )
        self.parts.append({"PartNumber": number, "ETag": sent["ETag"]})
        self.size += len(part)


class S3ExportFiles:
    def __init__(self, bucket: str, kms_key_id: str, part_bytes: int = PART_BYTES) -> None:
        self.bucket = bucket
        self.kms_key_id = kms_key_id
        self.part_bytes = part_bytes

    @cached_property
    def _s3(self) -> Any:
        return boto3.client("s3", config=boto3.session.Config(signature_version="s3v4"))

    def open(self, key: str) -> S3Upload:
        if not key.startswith("exports/"):
            raise ValueError("an export goes under exports/")
        started = self._s3.create_multipart_upload(
            Bucket=self.bucket,
            Key=key,
            ContentType="application/zip",
            ServerSideEncryption="aws:kms",
            SSEKMSKeyId=self.kms_key_id,
        )
        return S3Upload(self._s3, self.bucket, key, started["UploadId"], self.part_bytes)

    def complete(self, upload: ZipUpload) -> int:
        assert isinstance(upload, S3Upload)  # opened here
        upload.finish()
        self._s3.complete_multipart_upload(
            Bucket=upload.bucket,
            Key=upload.key,
            UploadId=upload.upload_id,
            MultipartUpload={"Parts": upload.parts},
        )
        return upload.size

    def abort(self, upload: ZipUpload) -> None:
        assert isinstance(upload, S3Upload)
        self._s3.abort_multipart_upload(
            Bucket=upload.bucket, Key=upload.key, UploadId=upload.upload_id
        )

    def link(self, key: str, filename: str, expires_in: int) -> str:
        url: str = self._s3.generate_presigned_url(
            "get_object",
            Params={
                "Bucket": self.bucket,
                "Key": key,
                "ResponseContentDisposition": f"attachment; filename*=UTF-8''{quote(filename)}",
                "ResponseContentType": "application/zip",
            },
            ExpiresIn=expires_in,
        )
        return url
