"""The read models of cards and offers: one idempotent consumer over both topics.

Besides the runtime's dedupe by event id, every handler is an idempotent upsert keyed by the
event's own facts, so a replay under new event ids changes nothing either. History is kept where
a visit entered later is judged as things stood then: validity periods, revocation, offer terms.
A card's first validity and an offer's first terms are in force from the beginning ('-infinity'):
whether they applied on a day is for the card's valid_from and the offer's open period to say.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

import asyncpg

from leisure_contracts.envelope import CloudEventAttributes
from leisure_contracts.events import (
    CardIssued,
    CardRenewed,
    CardRevoked,
    OfferPublished,
    OfferUpdated,
    OfferWithdrawn,
)
from leisure_contracts.topics import Topic
from leisure_runtime.consumer import IdempotentConsumer, RejectedEvent
from usage.domain.calendar import localised

TOPICS = (Topic.CARDS.value, Topic.OFFERS.value)


async def _applied(conn: asyncpg.Connection, topic: Topic, attributes: CloudEventAttributes) -> None:
    await conn.execute(
        """INSERT INTO read_model_progress (topic, newest_event_at) VALUES ($1, $2)
           ON CONFLICT (topic) DO UPDATE
           SET newest_event_at = greatest(read_model_progress.newest_event_at, excluded.newest_event_at)""",
        topic.value, attributes.time,
    )


async def card_issued(conn: asyncpg.Connection, attributes: CloudEventAttributes, event: CardIssued) -> None:
    rule = event.reward_rule
    predecessors = await _predecessors(conn, event)
    try:
        await conn.execute(
            """INSERT INTO cards (card_id, card_number, programme_id, distributor_id, home_region,
                                  accepted_regions, valid_from, children_allowance, escort_free,
                                  yearly_use_limit, reward_every_visits, reward_description, issued_at,
                                  predecessors)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
               ON CONFLICT (card_id) DO NOTHING""",
            event.card_id, event.card_number, event.programme_id, event.distributor_id, event.home_region,
            event.accepted_regions, event.valid_from, event.children_allowance, event.escort_free,
            event.yearly_use_limit, rule and rule.every_visits, rule and rule.description, event.issued_at,
            predecessors,
        )
    except asyncpg.UniqueViolationError as error:
        raise RejectedEvent(f"card number of card {event.card_id} already belongs to another card") from error
    if predecessors:
        # Cards keyed by other ids travel on other partitions: a later replacement of this card
        # may have been applied first, and inherits this card's predecessors now.
        await conn.execute(
            "UPDATE cards SET predecessors = predecessors || $2::uuid[] "
            "WHERE predecessors @> ARRAY[$1::uuid] AND NOT predecessors @> $2::uuid[]",
            event.card_id, predecessors,
        )
    await conn.execute(
        "INSERT INTO card_validity (card_id, effective_at, valid_until) VALUES ($1, '-infinity', $2) "
        "ON CONFLICT DO NOTHING",
        event.card_id, event.valid_until,
    )
    await _applied(conn, Topic.CARDS, attributes)


async def _predecessors(conn: asyncpg.Connection, event: CardIssued) -> list:
    """The card this one replaced and what that one replaced, as far as known yet."""
    if event.replaces_card_id is None:
        return []
    earlier = await conn.fetchval("SELECT predecessors FROM cards WHERE card_id = $1", event.replaces_card_id)
    return [event.replaces_card_id, *(earlier or [])]


async def card_renewed(conn: asyncpg.Connection, attributes: CloudEventAttributes, event: CardRenewed) -> None:
    try:
        await conn.execute(
            "INSERT INTO card_validity (card_id, effective_at, valid_until) VALUES ($1, $2, $3) "
            "ON CONFLICT DO NOTHING",
            event.card_id, event.renewed_at, event.valid_until,
        )
    except asyncpg.ForeignKeyViolationError as error:
        raise RejectedEvent(f"renewal of card {event.card_id}, which was never issued here") from error
    await _applied(conn, Topic.CARDS, attributes)


async def card_revoked(conn: asyncpg.Connection, attributes: CloudEventAttributes, event: CardRevoked) -> None:
    updated = await conn.execute(
        "UPDATE cards SET revoked_at = coalesce(revoked_at, $2), "
        "revocation_reason = coalesce(revocation_reason, $3) WHERE card_id = $1",
        event.card_id, event.revoked_at, event.reason.value,
    )
    if updated == "UPDATE 0":
        raise RejectedEvent(f"revocation of card {event.card_id}, which was never issued here")
    await _applied(conn, Topic.CARDS, attributes)


def offer_consumer_handlers(zone: ZoneInfo):
    """Offer handlers; times without an offset are read as local time in `zone`."""

    async def insert_terms(conn: asyncpg.Connection, event: OfferPublished | OfferUpdated,
                           effective_at: datetime | None) -> None:
        """`effective_at` None: in force from the beginning."""
        try:
            await conn.execute(
                """INSERT INTO offer_terms (offer_id, effective_at, starts_at, ends_at, quota,
                                            max_tickets_per_visit, accepted_programmes, accepted_regions)
                   VALUES ($1, coalesce($2::timestamptz, '-infinity'), $3, $4, $5, $6, $7, $8)
                   ON CONFLICT DO NOTHING""",
                event.offer_id, effective_at, localised(event.starts_at, zone), localised(event.ends_at, zone),
                event.quota, event.max_tickets_per_visit, event.accepted_programmes, event.accepted_regions,
            )
        except asyncpg.ForeignKeyViolationError as error:
            raise RejectedEvent(f"update of offer {event.offer_id}, which was never published here") from error

    async def put_sessions(conn: asyncpg.Connection, event: OfferPublished | OfferUpdated, as_of: datetime) -> None:
        """The offer's sessions as of the event; those it no longer lists are marked removed (their
        visits keep their tickets). An event older than what set a session changes nothing."""
        await conn.execute(
            """UPDATE offer_sessions SET removed = true, as_of = $2
               WHERE offer_id = $1 AND as_of < $2 AND NOT (session_id = ANY($3::uuid[]))""",
            event.offer_id, as_of, [session.session_id for session in event.sessions])
        await conn.executemany(
            """INSERT INTO offer_sessions (offer_id, session_id, starts_at, places, as_of) VALUES ($1, $2, $3, $4, $5)
               ON CONFLICT (offer_id, session_id) DO UPDATE SET starts_at = excluded.starts_at,
                   places = excluded.places, as_of = excluded.as_of, removed = false
               WHERE offer_sessions.as_of < excluded.as_of""",
            [(event.offer_id, session.session_id, session.starts_at, session.places, as_of)
             for session in event.sessions])

    async def offer_published(conn: asyncpg.Connection, attributes: CloudEventAttributes,
                              event: OfferPublished) -> None:
        await conn.execute(
            """INSERT INTO offers (offer_id, venue_id, venue_kind, region, category, published_at)
               VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (offer_id) DO NOTHING""",
            event.offer_id, event.venue_id, event.venue_kind.value, event.region, event.category.value,
            event.published_at,
        )
        # An offer is often entered in the catalogue after it opened: a visit entered later, from a day
        # before the publication, is judged by these first terms, and the offer's own open period
        # (starts_at, ends_at) says whether it was open that day.
        await insert_terms(conn, event, None)
        await put_sessions(conn, event, event.published_at)
        await _applied(conn, Topic.OFFERS, attributes)

    async def offer_updated(conn: asyncpg.Connection, attributes: CloudEventAttributes,
                            event: OfferUpdated) -> None:
        await insert_terms(conn, event, event.updated_at)
        await put_sessions(conn, event, event.updated_at)
        await _applied(conn, Topic.OFFERS, attributes)

    async def offer_withdrawn(conn: asyncpg.Connection, attributes: CloudEventAttributes,
                              event: OfferWithdrawn) -> None:
        updated = await conn.execute(
            "UPDATE offers SET withdrawn_at = coalesce(withdrawn_at, $2) WHERE offer_id = $1",
            event.offer_id, event.withdrawn_at,
        )
        if updated == "UPDATE 0":
            raise RejectedEvent(f"withdrawal of offer {event.offer_id}, which was never published here")
        await _applied(conn, Topic.OFFERS, attributes)

    return {OfferPublished: offer_published, OfferUpdated: offer_updated, OfferWithdrawn: offer_withdrawn}


def read_models_consumer(name: str, zone: ZoneInfo) -> IdempotentConsumer:
    return IdempotentConsumer(name, TOPICS, {
        CardIssued: card_issued, CardRenewed: card_renewed, CardRevoked: card_revoked,
        **offer_consumer_handlers(zone),
    })
