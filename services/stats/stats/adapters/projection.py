"""The stats projection: folds every topic's events into the working state of 002_projection.sql,
a batch per transaction. Each handler writes facts of its own with upserts that commute, so the
result does not depend on how topics and partitions interleave (live or in a rebuild)."""

from datetime import datetime
from zoneinfo import ZoneInfo

import asyncpg

from leisure_contracts.events import (
    CardIssued,
    CardRenewed,
    CardRevoked,
    OfferPublished,
    OfferUpdated,
    OfferWithdrawn,
    RewardEarned,
    VenueRegistered,
    VenueUpdated,
    VisitCancelled,
    VisitRecorded,
)
from leisure_contracts.topics import Topic
from leisure_runtime.consumer import Applied, BatchedIdempotentConsumer
from stats.domain.pseudonyms import Pseudonyms, RecordKeys
from stats.settings import StatsSettings

TOPICS = [Topic.CARDS.value, Topic.VENUES.value, Topic.OFFERS.value, Topic.VISITS.value]
TABLES = ("holders", "renewals", "revocations", "venues", "offers", "offer_withdrawals", "visits",
          "cancelled_visits", "rewards")
SWITCH_OVER_LOCK = 0x5354_4154  # taken shared by every batch, exclusively by a rebuild's switch-over
HELSINKI = ZoneInfo("Europe/Helsinki")


def day(moment: datetime):
    return moment.astimezone(HELSINKI).date()


async def hold_off_switch_over(conn: asyncpg.Connection) -> None:
    await conn.execute("SELECT pg_advisory_xact_lock_shared($1)", SWITCH_OVER_LOCK)


class Projection:
    def __init__(self, pseudonyms: Pseudonyms, record_keys: RecordKeys) -> None:
        self.pseudonyms = pseudonyms
        self.record_keys = record_keys

    def handlers(self) -> dict:
        return {
            CardIssued: self.cards_issued, CardRenewed: self.cards_renewed, CardRevoked: self.cards_revoked,
            VenueRegistered: self.venues_registered, VenueUpdated: self.venues_renamed,
            OfferPublished: self.offers_published, OfferUpdated: self.offers_updated,
            OfferWithdrawn: self.offers_withdrawn,
            VisitRecorded: self.visits_recorded, VisitCancelled: self.visits_cancelled,
            RewardEarned: self.rewards_earned,
        }

    async def cards_issued(self, conn: asyncpg.Connection, events: Applied) -> None:
        # Issued on the day the card was handed over (valid_from), not the day it was entered: a card
        # issued on paper may be entered up to 30 days later.
        holders = [(self.pseudonyms.holder(e.card_number), e) for _, e in events]
        await conn.executemany(
            """INSERT INTO holders (holder, card, programme_id, home_region, distributor_kind, age_band, gender,
                   mother_tongue, life_situation, postal_code, replacement, issued_on, valid_from, valid_until,
                   record_key, children_under_16)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
               ON CONFLICT (holder) DO NOTHING""",
            [(holder, self.pseudonyms.card(e.card_id), e.programme_id, e.home_region, e.distributor_kind.value,
              e.background.age_band.value, e.background.gender.value, e.background.mother_tongue.value,
              e.background.life_situation.value, e.background.postal_code, e.replaces_card_id is not None,
              e.valid_from, e.valid_from, e.valid_until, self.record_keys.of(holder), e.background.children_under_16)
             for holder, e in holders],
        )

    async def cards_renewed(self, conn: asyncpg.Connection, events: Applied) -> None:
        await conn.executemany(
            """INSERT INTO renewals (holder, renewed_on, renewals, valid_until) VALUES ($1, $2, 1, $3)
               ON CONFLICT (holder, renewed_on) DO UPDATE SET renewals = renewals.renewals + 1,
                   valid_until = greatest(renewals.valid_until, excluded.valid_until)""",
            [(self.pseudonyms.holder(e.card_number), day(e.renewed_at), e.valid_until) for _, e in events],
        )

    async def cards_revoked(self, conn: asyncpg.Connection, events: Applied) -> None:
        await conn.executemany(
            """INSERT INTO revocations (holder, revoked_on) VALUES ($1, $2)
               ON CONFLICT (holder) DO UPDATE SET revoked_on = least(revocations.revoked_on, excluded.revoked_on)""",
            [(self.pseudonyms.holder(e.card_number), day(e.revoked_at)) for _, e in events],
        )

    async def venues_registered(self, conn: asyncpg.Connection, events: Applied) -> None:
        await conn.executemany(
            """INSERT INTO venues (venue_id, name, name_as_of, municipality, kind, region)
               VALUES ($1, $2, $3, $4, $5, $6)
               ON CONFLICT (venue_id) DO UPDATE SET municipality = excluded.municipality, kind = excluded.kind,
                   region = excluded.region,
                   name = CASE WHEN excluded.name_as_of > venues.name_as_of THEN excluded.name ELSE venues.name END,
                   name_as_of = greatest(venues.name_as_of, excluded.name_as_of)""",
            [(e.venue_id, _name(e.name), e.registered_at, e.municipality, e.kind.value, e.region) for _, e in events],
        )

    async def venues_renamed(self, conn: asyncpg.Connection, events: Applied) -> None:
        await conn.executemany(
            """INSERT INTO venues (venue_id, name, name_as_of) VALUES ($1, $2, $3)
               ON CONFLICT (venue_id) DO UPDATE SET
                   name = CASE WHEN excluded.name_as_of > venues.name_as_of THEN excluded.name ELSE venues.name END,
                   name_as_of = greatest(venues.name_as_of, excluded.name_as_of)""",
            [(e.venue_id, _name(e.name), e.updated_at) for _, e in events],
        )

    async def offers_published(self, conn: asyncpg.Connection, events: Applied) -> None:
        await conn.executemany(
            """INSERT INTO offers (offer_id, venue_id, venue_kind, region, municipality, category, published_on,
                   quota, ends_on, terms_as_of)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
               ON CONFLICT (offer_id) DO UPDATE SET venue_id = excluded.venue_id,
                   venue_kind = excluded.venue_kind, region = excluded.region,
                   municipality = excluded.municipality, category = excluded.category,
                   published_on = excluded.published_on,
                   quota = CASE WHEN excluded.terms_as_of > offers.terms_as_of
                                THEN excluded.quota ELSE offers.quota END,
                   ends_on = CASE WHEN excluded.terms_as_of > offers.terms_as_of
                                  THEN excluded.ends_on ELSE offers.ends_on END,
                   terms_as_of = greatest(offers.terms_as_of, excluded.terms_as_of)""",
            [(e.offer_id, e.venue_id, e.venue_kind.value, e.region, e.municipality, e.category.value,
              day(e.published_at), e.quota, e.ends_at and day(e.ends_at), e.published_at) for _, e in events],
        )

    async def offers_updated(self, conn: asyncpg.Connection, events: Applied) -> None:
        await conn.executemany(
            """INSERT INTO offers (offer_id, quota, ends_on, terms_as_of) VALUES ($1, $2, $3, $4)
               ON CONFLICT (offer_id) DO UPDATE SET
                   quota = CASE WHEN excluded.terms_as_of > offers.terms_as_of
                                THEN excluded.quota ELSE offers.quota END,
                   ends_on = CASE WHEN excluded.terms_as_of > offers.terms_as_of
                                  THEN excluded.ends_on ELSE offers.ends_on END,
                   terms_as_of = greatest(offers.terms_as_of, excluded.terms_as_of)""",
            [(e.offer_id, e.quota, e.ends_at and day(e.ends_at), e.updated_at) for _, e in events],
        )

    async def offers_withdrawn(self, conn: asyncpg.Connection, events: Applied) -> None:
        await conn.executemany(
            """INSERT INTO offer_withdrawals (offer_id, withdrawn_on) VALUES ($1, $2)
               ON CONFLICT (offer_id) DO UPDATE
               SET withdrawn_on = least(offer_withdrawals.withdrawn_on, excluded.withdrawn_on)""",
            [(e.offer_id, day(e.withdrawn_at)) for _, e in events],
        )

    async def visits_recorded(self, conn: asyncpg.Connection, events: Applied) -> None:
        # The bulk of all events, so one statement per batch (003_recorded_visit.sql says why).
        visits = [(self.pseudonyms.visit(e.visit_id), e) for _, e in events]
        await conn.execute(
            """INSERT INTO visits (visit, holder, programme_id, card_region, offer_id, venue_id, venue_kind, region,
                   category, children, escorts, occurred_on, record_key)
               SELECT * FROM unnest($1::recorded_visit[]) ON CONFLICT (visit) DO NOTHING""",
            [(visit, self.pseudonyms.holder(e.card_number), e.programme_id, e.card_region, e.offer_id, e.venue_id,
              e.venue_kind.value, e.region, e.category.value, e.children, int(e.escort), day(e.occurred_at),
              self.record_keys.of(visit)) for visit, e in visits],
        )

    async def visits_cancelled(self, conn: asyncpg.Connection, events: Applied) -> None:
        await conn.executemany(
            "INSERT INTO cancelled_visits (visit) VALUES ($1) ON CONFLICT (visit) DO NOTHING",
            [(self.pseudonyms.visit(e.visit_id),) for _, e in events],
        )

    async def rewards_earned(self, conn: asyncpg.Connection, events: Applied) -> None:
        cards = [(self.pseudonyms.card(e.card_id), e) for _, e in events]
        await conn.executemany(
            """INSERT INTO rewards (card, programme_id, earned_on, rewards, record_key) VALUES ($1, $2, $3, 1, $4)
               ON CONFLICT (card, programme_id, earned_on) DO UPDATE SET rewards = rewards.rewards + 1""",
            [(card, e.programme_id, day(e.earned_at), self.record_keys.of(card)) for card, e in cards],
        )


def _name(text) -> str:
    return text.fi or text.sv or text.en


def create_projection(settings: StatsSettings) -> BatchedIdempotentConsumer:
    projection = Projection(Pseudonyms(settings.holder_hash_key.get_secret_value()),
                            RecordKeys(settings.record_key_secret.get_secret_value()))
    return BatchedIdempotentConsumer(settings.projection_name, TOPICS, projection.handlers(),
                                     max_records=settings.consumer_batch_size, in_transaction=hold_off_switch_over)
