"""The website's words live in its catalogues (web/locales/<language>.json), the same keys in
every language, each key the code asks for present; the code itself holds no text a person reads."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

WEB = Path(__file__).parents[2] / "web"
LANGUAGES = ("fr", "en")
PLURAL = {"one", "other"}


def catalogue(language: str) -> dict:
    return json.loads((WEB / "locales" / f"{language}.json").read_text(encoding="utf-8"))


def leaves(node: dict, prefix: str = "") -> dict[str, object]:
    """Every key of a catalogue, dotted; a text that varies with a number is one leaf."""
    found: dict[str, object] = {}
    for key, value in node.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict) and set(value) != PLURAL:
            found.update(leaves(value, f"{path}."))
        else:
            found[path] = value
    return found


def placeholders(value: object) -> set[str]:
    texts = value.values() if isinstance(value, dict) else [value]
    return {name for text in texts for name in re.findall(r"\{(\w+)\}", str(text))}


def code_without_comments(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.DOTALL)
    return re.sub(r"(?m)^\s*//.*$|(?<=[;,{}()\s])//.*$", "", text)


FRENCH, ENGLISH = (leaves(catalogue(language)) for language in LANGUAGES)


def test_every_language_has_the_same_keys():
    assert set(FRENCH) - set(ENGLISH) == set(), "missing in English"
    assert set(ENGLISH) - set(FRENCH) == set(), "missing in French"


@pytest.mark.parametrize("key", sorted(FRENCH))
def test_a_text_has_the_same_placeholders_in_every_language(key: str):
    assert placeholders(FRENCH[key]) == placeholders(ENGLISH[key])
    if isinstance(FRENCH[key], dict):  # a text that varies with a number says how many
        assert "count" in placeholders(FRENCH[key]), key


def test_every_key_the_code_asks_for_is_in_the_catalogue():
    asked = {
        key
        for path in WEB.glob("*.js")
        for key in re.findall(
            r"""\bts?\(\s*["']([\w.\-/]+)["']""", path.read_text(encoding="utf-8")
        )
    }
    asked |= set(re.findall(r'data-(?:text|label)="([\w.\-]+)"', (WEB / "index.html").read_text()))
    assert len(asked) > 100  # the code does ask (the pattern finds its calls)
    assert sorted(asked - set(FRENCH)) == []


@pytest.mark.parametrize("path", sorted(WEB.glob("*.js")), ids=lambda p: p.name)
def test_the_code_holds_no_text_a_person_reads(path: Path):
    """French and English words carry letters outside ASCII (accents, typographic quotes and
    ellipses): code free of them, comments aside, keeps its words in the catalogues."""
    found = [line for line in code_without_comments(path).splitlines() if not line.isascii()]
    assert found == []
