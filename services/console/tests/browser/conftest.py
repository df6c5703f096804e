"""The console in Debian's chromium, driven by Playwright, against the real services: the platform
as `make run` starts it (four services, the console, the demo data) on the test PostgreSQL and
broker. Set LEISURE_CONSOLE_SCREENSHOTS=docs/screenshots to write each page's screenshot there."""

import os
import uuid
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from playwright.async_api import BrowserContext, Page, async_playwright, expect

from leisure_infra import demo
from leisure_infra.local_platform import local_platform
from leisure_infra.ports import free_port, free_port_block
from leisure_infra.service_testing import LOCAL_AUTH, TEST_TIMINGS
from leisure_runtime.auth import Role, mint_token

CHROMIUM = "/usr/bin/chromium"
# Root on a closed network: no sandbox, no GPU, nothing fetched in the background.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
DESK = {"width": 1280, "height": 900}
TABLET = {"width": 1024, "height": 768}


@dataclass(frozen=True)
class ConsoleWorld:
    console: str
    services: dict[str, str]
    demo: demo.Demo


@pytest.fixture(scope="session")
def world(kafka_broker, postgres_server, tmp_path_factory) -> ConsoleWorld:
    prefix = f"lp_console_{uuid.uuid4().hex[:8]}"
    with local_platform(tmp_path_factory.mktemp("console-platform"), first_port=free_port_block(6),
                        database_prefix=prefix, bootstrap_servers=kafka_broker.bootstrap_servers,
                        idempotent_producer=kafka_broker.supports_idempotence, postgres=postgres_server,
                        console_port=free_port(), service_variables=TEST_TIMINGS) as platform:
        urls = {name: platform.url(name) for name in platform.services}
        yield ConsoleWorld(platform.console.spec.url, urls, demo.load(urls, LOCAL_AUTH))
    for service in platform.services:
        postgres_server.drop_database(platform.database(service))


@pytest.fixture(scope="session")
async def playwright_driver():
    async with async_playwright() as driver:
        yield driver


@pytest.fixture
async def browser(playwright_driver, tmp_path) -> BrowserContext:
    """A fresh chromium profile per test: nothing stored by an earlier test."""
    context = await playwright_driver.chromium.launch_persistent_context(
        str(tmp_path / "profile"), executable_path=CHROMIUM, args=CHROMIUM_ARGS, viewport=DESK,
        accept_downloads=True)
    context.page_errors = []
    yield context
    await context.close()
    assert context.page_errors == [], "the page raised JavaScript errors"


class Console:
    """What the tests do with the console: open a page, sign in, take a screenshot, check labels."""

    def __init__(self, browser: BrowserContext, world: ConsoleWorld) -> None:
        self.browser = browser
        self.world = world
        self.url = world.console

    def catalogue(self, **query) -> list[dict]:
        """The open offers as the venues service itself answers, to compare the page with."""
        answer = httpx.get(f"{self.world.services['venues']}/v1/catalogue/offers", params={"limit": 100, **query})
        answer.raise_for_status()
        return answer.json()["offers"]

    @staticmethod
    def token(role: Role, **scope) -> str:
        return mint_token(LOCAL_AUTH, role, f"console-test-{role}", ttl_seconds=3600, **scope)

    async def open(self, route: str = "") -> Page:
        page = await self.browser.new_page()
        page.on("pageerror", lambda error: self.browser.page_errors.append(str(error)))
        await page.goto(f"{self.url}/{route}")
        await expect(page.locator("body")).to_have_attribute("data-ready", "true")
        return page

    async def sign_in(self, bearer: str) -> Page:
        """As staff do locally: paste the token on the sign-in page."""
        page = await self.open("#/sign-in")
        await self.assert_accessible_basics(page)
        await page.get_by_label("Access token").fill(bearer)
        await page.get_by_role("button", name="Kirjaudu", exact=True).click()
        await expect(page.get_by_role("button", name="Kirjaudu ulos")).to_be_visible()
        return page

    @staticmethod
    async def screenshot(page: Page, name: str) -> None:
        if folder := os.environ.get("LEISURE_CONSOLE_SCREENSHOTS"):
            Path(folder).mkdir(parents=True, exist_ok=True)
            await page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)

    @staticmethod
    async def assert_accessible_basics(page: Page) -> None:
        """Every control has a visible label; every button and link says what it does."""
        assert await page.evaluate(UNLABELLED_CONTROLS) == []
        assert await page.evaluate(NAMELESS_BUTTONS) == []


@pytest.fixture
def console(browser, world) -> Console:
    return Console(browser, world)


UNLABELLED_CONTROLS = """() => [...document.querySelectorAll('main input, main select, main textarea, header select')]
  .filter((c) => !(c.labels && [...c.labels].some((l) => l.textContent.trim())) && !c.getAttribute('aria-label'))
  .map((c) => c.name || c.id || c.outerHTML)"""

NAMELESS_BUTTONS = """() => [...document.querySelectorAll('button, a[href]')]
  .filter((b) => !(b.textContent.trim() || b.getAttribute('aria-label'))).map((b) => b.outerHTML)"""
