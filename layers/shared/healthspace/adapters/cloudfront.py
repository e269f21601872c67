"""Links to the documents' own origin: CloudFront signed URLs (canned policy, a key group's key).

The viewer distribution (template.yaml, DocumentViewer) serves the staged copies of the downloads
bucket's views/ prefix only to a URL signed with the private key of its key group, until the
URL's expiry. The private key (PEM) is a Secrets Manager secret, read once per instance; the key
pair id is the CloudFront public key's id. CloudFront verifies RSA-SHA1 signatures only: SHA-1
here signs a policy we write ourselves, not data an attacker chooses.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import Any
from urllib.parse import quote

import boto3
from botocore.signers import CloudFrontSigner
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa


class SignedViewLinks:
    def __init__(self, origin: str, key_pair_id: str, signing_key_secret_id: str) -> None:
        self.origin = origin.rstrip("/")
        self.key_pair_id = key_pair_id
        self.signing_key_secret_id = signing_key_secret_id

    @cached_property
    def _secrets(self) -> Any:
        return boto3.client("secretsmanager")

    @cached_property
    def _signer(self) -> CloudFrontSigner:
        pem = self._secrets.get_secret_value(SecretId=self.signing_key_secret_id)["SecretString"]
        key = serialization.load_pem_private_key(pem.encode(), password=None)
        if not isinstance(key, rsa.RSAPrivateKey):
            raise TypeError("the viewer's signing key must be an RSA private key (PEM)")

        def sign(message: bytes) -> bytes:
            return key.sign(message, padding.PKCS1v15(), hashes.SHA1())  # noqa: S303

        return CloudFrontSigner(self.key_pair_id, sign)

    def link(self, key: str, expires_in: int) -> str:
        """A URL of the object `key` on the viewer's origin, valid `expires_in` seconds."""
        expires = datetime.now(UTC) + timedelta(seconds=expires_in)
        url: str = self._signer.generate_presigned_url(
            f"{self.origin}/{quote(key)}", date_less_than=expires
        )
        return url
