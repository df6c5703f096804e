"""The visit path's SQL: few round trips, one transaction. Recording a visit is: lock the offer's
quota row, read everything else the decision needs in one statement, append the card-visits
stream, and write the visit, the quota and the card's standing in one statement."""

import json
from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

import asyncpg

from leisure_contracts.events import VisitCancelled
from leisure_contracts.events.cards import RewardRule
from usage.domain.cancellation import RecordedVisit
from usage.domain.views import CardAtVisit, CardStanding, OfferAtVisit, OfferTerms
from usage.domain.visits import Recorded

# Taking the row lock first means every read after it sees the quota as the last writer left it.
_LOCK_OFFER = """
SELECT offer_id, venue_id, venue_kind, region, category, published_at, withdrawn_at, tickets_taken
FROM offers WHERE offer_id = $1 FOR UPDATE
"""

# $1 offer, $2 the visit's time, $3 venue, $4 idempotency key, $5 card number, $6..$7 the visit's year.
_CONTEXT = """
SELECT t.starts_at, t.ends_at, t.max_tickets_per_visit, t.accepted_programmes, t.accepted_regions,
       q.quota, k.request_fingerprint, k.answer::text AS answer,
       c.card_id, c.card_number, c.programme_id, c.distributor_id, c.home_region, c.accepted_regions AS card_regions,
       c.valid_from, v.valid_until, c.children_allowance, c.escort_free, c.yearly_use_limit,
       c.reward_every_visits, c.reward_description, c.revoked_at, c.revocation_reason,
       s.stream_version, s.counted_visits, s.rewards_earned, u.uses
FROM (VALUES (1)) AS one (x)
LEFT JOIN LATERAL (SELECT * FROM offer_terms WHERE offer_id = $1 AND effective_at <= $2
                   ORDER BY effective_at DESC LIMIT 1) t ON true
LEFT JOIN LATERAL (SELECT quota FROM offer_terms WHERE offer_id = $1
                   ORDER BY effective_at DESC LIMIT 1) q ON true
LEFT JOIN visits k ON k.venue_id = $3 AND k.idempotency_key = $4
LEFT JOIN cards c ON c.card_number = $5
LEFT JOIN card_standing s ON s.card_id = c.card_id
LEFT JOIN LATERAL (SELECT valid_until FROM card_validity WHERE card_id = c.card_id AND effective_at <= $2
                   ORDER BY effective_at DESC LIMIT 1) v ON true
LEFT JOIN LATERAL (SELECT count(*) AS uses FROM visits WHERE card_id = c.card_id AND cancelled_at IS NULL
                   AND occurred_on BETWEEN $6 AND $7) u ON true
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
class LockedOffer:
    offer_id: UUID
    venue_id: UUID
    venue_kind: str
    region: str
    category: str
    published_at: datetime
    withdrawn_at: datetime | None
    tickets_taken: int


@dataclass(frozen=True)
class EarlierRequest:
    fingerprint: str
    answer: dict


@dataclass(frozen=True)
class VisitContext:
    offer: OfferAtVisit
    card: CardAtVisit | None
    standing: CardStanding
    earlier: EarlierRequest | None


async def lock_offer(conn: asyncpg.Connection, offer_id: UUID) -> LockedOffer | None:
    row = await conn.fetchrow(_LOCK_OFFER, offer_id)
    return LockedOffer(**row) if row else None


async def load_context(conn: asyncpg.Connection, offer: LockedOffer, *, when: datetime, key: str,
                       card_number: str, year: tuple[date, date]) -> VisitContext:
    r = await conn.fetchrow(_CONTEXT, offer.offer_id, when, offer.venue_id, key, card_number, *year)
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
        offer=OfferAtVisit(offer.offer_id, offer.venue_id, offer.venue_kind, offer.region, offer.category,
                           offer.published_at, offer.withdrawn_at, terms, r["quota"], offer.tickets_taken),
        card=card, standing=standing,
        earlier=None if r["answer"] is None else EarlierRequest(r["request_fingerprint"], json.loads(r["answer"])),
    )


async def save_visit(conn: asyncpg.Connection, recorded: Recorded, *, key: str, fingerprint: str,
                     occurred_on: date, recorded_on: date, answer: dict) -> None:
    visit, after = recorded.visit, recorded.standing
    await conn.execute(
        _SAVE_VISIT, visit.visit_id, visit.venue_id, key, fingerprint, visit.card_id, visit.card_number,
        visit.offer_id, visit.region, visit.category.value, visit.tickets, visit.occurred_at, occurred_on,
        visit.recorded_at, recorded_on, json.dumps(answer), after.stream_version, after.counted_visits,
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
