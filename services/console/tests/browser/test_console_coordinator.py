"""The coordinator in chromium: distributors, venues and offers through the console, the new offer
in the public map at once; statistics as charts and the yearly CSV."""

import re
import uuid
from datetime import datetime

import httpx
import pytest
from playwright.async_api import expect

from leisure_runtime.auth import Role

pytestmark = pytest.mark.browser


async def test_a_coordinator_registers_a_venue_and_publishes_an_offer_that_the_map_shows(console):
    page = await console.sign_in(console.token(Role.coordinator, region="uusimaa"))
    await expect(page.get_by_role("heading", name="Coordination — uusimaa", level=1)).to_be_visible()
    await console.assert_accessible_basics(page)
    await console.screenshot(page, "coordination")

    programmes = page.get_by_role("region", name="Programmes")
    programme_id = f"vantaa-youth-pass-{uuid.uuid4().hex[:6]}"
    await programmes.get_by_text("Define a programme").click()
    await programmes.get_by_label("Programme id").fill(programme_id)
    await programmes.get_by_label("Name in Finnish").fill("Nuorten vapaa-aikapassi")
    await programmes.get_by_label("Eligibility criteria").fill("Client of youth outreach work")
    await programmes.get_by_label("Children under 16 per card").fill("2")
    await programmes.get_by_label("Minimum age").fill("13")
    await programmes.get_by_label("Maximum age (empty: no limit)").fill("29")
    await programmes.get_by_label("Reward every N visits (empty: none)").fill("10")
    await programmes.get_by_label("Reward", exact=True).fill("A cinema ticket")
    await programmes.get_by_role("button", name="Define programme").click()
    await expect(programmes.get_by_role("status")).to_contain_text(f"Programme {programme_id} defined.")
    coordinator = {"Authorization": f"Bearer {console.token(Role.coordinator, region='uusimaa')}"}
    defined = next(p for p in httpx.get(f"{console.world.services['issuance']}/v1/programmes", headers=coordinator).json()
                   if p["programme_id"] == programme_id)
    assert defined["eligibility_criteria"] == ["Client of youth outreach work"]
    assert defined["children_allowance"] == 2 and defined["home_region"] == "uusimaa"
    assert (defined["minimum_age"], defined["maximum_age"]) == (13, 29)
    assert defined["reward_rule"] == {"every_visits": 10, "description": "A cinema ticket"}

    distributors = page.get_by_role("region", name="Distributors")
    await distributors.get_by_label("Distributor id").fill("espoo-social-office")
    await distributors.get_by_label("Organisation's name").fill("Espoon sosiaalitoimisto")
    await distributors.get_by_role("button", name="Register distributor").click()
    await expect(distributors.get_by_role("alert")).to_contain_text("(distributor_exists)")
    await distributors.get_by_label("Distributor id").fill(f"vantaa-family-work-{uuid.uuid4().hex[:6]}")
    await distributors.get_by_label("Organisation's name").fill("Vantaan perhetyö")
    await distributors.get_by_label("Kind").select_option("family_work")
    await distributors.get_by_role("button", name="Register distributor").click()
    await expect(distributors.get_by_role("status")).to_contain_text("registered")

    venues = page.get_by_role("region", name="Venues")
    await venues.get_by_text("Register a venue").click()
    await venues.get_by_label("Name in Finnish").fill("Vantaan kaupunginmuseo")
    await venues.get_by_label("Municipality").fill("Vantaa")
    await venues.get_by_label("Kind").select_option("museum")
    await venues.get_by_label("Postal code").fill("01300")
    await venues.get_by_label("Languages served").fill("fi, sv")
    await venues.get_by_role("button", name="Register venue").click()
    await expect(venues.get_by_role("status")).to_contain_text("Venue registered")
    venue_id = re.search(r"Venue registered: ([0-9a-f-]{36})", await venues.get_by_role("status").inner_text())[1]

    offers = page.get_by_role("region", name="Offers")
    await offers.get_by_text("Publish an offer").click()
    await offers.get_by_label("Venue", exact=True).select_option(label="Vantaan kaupunginmuseo")
    await offers.get_by_label("Category").select_option("culture")
    await offers.get_by_label("Kind", exact=True).select_option("free_entry")
    await offers.get_by_label("Title in Finnish").fill("Museon perhepäivä")
    await offers.get_by_label("Title in English").fill("Museum family day")
    await offers.get_by_label("Places (empty: no limit)").fill("7")
    await offers.get_by_label("Kulttuurikortti").check()
    await offers.get_by_role("button", name="Publish offer").click()
    await expect(offers.get_by_role("status")).to_contain_text("Offer published: Museon perhepäivä")

    public = await console.open()
    await public.get_by_label("Hakusanat").fill("perhepäivä")
    await public.get_by_role("button", name="Hae", exact=True).click()
    found = public.locator("main ol.offers > li").filter(has_text="Museon perhepäivä")
    await expect(found).to_contain_text("7 paikkaa jäljellä")
    await expect(found).to_contain_text("Vantaan kaupunginmuseo, Vantaa")

    # Withdrawn after a question: it leaves the map.
    page.on("dialog", lambda dialog: dialog.accept())
    await page.reload()
    await expect(page.locator("body")).to_have_attribute("data-ready", "true")
    await page.get_by_role("button", name="Withdraw Museon perhepäivä").click()
    await expect(page.get_by_role("region", name="Offers").get_by_role("status")).to_contain_text(
        "Withdrawn: Museon perhepäivä")
    await public.get_by_role("button", name="Hae", exact=True).click()
    await expect(public.get_by_role("status").filter(has_text="Hakuehdoilla ei löytynyt tarjouksia.")).to_be_visible()

    # The venue closes: it leaves the list, and the venues service says it is closed.
    await page.get_by_role("button", name="Close Vantaan kaupunginmuseo").click()
    await expect(page.get_by_role("region", name="Venues").get_by_role("status")).to_contain_text(
        "Closed: Vantaan kaupunginmuseo; its open offers were withdrawn.")
    await expect(page.get_by_role("button", name="Close Vantaan kaupunginmuseo")).to_have_count(0)
    assert httpx.get(f"{console.world.services['venues']}/v1/venues/{venue_id}").json()["closed"] is True


async def test_statistics_show_charts_with_suppression_and_the_yearly_csv_downloads(console):
    coordinator = console.token(Role.coordinator, region="uusimaa")
    page = await console.sign_in(coordinator)
    await page.goto(f"{console.url}/#/statistics")
    await expect(page.get_by_role("heading", name="Statistics", level=1)).to_be_visible()
    await console.assert_accessible_basics(page)
    year = datetime.now().year
    charts = page.get_by_role("img")
    await expect(charts).to_have_count(4)
    holders = page.get_by_role("img", name=f"Active holders by programme, {year}")
    answer = httpx.get(f"{console.world.services['stats']}/v1/figures/holders",
                       params={"by": "programme", "year": year, "region": "uusimaa"},
                       headers={"Authorization": f"Bearer {coordinator}"}).json()
    assert answer["rows"]
    for row in answer["rows"]:
        cell = row["cells"]["active"]
        shown = "suppressed" if cell.get("suppressed") or cell["value"] is None else str(cell["value"])
        await expect(holders).to_contain_text(f"{row['key']['programme']}{shown}")
    uses = page.get_by_role("img", name=f"Uses by category, {year}")
    await expect(uses.locator("rect")).not_to_have_count(0)
    await console.screenshot(page, "statistics")

    async with page.expect_download() as download_info:
        await page.get_by_role("button", name="Download the yearly report (CSV)").click()
    download = await download_info.value
    assert download.suggested_filename == f"leisure-pass-uusimaa-{year}.csv"
    content = (await download.path()).read_text(encoding="utf-8")
    assert "vuosi / year" in content.splitlines()[0]  # the stats service's bilingual header
    assert "uusimaa" in content
