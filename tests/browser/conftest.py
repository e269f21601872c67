"""Browser tier: the website in Debian's Chromium, driven by Playwright, against the local stack
(with its demo wave, so that letters with codes are in the outbox). axe-core comes with the
axe-playwright-python package. `make test` installs Chromium with apt when it is missing."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright

from infra.bench.site import CHROMIUM, FLAGS
from tests.browser.site import LOCALES
from tests.e2e.stack_process import StackProcess, start_stack

TIMEOUT_MS = 20_000  # one action or expectation; the upload's check takes a few seconds

pytestmark = pytest.mark.browser


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StackProcess]:
    """The local stack with its demo data and demo wave, as `make run` starts it."""
    folder = tmp_path_factory.mktemp("browser-stack")
    # An hour's window, so that the codes the enrollment pages' tests are sent stay valid.
    stack = start_stack(
        folder / "stack.log", "--logs", str(folder / "functions.log"), "--enrollment-window", "PT1H"
    )
    yield stack
    code = stack.stop()
    assert code == 0, stack.output()


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"no Chromium at {CHROMIUM}: `make test` installs Debian's chromium")
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
    yield browser
    browser.close()


@pytest.fixture
def language() -> str:
    """The language the browser prefers; a test parametrizes it to run in each."""
    return "fr"


@pytest.fixture
def context(browser: Browser, site: StackProcess, language: str) -> Iterator[BrowserContext]:
    context = browser.new_context(
        base_url=site.url, locale=LOCALES[language], timezone_id="Europe/Paris"
    )
    context.set_default_timeout(TIMEOUT_MS)
    yield context
    context.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):
    """Keeps each phase's report on the test, for the page fixture's teardown to read."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def page(context: BrowserContext, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A page that fails its test if a script throws. When the test fails, its output shows what
    the page said (console) and what it showed (the accessibility tree), for a CI log to explain."""
    page = context.new_page()
    errors: list[str] = []
    console: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
    yield page
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed and not page.is_closed():
        print(f"--- the page at {page.url}:\n{page.locator('body').aria_snapshot()}")
        print("--- its console:", *console[-30:], sep="\n")
    assert not errors, f"the page threw: {errors}"
