"""What the browser tests do often: read the site's words in a language, sign in as a demo
account, check a state with axe-core."""

from __future__ import annotations

import json
import re
from pathlib import Path

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Locator, Page, expect

from infra.local.demo.people import DemoAccount

AXE = Axe()
# WCAG 2.1 A and AA, the target the site is held to (axe's tags).
WCAG_21_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}


WEB = Path(__file__).parents[2] / "web"
LOCALES = {"fr": "fr-FR", "en": "en-GB"}  # what the browser says it prefers, per language


class Words:
    """The site's catalogue of one language: `words("login.title")`, placeholders filled from
    keywords; a text that varies with a number takes `count`."""

    def __init__(self, language: str) -> None:
        self.language = language
        self.tree = json.loads((WEB / "locales" / f"{language}.json").read_text(encoding="utf-8"))

    def __call__(self, key: str, **params: object) -> str:
        node: object = self.tree
        for part in key.split("."):
            node = node[part]  # type: ignore[index]
        if isinstance(node, dict):
            node = node["one" if params.get("count") == 1 else "other"]
        return re.sub(r"\{(\w+)\}", lambda m: str(params[m.group(1)]), str(node))

    def texts(self) -> set[str]:
        """Every text of the catalogue, whole (placeholders left in)."""
        found: set[str] = set()

        def walk(node: object) -> None:
            if isinstance(node, dict):
                for value in node.values():
                    walk(value)
            else:
                found.add(str(node))

        walk(self.tree)
        return found


FR, EN = Words("fr"), Words("en")


def sign_in(page: Page, account: DemoAccount, words: Words = FR) -> None:
    page.goto("/")
    page.get_by_label(words("login.username")).fill(account.username)
    page.get_by_label(words("login.password")).fill(account.password)
    page.get_by_role("button", name=words("login.submit")).click()
    expect(page.get_by_role("button", name=words("shell.signOut"))).to_be_visible()


# The smallest PDF the ingest's check accepts: header, one empty page, trailer.
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def upload_pdf(
    page: Page, folder: Path, title: str, words: Words = FR, child: str | None = None
) -> Locator:
    """Adds a PDF through the documents page's form (open on it); its entry in the list."""
    pdf = folder / "compte-rendu.pdf"
    pdf.write_bytes(PDF)
    return upload_file(page, pdf, title, words, child=child)


def upload_file(
    page: Page,
    file: Path,
    title: str,
    words: Words = FR,
    *,
    child: str | None = None,
    date: str | None = None,
) -> Locator:
    """Adds a file through the documents page's form (open on it); its entry in the list. In a
    represented person's space (`child`, their given name) the confirmation names them; `date`
    (YYYY-MM-DD) is the document's, today's if not given."""
    upload = page.get_by_role("form", name=words("upload.add"))
    if not upload.is_visible():
        page.get_by_text(words("upload.add")).click()
    upload.get_by_label(words("upload.file")).set_input_files(file)
    title_field = upload.get_by_label(words("upload.title"), exact=True)
    expect(title_field).to_have_value(file.stem)  # suggested from the name
    title_field.fill(title)
    upload.get_by_label(words("upload.category")).select_option(label=words("categories.biology"))
    if date is not None:
        upload.get_by_label(words("upload.date")).fill(date)
    upload.get_by_role("button", name=words("upload.send")).click()
    accepted = (
        words("child.upload.accepted", title=title, child=child)
        if child
        else words("upload.accepted", title=title)
    )
    expect(upload.get_by_role("status")).to_contain_text(accepted)
    entry = page.get_by_role("listitem").filter(has_text=title)
    expect(entry).to_have_count(1)
    return entry


def assert_accessible(page: Page, state: str) -> None:
    """No WCAG 2.1 AA violation that axe-core finds in the page as it is now."""
    results = AXE.run(page, options=WCAG_21_AA)
    found = [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
    ]
    assert not found, f"{state}: {found}"
