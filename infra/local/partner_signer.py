"""A partner system that signs its requests with the `http-message-signatures` library, as a real
integrator would (docs/partners.md): for the tests (tests/partner_fakes.py re-exports it) and the
benchmark. Besides the ordinary signature, it can sign what an attacker would (a given digest,
other components, no nonce) so that the tests can show each is refused."""

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
        raw: bytes = self.private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        return raw

    @property
    def public_key_pem(self) -> str:
        pem: bytes = self.private_key.public_key().public_bytes(
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
        tag: str | None = None,
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
            tag=tag,
            include_alg=include_alg,
            covered_component_ids=components,
            body=body,
            use_existing_digest=sign_given_digest or append_to is not None,
            append_if_signature_exists=append_to is not None,
        )
        return message.headers
