"""Pro Santé Connect (PSC), the national professionals' login (ANS): its claims as the
`Professional` the care rules know, or a refusal.

PSC's userinfo names the professional by `SubjectNameID`, their national identifier: "8" then
the RPPS number for an RPPS-registered professional, and lists their identifiers in `otherIds`
(`{"identifiant", "origine", "qualite"}`, origine "RPPS" for the RPPS number). The profession is
the code of the RPPS nomenclature (TRE_G15, as `Profession`), in `SubjectRefPro.exercices[]`
(`codeProfession`) and in `SubjectRole` ("<code>^<nomenclature OID>"). Through Cognito these
claims arrive as the attributes the identity provider maps them to, lists and objects as JSON
text: both forms are read.

The mapping is strict: one RPPS number (every source naming the same, its check digit right),
one profession the matrices hold. Anything else refuses the sign-in with a reason that names no
identifier: an ADELI-only professional, two RPPS numbers, several professions (which would the
token carry?), a profession without access.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any, Final

from healthspace.care.matrices import Profession
from healthspace.care.record import Professional
from healthspace.kernel.errors import IdentityNotMapped, InvalidIdentifier, ProfessionNotAllowed
from healthspace.kernel.identifiers import parse_rpps

# SubjectNameID of an RPPS-registered professional: this prefix, then the RPPS number.
RPPS_NATIONAL_ID_PREFIX: Final = "8"
RPPS_ORIGIN: Final = "RPPS"
# The nomenclature of SubjectRole's profession codes (TRE_G15 "ProfessionSante").
PROFESSION_OID: Final = "1.2.250.1.213.1.1.5.5"
# Bounds on what is read: a claim set is small, a list of thousands is not PSC's.
MAX_ENTRIES: Final = 50


def professional_from_psc(claims: Mapping[str, Any]) -> Professional:
    """The professional PSC's claims name, or IdentityNotMapped (its `reason` says why)."""
    return Professional(rpps=_rpps(claims), profession=_profession(claims))


def _rpps(claims: Mapping[str, Any]) -> str:
    found = set()
    name_id = claims.get("SubjectNameID")
    if isinstance(name_id, str) and name_id.startswith(RPPS_NATIONAL_ID_PREFIX):
        found.add(name_id[len(RPPS_NATIONAL_ID_PREFIX) :])
    for other in _entries(claims.get("otherIds")):
        if isinstance(other, Mapping) and other.get("origine") == RPPS_ORIGIN:
            found.add(str(other.get("identifiant", "")))
    if not found:
        raise IdentityNotMapped("NO_RPPS", "the sign-in names no RPPS number")
    if len(found) > 1:
        raise IdentityNotMapped("RPPS_MISMATCH", "the sign-in names two different RPPS numbers")
    try:
        return parse_rpps(found.pop())
    except InvalidIdentifier:
        raise IdentityNotMapped("RPPS_INVALID", "the sign-in's RPPS number is not valid") from None


def _profession(claims: Mapping[str, Any]) -> Profession:
    codes = set()
    ref_pro = _decoded(claims.get("SubjectRefPro"))
    exercises = ref_pro.get("exercices") if isinstance(ref_pro, Mapping) else None
    for exercise in _entries(exercises):
        if isinstance(exercise, Mapping) and exercise.get("codeProfession"):
            codes.add(str(exercise["codeProfession"]))
    for role in _entries(claims.get("SubjectRole")):
        code, _, oid = str(role).partition("^")
        if oid == PROFESSION_OID and code:
            codes.add(code)
    if not codes:
        raise IdentityNotMapped("NO_PROFESSION", "the sign-in names no profession")
    allowed = {code for code in codes if code in Profession._value2member_map_}
    if not allowed:
        raise IdentityNotMapped(
            ProfessionNotAllowed.code, "this profession has no access to health spaces"
        )
    if len(allowed) > 1:
        raise IdentityNotMapped(
            "SEVERAL_PROFESSIONS", "the sign-in names several professions with access"
        )
    return Profession.from_claim(allowed.pop())


def _decoded(value: Any) -> Any:
    """A claim as PSC sends it, or as Cognito maps it (JSON text)."""
    if isinstance(value, str) and value[:1] in ("[", "{"):
        try:
            return json.loads(value)
        except ValueError:
            raise IdentityNotMapped("MALFORMED", "the sign-in's claims cannot be read") from None
    return value


def _entries(value: Any) -> Iterable[Any]:
    """A list claim's entries: a JSON list, a single value, or comma-separated text."""
    value = _decoded(value)
    if value is None or value == "":
        return []
    if isinstance(value, str):
        entries: list[Any] = value.split(",")
    elif isinstance(value, list):
        entries = value
    else:
        entries = [value]
    if len(entries) > MAX_ENTRIES:
        raise IdentityNotMapped("MALFORMED", "the sign-in's claims cannot be read")
    return entries
