"""Messages out: new offers to the holders who chose their category, coordinators' news with its
audit record, the outbox's tries and restarts, and the GatewayAPI adapter against a real HTTP server."""

import json
from dataclasses import dataclass, field

import pytest
from aiohttp import web

from leisure_infra.http_testing import serving as http_serving
from leisure_infra.service_testing import bearer, eventually
from leisure_runtime.auth import Role

pytestmark = pytest.mark.integration


async def test_a_new_offer_goes_to_the_holders_who_chose_its_category_once(kit, notifications, notifications_settings,
                                                                           publish_events):
    swimmer, reader, elsewhere, other_programme = (kit.card_issued(), kit.card_issued(), kit.card_issued("uusimaa"),
                                                   kit.card_issued(programme_id="culture-card"))
    async with notifications(notifications_settings()) as (app, client):
        await publish_events([swimmer, reader, elsewhere, other_programme])
        for card in (swimmer, reader, elsewhere, other_programme):
            await kit.known_card(client, card)
        await kit.consent(client, swimmer, "040 111 1111", ["sport"])
        await kit.consent(client, reader, "040 222 2222", ["culture"], "en")
        await kit.consent(client, elsewhere, "040 333 3333", ["sport"], headers=kit.worker("uusimaa"))
        await kit.consent(client, other_programme, "040 444 4444", ["sport"])

        swim = kit.offer_published("sport", title="Uintivuoro")
        await publish_events([swim, swim])  # published twice (a republish): still one message

        async def sent():
            return await kit.recorded(client)

        messages = await eventually(sent)
        assert [(m["to"], m["text"]) for m in messages] == [
            ("+358401111111", "Uusi tarjous: Uintivuoro\nLopeta viestit: vastaa LOPETA")]
        await publish_events([kit.offer_published("culture", title="Theatre night")])

        async def two():
            return len(messages := await kit.recorded(client)) == 2 and messages

        messages = await eventually(two)
        assert (messages[1]["to"], messages[1]["text"]) == (
            "+358402222222", "New offer: Theatre night\nTo stop these messages, reply STOP")

        async def both_sent():
            rows = await app.state.pool.fetch("SELECT message_id FROM messages WHERE status = 'sent' ORDER BY created_at")
            return len(rows) == 2 and rows

        assert [str(row["message_id"]) for row in await eventually(both_sent)] == [m["reference"] for m in messages]


async def test_a_coordinator_messages_the_consenting_holders_of_a_region_with_an_audit_record(
        kit, notifications, notifications_settings, publish_events):
    cards = [kit.card_issued() for _ in range(3)]
    outside = kit.card_issued("uusimaa")
    async with notifications(notifications_settings(broadcast_max_recipients=3)) as (app, client):
        await publish_events([*cards, outside])
        for n, card in enumerate(cards):
            await kit.known_card(client, card)
            await kit.consent(client, card, f"040 555 000{n}", [], "sv" if n == 0 else "fi")
        await kit.known_card(client, outside)
        await kit.consent(client, outside, "040 666 0000", [], headers=kit.worker("uusimaa"))

        coordinator = kit.coordinator("varsinais-suomi")
        sent = await client.post("/v1/broadcasts", headers=coordinator,
                                 json={"text": "Kimmoke: uusi kausi alkaa 1.1."})
        assert sent.status_code == 201, sent.text
        assert (sent.json()["region"], sent.json()["recipients"]) == ("varsinais-suomi", 3)

        async def delivered():
            return len(messages := await kit.recorded(client)) == 3 and messages

        messages = await eventually(delivered)
        assert sorted(m["to"] for m in messages) == ["+358405550000", "+358405550001", "+358405550002"]
        assert {m["text"] for m in messages} == {"Kimmoke: uusi kausi alkaa 1.1.\nAvsluta: svara SLUTA",
                                                 "Kimmoke: uusi kausi alkaa 1.1.\nLopeta viestit: vastaa LOPETA"}

        async def audited():
            listed = (await client.get("/v1/broadcasts", headers=kit.coordinator("varsinais-suomi"))).json()
            return listed[0]["sent"] == 3 and listed
        listed = await eventually(audited)
        assert {key: listed[0][key] for key in ("text", "recipients", "pending", "not_sent", "sent_by")} == {
            "text": "Kimmoke: uusi kausi alkaa 1.1.", "recipients": 3, "pending": 0, "not_sent": 0,
            "sent_by": sent.json()["sent_by"]}
        audit = json.dumps([dict(row) for row in await app.state.pool.fetch("SELECT * FROM broadcasts")], default=str)
        assert "555" not in audit
        assert (await client.get("/v1/broadcasts", headers=kit.coordinator("uusimaa"))).json() == []

        refused = await client.post("/v1/broadcasts", headers=coordinator, json={"text": "x", "region": "uusimaa"})
        assert refused.status_code == 403
        national = bearer(Role.coordinator, "national-coordinator", national=True)
        too_many = await client.post("/v1/broadcasts", headers=national, json={"text": "Hei kaikki"})
        assert (too_many.status_code, too_many.json()) == (422, {
            "code": "too_many_recipients",
            "detail": "the message would reach 4 holders and one message may reach at most 3: choose a region or "
                      "programme to narrow it"})
        long_text = await client.post("/v1/broadcasts", headers=coordinator, json={"text": "x" * 301})
        assert long_text.status_code == 422


@dataclass
class Gateway:
    """GatewayAPI's send route as a real HTTP server: records each request, fails the first `fail` ones."""

    fail: int = 0
    requests: list[tuple[dict[str, str], dict]] = field(default_factory=list)

    async def handle(self, request: web.Request) -> web.Response:
        self.requests.append((dict(request.headers), await request.json()))
        if len(self.requests) <= self.fail:
            return web.Response(status=503)
        return web.json_response({"ids": [len(self.requests)]})


def serving(gateway: Gateway):
    return http_serving("/rest/mtsms", gateway.handle)


async def test_gatewayapi_gets_the_message_with_its_reference_and_a_refused_try_is_repeated(
        kit, notifications, notifications_settings, publish_events):
    card = kit.card_issued()
    gateway = Gateway(fail=2)
    async with serving(gateway) as url:
        settings = notifications_settings(sms_gateway="gatewayapi", sms_gateway_url=url, sms_gateway_token="tkn",
                                          sms_sender="Kimmoke")
        async with notifications(settings) as (app, client):
            await publish_events([card])
            await kit.known_card(client, card)
            await kit.consent(client, card, "040 123 4567", ["sport"])
            await publish_events([kit.offer_published("sport", title="Kuntosali")])

            async def sent():
                return await app.state.pool.fetchrow("SELECT * FROM messages WHERE status = 'sent'")

            row = await eventually(sent)
            metrics = (await client.get("/metrics")).text
    assert len(gateway.requests) == 3 and row["attempts"] == 3
    for headers, body in gateway.requests:
        assert headers["Authorization"] == "Token tkn"
        assert body == {"sender": "Kimmoke", "message": "Uusi tarjous: Kuntosali\nLopeta viestit: vastaa LOPETA",
                        "recipients": [{"msisdn": 358401234567}], "userref": str(row["message_id"])}
    assert 'leisure_sms_messages_total{outcome="retrying"} 2.0' in metrics
    assert 'leisure_sms_messages_total{outcome="sent"} 1.0' in metrics


async def test_a_message_queued_before_a_stop_is_sent_after_the_restart_and_one_whose_consent_ended_never(
        kit, notifications, notifications_settings, publish_events):
    stays, leaves = kit.card_issued(), kit.card_issued()
    gateway = Gateway()
    async with serving(gateway) as url:
        down = url.replace("/rest/mtsms", "/nowhere")  # answers 404: every try fails
        settings = notifications_settings(sms_gateway="gatewayapi", sms_gateway_url=down, sms_gateway_token="t")
        async with notifications(settings) as (app, client):
            await publish_events([stays, leaves])
            await kit.known_card(client, stays)
            await kit.known_card(client, leaves)
            await kit.consent(client, stays, "040 123 4567", [])
            await kit.consent(client, leaves, "050 765 4321", [])
            sent = await client.post("/v1/broadcasts", headers=kit.coordinator(), json={"text": "Tervetuloa"})
            assert sent.json()["recipients"] == 2

            async def tried():
                return await app.state.pool.fetchval("SELECT min(attempts) FROM messages") >= 1

            await eventually(tried)
            assert (await client.delete(f"/v1/cards/{leaves.card_number}/sms-consent",
                                        headers=kit.worker())).status_code == 204
        async with notifications(settings.model_copy(update={"sms_gateway_url": url})) as (app, client):
            async def settled():
                rows = await app.state.pool.fetch("SELECT card_id, status FROM messages ORDER BY status")
                return all(row["status"] != "pending" for row in rows) and rows

            rows = await eventually(settled)
    assert {(row["card_id"], row["status"]) for row in rows} == {(stays.card_id, "sent"), (leaves.card_id, "cancelled")}
    assert [body["recipients"] for _, body in gateway.requests] == [[{"msisdn": 358401234567}]]
