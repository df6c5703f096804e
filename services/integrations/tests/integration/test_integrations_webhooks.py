"""Signed webhooks to a real HTTP receiver, from events on a real broker, with deliveries kept in
PostgreSQL: signatures, retries with backoff, the delivery log, disabling and enabling again, and
deliveries that survive a restart."""

import json
import time
from datetime import datetime
from uuid import uuid4

import pytest

from integrations.domain.signatures import is_authentic
from leisure_contracts.topics import Topic
from leisure_infra.ports import free_port
from leisure_infra.service_testing import bearer, eventually, publish_events
from leisure_runtime.auth import Role

pytestmark = pytest.mark.integration
COORDINATOR = bearer(Role.coordinator, "coordinator-1", region="uusimaa")
PUBLIC_VISIT = "fi.leisurepass.public.visit.recorded.v1"
PUBLIC_CARD = "fi.leisurepass.public.card.issued.v1"


async def subscribe(client, url: str, event_types=(PUBLIC_VISIT,)) -> dict:
    answer = await client.post("/v1/webhooks/subscriptions", headers=COORDINATOR, json={
        "integrator": "ticketing-system", "url": url, "event_types": list(event_types)})
    assert answer.status_code == 201, answer.text
    return answer.json()


def bodies_about(receiver, visit_id) -> list[tuple[dict, bytes]]:
    return [(headers, body) for headers, body in receiver.requests
            if json.loads(body)["data"].get("visit_id") == str(visit_id)]


async def test_a_subscribed_event_arrives_signed_and_is_logged_as_delivered(
        integrations, integrations_settings, kafka_broker, receiver, receiving, card_issued, visit_recorded):
    card = card_issued()
    visit = visit_recorded(card)
    async with receiving(receiver) as url, integrations(integrations_settings()) as (_app, client):
        subscription = await subscribe(client, url, [PUBLIC_VISIT, PUBLIC_CARD])
        await publish_events(kafka_broker.bootstrap_servers, [card, visit])
        headers, body = await eventually(lambda: _first(bodies_about(receiver, visit.visit_id)))
        log = await eventually(lambda: _delivered(client, subscription["subscription_id"], headers["Leisure-Event-Id"]))

    assert is_authentic(subscription["secret"], headers["Leisure-Signature"], body, now=int(time.time()))
    event = json.loads(body)
    assert headers["Leisure-Event-Id"] == event["id"] and headers["Leisure-Event-Type"] == PUBLIC_VISIT
    assert headers["Content-Type"] == "application/cloudevents+json"
    assert event["type"] == PUBLIC_VISIT and event["source"] == "/leisure-pass/integrations"
    assert event["data"]["offer_id"] == str(visit.offer_id)
    assert card.card_number.encode() not in body and str(card.card_id).encode() not in body
    assert log["attempts"] == 1 and log["last_status_code"] == 200 and log["event_type"] == PUBLIC_VISIT


async def test_failures_are_retried_with_backoff_then_disable_the_subscription_until_enabled_again(
        integrations, integrations_settings, kafka_broker, receiver, receiving, card_issued, visit_recorded):
    visit = visit_recorded(card_issued())
    receiver.status = 503
    settings = integrations_settings(webhook_disable_after_failures=3, webhook_backoff_seconds=0.1)
    async with receiving(receiver) as url, integrations(settings) as (_app, client):
        subscription = await subscribe(client, url)
        path = f"/v1/webhooks/subscriptions/{subscription['subscription_id']}"
        await publish_events(kafka_broker.bootstrap_servers, [visit])

        async def disabled():
            answer = (await client.get(path, headers=COORDINATOR)).json()
            return answer if not answer["enabled"] else None

        state = await eventually(disabled)
        tries = bodies_about(receiver, visit.visit_id)
        log = await _log_of(client, subscription["subscription_id"], tries[0][0]["Leisure-Event-Id"])

        receiver.status = 200
        enabled = await client.patch(path, headers=COORDINATOR, json={"enabled": True})
        delivered = await eventually(lambda: _delivered(client, subscription["subscription_id"], log["event_id"]))
        after = (await client.get(path, headers=COORDINATOR)).json()

    assert "3 failed deliveries in a row" in state["disabled_reason"] and "answered 503" in state["disabled_reason"]
    # Events from before the test may have failed too: the subscription's count is of all of them.
    attempts = len(tries)
    assert [headers["Leisure-Delivery-Attempt"] for headers, _ in tries] == [str(n) for n in range(1, attempts + 1)]
    assert len({headers["Leisure-Event-Id"] for headers, _ in tries}) == 1
    assert len({body for _, body in tries}) == 1  # the same bytes every time, signed anew
    assert log["status"] == "pending" and log["attempts"] == attempts and log["last_status_code"] == 503
    waited = datetime.fromisoformat(log["next_attempt_at"]) - datetime.fromisoformat(log["last_attempt_at"])
    assert waited.total_seconds() == pytest.approx(0.1 * 2 ** (attempts - 1))  # doubled after each failed try
    assert enabled.status_code == 200 and enabled.json()["enabled"] and enabled.json()["disabled_reason"] is None
    assert delivered["attempts"] == attempts + 1 and delivered["last_status_code"] == 200
    assert after["consecutive_failures"] == 0


async def test_a_delivery_gives_up_after_the_last_try_and_can_be_sent_again(
        integrations, integrations_settings, kafka_broker, receiver, receiving, card_issued, visit_recorded):
    visit = visit_recorded(card_issued())
    receiver.status = 400
    settings = integrations_settings(webhook_max_attempts=2, webhook_backoff_seconds=0.1)
    async with receiving(receiver) as url, integrations(settings) as (_app, client):
        subscription = await subscribe(client, url)
        await publish_events(kafka_broker.bootstrap_servers, [visit])
        [(headers, _body), _] = await eventually(lambda: _at_least(2, bodies_about(receiver, visit.visit_id)))
        failed = await eventually(lambda: _log_of(client, subscription["subscription_id"],
                                                  headers["Leisure-Event-Id"], "failed"))

        receiver.status = 200
        retry = f"/v1/webhooks/subscriptions/{subscription['subscription_id']}/deliveries/{failed['delivery_id']}/retry"
        retried = await client.post(retry, headers=COORDINATOR)
        delivered = await eventually(lambda: _delivered(client, subscription["subscription_id"], failed["event_id"]))
        again = await client.post(retry, headers=COORDINATOR)
        unknown = await client.post(retry.replace(failed["delivery_id"], str(uuid4())), headers=COORDINATOR)

    assert failed["attempts"] == 2 and failed["next_attempt_at"] is None and failed["last_status_code"] == 400
    assert retried.status_code == 200 and retried.json()["status"] == "pending" and retried.json()["attempts"] == 0
    assert delivered["attempts"] == 1 and delivered["last_status_code"] == 200
    assert again.status_code == 409 and again.json()["code"] == "delivery_delivered"
    assert unknown.status_code == 404 and unknown.json()["code"] == "delivery_not_found"
    assert len(bodies_about(receiver, visit.visit_id)) == 3


async def test_deliveries_survive_a_restart_of_the_service(
        integrations, integrations_settings, kafka_broker, receiver, receiving, card_issued, visit_recorded,
        read_topic):
    visit = visit_recorded(card_issued())
    port = free_port()  # nothing listens there yet: every try fails to connect
    settings = integrations_settings(webhook_backoff_seconds=0.2, webhook_backoff_max_seconds=0.5)
    async with integrations(settings) as (_app, client):
        subscription = await subscribe(client, f"http://127.0.0.1:{port}/hooks/leisure")
        await publish_events(kafka_broker.bootstrap_servers, [visit])
        [public] = await eventually(lambda: _public_visit(read_topic, visit.visit_id))
        event_id = public.header("ce_id").decode()
        tried = await eventually(lambda: _log_of(client, subscription["subscription_id"], event_id,
                                                 accept=lambda entry: entry["attempts"] >= 1))
    async with receiving(receiver, port), integrations(settings) as (_app, client):
        delivered = await eventually(lambda: _delivered(client, subscription["subscription_id"], tried["event_id"]))

    assert tried["status"] == "pending" and "ConnectError" in tried["last_error"]
    assert delivered["last_status_code"] == 200 and delivered["attempts"] > tried["attempts"]
    assert len(bodies_about(receiver, visit.visit_id)) == 1


async def test_subscriptions_are_for_coordinators_of_their_region_with_clear_refusals(
        integrations, integrations_settings):
    async with integrations(integrations_settings()) as (_app, client):
        no_token = await client.get("/v1/webhooks/subscriptions")
        venue_staff = await client.get("/v1/webhooks/subscriptions",
                                       headers=bearer(Role.venue_staff, venues=["v-1"]))
        internal = await client.post("/v1/webhooks/subscriptions", headers=COORDINATOR, json={
            "integrator": "x", "url": "https://example.test/hook", "event_types": ["fi.leisurepass.card.issued.v1"]})
        bad_url = await client.post("/v1/webhooks/subscriptions", headers=COORDINATOR, json={
            "integrator": "x", "url": "ftp://example.test/hook", "event_types": [PUBLIC_VISIT]})
        created = await subscribe(client, "https://example.test/hook")
        other_region = await client.get(f"/v1/webhooks/subscriptions/{created['subscription_id']}",
                                        headers=bearer(Role.coordinator, region="pirkanmaa"))
        national = await client.get("/v1/webhooks/subscriptions", headers=bearer(Role.coordinator, national=True))
        listed = (await client.get("/v1/webhooks/subscriptions", headers=COORDINATOR)).json()
        rotated = await client.post(f"/v1/webhooks/subscriptions/{created['subscription_id']}/secret",
                                    headers=COORDINATOR)
        deleted = await client.delete(f"/v1/webhooks/subscriptions/{created['subscription_id']}", headers=COORDINATOR)
        gone = await client.get(f"/v1/webhooks/subscriptions/{created['subscription_id']}", headers=COORDINATOR)
        types = (await client.get("/v1/webhooks/event-types", headers=COORDINATOR)).json()

    assert no_token.status_code == 401 and venue_staff.status_code == 403
    assert internal.status_code == 422 and "subscribe to fi.leisurepass.public.card.issued.v1" in internal.json()["detail"]
    assert bad_url.status_code == 422 and "http" in bad_url.json()["detail"]
    assert other_region.status_code == 403 and "region uusimaa" in other_region.json()["detail"]
    assert created["subscription_id"] in [s["subscription_id"] for s in national.json()]
    assert [s["subscription_id"] for s in listed] == [created["subscription_id"]] and "secret" not in listed[0]
    assert rotated.status_code == 200 and rotated.json()["secret"] != created["secret"]
    assert deleted.status_code == 204 and gone.status_code == 404
    assert PUBLIC_VISIT in types and "fi.leisurepass.visit.recorded.v1" not in types


async def _first(items):
    return items[0] if items else None


async def _at_least(count, items):
    return items if len(items) >= count else None


async def _log_of(client, subscription_id, event_id, status=None, accept=bool) -> dict | None:
    """The delivery log's entry of one event, once it satisfies `accept`."""
    log = (await client.get(f"/v1/webhooks/subscriptions/{subscription_id}/deliveries", headers=COORDINATOR,
                            params={"status": status} if status else {})).json()
    entry = next((entry for entry in log if entry["event_id"] == event_id), None)
    return entry if entry is not None and accept(entry) else None


async def _delivered(client, subscription_id, event_id) -> dict | None:
    return await _log_of(client, subscription_id, event_id, "delivered")


async def _public_visit(read_topic, visit_id):
    return [record for record in await read_topic(Topic.PUBLIC_VISITS.value)
            if json.loads(record.value)["visit_id"] == str(visit_id)] or None
