"""The public service map in chromium: no sign-in, search in three languages, filters, places
left, venue details; labels and keyboard use."""

import pytest
from playwright.async_api import expect

pytestmark = pytest.mark.browser


async def test_anyone_finds_offers_in_finnish_swedish_and_english_without_signing_in(console):
    page = await console.open()
    api_calls = []
    page.on("request", lambda request: api_calls.append(request) if "/api/" in request.url else None)
    offers = page.locator("main ol.offers > li")  # the list is named in the chosen language
    await expect(offers).to_have_count(len(console.catalogue()))
    await console.screenshot(page, "service-map")

    # A Swedish inflected word finds the swimming hall by its Swedish name.
    await page.get_by_label("Hakusanat").fill("simhallen")
    await page.get_by_role("button", name="Hae", exact=True).click()
    await expect(offers).to_have_count(len(console.catalogue(q="simhallen")))
    await expect(offers.filter(has=page.get_by_role("heading", name="Uinti", exact=True))).to_have_count(1)

    await page.get_by_label("Kieli", exact=True).select_option("sv")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Avgiftsfria fritidstjänster")
    await page.get_by_label("Sökord").fill("simhallen")
    await page.get_by_role("button", name="Sök", exact=True).click()
    swimming = offers.filter(has=page.get_by_role("heading", name="Simning", exact=True))
    await expect(swimming).to_have_count(1)
    await expect(swimming).to_contain_text("Ingen platsbegränsning")

    await page.get_by_label("Språk", exact=True).select_option("en")
    await page.get_by_label("Search words").fill("simhallen")
    await page.get_by_role("button", name="Search", exact=True).click()
    swimming = offers.filter(has_text="Tapiolan uimahalli").filter(has_text="free entry")
    await swimming.get_by_role("button", name="Venue details").click()
    await expect(swimming).to_contain_text("Kirkkopolku 3")
    await expect(swimming).to_contain_text("Pool hoist available")
    await console.screenshot(page, "service-map-venue-details")

    assert api_calls and all("authorization" not in request.headers for request in api_calls)


async def test_filters_narrow_the_map_and_places_left_are_shown(console):
    page = await console.open()
    await page.get_by_label("Kieli", exact=True).select_option("en")
    offers = page.get_by_role("list", name="Results").get_by_role("listitem")
    await page.get_by_label("Theme").select_option("sport")
    await page.get_by_label("Municipality").fill("Turku")
    await page.get_by_role("button", name="Search", exact=True).click()
    await expect(offers).to_have_count(len(console.catalogue(category="sport", municipality="Turku")))
    for text in await offers.all_inner_texts():
        assert "sport" in text and "Turku" in text
    badminton = offers.filter(has_text="Sulkapalloryhmä")
    await expect(badminton).to_contain_text("places left")


async def test_every_control_is_labelled_and_the_keyboard_reaches_them_in_order(console):
    page = await console.open()
    await console.assert_accessible_basics(page)

    await page.keyboard.press("Tab")
    await expect(page.locator("#skip-link")).to_be_focused()
    await page.keyboard.press("Enter")
    await expect(page.locator("main")).to_be_focused()

    await page.get_by_label("Hakusanat").focus()
    order = []
    for _ in range(30):  # a date field takes a Tab for each of its day, month and year
        focused = await page.evaluate("document.activeElement.name || document.activeElement.type")
        if focused == "submit":
            break
        if not order or order[-1] != focused:
            order.append(focused)
        await page.keyboard.press("Tab")
    assert order == ["q", "category", "kind", "municipality", "language", "date_from", "date_to", "sort",
                     "places_left"]
    await expect(page.get_by_role("button", name="Hae", exact=True)).to_be_focused()

    # The venue details open from the keyboard too.
    details = page.get_by_role("button", name="Paikan tiedot").first
    await details.focus()
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("button", name="Piilota tiedot").first).to_have_attribute("aria-expanded", "true")
