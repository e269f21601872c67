"""The prevention calendar as published, as data: every item with its ages or its rhythm, whom it
concerns, its source and the year of the version followed. `rule` keeps the published words;
the ages are read by one rule (healthspace.agenda.prevention.model). Nothing here is more precise
than its source: where a text gives an age, the window is that age; where it gives a range, the
range; where it gives a rhythm, the rhythm.

Left out, on purpose: what depends on more than a birth date and a sex (BCG and the vaccines of
people at risk, pregnancy, the RSV antibody given before the infant's first winter, the yearly
influenza and COVID-19 campaigns, whose dates are set each season).
"""

from __future__ import annotations

from typing import Final

from healthspace.agenda.prevention.model import Age, Definition, Kind, Source, Step, item

CHILD_EXAMINATIONS_SOURCE: Final = Source(
    "Code de la santé publique, art. R2132-1 ; arrêté du 26 février 2019 relatif au calendrier "
    "des examens médicaux obligatoires de l'enfant, dans sa version en vigueur au 1er janvier "
    "2025 (l'examen de la fin du premier mois remplacé par un examen au cours de la septième "
    "année)",
    2025,
    "https://www.legifrance.gouv.fr/loda/id/JORFTEXT000038175215/",
)
VACCINATION_SOURCE: Final = Source(
    "Calendrier des vaccinations et recommandations vaccinales 2025, ministère chargé de la "
    "santé (méningocoques B et ACWY des nourrissons obligatoires depuis le 1er janvier 2025, "
    "décret n° 2024-694 du 5 juillet 2024)",
    2025,
)
BREAST_SOURCE: Final = Source(
    "Programme national de dépistage organisé du cancer du sein (arrêté du 29 septembre 2006 "
    "relatif aux programmes de dépistage organisé des cancers, modifié), Institut national du "
    "cancer",
    2006,
)
COLORECTAL_SOURCE: Final = Source(
    "Programme national de dépistage organisé du cancer colorectal (arrêté du 29 septembre 2006 "
    "relatif aux programmes de dépistage organisé des cancers, modifié), Institut national du "
    "cancer",
    2006,
)
CERVICAL_SOURCE: Final = Source(
    "Programme national de dépistage organisé du cancer du col de l'utérus (arrêté du 30 juillet "
    "2020), selon la recommandation de la Haute Autorité de santé de juillet 2019",
    2020,
)
CHECKUP_SOURCE: Final = Source(
    "Mon bilan prévention, Assurance Maladie : un bilan aux âges clés de 18 à 25, 45 à 50, 60 à "
    "65 et 70 à 75 ans (loi de financement de la sécurité sociale pour 2023)",
    2024,
)


def _months(n: int) -> Age:
    return Age(months=n)


def _years(n: int) -> Age:
    return Age(years=n)


def _exam(definition_id: str, start: Age, end: Age, rule: str) -> Definition:
    return item(definition_id, Kind.EXAMINATION, start, end, rule, CHILD_EXAMINATIONS_SOURCE)


_ORDINAL_MONTHS: Final = {
    2: "deuxième",
    3: "troisième",
    4: "quatrième",
    5: "cinquième",
    6: "sixième",
    9: "neuvième",
    12: "douzième",
    13: "treizième",
}
_ORDINAL_YEARS: Final = {
    3: "troisième",
    4: "quatrième",
    5: "cinquième",
    6: "sixième",
    7: "septième",
}

# Arrêté du 26 février 2019, article 1, as in force on 1 January 2025: twenty examinations.
CHILD_EXAMINATIONS: Final[tuple[Definition, ...]] = (
    _exam(
        "exam-8-days",
        Age(),
        Age(days=9),
        "Dans les huit jours qui suivent la naissance (certificat de santé)",
    ),
    _exam("exam-week-2", Age(days=7), Age(days=14), "Au cours de la deuxième semaine"),
    *(
        _exam(
            f"exam-month-{n}",
            _months(n - 1),
            _months(n),
            f"Au cours du {_ORDINAL_MONTHS[n]} mois" + (" (certificat de santé)" if n == 9 else ""),
        )
        for n in (2, 3, 4, 5, 6, 9, 12, 13)
    ),
    _exam("exam-months-16-18", _months(16), _months(19), "Entre seize et dix-huit mois"),
    _exam(
        "exam-months-24-25",
        _months(23),
        _months(25),
        "Au cours du vingt-quatrième mois ou du vingt-cinquième mois (certificat de santé)",
    ),
    *(
        _exam(
            f"exam-year-{n}", _years(n - 1), _years(n), f"Au cours de la {_ORDINAL_YEARS[n]} année"
        )
        for n in (3, 4, 5, 6, 7)
    ),
    _exam("exam-years-8-9", _years(8), _years(10), "Entre 8 et 9 ans"),
    _exam("exam-years-11-13", _years(11), _years(14), "Entre 11 et 13 ans"),
    _exam("exam-years-15-16", _years(15), _years(17), "Entre 15 et 16 ans"),
)


def _vaccine(
    definition_id: str,
    family: str,
    start: Age,
    end: Age,
    rule: str,
    label: str | None = None,
    dose: int | None = None,
) -> Definition:
    return item(
        definition_id,
        Kind.VACCINATION,
        start,
        end,
        rule,
        VACCINATION_SOURCE,
        family=family,
        label=label,
        dose=dose,
    )


def _infant_doses(
    prefix: str, family: str, months: tuple[int, ...], what: str
) -> tuple[Definition, ...]:
    """One item per dose, given "at n months": while the infant is n months old."""
    return tuple(
        _vaccine(
            f"{prefix}-{number}",
            family,
            _months(age),
            _months(age + 1),
            f"{what} : {age} mois",
            label=prefix,
            dose=number,
        )
        for number, age in enumerate(months, start=1)
    )


# Adults' boosters against diphtheria, tetanus and poliomyelitis: at 25, 45 and 65, "puis tous
# les dix ans" (75, 85...), until the calendar's last age (LIFE_SPAN).
LIFE_SPAN: Final = 120
_TEN_YEARLY_BOOSTERS: Final = tuple(range(75, LIFE_SPAN, 10))

VACCINATIONS: Final[tuple[Definition, ...]] = (
    *_infant_doses(
        "vacc-hexavalent",
        "hexavalent",
        (2, 4, 11),
        "Diphtérie, tétanos, coqueluche, poliomyélite, Haemophilus influenzae b, hépatite B "
        "(obligatoire)",
    ),
    *_infant_doses(
        "vacc-pneumococcal",
        "pneumococcal",
        (2, 4, 11),
        "Pneumocoque, vaccin conjugué (obligatoire)",
    ),
    *_infant_doses("vacc-menb", "menb", (3, 5, 12), "Méningocoque B (obligatoire)"),
    *_infant_doses("vacc-menacwy", "menacwy", (6, 12), "Méningocoques ACWY (obligatoire)"),
    _vaccine(
        "vacc-mmr-1",
        "mmr",
        _months(12),
        _months(13),
        "Rougeole, oreillons, rubéole : 12 mois",
        "vacc-mmr",
        1,
    ),
    _vaccine(
        "vacc-mmr-2",
        "mmr",
        _months(16),
        _months(19),
        "Rougeole, oreillons, rubéole : entre 16 et 18 mois",
        "vacc-mmr",
        2,
    ),
    *_infant_doses("vacc-rotavirus", "rotavirus", (2, 3), "Rotavirus (recommandé)"),
    _vaccine(
        "vacc-rotavirus-3",
        "rotavirus",
        _months(4),
        _months(5),
        "Rotavirus (recommandé) : 4 mois, avec le vaccin à trois doses seulement",
        "vacc-rotavirus",
        3,
    ),
    _vaccine(
        "vacc-booster-6y",
        "booster",
        _years(6),
        _years(7),
        "Rappel diphtérie, tétanos, coqueluche, poliomyélite : 6 ans",
        "vacc-booster",
    ),
    _vaccine(
        "vacc-booster-11-13y",
        "booster",
        _years(11),
        _years(14),
        "Rappel diphtérie, tétanos, coqueluche, poliomyélite : entre 11 et 13 ans",
        "vacc-booster",
    ),
    Definition(
        "vacc-hpv",
        Kind.VACCINATION,
        _years(11),
        (
            Step("vacc-hpv", end=_years(15)),
            Step("vacc-hpv", after=_months(6), span=_months(8)),
        ),
        "Papillomavirus, filles et garçons de 11 à 14 ans : deux doses espacées de 6 à 13 mois",
        VACCINATION_SOURCE,
        family="hpv",
    ),
    _vaccine(
        "vacc-menacwy-teen",
        "menacwy",
        _years(11),
        _years(15),
        "Méningocoques ACWY, adolescents de 11 à 14 ans : une dose",
        "vacc-menacwy-teen",
    ),
    _vaccine(
        "vacc-booster-25y",
        "booster",
        _years(25),
        _years(26),
        "Rappel diphtérie, tétanos, coqueluche, poliomyélite : 25 ans",
        "vacc-booster",
    ),
    *(
        _vaccine(
            f"vacc-booster-{age}y",
            "booster",
            _years(age),
            _years(age + 1),
            f"Rappel diphtérie, tétanos, poliomyélite : {age} ans"
            + ("" if age in (45, 65) else " (65 ans, puis tous les dix ans)"),
            "vacc-booster",
        )
        for age in (45, 65, *_TEN_YEARLY_BOOSTERS)
    ),
)

SCREENINGS: Final[tuple[Definition, ...]] = (
    Definition(
        "screening-breast",
        Kind.SCREENING,
        _years(50),
        (Step("screening-breast", span=_years(2), after=_years(2)),),
        "Femmes de 50 à 74 ans : une mammographie tous les deux ans",
        BREAST_SOURCE,
        until=_years(75),
        repeat=True,
        sex="F",
    ),
    Definition(
        "screening-colorectal",
        Kind.SCREENING,
        _years(50),
        (Step("screening-colorectal", span=_years(2), after=_years(2)),),
        "Femmes et hommes de 50 à 74 ans : un test de dépistage tous les deux ans",
        COLORECTAL_SOURCE,
        until=_years(75),
        repeat=True,
    ),
    Definition(
        "screening-cervical",
        Kind.SCREENING,
        _years(25),
        (
            Step("screening-cervical-cytology", span=_years(1)),
            Step("screening-cervical-cytology", after=_years(1), span=_years(3), before=_years(30)),
            Step("screening-cervical-cytology", after=_years(3), span=_years(3), before=_years(30)),
            Step(
                "screening-cervical-hpv",
                after=_years(3),
                span=_years(5),
                not_before=_years(30),
            ),
            Step("screening-cervical-hpv", after=_years(5), span=_years(5)),
        ),
        "Femmes de 25 à 29 ans : deux examens cytologiques à un an d'intervalle, puis trois ans "
        "après si leurs résultats sont normaux ; de 30 à 65 ans : un test HPV trois ans après le "
        "dernier examen cytologique normal, puis tous les cinq ans si le résultat est négatif",
        CERVICAL_SOURCE,
        until=_years(66),
        repeat=True,
        sex="F",
    ),
)

CHECKUPS: Final[tuple[Definition, ...]] = tuple(
    item(
        f"checkup-{low}-{high}",
        Kind.CHECKUP,
        _years(low),
        _years(high + 1),
        f"Mon bilan prévention, entre {low} et {high} ans : un bilan",
        CHECKUP_SOURCE,
        label="checkup",
    )
    for low, high in ((18, 25), (45, 50), (60, 65), (70, 75))
)

CATALOGUE: Final[tuple[Definition, ...]] = (
    *CHILD_EXAMINATIONS,
    *VACCINATIONS,
    *SCREENINGS,
    *CHECKUPS,
)
