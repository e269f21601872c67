"""Reading a population file, CSV or JSON Lines, line by line into raw records: each with its
(name, value) pairs, or why it could not be read. Validation is population's."""

from __future__ import annotations

import csv
import itertools
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal, TextIO

CSV_COLUMNS = (
    "ins",
    "birth_date",
    "given_name",
    "family_name",
    "email",
    "mobile",
    "address_line1",
    "address_line2",
    "address_line3",
    "postal_code",
    "city",
    "representative_ins",
)
"""The columns of a CSV file, in any order; JSON Lines use the same names."""

JSON_ALTERNATIVES = ("representatives", "address")
"""JSON Lines may also give representatives as a list and the address as an object."""
# Every field a line may name (CSV columns and their JSON alternatives).
KNOWN_FIELDS = frozenset(CSV_COLUMNS + JSON_ALTERNATIVES)


@dataclass(frozen=True, slots=True)
class RawLine:
    """One record as read from the file: its (name, value) pairs, or why it could not be read.

    Pairs rather than a dict, so that a field given twice or an unknown field can be reported
    (by position, since an unknown name may itself be data) instead of being lost.
    """

    line: int
    fields: tuple[tuple[str, object], ...] = ()
    error: str | None = None


def read_population(
    stream: TextIO, fmt: Literal["csv", "jsonl"], known: frozenset[str] = KNOWN_FIELDS
) -> Iterator[RawLine]:
    """The records of a population file, one at a time (blank lines are skipped). `known`: the
    fields a header must name at least one of (another operators' file, the death registry's,
    is read the same way with its own)."""
    if fmt == "csv":
        return _read_csv(stream, known)
    if fmt == "jsonl":
        return _read_jsonl(stream)
    raise ValueError("population files are csv or jsonl")


def _read_csv(stream: TextIO, known: frozenset[str]) -> Iterator[RawLine]:
    header_line = stream.readline()
    if not header_line:
        return
    header_line = header_line.removeprefix("\ufeff")
    # Column names never contain a delimiter, so the header tells which one the file uses.
    delimiter = ";" if header_line.count(";") > header_line.count(",") else ","
    reader = csv.reader(itertools.chain([header_line], stream), delimiter=delimiter, strict=True)
    header: list[str] | None = None  # [] once the header proved unreadable
    last_line = 0
    while True:
        first_line = last_line + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error:
            last_line = reader.line_num
            header = header if header is not None else []
            reach = f", through line {last_line}" if last_line > first_line else ""
            yield RawLine(first_line, error=f"malformed CSV (quotes){reach}")
            continue
        last_line = reader.line_num
        if header is None:
            header = [name.strip().lower() for name in row]
            if known.isdisjoint(header):
                yield RawLine(first_line, error="not a header: no known column")
            continue
        if not "".join(row).strip():
            continue
        if not header:
            yield RawLine(first_line, error="the header line is not readable")
            continue
        if len(row) != len(header):
            yield RawLine(first_line, error=f"expected {len(header)} columns, found {len(row)}")
            continue
        yield RawLine(first_line, fields=tuple(zip(header, row, strict=True)))


class JsonObject(tuple[tuple[str, Any], ...]):
    """A JSON object kept as its pairs, so duplicate keys stay visible."""

    __slots__ = ()


def _read_jsonl(stream: TextIO) -> Iterator[RawLine]:
    for number, text in enumerate(stream, start=1):
        if number == 1:
            text = text.removeprefix("\ufeff")
        if not text.strip():
            continue
        try:
            value = json.loads(text, object_pairs_hook=JsonObject)
        except (ValueError, RecursionError):
            yield RawLine(number, error="malformed JSON")
            continue
        if not isinstance(value, JsonObject):
            yield RawLine(number, error="not a JSON object")
            continue
        yield RawLine(number, fields=tuple(value))
