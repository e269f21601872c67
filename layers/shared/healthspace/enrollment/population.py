"""Reading and validating insured-persons files (CSV, JSON Lines) before enrollment.

Reading and validating are two steps so that a file's syntax (malformed JSON, wrong column count)
and its content (INS key, dates, contacts, representatives) are reported the same way: one
`LineError(line, field, reason)` per problem, several per line if need be, nothing dropped
silently. Reasons never repeat the value they are about: an error report carries no identity or
health data beyond a line number and a field name.

Representatives are resolved once the whole file has been read (a parent may come after their
child), so validation keeps only the valid citizens and the file's INS in memory.
"""

from __future__ import annotations

import gc
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date

from pydantic import ValidationError

from healthspace.enrollment.model import Citizen, Contact, PostalAddress
from healthspace.enrollment.population_files import KNOWN_FIELDS, JsonObject, RawLine
from healthspace.kernel.errors import InvalidIdentifier
from healthspace.kernel.identifiers import parse_ins
from healthspace.kernel.reports import RECORD, LineError

_ADDRESS_COLUMNS = ("address_line1", "address_line2", "address_line3", "postal_code", "city")
_ADDRESS_KEYS = frozenset({"lines", "postal_code", "city"})
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_FRENCH_DATE = re.compile(r"^(\d{2})/(\d{2})/(\d{4})$")
_POSTAL_CODE = re.compile(r"^\d{5}$")
_NAME_MAX = 100
_ADDRESS_LINE_MAX = 38
_ADDRESS_LINES_MAX = 4
_EARLIEST_BIRTH_YEAR = 1901


@dataclass(slots=True)
class PopulationCheck:
    """The outcome of a file: the citizens to enroll and every problem found."""

    citizens: list[Citizen] = field(default_factory=list)
    errors: list[LineError] = field(default_factory=list)
    lines: int = 0

    @property
    def rejected_lines(self) -> int:
        return len({error.line for error in self.errors})


# --- validating one line ---------------------------------------------------------------------


def _given(value: object) -> object | None:
    """The value with text stripped, or None when it is not given: empty cells, blanks, nulls
    and empty lists or objects all mean absent."""
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, list | tuple | dict) and not value:
        return None
    return value


def _pairs(value: object) -> Sequence[tuple[str, object]] | None:
    if isinstance(value, JsonObject):
        return value
    if isinstance(value, Mapping):
        return tuple(value.items())
    return None


class _Line:
    """The checks of one line, collecting its errors instead of stopping at the first."""

    def __init__(self, line: int) -> None:
        self.line = line
        self.errors: list[LineError] = []

    def fail(self, field: str, reason: str) -> None:
        self.errors.append(LineError(self.line, field, reason))

    def collect(
        self, pairs: Iterable[tuple[str, object]], known: frozenset[str], prefix: str = ""
    ) -> dict[str, object]:
        """The given known fields by name (text stripped, absent ones left out); a field given
        twice, or an unknown one with a value, fails."""
        values: dict[str, object] = {}
        for position, (name, raw) in enumerate(pairs, start=1):
            value = raw.strip() if isinstance(raw, str) else _given(raw)
            if value is None or value == "":
                continue
            if name not in known:
                self.fail(prefix.rstrip(".") or RECORD, f"unknown field at position {position}")
            elif name in values:
                self.fail(prefix + name, "given more than once")
            else:
                values[name] = value
        return values

    def text(self, field: str, value: object, *, required: bool = False) -> str | None:
        """The value, stripped, if it is given and is text."""
        if isinstance(value, str):
            if text := value.strip():
                return text
        elif value is not None and _given(value) is not None:
            self.fail(field, "must be text")
            return None
        if required:
            self.fail(field, "required")
        return None

    def ins(self, value: object) -> str | None:
        text = self.text("ins", value, required=True)
        if text is None:
            return None
        try:
            return parse_ins(text)
        except InvalidIdentifier as exc:  # its messages describe the rule, not the value
            self.fail("ins", exc.message)
            return None

    def birth_date(self, value: object, today: date) -> date | None:
        text = self.text("birth_date", value, required=True)
        if text is None:
            return None
        if match := _ISO_DATE.match(text):
            year, month, day = match.groups()
        elif match := _FRENCH_DATE.match(text):
            day, month, year = match.groups()
        else:
            self.fail("birth_date", "not a date (YYYY-MM-DD or DD/MM/YYYY)")
            return None
        try:
            born = date(int(year), int(month), int(day))
        except ValueError:
            self.fail("birth_date", "not a real date")
            return None
        if born > today:
            self.fail("birth_date", "in the future")
            return None
        if born.year < _EARLIEST_BIRTH_YEAR:
            self.fail("birth_date", "birth year must be after 1900")
            return None
        return born

    def name(self, field: str, value: object) -> str | None:
        text = self.text(field, value, required=True)
        if text is not None and len(text) > _NAME_MAX:
            self.fail(field, f"longer than {_NAME_MAX} characters")
            return None
        return text

    def failed(self, field: str) -> bool:
        return any(error.field == field for error in self.errors)

    def address(self, values: Mapping[str, object]) -> tuple[bool, PostalAddress | None]:
        """(whether any part of an address was given, the address if complete and valid)."""
        nested = values.get("address")
        flat = any(name in values for name in _ADDRESS_COLUMNS)
        if nested is not None and flat:
            self.fail("address", "give either address or its columns, not both")
            return True, None
        if nested is not None:
            return True, self._nested_address(nested)
        if not flat:
            return False, None
        lines: list[tuple[str, str]] = []
        for name in ("address_line1", "address_line2", "address_line3"):
            text = self.text(name, values.get(name))
            if text is not None:
                lines.append((name, text))
        if not lines or lines[0][0] != "address_line1":
            if not self.failed("address_line1"):
                self.fail("address_line1", "required when an address is given")
            lines = []
        return True, self._postal_address(
            lines, ("postal_code", values.get("postal_code")), ("city", values.get("city"))
        )

    def _nested_address(self, value: object) -> PostalAddress | None:
        pairs = _pairs(value)
        if pairs is None:
            self.fail("address", "must be an object with lines, postal_code and city")
            return None
        parts = self.collect(pairs, _ADDRESS_KEYS, prefix="address.")
        raw_lines = parts.get("lines")
        lines: list[tuple[str, str]] = []
        if raw_lines is None:
            self.fail("address.lines", "required when an address is given")
        elif not isinstance(raw_lines, list) or len(raw_lines) > _ADDRESS_LINES_MAX:
            self.fail("address.lines", f"must be a list of 1 to {_ADDRESS_LINES_MAX} lines")
        else:
            texts = [self.text("address.lines", raw, required=True) for raw in raw_lines]
            lines = [("address.lines", text) for text in texts if text is not None]
            if len(lines) != len(raw_lines):
                lines = []
        return self._postal_address(
            lines,
            ("address.postal_code", parts.get("postal_code")),
            ("address.city", parts.get("city")),
        )

    def _postal_address(
        self,
        lines: list[tuple[str, str]],
        postal_code: tuple[str, object],
        city: tuple[str, object],
    ) -> PostalAddress | None:
        """Check the parts of an address; `lines` is empty when they already failed."""
        ok = bool(lines)
        for name, text in lines:
            if len(text) > _ADDRESS_LINE_MAX:
                self.fail(name, f"longer than {_ADDRESS_LINE_MAX} characters")
                ok = False
        code_field, town_field = postal_code[0], city[0]
        code = self.text(code_field, postal_code[1])
        if code is None:
            if not self.failed(code_field):
                self.fail(code_field, "required when an address is given")
        elif not _POSTAL_CODE.match(code):
            self.fail(code_field, "must be 5 digits")
            code = None
        town = self.text(town_field, city[1])
        if town is None:
            if not self.failed(town_field):
                self.fail(town_field, "required when an address is given")
        elif len(town) > _ADDRESS_LINE_MAX:
            self.fail(town_field, f"longer than {_ADDRESS_LINE_MAX} characters")
            town = None
        if not ok or code is None or town is None:
            return None
        return PostalAddress(lines=tuple(text for _, text in lines), postal_code=code, city=town)

    def contact(
        self, email: str | None, mobile: str | None, address: PostalAddress | None
    ) -> Contact | None:
        """The Contact model is the one judge of email and mobile syntax."""
        try:
            return Contact(email=email, mobile=mobile, address=address)
        except ValidationError as exc:
            for problem in exc.errors():
                where = str(problem["loc"][0]) if problem["loc"] else RECORD
                self.fail(where, _CONTACT_REASONS.get(where, "not valid"))
            return None

    def representatives(
        self, values: Mapping[str, object], ins: str | None
    ) -> tuple[str, tuple[str, ...]]:
        """(the field they were given in, the valid representative INS, each once)."""
        given = [name for name in ("representative_ins", "representatives") if name in values]
        if not given:
            return "representative_ins", ()
        if len(given) > 1:
            self.fail("representatives", "give either representative_ins or representatives")
        where = given[0]
        raw = values[where]
        if isinstance(raw, str):
            items: list[object] = [part for part in raw.split("|") if part.strip()]
        elif isinstance(raw, list):
            items = list(raw)
        else:
            self.fail(where, "must be INS separated by | or a list of INS")
            return where, ()
        found: list[str] = []
        for position, item in enumerate(items, start=1):
            if not isinstance(item, str):
                self.fail(where, f"representative {position}: must be text")
                continue
            try:
                rep = parse_ins(item)
            except InvalidIdentifier as exc:
                self.fail(where, f"representative {position}: {exc.message}")
                continue
            if rep == ins:
                self.fail(where, f"representative {position} is the person themself")
            elif rep not in found:
                found.append(rep)
        return where, tuple(found)


_CONTACT_REASONS = {
    "email": "not a valid email address",
    "mobile": "not a French 06/07 mobile or an international +... number",
}


def _is_minor(birth_date: date, today: date) -> bool:
    """Citizen.is_minor is the one definition of a minor; ask it before the citizen is whole."""
    return Citizen.model_construct(birth_date=birth_date).is_minor(today)


@dataclass(slots=True)
class _Checked:
    """What validation keeps of a line: its INS if readable, its citizen if valid so far, and
    its representatives, which can only be settled once the whole file is read."""

    line: int
    ins: str | None
    citizen: Citizen | None
    minor: bool
    rep_field: str
    representatives: tuple[str, ...]


def _check_line(raw: RawLine, today: date) -> tuple[_Checked, list[LineError]]:
    """Every rule that one line can settle alone."""
    check = _Line(raw.line)
    if raw.error is not None:
        check.fail(RECORD, raw.error)
        return _Checked(raw.line, None, None, False, "representative_ins", ()), check.errors
    values = check.collect(raw.fields, KNOWN_FIELDS)
    ins = check.ins(values.get("ins"))
    born = check.birth_date(values.get("birth_date"), today)
    given_name = check.name("given_name", values.get("given_name"))
    family_name = check.name("family_name", values.get("family_name"))
    email = check.text("email", values.get("email"))
    mobile = check.text("mobile", values.get("mobile"))
    has_address, address = check.address(values)
    contact = check.contact(email, mobile, address)
    rep_field, representatives = check.representatives(values, ins)
    checked = _Checked(raw.line, ins, None, False, rep_field, representatives)
    if not check.errors:
        # Each of these failed (and was reported) when missing.
        assert ins and born and given_name and family_name and contact
        checked.citizen = Citizen(
            ins=ins,
            birth_date=born,
            given_name=given_name,
            family_name=family_name,
            contact=contact,
            representatives=representatives,
        )
        checked.minor = checked.citizen.is_minor(today)
    elif born is not None:
        checked.minor = _is_minor(born, today)
    else:
        return checked, check.errors  # whether a minor's rules apply is unknown
    if checked.minor:
        if not representatives and not check.failed(rep_field):
            check.fail(rep_field, "a minor needs at least one representative")
            checked.citizen = None
    elif email is None and mobile is None and not has_address:
        check.fail("contact", "no email, mobile or postal address")
        checked.citizen = None
    return checked, check.errors


# --- validating the file ---------------------------------------------------------------------


def validate_population(
    lines: Iterable[RawLine], today: date, is_known: Callable[[str], bool]
) -> PopulationCheck:
    """The valid citizens (adults first, so representatives precede the minors they represent)
    and every problem of the file, sorted by line.

    A representative must be a valid adult line of the same file or already known
    (`is_known`, asked at most once per INS and only for those the file does not settle).
    """
    population = _Population(today)
    with _collector_paused():
        for raw in lines:
            population.add(raw)
        population.settle_representatives(is_known)
        return population.outcome()


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cycle collector while a file is validated.

    The citizens kept for a large file are millions of small objects, and each full collection
    walks all of them again: about a third of the time of a 100,000-line file. Validation
    creates no reference cycles (reference counting frees everything it drops), so the pause
    costs no memory; whatever cyclic garbage `is_known` may leave waits for the end of the file.
    The collector is restored as it was, whatever happens.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class _Population:
    """A file being validated: what one pass keeps (the valid citizens, the INS seen and where,
    the lines with representatives), then the representatives settled at the end."""

    def __init__(self, today: date) -> None:
        self.today = today
        self.lines = 0
        self.errors: list[LineError] = []
        self.first_line: dict[str, int] = {}
        self.valid: dict[str, Citizen] = {}
        self.minors: set[str] = set()
        self.represented: list[_Checked] = []
        self.known: dict[str, bool] = {}

    def add(self, raw: RawLine) -> None:
        self.lines += 1
        checked, errors = _check_line(raw, self.today)
        self.errors.extend(errors)
        if checked.ins is not None:
            if checked.ins in self.first_line:
                message = f"duplicate of line {self.first_line[checked.ins]}"
                self.errors.append(LineError(checked.line, "ins", message))
                checked.citizen = None
            else:
                self.first_line[checked.ins] = checked.line
        if checked.citizen is not None:
            self.valid[checked.citizen.ins] = checked.citizen
            if checked.minor:
                self.minors.add(checked.citizen.ins)
        if checked.representatives:
            self.represented.append(checked)

    def settle_representatives(self, is_known: Callable[[str], bool]) -> None:
        """Refuse the lines whose representatives do not hold; a refused line may itself be a
        representative, so the lines depending on it are checked again."""
        dependents: dict[str, list[_Checked]] = {}
        for checked in self.represented:
            for rep in checked.representatives:
                if rep in self.first_line:
                    dependents.setdefault(rep, []).append(checked)
        pending = [checked for checked in self.represented if checked.citizen is not None]
        while pending:
            checked = pending.pop()
            if checked.citizen is None:
                continue
            if any(self._problem(rep, is_known) for rep in checked.representatives):
                del self.valid[checked.citizen.ins]
                checked.citizen = None
                pending.extend(dependents.get(checked.ins or "", ()))
        for checked in self.represented:
            for position, rep in enumerate(checked.representatives, start=1):
                if reason := self._problem(rep, is_known):
                    message = f"representative {position} {reason}"
                    self.errors.append(LineError(checked.line, checked.rep_field, message))

    def _problem(self, rep: str, is_known: Callable[[str], bool]) -> str | None:
        """Why this representative does not hold, or None."""
        if rep in self.valid:
            if rep in self.minors:
                return f"is a minor (line {self.first_line[rep]})"
            return None
        if rep not in self.known:
            self.known[rep] = is_known(rep)
        if self.known[rep]:
            return None
        if rep in self.first_line:
            return f"is on line {self.first_line[rep]}, which is not valid"
        return "is neither in the file nor already enrolled"

    def outcome(self) -> PopulationCheck:
        citizens = [c for c in self.valid.values() if c.ins not in self.minors]
        citizens += [c for c in self.valid.values() if c.ins in self.minors]
        errors = sorted(self.errors, key=lambda error: error.line)
        return PopulationCheck(citizens=citizens, errors=errors, lines=self.lines)
