"""The KeyService port on KMS: per-space data keys wrapped by the customer-managed key."""

from __future__ import annotations

from functools import cached_property
from typing import Any

import boto3


class KmsKeys:
    def __init__(self, key_id: str) -> None:
        self.key_id = key_id

    @cached_property
    def _kms(self) -> Any:
        return boto3.client("kms")

    @staticmethod
    def _context(space_id: str) -> dict[str, str]:
        return {"space_id": space_id}

    def generate_data_key(self, space_id: str) -> tuple[bytes, bytes]:
        result = self._kms.generate_data_key(
            KeyId=self.key_id, KeySpec="AES_256", EncryptionContext=self._context(space_id)
        )
        return result["Plaintext"], result["CiphertextBlob"]

    def unwrap_data_key(self, space_id: str, wrapped: bytes) -> bytes:
        result = self._kms.decrypt(
            KeyId=self.key_id, CiphertextBlob=wrapped, EncryptionContext=self._context(space_id)
        )
        plaintext: bytes = result["Plaintext"]
        return plaintext
