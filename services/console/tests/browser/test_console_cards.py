"""The social worker's cards page in chromium: issue with background only, show the number, look
up, renew, revoke, replace, and the follow-up list."""

import re

import pytest
from playwright.async_api import expect

from leisure_runtime.auth import Role

pytestmark = pytest.mark.browser
PERSONAL = re.compile(r"name|phone|mail|address|identity|ssn|hetu|birth", re.IGNORECASE)


async def test_a_worker_issues_a_card_with_background_only_and_manages_it(console):
    page = await console.sign_in(console.token(Role.distributor, region="uusimaa", organisation="espoo-social-office"))
    await expect(page.get_by_role("heading", name="Cards", level=1)).to_be_visible()
    await console.assert_accessible_basics(page)
    issue = page.get_by_role("region", name="Issue a card")
    fields = await issue.locator("input, select, textarea").evaluate_all("(all) => all.map((c) => c.name)")
    assert fields and not [name for name in fields if PERSONAL.search(name)]

    await issue.get_by_label("Programme").select_option(label="Kulttuurikortti")
    await issue.get_by_label("Age").fill("41")
    await issue.get_by_label("Gender").select_option("not_told")
    await issue.get_by_label("Mother tongue").select_option("arabic")
    await issue.get_by_label("Life situation").select_option("unemployed")
    await issue.get_by_label("Postal code").fill("02600")
    await issue.get_by_label("Children under 16").fill("2")
    # Without the eligibility confirmed the service refuses, and says what is missing.
    await issue.get_by_role("button", name="Issue card").click()
    await expect(issue.get_by_role("alert")).to_contain_text(
        "confirm every eligibility criterion of the programme: The client is in a tight financial situation")
    await expect(issue.get_by_role("alert")).to_contain_text("(criteria_not_confirmed)")

    await issue.get_by_label("The client is in a tight financial situation").check()
    await issue.get_by_role("button", name="Issue card").click()
    number = await issue.get_by_test_id("card-number").inner_text()
    assert re.fullmatch(r"\d{4} \d{4} \d{4}", number)
    await expect(issue.get_by_role("button", name="Print card")).to_be_visible()
    await console.screenshot(page, "cards-issued")

    manage = page.get_by_role("region", name="Renew, revoke or replace")
    await manage.get_by_label("Card number").fill(number)
    await manage.get_by_role("button", name="Look up").click()
    await expect(manage.get_by_test_id("card-status")).to_have_text("active")
    await manage.get_by_role("button", name="Renew").click()
    await expect(manage.get_by_role("status")).to_contain_text("Renewed: valid until")
    # Revoking and replacing ask first: a dismissed question changes nothing.
    questions = []

    async def answer(dialog, accept: bool):
        questions.append(dialog.message)
        await (dialog.accept() if accept else dialog.dismiss())

    page.once("dialog", lambda dialog: answer(dialog, accept=False))
    await manage.get_by_role("button", name="Replace lost card").click()
    await manage.get_by_role("button", name="Look up").click()  # waits for the question to be answered
    await expect(manage.get_by_test_id("card-status")).to_have_text("active")
    assert len(questions) == 1
    page.on("dialog", lambda dialog: answer(dialog, accept=True))
    await manage.get_by_role("button", name="Replace lost card").click()
    await expect(manage.get_by_role("status")).to_contain_text("the old card is revoked as lost")
    assert questions[0].startswith(f"Replace card {number} as lost?")
    replacement = re.search(r"new card number is (\d{4} \d{4} \d{4})", await manage.get_by_role("status").inner_text())[1]
    await expect(manage.get_by_test_id("card-status")).to_have_text("revoked")
    # A revoked card cannot be renewed: the refusal is the service's.
    await manage.get_by_role("button", name="Renew").click()
    await expect(manage.get_by_role("alert")).to_contain_text("(card_revoked)")

    await manage.get_by_label("Card number").fill(replacement)
    await manage.get_by_role("button", name="Look up").click()
    await expect(manage.get_by_test_id("card-status")).to_have_text("active")
    await manage.get_by_label("Reason for revoking").select_option("holder_request")
    await manage.get_by_role("button", name="Revoke").click()
    await expect(manage.get_by_role("status")).to_contain_text("Revoked.")
    await expect(manage.get_by_test_id("card-status")).to_have_text("revoked")

    follow_up = page.get_by_role("region", name="Follow-up list")
    await follow_up.get_by_label("Status").select_option("revoked")
    await follow_up.get_by_role("button", name="Show").click()
    rows = follow_up.get_by_role("row")
    await expect(rows.filter(has_text=number)).to_have_count(1)
    await expect(rows.filter(has_text=replacement)).to_have_count(1)
    await console.screenshot(page, "cards-follow-up")


async def test_a_coordinator_follows_up_one_organisations_cards_and_issues_none(console):
    page = await console.sign_in(console.token(Role.coordinator, region="uusimaa"))
    await page.goto(f"{console.url}/#/cards")
    await expect(page.get_by_role("heading", name="Cards", level=1)).to_be_visible()
    await expect(page.get_by_role("region", name="Issue a card")).to_have_count(0)
    await console.assert_accessible_basics(page)
    follow_up = page.get_by_role("region", name="Follow-up list")
    await follow_up.get_by_label("Distributor id").fill("espoo-youth-outreach")
    await follow_up.get_by_role("button", name="Show").click()
    youth_cards = [c for c in console.world.demo.cards if c["distributor_id"] == "espoo-youth-outreach"]
    rows = follow_up.get_by_role("row").filter(has_text="espoo-youth-outreach")
    await expect(rows).to_have_count(len(youth_cards))
    await expect(follow_up.get_by_role("row").filter(has_text="espoo-social-office")).to_have_count(0)
