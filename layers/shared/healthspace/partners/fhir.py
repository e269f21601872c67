"""FHIR R4 at the partner API's edge: a partner's DocumentReference read into the domain, our
documents written back as DocumentReference, refusals as OperationOutcome.

Resources are validated with fhir.resources' R4B models, which read R4 JSON (DocumentReference is
the same in R4 and R4B). Beyond FHIR's own rules, ours: the patient is named by INS and the author
by RPPS (identifiers, not references to resources we do not hold), the partner's own identifier
of the document (masterIdentifier) makes a retried push one document, and the content travels
inline (attachment.data), so that what we store is what was signed.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from urllib.parse import parse_qsl

from fhir.resources.R4B.documentreference import DocumentReference
from pydantic import ValidationError

from healthspace.kernel.errors import BadRequest, HealthSpaceError, InvalidIdentifier
from healthspace.kernel.identifiers import parse_ins, parse_rpps
from healthspace.records import filetypes
from healthspace.records.fhir import (
    CATEGORY_SYSTEM,
    CONFIDENTIALITY,
    HOLD_CODE,
    HOLD_SYSTEM,
    INS_SYSTEM,
    LOINC,
    RPPS_SYSTEM,
    document_reference,
)
from healthspace.records.model import Category, DocumentFacts

# Ours, shared with the export of a space (records.fhir); named here too, for the partners' side.
__all__ = [
    "CATEGORY_SYSTEM",
    "CONFIDENTIALITY",
    "HOLD_CODE",
    "HOLD_SYSTEM",
    "INS_SYSTEM",
    "LOINC",
    "RPPS_SYSTEM",
    "document_reference",
]

# The category of a document from its LOINC type, when the partner does not name one of ours
# (DocumentReference.category with CATEGORY_SYSTEM). Anything else files under "other".
CATEGORY_OF_LOINC: Mapping[str, Category] = {
    "60591-5": Category.SUMMARY,  # patient summary
    "34133-9": Category.SUMMARY,  # summary of episode note
    "57833-6": Category.PRESCRIPTIONS_CARE,  # prescription for medication
    "18776-5": Category.PRESCRIPTIONS_CARE,  # plan of care note
    "18748-4": Category.IMAGING,  # diagnostic imaging study
    "11502-2": Category.BIOLOGY,  # laboratory report
    "11488-4": Category.REPORTS,  # consult note
    "34108-1": Category.REPORTS,  # outpatient note
    "18842-5": Category.REPORTS,  # discharge summary
    "11506-3": Category.REPORTS,  # progress note
    "11369-6": Category.SCREENING,  # history of immunization
    "11490-0": Category.REPORTS,  # physician discharge summary
}


_CATEGORIES = frozenset(c.value for c in Category)
# What a read gives back as the partner sent it (Document.as_sent); the rest is ours (id, meta,
# status, subject, author, description, content). Bounded: it is stored with the document.
KEPT_ELEMENTS = (
    "masterIdentifier",
    "identifier",
    "docStatus",
    "type",
    "category",
    "date",
    "securityLabel",
    "context",
)
MAX_KEPT_BYTES = 16_384
MAX_IDENTIFIERS = 10


class InvalidResource(HealthSpaceError, status=422, code="INVALID_RESOURCE"):
    """A FHIR resource we cannot take: invalid FHIR, or valid FHIR outside our rules."""

    def __init__(self, issues: Sequence[tuple[str, str]]) -> None:
        """`issues`: (FHIRPath expression, what is wrong) pairs, none quoting a value."""
        self.issues = list(issues)
        super().__init__("; ".join(f"{where}: {what}" for where, what in self.issues))


@dataclass(frozen=True)
class PartnerDocument:
    """A document pushed by a partner, in the domain's terms."""

    identifier: str  # the partner's own id of it (masterIdentifier "system|value")
    patient_ins: str
    author_rpps: str | None  # None only where the author may be unidentified (a migration)
    author_name: str
    category: Category
    type_code: str | None
    title: str
    document_date: date
    content: bytes
    content_type: str
    confidential: bool  # securityLabel R or V: not shown to a minor's representatives
    hold_for_announcement: bool = False  # securityLabel HOLD_SYSTEM|HOLD_CODE
    # Every (system, value) it is known by: masterIdentifier, then identifier[] (If-None-Exist).
    identifiers: tuple[tuple[str, str], ...] = ()
    as_sent: Mapping[str, Any] | None = None  # its KEPT_ELEMENTS, as sent

    @property
    def facts(self) -> DocumentFacts:
        return DocumentFacts(
            category=self.category,
            title=self.title,
            document_date=self.document_date,
            type_code=self.type_code,
        )

    @property
    def filename(self) -> str:
        """A name for the file, from what it is: its extension from its bytes, not from the
        declared type (the sender's own name may be health data)."""
        extension = filetypes.extension(self.content)
        return f"{self.type_code or 'document'}-{self.document_date.isoformat()}.{extension}"


def operation_outcome(
    issues: Sequence[tuple[str, str]], code: str = "invalid", severity: str = "error"
) -> dict[str, Any]:
    """An OperationOutcome with one issue per (expression, diagnostics) pair; an empty
    expression names no element."""
    return {
        "resourceType": "OperationOutcome",
        "issue": [
            {
                "severity": severity,
                "code": code,
                "diagnostics": diagnostics,
                **({"expression": [expression]} if expression else {}),
            }
            for expression, diagnostics in issues
        ],
    }


def read_document_reference(
    data: Mapping[str, Any], *, author_required: bool = True
) -> PartnerDocument:
    """The partner's DocumentReference, checked against FHIR R4 and our rules; every problem
    found is reported at once. `author_required=False` takes a document whose author has no RPPS
    (author_rpps None): the former system's files hold some (docs/partners.md, migration); an
    RPPS that is given must still be valid."""
    if data.get("resourceType") != "DocumentReference":
        raise InvalidResource([("resourceType", "a DocumentReference is expected here")])
    # The models decode base64Binary leniently (dropping what is not base64): check it first.
    not_base64 = [
        (f"DocumentReference.content[{n}].attachment.data", "not base64")
        for n, content in enumerate(data.get("content") or [])
        if isinstance(content, Mapping)
        and isinstance(attachment := content.get("attachment"), Mapping)
        and "data" in attachment
        and not _is_base64(attachment["data"])
    ]
    if not_base64:
        raise InvalidResource(not_base64)
    try:
        resource = DocumentReference.model_validate(dict(data))
    except ValidationError as exc:
        raise InvalidResource(_fhir_errors(exc)) from None
    kept = {name: data[name] for name in KEPT_ELEMENTS if name in data}
    return _Reader(resource, author_required, kept).read()


def parse_identifier_criteria(query: str) -> tuple[str | None, str]:
    """The one search criterion we take in If-None-Exist (a header, or a Bundle entry's
    `request.ifNoneExist`): `identifier=[system]|value`, FHIR's token (`value` alone: any
    system; `|value`: no system). As (system, value), system None for any."""
    pairs = parse_qsl(query.removeprefix("?"), keep_blank_values=True)
    if len(pairs) != 1 or pairs[0][0] != "identifier" or not pairs[0][1]:
        raise BadRequest("If-None-Exist takes one criterion: identifier=[system]|value")
    system, bar, value = pairs[0][1].rpartition("|")
    if not value:
        raise BadRequest("If-None-Exist: the identifier's value is required")
    return (system if bar else None), value


def _is_base64(value: object) -> bool:
    try:
        base64.b64decode(value if isinstance(value, str) else b"!", validate=True)
    except (binascii.Error, ValueError):
        return False
    return True


class _Reader:
    """Reads one validated DocumentReference, collecting every problem before refusing."""

    def __init__(
        self,
        resource: DocumentReference,
        author_required: bool = True,
        kept: Mapping[str, Any] | None = None,
    ) -> None:
        self.r = resource
        self.author_required = author_required
        self.kept = dict(kept or {})
        self.issues: list[tuple[str, str]] = []

    def problem(self, where: str, what: str) -> None:
        self.issues.append((f"DocumentReference.{where}", what))

    def read(self) -> PartnerDocument:
        r = self.r
        if r.status != "current":
            self.problem("status", "only a current document can be pushed")
        identifier = self.identifier()
        ins = self.patient()
        rpps, author_name = self.author()
        content, content_type = self.content()
        day = self.day()
        title = (r.description or (r.type.text if r.type else None) or "").strip()
        if not title:
            title = self.type_display() or ""
        if not title or len(title) > 200:
            self.problem("description", "a title of 1 to 200 characters is required")
        identifiers = self.identifiers()
        if len(json.dumps(self.kept)) > MAX_KEPT_BYTES:
            self.issues.append(
                (
                    "DocumentReference",
                    f"identifiers, type, category, labels and context take at most"
                    f" {MAX_KEPT_BYTES} bytes of JSON in all",
                )
            )
        if self.issues:
            raise InvalidResource(self.issues)
        assert identifier and ins and day and content_type is not None
        assert rpps or not self.author_required
        type_code = self.loinc()
        return PartnerDocument(
            identifier=identifier,
            patient_ins=ins,
            author_rpps=rpps,
            author_name=author_name,
            category=self.category(type_code),
            type_code=type_code,
            title=title,
            document_date=day,
            content=content,
            content_type=content_type,
            confidential=self.confidential(),
            hold_for_announcement=self.labelled(HOLD_SYSTEM, (HOLD_CODE,)),
            identifiers=identifiers,
            as_sent=self.kept,
        )

    def identifier(self) -> str | None:
        master = self.r.masterIdentifier
        if master is None or not master.value:
            self.problem("masterIdentifier", "your identifier of the document is required")
            return None
        return f"{master.system or ''}|{master.value}"

    def identifiers(self) -> tuple[tuple[str, str], ...]:
        """masterIdentifier and identifier[], as (system, value): what If-None-Exist finds."""
        others = self.r.identifier or []
        if len(others) > MAX_IDENTIFIERS:
            self.problem("identifier", f"at most {MAX_IDENTIFIERS} identifiers")
            return ()
        given = [self.r.masterIdentifier, *others]
        pairs = ((i.system or "", i.value) for i in given if i is not None and i.value)
        return tuple(dict.fromkeys(pairs))

    def patient(self) -> str | None:
        subject = self.r.subject
        ident = subject.identifier if subject else None
        if ident is None or ident.system != INS_SYSTEM or not ident.value:
            self.problem("subject.identifier", f"the patient is identified by INS ({INS_SYSTEM})")
            return None
        try:
            return parse_ins(ident.value)
        except InvalidIdentifier:
            self.problem("subject.identifier.value", "not a valid INS (check its key)")
            return None

    def author(self) -> tuple[str | None, str]:
        for n, author in enumerate(self.r.author or []):
            ident = author.identifier
            if ident is not None and ident.system == RPPS_SYSTEM and ident.value:
                try:
                    return parse_rpps(ident.value), (author.display or "").strip()
                except InvalidIdentifier:
                    self.problem(f"author[{n}].identifier.value", "not a valid RPPS number")
                    return None, ""
        if not self.author_required:
            return None, ""
        self.problem("author", f"the professional is identified by RPPS ({RPPS_SYSTEM})")
        return None, ""

    def content(self) -> tuple[bytes, str | None]:
        contents = self.r.content or []
        if len(contents) != 1:
            self.problem("content", "exactly one content is expected")
            return b"", None
        attachment = contents[0].attachment
        if attachment.data is None:
            self.problem(
                "content[0].attachment.data", "the content travels inline (data), not by url"
            )
            return b"", None
        data = bytes(attachment.data)  # base64Binary: decoded (and checked) by the model
        if attachment.size is not None and attachment.size != len(data):
            self.problem("content[0].attachment.size", "does not match the data")
        if attachment.hash is not None and bytes(attachment.hash) != _sha1(data):
            self.problem("content[0].attachment.hash", "does not match the data (SHA-1)")
        if not attachment.contentType:
            self.problem("content[0].attachment.contentType", "the content's type is required")
            return data, None
        return data, attachment.contentType.split(";")[0].strip().lower()

    def day(self) -> date | None:
        """The document's day: its `date` (an instant), else the start of the period it covers,
        which FHIR allows at year or month precision too: a day is needed, or it is refused."""
        if self.r.date is not None:
            return self.r.date.date()
        start = self.r.context.period.start if self.r.context and self.r.context.period else None
        if start is None:
            self.problem("date", "the document's date is required")
            return None
        if isinstance(start, datetime):
            return start.date()
        if isinstance(start, date):
            return start
        self.problem(
            "context.period.start", "the document's day is needed (YYYY-MM-DD), not a month or year"
        )
        return None

    def loinc(self) -> str | None:
        codings = self.r.type.coding if self.r.type and self.r.type.coding else []
        return next((c.code for c in codings if c.system == LOINC and c.code), None)

    def type_display(self) -> str | None:
        codings = self.r.type.coding if self.r.type and self.r.type.coding else []
        return next((c.display for c in codings if c.display), None)

    def category(self, type_code: str | None) -> Category:
        for concept in self.r.category or []:
            for coding in concept.coding or []:
                if coding.system == CATEGORY_SYSTEM and coding.code in _CATEGORIES:
                    return Category(coding.code)
        return CATEGORY_OF_LOINC.get(type_code or "", Category.OTHER)

    def confidential(self) -> bool:
        return self.labelled(CONFIDENTIALITY, ("R", "V"))

    def labelled(self, system: str, codes: tuple[str, ...]) -> bool:
        return any(
            coding.system == system and coding.code in codes
            for label in self.r.securityLabel or []
            for coding in label.coding or []
        )


def _sha1(data: bytes) -> bytes:
    # FHIR R4's attachment.hash is the SHA-1 of the data (an integrity check, not security).
    return hashlib.sha1(data, usedforsecurity=False).digest()


def _fhir_errors(exc: ValidationError) -> list[tuple[str, str]]:
    """pydantic's errors as (path, message), without the rejected values (they may be health
    data)."""
    issues = []
    for error in exc.errors(include_input=False, include_url=False):
        where = ".".join(str(part) for part in error["loc"] if part != "__root__")
        issues.append((f"DocumentReference.{where}".rstrip("."), error["msg"]))
    return issues
