"""The visit path's SQL: few round trips. A batch of visits locks its offers' quota rows in one
statement; then each visit reads everything its decision needs in one statement, appends the
card-visits stream, and writes the visit, the quota and the card's standing in one statement."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

import asyncpg

from leisure_contracts.events import VisitCancelled
from leisure_contracts.events.cards import RewardRule
from usage.domain.cancellation import RecordedVisit
from usage.domain.views import CardAtVisit, CardStanding, OfferAtVisit, OfferTerms
from usage.domain.visits import Recorded

# A batch of visits takes its offers' quota rows at once, in offer id order: batches and other
# writers that take several offers in the same order cannot deadlock on them. Every read after the
# lock sees the quota as the last writer left it.
_LOCK_OFFERS = """
SELECT offer_id FROM offers WHERE offer_id = ANY($1::uuid[]) ORDER BY offer_id FOR UPDATE
"""

# $1 offer, $2 the visit's time, $3 idempotency key, $4 card number, $5..$6 the visit's year.
# No row if the offer is unknown.
_CONTEXT = """
SELECT o.venue_id, o.venue_kind, o.region, o.category, o.published_at, o.withdrawn_at, o.tickets_taken,
       t.starts_at, t.ends_at, t.max_tickets_per_visit, t.accepted_programmes, t.accepted_regions,
       q.quota, k.request_fingerprint, k.answer::text AS answer,
       c.card_id, c.card_number, c.programme_id, c.distributor_id, c.home_region, c.accepted_regions AS card_regions,
       c.valid_from, v.valid_until, c.children_allowance, c.escort_free, c.yearly_use_limit,
       c.reward_every_visits, c.reward_description, c.revoked_at, c.revocation_reason,
       s.stream_version, s.counted_visits, s.rewards_earned, u.uses
FROM offers o
LEFT JOIN LATERAL (SELECT * FROM offer_terms WHERE offer_id = $1 AND effective_at <= $2
                   ORDER BY effective_at DESC LIMIT 1) t ON true
LEFT JOIN LATERAL (SELECT quota FROM offer_terms WHERE offer_id = $1
                   ORDER BY effective_at DESC LIMIT 1) q ON true
LEFT JOIN visits k ON k.venue_id = o.venue_id AND k.idempotency_key = $3
LEFT JOIN cards c ON c.card_number = $4
LEFT JOIN card_standing s ON s.card_id = c.card_id
LEFT JOIN LATERAL (SELECT valid_until FROM card_validity WHERE card_id = c.card_id AND effective_at <= $2
                   ORDER BY effective_at DESC LIMIT 1) v ON true
LEFT JOIN LATERAL (SELECT count(*) AS uses FROM visits WHERE card_id = c.card_id AND cancelled_at IS NULL
                   AND occurred_on BETWEEN $5 AND $6) u ON true
WHERE o.offer_id = $1
"""

_SAVE_VISIT = """
WITH visit AS (
    INSERT INTO visits (visit_id, venue_id, idempotency_key, request_fingerprint, card_id, card_number,
                        offer_id, region, category, tickets, occurred_at, occurred_on, recorded_at,
                        recorded_on, answer)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15::jsonb)
), places AS (
    UPDATE offers SET tickets_taken = tickets_taken + $10 WHERE offer_id = $7
)
INSERT INTO card_standing (card_id, stream_version, counted_visits, rewards_earned)
VALUES ($5, $16, $17, $18)
ON CONFLICT (card_id) DO UPDATE SET stream_version = excluded.stream_version,
    counted_visits = excluded.counted_visits, rewards_earned = excluded.rewards_earned
"""

_LOCK_VISIT = """
SELECT v.visit_id, v.card_id, v.offer_id, v.venue_id, v.region, v.tickets, v.occurred_at, v.recorded_on,
       v.cancelled_at, s.stream_version, s.counted_visits, s.rewards_earned
FROM visits v JOIN card_standing s USING (card_id)
WHERE v.visit_id = $1 FOR UPDATE OF v
"""

_SAVE_CANCELLATION = """
WITH visit AS (
    UPDATE visits SET cancelled_at = $2 WHERE visit_id = $1
), places AS (
    UPDATE offers SET tickets_taken = tickets_taken - $3 WHERE offer_id = $4
)
UPDATE card_standing SET stream_version = $6, counted_visits = $7 WHERE card_id = $5
"""


@dataclass(frozen=True)
class EarlierRequest:
    fingerprint: str
    answer: str
    """The answer given then, as JSON text: replayed as it is."""


@dataclass(frozen=True)
class VisitContext:
    offer: OfferAtVisit
    card: CardAtVisit | None
    standing: CardStanding
    earlier: EarlierRequest | None


async def lock_offers(conn: asyncpg.Connection, offer_ids: Iterable[UUID]) -> None:
    await conn.execute(_LOCK_OFFERS, sorted(set(offer_ids)))


async def load_context(conn: asyncpg.Connection, offer_id: UUID, *, when: datetime, key: str,
                       card_number: str, year: tuple[date, date]) -> VisitContext | None:
    """What deciding a visit needs, read after its offer was locked; None if the offer is unknown."""
    r = await conn.fetchrow(_CONTEXT, offer_id, when, key, card_number, *year)
    if r is None:
        return None
    terms = None if r["max_tickets_per_visit"] is None else OfferTerms(
        r["starts_at"], r["ends_at"], r["max_tickets_per_visit"], tuple(r["accepted_programmes"]),
        tuple(r["accepted_regions"]))
    card = None if r["card_id"] is None else CardAtVisit(
        card_id=r["card_id"], card_number=r["card_number"], programme_id=r["programme_id"],
        distributor_id=r["distributor_id"], home_region=r["home_region"],
        accepted_regions=tuple(r["card_regions"]), valid_from=r["valid_from"], valid_until=r["valid_until"],
        children_allowance=r["children_allowance"], escort_free=r["escort_free"],
        yearly_use_limit=r["yearly_use_limit"],
        reward_rule=None if r["reward_every_visits"] is None else RewardRule(
            every_visits=r["reward_every_visits"], description=r["reward_description"]),
        revoked_at=r["revoked_at"], revocation_reason=r["revocation_reason"],
    )
    # A card without visits yet has no standing row: it starts from zero.
    standing = CardStanding(r["stream_version"] or 0, r["counted_visits"] or 0, r["rewards_earned"] or 0,
                            r["uses"] or 0)
    return VisitContext(
        offer=OfferAtVisit(offer_id, r["venue_id"], r["venue_kind"], r["region"], r["category"],
                           r["published_at"], r["withdrawn_at"], terms, r["quota"], r["tickets_taken"]),
        card=card, standing=standing,
        earlier=None if r["answer"] is None else EarlierRequest(r["request_fingerprint"], r["answer"]),
    )


async def save_visit(conn: asyncpg.Connection, recorded: Recorded, *, key: str, fingerprint: str,
                     occurred_on: date, recorded_on: date, answer: str) -> None:
    """`answer`: the answer given, as JSON text."""
    visit, after = recorded.visit, recorded.standing
    await conn.execute(
        _SAVE_VISIT, visit.visit_id, visit.venue_id, key, fingerprint, visit.card_id, visit.card_number,
        visit.offer_id, visit.region, visit.category.value, visit.tickets, visit.occurred_at, occurred_on,
        visit.recorded_at, recorded_on, answer, after.stream_version, after.counted_visits,
        after.rewards_earned,
    )


async def lock_visit(conn: asyncpg.Connection, visit_id: UUID) -> tuple[RecordedVisit, str, CardStanding] | None:
    """The visit (locked), its venue's region and its card's standing."""
    r = await conn.fetchrow(_LOCK_VISIT, visit_id)
    if r is None:
        return None
    visit = RecordedVisit(r["visit_id"], r["card_id"], r["offer_id"], r["venue_id"], r["tickets"],
                          r["occurred_at"], r["recorded_on"], r["cancelled_at"])
    return visit, r["region"], CardStanding(r["stream_version"], r["counted_visits"], r["rewards_earned"])


async def save_cancellation(conn: asyncpg.Connection, cancelled: VisitCancelled, after: CardStanding) -> None:
    await conn.execute(_SAVE_CANCELLATION, cancelled.visit_id, cancelled.cancelled_at, cancelled.tickets,
                       cancelled.offer_id, cancelled.card_id, after.stream_version, after.counted_visits)
