"""Where a file of the website names another: the module specifiers of a JavaScript file, the
url() and @import of a stylesheet, the src and href of a page. Each is found as a span of the
text (start, end), so that the build can put a hashed name in its place.

JavaScript is tokenised, not searched with a pattern: an import written in a comment, a string
or a template literal is no import, and a specifier is the string that follows `from` or
`import` in code. Dynamic imports take a string literal or fail loudly: a computed specifier
cannot be rewritten.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser


class BuildError(ValueError):
    """The website cannot be built as written: a reference it cannot follow or resolve."""


@dataclass(frozen=True)
class Reference:
    start: int  # of the referenced path in the text, quotes excluded
    end: int
    target: str


# ------------------------------------------------------------------------------ JavaScript
@dataclass(frozen=True)
class _Token:
    kind: str  # "name", "string", "punct"; comments, regexes and templates are dropped
    start: int
    end: int
    text: str


_NAME = re.compile(r"[\w$\u0080-\uffff]+")
# After one of these names, a slash starts a regular expression, not a division.
_KEYWORDS_BEFORE_EXPRESSION = {
    "return", "typeof", "instanceof", "in", "of", "new", "delete", "void", "throw", "case",
    "do", "else", "yield", "await",
}  # fmt: skip


def _string_end(source: str, start: int) -> int:
    """The index after the closing quote of the string opened at `start`."""
    quote, i = source[start], start + 1
    while i < len(source):
        char = source[i]
        if char == "\\":
            i += 2
            continue
        if char == quote:
            return i + 1
        if char == "\n":
            break
        i += 1
    raise BuildError(f"unclosed string at offset {start}")


def _regex_end(source: str, start: int) -> int:
    i, in_class = start + 1, False
    while i < len(source) and source[i] != "\n":
        char = source[i]
        if char == "\\":
            i += 2
            continue
        if char == "[":
            in_class = True
        elif char == "]":
            in_class = False
        elif char == "/" and not in_class:
            match = _NAME.match(source, i + 1)  # flags
            return match.end() if match else i + 1
        i += 1
    raise BuildError(f"unclosed regular expression at offset {start}")


def _tokens(source: str) -> Iterator[_Token]:
    """The code tokens of a script. A template literal's text is skipped; the code of its
    ${...} parts is tokenised (it may hold an import())."""
    i, previous = 0, None
    templates: list[int] = []  # for each open template's ${: the brace depth it closes at
    depth = 0
    while i < len(source):
        char = source[i]
        if char.isspace():
            i += 1
        elif source.startswith("//", i):
            newline = source.find("\n", i)
            i = len(source) if newline < 0 else newline
        elif source.startswith("/*", i):
            close = source.find("*/", i + 2)
            if close < 0:
                raise BuildError(f"unclosed comment at offset {i}")
            i = close + 2
        elif char in "'\"":
            end = _string_end(source, i)
            previous = _Token("string", i, end, source[i + 1 : end - 1])
            yield previous
            i = end
        elif char == "`" or (char == "}" and templates and depth == templates[-1]):
            if char == "}":
                templates.pop()
            i = _template_text_end(source, i + 1)
            opens_code = source.startswith("${", i - 2)
            if opens_code:
                templates.append(depth)
            # After a template a slash divides; after its ${ an expression starts.
            previous = _Token("punct", i - 1, i, "{" if opens_code else ")")
        elif char == "/" and _starts_regex(previous):
            i = _regex_end(source, i)
            previous = _Token("punct", i - 1, i, ")")  # a value, as above
        elif match := _NAME.match(source, i):
            previous = _Token("name", i, match.end(), match.group())
            yield previous
            i = match.end()
        else:
            depth += {"{": 1, "}": -1}.get(char, 0)
            previous = _Token("punct", i, i + 1, char)
            yield previous
            i += 1


def _template_text_end(source: str, i: int) -> int:
    """From inside a template literal's text: the index after its closing ` or its ${."""
    while i < len(source):
        if source[i] == "\\":
            i += 2
        elif source[i] == "`":
            return i + 1
        elif source.startswith("${", i):
            return i + 2
        else:
            i += 1
    raise BuildError("unclosed template literal")


def _starts_regex(previous: _Token | None) -> bool:
    if previous is None:
        return True
    if previous.kind == "name":
        return previous.text in _KEYWORDS_BEFORE_EXPRESSION
    return previous.kind == "punct" and previous.text not in ")]}"


def module_references(source: str) -> list[Reference]:
    """The module specifiers of an ES module: `import ... from "x"`, `import "x"`,
    `export ... from "x"`, `import("x")`."""
    tokens = list(_tokens(source))
    found = []
    for index, token in enumerate(tokens):
        after = tokens[index + 1 : index + 4]
        before = tokens[index - 1] if index else None
        if token.kind != "name" or (before is not None and before.text == "."):
            continue  # x.import, x.from: properties
        if token.text == "from" and after and after[0].kind == "string":
            found.append(after[0])
        elif token.text == "import" and after and after[0].kind == "string":
            found.append(after[0])  # import "x": for its effects
        elif token.text == "import" and after and after[0].text == "(":
            if len(after) < 3 or after[1].kind != "string" or after[2].text not in "),":
                raise BuildError(
                    f"import() at offset {token.start} names its module by a computed value: "
                    "the build cannot rewrite it to the hashed name; use a string literal"
                )
            found.append(after[1])
    return [Reference(t.start + 1, t.end - 1, t.text) for t in found]


# ---------------------------------------------------------------------------------- CSS
_CSS_COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)
_CSS_URL = re.compile(
    r"""url\(\s*(?:"(?P<dq>[^"]*)"|'(?P<sq>[^']*)'|(?P<bare>[^)'"\s]*))\s*\)"""
    r"""|@import\s+(?:"(?P<idq>[^"]*)"|'(?P<isq>[^']*)')""",
    re.IGNORECASE,
)


def stylesheet_references(source: str) -> list[Reference]:
    """url(...) and @import "..." of a stylesheet (comments blanked first, offsets kept)."""
    text = _CSS_COMMENT.sub(lambda m: " " * len(m.group()), source)
    found = []
    for match in _CSS_URL.finditer(text):
        group = next(g for g in ("dq", "sq", "bare", "idq", "isq") if match.group(g) is not None)
        found.append(Reference(match.start(group), match.end(group), match.group(group)))
    return found


# --------------------------------------------------------------------------------- HTML
_LINKING_ATTRIBUTES = {"src", "href"}


class _PageLinks(HTMLParser):
    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=True)
        self.source = source
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", source)]
        self.found: list[Reference] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        line, column = self.getpos()
        start = self.line_starts[line - 1] + column
        raw = self.get_starttag_text() or ""
        for name, value in attrs:
            if name not in _LINKING_ATTRIBUTES or not value:
                continue
            # The value as written in the tag: quoted, after `name=`.
            match = re.search(
                rf"""\s{name}\s*=\s*(["']?){re.escape(value)}\1""", raw, re.IGNORECASE
            )
            if match is None:
                raise BuildError(f"<{tag} {name}={value!r}>: write the value plainly")
            value_start = start + match.start() + match.group().index(value)
            self.found.append(Reference(value_start, value_start + len(value), value))


def page_references(source: str) -> list[Reference]:
    """The src and href attributes of a page's tags."""
    parser = _PageLinks(source)
    parser.feed(source)
    parser.close()
    return parser.found
