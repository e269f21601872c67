"""The demo wave's insured-persons file: a few hundred synthetic people (adults reached by email,
SMS or post only, minors whose parent is in the file, one mistyped INS), deterministic for a
given day."""

from __future__ import annotations

import csv
import io
import random
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta

from healthspace.enrollment.population_files import CSV_COLUMNS
from healthspace.kernel.identifiers import make_ins
from infra.local.demo.people import DEMO_ACCOUNTS

DEMO_WAVE_SIZE = 286  # valid lines: 2 oppositions make 0.70 %

_GIVEN = {
    "1": ("Lucas", "Hugo", "Thomas", "Nicolas", "Antoine", "Mathieu", "Karim", "Julien",
          "Pierre", "Yanis", "Olivier", "Théo", "Sébastien", "François", "Jérôme", "Malik"),
    "2": ("Camille", "Manon", "Léa", "Chloé", "Sarah", "Inès", "Julie", "Emma", "Claire",
          "Sophie", "Nathalie", "Aïcha", "Hélène", "Céline", "Louise", "Margaux"),
}  # fmt: skip
_FAMILY = (
    "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy",
    "Moreau", "Simon", "Laurent", "Lefèvre", "Michel", "Garcia", "David", "Bertrand", "Roux",
    "Vincent", "Fournier", "Morel", "Girard", "André", "Mercier", "Dupont", "Lambert", "Bonnet",
    "François", "Martinez", "Benali", "Nguyen", "Rossi", "Giacometti", "Le Gall", "Haddad",
)  # fmt: skip
# (department in the NIR, postal code, city): Corsica's 2A/2B included.
_PLACES = (
    ("75", "75011", "Paris"), ("69", "69003", "Lyon"), ("13", "13005", "Marseille"),
    ("31", "31000", "Toulouse"), ("33", "33000", "Bordeaux"), ("59", "59000", "Lille"),
    ("44", "44000", "Nantes"), ("67", "67000", "Strasbourg"), ("35", "35000", "Rennes"),
    ("2A", "20000", "Ajaccio"), ("2B", "20200", "Bastia"), ("29", "29200", "Brest"),
)  # fmt: skip
_STREETS = (
    "rue de la République", "avenue Jean Jaurès", "rue Victor Hugo", "place de l'Église",
    "boulevard Pasteur", "rue des Lilas", "chemin des Vignes", "allée des Tilleuls",
)  # fmt: skip


@dataclass(frozen=True)
class WavePerson:
    """One person of the demo population file, and how the notifier reaches them."""

    ins: str
    birth_date: date
    given_name: str
    family_name: str
    email: str | None = None
    mobile: str | None = None
    address: tuple[str, str, str] | None = None  # line 1, postal code, city
    representative: str | None = None  # INS of the parent who gets a minor's code

    def row(self) -> dict[str, str]:
        line1, postal_code, city = self.address or ("", "", "")
        return {
            "ins": self.ins,
            "birth_date": self.birth_date.isoformat(),
            "given_name": self.given_name,
            "family_name": self.family_name,
            "email": self.email or "",
            "mobile": self.mobile or "",
            "address_line1": line1,
            "address_line2": "",
            "address_line3": "",
            "postal_code": postal_code,
            "city": city,
            "representative_ins": self.representative or "",
        }


@dataclass(frozen=True)
class DemoPopulation:
    people: tuple[WavePerson, ...]
    csv_text: str  # the file, with one bad line
    bad_line: int  # its line number (the header is line 1)


def demo_population(today: date, size: int = DEMO_WAVE_SIZE, seed: int = 3) -> DemoPopulation:
    """A synthetic insured-persons file: adults reached by email (most), SMS or post only, a
    few minors whose parent is in the file, and one line with a mistyped INS key. Deterministic
    for a given day (ages are counted from `today`)."""
    if size >= 990:
        raise ValueError("the demo's NIR order numbers have 3 digits: fewer than 990 people")
    rng = random.Random(seed)  # demo data, not secrets
    taken = {p.ins for account in DEMO_ACCOUNTS for p in (account.person, *account.represents)}
    minors = max(3, size // 40)
    adults: list[WavePerson] = []
    children: list[WavePerson] = []
    serial = 0

    def new_ins(sex: str, born: date, department: str) -> str:
        nonlocal serial
        while True:
            serial += 1  # the order number: unique within the file
            nir = f"{sex}{born:%y%m}{department}{rng.randint(1, 999):03d}{serial:03d}"
            if make_ins(nir) not in taken:
                return make_ins(nir)

    for n in range(size - minors):
        sex = rng.choice("12")
        given, family = rng.choice(_GIVEN[sex]), rng.choice(_FAMILY)
        born = today - timedelta(days=rng.randint(19 * 365, 90 * 365))
        department, postal_code, city = rng.choice(_PLACES)
        address = (f"{rng.randint(1, 120)} {rng.choice(_STREETS)}", postal_code, city)
        reach = rng.random()
        email = mobile = None
        if reach < 0.80:  # email, with a mobile for half of them
            email = f"{_ascii(given)}.{_ascii(family)}.{n}@example.org"
            mobile = _mobile(rng) if rng.random() < 0.5 else None
        elif reach < 0.92:
            mobile = _mobile(rng)
        ins = new_ins(sex, born, department)
        adults.append(WavePerson(ins, born, given, family, email, mobile, address))

    # Minors are represented by a parent of the file aged 25 to 55, who gets their code.
    parents = [p for p in adults if 25 * 365 <= (today - p.birth_date).days <= 55 * 365]
    for parent in rng.sample(parents, minors):
        sex = rng.choice("12")
        born = today - timedelta(days=rng.randint(365, 17 * 365))
        department = parent.ins[5:7]
        children.append(
            WavePerson(
                new_ins(sex, born, department),
                born,
                rng.choice(_GIVEN[sex]),
                parent.family_name,
                address=parent.address,
                representative=parent.ins,
            )
        )
    people = adults + children
    rng.shuffle(people)  # a child may come before their parent: the importer allows it

    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    bad_at = len(people) // 2
    for index, person in enumerate(people):
        if index == bad_at:  # the classic mistake: a mistyped key
            typo = person.ins[:13] + f"{(int(person.ins[13:]) + 1) % 100:02d}"
            bad = WavePerson(typo, person.birth_date, "Marc", "Lemoine", "marc.lemoine@example.org")
            writer.writerow(bad.row())
        writer.writerow(person.row())
    return DemoPopulation(tuple(people), buffer.getvalue(), bad_line=bad_at + 2)


def _ascii(name: str) -> str:
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z]", "", folded.lower())


def _mobile(rng: random.Random) -> str:
    return f"0{rng.choice('67')}{rng.randint(0, 99_999_999):08d}"
