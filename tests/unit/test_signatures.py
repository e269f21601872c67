"""Partner requests signed with HTTP Message Signatures (RFC 9421, Ed25519): what is accepted, and
every attack refused with a 401, a generic OperationOutcome and nothing stored."""

import base64
import hashlib
import re
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
    load_pem_public_key,
)
from http_message_signatures import HTTPMessageVerifier, MappingKeyResolver, algorithms

from healthspace.kernel.errors import (
    BadRequest,
    Conflict,
    InvalidIdentifier,
    NotFound,
    ProfessionNotAllowed,
    SignatureRefused,
)
from healthspace.partners import signatures
from healthspace.partners.keys import KeyStatus, PartnerKey, register_key, revoke_key
from healthspace.partners.signatures import (
    NONCE_RETENTION,
    Refusal,
    operation_outcome,
    read_professional_field,
    verify_request,
)
from tests.fakes import FakeClock
from tests.partner_fakes import FakeNonces, FakePartnerKeys, Message, Partner, registered
from tests.unit.test_care_access import rpps


def _sha256(body: bytes) -> str:
    return "sha-256=:" + base64.b64encode(hashlib.sha256(body).digest()).decode() + ":"


URL = "https://partners.example.fr/fhir/DocumentReference?patient=123&_format=json"
BODY = b'{"resourceType": "DocumentReference", "status": "current", "secret": "DIAGNOSIS-XYZ"}'


@pytest.fixture
def keys():
    return FakePartnerKeys()


@pytest.fixture
def nonces():
    return FakeNonces()


@pytest.fixture
def partner(keys, clock):
    """A hospital system whose public key the operators registered."""
    return registered(keys, clock, partner_id="chu-lyon", key_id="chu-lyon-2026")


@pytest.fixture
def verify(keys, nonces, clock):
    def call(headers, method="POST", url=URL, body=BODY):
        return verify_request(method, url, headers, body, keys=keys, nonces=nonces, clock=clock)

    return call


@pytest.fixture
def refused(verify, nonces):
    """Asserts that the request is refused for `reason`, with a 401, nothing stored, and no nonce
    even tried unless it is the replay; and that no part of the body is in the error."""

    def check(reason, headers, **request):
        before, calls = dict(nonces.recorded), nonces.calls
        with pytest.raises(SignatureRefused) as caught:
            verify(headers, **request)
        error = caught.value
        assert (error.status, error.code, error.reason) == (401, "SIGNATURE_REFUSED", reason)
        assert nonces.recorded == before
        assert nonces.calls == calls + (reason is Refusal.REPLAYED)
        assert "DIAGNOSIS" not in f"{error} {error.reason} {operation_outcome(error)}"
        return error

    return check


# --- accepted


def test_a_signed_request_is_accepted_for_its_partner(partner, verify, clock):
    # Given a POST signed over method, URL and body digest, valid two minutes
    headers = partner.sign("POST", URL, BODY, created=clock.now())

    # When it is verified
    verified = verify(headers)

    # Then it is the registered partner's, with the signature's window
    assert (verified.partner_id, verified.key_id) == ("chu-lyon", "chu-lyon-2026")
    assert verified.expires == clock.now().replace(microsecond=0) + timedelta(seconds=120)


def test_the_nonce_is_recorded_with_a_ttl_past_the_signature_expiry(partner, verify, nonces, clock):
    headers = partner.sign("POST", URL, BODY, created=clock.now(), nonce="abcdefghijklmnop")

    verified = verify(headers)

    assert nonces.recorded == {
        ("chu-lyon-2026", "abcdefghijklmnop"): verified.expires + NONCE_RETENTION
    }


def test_a_get_with_an_empty_body_carries_the_empty_digest(partner, verify, clock):
    # Given a GET: Content-Digest is required even without a body (the digest of no bytes)
    headers = partner.sign(
        "GET", URL, b"", created=clock.now(), components=READ, headers=dict(FOR_DOCTOR)
    )
    assert "sha-256=:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=:" in headers["Content-Digest"]

    # Then it is accepted with no body, None or empty
    assert verify(headers, method="GET", body=None).partner_id == "chu-lyon"


# --- reads: the professional they are for is signed

READ = (*signatures.REQUIRED_COMPONENTS, "healthspace-professional")
DOCTOR = rpps(61)
FOR_DOCTOR = {"Healthspace-Professional": f'"{DOCTOR}";profession="10"'}


def test_a_read_carries_the_signed_professional(partner, verify, clock):
    headers = partner.sign(
        "GET", URL, b"", created=clock.now(), components=READ, headers=dict(FOR_DOCTOR)
    )

    verified = verify(headers, method="GET", body=b"")

    assert verified.professional == FOR_DOCTOR["Healthspace-Professional"]


def test_a_write_needs_no_professional_and_carries_none(partner, verify, clock):
    verified = verify(partner.sign("POST", URL, BODY, created=clock.now()))

    assert verified.professional is None


def test_a_read_whose_signature_leaves_the_professional_out_is_refused(partner, refused, clock):
    # Given a read signed over the base components only, the professional's field sent beside
    headers = partner.sign("GET", URL, b"", created=clock.now(), headers=dict(FOR_DOCTOR))

    # Then anyone could have swapped the professional: refused before the key is read
    error = refused(Refusal.PROFESSIONAL_NOT_COVERED, headers, method="GET", body=b"")
    assert "Healthspace-Professional" in error.message


def test_a_read_without_the_professional_is_refused(partner, refused, clock):
    headers = partner.sign("GET", URL, b"", created=clock.now())

    refused(Refusal.PROFESSIONAL_NOT_COVERED, headers, method="GET", body=b"")


def test_a_professional_covered_with_a_parameter_does_not_count(partner, refused, clock):
    headers = partner.sign("GET", URL, b"", created=clock.now(), headers=dict(FOR_DOCTOR))
    # Signature-Input naming it `;sf` only: refused on its face, before the key is read
    headers["Signature-Input"] = headers["Signature-Input"].replace(
        '"content-digest")', '"content-digest" "healthspace-professional";sf)'
    )

    refused(Refusal.PROFESSIONAL_NOT_COVERED, headers, method="GET", body=b"")


def test_a_swapped_professional_breaks_the_signature(partner, refused, clock):
    headers = partner.sign(
        "GET", URL, b"", created=clock.now(), components=READ, headers=dict(FOR_DOCTOR)
    )
    headers["Healthspace-Professional"] = f'"{rpps(62)}";profession="10"'

    refused(Refusal.BAD_SIGNATURE, headers, method="GET", body=b"")


@pytest.mark.parametrize(
    ("field", "name"),
    [
        (f'"{DOCTOR}";profession="10"', None),
        (f'"{DOCTOR}";profession="10";name="Claire Dubois"', "Claire Dubois"),
        (f'"{DOCTOR}";profession="60";name=%"Cl%c3%a9ment Ga%c3%abl"', "Clément Gaël"),
    ],
)
def test_the_professional_field_is_read(field, name):
    who = read_professional_field(field)

    assert (who.professional.rpps, who.display_name) == (DOCTOR, name)
    assert who.professional.profession.value in ("10", "60")


@pytest.mark.parametrize(
    "field",
    [
        "",
        f"{DOCTOR};profession=10",  # an Integer, not a String
        f'"{DOCTOR}"',  # no profession
        f'"{DOCTOR}";profession="10";role="x"',  # unknown parameter
        f'"{DOCTOR}";profession="10";profession="21"',  # repeated parameter
        f'"{DOCTOR}";profession="10", "{rpps(62)}";profession="10"',  # two (two field lines)
        f'"{DOCTOR}";profession="10";name=""',
    ],
)
def test_a_malformed_professional_field_is_a_400(field):
    with pytest.raises(BadRequest) as caught:
        read_professional_field(field)
    assert caught.value.code == "BAD_REQUEST"


def test_the_rpps_and_profession_follow_the_care_rules():
    with pytest.raises(InvalidIdentifier):
        read_professional_field('"12345678901";profession="10"')  # Luhn fails
    with pytest.raises(ProfessionNotAllowed):
        read_professional_field(f'"{DOCTOR}";profession="93"')


def test_header_names_are_case_insensitive(partner, verify, clock):
    headers = partner.sign("POST", URL, BODY, created=clock.now())

    lower = {name.lower(): value for name, value in headers.items()}

    assert verify(lower).partner_id == "chu-lyon"


def test_multi_value_headers_and_a_text_body_as_api_gateway_sends_them(partner, verify, clock):
    headers = partner.sign("POST", URL, BODY, created=clock.now())

    multi = {name.upper(): [value] for name, value in headers.items()}

    assert verify(multi, body=BODY.decode()).partner_id == "chu-lyon"


def test_a_sha_512_digest_is_accepted(partner, verify, clock):
    headers = partner.sign("POST", URL, BODY, created=clock.now(), digest="sha-512")
    assert headers["Content-Digest"].startswith("sha-512=")

    assert verify(headers).partner_id == "chu-lyon"


def test_a_signature_without_the_alg_parameter_is_verified_as_ed25519(partner, verify, clock):
    headers = partner.sign("POST", URL, BODY, created=clock.now(), include_alg=False)

    assert verify(headers).partner_id == "chu-lyon"


def test_a_partner_clock_up_to_30_seconds_ahead_is_tolerated(partner, verify, clock):
    headers = partner.sign("POST", URL, BODY, created=clock.now() + timedelta(seconds=30))

    assert verify(headers).partner_id == "chu-lyon"


def test_a_signature_valid_for_exactly_five_minutes_is_accepted(partner, verify, clock):
    created = clock.now()
    headers = partner.sign(
        "POST", URL, BODY, created=created, expires=created + timedelta(seconds=300)
    )
    clock.advance(seconds=299)

    assert verify(headers).partner_id == "chu-lyon"


def test_time_is_checked_on_the_injected_clock_not_the_wall_clock(keys, nonces):
    # Given a clock years away from the machine's (the library's own check reads the wall clock)
    clock = FakeClock(datetime(2031, 5, 4, 12, 0, tzinfo=UTC))
    lab = Partner(key_id="lab-2031")
    register_key(
        keys,
        clock,
        operator="op",
        partner_id="lab",
        key_id=lab.key_id,
        public_key=lab.public_key_pem,
    )
    headers = lab.sign("POST", URL, BODY, created=clock.now())

    verified = verify_request("POST", URL, headers, BODY, keys=keys, nonces=nonces, clock=clock)

    assert verified.created == clock.now()


# --- interoperability: what another RFC 9421 implementation produces

# RFC 9421 Appendix B.1.4's test key (test-key-ed25519), public half.
RFC_9421_PUBLIC_KEY = """-----BEGIN PUBLIC KEY-----
MCowBQYDK2VwAyEAJrQLj5P/89iXES9+vFgrIy29clF9CC/oPPsw3c5D0bs=
-----END PUBLIC KEY-----
"""


def test_the_library_rebuilds_rfc_9421s_own_ed25519_example():
    # Given RFC 9421's Appendix B.2.6 request and signature (another implementation's output)
    request = Message(
        "POST",
        "https://example.com/foo?param=Value&Pet=dog",
        {
            "Host": "example.com",
            "Date": "Tue, 20 Apr 2021 02:07:55 GMT",
            "Content-Type": "application/json",
            "Content-Length": "18",
            "Signature-Input": 'sig-b26=("date" "@method" "@path" "@authority" "content-type" '
            '"content-length");created=1618884473;keyid="test-key-ed25519"',
            "Signature": "sig-b26=:wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQCK1u02Gb04v9EDgwUP"
            "iu4A0w6vuQv5lIp5WPpBKRCw==:",
        },
    )
    verifier = HTTPMessageVerifier(
        signature_algorithm=algorithms.ED25519,
        key_resolver=MappingKeyResolver(
            public_keys={"test-key-ed25519": load_pem_public_key(RFC_9421_PUBLIC_KEY.encode())},
            private_keys={},
        ),
    )

    # Then the library verifies it: its signature base is the RFC's
    assert verifier.verify(request, max_age=None)[0].parameters["keyid"] == "test-key-ed25519"


def test_the_request_shown_in_docs_partners_md_is_accepted(keys, verify, clock):
    # Given the documented example: signed by hand over the documented signature base
    register_key(
        keys,
        clock,
        operator="op",
        partner_id="example",
        key_id="test-key-ed25519",
        public_key=RFC_9421_PUBLIC_KEY,
    )
    headers = {
        "Content-Type": "application/fhir+json",
        "Content-Digest": "sha-256=:rgytL3M/qoD8i9D8ANuZ9H/vDGrhDB+ZBCHSpyazRt4=:",
        "Signature-Input": 'partner=("@method" "@target-uri" "content-digest");created=1795856400'
        ';expires=1795856520;keyid="test-key-ed25519";nonce="5VdG7d1sQKqz9tZk3XnR0w"'
        ';alg="ed25519"',
        "Signature": "partner=:j6QgW9GnH3lH4q3GPRfVbgwVwS+I2+BoipmGFNPVF5cjzNaZw980RLxenaA9xJvWxa"
        "pfK5GfvTPlNIq1/sDIBQ==:",
    }
    clock.advance(seconds=10)

    verified = verify(
        headers,
        url="https://partners.example.fr/fhir/DocumentReference",
        body=b'{"resourceType": "DocumentReference", "status": "current"}',
    )

    assert verified.partner_id == "example"


# --- the message was changed


def test_a_tampered_body_is_refused(partner, refused, clock):
    headers = partner.sign("POST", URL, BODY, created=clock.now())

    refused(Refusal.DIGEST_MISMATCH, headers, body=BODY.replace(b"current", b"entered-in-error"))


def test_a_changed_method_is_refused(partner, refused, clock):
    headers = partner.sign("POST", URL, BODY, created=clock.now())

    refused(Refusal.BAD_SIGNATURE, headers, method="PUT")


@pytest.mark.parametrize(
    "url",
    [
        "https://partners.example.fr/fhir/Patient?patient=123&_format=json",  # path
        "https://partners.example.fr/fhir/DocumentReference?patient=124&_format=json",  # query
        "https://partners.example.fr/fhir/DocumentReference?patient=123",  # query removed
        "https://other.example.fr/fhir/DocumentReference?patient=123&_format=json",  # host
        "http://partners.example.fr/fhir/DocumentReference?patient=123&_format=json",  # scheme
    ],
)
def test_a_changed_url_is_refused(partner, refused, clock, url):
    headers = partner.sign("POST", URL, BODY, created=clock.now())

    refused(Refusal.BAD_SIGNATURE, headers, url=url)


def test_a_changed_signed_parameter_is_refused(partner, refused, clock):
    # Given a valid signature whose nonce is rewritten (to replay it under a fresh nonce)
    headers = partner.sign("POST", URL, BODY, created=clock.now(), nonce="first-nonce-0123456")
    headers["Signature-Input"] = headers["Signature-Input"].replace("first", "other")

    refused(Refusal.BAD_SIGNATURE, headers)


# --- the digest


def test_a_missing_content_digest_header_is_refused(partner, refused, clock):
    headers = partner.sign("POST", URL, BODY, created=clock.now())
    del headers["Content-Digest"]

    refused(Refusal.MISSING_DIGEST, headers)


def test_a_content_digest_the_signature_does_not_cover_is_refused(partner, refused, clock):
    # Given a signature over method and URL only, and a digest added beside it
    headers = partner.sign(
        "POST", URL, None, created=clock.now(), components=("@method", "@target-uri")
    )
    headers["Content-Digest"] = _sha256(BODY)

    refused(Refusal.COVERAGE, headers)


def test_a_digest_covered_only_as_a_structured_field_does_not_count(partner, refused, clock):
    headers = partner.sign(
        "POST",
        URL,
        None,
        created=clock.now(),
        components=("@method", "@target-uri", '"content-digest";sf'),
        headers={"Content-Digest": _sha256(BODY)},
        sign_given_digest=True,
    )

    refused(Refusal.COVERAGE, headers)


def test_a_signed_digest_of_another_body_is_refused(partner, refused, clock):
    # Given a partner that signed a Content-Digest computed over other bytes
    headers = partner.sign(
        "POST",
        URL,
        None,
        created=clock.now(),
        headers={"Content-Digest": _sha256(b"another body")},
        sign_given_digest=True,
    )

    refused(Refusal.DIGEST_MISMATCH, headers)


@pytest.mark.parametrize(
    "digest",
    [
        "md5=:" + base64.b64encode(hashlib.md5(BODY).digest()).decode() + ":",  # noqa: S324
        "unixsum=:AAAA:",
        # Known beside unknown: the library refuses the whole field; so do we.
        _sha256(BODY) + ", md5=:AAAAAAAAAAAAAAAAAAAAAA==:",
    ],
)
def test_a_digest_with_an_unsupported_algorithm_is_refused(partner, refused, clock, digest):
    headers = partner.sign(
        "POST",
        URL,
        None,
        created=clock.now(),
        headers={"Content-Digest": digest},
        sign_given_digest=True,
    )

    refused(Refusal.UNSUPPORTED_DIGEST, headers)


# --- time and replay


def test_an_expired_signature_is_refused(partner, refused, clock):
    headers = partner.sign("POST", URL, BODY, created=clock.now())
    clock.advance(seconds=120)

    refused(Refusal.EXPIRED, headers)


def test_a_signature_older_than_five_minutes_is_refused_whatever_its_expiry(
    partner, refused, clock
):
    # Given a signature created 6 minutes ago that claims to expire in 10 seconds
    created = clock.now() - timedelta(minutes=6)
    headers = partner.sign(
        "POST", URL, BODY, created=created, expires=clock.now() + timedelta(seconds=10)
    )

    refused(Refusal.EXPIRED, headers)


def test_a_signature_created_in_the_future_is_refused(partner, refused, clock):
    headers = partner.sign("POST", URL, BODY, created=clock.now() + timedelta(seconds=31))

    refused(Refusal.NOT_YET_VALID, headers)


@pytest.mark.parametrize("seconds", [301, 3600])
def test_a_validity_window_longer_than_five_minutes_is_refused(partner, refused, clock, seconds):
    created = clock.now()
    headers = partner.sign(
        "POST", URL, BODY, created=created, expires=created + timedelta(seconds=seconds)
    )

    refused(Refusal.VALIDITY_TOO_LONG, headers)


@pytest.mark.parametrize("seconds", [0, -5])
def test_a_signature_expiring_before_its_creation_is_refused(partner, refused, clock, seconds):
    # Given a partner clock 20 s ahead, so that both times are still to come
    created = clock.now() + timedelta(seconds=20)
    headers = partner.sign(
        "POST", URL, BODY, created=created, expires=created + timedelta(seconds=seconds)
    )

    refused(Refusal.VALIDITY_TOO_LONG, headers)


def test_a_replayed_request_is_refused(partner, verify, refused, nonces, clock):
    # Given a request that was accepted once
    headers = partner.sign("POST", URL, BODY, created=clock.now())
    verify(headers)
    clock.advance(seconds=5)

    # When the same bytes come again, within the signature's validity
    # Then they are refused, and the store still holds the one nonce
    refused(Refusal.REPLAYED, headers)
    assert len(nonces.recorded) == 1


def test_a_nonce_is_kept_per_key(partner, verify, keys, clock):
    # Given a second key of the same partner, signing with the same nonce
    other = Partner(key_id="chu-lyon-2027")
    register_key(
        keys,
        clock,
        operator="op-17",
        partner_id="chu-lyon",
        key_id=other.key_id,
        public_key=other.public_key_pem,
    )
    verify(partner.sign("POST", URL, BODY, created=clock.now()))

    assert verify(other.sign("POST", URL, BODY, created=clock.now())).key_id == "chu-lyon-2027"


def test_a_forged_request_cannot_burn_a_partners_nonce(partner, verify, refused, clock):
    # Given an attacker who saw a nonce and signs with another key under the partner's key id
    thief = Partner(key_id=partner.key_id)
    forged = thief.sign("POST", URL, BODY, created=clock.now(), nonce="next-nonce-0123456789")

    # When the forgery is refused
    refused(Refusal.BAD_SIGNATURE, forged)

    # Then the partner's own request with that nonce still goes through
    genuine = partner.sign("POST", URL, BODY, created=clock.now(), nonce="next-nonce-0123456789")
    assert verify(genuine).nonce == "next-nonce-0123456789"


def test_a_tampered_body_does_not_burn_the_nonce(partner, verify, refused, clock):
    headers = partner.sign("POST", URL, BODY, created=clock.now())
    refused(Refusal.DIGEST_MISMATCH, headers, body=b"{}")

    assert verify(headers).partner_id == "chu-lyon"


# --- signature parameters


@pytest.mark.parametrize("parameter", ["created", "expires", "keyid", "nonce"])
def test_a_signature_without_a_required_parameter_is_refused(partner, refused, clock, parameter):
    headers = partner.sign("POST", URL, BODY, created=clock.now())
    headers["Signature-Input"] = re.sub(rf";{parameter}=[^;]*", "", headers["Signature-Input"])
    assert f";{parameter}=" not in headers["Signature-Input"]

    refused(Refusal.MISSING_PARAMETER, headers)


def test_a_signature_without_a_nonce_is_refused_before_any_lookup(partner, refused, keys, clock):
    headers = partner.sign("POST", URL, BODY, created=clock.now(), nonce=None)
    keys.reads.clear()

    refused(Refusal.MISSING_PARAMETER, headers)
    assert keys.reads == []


@pytest.mark.parametrize(
    "nonce", ["short", "x" * 129, "has space in it 0123", "has#hash-0123456789"]
)
def test_a_nonce_out_of_format_is_refused(partner, refused, clock, nonce):
    headers = partner.sign("POST", URL, BODY, created=clock.now(), nonce=nonce)

    refused(Refusal.BAD_NONCE, headers)


@pytest.mark.parametrize(
    ("change", "into"),
    [
        (r";alg=\"ed25519\"", ';alg="ed25519";foo=1'),  # unknown parameter
        (r";nonce=", ';nonce="x0123456789abcdefg";nonce='),  # repeated parameter
        (r'keyid="([^"]*)"', r"keyid=\1"),  # a token, not a string
        (r"created=(\d+)", r'created="\1"'),  # a string, not an integer
        (r"^partner=", "other="),  # labels of Signature and Signature-Input differ
    ],
)
def test_a_malformed_signature_input_is_refused(partner, refused, clock, change, into):
    headers = partner.sign("POST", URL, BODY, created=clock.now())
    headers["Signature-Input"] = re.sub(change, into, headers["Signature-Input"])

    refused(Refusal.MALFORMED, headers)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("Signature-Input", "partner=("),
        ("Signature", "partner=not-bytes"),
        ("Content-Digest", "sha-256=:not base64:"),
    ],
)
def test_unparsable_signature_fields_are_refused(partner, refused, clock, name, value):
    headers = partner.sign("POST", URL, BODY, created=clock.now())
    headers[name] = value

    refused(Refusal.MALFORMED, headers)


@pytest.mark.parametrize("missing", ["Signature", "Signature-Input", "both"])
def test_an_unsigned_request_is_refused(partner, refused, clock, missing):
    headers = partner.sign("POST", URL, BODY, created=clock.now())
    for name in ("Signature", "Signature-Input"):
        if missing in (name, "both"):
            del headers[name]

    refused(Refusal.UNSIGNED, headers)


def test_a_request_without_headers_is_refused(refused):
    refused(Refusal.UNSIGNED, None)


def test_two_signatures_are_refused_even_if_both_verify(partner, refused, clock):
    # Given a request signed twice by the partner, under two labels
    first = partner.sign("POST", URL, BODY, created=clock.now())
    both = partner.sign("POST", URL, None, created=clock.now(), label="second", append_to=first)
    assert "second=" in both["Signature-Input"]

    refused(Refusal.MULTIPLE_SIGNATURES, both)


def test_two_signature_input_lines_are_refused(partner, refused, clock):
    # Given the same label sent twice, as two field lines
    headers = partner.sign("POST", URL, BODY, created=clock.now())
    pairs = [*headers.items(), ("signature-input", headers["Signature-Input"])]

    refused(Refusal.MALFORMED, pairs)


@pytest.mark.parametrize(
    "components",
    [("@method", "content-digest"), ("@target-uri", "content-digest"), ("@path", "@query")],
)
def test_a_signature_missing_a_required_component_is_refused(partner, refused, clock, components):
    headers = partner.sign("POST", URL, BODY, created=clock.now(), components=components)

    refused(Refusal.COVERAGE, headers)


# --- keys and algorithms


def test_an_unknown_key_is_refused(refused, clock):
    stranger = Partner(key_id="nobody-2026")

    error = refused(Refusal.UNKNOWN_KEY, stranger.sign("POST", URL, BODY, created=clock.now()))

    assert error.message == "unknown or revoked key"


def test_a_key_id_out_of_format_is_refused_without_a_lookup(refused, keys, clock):
    stranger = Partner(key_id="a#b")

    refused(Refusal.UNKNOWN_KEY, stranger.sign("POST", URL, BODY, created=clock.now()))
    assert keys.reads == []


def test_a_revoked_key_is_refused_and_reads_like_an_unknown_one(partner, refused, keys, clock):
    revoke_key(keys, clock, operator="op-3", key_id=partner.key_id)

    error = refused(Refusal.REVOKED_KEY, partner.sign("POST", URL, BODY, created=clock.now()))

    assert error.message == "unknown or revoked key"


def test_a_signature_by_another_key_under_a_registered_key_id_is_refused(partner, refused, clock):
    thief = Partner(key_id=partner.key_id)

    refused(Refusal.BAD_SIGNATURE, thief.sign("POST", URL, BODY, created=clock.now()))


def test_an_hmac_signature_is_refused(keys, refused, clock):
    # Given a partner that signs with a shared secret equal to the registered public key's bytes
    ed = Partner(key_id="lab-hmac")
    register_key(
        keys,
        clock,
        operator="op",
        partner_id="lab",
        key_id="lab-hmac",
        public_key=ed.public_key_pem,
    )
    hmac_partner = Partner(
        key_id="lab-hmac", private_key=ed.public_key_raw, algorithm=algorithms.HMAC_SHA256
    )

    # Then a signature that says hmac-sha256 is refused for its algorithm
    refused(Refusal.ALGORITHM, hmac_partner.sign("POST", URL, BODY, created=clock.now()))
    # And one that hides its algorithm does not verify as Ed25519
    hidden = hmac_partner.sign("POST", URL, BODY, created=clock.now(), include_alg=False)
    refused(Refusal.BAD_SIGNATURE, hidden)


@pytest.fixture(scope="module")
def rsa_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def test_an_rsa_pss_signature_is_refused(partner, refused, clock, rsa_key):
    rsa_partner = Partner(
        key_id=partner.key_id, private_key=rsa_key, algorithm=algorithms.RSA_PSS_SHA512
    )

    refused(Refusal.ALGORITHM, rsa_partner.sign("POST", URL, BODY, created=clock.now()))


class _Ed25519CalledRsa(algorithms.ED25519):
    algorithm_id = "rsa-pss-sha512"


def test_an_alg_parameter_naming_another_algorithm_is_refused(partner, refused, clock):
    # Given a genuine Ed25519 signature whose signed alg parameter names RSA-PSS
    liar = Partner(
        key_id=partner.key_id, private_key=partner.private_key, algorithm=_Ed25519CalledRsa
    )

    refused(Refusal.ALGORITHM, liar.sign("POST", URL, BODY, created=clock.now()))


def test_a_key_registered_for_another_algorithm_is_refused(refused, keys, clock):
    # Given a registry record for another algorithm (never written by register_key)
    odd = Partner(key_id="legacy-rsa")
    keys.keys[odd.key_id] = PartnerKey(
        key_id=odd.key_id,
        partner_id="legacy",
        alg="rsa-pss-sha512",
        public_key=odd.public_key_raw,
        registered_at=clock.now(),
        registered_by="op",
    )

    refused(Refusal.ALGORITHM, odd.sign("POST", URL, BODY, created=clock.now(), include_alg=False))


# --- what the partner is told


def test_a_refusal_renders_as_a_fhir_operation_outcome(partner, refused, clock):
    headers = partner.sign("POST", URL, BODY, created=clock.now())
    clock.advance(minutes=10)

    error = refused(Refusal.EXPIRED, headers)

    assert operation_outcome(error) == {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": "error", "code": "security", "diagnostics": "signature expired"}],
    }


@pytest.mark.parametrize("reason", list(Refusal))
def test_every_refusal_is_a_401_with_a_diagnostic(reason):
    error = signatures.refused(reason)

    assert (error.status, error.code, error.reason) == (401, "SIGNATURE_REFUSED", reason.value)
    assert 10 < len(error.message) < 100


# --- operators: registering and revoking keys


def test_an_operator_registers_a_key_with_an_audit_trail(keys, clock):
    hospital = Partner(key_id="ght-44")

    key = register_key(
        keys,
        clock,
        operator="op-17",
        partner_id="ght",
        key_id="ght-44",
        public_key=base64.b64encode(hospital.public_key_raw).decode(),
    )

    assert key.public_key == hospital.public_key_raw
    assert (key.status, key.registered_by, key.registered_at) == (
        KeyStatus.ACTIVE,
        "op-17",
        clock.now(),
    )
    assert keys.list_keys("ght", 100, None).items == [key]


def test_a_key_in_base64url_without_padding_is_accepted(keys, clock):
    hospital = Partner(key_id="ght-45")
    text = base64.urlsafe_b64encode(hospital.public_key_raw).decode().rstrip("=")

    key = register_key(
        keys, clock, operator="op", partner_id="ght", key_id="ght-45", public_key=text
    )

    assert key.public_key == hospital.public_key_raw


@pytest.mark.parametrize(
    "public_key",
    [
        "not a key",
        base64.b64encode(b"x" * 31).decode(),
        Ed25519PrivateKey.generate()
        .private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
        .decode(),
        "-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----\n",
    ],
)
def test_anything_but_an_ed25519_public_key_is_refused(keys, clock, public_key):
    with pytest.raises(BadRequest):
        register_key(keys, clock, operator="op", partner_id="p", key_id="k1", public_key=public_key)
    assert keys.keys == {}


def test_an_rsa_public_key_is_refused(keys, clock, rsa_key):
    pem = rsa_key.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)

    with pytest.raises(BadRequest, match="Ed25519"):
        register_key(keys, clock, operator="op", partner_id="p", key_id="k1", public_key=pem)


@pytest.mark.parametrize(
    ("key_id", "partner_id"), [("a#b", "p"), ("", "p"), ("k" * 129, "p"), ("k", "p q")]
)
def test_ids_out_of_format_are_refused(keys, clock, key_id, partner_id):
    with pytest.raises(BadRequest):
        register_key(
            keys,
            clock,
            operator="op",
            partner_id=partner_id,
            key_id=key_id,
            public_key=Partner(key_id="x").public_key_pem,
        )


def test_a_key_id_is_never_registered_twice(partner, keys, clock):
    with pytest.raises(Conflict):
        register_key(
            keys,
            clock,
            operator="op-2",
            partner_id="someone-else",
            key_id=partner.key_id,
            public_key=Partner(key_id="x").public_key_pem,
        )
    assert keys.keys[partner.key_id].partner_id == "chu-lyon"


def test_revoking_keeps_who_revoked_and_when_and_is_idempotent(partner, keys, clock):
    clock.advance(days=3)
    revoked = revoke_key(keys, clock, operator="op-3", key_id=partner.key_id)
    first = clock.now()
    clock.advance(hours=1)

    again = revoke_key(keys, clock, operator="op-4", key_id=partner.key_id)

    assert (revoked.status, revoked.revoked_by, revoked.revoked_at) == (
        KeyStatus.REVOKED,
        "op-3",
        first,
    )
    assert again == revoked
    assert keys.keys[partner.key_id] == revoked


@pytest.mark.parametrize("key_id", ["nobody", "a#b"])
def test_revoking_an_unknown_key_is_not_found(keys, clock, key_id):
    with pytest.raises(NotFound):
        revoke_key(keys, clock, operator="op", key_id=key_id)
