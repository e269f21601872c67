"""National identifiers: the patient's INS (NIR + key) and the professional's RPPS number."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator

from healthspace.kernel.errors import InvalidIdentifier

# NIR: sex, birth year, birth month, department (2 digits or Corsica's 2A/2B), commune, order.
# ASCII digits only ([0-9], never \d, which takes any script's digits) and whole-string matches
# (fullmatch: `$` would let a trailing newline through).
_INS = re.compile(r"[1-478][0-9]{4}(?:[0-9]{2}|2[AB])[0-9]{6}[0-9]{2}")
_RPPS = re.compile(r"[0-9]{11}")
_CORSICA = {"2A": "19", "2B": "18"}


def nir_key(nir: str) -> int:
    """The 2-digit control key of a 13-character NIR: 97 - (NIR mod 97).

    Corsica's departments 2A and 2B count as 19 and 18 in the computation.
    """
    department = nir[5:7].upper()
    number = nir[:5] + _CORSICA.get(department, department) + nir[7:]
    return 97 - int(number) % 97


def parse_ins(value: str) -> str:
    """Return the normalised INS (15 characters) or raise InvalidIdentifier."""
    ins = value.replace(" ", "").upper() if isinstance(value, str) else ""
    if not _INS.fullmatch(ins):
        raise InvalidIdentifier("INS must be 13 characters (NIR) followed by a 2-digit key")
    if nir_key(ins[:13]) != int(ins[13:]):
        raise InvalidIdentifier("INS key does not match its NIR")
    return ins


def sex_of(ins: str) -> Literal["F", "M"]:
    """The sex a (checked) INS writes, as the civil status registered it: its first digit, odd
    for a man (1; 3 and 7 in the numbers given while a registration is pending), even for a
    woman (2, 4, 8)."""
    return "M" if int(ins[0]) % 2 else "F"


def make_ins(nir: str) -> str:
    """Append the control key to a NIR (test data, demo data)."""
    return f"{nir}{nir_key(nir):02d}"


def _luhn_ok(number: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(number)):
        digit = int(char)
        if position % 2 == 1:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


def parse_rpps(value: str) -> str:
    """Return the RPPS number (11 digits, Luhn-checked) or raise InvalidIdentifier."""
    rpps = value.strip() if isinstance(value, str) else ""
    if not _RPPS.fullmatch(rpps) or not _luhn_ok(rpps):
        raise InvalidIdentifier("RPPS must be 11 digits with a valid Luhn check digit")
    return rpps


# An RPPS number as a pydantic field type: validated (and normalised) on the way in.
Rpps = Annotated[str, AfterValidator(parse_rpps)]
