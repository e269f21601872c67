"""Reading and validating insured-persons files: formats, every rule, representatives, volume."""

from __future__ import annotations

import csv
import gc
import io
import json
from collections.abc import Iterator, Mapping
from datetime import date

import pytest

from healthspace.enrollment.population import PopulationCheck, validate_population
from healthspace.enrollment.population_files import CSV_COLUMNS, RawLine, read_population
from healthspace.kernel.identifiers import make_ins
from healthspace.kernel.reports import RECORD, LineError, write_error_report

TODAY = date(2026, 11, 28)
MOTHER = make_ins("2850675123456")
FATHER = make_ins("1790113045001")
CHILD = make_ins("2150699000123")
SISTER = make_ins("2180699000124")
STRANGER = make_ins("1600175000001")

ADULT = {
    "ins": MOTHER,
    "birth_date": "1985-06-01",
    "given_name": "Alice",
    "family_name": "Martin",
    "email": "alice.martin@example.fr",
}
KID = {"ins": CHILD, "birth_date": "2015-06-01", "given_name": "Léa", "family_name": "Martin"}


def csv_text(*rows: dict[str, str], delimiter: str = ";", columns=CSV_COLUMNS) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, delimiter=delimiter, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def jsonl_text(*objects: Mapping[str, object]) -> str:
    return "".join(json.dumps(obj, ensure_ascii=False) + "\n" for obj in objects)


def check(text: str, fmt="csv", known=(), today=TODAY) -> PopulationCheck:
    return validate_population(
        read_population(io.StringIO(text), fmt), today, set(known).__contains__
    )


def never(ins: str) -> bool:
    """An `is_known` for an empty platform."""
    return False


def problems(result: PopulationCheck) -> list[tuple[int, str]]:
    return [(error.line, error.field) for error in result.errors]


def one_error(row: dict[str, str], known=()) -> LineError:
    """The single error of a file made of one line."""
    result = check(csv_text(row), known=known)
    assert result.citizens == []
    assert len(result.errors) == 1, result.errors
    return result.errors[0]


class TestFormats:
    @pytest.mark.parametrize("delimiter", [";", ","])
    def test_csv_with_either_delimiter(self, delimiter):
        # Given a CSV file with an adult reachable by every channel (a comma inside a quoted cell)
        row = ADULT | {
            "mobile": "06 12 34 56 78",
            "address_line1": "12, rue de la Paix",
            "address_line2": "Bâtiment B",
            "postal_code": "75002",
            "city": "Paris",
        }
        # When it is read and validated
        result = check(csv_text(row, KID | {"representative_ins": MOTHER}, delimiter=delimiter))
        # Then both people come out whole
        assert result.errors == []
        assert result.lines == 2
        alice, lea = result.citizens
        assert (alice.ins, alice.birth_date, alice.given_name) == (
            MOTHER,
            date(1985, 6, 1),
            "Alice",
        )
        assert alice.contact.email == "alice.martin@example.fr"
        assert alice.contact.mobile == "+33612345678"
        assert alice.contact.address is not None
        assert alice.contact.address.lines == ("12, rue de la Paix", "Bâtiment B")
        assert (alice.contact.address.postal_code, alice.contact.address.city) == ("75002", "Paris")
        assert lea.representatives == (MOTHER,)
        assert lea.contact.channel is None

    def test_csv_header_in_any_order_and_case_with_byte_order_mark(self):
        # Given a spreadsheet export: BOM, capitalised header, columns reordered, CRLF
        text = "\ufeffFamily_Name;INS;Birth_Date;Given_Name;Email\r\n"
        text += f"Martin;{MOTHER};01/06/1985;Alice;alice@example.fr\r\n"
        # When it is validated
        result = check(text)
        # Then the French date form and the columns are understood
        assert result.errors == []
        assert result.citizens[0].birth_date == date(1985, 6, 1)

    def test_json_lines_with_lists_and_address_object(self):
        # Given JSON Lines using the representatives list and the address object
        parent = ADULT | {
            "email": None,
            "address": {"lines": ["3 place du Marché"], "postal_code": "69001", "city": "Lyon"},
        }
        kid = KID | {"representatives": [MOTHER, FATHER]}
        father = {
            "ins": FATHER,
            "birth_date": "1979-01-13",
            "given_name": "Paul",
            "family_name": "Martin",
            "mobile": "+44 7700 900123",
        }
        # When they are validated
        result = check(jsonl_text(parent, kid, father), fmt="jsonl")
        # Then the address and both representatives are kept
        assert result.errors == []
        by_ins = {citizen.ins: citizen for citizen in result.citizens}
        address = by_ins[MOTHER].contact.address
        assert address is not None
        assert address.lines == ("3 place du Marché",)
        assert by_ins[MOTHER].contact.email is None
        assert by_ins[FATHER].contact.mobile == "+447700900123"
        assert by_ins[CHILD].representatives == (MOTHER, FATHER)

    def test_json_lines_accept_the_csv_field_names(self):
        # Given JSON Lines written with the CSV column names
        parent = ADULT | {
            "address_line1": "1 rue Haute",
            "postal_code": "13001",
            "city": "Marseille",
        }
        kid = KID | {"representative_ins": f"{MOTHER}|{FATHER}"}
        # When validated, the father being already enrolled
        result = check(jsonl_text(parent, kid), fmt="jsonl", known={FATHER})
        # Then both are valid
        assert result.errors == []
        assert result.citizens[1].representatives == (MOTHER, FATHER)

    def test_empty_cells_mean_absent(self):
        # Given an adult reachable by mobile only, every other optional cell empty or blank
        row = ADULT | {"email": "", "mobile": "0712345678", "address_line2": "  ", "city": ""}
        # When validated
        result = check(csv_text(row))
        # Then the person is valid and has no email nor address
        assert result.errors == []
        contact = result.citizens[0].contact
        assert (contact.email, contact.mobile, contact.address) == (None, "+33712345678", None)

    def test_malformed_json_line_is_reported_and_the_others_go_on(self):
        # Given a JSON Lines file with a blank line, a broken line and an array
        text = jsonl_text(ADULT) + "\n" + '{"ins": "1850\n' + "[1, 2]\n"
        # When validated
        result = check(text, fmt="jsonl")
        # Then the broken lines are reported by their real line numbers
        assert [c.ins for c in result.citizens] == [MOTHER]
        assert result.errors == [
            LineError(3, RECORD, "malformed JSON"),
            LineError(4, RECORD, "not a JSON object"),
        ]

    def test_wrong_column_count_is_a_line_error(self):
        # Given a CSV line with one cell too many
        text = csv_text(ADULT) + f"{FATHER};1979-01-13;Paul;Martin;;;;;;;;;extra\n"
        # When validated
        result = check(text)
        # Then that line is reported, the header being line 1
        assert result.errors == [LineError(3, RECORD, "expected 12 columns, found 13")]
        assert len(result.citizens) == 1

    def test_line_numbers_follow_the_file_through_quoted_newlines_and_blank_lines(self):
        # Given a quoted cell spanning two lines, then a blank line, then a bad line
        first = ADULT | {"given_name": "Alice\nMarie"}
        text = csv_text(first) + "\n" + csv_text(KID, columns=CSV_COLUMNS).split("\n", 1)[1]
        # When validated
        result = check(text)
        # Then the child (no representative) is reported on the physical line where it starts
        assert problems(result) == [(5, "representative_ins")]

    def test_unbalanced_quotes_are_reported(self):
        # Given a cell with a stray quote
        text = csv_text(ADULT) + f'{FATHER};"1979-01-13"x;Paul;Martin;;;;;;;;\n'
        # When validated
        result = check(text)
        # Then the line is reported as malformed
        assert result.errors == [LineError(3, RECORD, "malformed CSV (quotes)")]

    def test_an_unterminated_quote_names_the_lines_it_swallowed(self):
        # Given a quote opened and never closed, two lines before the end
        text = csv_text(ADULT) + f'{FATHER};"1979-01-13;Paul;Martin;;;;;;;;\n' + "x;y\n"
        # When validated
        result = check(text)
        # Then one error covers the lines the reader could not separate
        assert result.errors == [LineError(3, RECORD, "malformed CSV (quotes), through line 4")]

    def test_an_unreadable_header_refuses_every_line(self):
        # Given a header with a stray quote
        text = 'ins;"birth_date"x;given_name\n' + f"{MOTHER};1985-06-01;Alice\n"
        # When validated, Then the header and the line after it are both reported
        assert check(text).errors == [
            LineError(1, RECORD, "malformed CSV (quotes)"),
            LineError(2, RECORD, "the header line is not readable"),
        ]

    def test_file_without_header_is_reported_on_line_one(self):
        # Given a file whose first line is a person, not a header
        text = csv_text(ADULT).split("\n", 1)[1] * 2
        # When validated
        result = check(text)
        # Then line 1 says so and line 2 cannot pass either
        assert result.errors[0] == LineError(1, RECORD, "not a header: no known column")
        assert result.citizens == []
        assert {error.line for error in result.errors} == {1, 2}

    def test_unknown_column_with_a_value_is_an_error_reported_by_position(self):
        # Given an extra column, filled on one line and empty on the other
        columns = (*CSV_COLUMNS, "nickname")
        text = csv_text(ADULT | {"nickname": "Lili"}, ADULT | {"ins": FATHER}, columns=columns)
        # When validated
        result = check(text)
        # Then only the filled cell is an error, named by position (a name may itself be data)
        assert result.errors == [LineError(2, RECORD, "unknown field at position 13")]
        assert [citizen.ins for citizen in result.citizens] == [FATHER]

    def test_unknown_json_field_and_a_field_given_twice_are_errors(self):
        # Given a JSON object with an unknown key and a repeated one
        text = jsonl_text(ADULT | {"ssn": "x"}) + (
            f'{{"ins": "{FATHER}", "ins": "{FATHER}", "birth_date": "1979-01-13", '
            '"given_name": "Paul", "family_name": "Martin", "mobile": "0612345678"}\n'
        )
        # When validated
        result = check(text, fmt="jsonl")
        # Then both are reported
        assert result.errors == [
            LineError(1, RECORD, "unknown field at position 6"),
            LineError(2, "ins", "given more than once"),
        ]

    def test_json_lines_with_a_byte_order_mark(self):
        result = check("\ufeff" + jsonl_text(ADULT), fmt="jsonl")
        assert (len(result.citizens), result.errors) == (1, [])

    def test_an_unknown_format_is_refused(self):
        with pytest.raises(ValueError, match="csv or jsonl"):
            read_population(io.StringIO(""), "xml")  # type: ignore[arg-type]

    def test_an_empty_file_has_no_line(self):
        assert check("") == PopulationCheck()


class TestRules:
    @pytest.mark.parametrize(
        ("changes", "field", "reason"),
        [
            ({"ins": ""}, "ins", "required"),
            ({"ins": MOTHER[:-2] + "00"}, "ins", "INS key does not match its NIR"),
            ({"ins": "12345"}, "ins", "INS must be 13 characters (NIR) followed by a 2-digit key"),
            ({"birth_date": ""}, "birth_date", "required"),
            ({"birth_date": "1985/06/01"}, "birth_date", "not a date (YYYY-MM-DD or DD/MM/YYYY)"),
            ({"birth_date": "1985-6-1"}, "birth_date", "not a date (YYYY-MM-DD or DD/MM/YYYY)"),
            ({"birth_date": "2023-02-29"}, "birth_date", "not a real date"),
            ({"birth_date": "31/04/1985"}, "birth_date", "not a real date"),
            ({"birth_date": "2026-11-29"}, "birth_date", "in the future"),
            ({"birth_date": "1900-12-31"}, "birth_date", "birth year must be after 1900"),
            ({"given_name": " "}, "given_name", "required"),
            ({"family_name": "x" * 101}, "family_name", "longer than 100 characters"),
            ({"email": "alice@"}, "email", "not a valid email address"),
            ({"email": "alice@localhost"}, "email", "not a valid email address"),
            (
                {"email": "", "mobile": "01 23 45 67 89"},
                "mobile",
                "not a French 06/07 mobile or an international +... number",
            ),
            ({"email": ""}, "contact", "no email, mobile or postal address"),
        ],
    )
    def test_each_rule_names_its_field(self, changes, field, reason):
        # Given an adult line breaking one rule, When validated, Then that rule alone is reported
        assert one_error(ADULT | changes) == LineError(2, field, reason)

    def test_limits_are_inclusive(self):
        # Given names of 100 characters, a person born in 1901 and one born today
        long_name = ADULT | {"given_name": "x" * 100, "birth_date": "1901-01-01"}
        newborn = KID | {"birth_date": TODAY.isoformat(), "representative_ins": MOTHER}
        # When validated, Then both are accepted
        assert check(csv_text(long_name, newborn)).errors == []

    @pytest.mark.parametrize(
        ("changes", "expected"),
        [
            ({"city": "Paris"}, [("address_line1", "required when an address is given"),
                                 ("postal_code", "required when an address is given")]),
            ({"address_line2": "Bât. B", "postal_code": "75001", "city": "Paris"},
             [("address_line1", "required when an address is given")]),
            ({"address_line1": "1 rue Haute", "postal_code": "7500", "city": "Paris"},
             [("postal_code", "must be 5 digits")]),
            ({"address_line1": "x" * 39, "postal_code": "75001", "city": "Paris"},
             [("address_line1", "longer than 38 characters")]),
            ({"address_line1": "1 rue Haute", "address_line3": "x" * 39, "postal_code": "75001",
              "city": "y" * 39},
             [("address_line3", "longer than 38 characters"),
              ("city", "longer than 38 characters")]),
        ],
    )  # fmt: skip
    def test_a_postal_address_is_complete_if_any_part_is_given(self, changes, expected):
        # Given an adult with an email and an incomplete or malformed address
        result = check(csv_text(ADULT | changes))
        # Then each faulty part is reported, and the person is not accepted
        assert [(error.field, error.reason) for error in result.errors] == expected
        assert result.citizens == []

    def test_json_address_object_is_checked_part_by_part(self):
        # Given JSON addresses: incomplete, malformed, and given twice over
        bad: list[Mapping[str, object]] = [
            ADULT | {"address": {"lines": ["1 rue Haute"], "postal_code": "75001"}},
            ADULT | {"ins": FATHER, "address": {"lines": "1 rue Haute", "city": "Paris", "zip": 1}},
            ADULT | {"ins": STRANGER, "address": {"lines": ["a"]}, "city": "Paris"},
            ADULT | {"ins": SISTER, "birth_date": "2000-01-01", "address": "1 rue Haute"},
        ]
        # When validated
        result = check(jsonl_text(*bad), fmt="jsonl")
        # Then every problem has its own field
        assert [(e.line, e.field, e.reason) for e in result.errors] == [
            (1, "address.city", "required when an address is given"),
            (2, "address", "unknown field at position 3"),
            (2, "address.lines", "must be a list of 1 to 4 lines"),
            (2, "address.postal_code", "required when an address is given"),
            (3, "address", "give either address or its columns, not both"),
            (4, "address", "must be an object with lines, postal_code and city"),
        ]

    def test_json_values_must_be_text(self):
        # Given numbers where text is expected
        result = check(jsonl_text(ADULT | {"given_name": 7, "mobile": 612345678}), fmt="jsonl")
        # Then each is reported
        assert problems(result) == [(1, "given_name"), (1, "mobile")]

    def test_several_problems_of_one_line_are_all_reported(self):
        # Given a line with a bad INS key, an impossible date and a bad email
        row = ADULT | {"ins": MOTHER[:-2] + "00", "birth_date": "1985-02-30", "email": "nope"}
        # When validated, Then all three are reported
        assert problems(check(csv_text(row))) == [(2, "ins"), (2, "birth_date"), (2, "email")]

    def test_reasons_never_repeat_the_values(self):
        # Given lines whose every value is wrong in some way
        rows = [
            ADULT | {"ins": "2850675123499", "birth_date": "1985-13-45", "email": "secret@@x"},
            KID | {"ins": SISTER, "mobile": "0145678912", "representative_ins": "2850675999999"},
            KID | {"representative_ins": STRANGER, "postal_code": "ABCDE"},
            ADULT | {"given_name": "Clémentine" * 11},
        ]
        # When validated
        result = check(csv_text(*rows))
        # Then no reason contains any of the values
        values = {value for row in rows for value in row.values() if len(value) >= 4}
        assert result.errors
        for error in result.errors:
            assert not any(value in error.reason for value in values), error


class TestMinorsAndRepresentatives:
    def test_a_child_before_its_parent_is_accepted_and_comes_out_after(self):
        # Given a child listed before the mother who represents her
        result = check(csv_text(KID | {"representative_ins": MOTHER}, ADULT))
        # When validated, Then both are valid, the mother first
        assert result.errors == []
        assert [citizen.ins for citizen in result.citizens] == [MOTHER, CHILD]

    def test_a_child_whose_parent_is_already_enrolled(self):
        # Given a child whose representative is not in the file but already known
        asked: list[str] = []

        def is_known(ins: str) -> bool:
            asked.append(ins)
            return ins == FATHER

        text = csv_text(
            KID | {"representative_ins": FATHER},
            KID | {"ins": SISTER, "representative_ins": f"{FATHER}|{MOTHER}"},
            ADULT,
        )
        # When validated
        result = validate_population(read_population(io.StringIO(text), "csv"), TODAY, is_known)
        # Then both children are valid, and only the INS the file cannot settle was asked, once
        assert result.errors == []
        assert asked == [FATHER]

    def test_a_minor_needs_a_representative(self):
        assert one_error(KID) == LineError(
            2, "representative_ins", "a minor needs at least one representative"
        )

    def test_a_minor_may_have_no_contact_but_an_adult_may_not(self):
        # Given an 18-year-old without any contact, and a 17-year-old without any contact
        adult = KID | {"ins": SISTER, "birth_date": "2008-11-28"}
        minor = KID | {"birth_date": "2008-11-29", "representative_ins": MOTHER}
        # When validated
        result = check(csv_text(ADULT, adult, minor))
        # Then only the adult needs a way to be reached
        assert result.errors == [LineError(3, "contact", "no email, mobile or postal address")]

    def test_an_unknown_representative(self):
        assert one_error(KID | {"representative_ins": STRANGER}) == LineError(
            2, "representative_ins", "representative 1 is neither in the file nor already enrolled"
        )

    def test_representative_ins_must_be_valid_and_not_the_minor(self):
        # Given a child listing a broken INS and themself
        row = KID | {"representative_ins": f"{MOTHER[:-2]}00 | {CHILD}"}
        # When validated, Then each is reported by position
        result = check(csv_text(row))
        assert [(e.field, e.reason) for e in result.errors] == [
            ("representative_ins", "representative 1: INS key does not match its NIR"),
            ("representative_ins", "representative 2 is the person themself"),
        ]

    def test_a_minor_cannot_represent(self):
        # Given a child represented by her (valid) younger sister
        sister = KID | {"ins": SISTER, "birth_date": "2018-06-01", "representative_ins": MOTHER}
        result = check(csv_text(ADULT, sister, KID | {"representative_ins": SISTER}))
        # Then the child is refused
        assert result.errors == [
            LineError(4, "representative_ins", "representative 1 is a minor (line 3)")
        ]

    def test_a_representative_whose_line_is_invalid(self):
        # Given a mother whose line is wrong, and her child
        mother = ADULT | {"email": "not-an-email"}
        result = check(csv_text(KID | {"representative_ins": MOTHER}, mother))
        # Then the child is refused too, pointing at the mother's line
        assert result.errors == [
            LineError(2, "representative_ins", "representative 1 is on line 3, which is not valid"),
            LineError(3, "email", "not a valid email address"),
        ]
        assert result.citizens == []

    def test_an_invalid_representative_line_of_a_known_person_still_counts(self):
        # Given a mother already enrolled whose new line in the file is wrong
        mother = ADULT | {"email": "not-an-email"}
        result = check(csv_text(mother, KID | {"representative_ins": MOTHER}), known={MOTHER})
        # Then only the mother's line is refused
        assert problems(result) == [(2, "email")]
        assert [citizen.ins for citizen in result.citizens] == [CHILD]

    def test_a_refused_representative_refuses_those_they_represent_in_turn(self):
        # Given a protected adult whose guardian is unknown, and who represents a child
        guardian_less = ADULT | {"representative_ins": STRANGER}
        result = check(csv_text(KID | {"representative_ins": MOTHER}, guardian_less))
        # Then both are refused, each with its reason
        assert [(e.line, e.reason) for e in result.errors] == [
            (2, "representative 1 is on line 3, which is not valid"),
            (3, "representative 1 is neither in the file nor already enrolled"),
        ]

    def test_representatives_in_json_lines_must_be_a_list_of_text(self):
        rows: list[Mapping[str, object]] = [
            KID | {"representatives": [MOTHER, 7]},
            KID | {"ins": SISTER, "representatives": 7},
        ]
        result = check(jsonl_text(ADULT, *rows), fmt="jsonl")
        assert [(e.line, e.field, e.reason) for e in result.errors] == [
            (2, "representatives", "representative 2: must be text"),
            (3, "representatives", "must be INS separated by | or a list of INS"),
        ]

    def test_both_representative_fields_at_once_are_refused(self):
        row = KID | {"representatives": [MOTHER], "representative_ins": MOTHER}
        result = check(jsonl_text(ADULT, row), fmt="jsonl")
        assert result.errors == [
            LineError(2, "representatives", "give either representative_ins or representatives")
        ]

    @pytest.mark.parametrize(
        ("today", "minor"),
        [(date(2026, 2, 28), True), (date(2026, 3, 1), False), (date(2027, 2, 28), False)],
    )
    def test_born_on_29_february(self, today, minor):
        # Given a person born on 29 February 2008, with a representative but no contact
        row = KID | {"birth_date": "29/02/2008", "representative_ins": MOTHER}
        # When validated on the given day
        result = check(csv_text(ADULT, row), today=today)
        # Then she is a minor until 1 March 2026, and needs her own contact afterwards
        if minor:
            assert result.errors == []
            assert result.citizens[1].birth_date == date(2008, 2, 29)
        else:
            assert problems(result) == [(3, "contact")]

    def test_an_adult_may_have_a_representative(self):
        # Given a protected adult with a guardian in the file
        ward = ADULT | {"ins": FATHER, "representative_ins": MOTHER}
        result = check(csv_text(ward, ADULT))
        assert result.errors == []
        assert {c.ins: c.representatives for c in result.citizens}[FATHER] == (MOTHER,)


class TestDuplicates:
    def test_the_second_occurrence_of_an_ins_is_an_error(self):
        # Given the same person three times, once written with spaces
        spaced = f"{MOTHER[:1]} {MOTHER[1:3]} {MOTHER[3:]}"
        text = csv_text(ADULT, KID | {"representative_ins": MOTHER}, ADULT | {"ins": spaced}, ADULT)
        # When validated
        result = check(text)
        # Then the later ones point to the first
        assert result.errors == [
            LineError(4, "ins", "duplicate of line 2"),
            LineError(5, "ins", "duplicate of line 2"),
        ]
        assert [citizen.ins for citizen in result.citizens] == [MOTHER, CHILD]

    def test_a_duplicate_of_an_invalid_line_is_still_a_duplicate(self):
        result = check(csv_text(ADULT | {"birth_date": "x"}, ADULT))
        assert problems(result) == [(2, "birth_date"), (3, "ins")]
        assert result.citizens == []


class TestWholeFile:
    def test_every_line_is_either_accepted_or_reported(self):
        # Given a mixed file of good and bad lines
        rows = [
            ADULT,
            KID | {"representative_ins": MOTHER},
            KID | {"ins": SISTER},
            ADULT | {"ins": FATHER, "mobile": "123"},
            ADULT | {"ins": STRANGER, "email": "", "city": "Lyon"},
        ]
        text = csv_text(*rows) + "not;enough\n"
        # When validated
        result = check(text)
        # Then the accepted and the reported lines make up the whole file
        accepted = {MOTHER: 2, CHILD: 3}
        assert {citizen.ins for citizen in result.citizens} == set(accepted)
        assert {error.line for error in result.errors} == {4, 5, 6, 7}
        assert result.lines == 6
        assert result.rejected_lines == 4
        assert result.errors == sorted(result.errors, key=lambda error: error.line)

    def test_validation_reads_its_lines_once(self):
        # Given a one-shot iterator of lines
        text = csv_text(KID | {"representative_ins": MOTHER}, ADULT)

        def lines() -> Iterator[RawLine]:
            yield from read_population(io.StringIO(text), "csv")

        # When validated, Then the representative is resolved without a second pass
        assert len(validate_population(lines(), TODAY, never).citizens) == 2

    @pytest.mark.parametrize("enabled", [True, False])
    def test_the_cycle_collector_is_left_as_it_was(self, enabled):
        # Given the collector on or off, and a file that fails while it is read
        def failing() -> Iterator[RawLine]:
            yield from read_population(io.StringIO(csv_text(ADULT)), "csv")
            raise UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte")

        was = gc.isenabled()
        (gc.enable if enabled else gc.disable)()
        try:
            # When a file is validated, and when its reading fails
            validate_population(read_population(io.StringIO(csv_text(ADULT)), "csv"), TODAY, never)
            after_success = gc.isenabled()
            with pytest.raises(UnicodeDecodeError):
                validate_population(failing(), TODAY, never)
            after_failure = gc.isenabled()
        finally:
            (gc.enable if was else gc.disable)()
        # Then the collector is as it was in both cases
        assert after_success is enabled
        assert after_failure is enabled

    def test_a_hundred_thousand_lines(self):
        # Given 25,000 generated families of four, each child listed before its parents
        def generate() -> Iterator[str]:
            yield ";".join(CSV_COLUMNS) + "\n"
            for family in range(25_000):
                mother = make_ins(f"2850675{family:06d}")
                father = make_ins(f"1830575{family:06d}")
                child = make_ins(f"2150675{family:06d}")
                brother = make_ins(f"1050675{family:06d}")
                yield f"{child};01/06/2015;Léa;Martin;;;;;;;;{mother}|{father}\n"
                yield f"{mother};1985-06-01;Alice;Martin;a{family}@example.fr;;;;;;;\n"
                yield f"{father};1983-05-01;Paul;Martin;;06 12 34 56 78;;;;;;\n"
                yield f"{brother};2005-06-01;Marc;Martin;;;{family} rue Haute;;;75002;Paris;\n"

        text = "".join(generate())
        # When validated
        result = check(text)
        # Then every person is accepted, the children after all the adults
        assert result.errors == []
        assert len(result.citizens) == result.lines == 100_000
        assert all(citizen.birth_date.year == 2015 for citizen in result.citizens[-25_000:])


class TestErrorReport:
    def test_the_report_is_a_csv_of_line_field_reason(self):
        # Given errors, one of whose reasons contains a comma
        errors = [LineError(2, "ins", "duplicate of line 1"), LineError(7, RECORD, "a, b")]
        out = io.StringIO()
        # When written
        count = write_error_report(errors, out)
        # Then it reads back as the same rows under a header
        assert count == 2
        rows = list(csv.reader(io.StringIO(out.getvalue())))
        assert rows == [["line", "field", "reason"], ["2", "ins", "duplicate of line 1"],
                        ["7", RECORD, "a, b"]]  # fmt: skip

    def test_a_file_report_round_trip(self):
        # Given a file with one bad line, When its errors are written
        out = io.StringIO()
        write_error_report(check(csv_text(ADULT | {"email": "x"})).errors, out)
        # Then the report names the line and field only
        assert out.getvalue().splitlines() == [
            "line,field,reason",
            "2,email,not a valid email address",
        ]
