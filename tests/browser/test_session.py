"""The session in the browser (web/api.js, docs/accounts.md): the ID token renewed silently in its
last 5 minutes while the person is active; idle, never renewed, and signed out once it expires;
signing out revokes the refresh token on the server. The page's clock (Playwright's) makes the
hour pass in seconds; the local stack's tokens live 60 minutes, as Cognito's do."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import Page, Request, expect

from infra.local.demo.people import DEMO_ACCOUNTS
from tests.browser.site import FR, sign_in

pytestmark = pytest.mark.browser

CAMILLE = DEMO_ACCOUNTS[0]
MINUTE_MS = 60_000


def stored(page: Page, key: str) -> str | None:
    return page.evaluate("key => sessionStorage.getItem(key)", f"espace-sante.{key}")


def requests_to(page: Page, path: str) -> list[Request]:
    """Every request the page sends to `path` from now on."""
    seen: list[Request] = []
    page.on("request", lambda request: seen.append(request) if request.url.endswith(path) else None)
    return seen


def refused_refresh(page: Page, refresh_token: str) -> int:
    """The status /local/refresh answers for this refresh token, asked outside the page."""
    return page.request.post("/local/refresh", data={"refresh_token": refresh_token}).status


def test_an_active_person_gets_a_new_id_token_before_the_old_one_ends(page: Page):
    page.clock.install()
    sign_in(page, CAMILLE)
    first_token, refresh_token = stored(page, "token"), stored(page, "refresh")
    expires_at = int(stored(page, "expires") or 0)
    refreshes = requests_to(page, "/local/refresh")
    logouts = requests_to(page, "/local/logout")
    # Active (a key now and then) for 50 minutes: the token has 10 left, nothing renewed yet.
    for _ in range(10):
        page.keyboard.press("Shift")
        page.clock.run_for(5 * MINUTE_MS)
    assert refreshes == [] and stored(page, "token") == first_token
    # Into its last 5 minutes, still active: the site renews it, unasked, once.
    for _ in range(3):
        page.keyboard.press("Shift")
        page.clock.run_for(3 * MINUTE_MS)
    page.wait_for_function(
        "old => sessionStorage.getItem('espace-sante.token') !== old", arg=first_token
    )
    assert len(refreshes) == 1
    assert json.loads(refreshes[0].post_data or "{}") == {"refresh_token": refresh_token}
    renewed = stored(page, "token")
    assert renewed and renewed != first_token
    assert int(stored(page, "expires") or 0) > expires_at
    # Past the first token's hour the person is still signed in, and the next request carries
    # the new token.
    page.keyboard.press("Shift")
    page.clock.run_for(10 * MINUTE_MS)
    with page.expect_request(lambda request: "/me/documents" in request.url) as listed:
        page.get_by_role("link", name=FR("nav.documents")).first.click()
    assert listed.value.headers["authorization"] == f"Bearer {renewed}"
    expect(page.get_by_role("heading", level=1, name=FR("nav.documents"))).to_be_visible()
    expect(page.get_by_role("button", name=FR("shell.signOut"))).to_be_visible()
    assert logouts == [] and len(refreshes) == 1


def test_an_idle_person_is_not_renewed_and_is_signed_out_when_the_token_ends(page: Page):
    page.clock.install()
    sign_in(page, CAMILLE)
    refresh_token = stored(page, "refresh") or ""
    refreshes = requests_to(page, "/local/refresh")
    # Nothing done for 50 minutes: still signed in, the token still valid.
    page.clock.run_for(50 * MINUTE_MS)
    expect(page.get_by_role("button", name=FR("shell.signOut"))).to_be_visible()
    # Still idle through the token's last minutes: no renewal; once it has ended, the session
    # ends on the server too, and the sign-in page says why.
    with page.expect_response(lambda response: response.url.endswith("/local/logout")) as out:
        page.clock.run_for(11 * MINUTE_MS)
    assert out.value.status == 204
    assert json.loads(out.value.request.post_data or "{}") == {"refresh_token": refresh_token}
    assert refreshes == []
    expect(page.get_by_role("heading", level=1, name=FR("login.title"))).to_be_visible()
    expect(page.get_by_role("alert").filter(has_text=FR("errors.sessionExpired"))).to_be_visible()
    assert stored(page, "token") is None and stored(page, "refresh") is None
    assert refused_refresh(page, refresh_token) == 401


def test_signing_out_revokes_the_refresh_token_on_the_server(page: Page):
    sign_in(page, CAMILLE)
    refresh_token = stored(page, "refresh") or ""
    assert refused_refresh(page, refresh_token) == 200  # it renews while the session lasts
    with page.expect_response(lambda response: response.url.endswith("/local/logout")) as out:
        page.get_by_role("button", name=FR("shell.signOut")).click()
    assert out.value.status == 204
    assert json.loads(out.value.request.post_data or "{}") == {"refresh_token": refresh_token}
    expect(page.get_by_role("heading", level=1, name=FR("login.title"))).to_be_visible()
    expect(page.get_by_text(FR("shell.signedOut"))).to_be_visible()
    assert stored(page, "token") is None and stored(page, "refresh") is None
    # The server refuses it now: nobody who copied it can renew the session.
    assert refused_refresh(page, refresh_token) == 401
