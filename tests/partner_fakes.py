"""In-memory ports of healthspace.signatures, and (from infra.local.partner_signer, shared with
the benchmark) a partner that signs requests with the `http-message-signatures` library as a
real integrator would."""

from __future__ import annotations

from datetime import datetime

from healthspace.kernel.clock import Clock
from healthspace.kernel.entity import Page
from healthspace.partners.keys import KeyEvent, KeyStatus, PartnerKey, PartnerKeys, register_key
from infra.local.partner_signer import Message, Partner

__all__ = ["FakeNonces", "FakePartnerKeys", "Message", "Partner", "registered"]


class FakePartnerKeys:
    def __init__(self) -> None:
        self.keys: dict[str, PartnerKey] = {}
        self.events: list[KeyEvent] = []
        self.reads: list[str] = []

    def get_key(self, key_id: str) -> PartnerKey | None:
        self.reads.append(key_id)
        return self.keys.get(key_id)

    def add_key(self, key: PartnerKey, event: KeyEvent) -> bool:
        if key.key_id in self.keys:
            return False
        self.keys[key.key_id] = key
        self.events.append(event)
        return True

    def save_revoked(self, key: PartnerKey, event: KeyEvent) -> bool:
        stored = self.keys.get(key.key_id)
        if stored is None or stored.status is not KeyStatus.ACTIVE:
            return False
        self.keys[key.key_id] = key
        self.events.append(event)
        return True

    def list_keys(self, partner_id: str, limit: int, cursor: str | None) -> Page[PartnerKey]:
        mine = [key for key in self.keys.values() if key.partner_id == partner_id]
        ordered = sorted(mine, key=lambda key: (key.registered_at, key.key_id))
        start = int(cursor or 0)
        more = start + limit < len(ordered)
        return Page[PartnerKey](
            items=ordered[start : start + limit], next_cursor=str(start + limit) if more else None
        )

    def key_events(self, key_id: str) -> list[KeyEvent]:
        return [event for event in self.events if event.key_id == key_id]


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


def registered(keys: PartnerKeys, clock: Clock, *, partner_id: str, key_id: str) -> Partner:
    """A partner system whose public key an operator registered."""
    partner = Partner(key_id=key_id)
    register_key(
        keys,
        clock,
        operator="op-17",
        partner_id=partner_id,
        key_id=partner.key_id,
        public_key=partner.public_key_pem,
    )
    return partner
