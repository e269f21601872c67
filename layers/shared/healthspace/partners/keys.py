"""Partners' public keys, registered and revoked by operators under a key id (docs/partners.md),
and the nonces that keep a signed request from being replayed: the two stores a signature
check reads and writes."""

import base64
import binascii
import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    PublicFormat,
    load_pem_public_key,
)
from pydantic import Field

from healthspace.kernel.clock import Clock
from healthspace.kernel.entity import Entity, Page, page_size
from healthspace.kernel.errors import BadRequest, Conflict, NotFound

ALGORITHM = "ed25519"
KEY_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")
PARTNER_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


class KeyStatus(StrEnum):
    ACTIVE = "ACTIVE"
    REVOKED = "REVOKED"


class PartnerKey(Entity):
    """A partner's public key, with who trusted it and who revoked it (the audit stays in the
    key's record: a revoked key is kept, and its id never reused)."""

    key_id: str
    partner_id: str
    alg: str = ALGORITHM
    public_key: bytes = Field(repr=False)  # raw 32 bytes (base64 in storage)
    status: KeyStatus = KeyStatus.ACTIVE
    registered_at: datetime
    registered_by: str
    revoked_at: datetime | None = None
    revoked_by: str | None = None


class KeyAction(StrEnum):
    REGISTERED = "REGISTERED"
    REVOKED = "REVOKED"


class KeyEvent(Entity):
    """The audit of an operator's change to a key: who did what, when (never the key itself)."""

    key_id: str
    partner_id: str
    action: KeyAction
    operator: str
    at: datetime


class PartnerKeys(Protocol):
    def get_key(self, key_id: str) -> PartnerKey | None:
        """Read with strong consistency: a revocation takes effect on the next request."""
        ...

    def add_key(self, key: PartnerKey, event: KeyEvent) -> bool:
        """Store a new key with its audit event, both or neither; False if its id is taken
        (revoked ids included)."""
        ...

    def save_revoked(self, key: PartnerKey, event: KeyEvent) -> bool:
        """Replace the stored key by its revoked copy if it is still active, with the audit
        event, both or neither; False otherwise."""
        ...

    def list_keys(self, partner_id: str, limit: int, cursor: str | None) -> Page[PartnerKey]:
        """A page of the partner's keys, oldest first."""
        ...

    def key_events(self, key_id: str) -> list[KeyEvent]:
        """The key's audit, oldest first (two events at most: registered, revoked)."""
        ...


class NonceStore(Protocol):
    def record_once(self, key_id: str, nonce: str, expires_at: datetime) -> bool:
        """Record the key's nonce, kept at least until `expires_at`; False if it was already
        recorded (one conditional write: the first use wins, even between concurrent calls)."""
        ...


# --- operators: trusting and revoking keys


def register_key(
    keys: PartnerKeys,
    clock: Clock,
    *,
    operator: str,
    partner_id: str,
    key_id: str,
    public_key: str | bytes,
) -> PartnerKey:
    """Trust a partner's Ed25519 public key (PEM, or its raw 32 bytes in base64) under a new key
    id. `operator` is the operator's pseudonymous id, kept in the key's record."""
    if not KEY_ID.fullmatch(key_id):
        raise BadRequest("key id must be 1 to 128 characters of A-Z a-z 0-9 . _ : -")
    if not PARTNER_ID.fullmatch(partner_id):
        raise BadRequest("partner id must be 1 to 64 characters of A-Z a-z 0-9 . _ -")
    if not operator:
        raise BadRequest("operator is required")
    key = PartnerKey(
        key_id=key_id,
        partner_id=partner_id,
        public_key=_raw_ed25519_key(public_key),
        registered_at=clock.now(),
        registered_by=operator,
    )
    if not keys.add_key(key, _event(key, KeyAction.REGISTERED, operator, key.registered_at)):
        raise Conflict(f"key id {key_id} is already registered")
    return key


def revoke_key(keys: PartnerKeys, clock: Clock, *, operator: str, key_id: str) -> PartnerKey:
    """Stop trusting a key, from the next request on. Revoking it again changes nothing (the
    first revocation's audit stays)."""
    if not operator:
        raise BadRequest("operator is required")
    key = keys.get_key(key_id) if KEY_ID.fullmatch(key_id) else None
    if key is None:
        raise NotFound(f"no key {key_id}")
    if key.status is KeyStatus.REVOKED:
        return key
    now = clock.now()
    revoked = key.model_copy(
        update={"status": KeyStatus.REVOKED, "revoked_at": now, "revoked_by": operator}
    )
    if keys.save_revoked(revoked, _event(key, KeyAction.REVOKED, operator, now)):
        return revoked
    # Another operator revoked it meanwhile: theirs is the record.
    stored = keys.get_key(key_id)
    if stored is None:
        raise NotFound(f"no key {key_id}")
    return stored


def list_keys(
    keys: PartnerKeys, partner_id: str, limit: int, cursor: str | None
) -> Page[PartnerKey]:
    """A page of a partner's keys, oldest first (an unknown partner has none)."""
    if not PARTNER_ID.fullmatch(partner_id):
        raise BadRequest("partner id must be 1 to 64 characters of A-Z a-z 0-9 . _ -")
    return keys.list_keys(partner_id, page_size(limit), cursor)


@dataclass(eq=False)
class KeyRegistry:
    """The operators' use case: trusting, listing and revoking partners' keys."""

    keys: PartnerKeys
    clock: Clock

    def register(self, operator: str, partner_id: str, key_id: str, public_key: str) -> PartnerKey:
        return register_key(
            self.keys,
            self.clock,
            operator=operator,
            partner_id=partner_id,
            key_id=key_id,
            public_key=public_key,
        )

    def revoke(self, operator: str, key_id: str) -> PartnerKey:
        return revoke_key(self.keys, self.clock, operator=operator, key_id=key_id)

    def list(self, partner_id: str, limit: int, cursor: str | None) -> Page[PartnerKey]:
        return list_keys(self.keys, partner_id, limit, cursor)


def _event(key: PartnerKey, action: KeyAction, operator: str, at: datetime) -> KeyEvent:
    return KeyEvent(
        key_id=key.key_id, partner_id=key.partner_id, action=action, operator=operator, at=at
    )


def _raw_ed25519_key(value: str | bytes) -> bytes:
    text = value.decode("ascii", "replace") if isinstance(value, bytes) else value
    text = text.strip()
    if text.startswith("-----BEGIN"):
        try:
            loaded = load_pem_public_key(text.encode())
        except ValueError:
            raise BadRequest("public key is not a PEM public key") from None
        if not isinstance(loaded, Ed25519PublicKey):
            raise BadRequest("public key must be an Ed25519 key")
        return loaded.public_bytes(Encoding.Raw, PublicFormat.Raw)
    try:
        raw = base64.b64decode(
            text.replace("-", "+").replace("_", "/") + "=" * (-len(text) % 4), validate=True
        )
    except (binascii.Error, ValueError):
        raise BadRequest("public key must be PEM, or 32 bytes in base64") from None
    if len(raw) != 32:
        raise BadRequest("an Ed25519 public key is 32 bytes")
    return raw


# --- verifying a request
