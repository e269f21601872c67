"""Partner signatures at their edges (healthspace.partners.signatures): the window's bounds, the
parameters and digests a partner may send, and the reason given for each malformed request."""

import base64
import hashlib
from datetime import timedelta

import pytest

from healthspace.kernel.errors import BadRequest, SignatureRefused
from healthspace.partners.signatures import (
    MAX_DISPLAY_NAME,
    Refusal,
    read_professional_field,
    verify_request,
)
from tests.unit.test_signatures import BODY, DOCTOR, URL
from tests.unit.test_signatures import keys as keys  # the fixtures
from tests.unit.test_signatures import nonces as nonces
from tests.unit.test_signatures import partner as partner
from tests.unit.test_signatures import refused as refused
from tests.unit.test_signatures import verify as verify


def _digest(algorithm: str, body: bytes) -> str:
    value = base64.b64encode(hashlib.new(algorithm.replace("-", ""), body).digest()).decode()
    return f"{algorithm}=:{value}:"


def test_a_signature_valid_for_one_second_is_accepted(partner, verify, clock):
    created = clock.now()
    headers = partner.sign(
        "POST", URL, BODY, created=created, expires=created + timedelta(seconds=1)
    )
    assert verify(headers).partner_id == "chu-lyon"


def test_every_registered_parameter_may_be_sent(partner, verify, clock):
    headers = partner.sign("POST", URL, BODY, created=clock.now(), tag="healthspace")
    assert ";tag=" in headers["Signature-Input"]
    assert verify(headers).partner_id == "chu-lyon"


def test_a_content_digest_with_both_algorithms_is_accepted(partner, verify, clock):
    both = f"{_digest('sha-256', BODY)}, {_digest('sha-512', BODY)}"
    headers = partner.sign(
        "POST",
        URL,
        BODY,
        created=clock.now(),
        headers={"Content-Digest": both},
        sign_given_digest=True,
    )
    assert verify(headers).partner_id == "chu-lyon"


def test_a_too_long_window_is_told_as_such_at_its_last_second(partner, refused, clock):
    created = clock.now() - timedelta(seconds=300)
    headers = partner.sign(
        "POST", URL, BODY, created=created, expires=created + timedelta(seconds=400)
    )
    refused(Refusal.VALIDITY_TOO_LONG, headers)


@pytest.mark.parametrize("emptied", ["Signature", "Signature-Input"])
def test_an_empty_signature_field_is_unsigned(partner, refused, clock, emptied):
    headers = partner.sign("POST", URL, BODY, created=clock.now())
    headers[emptied] = ""
    refused(Refusal.UNSIGNED, headers)


@pytest.mark.parametrize("kept_single", ["Signature", "Signature-Input"])
def test_two_signatures_in_either_field_are_refused(partner, refused, clock, kept_single):
    first = partner.sign("POST", URL, BODY, created=clock.now())
    both = partner.sign("POST", URL, None, created=clock.now(), label="second", append_to=first)
    refused(Refusal.MULTIPLE_SIGNATURES, {**both, kept_single: first[kept_single]})


def test_a_request_for_a_professional_must_cover_them_whatever_its_method(
    partner, keys, nonces, clock
):
    headers = partner.sign("POST", URL, BODY, created=clock.now())
    with pytest.raises(SignatureRefused) as caught:
        verify_request(
            "POST", URL, headers, BODY, keys=keys, nonces=nonces, clock=clock, for_professional=True
        )
    assert caught.value.reason == Refusal.PROFESSIONAL_NOT_COVERED


def test_a_stored_key_that_is_not_an_ed25519_key_is_refused(partner, refused, keys, clock):
    key = keys.keys[partner.key_id]
    keys.keys[partner.key_id] = key.model_copy(update={"public_key": b"\x01" * 31})
    refused(Refusal.ALGORITHM, partner.sign("POST", URL, BODY, created=clock.now()))


@pytest.mark.parametrize("length", [1, MAX_DISPLAY_NAME])
def test_a_professionals_name_of_one_to_the_maximum_characters_is_read(length):
    name = "x" * length
    who = read_professional_field(f'"{DOCTOR}";profession="10";name="{name}"')
    assert who.display_name == name


def test_a_professionals_name_past_the_maximum_is_a_400():
    with pytest.raises(BadRequest):
        read_professional_field(f'"{DOCTOR}";profession="10";name="{"x" * 201}"')


@pytest.mark.parametrize("field", ["(", f'"{DOCTOR}";profession=10'])
def test_a_malformed_professional_field_says_what_is_expected(field):
    with pytest.raises(BadRequest) as caught:
        read_professional_field(field)
    assert "Healthspace-Professional must be" in caught.value.message
