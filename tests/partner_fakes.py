"""In-memory ports of healthspace.signatures, and a partner that signs requests with the
`http-message-signatures` library as a real integrator would."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from http_message_signatures import (
    ContentDigest,
    HTTPMessageSigner,
    HTTPSignatureAlgorithm,
    MappingKeyResolver,
    algorithms,
)

from healthspace.signatures import KeyStatus, PartnerKey


class FakePartnerKeys:
    def __init__(self) -> None:
        self.keys: dict[str, PartnerKey] = {}
        self.reads: list[str] = []

    def get_key(self, key_id: str) -> PartnerKey | None:
        self.reads.append(key_id)
        return self.keys.get(key_id)

    def add_key(self, key: PartnerKey) -> bool:
        if key.key_id in self.keys:
            return False
        self.keys[key.key_id] = key
        return True

    def save_revoked(self, key: PartnerKey) -> bool:
        stored = self.keys.get(key.key_id)
        if stored is None or stored.status is not KeyStatus.ACTIVE:
            return False
        self.keys[key.key_id] = key
        return True

    def list_keys(self, partner_id: str) -> list[PartnerKey]:
        mine = [key for key in self.keys.values() if key.partner_id == partner_id]
        return sorted(mine, key=lambda key: (key.registered_at, key.key_id))


class FakeNonces:
    def __init__(self) -> None:
        self.recorded: dict[tuple[str, str], datetime] = {}
        self.calls = 0

    def record_once(self, key_id: str, nonce: str, expires_at: datetime) -> bool:
        self.calls += 1
        if (key_id, nonce) in self.recorded:
            return False
        self.recorded[(key_id, nonce)] = expires_at
        return True


@dataclass
class Message:
    """What the library's signer writes into: a method, a URL and a mutable header dict."""

    method: str
    url: str
    headers: dict[str, str] = field(default_factory=dict)


class _AnyDigest(ContentDigest):
    """Lets an attacker's signer sign whatever Content-Digest it was given."""

    @classmethod
    def prepare(cls, headers: Any, body: bytes | None, *, use_existing_digest: bool) -> None:
        return None


class _Sha512Digest(ContentDigest):
    algorithm = "sha-512"


class _AnyDigestSigner(HTTPMessageSigner):
    content_digest_class = _AnyDigest


class _Sha512Signer(HTTPMessageSigner):
    content_digest_class = _Sha512Digest


REQUIRED = ("@method", "@target-uri", "content-digest")


@dataclass
class Partner:
    """A partner system: its key id and private key (ours is only the public half)."""

    key_id: str
    private_key: Any = field(default_factory=Ed25519PrivateKey.generate)
    algorithm: type[HTTPSignatureAlgorithm] = algorithms.ED25519

    @property
    def public_key_raw(self) -> bytes:
        return self.private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)

    @property
    def public_key_pem(self) -> str:
        pem = self.private_key.public_key().public_bytes(
            Encoding.PEM, PublicFormat.SubjectPublicKeyInfo
        )
        return pem.decode()

    def sign(
        self,
        method: str,
        url: str,
        body: bytes | None,
        *,
        created: datetime,
        expires: datetime | None = None,
        nonce: str | None = "n0nce-0123456789abcdef",
        components: Sequence[str] = REQUIRED,
        headers: dict[str, str] | None = None,
        include_alg: bool = True,
        label: str = "partner",
        digest: str = "sha-256",
        sign_given_digest: bool = False,
        append_to: dict[str, str] | None = None,
    ) -> dict[str, str]:
        """The request's headers, signed. `body` None: no digest is computed (the components
        decide what is covered); `sign_given_digest`: sign the Content-Digest in `headers` as is."""
        message = Message(method, url, dict(append_to or headers or {}))
        signer_class: type[HTTPMessageSigner] = HTTPMessageSigner
        if sign_given_digest:
            signer_class = _AnyDigestSigner
        elif digest == "sha-512":
            signer_class = _Sha512Signer
        signer = signer_class(
            signature_algorithm=self.algorithm,
            key_resolver=MappingKeyResolver(
                public_keys={}, private_keys={self.key_id: self.private_key}
            ),
        )
        signer.sign(
            message,
            key_id=self.key_id,
            created=created,
            expires=expires if expires is not None else created + timedelta(seconds=120),
            nonce=nonce,
            label=label,
            include_alg=include_alg,
            covered_component_ids=components,
            body=body,
            use_existing_digest=sign_given_digest or append_to is not None,
            append_if_signature_exists=append_to is not None,
        )
        return message.headers
