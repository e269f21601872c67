"""One error hierarchy for the whole domain.

Each class carries its HTTP status and a stable machine-readable code; the API maps them in one
place (healthspace.api.common, and the partner API's OperationOutcomes). Messages are shown to
users: clear, and free of health data.
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import ValidationError


class HealthSpaceError(Exception):
    """The root: its status and code, set for each subclass in its class line (`status=`,
    `code=`), or inherited from its parent."""

    status: ClassVar[int] = 500
    code: str = "INTERNAL_ERROR"

    def __init_subclass__(cls, status: int | None = None, code: str | None = None) -> None:
        super().__init_subclass__()
        if status is not None:
            cls.status = status
        if code is not None:
            cls.code = code

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class BadRequest(HealthSpaceError, status=400, code="BAD_REQUEST"):
    """The request says something impossible; its message names what."""


class InvalidBody(BadRequest, code="VALIDATION_ERROR"):
    """A request body that cannot be read as JSON: not UTF-8, malformed, nested too deep."""


class InvalidIdentifier(BadRequest, code="INVALID_IDENTIFIER"):
    """An INS or an RPPS number that fails its format or its check digits."""


class Unauthorized(HealthSpaceError, status=401, code="UNAUTHORIZED"):
    """No valid identity came with the request."""


class Forbidden(HealthSpaceError, status=403, code="FORBIDDEN"):
    """The caller is known, and may not do this."""


class ReauthenticationRequired(Unauthorized, code="REAUTHENTICATION_REQUIRED"):
    """An act that needs a recent sign-in (closing a space) came with an older one: the caller
    signs in again (OpenID Connect's `max_age`, RFC 9470's step-up) and retries."""


class SpaceClosed(Forbidden, code="SPACE_CLOSED"):
    """The space is closed (healthspace.lifecycle): nobody acts on it any more, its holder and
    representatives read only its closure. 403, an access that ended, rather than 409 (no change
    of the caller's makes it pass) or 410 (a closed space may be reopened for ten years)."""


class SpaceSuspended(Forbidden, code="SPACE_SUSPENDED"):
    """Operators froze the space (identity fraud, healthspace.lifecycle.suspensions): nobody but
    operators acts on it until they lift the suspension; its holder and representatives read
    only its status, and call the helpline."""


class NotFound(HealthSpaceError, status=404, code="NOT_FOUND"):
    """Absent, or hidden from this caller: the same answer, so that it tells nothing."""


class Conflict(HealthSpaceError, status=409, code="CONFLICT"):
    """The object's state refuses the change (an identifier already used, a decided enrollment)."""


class LimitReached(Conflict, code="LIMIT_REACHED"):
    """A collection holds as much as it may (a profile section's entries, a care team's
    members): the message names the cap; removing something makes room."""


class PreconditionFailed(HealthSpaceError, status=412, code="PRECONDITION_FAILED"):
    """The client's If-Match version is stale: someone changed the object meanwhile."""


class PreconditionRequired(HealthSpaceError, status=428, code="PRECONDITION_REQUIRED"):
    """A change came without the version it changes (If-Match)."""


class PayloadTooLarge(HealthSpaceError, status=413, code="PAYLOAD_TOO_LARGE"):
    """More bytes than a document may have."""


class UnsupportedMediaType(HealthSpaceError, status=415, code="UNSUPPORTED_MEDIA_TYPE"):
    """Bytes that are not a document type the file accepts (judged by what they are), or a
    request body declared in a type the route does not read."""


class NotAcceptable(HealthSpaceError, status=406, code="NOT_ACCEPTABLE"):
    """The caller asks for a format we do not serve (Accept, FHIR's `_format`)."""


class SignatureRefused(Unauthorized, code="SIGNATURE_REFUSED"):
    """A partner's signed request was refused (healthspace.partners.signatures). The message is
    the generic diagnostic sent back; `reason` is a short stable token for logs and metrics.
    Neither ever holds the body, a header value or health data."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


class IdentityNotMapped(Unauthorized, code="IDENTITY_NOT_MAPPED"):
    """A national login's claims that do not name one professional the care rules know
    (healthspace.care.pro_sante_connect): the sign-in is refused. `reason` is a short stable
    token for logs and metrics; neither it nor the message holds an identifier."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


class ProfessionNotAllowed(Forbidden, code="PROFESSION_NOT_ALLOWED"):
    """The professional's profession has no row in the access matrices (healthspace.care)."""


class BlockConflict(Conflict, code="BLOCK_CONFLICT"):
    """Blocking contradicts the care relationship: the treating doctor cannot be blocked while
    designated, and a blocked professional cannot be designated or granted access."""


class UnknownPatientReference(NotFound, code="PATIENT_REFERENCE_UNKNOWN"):
    """A professional's patient reference that is not theirs, has expired or never was: one
    answer for all three, so that it tells nothing. The professional resolves the INS again."""


class CareAccessRefused(Forbidden):
    """The care rules refuse a professional this patient's file. The code is the rules' refusal
    (NO_RELATIONSHIP, BLOCKED, CONSENT_EXPIRED, EMERGENCY_DISABLED): the professional learns why,
    and what to do about it."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def describe_validation_error(exc: ValidationError, whole: str | None = "body") -> str:
    """One readable sentence for the first problem (the input value itself is never echoed:
    it may be health data). A problem of the whole object is said to be of `whole`."""
    first = exc.errors(include_input=False)[0]
    where = ".".join(str(part) for part in first["loc"]) or whole
    return f"{where}: {first['msg']}" if where else first["msg"]
