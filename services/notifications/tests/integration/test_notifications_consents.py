"""Consent at the desk, opt-out by reply or at the desk, and the number erased on revocation and
expiry: through the API, on real PostgreSQL and the broker."""

from datetime import timedelta

import pytest

from leisure_contracts.events import CardRevoked
from leisure_contracts.topics import Topic, dead_letter_topic
from leisure_infra.service_testing import bearer, eventually
from leisure_runtime.auth import Role
from notifications.application.consents import erase_expired

pytestmark = pytest.mark.integration


def refusal(response, status: int, code: str, detail: str) -> None:
    assert (response.status_code, response.json()) == (status, {"code": code, "detail": detail}), response.text


async def phone_numbers_stored(app) -> list[str]:
    return [row["phone_number"] for row in await app.state.pool.fetch("SELECT phone_number FROM consents")]


async def test_a_consent_keeps_the_number_only_in_the_consents_table_and_shows_it_masked(
        kit, notifications, notifications_settings, publish_events, capfd):
    card = kit.card_issued()
    async with notifications(notifications_settings()) as (app, client):
        await publish_events([card])
        await kit.known_card(client, card)
        given = await kit.consent(client, card, "040 123 4567", ["sport", "culture"], "sv")
        assert given.status_code == 200, given.text
        assert given.json() | {"consented_at": None, "consented_by": None} == {
            "card_number": card.card_number, "phone_number": "+35840*****67", "categories": ["culture", "sport"],
            "language": "sv", "consented_at": None, "consented_by": None}
        assert given.json()["consented_by"].startswith("worker-")
        shown = await client.get(f"/v1/cards/{card.card_number}/sms-consent", headers=kit.coordinator())
        assert shown.json() == given.json()

        assert await phone_numbers_stored(app) == ["+358401234567"]
        log = await app.state.pool.fetch("SELECT change, categories, by_subject FROM consent_log")
        assert [tuple(row) for row in log] == [("given", ["culture", "sport"], given.json()["consented_by"])]
        metrics = (await client.get("/metrics")).text
    output = "".join(capfd.readouterr())
    assert "+35840*****67" in output  # the consent was logged, masked
    for whole in ("401234567", "123 4567"):
        assert whole not in output and whole not in metrics


async def test_a_consent_given_again_replaces_the_number_and_categories(kit, notifications, notifications_settings,
                                                                       publish_events):
    card = kit.card_issued()
    async with notifications(notifications_settings()) as (app, client):
        await publish_events([card])
        await kit.known_card(client, card)
        await kit.consent(client, card, "040 123 4567", ["sport"])
        again = await kit.consent(client, card, "+358 50 765 4321", [])
        assert (again.json()["phone_number"], again.json()["categories"]) == ("+35850*****21", [])
        assert await phone_numbers_stored(app) == ["+358507654321"]


async def test_consent_refusals_say_what_to_do(kit, notifications, notifications_settings, publish_events):
    card, revoked = kit.card_issued(), kit.card_issued()
    async with notifications(notifications_settings()) as (app, client):
        await publish_events([card, revoked, CardRevoked(card_id=revoked.card_id, card_number=revoked.card_number,
                                                         reason="lost", revoked_at=revoked.issued_at)])
        await kit.known_card(client, card)
        await kit.known_card(client, revoked)
        path = f"/v1/cards/{card.card_number}/sms-consent"
        refusal(await kit.consent(client, card, "Matti Meikäläinen"), 422, "invalid_phone_number",
                "the phone number is not one a text message can be sent to: give a Finnish mobile number "
                "(e.g. 040 123 4567) or an international one starting with + and the country code")
        refusal(await kit.consent(client, revoked), 422, "card_revoked",
                f"card {' '.join(revoked.card_number[i:i + 4] for i in (0, 4, 8))} is revoked: a consent needs a card in use")
        response = await kit.consent(client, card, headers=kit.worker("uusimaa"))
        assert response.status_code == 403
        assert response.json()["detail"].endswith("it cannot record SMS consent for cards in region varsinais-suomi")
        assert (await kit.consent(client, card, headers=bearer(Role.venue_staff, venues=["v"]))).status_code == 403
        assert (await client.put(path, json={"phone_number": "0401234567"})).status_code == 401
        refusal(await client.get("/v1/cards/123456789012/sms-consent", headers=kit.coordinator()), 422,
                "invalid_card_number", "the card number is 12 digits with a check digit; check it for typos")
        unknown = kit.card_issued()
        refusal(await client.get(f"/v1/cards/{unknown.card_number}/sms-consent", headers=kit.coordinator()), 404,
                "unknown_card", f"there is no card {' '.join(unknown.card_number[i:i + 4] for i in (0, 4, 8))}; "
                                "a card issued a moment ago may take a few seconds to be known here")
        invalid = await client.put(path, headers=kit.worker(), json={"phone_number": "0401234567", "categories": ["x"]})
        assert invalid.status_code == 422 and invalid.json()["detail"][0]["loc"] == ["body", "categories", 0]
        assert await phone_numbers_stored(app) == []


async def test_a_stop_reply_ends_every_consent_of_the_number(kit, notifications, notifications_settings, publish_events):
    first, second, other = kit.card_issued(), kit.card_issued(), kit.card_issued()
    async with notifications(notifications_settings()) as (app, client):
        await publish_events([first, second, other])
        for card in (first, second, other):
            await kit.known_card(client, card)
        await kit.consent(client, first, "040 123 4567")
        await kit.consent(client, second, "+358401234567")
        await kit.consent(client, other, "050 765 4321")

        reply = {"msisdn": 358401234567, "message": "Lopeta", "receiver": 1234}
        assert (await client.post("/v1/sms/replies", json=reply)).status_code == 401
        assert (await client.post("/v1/sms/replies", json=reply,
                                  headers={"Authorization": "Bearer wrong"})).status_code == 401
        assert (await client.post("/v1/sms/replies", json={**reply, "message": "kiitos"},
                                  headers=kit.inbound)).status_code == 204
        assert len(await phone_numbers_stored(app)) == 3
        assert (await client.post("/v1/sms/replies", json=reply, headers=kit.inbound)).status_code == 204

        assert await phone_numbers_stored(app) == ["+358507654321"]
        for card in (first, second):
            gone = await client.get(f"/v1/cards/{card.card_number}/sms-consent", headers=kit.coordinator())
            assert gone.json()["code"] == "no_consent"
        changes = await app.state.pool.fetch("SELECT change FROM consent_log WHERE card_id = $1 ORDER BY at",
                                             first.card_id)
        assert [row["change"] for row in changes] == ["given", "withdrawn_by_reply"]
        metrics = (await client.get("/metrics")).text
        assert 'leisure_sms_consent_changes_total{change="withdrawn_by_reply"} 2.0' in metrics


async def test_a_consent_withdrawn_at_the_desk_erases_the_number(kit, notifications, notifications_settings,
                                                                 publish_events):
    card = kit.card_issued()
    async with notifications(notifications_settings()) as (app, client):
        await publish_events([card])
        await kit.known_card(client, card)
        await kit.consent(client, card)
        path = f"/v1/cards/{card.card_number}/sms-consent"
        assert (await client.delete(path, headers=kit.worker())).status_code == 204
        assert await phone_numbers_stored(app) == []
        refusal(await client.delete(path, headers=kit.worker()), 404, "no_consent",
                f"the holder of card {' '.join(card.card_number[i:i + 4] for i in (0, 4, 8))} has no consent to withdraw")


async def test_revoking_the_card_erases_the_number(kit, notifications, notifications_settings, publish_events):
    card, kept = kit.card_issued(), kit.card_issued()
    async with notifications(notifications_settings()) as (app, client):
        await publish_events([card, kept])
        await kit.known_card(client, card)
        await kit.known_card(client, kept)
        await kit.consent(client, card, "040 123 4567")
        await kit.consent(client, kept, "050 765 4321")
        await publish_events([CardRevoked(card_id=card.card_id, card_number=card.card_number,
                                          reason="no_longer_eligible", revoked_at=card.issued_at)])

        async def erased():
            return await phone_numbers_stored(app) == ["+358507654321"]

        await eventually(erased)
        assert (await kit.consent(client, card)).json()["code"] == "card_revoked"


async def test_the_numbers_of_expired_cards_are_erased_by_the_sweep(kit, notifications, notifications_settings,
                                                                     publish_events):
    card, later = kit.card_issued(), kit.card_issued()
    later = later.model_copy(update={"valid_until": card.valid_until + timedelta(days=30)})
    async with notifications(notifications_settings()) as (app, client):
        await publish_events([card, later])
        await kit.known_card(client, card)
        await kit.known_card(client, later)
        await kit.consent(client, card, "040 123 4567")
        await kit.consent(client, later, "050 765 4321")
        metrics = app.state.metrics

        assert await erase_expired(app.state.pool, metrics, card.valid_until) == 0  # still valid on its last day
        assert await erase_expired(app.state.pool, metrics, card.valid_until + timedelta(days=1)) == 1
        assert await phone_numbers_stored(app) == ["+358507654321"]
        change = await app.state.pool.fetchval("SELECT change FROM consent_log WHERE card_id = $1 ORDER BY at DESC",
                                               card.card_id)
        assert change == "card_expired"


async def test_a_card_number_already_of_another_card_goes_to_the_dead_letters_and_the_next_card_is_known(
        kit, notifications, notifications_settings, publish_events, read_topic):
    first, after = kit.card_issued(), kit.card_issued()
    clash = kit.card_issued().model_copy(update={"card_number": first.card_number})
    settings = notifications_settings()
    async with notifications(settings) as (app, client):
        # Each card has a partition of its own key: the first is known before the clash is sent.
        await publish_events([first])
        await kit.known_card(client, first)
        [clash_attributes, _] = await publish_events([clash, after])
        await kit.known_card(client, after)
        assert await app.state.pool.fetchval("SELECT card_id FROM cards WHERE card_number = $1",
                                             first.card_number) == first.card_id

    dead = [r for r in await read_topic(dead_letter_topic(Topic.CARDS.value))
            if r.header("dlq_consumer") == settings.cards_consumer.encode()
            and r.header("ce_id") == str(clash_attributes.id).encode()]
    assert len(dead) == 1
    assert dead[0].header("dlq_reason") == (
        f"the card number is already card {first.card_id}'s: a card number belongs to one card").encode()
