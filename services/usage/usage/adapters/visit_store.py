"""The visit path's SQL: few round trips. A batch of visits locks its offers' quota rows in one
statement, reads everything its decisions need in one statement, and (after the card-visits
streams are appended) writes the visits, the quotas and the cards' standings in one statement."""

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

import asyncpg

from leisure_contracts.events import VisitCancelled
from leisure_contracts.events.cards import RewardRule
from usage.domain.cancellation import RecordedVisit
from usage.domain.views import CardAtVisit, CardStanding, OfferAtVisit, OfferTerms, SessionAtVisit
from usage.domain.visits import Recorded

# A batch of visits takes its offers' quota rows at once, in offer id order: batches and other
# writers that take several offers in the same order cannot deadlock on them. Every read after the
# lock sees the quota as the last writer left it.
_LOCK_OFFERS = """
SELECT offer_id FROM offers WHERE offer_id = ANY($1::uuid[]) ORDER BY offer_id FOR UPDATE
"""

# One row per visit whose offer is known, numbered as given ($1..$7: each visit's offer, time,
# idempotency key, card number, year and session). Several visits of one card or offer read the same rows:
# the caller lets each see the ones before it. A card's uses in the year include those of the
# cards it replaced: a lost card's replacement does not start the yearly limit again.
_CONTEXTS = """
SELECT r.n, o.venue_id, o.venue_kind, o.region, o.category, o.published_at, o.withdrawn_at, o.tickets_taken,
       t.starts_at, t.ends_at, t.max_tickets_per_visit, t.accepted_programmes, t.accepted_regions,
       q.quota, k.request_fingerprint, k.answer::text AS answer,
       c.card_id, c.card_number, c.programme_id, c.distributor_id, c.home_region, c.accepted_regions AS card_regions,
       c.valid_from, v.valid_until, c.children_allowance, c.escort_free, c.yearly_use_limit,
       c.reward_every_visits, c.reward_description, c.revoked_at, c.revocation_reason,
       s.stream_version, s.counted_visits, s.rewards_earned, u.uses,
       x.session_id, x.starts_at AS session_starts_at, x.places AS session_places,
       x.tickets_taken AS session_tickets_taken
FROM unnest($1::uuid[], $2::timestamptz[], $3::text[], $4::text[], $5::date[], $6::date[], $7::uuid[])
    WITH ORDINALITY AS r(offer_id, occurred_at, idempotency_key, card_number, year_starts, year_ends, session_id, n)
JOIN offers o ON o.offer_id = r.offer_id
LEFT JOIN offer_sessions x ON x.offer_id = r.offer_id AND x.session_id = r.session_id AND NOT x.removed
LEFT JOIN LATERAL (SELECT * FROM offer_terms WHERE offer_id = r.offer_id AND effective_at <= r.occurred_at
                   ORDER BY effective_at DESC LIMIT 1) t ON true
LEFT JOIN LATERAL (SELECT quota FROM offer_terms WHERE offer_id = r.offer_id
                   ORDER BY effective_at DESC LIMIT 1) q ON true
LEFT JOIN visits k ON k.venue_id = o.venue_id AND k.idempotency_key = r.idempotency_key
LEFT JOIN cards c ON c.card_number = r.card_number
LEFT JOIN card_standing s ON s.card_id = c.card_id
LEFT JOIN LATERAL (SELECT valid_until FROM card_validity WHERE card_id = c.card_id AND effective_at <= r.occurred_at
                   ORDER BY effective_at DESC LIMIT 1) v ON true
LEFT JOIN LATERAL (SELECT count(*) AS uses FROM visits WHERE card_id = ANY(array_prepend(c.card_id, c.predecessors))
                   AND cancelled_at IS NULL AND occurred_on BETWEEN r.year_starts AND r.year_ends) u ON true
"""

# The visits ($1..$16), the tickets they took per offer ($17..$18), each card's standing after its
# last visit of them ($19..$22), the tickets taken per session ($23..$25).
_SAVE_VISITS = """
WITH visit AS (
    INSERT INTO visits (visit_id, venue_id, idempotency_key, request_fingerprint, card_id, card_number,
                        offer_id, region, category, tickets, occurred_at, occurred_on, recorded_at,
                        recorded_on, answer, session_id)
    SELECT visit_id, venue_id, idempotency_key, request_fingerprint, card_id, card_number, offer_id, region,
           category, tickets, occurred_at, occurred_on, recorded_at, recorded_on, answer::jsonb, session_id
    FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::uuid[], $6::text[], $7::uuid[], $8::text[],
                $9::text[], $10::integer[], $11::timestamptz[], $12::date[], $13::timestamptz[], $14::date[],
                $15::text[], $16::uuid[])
        AS v(visit_id, venue_id, idempotency_key, request_fingerprint, card_id, card_number, offer_id, region,
             category, tickets, occurred_at, occurred_on, recorded_at, recorded_on, answer, session_id)
), places AS (
    UPDATE offers o SET tickets_taken = o.tickets_taken + p.tickets
    FROM unnest($17::uuid[], $18::integer[]) AS p(offer_id, tickets)
    WHERE o.offer_id = p.offer_id
), session_places AS (
    UPDATE offer_sessions x SET tickets_taken = x.tickets_taken + p.tickets
    FROM unnest($23::uuid[], $24::uuid[], $25::integer[]) AS p(offer_id, session_id, tickets)
    WHERE x.offer_id = p.offer_id AND x.session_id = p.session_id
)
INSERT INTO card_standing (card_id, stream_version, counted_visits, rewards_earned)
SELECT * FROM unnest($19::uuid[], $20::integer[], $21::integer[], $22::integer[])
ON CONFLICT (card_id) DO UPDATE SET stream_version = excluded.stream_version,
    counted_visits = excluded.counted_visits, rewards_earned = excluded.rewards_earned
"""

# A cancellation takes the quota row first, as batches of visits do, then the visit's: the other
# way round it could hold the card's new stream version while a batch holding the offer waits for it.
_LOCK_OFFER_OF_VISIT = """
SELECT offer_id FROM offers WHERE offer_id = (SELECT offer_id FROM visits WHERE visit_id = $1) FOR UPDATE
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
), session_places AS (
    UPDATE offer_sessions x SET tickets_taken = x.tickets_taken - $3
    FROM visits v WHERE v.visit_id = $1 AND x.offer_id = v.offer_id AND x.session_id = v.session_id
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


@dataclass(frozen=True)
class VisitAsked:
    """What a visit's context is looked up by."""

    offer_id: UUID
    when: datetime
    key: str
    card_number: str
    year: tuple[date, date]
    session_id: UUID | None = None


@dataclass(frozen=True)
class NewVisit:
    recorded: Recorded
    key: str
    fingerprint: str
    occurred_on: date
    recorded_on: date
    answer: str
    """The answer given, as JSON text."""


async def lock_offers(conn: asyncpg.Connection, offer_ids: Iterable[UUID]) -> None:
    await conn.execute(_LOCK_OFFERS, sorted(set(offer_ids)))


async def load_contexts(conn: asyncpg.Connection, asked: Sequence[VisitAsked]) -> list[VisitContext | None]:
    """What deciding each visit needs, read in one statement after their offers were locked; None for
    a visit whose offer is unknown."""
    rows = await conn.fetch(_CONTEXTS, [a.offer_id for a in asked], [a.when for a in asked],
                            [a.key for a in asked], [a.card_number for a in asked],
                            [a.year[0] for a in asked], [a.year[1] for a in asked], [a.session_id for a in asked])
    contexts: list[VisitContext | None] = [None] * len(asked)
    for r in rows:
        contexts[r["n"] - 1] = _context(asked[r["n"] - 1].offer_id, r)
    return contexts


def _context(offer_id: UUID, r: asyncpg.Record) -> VisitContext:
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
                           r["published_at"], r["withdrawn_at"], terms, r["quota"], r["tickets_taken"],
                           None if r["session_id"] is None else SessionAtVisit(
                               r["session_id"], r["session_starts_at"], r["session_places"],
                               r["session_tickets_taken"])),
        card=card, standing=standing,
        earlier=None if r["answer"] is None else EarlierRequest(r["request_fingerprint"], r["answer"]),
    )


async def save_visits(conn: asyncpg.Connection, new: Sequence[NewVisit]) -> None:
    """The visits, the tickets they took from their offers, and their cards' standings after them."""
    taken: Counter[UUID] = Counter()
    at_sessions: Counter[tuple[UUID, UUID]] = Counter()
    standings: dict[UUID, CardStanding] = {}
    for n in new:
        visit = n.recorded.visit
        taken[visit.offer_id] += visit.tickets
        if visit.session_id is not None:
            at_sessions[visit.offer_id, visit.session_id] += visit.tickets
        standings[visit.card_id] = n.recorded.standing  # the last visit's is the card's
    columns = [list(column) for column in zip(*map(_visit_row, new))]  # unnest takes them column by column
    after = standings.values()
    await conn.execute(_SAVE_VISITS, *columns, list(taken), list(taken.values()), list(standings),
                       [s.stream_version for s in after], [s.counted_visits for s in after],
                       [s.rewards_earned for s in after], [offer for offer, _ in at_sessions],
                       [session for _, session in at_sessions], list(at_sessions.values()))


def _visit_row(n: NewVisit) -> tuple:
    v = n.recorded.visit
    return (v.visit_id, v.venue_id, n.key, n.fingerprint, v.card_id, v.card_number, v.offer_id, v.region,
            v.category.value, v.tickets, v.occurred_at, n.occurred_on, v.recorded_at, n.recorded_on, n.answer,
            v.session_id)


async def lock_offer_of_visit(conn: asyncpg.Connection, visit_id: UUID) -> None:
    await conn.execute(_LOCK_OFFER_OF_VISIT, visit_id)


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
