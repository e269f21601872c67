"""Which item of the calendar a vaccination of the medical profile fills.

The profile names a vaccine in free text (records.sections.Vaccination: `vaccine`, `date`). A
name is read as one of the families below when, once folded (no accents, no case, letters and
digits only), it is one of the family's names: the brands sold in France and the usual
generic names, in French and English. A name that is none of them fills nothing (an
influenza vaccine, a vaccine for travellers): the calendar does not guess.

Within its family a vaccination fills, in the order they were given:
- the latest item whose window has begun by its date, if nothing fills it yet (a dose given
  late fills the dose that was due; an adult's only recorded booster fills the last one due);
- else the next item, if its window begins within a month of the date (a dose given a few
  days early, at eight weeks for "2 mois", fills the dose it was given for);
- else nothing (an extra dose, a booster given in between).
A series' next dose (the second HPV dose, 6 to 13 months after the first) is filled only once
the one before it is.
An item the patient marked done keeps their date; a vaccination never fills it twice.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Container, Sequence
from datetime import date
from typing import Final

from healthspace.agenda.prevention.model import Age, Occurrence

FAMILY_NAMES: Final[dict[str, tuple[str, ...]]] = {
    "hexavalent": (
        "Infanrix Hexa",
        "Hexyon",
        "Vaxelis",
        "Hexavalent",
        "DTCaP-Hib-HepB",
        "DTaP-IPV-Hib-HepB",
    ),
    "pneumococcal": (
        "Prevenar 13",
        "Prevenar 20",
        "Vaxneuvance",
        "Pneumocoque",
        "Pneumococcal",
        "PCV13",
        "PCV15",
        "PCV20",
    ),
    "menb": ("Bexsero", "Trumenba", "Méningocoque B", "Meningococcal B", "MenB"),
    "menacwy": (
        "Nimenrix",
        "MenQuadfi",
        "Menveo",
        "Méningocoques ACWY",
        "Méningocoque ACWY",
        "Meningococcal ACWY",
        "MenACWY",
    ),
    "mmr": (
        "Priorix",
        "M-M-RvaxPro",
        "ROR",
        "Rougeole-oreillons-rubéole",
        "MMR",
        "Measles-mumps-rubella",
    ),
    "rotavirus": ("Rotarix", "RotaTeq", "Rotavirus"),
    "booster": (
        "Repevax",
        "BoostrixTetra",
        "Tetravac",
        "InfanrixTetra",
        "Revaxis",
        "DTCaP",
        "dTcaP",
        "dTP",
        "DTP",
        "Tdap-IPV",
        "Td-IPV",
        "Diphtérie-tétanos-poliomyélite",
        "Diphtérie-tétanos-coqueluche-poliomyélite",
    ),
    "hpv": ("Gardasil 9", "Gardasil", "Cervarix", "HPV", "Papillomavirus"),
}


def folded(name: str) -> str:
    """A vaccine's name as compared: no accents, no case, letters and digits only."""
    plain = unicodedata.normalize("NFKD", name)
    plain = "".join(c for c in plain if not unicodedata.combining(c)).casefold()
    return re.sub(r"[^a-z0-9]", "", plain)


_FAMILY_OF: Final = {
    folded(name): family for family, names in FAMILY_NAMES.items() for name in names
}
# How early a dose may come and still fill the item it was given for.
EARLY: Final = Age(months=1)


def family_of(vaccine: str) -> str | None:
    """The family a profile's vaccine name belongs to, None if it is none of ours."""
    return _FAMILY_OF.get(folded(vaccine))


def target(items: Sequence[Occurrence], given_on: date, filled: Container[str]) -> str | None:
    """The item (by id) of one family that a vaccination given on `given_on` fills, by the
    rule above; `items` are the family's, in the order their windows open. A series' next dose
    waits for the one before it (its window counts from that dose's date)."""
    items = [o for o in items if _after_previous(o, filled)]
    begun = [o for o in items if o.start <= given_on]
    if begun and begun[-1].item_id not in filled:
        return begun[-1].item_id
    upcoming = [o for o in items if o.start > given_on and o.item_id not in filled]
    if upcoming and upcoming[0].start <= EARLY.on(given_on):
        return upcoming[0].item_id
    return None


def _after_previous(item: Occurrence, filled: Container[str]) -> bool:
    if item.number is None or item.number == 1:
        return True
    return f"{item.definition.definition_id}-{item.number - 1}" in filled
