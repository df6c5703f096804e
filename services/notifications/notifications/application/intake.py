"""What the service learns from events: which cards exist, are valid and are revoked (a revoked
card's number is erased at once), and new offers, queued for the holders who chose their category."""

from datetime import datetime, timezone

import asyncpg

from leisure_contracts.envelope import CloudEventAttributes
from leisure_contracts.events import CardIssued, CardRenewed, CardRevoked, OfferPublished
from leisure_runtime.consumer import RejectedEvent
from notifications.adapters import store
from notifications.adapters.metrics import NotificationsMetrics
from notifications.application.consents import Erasure
from notifications.domain.messages import Language, offer_is_over, offer_message


async def card_issued(conn: asyncpg.Connection, _attributes: CloudEventAttributes, event: CardIssued) -> None:
    # Issuance never hands a number out twice; a card that claims another's would otherwise stop
    # the consumer on the table's key, retrying for ever.
    holder = await store.card_id_of_number(conn, event.card_number)
    if holder is not None and holder != event.card_id:
        raise RejectedEvent(f"the card number is already card {holder}'s: a card number belongs to one card")
    await store.save_card(conn, event.card_id, event.card_number, event.programme_id, event.home_region,
                          event.valid_until)


async def card_renewed(conn: asyncpg.Connection, _attributes: CloudEventAttributes, event: CardRenewed) -> None:
    await store.extend_card(conn, event.card_id, event.valid_until)


def card_revoked(metrics: NotificationsMetrics):
    async def handle(conn: asyncpg.Connection, _attributes: CloudEventAttributes, event: CardRevoked) -> None:
        await store.revoke_card(conn, event.card_id)
        # Counted before the commit: a rolled-back revocation is redelivered and counted again, rarely.
        if await store.erase_consents(conn, [event.card_id], Erasure.CARD_REVOKED, None):
            metrics.consent_changes(Erasure.CARD_REVOKED).inc()

    return handle


async def offer_published(conn: asyncpg.Connection, _attributes: CloudEventAttributes,
                          event: OfferPublished) -> None:
    if offer_is_over(event, datetime.now(timezone.utc)):
        return
    holders = await store.offer_audience(conn, event.category.value, event.accepted_programmes,
                                         event.accepted_regions)
    await store.queue_messages(conn, [holder["card_id"] for holder in holders], "offer", event.offer_id,
                               [offer_message(event, Language(holder["language"])) for holder in holders])
