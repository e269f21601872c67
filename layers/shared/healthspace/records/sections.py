"""The medical profile: one validated model per section, FHIR-aligned where a field is coded.

Sections map to FHIR resources: allergies → AllergyIntolerance, treatments → MedicationStatement,
conditions → Condition, vaccinations → Immunization, measurements → Observation (vital signs),
advance-directives → Consent (scope adr), contacts → Patient.contact / RelatedPerson.
"""

from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Annotated, Literal, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, EmailStr, Field, model_validator

from healthspace.kernel.dates import IsoDate, IsoDateTime, latest_day

Text = Annotated[str, Field(min_length=1, max_length=200)]
LongText = Annotated[str, Field(min_length=1, max_length=5000)]
Note = Annotated[str, Field(max_length=2000)]


def _not_future(value: date) -> date:
    """A day that has come in the time zone of whoever gives it (kernel.dates.latest_day)."""
    if value > latest_day(datetime.now(UTC)):
        raise ValueError("cannot be in the future")
    return value


# A day that has come: an onset, a vaccination (a field's error names the field).
PastDate = Annotated[IsoDate, AfterValidator(_not_future)]


class Coding(BaseModel):
    """A FHIR Coding: a code from a code system (SNOMED CT, ATC, CVX, LOINC...)."""

    model_config = ConfigDict(extra="forbid", defer_build=True)
    system: Annotated[str, Field(min_length=1, max_length=200, pattern=r"^(https?|urn):\S+$")]
    code: Annotated[str, Field(min_length=1, max_length=64)]
    display: Text | None = None


class SectionModel(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, defer_build=True)


class Allergy(SectionModel):
    substance: Text
    code: Coding | None = None
    category: Literal["food", "medication", "environment", "biologic"]
    criticality: Literal["low", "high", "unable-to-assess"] = "unable-to-assess"
    reaction: Note | None = None
    onset_date: PastDate | None = None


class Treatment(SectionModel):
    medication: Text
    code: Coding | None = None
    dosage: Text | None = None
    start_date: IsoDate
    end_date: IsoDate | None = None
    status: Literal["active", "completed", "stopped"] = "active"

    @model_validator(mode="after")
    def _dates(self) -> Self:
        if self.end_date and self.end_date < self.start_date:
            raise ValueError("end_date cannot be before start_date")
        return self


class Condition(SectionModel):
    name: Text
    code: Coding | None = None
    clinical_status: Literal["active", "recurrence", "relapse", "inactive", "remission", "resolved"]
    onset_date: PastDate | None = None
    note: Note | None = None


class Vaccination(SectionModel):
    vaccine: Text
    code: Coding | None = None
    date: PastDate
    lot_number: Annotated[str, Field(min_length=1, max_length=40)] | None = None
    dose_number: Annotated[int, Field(ge=1, le=20)] | None = None


class MeasurementKind(StrEnum):
    WEIGHT = "weight"
    HEIGHT = "height"
    BLOOD_PRESSURE = "blood-pressure"
    GLYCAEMIA = "glycaemia"
    HEART_RATE = "heart-rate"
    TEMPERATURE = "temperature"


# Unit and plausible range of each kind (values outside are typing mistakes, not patients).
MEASUREMENT_RULES: dict[MeasurementKind, tuple[str, float, float]] = {
    MeasurementKind.WEIGHT: ("kg", 0.2, 650),
    MeasurementKind.HEIGHT: ("cm", 20, 280),
    MeasurementKind.BLOOD_PRESSURE: ("mmHg", 40, 300),
    MeasurementKind.GLYCAEMIA: ("g/L", 0.1, 10),
    MeasurementKind.HEART_RATE: ("bpm", 20, 300),
    MeasurementKind.TEMPERATURE: ("°C", 30, 45),
}


class Measurement(SectionModel):
    kind: MeasurementKind
    value: float
    diastolic: float | None = None
    unit: str
    measured_at: IsoDateTime

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        unit, low, high = MEASUREMENT_RULES[self.kind]
        if self.unit != unit:
            raise ValueError(f"unit of {self.kind.value} must be {unit}")
        if not low <= self.value <= high:
            raise ValueError(f"value of {self.kind.value} must be between {low} and {high}")
        is_pressure = self.kind is MeasurementKind.BLOOD_PRESSURE
        if is_pressure != (self.diastolic is not None):
            raise ValueError("diastolic is required for blood-pressure, and only there")
        if self.diastolic is not None and not 20 <= self.diastolic < self.value:
            raise ValueError("diastolic must be at least 20 and below the systolic value")
        if self.measured_at.tzinfo is None:
            raise ValueError("measured_at must carry a time zone")
        if self.measured_at > datetime.now(UTC):
            raise ValueError("measured_at cannot be in the future")
        return self


class AdvanceDirective(SectionModel):
    title: Text
    content: LongText
    date: IsoDate


PhoneNumber = Annotated[str, Field(pattern=r"^(\+[1-9]\d{6,14}|0[1-9]\d{8})$")]


class Contact(SectionModel):
    kind: Literal["trusted-person", "emergency-contact"]
    name: Text
    relationship: Text | None = None
    phone: PhoneNumber
    email: EmailStr | None = None


SECTIONS: dict[str, type[SectionModel]] = {
    "allergies": Allergy,
    "treatments": Treatment,
    "conditions": Condition,
    "vaccinations": Vaccination,
    "measurements": Measurement,
    "advance-directives": AdvanceDirective,
    "contacts": Contact,
}

# The most entries a section holds: whoever may write to a file must not be able to make it
# unreadable (1,250 advance directives of 5 KB once made its answer pass Lambda's 6 MB, a 502 for
# every reader, emergency ones included). Each entry is bounded by its model's field lengths
# (and its author's name, records.model.MAX_DISPLAY_NAME); in an answer a character weighs 14
# bytes at most (an astral one: a surrogate pair of \u escapes, their backslashes escaped again
# in Lambda's response), so the heaviest entries are an advance directive (76 KB) and an allergy
# or a condition (40 KB). A page holds MAX_PAGE entries at most and a section its cap at most:
# the heaviest page is 100 allergies (4.05 MB), the heaviest summary 3.96 MB, both under the
# 6 MB (tests/unit/test_profile_bounds.py weighs them). A cap is generous for a lifetime of care;
# past it the add is a 409 LIMIT_REACHED naming the cap (the patient removes old entries first).
# A section's count is kept beside its entries, changed in the same transaction (the adapter).
MAX_ENTRIES: dict[str, int] = {
    "allergies": 100,  # a long list has dozens
    "treatments": 500,  # a lifetime's medications, stopped ones included
    "conditions": 200,
    "vaccinations": 200,  # the French schedule is ~40 doses; yearly boosters add ~60 more
    "measurements": 10_000,  # ten years of daily self-measurement; ~1 KB each at most
    "advance-directives": 20,  # one text, revised now and then; all 20 in one page: 1.5 MB
    "contacts": 20,  # a trusted person and a few emergency contacts
}

# The entries of each section the whole-profile view shows; the rest is a `next_cursor` away.
SUMMARY_PAGE = 20
