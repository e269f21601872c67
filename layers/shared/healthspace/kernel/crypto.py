"""Envelope encryption of documents with the space's data key.

Each space has one AES-256 data key, wrapped by the customer-managed KMS key with the space id as
encryption context and stored with the space. Destroying the wrapped key destroys every copy of
the space's documents, backups included. Blob format: version byte | 12-byte nonce | ciphertext+tag.
The associated data binds a blob to its space and document, so blobs cannot be swapped.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from typing import Protocol

from cachetools import TTLCache
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from healthspace.kernel.errors import HealthSpaceError

_FORMAT_V1 = b"\x01"


class KeyService(Protocol):
    """Per-space data keys, wrapped by the customer-managed KMS key (space id as context)."""

    def generate_data_key(self, space_id: str) -> tuple[bytes, bytes]:
        """(plaintext key, wrapped key)."""
        ...

    def unwrap_data_key(self, space_id: str, wrapped: bytes) -> bytes: ...


_NONCE_BYTES = 12


class DecryptionFailed(HealthSpaceError, code="DECRYPTION_FAILED"):
    """A blob that its space's key does not open: altered, or not this document's."""


def _associated_data(space_id: str, document_id: str) -> bytes:
    return f"healthspace/v1/{space_id}/{document_id}".encode()


def encrypt_document(key: bytes, space_id: str, document_id: str, plaintext: bytes) -> bytes:
    nonce = os.urandom(_NONCE_BYTES)
    sealed = AESGCM(key).encrypt(nonce, plaintext, _associated_data(space_id, document_id))
    return _FORMAT_V1 + nonce + sealed


def decrypt_document(key: bytes, space_id: str, document_id: str, blob: bytes) -> bytes:
    if blob[:1] != _FORMAT_V1:
        raise DecryptionFailed("unknown document blob format")
    nonce, sealed = blob[1 : 1 + _NONCE_BYTES], blob[1 + _NONCE_BYTES :]
    try:
        return AESGCM(key).decrypt(nonce, sealed, _associated_data(space_id, document_id))
    except InvalidTag as exc:
        raise DecryptionFailed("document blob failed authentication") from exc


class DataKeyCache:
    """Unwrapped data keys kept in memory for a few minutes: a warm function makes no KMS call.

    Bounded in size and age, so a purged space's key does not linger.
    """

    def __init__(
        self,
        keys: KeyService,
        ttl_seconds: float = 300,
        max_keys: int = 1024,
        timer: Callable[[], float] = time.monotonic,
    ) -> None:
        self._keys = keys
        self._cache: TTLCache[tuple[str, bytes], bytes] = TTLCache(max_keys, ttl_seconds, timer)
        self._lock = threading.Lock()

    def data_key(self, space_id: str, wrapped: bytes) -> bytes:
        cache_key = (space_id, wrapped)
        with self._lock:
            key = self._cache.get(cache_key)
        if key is None:
            key = self._keys.unwrap_data_key(space_id, wrapped)
            with self._lock:
                self._cache[cache_key] = key
        return key
