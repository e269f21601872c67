"""Partners' keys and nonces on the deployed table (moto): the DynamoDB adapters of
healthspace.partners.keys, and what one signed request costs in DynamoDB requests."""

import json
import os
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import boto3
import pytest
from botocore.client import BaseClient

from healthspace.adapters.dynamodb.partners import DynamoNonces, DynamoPartnerKeys
from healthspace.adapters.dynamodb.table import DynamoStore
from healthspace.kernel.errors import Conflict, SignatureRefused
from healthspace.partners.keys import KeyAction, KeyStatus, register_key, revoke_key
from healthspace.partners.signatures import NONCE_RETENTION, Refusal, verify_request
from tests.fakes import FakeClock
from tests.partner_fakes import Partner, registered

URL = "https://partners.example.fr/fhir/DocumentReference"
BODY = b'{"resourceType": "DocumentReference"}'


@pytest.fixture
def store(deployed):
    return DynamoStore(os.environ["TABLE_NAME"])


@pytest.fixture
def keys(store):
    return DynamoPartnerKeys(store)


@pytest.fixture
def nonces(store):
    return DynamoNonces(store)


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def table(deployed):
    return boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])


@pytest.fixture
def partner(keys, clock):
    return registered(keys, clock, partner_id="lab-bio", key_id="lab-bio-01")


@pytest.fixture
def dynamodb_calls(monkeypatch):
    """DynamoDB requests, by operation, from every botocore client (PynamoDB's included)."""
    calls = Counter()
    make_api_call = BaseClient._make_api_call

    def counting(client, operation, params):
        if client.meta.service_model.service_name == "dynamodb":
            calls[operation] += 1
        return make_api_call(client, operation, params)

    monkeypatch.setattr(BaseClient, "_make_api_call", counting)
    return calls


# --- keys


def test_a_registered_key_is_stored_with_its_audit_and_read_back(partner, keys, table, clock):
    # Given a key registered by an operator
    # When it is read
    key = keys.get_key(partner.key_id)

    # Then it is the partner's, active, with who registered it and when
    assert key.partner_id == "lab-bio"
    assert key.public_key == partner.public_key_raw
    assert (key.status, key.registered_by, key.registered_at) == (
        KeyStatus.ACTIVE,
        "op-17",
        clock.now(),
    )
    item = table.get_item(Key={"pk": "PARTNERKEY#lab-bio-01", "sk": "KEY"})["Item"]
    assert (item["status"], item["gsi1pk"]) == ("ACTIVE", "PARTNERKEYS#lab-bio")
    assert json.loads(item["body"])["alg"] == "ed25519"


def test_an_unknown_key_reads_as_none(keys):
    assert keys.get_key("nobody") is None


def test_a_key_id_cannot_be_registered_twice(partner, keys, clock):
    with pytest.raises(Conflict):
        register_key(
            keys,
            clock,
            operator="op-9",
            partner_id="intruder",
            key_id=partner.key_id,
            public_key=Partner(key_id="x").public_key_pem,
        )

    assert keys.get_key(partner.key_id).partner_id == "lab-bio"


def test_a_revoked_key_keeps_its_record_and_cannot_be_revoked_again(partner, keys, clock):
    # Given a key revoked by an operator
    clock.advance(days=30)
    revoked = revoke_key(keys, clock, operator="op-3", key_id=partner.key_id)

    # Then the stored record says who revoked it and when
    stored = keys.get_key(partner.key_id)
    assert stored == revoked
    assert (stored.status, stored.revoked_by, stored.revoked_at) == (
        KeyStatus.REVOKED,
        "op-3",
        clock.now(),
    )
    # And the audit has both events, each with its operator
    events = keys.key_events(partner.key_id)
    assert [(e.action, e.operator) for e in events] == [
        (KeyAction.REGISTERED, "op-17"),
        (KeyAction.REVOKED, "op-3"),
    ]
    # And the adapter's conditional write refuses to revoke it a second time, audit and all
    again = revoked.model_copy(update={"revoked_by": "op-4"})
    later = events[1].model_copy(update={"operator": "op-4", "at": clock.now() + timedelta(1)})
    assert keys.save_revoked(again, later) is False
    assert keys.get_key(partner.key_id).revoked_by == "op-3"
    assert len(keys.key_events(partner.key_id)) == 2


def test_a_partners_keys_are_listed_oldest_first(keys, clock):
    # Given two keys of one partner, registered a year apart, and one of another partner
    for key_id, partner_id in [("lab-2025", "lab"), ("other-1", "other"), ("lab-2026", "lab")]:
        register_key(
            keys,
            clock,
            operator="op",
            partner_id=partner_id,
            key_id=key_id,
            public_key=Partner(key_id=key_id).public_key_pem,
        )
        clock.advance(days=365)

    assert [key.key_id for key in keys.list_keys("lab", 100, None).items] == [
        "lab-2025",
        "lab-2026",
    ]
    assert keys.list_keys("nobody", 100, None).items == []
    # And paged: one by one, the cursor leads to the next
    first = keys.list_keys("lab", 1, None)
    assert [key.key_id for key in first.items] == ["lab-2025"] and first.next_cursor
    second = keys.list_keys("lab", 1, first.next_cursor)
    assert [key.key_id for key in second.items] == ["lab-2026"]


# --- nonces


def test_a_nonce_is_recorded_once_with_a_ttl(nonces, table, clock):
    expires_at = clock.now() + timedelta(minutes=5)

    first = nonces.record_once("lab-bio-01", "nonce-0123456789abcdef", expires_at)
    replay = nonces.record_once("lab-bio-01", "nonce-0123456789abcdef", expires_at)

    assert (first, replay) == (True, False)
    item = table.get_item(Key={"pk": "NONCE#lab-bio-01#nonce-0123456789abcdef", "sk": "NONCE"})
    assert int(item["Item"]["expires_at"]) == int(expires_at.timestamp())


def test_the_same_nonce_under_another_key_is_another_record(nonces, clock):
    expires_at = clock.now() + timedelta(minutes=5)

    assert nonces.record_once("key-a", "nonce-0123456789abcdef", expires_at)
    assert nonces.record_once("key-b", "nonce-0123456789abcdef", expires_at)


def test_of_concurrent_uses_of_a_nonce_exactly_one_wins(nonces, clock):
    expires_at = clock.now() + timedelta(minutes=5)

    with ThreadPoolExecutor(8) as pool:
        wins = list(
            pool.map(
                lambda _: nonces.record_once("key-a", "raced-0123456789abcdef", expires_at),
                range(8),
            )
        )

    assert wins.count(True) == 1


# --- a signed request end to end, and its cost


def _verify(headers, keys, nonces, clock, body=BODY):
    return verify_request("POST", URL, headers, body, keys=keys, nonces=nonces, clock=clock)


def test_a_verified_request_costs_one_read_and_one_conditional_write(
    partner, keys, nonces, clock, table, dynamodb_calls
):
    headers = partner.sign("POST", URL, BODY, created=clock.now())

    verified = _verify(headers, keys, nonces, clock)

    assert verified.partner_id == "lab-bio"
    assert dynamodb_calls == {"GetItem": 1, "PutItem": 1}
    item = table.get_item(Key={"pk": f"NONCE#lab-bio-01#{verified.nonce}", "sk": "NONCE"})
    assert int(item["Item"]["expires_at"]) == int((verified.expires + NONCE_RETENTION).timestamp())


def test_a_replay_is_refused_by_the_conditional_write(partner, keys, nonces, clock, dynamodb_calls):
    headers = partner.sign("POST", URL, BODY, created=clock.now())
    _verify(headers, keys, nonces, clock)
    dynamodb_calls.clear()

    with pytest.raises(SignatureRefused) as caught:
        _verify(headers, keys, nonces, clock)

    assert caught.value.reason == Refusal.REPLAYED
    assert dynamodb_calls == {"GetItem": 1, "PutItem": 1}


def test_a_refused_signature_writes_nothing(partner, keys, nonces, clock, table, dynamodb_calls):
    headers = partner.sign("POST", URL, BODY, created=clock.now())

    with pytest.raises(SignatureRefused) as caught:
        _verify(headers, keys, nonces, clock, body=b"{}")

    assert caught.value.reason == Refusal.DIGEST_MISMATCH
    assert dynamodb_calls == {"GetItem": 1}
    assert table.scan(Select="COUNT")["Count"] == 2  # the key and its registration's audit


def test_an_expired_request_costs_no_request(partner, keys, nonces, clock, dynamodb_calls):
    headers = partner.sign("POST", URL, BODY, created=clock.now())
    clock.advance(minutes=3)

    with pytest.raises(SignatureRefused) as caught:
        _verify(headers, keys, nonces, clock)

    assert caught.value.reason == Refusal.EXPIRED
    assert dynamodb_calls == {}


def test_a_revocation_holds_from_the_next_request(partner, keys, nonces, clock):
    _verify(
        partner.sign("POST", URL, BODY, created=clock.now(), nonce="n-1-0123456789abcdef"),
        keys,
        nonces,
        clock,
    )
    revoke_key(keys, clock, operator="op-3", key_id=partner.key_id)

    with pytest.raises(SignatureRefused) as caught:
        _verify(
            partner.sign("POST", URL, BODY, created=clock.now(), nonce="n-2-0123456789abcdef"),
            keys,
            nonces,
            clock,
        )

    assert caught.value.reason == Refusal.REVOKED_KEY
