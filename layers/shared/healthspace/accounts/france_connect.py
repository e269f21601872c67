"""FranceConnect, the national citizens' login, as the patients' pool's identity provider: its
pivot identity linked to the enrolled person it names, or refused.

FranceConnect names a person by their *pivot identity* (given_name: every given name, space
separated; family_name: the birth name; birthdate YYYY-MM-DD; gender "male" or "female";
birthplace: the INSEE code of the commune of birth, empty for those born abroad; birthcountry:
the INSEE code of the country, 99100 for France), never by their INS. The INS (NIR) writes the
same facts: its first digit the sex (1 male, 2 female), then the year and month of birth, then
five characters for the place (the commune's INSEE code, or 99 and the country's code for those
born abroad). So each account, when opened, is indexed under a keyed digest of the birth name,
the birth date, the sex and the place as its INS writes them, and a FranceConnect sign-in looks
that digest up: the person is the one candidate whose first given name is FranceConnect's
first. No candidate, several, or a fact that does not match refuses the sign-in; the refusal is
traced (a metric and a log without identity; in the candidate's history when one was found).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from typing import Any, Final, Protocol

from healthspace.enrollment.activation import log_entry
from healthspace.enrollment.model import Enrollment, EnrollmentLogEntry
from healthspace.enrollment.ports import EnrollmentStore
from healthspace.kernel.clock import Clock, IdGenerator
from healthspace.kernel.errors import IdentityNotMapped

PROVIDER: Final = "FranceConnect"
_SEX = {"male": "1", "female": "2"}
_PLACE = re.compile(r"^(?:\d{5}|2[AB]\d{3})$")
_MAX_TEXT = 200


@dataclass(frozen=True)
class PivotIdentity:
    given_names: tuple[str, ...]
    family_name: str
    birth_date: date
    sex: str  # "1" or "2", as the INS writes it
    place: str  # the INS's five characters of the place of birth

    @property
    def first_given_name(self) -> str:
        return self.given_names[0]


def _folded(text: str) -> str:
    """A name as compared: no accents, upper case, hyphens and apostrophes as spaces, single
    spaces ("Jean-Noël" and "JEAN NOEL" are the same name)."""
    plain = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in plain if not unicodedata.combining(c)).upper()
    return " ".join(re.sub(r"[-'\u2019.]", " ", plain).split())


def _text(claims: Mapping[str, Any], name: str) -> str:
    value = claims.get(name)
    if not isinstance(value, str) or len(value) > _MAX_TEXT:
        raise IdentityNotMapped("MALFORMED", f"the sign-in's {name} cannot be read")
    return value.strip()


def pivot_identity(claims: Mapping[str, Any]) -> PivotIdentity:
    """The pivot identity of FranceConnect's claims (as its userinfo gives them, or as the
    pool's attributes they were mapped to), or IdentityNotMapped."""
    given = _folded(_text(claims, "given_name")).split(" ")
    family = _folded(_text(claims, "family_name"))
    if not given[0] or not family:
        raise IdentityNotMapped("MALFORMED", "the sign-in names nobody")
    try:
        born = date.fromisoformat(_text(claims, "birthdate"))
    except ValueError:
        raise IdentityNotMapped("MALFORMED", "the sign-in's birth date cannot be read") from None
    sex = _SEX.get(_text(claims, "gender"))
    if sex is None:
        raise IdentityNotMapped("MALFORMED", "the sign-in's gender cannot be read")
    birthplace = str(claims.get("birthplace") or "").strip().upper()
    country = str(claims.get("birthcountry") or "").strip()
    if birthplace:
        place = birthplace
    elif re.fullmatch(r"99\d{3}", country) and country != "99100":
        place = country  # born abroad: the INS writes 99 and the country's code
    else:
        raise IdentityNotMapped("MALFORMED", "the sign-in names no place of birth")
    if not _PLACE.match(place):
        raise IdentityNotMapped("MALFORMED", "the sign-in's place of birth cannot be read")
    return PivotIdentity(tuple(given), family, born, sex, place)


def identity_key(pepper: bytes, family_name: str, birth_date: date, sex: str, place: str) -> str:
    """The index's key: a keyed digest, so that the table holds no readable identity."""
    message = f"identity:{_folded(family_name)}|{birth_date.isoformat()}|{sex}|{place}"
    return hmac.new(pepper, message.encode(), hashlib.sha256).hexdigest()[:40]


def key_of_enrollment(pepper: bytes, enrollment: Enrollment) -> str:
    """The key an enrolled person is indexed under: the sex and place as their INS writes them."""
    ins = enrollment.ins
    return identity_key(pepper, enrollment.family_name, enrollment.birth_date, ins[0], ins[5:10])


def key_of_pivot(pepper: bytes, pivot: PivotIdentity) -> str:
    return identity_key(pepper, pivot.family_name, pivot.birth_date, pivot.sex, pivot.place)


def same_person(pivot: PivotIdentity, enrollment: Enrollment) -> bool:
    """Every fact of the pivot identity against the enrollment and its INS (the index's key
    already matched the digest: this checks them again, in the clear)."""
    ins = enrollment.ins
    return (
        _folded(enrollment.family_name) == pivot.family_name
        and enrollment.birth_date == pivot.birth_date
        and ins[0] == pivot.sex
        and ins[5:10] == pivot.place
        and f"{pivot.birth_date:%y%m}" == ins[1:5]
        and _folded(enrollment.given_name).split(" ")[0] == pivot.first_given_name
    )


class IdentityIndex(Protocol):
    def put_identity(self, key: str, ins: str) -> None:
        """Index an account's person under their key (idempotent)."""
        ...

    def find_identity(self, key: str, limit: int) -> list[str]:
        """The INS indexed under this key, at most `limit` of them."""
        ...


class ProviderLinks(Protocol):
    def link(self, ins: str, provider: str, subject: str) -> None:
        """Link the provider's identity (its `sub`) to the account whose username is `ins`:
        its sign-ins then give that account's tokens (custom:ins included)."""
        ...


class History(Protocol):
    def record(self, entry: EnrollmentLogEntry) -> None: ...


# A key names one person, or twins, or rare homonyms born the same day in the same commune:
# more than this many candidates is not a real key.
MAX_CANDIDATES: Final = 10


@dataclass(eq=False)
class FranceConnectLinking:
    """A first FranceConnect sign-in (Cognito's pre sign-up trigger, external provider): the
    identity linked to the account of the one enrolled person it names, or refused."""

    enrollments: EnrollmentStore
    index: IdentityIndex
    links: ProviderLinks
    history: History
    pepper_source: bytes | Callable[[], bytes]
    clock: Clock
    ids: IdGenerator

    @cached_property
    def pepper(self) -> bytes:
        source = self.pepper_source
        return source if isinstance(source, bytes) else source()

    def link(self, claims: Mapping[str, Any], subject: str) -> str:
        """The INS of the account the identity now signs in to; IdentityNotMapped if none."""
        pivot = pivot_identity(claims)
        found = self.index.find_identity(key_of_pivot(self.pepper, pivot), MAX_CANDIDATES)
        candidates = [e for ins in found if (e := self.enrollments.get_enrollment(ins))]
        matching = [e for e in candidates if same_person(pivot, e)]
        if len(matching) != 1:
            if len(candidates) == 1:  # someone signed in with this person's facts but one
                self._trace(candidates[0].ins, "FRANCECONNECT_REFUSED")
            reason = "NO_MATCH" if not matching else "SEVERAL_MATCHES"
            raise IdentityNotMapped(reason, "this identity matches no single enrolled person")
        ins = matching[0].ins
        self.links.link(ins, PROVIDER, subject)
        self._trace(ins, "FRANCECONNECT_LINKED")
        return ins

    def _trace(self, ins: str, action: str) -> None:
        self.history.record(log_entry(self.clock, self.ids, ins, action, "self"))
