"""The box office on a tablet in chromium: record a visit, see the API's refusal, cancel the same
day, and keep recording while the network is down."""

import json
from datetime import datetime

import httpx
import pytest
from playwright.async_api import expect

from leisure_runtime.auth import Role

pytestmark = pytest.mark.browser


def museum_and_card(world):
    """EMMA's season ticket (open now, no quota) and a culture card of Uusimaa from the demo."""
    offer = next(o for o in world.demo.offers if o["title"].get("fi") == "Museokäynti")
    card = next(c for c in world.demo.cards if c["programme_id"] == "culture-card" and c["home_region"] == "uusimaa")
    return offer, card


def printed(number: str) -> str:
    return f"{number[:4]} {number[4:8]} {number[8:]}"


async def test_venue_staff_record_see_refusals_and_cancel_the_same_day(console):
    offer, card = museum_and_card(console.world)
    page = await console.sign_in(console.token(Role.venue_staff, venues=[offer["venue_id"]]))
    await page.set_viewport_size({"width": 1024, "height": 768})
    await expect(page.get_by_role("heading", name="Box office", level=1)).to_be_visible()
    await console.assert_accessible_basics(page)

    await page.get_by_label("Offer", exact=True).select_option(label="Museokäynti")
    await page.get_by_label("Card number").fill(printed(card["card_number"]))
    await page.get_by_label("Children under 16").fill("1")
    await page.get_by_role("button", name="Record visit").click()
    ending = card["card_number"][-4:]
    await expect(page.get_by_role("status").filter(has_text="Recorded")).to_contain_text(
        f"Recorded: 2 ticket(s) for card ending {ending}.")
    today = page.get_by_role("table", name="Visits today").get_by_role("row").filter(has_text=f"…{ending}")
    await expect(today.filter(has_text="recorded")).to_have_count(1)
    await console.screenshot(page, "box-office")
    # A tablet held upright too: nothing wider than the screen, the record button big enough to tap.
    await page.set_viewport_size({"width": 768, "height": 1024})
    assert await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    button = await page.get_by_role("button", name="Record visit").bounding_box()
    assert button["height"] >= 44 and button["width"] >= 44

    # A typo in the number: the usage service's own words, with its code.
    mistyped = card["card_number"][:-1] + str((int(card["card_number"][-1]) + 1) % 10)
    await page.get_by_label("Card number").fill(mistyped)
    await page.get_by_role("button", name="Record visit").click()
    refusal = page.get_by_role("alert")
    await expect(refusal).to_contain_text("(card_number_mistyped)")
    expected = httpx.post(f"{console.world.services['usage']}/v1/visits", json={
        "card_number": mistyped, "offer_id": offer["offer_id"], "idempotency_key": "refusal-text-check"},
        headers={"Authorization": f"Bearer {console.token(Role.venue_staff, venues=[offer['venue_id']])}"}).json()
    await expect(refusal).to_contain_text(expected["detail"])
    await console.screenshot(page, "box-office-refusal")

    await page.get_by_role("button", name=f"Cancel visit of card …{ending}").first.click()
    await expect(page.get_by_role("status").filter(has_text="Cancelled")).to_be_visible()
    await expect(today.filter(has_text="cancelled")).to_have_count(1)


async def test_visits_made_offline_are_kept_with_their_keys_and_sent_when_the_network_returns(console):
    offer, card = museum_and_card(console.world)
    staff = console.token(Role.venue_staff, venues=[offer["venue_id"]])
    page = await console.sign_in(staff)
    await page.get_by_label("Offer", exact=True).select_option(label="Museokäynti")

    await console.browser.set_offline(True)
    mistyped = card["card_number"][:-1] + str((int(card["card_number"][-1]) + 1) % 10)
    for number in (card["card_number"], mistyped):
        await page.get_by_label("Card number").fill(number)
        await page.get_by_role("button", name="Record visit").click()
        await expect(page.get_by_role("status").filter(has_text="The visit is saved on this device")).to_be_visible()
    await expect(page.get_by_role("status").filter(has_text="2 visit(s) saved on this device")).to_be_visible()
    queued = json.loads(await page.evaluate("localStorage.getItem('leisure.boxOffice.queue')"))
    assert [entry["visit"]["card_number"] for entry in queued] == [card["card_number"], mistyped]
    assert len({entry["visit"]["idempotency_key"] for entry in queued}) == 2
    visit = queued[0]["visit"]
    occurred_at = datetime.fromisoformat(visit["occurred_at"])
    await console.screenshot(page, "box-office-offline")

    await console.browser.set_offline(False)
    sent = page.get_by_role("list", name="Visits sent after the connection returned")
    await expect(sent.get_by_role("listitem")).to_have_count(2, timeout=30_000)
    await expect(sent.get_by_role("listitem").first).to_contain_text("Recorded: 1 ticket(s)")
    # Refused once sent: not dropped silently, but listed with the service's reason.
    await expect(sent.get_by_role("listitem").last).to_contain_text("NOT recorded")
    await expect(sent.get_by_role("listitem").last).to_contain_text("(card_number_mistyped)")
    assert await page.evaluate("localStorage.getItem('leisure.boxOffice.queue')") == "[]"

    usage = httpx.Client(base_url=console.world.services["usage"], headers={"Authorization": f"Bearer {staff}"})
    visits = usage.get(f"/v1/venues/{offer['venue_id']}/visits").json()
    recorded = [v for v in visits if datetime.fromisoformat(v["occurred_at"]) == occurred_at]
    assert len(recorded) == 1 and recorded[0]["card_number_end"] == card["card_number"][-4:]
    # Sent again under its key (a second device, a retry): the first answer, nothing new recorded.
    again = usage.post("/v1/visits", json=visit)
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["visit"]["visit_id"] == recorded[0]["visit_id"]


async def test_a_visit_is_recorded_from_the_keyboard_alone(console):
    offer, card = museum_and_card(console.world)
    page = await console.sign_in(console.token(Role.venue_staff, venues=[offer["venue_id"]]))
    await page.get_by_label("Offer", exact=True).focus()
    await page.keyboard.press("Tab")
    await expect(page.get_by_label("Card number")).to_be_focused()
    await page.keyboard.type(card["card_number"])
    await page.keyboard.press("Tab")
    await expect(page.get_by_label("Children under 16")).to_be_focused()
    await page.keyboard.type("1")
    await page.keyboard.press("Tab")
    await expect(page.get_by_label("Escort (free, where the card allows)")).to_be_focused()
    await page.keyboard.press("Tab")
    await expect(page.get_by_role("button", name="Record visit")).to_be_focused()
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("status").filter(has_text="Recorded")).to_contain_text("Recorded:")
    # Ready for the next card at once.
    await expect(page.get_by_label("Card number")).to_be_focused()


async def test_the_offer_stays_chosen_for_the_next_card(console):
    # The swimming hall has two offers, listed soonest first: the course that began weeks ago, then
    # swimming (open since published), which the culture card may use.
    swimming = next(o for o in console.world.demo.offers if o["title"].get("fi") == "Uinti")
    listed = console.catalogue(venue_id=swimming["venue_id"], sort="soonest")
    assert len(listed) == 2 and listed[0]["offer_id"] != swimming["offer_id"]
    _, card = museum_and_card(console.world)
    page = await console.sign_in(console.token(Role.venue_staff, venues=[swimming["venue_id"]]))
    offer = page.get_by_label("Offer", exact=True)
    await offer.select_option(label="Uinti")
    await page.get_by_label("Card number").fill(card["card_number"])
    await page.get_by_label("Children under 16").fill("1")
    await page.get_by_role("button", name="Record visit").click()
    await expect(page.get_by_role("status").filter(has_text="Recorded")).to_contain_text("Recorded: 2 ticket(s)")
    await expect(offer).to_have_value(swimming["offer_id"])
    await expect(page.get_by_label("Card number")).to_have_value("")
    await expect(page.get_by_label("Children under 16")).to_have_value("0")
