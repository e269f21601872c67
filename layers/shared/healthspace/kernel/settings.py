"""Every environment variable the functions read, typed, in one place (template.yaml sets them in
Globals). Each group is what one kind of wiring needs; a function's wiring loads its groups once,
at init, and a missing or malformed variable stops it there with an error naming the variable
(never its value).

pydantic-settings would do the same, but costs about 0.28 s of imports on every cold start
(measured beside plain pydantic, which the layer loads anyway): a pydantic TypeAdapter over
these dataclasses reads and converts the same values ("P42D" to a timedelta, "3" to an int).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import MISSING, dataclass, field, fields
from datetime import timedelta
from typing import Any, Self

from pydantic import TypeAdapter, ValidationError

SIX_WEEKS = timedelta(days=42)


class SettingsError(RuntimeError):
    """A function's environment lacks a variable, or holds one it cannot read."""


def env(*names: str, default: Any = MISSING, unset: Any = MISSING) -> Any:
    """A setting read from the first of `names` that is set; `default` when none is, or
    `unset`, which applies only when reading the environment (the constructor still asks)."""
    metadata = {"env": names, "unset": unset}
    if default is MISSING:
        return field(metadata=metadata)
    return field(default=default, metadata=metadata)


class FromEnvironment:
    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Self:
        environ = os.environ if environ is None else environ
        names: dict[str, tuple[str, ...]] = {}
        values: dict[str, Any] = {}
        for setting in fields(cls):  # type: ignore[arg-type]
            variables = names[setting.name] = setting.metadata["env"]
            found = [environ[var] for var in variables if var in environ]
            if found:
                values[setting.name] = found[0]
            elif setting.metadata["unset"] is not MISSING:
                values[setting.name] = setting.metadata["unset"]
        try:
            return TypeAdapter(cls).validate_python(values)
        except ValidationError as exc:
            first = exc.errors(include_input=False)[0]
            variable = " or ".join(names[str(first["loc"][0])])
            if first["type"] == "missing":
                raise SettingsError(f"the environment variable {variable} is not set") from None
            raise SettingsError(
                f"the environment variable {variable} is malformed: {first['msg']}"
            ) from None


@dataclass(frozen=True)
class TableSettings(FromEnvironment):
    table_name: str = env("TABLE_NAME")
    region: str | None = env("AWS_REGION", "AWS_DEFAULT_REGION", default=None)


@dataclass(frozen=True)
class RecordsSettings(FromEnvironment):
    documents_bucket: str = env("DOCUMENTS_BUCKET")
    quarantine_bucket: str = env("QUARANTINE_BUCKET")
    downloads_bucket: str = env("DOWNLOADS_BUCKET")
    kms_key_id: str = env("KMS_KEY_ID")
    # The documents' own origin (docs/viewer.md): where a view's signed link points, the key
    # pair id (the CloudFront public key's id) and the secret holding the private key.
    view_origin: str = env("VIEW_ORIGIN")
    view_key_pair_id: str = env("VIEW_KEY_PAIR_ID")
    view_signing_key_secret_id: str = env("VIEW_SIGNING_KEY_SECRET_ID")
    max_upload_bytes: int = env("MAX_UPLOAD_BYTES", default=20 * 1024 * 1024)


@dataclass(frozen=True)
class OpsSettings(FromEnvironment):
    """The operations bucket (population files, reports, letters), encrypted with the key."""

    ops_bucket: str = env("OPS_BUCKET")
    kms_key_id: str = env("KMS_KEY_ID")


@dataclass(frozen=True)
class EnrollmentSettings(FromEnvironment):
    ops_bucket: str = env("OPS_BUCKET")
    kms_key_id: str = env("KMS_KEY_ID")
    wave_state_machine_arn: str = env("WAVE_STATE_MACHINE_ARN")
    pepper_secret_id: str = env("PEPPER_SECRET_ID")
    # An ISO 8601 duration: P42D, or PT1M for a demo.
    window: timedelta = env("ENROLLMENT_WINDOW", default=SIX_WEEKS)


@dataclass(frozen=True)
class PepperSettings(FromEnvironment):
    """The secret key of the codes' digests and of the identity index's keys."""

    pepper_secret_id: str = env("PEPPER_SECRET_ID")


@dataclass(frozen=True)
class AccountSettings(FromEnvironment):
    """The patients' user pool, where people's accounts are opened."""

    patient_user_pool_id: str = env("PATIENT_USER_POOL_ID")
    pepper_secret_id: str = env("PEPPER_SECRET_ID")


@dataclass(frozen=True)
class NotifySettings(FromEnvironment):
    """Where messages come from and where people are sent to act."""

    sender_email: str = env("SENDER_EMAIL")
    sms_sender_id: str = env("SMS_SENDER_ID", unset="")
    ops_bucket: str = env("OPS_BUCKET")
    kms_key_id: str = env("KMS_KEY_ID")
    public_site_url: str = env("PUBLIC_SITE_URL")
    helpline_phone: str = env("HELPLINE_PHONE")
    letters_per_batch: int = env("LETTERS_PER_BATCH", default=1000)


@dataclass(frozen=True)
class LifecycleSettings(FromEnvironment):
    """A space's life (healthspace.lifecycle): how recent a sign-in must be to close one, and
    where closed spaces' archives are kept."""

    archive_bucket: str = env("ARCHIVE_BUCKET")
    reauthentication_minutes: int = env("REAUTHENTICATION_MINUTES", default=5)

    def __post_init__(self) -> None:
        if not 1 <= self.reauthentication_minutes <= 60:
            raise SettingsError("the environment variable REAUTHENTICATION_MINUTES must be 1 to 60")


@dataclass(frozen=True)
class DeletionSettings(FromEnvironment):
    """Deleting spaces (healthspace.lifecycle.deletions, .purge): the buckets whose
    `spaces/<space_id>/` objects go, the workflow that deletes one space, the operations bucket
    of the purge sweep's manifests, the pepper of the audit's pseudonyms."""

    documents_bucket: str = env("DOCUMENTS_BUCKET")
    archive_bucket: str = env("ARCHIVE_BUCKET")
    ops_bucket: str = env("OPS_BUCKET")
    kms_key_id: str = env("KMS_KEY_ID")
    deletion_state_machine_arn: str = env("DELETION_STATE_MACHINE_ARN")
    pepper_secret_id: str = env("PEPPER_SECRET_ID")


@dataclass(frozen=True)
class WorkflowSettings(FromEnvironment):
    """The archive and reopen state machines (docs/lifecycle.md), named by fixed ARNs in the
    Globals: the lifecycle functions, and the space request that starts a reopening."""

    archive_state_machine_arn: str = env("ARCHIVE_STATE_MACHINE_ARN")
    reopen_state_machine_arn: str = env("REOPEN_STATE_MACHINE_ARN")


@dataclass(frozen=True)
class StreamSettings(FromEnvironment):
    """The queues the table's stream router hands records to (StreamEventsFunction): the
    accounts' and the exports' functions read them."""

    accounts_queue_url: str = env("ACCOUNTS_QUEUE_URL")
    exports_queue_url: str = env("EXPORTS_QUEUE_URL")


@dataclass(frozen=True)
class PartnerSettings(FromEnvironment):
    # Where partners call us, as they sign it (@target-uri): configuration, never the Host
    # header a caller chooses.
    base_url: str = env("PARTNER_BASE_URL")

    def __post_init__(self) -> None:
        object.__setattr__(self, "base_url", self.base_url.rstrip("/"))


@dataclass(frozen=True)
class WebSettings(FromEnvironment):
    """The website's origin, the one the browser APIs answer CORS for."""

    web_origin: str = env("WEB_ORIGIN", default="https://espace.example.org")


@dataclass(frozen=True)
class SuspensionSettings(FromEnvironment):
    """Suspensions by operators (healthspace.lifecycle.suspensions): the workflow that waits, and
    how long it waits before closing an unanswered suspension (six weeks in production; seconds
    on the local stack and in tests)."""

    state_machine_arn: str = env("SUSPENSION_STATE_MACHINE_ARN")
    wait_seconds: int = env("SUSPENSION_WAIT_SECONDS", default=int(SIX_WEEKS.total_seconds()))

    def __post_init__(self) -> None:
        # A Standard execution lives one year at most.
        if not 1 <= self.wait_seconds <= 300 * 86400:
            raise SettingsError(
                "the environment variable SUSPENSION_WAIT_SECONDS must be 1 to 25,920,000"
            )
