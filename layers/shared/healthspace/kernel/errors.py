"""One error hierarchy for the whole domain.

Each class carries its HTTP status and a stable machine-readable code; the API maps them in one
place (healthspace.api.common, and the partner API's OperationOutcomes). Messages are shown to
users: clear, and free of health data.
"""

from __future__ import annotations

from pydantic import ValidationError


class HealthSpaceError(Exception):
    status = 500
    code = "INTERNAL_ERROR"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class BadRequest(HealthSpaceError):
    status = 400
    code = "BAD_REQUEST"


class InvalidIdentifier(BadRequest):
    code = "INVALID_IDENTIFIER"


class Unauthorized(HealthSpaceError):
    status = 401
    code = "UNAUTHORIZED"


class Forbidden(HealthSpaceError):
    status = 403
    code = "FORBIDDEN"


class NotFound(HealthSpaceError):
    status = 404
    code = "NOT_FOUND"


class Conflict(HealthSpaceError):
    status = 409
    code = "CONFLICT"


class PreconditionFailed(HealthSpaceError):
    """The client's If-Match version is stale: someone changed the object meanwhile."""

    status = 412
    code = "PRECONDITION_FAILED"


class PreconditionRequired(HealthSpaceError):
    status = 428
    code = "PRECONDITION_REQUIRED"


class PayloadTooLarge(HealthSpaceError):
    status = 413
    code = "PAYLOAD_TOO_LARGE"


class UnsupportedMediaType(HealthSpaceError):
    status = 415
    code = "UNSUPPORTED_MEDIA_TYPE"


class SignatureRefused(Unauthorized):
    """A partner's signed request was refused (healthspace.partners.signatures). The message is
    the generic diagnostic sent back; `reason` is a short stable token for logs and metrics.
    Neither ever holds the body, a header value or health data."""

    code = "SIGNATURE_REFUSED"

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


class ProfessionNotAllowed(Forbidden):
    """The professional's profession has no row in the access matrices (healthspace.care)."""

    code = "PROFESSION_NOT_ALLOWED"


class BlockConflict(Conflict):
    """Blocking contradicts the care relationship: the treating doctor cannot be blocked while
    designated, and a blocked professional cannot be designated or granted access."""

    code = "BLOCK_CONFLICT"


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
