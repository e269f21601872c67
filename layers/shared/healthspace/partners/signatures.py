"""Partner systems' signed requests: HTTP Message Signatures (RFC 9421) with Ed25519, a body bound
by Content-Digest (RFC 9530), a short validity and a nonce used once. See docs/partners.md.

We hold partners' public keys only, registered by operators under a key id. The signature base,
its parsing and the Ed25519 check are the `http-message-signatures` library's; this module adds
the policy the library leaves to its caller (which components and parameters are required, the
validity window on an injected clock, the digest, the key's status, replay) and maps every
failure to one `SignatureRefused` with a stable reason.

A request costs one read (its key) and, once everything else has passed, one conditional write
(its nonce): a refused request stores nothing, and nobody without the key can burn a nonce.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

import http_sf
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from http_message_signatures import (
    ContentDigest,
    HTTPMessageSignaturesException,
    HTTPMessageVerifier,
    HTTPSignatureKeyResolver,
    VerifyResult,
    algorithms,
)
from http_message_signatures.structures import get_header_fields

from healthspace.care.record import Professional
from healthspace.kernel.clock import Clock
from healthspace.kernel.errors import BadRequest, SignatureRefused
from healthspace.partners.keys import (
    ALGORITHM,
    KEY_ID,
    KeyStatus,
    NonceStore,
    PartnerKey,
    PartnerKeys,
)

# Every signature covers at least these, bare (no parameters): the method, the full URL with its
# query, and the body through its digest, so that none can be changed or replayed elsewhere.
REQUIRED_COMPONENTS = ("@method", "@target-uri", "content-digest")
# The professional on whose behalf a partner reads (a GET): the partner vouches for them, so the
# signature must cover the field, or anyone on the path could swap the professional.
PROFESSIONAL_FIELD = "healthspace-professional"
READ_METHODS = frozenset({"GET", "HEAD"})
MAX_DISPLAY_NAME = 200
REQUIRED_PARAMETERS = ("created", "expires", "keyid", "nonce")
# RFC 9421's registered signature parameters; `tag` is accepted and ignored.
KNOWN_PARAMETERS = frozenset({"alg", "created", "expires", "keyid", "nonce", "tag"})
MAX_VALIDITY = timedelta(seconds=300)  # expires - created, and the age of `created`
CLOCK_SKEW = timedelta(seconds=30)  # how far in the future `created` may be
# A nonce is kept past its signature's expiry, for Lambda instances whose clocks differ a little.
NONCE_RETENTION = timedelta(seconds=60)
DIGEST_ALGORITHMS = frozenset({"sha-256", "sha-512"})

# Identifiers end up in DynamoDB keys (`PARTNERKEY#<key id>`, `NONCE#<key id>#<nonce>`): bounded,
# printable, and without '#' in key ids so that a nonce item's key has one reading.
_NONCE = re.compile(r"[A-Za-z0-9._~+/=-]{16,128}")  # 16+ characters: at least ~96 random bits


# --- refusals


class Refusal(StrEnum):
    """Why a request was refused: the value is the stable reason for logs and metrics."""

    UNSIGNED = "unsigned"
    MALFORMED = "malformed"
    MULTIPLE_SIGNATURES = "multiple_signatures"
    MISSING_PARAMETER = "missing_parameter"
    ALGORITHM = "algorithm"
    COVERAGE = "coverage"
    PROFESSIONAL_NOT_COVERED = "professional_not_covered"
    BAD_NONCE = "bad_nonce"
    NOT_YET_VALID = "not_yet_valid"
    EXPIRED = "expired"
    VALIDITY_TOO_LONG = "validity_too_long"
    UNKNOWN_KEY = "unknown_key"
    REVOKED_KEY = "revoked_key"
    BAD_SIGNATURE = "bad_signature"
    MISSING_DIGEST = "missing_digest"
    UNSUPPORTED_DIGEST = "unsupported_digest"
    DIGEST_MISMATCH = "digest_mismatch"
    REPLAYED = "replayed"


# What the partner is told: enough to fix an integration, nothing that helps forge one. An unknown
# and a revoked key read the same, so that key ids cannot be probed.
_DIAGNOSTICS = {
    Refusal.UNSIGNED: "request is not signed: Signature and Signature-Input are required",
    Refusal.MALFORMED: "Signature, Signature-Input or Content-Digest is malformed",
    Refusal.MULTIPLE_SIGNATURES: "exactly one signature is accepted",
    Refusal.MISSING_PARAMETER: "signature parameters created, expires, keyid, nonce are required",
    Refusal.ALGORITHM: "only ed25519 signatures are accepted",
    Refusal.COVERAGE: "signature must cover @method, @target-uri and content-digest",
    Refusal.PROFESSIONAL_NOT_COVERED: (
        "a read must send Healthspace-Professional and its signature must cover it"
    ),
    Refusal.BAD_NONCE: "nonce must be 16 to 128 characters of A-Z a-z 0-9 . _ ~ + / = -",
    Refusal.NOT_YET_VALID: "signature created in the future",
    Refusal.EXPIRED: "signature expired",
    Refusal.VALIDITY_TOO_LONG: "signature must expire after its creation, within 300 seconds",
    Refusal.UNKNOWN_KEY: "unknown or revoked key",
    Refusal.REVOKED_KEY: "unknown or revoked key",
    Refusal.BAD_SIGNATURE: "signature does not verify",
    Refusal.MISSING_DIGEST: "Content-Digest header is required, even for an empty body",
    Refusal.UNSUPPORTED_DIGEST: "Content-Digest must use sha-256 or sha-512 only",
    Refusal.DIGEST_MISMATCH: "Content-Digest does not match the body",
    Refusal.REPLAYED: "nonce already used",
}


def refused(reason: Refusal) -> SignatureRefused:
    return SignatureRefused(reason.value, _DIAGNOSTICS[reason])


def operation_outcome(error: SignatureRefused) -> dict[str, Any]:
    """The FHIR R4 OperationOutcome that answers a refused request (with status 401)."""
    return {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": "error", "code": "security", "diagnostics": error.message}],
    }


# --- partners' keys and the ports that store them


@dataclass(frozen=True)
class VerifiedPartner:
    """Who signed a verified request, and the signature's window."""

    partner_id: str
    key_id: str
    nonce: str
    created: datetime
    expires: datetime
    # The Healthspace-Professional field as signed, on a read (its coverage is required there);
    # None on a write, whose professional is the resource's author.
    professional: str | None = None


def required_components(method: str, for_professional: bool | None = None) -> tuple[str, ...]:
    """What a request's signature must cover: on a read (or where `for_professional` says
    so), also the professional it is for."""
    if for_professional is None:
        for_professional = method.upper() in READ_METHODS
    if for_professional:
        return (*REQUIRED_COMPONENTS, PROFESSIONAL_FIELD)
    return REQUIRED_COMPONENTS


# Header fields as a Lambda event carries them: `headers` (one value per name) or, better,
# `multiValueHeaders` (every field line), or (name, value) pairs.
Headers = Mapping[str, str] | Mapping[str, Sequence[str]] | Iterable[tuple[str, str]]


def verify_request(
    method: str,
    url: str,
    headers: Headers | None,
    body: bytes | str | None,
    *,
    keys: PartnerKeys,
    nonces: NonceStore,
    clock: Clock,
    for_professional: bool | None = None,
) -> VerifiedPartner:
    """Accept a partner's signed request or raise SignatureRefused (401).

    `url` is the full URL the partner called (scheme, host, path and query as sent), `body` the
    raw bytes (a str is taken as UTF-8; None is empty). Header names are case-insensitive.
    Cheap checks come first, then the key's read, the signature, the digest, and last the
    nonce's conditional write. `for_professional`: whether the request is made for the
    professional it names (default: reads are).
    """
    now = clock.now()
    request = _Request(method, url, _FieldLines(_field_lines(headers)))
    fields = get_header_fields(request.headers)
    required = required_components(method, for_professional)
    signature = _read_signature(fields, required)
    _check_window(signature.created, signature.expires, now)
    _check_digest_field(fields)
    key = _usable_key(keys, signature.key_id)
    result = _verify_signature(request, key, now, required)
    if result.parameters.get("keyid") != key.key_id or result.nonce != signature.nonce:
        raise refused(Refusal.MALFORMED)  # never: both read the same field with the same parser
    _check_digest(result, _body_bytes(body))
    expires = datetime.fromtimestamp(signature.expires, UTC)
    if not nonces.record_once(key.key_id, signature.nonce, expires + NONCE_RETENTION):
        raise refused(Refusal.REPLAYED)
    return VerifiedPartner(
        partner_id=key.partner_id,
        key_id=key.key_id,
        nonce=signature.nonce,
        created=datetime.fromtimestamp(signature.created, UTC),
        expires=expires,
        professional=fields[PROFESSIONAL_FIELD] if PROFESSIONAL_FIELD in required else None,
    )


# --- the professional a partner reads for


@dataclass(frozen=True)
class OnBehalfOf:
    """The professional a partner vouches for on a read (docs/partners.md), as the DMP trusts a
    hospital's system for its staff: we check the identifiers, the partner the person."""

    professional: Professional
    display_name: str | None


_PROFESSIONAL_SYNTAX = (
    'Healthspace-Professional must be "<RPPS>";profession="<code>", optionally ;name=%"<name>"'
)


def read_professional_field(value: str) -> OnBehalfOf:
    """The signed Healthspace-Professional field, an RFC 9651 Item: the RPPS as a String,
    `profession` (RPPS profession code) as a String, optional `name` as a String or Display
    String. Bad syntax is a 400; the RPPS (Luhn) and the profession are those of
    Professional.from_claims (400 INVALID_IDENTIFIER, 403 PROFESSION_NOT_ALLOWED)."""
    try:
        parsed: Any = http_sf.parse(value.encode(), tltype="item", on_duplicate_key=_repeated)
        rpps, params = parsed
    except (ValueError, TypeError, UnicodeEncodeError):
        raise BadRequest(_PROFESSIONAL_SYNTAX) from None
    profession, name = params.get("profession"), params.get("name")
    if (
        type(rpps) is not str
        or type(profession) is not str
        or not set(params) <= {"profession", "name"}
        or not (name is None or type(name) is str or isinstance(name, http_sf.DisplayString))
    ):
        raise BadRequest(_PROFESSIONAL_SYNTAX)
    display_name = str(name).strip() if name is not None else None
    if display_name is not None and not 1 <= len(display_name) <= MAX_DISPLAY_NAME:
        raise BadRequest(f"the professional's name must be 1 to {MAX_DISPLAY_NAME} characters")
    return OnBehalfOf(Professional.from_claims(rpps, profession), display_name)


def _repeated(name: str, context: str) -> None:
    raise ValueError(name)  # a repeated parameter would otherwise keep its last value


@dataclass(frozen=True)
class _Signature:
    key_id: str
    nonce: str
    created: int
    expires: int


def _read_signature(fields: Mapping[str, str], required: Sequence[str]) -> _Signature:
    """The one signature's parameters and coverage, checked against the policy before any I/O.

    Exactly one signature: the label is not signed, so choosing among several by label would
    trust an unsigned value, and a partner has no reason to send two."""
    if "signature-input" not in fields or "signature" not in fields:
        raise refused(Refusal.UNSIGNED)
    inputs = _parse_dictionary(fields["signature-input"])
    signatures = _parse_dictionary(fields["signature"])
    if not inputs or not signatures:
        raise refused(Refusal.UNSIGNED)
    if len(inputs) > 1 or len(signatures) > 1:
        raise refused(Refusal.MULTIPLE_SIGNATURES)
    if inputs.keys() != signatures.keys():
        raise refused(Refusal.MALFORMED)
    components, params = next(iter(inputs.values()))
    signature_value, _ = next(iter(signatures.values()))
    if not isinstance(components, list) or not isinstance(signature_value, bytes):
        raise refused(Refusal.MALFORMED)
    if not set(params) <= KNOWN_PARAMETERS:
        raise refused(Refusal.MALFORMED)
    if "alg" in params and (type(params["alg"]) is not str or params["alg"] != ALGORITHM):
        raise refused(Refusal.ALGORITHM)
    if not all(name in params for name in REQUIRED_PARAMETERS):
        raise refused(Refusal.MISSING_PARAMETER)
    key_id, nonce = params["keyid"], params["nonce"]
    created, expires = params["created"], params["expires"]
    # Exact types: a Token is not a String, a Boolean is not an Integer.
    if not (type(key_id) is str and type(nonce) is str):
        raise refused(Refusal.MALFORMED)
    if not (type(created) is int and type(expires) is int):
        raise refused(Refusal.MALFORMED)
    bare = {value for value, extra in components if type(value) is str and not extra}
    if not set(REQUIRED_COMPONENTS) <= bare:
        raise refused(Refusal.COVERAGE)
    if PROFESSIONAL_FIELD in required and (
        PROFESSIONAL_FIELD not in bare or not fields.get(PROFESSIONAL_FIELD)
    ):
        raise refused(Refusal.PROFESSIONAL_NOT_COVERED)
    if not _NONCE.fullmatch(nonce):
        raise refused(Refusal.BAD_NONCE)
    if not KEY_ID.fullmatch(key_id):
        raise refused(Refusal.UNKNOWN_KEY)  # no registered key has such an id: no read needed
    return _Signature(key_id=key_id, nonce=nonce, created=created, expires=expires)


def _parse_dictionary(value: str) -> dict[str, Any]:
    """A Structured Field Dictionary, refusing a repeated member or parameter (the library
    refuses repeated members; a repeated parameter would otherwise keep its last value)."""

    def repeated(name: str, context: str) -> None:
        raise ValueError(name)

    try:
        parsed = http_sf.parse(value.encode(), tltype="dictionary", on_duplicate_key=repeated)
    except (ValueError, TypeError, UnicodeEncodeError):
        raise refused(Refusal.MALFORMED) from None
    if not isinstance(parsed, dict):
        raise refused(Refusal.MALFORMED)
    return parsed


def _check_window(created: int, expires: int, now: datetime) -> None:
    """`created` at most CLOCK_SKEW ahead and at most MAX_VALIDITY old; `expires` after it, at
    most MAX_VALIDITY later, and still ahead."""
    at = now.timestamp()
    if created > at + CLOCK_SKEW.total_seconds():
        raise refused(Refusal.NOT_YET_VALID)
    if at >= expires or at - created > MAX_VALIDITY.total_seconds():
        raise refused(Refusal.EXPIRED)
    if not 0 < expires - created <= MAX_VALIDITY.total_seconds():
        raise refused(Refusal.VALIDITY_TOO_LONG)


def _check_digest_field(fields: Mapping[str, str]) -> None:
    """Content-Digest is present and names sha-256 or sha-512 only (the library refuses any
    other algorithm, even beside a known one: we say so before reading the key)."""
    if "content-digest" not in fields:
        raise refused(Refusal.MISSING_DIGEST)
    digests = _parse_dictionary(fields["content-digest"])
    if not digests or not set(digests) <= DIGEST_ALGORITHMS:
        raise refused(Refusal.UNSUPPORTED_DIGEST)


def _usable_key(keys: PartnerKeys, key_id: str) -> PartnerKey:
    key = keys.get_key(key_id)
    if key is None:
        raise refused(Refusal.UNKNOWN_KEY)
    if key.status is not KeyStatus.ACTIVE:
        raise refused(Refusal.REVOKED_KEY)
    if key.alg != ALGORITHM:
        raise refused(Refusal.ALGORITHM)
    return key


def _verify_signature(
    request: _Request, key: PartnerKey, now: datetime, required: Sequence[str]
) -> VerifyResult:
    """The library's verification with this key only: it builds the signature base from the
    message and checks the Ed25519 signature, the coverage and the window (on our clock)."""
    try:
        public_key = Ed25519PublicKey.from_public_bytes(key.public_key)
    except ValueError:
        raise refused(Refusal.ALGORITHM) from None
    verifier = _Verifier(_OneKey(key.key_id, public_key), now)
    try:
        results = verifier.verify(request, max_age=None, require_components=required)
    except (HTTPMessageSignaturesException, ValueError, TypeError) as exc:
        # Our window check raises before the library's try block (3.0.0); were it moved inside,
        # its refusal would come back wrapped, as the cause.
        if isinstance(exc.__cause__, SignatureRefused):
            raise exc.__cause__ from None
        raise refused(Refusal.BAD_SIGNATURE) from None
    if len(results) != 1:
        raise refused(Refusal.MULTIPLE_SIGNATURES)
    return results[0]


def _check_digest(result: VerifyResult, body: bytes) -> None:
    """The signed Content-Digest matches the body (every digest it carries)."""
    try:
        checked = ContentDigest.verify_components(result.covered_components, body)
    except HTTPMessageSignaturesException:
        raise refused(Refusal.DIGEST_MISMATCH) from None
    if not checked:
        raise refused(Refusal.COVERAGE)


class _Verifier(HTTPMessageVerifier):
    """The library's verifier, Ed25519 only, with our clock and window: its own check reads the
    wall clock, allows 5 s of skew either way, and does not require `expires`."""

    def __init__(self, key_resolver: HTTPSignatureKeyResolver, now: datetime) -> None:
        super().__init__(signature_algorithm=algorithms.ED25519, key_resolver=key_resolver)
        self._now = now

    def validate_created_and_expires(self, sig_input: Any, max_age: Any = None) -> None:
        created, expires = sig_input.params.get("created"), sig_input.params.get("expires")
        if type(created) is not int or type(expires) is not int:
            raise refused(Refusal.MISSING_PARAMETER)
        _check_window(created, expires, self._now)


class _OneKey(HTTPSignatureKeyResolver):
    """Resolves the one key already read and checked, and nothing else."""

    def __init__(self, key_id: str, key: Ed25519PublicKey) -> None:
        self._key_id = key_id
        self._key = key

    def resolve_public_key(self, key_id: str) -> Ed25519PublicKey | None:
        return self._key if key_id == self._key_id else None

    def resolve_private_key(self, key_id: str) -> Any:
        raise HTTPMessageSignaturesException("we hold partners' public keys only")


class _FieldLines:
    """Header field lines in order, as the library reads them (`items()`)."""

    def __init__(self, lines: tuple[tuple[str, str], ...]) -> None:
        self._lines = lines

    def items(self) -> Iterable[tuple[str, str]]:
        return self._lines


@dataclass(frozen=True)
class _Request:
    """The request shape the library reads: method, absolute encoded URL, header fields."""

    method: str
    url: str
    headers: _FieldLines


def _field_lines(headers: Headers | None) -> tuple[tuple[str, str], ...]:
    if headers is None:
        return ()
    if isinstance(headers, Mapping):
        lines: list[tuple[str, str]] = []
        for name, value in headers.items():
            if isinstance(value, str):
                lines.append((name, value))
            elif value is not None:
                lines.extend((name, line) for line in value)
        return tuple(lines)
    return tuple(headers)


def _body_bytes(body: bytes | str | None) -> bytes:
    if body is None:
        return b""
    return body.encode() if isinstance(body, str) else bytes(body)
