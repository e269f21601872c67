"""The prevention calendar against the published texts: known birth dates give the windows the
calendar states (healthspace.agenda.prevention.catalogue, .due, .vaccines)."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest

from healthspace.agenda.prevention.catalogue import CATALOGUE, CHILD_EXAMINATIONS
from healthspace.agenda.prevention.due import Vaccination, holder_calendar
from healthspace.agenda.prevention.model import ITEM_ID_PATTERN, Kind, Occurrence, State
from healthspace.agenda.prevention.vaccines import FAMILY_NAMES, family_of, folded


def calendar(birth: date, sex: str = "F", done=None, vaccinations=()) -> dict[str, Occurrence]:
    items, _ = holder_calendar(birth, sex, done or {}, list(vaccinations))  # type: ignore[arg-type]
    return {o.item_id: o for o in items}


def window(o: Occurrence) -> tuple[date, date]:
    return o.start, o.last_day


class TestTheCatalogue:
    def test_the_child_has_twenty_mandatory_examinations_from_8_days_to_16_years(self):
        assert len(CHILD_EXAMINATIONS) == 20
        items = calendar(date(2025, 1, 15))
        exams = [o for o in items.values() if o.definition.kind is Kind.EXAMINATION]
        assert len(exams) == 20
        assert window(items["exam-8-days"]) == (date(2025, 1, 15), date(2025, 1, 23))
        # "entre 15 et 16 ans": until the eve of the 17th birthday
        assert window(items["exam-years-15-16"]) == (date(2040, 1, 15), date(2042, 1, 14))

    def test_every_item_names_its_source_and_year_and_keeps_the_published_words(self):
        for definition in CATALOGUE:
            assert definition.source.title and 2000 <= definition.source.year <= 2025
            assert definition.rule
        ids = [o.item_id for o in calendar(date(1960, 1, 1)).values()]
        assert len(ids) == len(set(ids))
        assert all(re.fullmatch(ITEM_ID_PATTERN, i) for i in ids)

    def test_the_9_month_examination_is_due_during_the_ninth_month_of_life(self):
        # Arrêté du 26 février 2019: "au cours du neuvième mois": from 8 months to the eve of 9
        nine = calendar(date(2025, 1, 15))["exam-month-9"]
        assert window(nine) == (date(2025, 9, 15), date(2025, 10, 14))
        assert nine.state(date(2025, 9, 14)) is State.UPCOMING
        assert nine.state(date(2025, 9, 15)) is State.DUE
        assert nine.state(date(2025, 10, 14)) is State.DUE
        assert nine.state(date(2025, 10, 15)) is State.PAST

    def test_a_month_without_the_birth_day_counts_from_the_first_of_the_next(self):
        items = calendar(date(2024, 12, 31))
        # 2 months old on 31 February, which does not exist: on 1 March
        assert window(items["exam-month-3"]) == (date(2025, 3, 1), date(2025, 3, 30))

    def test_the_2025_calendar_replaced_the_first_month_examination_by_one_in_the_seventh_year(
        self,
    ):
        items = calendar(date(2025, 1, 15))
        assert "exam-month-1" not in items
        assert window(items["exam-week-2"]) == (date(2025, 1, 22), date(2025, 1, 28))
        assert window(items["exam-month-2"]) == (date(2025, 2, 15), date(2025, 3, 14))
        assert window(items["exam-year-7"]) == (date(2031, 1, 15), date(2032, 1, 14))

    def test_infant_vaccinations_follow_the_2025_calendar(self):
        items = calendar(date(2025, 3, 10))
        starts = {i: o.start for i, o in items.items() if i.startswith("vacc-")}
        assert [starts[f"vacc-hexavalent-{n}"] for n in (1, 2, 3)] == [
            date(2025, 5, 10),
            date(2025, 7, 10),
            date(2026, 2, 10),
        ]
        assert [starts[f"vacc-menb-{n}"] for n in (1, 2, 3)] == [
            date(2025, 6, 10),
            date(2025, 8, 10),
            date(2026, 3, 10),
        ]
        assert [starts["vacc-menacwy-1"], starts["vacc-menacwy-2"]] == [
            date(2025, 9, 10),
            date(2026, 3, 10),
        ]
        assert window(items["vacc-mmr-2"]) == (date(2026, 7, 10), date(2026, 10, 9))
        assert window(items["vacc-hpv-1"]) == (date(2036, 3, 10), date(2040, 3, 9))

    def test_adult_boosters_at_25_45_65_then_every_ten_years(self):
        items = calendar(date(1960, 4, 2), "M")
        boosters = sorted(
            (o.start.year - 1960, o) for o in items.values() if o.step.label == "vacc-booster"
        )
        assert [age for age, _ in boosters] == [6, 11, 25, 45, 65, 75, 85, 95, 105, 115]
        for age, o in boosters:
            assert o.start == date(1960 + age, 4, 2)
        assert window(items["vacc-booster-75y"]) == (date(2035, 4, 2), date(2036, 4, 1))


class TestScreenings:
    def test_a_woman_turning_50_is_due_for_her_first_breast_screening(self):
        items = calendar(date(1976, 3, 10), "F")
        first = items["screening-breast-1"]
        assert window(first) == (date(2026, 3, 10), date(2028, 3, 9))
        assert first.state(date(2026, 3, 9)) is State.UPCOMING
        assert first.state(date(2026, 3, 10)) is State.DUE
        rounds = [o for o in items.values() if o.definition.definition_id == "screening-breast"]
        assert len(rounds) == 13  # 50, 52, ..., 74
        assert rounds[-1].last_day == date(2051, 3, 9)  # the eve of the 75th birthday

    @pytest.mark.parametrize("birth", [date(1950, 1, 1), date(1976, 3, 10), date(2000, 6, 30)])
    def test_a_man_is_never_due_for_breast_or_cervical_screening(self, birth):
        items = calendar(birth, "M")
        assert not [i for i in items if i.startswith(("screening-breast", "screening-cervical"))]
        assert all(o.definition.sex in (None, "M") for o in items.values())
        assert "screening-colorectal-1" in items  # women and men

    def test_the_next_screening_counts_from_the_day_the_last_was_done(self):
        items = calendar(date(1976, 3, 10), "F", done={"screening-breast-1": date(2027, 1, 5)})
        assert items["screening-breast-2"].start == date(2029, 1, 5)
        # not done: the rhythm goes on from the window
        assert calendar(date(1976, 3, 10))["screening-breast-2"].start == date(2028, 3, 10)

    def test_cervical_screening_cytology_at_25_and_26_then_3_years_then_hpv_every_5(self):
        items = calendar(date(2000, 1, 1), "F")
        cervical = [o for o in items.values() if o.definition.definition_id == "screening-cervical"]
        assert [(o.step.label.rsplit("-", 1)[1], o.start.year - 2000) for o in cervical] == [
            ("cytology", 25),
            ("cytology", 26),
            ("cytology", 29),
            ("hpv", 32),  # three years after the last cytology
            ("hpv", 37),
            ("hpv", 42),
            ("hpv", 47),
            ("hpv", 52),
            ("hpv", 57),
            ("hpv", 62),
        ]
        assert cervical[-1].last_day == date(2065, 12, 31)  # until 65

    def test_from_30_the_hpv_test_follows_the_last_cytology(self):
        done = {"screening-cervical-1": date(2028, 6, 1)}  # a first cytology at 28
        items = calendar(date(2000, 1, 1), "F", done=done)
        assert items["screening-cervical-2"].step.label == "screening-cervical-cytology"
        assert items["screening-cervical-2"].start == date(2029, 6, 1)
        # a third cytology would come at 32: past 30, the HPV test three years after
        assert items["screening-cervical-3"].step.label == "screening-cervical-hpv"
        assert items["screening-cervical-3"].start == date(2032, 6, 1)

    def test_the_prevention_checkups_at_four_ages(self):
        items = calendar(date(1980, 5, 20), "M")
        assert [window(items[f"checkup-{a}-{b}"]) for a, b in ((18, 25), (45, 50))] == [
            (date(1998, 5, 20), date(2006, 5, 19)),
            (date(2025, 5, 20), date(2031, 5, 19)),
        ]
        assert "checkup-60-65" in items and "checkup-70-75" in items


class TestVaccinationsOfTheProfile:
    def test_every_family_name_is_read_whatever_its_accents_and_case(self):
        assert family_of("INFANRIX-HEXA") == "hexavalent"
        assert family_of("méningocoque b") == family_of("Meningocoque B") == "menb"
        assert family_of("Gardasil 9") == "hpv"
        assert family_of("Grippe") is None
        for family, names in FAMILY_NAMES.items():
            assert {family_of(n) for n in names} == {family}
        assert folded("Rougeole-oreillons-rubéole") == "rougeoleoreillonsrubeole"

    def test_a_dose_given_in_its_window_or_a_little_early_fills_its_item(self):
        birth = date(2025, 3, 10)
        shots = [
            Vaccination("e1", "Infanrix hexa", date(2025, 5, 5)),  # 8 weeks: five days early
            Vaccination("e2", "Hexyon", date(2025, 7, 12)),
            Vaccination("e3", "Priorix", date(2026, 3, 20)),
            Vaccination("e4", "Grippe", date(2026, 3, 20)),
        ]
        _, evidence = holder_calendar(birth, "F", {}, shots)
        assert {i: (e.entry_id, e.on) for i, e in evidence.items()} == {
            "vacc-hexavalent-1": ("e1", date(2025, 5, 5)),
            "vacc-hexavalent-2": ("e2", date(2025, 7, 12)),
            "vacc-mmr-1": ("e3", date(2026, 3, 20)),
        }

    def test_an_adults_only_booster_fills_the_last_due_and_an_extra_one_fills_nothing(self):
        birth = date(1970, 1, 1)
        _, evidence = holder_calendar(
            birth, "M", {}, [Vaccination("b", "Revaxis", date(2020, 3, 1))]
        )
        assert list(evidence) == ["vacc-booster-45y"]
        shots = [
            Vaccination("b", "Revaxis", date(2015, 2, 1)),
            Vaccination("c", "dTP", date(2017, 5, 1)),
        ]
        _, evidence = holder_calendar(birth, "M", {}, shots)
        assert {i: e.entry_id for i, e in evidence.items()} == {"vacc-booster-45y": "b"}

    def test_a_second_hpv_dose_opens_six_months_after_the_first_was_given(self):
        birth = date(2012, 1, 1)
        first = [Vaccination("h1", "Gardasil 9", date(2024, 3, 1))]
        items, evidence = holder_calendar(birth, "M", {}, first)
        second = next(o for o in items if o.item_id == "vacc-hpv-2")
        assert window(second) == (date(2024, 9, 1), date(2025, 4, 30))  # 6 to 13 months after
        both = [*first, Vaccination("h2", "Gardasil", date(2024, 10, 1))]
        _, evidence = holder_calendar(birth, "M", {}, both)
        assert {i: e.entry_id for i, e in evidence.items()} == {
            "vacc-hpv-1": "h1",
            "vacc-hpv-2": "h2",
        }

    def test_an_item_the_patient_marked_done_keeps_their_date(self):
        birth = date(2025, 3, 10)
        done = {"vacc-hexavalent-1": date(2025, 5, 12)}
        shots = [Vaccination("e1", "Infanrix hexa", date(2025, 5, 12))]
        _, evidence = holder_calendar(birth, "F", done, shots)
        # the dose is the first one, already done: the next begins two months later, not filled
        assert evidence == {}


def test_the_website_has_words_for_every_label_and_kind_of_the_catalogue():
    labels = {o.step.label for o in calendar(date(1950, 1, 1), "F").values()}
    labels |= {o.step.label for o in calendar(date(1950, 1, 1), "M").values()}
    for language in ("fr", "en"):
        path = Path(__file__).parents[2] / "web" / "locales" / f"{language}.json"
        words = json.loads(path.read_text(encoding="utf-8"))["prevention"]
        assert labels == set(words["items"]), language
        assert {k.value for k in Kind} == set(words["kinds"]), language
