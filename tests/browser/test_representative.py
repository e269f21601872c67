"""A parent acting for a child (issue 11's journey): Julien, Léa's legal representative, files a
document and a profile entry in her space. Her file shows them, signed with his name, in texts
that speak of her; her history traces what he did; his own space holds none of it. In French and
English, axe-clean."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from infra.local.demo.people import DEMO_ACCOUNTS
from tests.browser.site import Words, assert_accessible, sign_in, upload_pdf

pytestmark = pytest.mark.browser

JULIEN = DEMO_ACCOUNTS[1]
LEA = JULIEN.represents[0]
BOTH = pytest.mark.parametrize("language", ["fr", "en"])


def show_space(page: Page, words: Words, label: str) -> None:
    page.get_by_label(words("shell.shownSpace")).select_option(label=label)
    page.get_by_role("button", name=words("shell.show"), exact=True).click()


def go(page: Page, words: Words, route: str, child: str | None = None) -> None:
    """Follows the menu's link to `route`; in a child's space its name names them."""
    name = words(f"child.nav.{route}", child=child) if child else words(f"nav.{route}")
    page.get_by_role("navigation", name=words("shell.menu")).get_by_role("link", name=name).click()
    expect(page.get_by_role("heading", level=1, name=name)).to_be_visible()


@BOTH
def test_a_representative_files_a_document_and_an_allergy_in_the_childs_space(
    page: Page, language: str, tmp_path: Path
):
    words = Words(language)
    child = LEA.given_name
    title = f"Carnet de vaccination de Léa ({language})"
    substance = f"Arachide ({language})"
    julien = f"{JULIEN.person.given_name} {JULIEN.person.family_name}"
    sign_in(page, JULIEN, words)
    show_space(page, words, f"{LEA.given_name} {LEA.family_name}")
    expect(
        page.get_by_role("heading", level=1, name=words("child.home.title", child=child))
    ).to_be_visible()

    # A document into Léa's file: the confirmation names her, her list shows it, signed by him.
    go(page, words, "documents", child)
    entry = upload_pdf(page, tmp_path, title, words, child=child)
    expect(entry).to_contain_text(words("documents.addedBy", name=julien))
    page.reload()  # her file on the server, not the page's memory
    entry = page.get_by_role("listitem").filter(has_text=title)
    expect(entry).to_have_count(1)
    entry.get_by_role("button", name=words("documents.delete")).click()
    dialog = page.get_by_role("dialog", name=words("documents.deleteTitle"))
    expect(dialog).to_contain_text(words("child.documents.deleteText", title=title, child=child))
    assert_accessible(page, f"{language}: deleting a document of the child's, asked")
    dialog.get_by_role("button", name=words("common.cancel")).click()
    expect(dialog).to_be_hidden()

    # An allergy into her medical profile.
    go(page, words, "profil", child)
    expect(page.get_by_text(words("child.profile.lead", child=child))).to_be_visible()
    page.get_by_role("tab", name=words("sections.allergies.label")).click()
    page.get_by_role(
        "button", name=words("profile.add", noun=words("sections.allergies.noun"))
    ).click()
    form = page.get_by_role("dialog")
    form.get_by_label(words("sections.allergies.fields.substance")).fill(substance)
    form.get_by_label(words("sections.allergies.fields.category")).select_option(
        label=words("sections.allergies.options.category.food")
    )
    form.get_by_label(words("sections.allergies.fields.criticality")).select_option(
        label=words("sections.allergies.options.criticality.high")
    )
    form.get_by_role("button", name=words("common.save")).click()
    expect(form).to_be_hidden()
    expect(page.get_by_text(words("profile.added"))).to_be_visible()
    card = page.get_by_role("tabpanel").get_by_role("listitem").filter(has_text=substance)
    expect(card).to_have_count(1)
    expect(card).to_contain_text(words("profile.by", name=julien))
    expect(card).to_contain_text(words("sections.allergies.options.criticality.high"))
    card.get_by_role("button", name=words("profile.delete")).click()
    dialog = page.get_by_role("dialog", name=words("profile.deleteTitle"))
    expect(dialog).to_contain_text(words("child.profile.deleteText", title=substance, child=child))
    dialog.get_by_role("button", name=words("common.cancel")).click()
    assert_accessible(page, f"{language}: the child's profile with the representative's entry")

    # Her history traces both, done by him as her representative: the allergy the newest
    # addition (a profile entry is traced by its section, never its contents), the document by
    # its title.
    go(page, words, "historique", child)
    entries = page.get_by_role("list", name=words("history.caption")).get_by_role("listitem")
    by_julien = entries.filter(has_text=julien).filter(
        has_text=words("accessLog.roles.LEGAL_REPRESENTATIVE")
    )
    added = by_julien.filter(has_text=words("actions.create"))
    allergies = words("objects.section", section=words("sections.allergies.label").lower())
    expect(added.first).to_contain_text(allergies)  # the newest addition
    expect(added.first).not_to_contain_text(substance)
    expect(added.filter(has_text=title)).to_have_count(1)

    # His own space holds neither.
    show_space(page, words, words("shell.you", name=julien))
    go(page, words, "documents")
    expect(page.get_by_role("status").filter(has_text="…")).to_have_count(0)
    expect(page.get_by_role("listitem").filter(has_text=title)).to_have_count(0)
    go(page, words, "profil")
    page.get_by_role("tab", name=words("sections.allergies.label")).click()
    expect(page.get_by_role("tabpanel")).to_be_visible()
    expect(page.get_by_role("listitem").filter(has_text=substance)).to_have_count(0)
