"""A professional as the directory knows them, the places where they practise, how names are
compared (case and accents aside), and what a search asks."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any, Final, Literal

from pydantic import Field

from healthspace.kernel.entity import Entity
from healthspace.kernel.errors import BadRequest
from healthspace.kernel.identifiers import Rpps

MAX_NAME = 100  # a name or a town, as the file gives it
MAX_PLACES = 20  # a locum's many activity rows: the first 20 are kept
MIN_SEARCH_LETTERS = 2
# Titles shown before a name, by the file's "Code civilité d'exercice" (M., Mme are not shown).
_TITLES: Final = {"DR": "Dr", "PR": "Pr"}
_POSTCODE = re.compile(r"[0-9]{5}")
_DEPARTMENT = re.compile(r"[0-9]{2}|2[AB]|97[1-6]")
# Ligatures NFKD leaves whole.
_LIGATURES = str.maketrans({"Œ": "OE", "œ": "OE", "Æ": "AE", "æ": "AE", "ß": "SS"})


def normalise(text: str) -> str:
    """What names and towns are compared by: upper case, no accents, letters and digits only
    ("Le Gall", "LE-GALL" and "légall" are all LEGALL), so that the patient need not type the
    directory's spelling."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_LIGATURES))
    return "".join(c for c in decomposed if c.isascii() and c.isalnum()).upper()


def department_of(postcode: str) -> str:
    """The department of a French postcode: its first two digits, three overseas (97x), and
    Corsica's 2A (200xx-201xx) or 2B."""
    if postcode.startswith("97") or postcode.startswith("98"):
        return postcode[:3]
    if postcode.startswith("20"):
        return "2A" if postcode < "20200" else "2B"
    return postcode[:2]


class Place(Entity):
    """Where they practise: the town as the directory spells it, and its postcode."""

    town: str = Field(min_length=1, max_length=MAX_NAME)
    postcode: str | None = Field(None, pattern=r"^[0-9]{5}$")


class DirectoryEntry(Entity):
    """One professional of the directory, by RPPS: the first activity row gives the identity,
    every row a place."""

    rpps: Rpps
    title: str | None = None
    given_name: str = Field(max_length=MAX_NAME)
    family_name: str = Field(min_length=1, max_length=MAX_NAME)
    profession_code: str = Field(pattern=r"^[0-9]{1,4}$")
    profession: str = Field(min_length=1, max_length=MAX_NAME)
    specialty: str | None = Field(None, max_length=200)
    places: tuple[Place, ...] = Field((), max_length=MAX_PLACES)

    @property
    def display_name(self) -> str:
        return " ".join(filter(None, (self.title, self.given_name, self.family_name)))

    def with_places(self, places: tuple[Place, ...]) -> DirectoryEntry:
        """The entry with these places added to its own (each once, the first MAX_PLACES)."""
        merged = tuple(dict.fromkeys((*self.places, *places)))[:MAX_PLACES]
        return self.model_copy(update={"places": merged})

    def to_api(self) -> dict[str, Any]:
        return {**super().to_api(), "display_name": self.display_name}


def title_of(civility_code: str) -> str | None:
    return _TITLES.get(civility_code.strip().upper())


class ProfessionalName(Entity):
    """How a list names a professional it knows by RPPS: the directory's name and profession,
    or, for an RPPS the directory does not hold (yet, or any more), the number itself."""

    rpps: str
    display_name: str
    profession: str | None = None
    profession_code: str | None = None
    specialty: str | None = None
    in_directory: bool

    @classmethod
    def of(cls, rpps: str, entry: DirectoryEntry | None) -> ProfessionalName:
        if entry is None:
            return cls(rpps=rpps, display_name=f"RPPS {rpps}", in_directory=False)
        return cls(
            rpps=rpps,
            display_name=entry.display_name,
            profession=entry.profession,
            profession_code=entry.profession_code,
            specialty=entry.specialty,
            in_directory=True,
        )


Scope = Literal["TOWN", "POSTCODE", "DEPT", "NAME"]


@dataclass(frozen=True)
class DirectoryQuery:
    """A search: a family name's first letters (at least two), or the whole family name and a
    given name's first letters; within a town, a postcode or a department, or nationwide.
    Every search is one range of one partition (docs/directory.md): `scope` names the
    partition, `prefix` the range. Lengths are the API's to bound."""

    name: str
    given_name: str | None = None
    town: str | None = None
    postcode: str | None = None
    department: str | None = None

    def __post_init__(self) -> None:
        if len(normalise(self.name)) < MIN_SEARCH_LETTERS:
            raise BadRequest(f"name must have at least {MIN_SEARCH_LETTERS} letters")
        places = [p for p in (self.town, self.postcode, self.department) if p is not None]
        if len(places) > 1:
            raise BadRequest("search in one place: a town, a postcode or a department")
        if self.postcode is not None and not _POSTCODE.fullmatch(self.postcode):
            raise BadRequest("postcode must be 5 digits")
        if self.department is not None and not _DEPARTMENT.fullmatch(self.department.upper()):
            raise BadRequest("department must be 2 digits, 2A, 2B or 971 to 976")
        if self.town is not None and not normalise(self.town):
            raise BadRequest("town must have letters")

    @property
    def scope(self) -> tuple[Scope, str]:
        if self.town is not None:
            return "TOWN", normalise(self.town)
        if self.postcode is not None:
            return "POSTCODE", self.postcode
        if self.department is not None:
            return "DEPT", self.department.upper()
        return "NAME", normalise(self.name)[:MIN_SEARCH_LETTERS]

    @property
    def prefix(self) -> str:
        """The family name's prefix; with a given name, the whole family name and the given
        name's prefix (search keys are FAMILY#GIVEN#RPPS)."""
        family = normalise(self.name)
        if self.given_name and normalise(self.given_name):
            return f"{family}#{normalise(self.given_name)}"
        return family


def search_scopes(entry: DirectoryEntry) -> set[tuple[Scope, str]]:
    """The partitions a professional is found in: each town, postcode and department they
    practise in, and nationwide under their family name's first two letters."""
    scopes: set[tuple[Scope, str]] = {("NAME", normalise(entry.family_name)[:MIN_SEARCH_LETTERS])}
    for place in entry.places:
        if normalise(place.town):
            scopes.add(("TOWN", normalise(place.town)))
        if place.postcode:
            scopes.add(("POSTCODE", place.postcode))
            scopes.add(("DEPT", department_of(place.postcode)))
    return scopes


def search_key(entry: DirectoryEntry) -> str:
    """Where a professional sorts within a partition: family name, given name, RPPS."""
    return f"{normalise(entry.family_name)}#{normalise(entry.given_name)}#{entry.rpps}"
