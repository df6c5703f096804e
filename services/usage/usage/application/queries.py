"""The read side: a card's visits and reward progress for its distributor and the coordinators of
its region; a venue's visits of a day and an offer's places for the venue's staff and coordinators."""

from datetime import date, datetime
from uuid import UUID

from pydantic import BaseModel, Field

from leisure_runtime.auth import Principal
from leisure_runtime.errors import NotFound
from usage.application.context import Usage
from usage.domain import rewards
from usage.domain.views import CardStanding


class CardVisit(BaseModel):
    visit_id: UUID
    offer_id: UUID
    venue_id: UUID
    region: str
    category: str
    tickets: int
    occurred_at: datetime
    recorded_at: datetime
    cancelled_at: datetime | None


class VenueVisit(BaseModel):
    visit_id: UUID
    offer_id: UUID
    card_number_end: str
    """The last four digits: enough to find a visit to cancel, not the whole number."""
    tickets: int
    occurred_at: datetime
    recorded_at: datetime
    cancelled_at: datetime | None


class RewardProgress(BaseModel):
    card_id: UUID
    programme_id: str
    reward: str | None
    every_visits: int | None
    counted_visits: int
    rewards_earned: int
    visits_to_next_reward: int | None


class SessionPlaces(BaseModel):
    session_id: UUID
    starts_at: datetime
    places: int | None
    tickets_taken: int
    places_left: int | None


class OfferPlaces(BaseModel):
    offer_id: UUID
    quota: int | None
    tickets_taken: int
    places_left: int | None
    sessions: list[SessionPlaces] = Field(default_factory=list, description="A group's or course's sessions, "
                                                                            "in order of time")


async def _card(usage: Usage, card_id: UUID, principal: Principal, action: str):
    card = await usage.pool.fetchrow(
        """SELECT c.card_id, c.programme_id, c.distributor_id, c.home_region, c.reward_every_visits,
                  c.reward_description, s.counted_visits, s.rewards_earned
           FROM cards c LEFT JOIN card_standing s USING (card_id) WHERE c.card_id = $1""", card_id)
    if card is None:
        raise NotFound("card_unknown", f"no card {card_id} is known here; if it was issued just now, "
                                       "try again in a few seconds")
    principal.require_organisation(card["distributor_id"], card["home_region"], action=action)
    return card


async def card_visits(usage: Usage, card_id: UUID, principal: Principal) -> list[CardVisit]:
    await _card(usage, card_id, principal, "read this card's visits")
    rows = await usage.pool.fetch(
        """SELECT visit_id, offer_id, venue_id, region, category, tickets, occurred_at, recorded_at, cancelled_at
           FROM visits WHERE card_id = $1 ORDER BY occurred_at, recorded_at""", card_id)
    return [CardVisit(**row) for row in rows]


async def reward_progress(usage: Usage, card_id: UUID, principal: Principal) -> RewardProgress:
    card = await _card(usage, card_id, principal, "read this card's reward progress")
    standing = CardStanding(counted_visits=card["counted_visits"] or 0, rewards_earned=card["rewards_earned"] or 0)
    every, description = card["reward_every_visits"], card["reward_description"]
    to_next = None if every is None else rewards.progress(every, description, standing).visits_to_next_reward
    return RewardProgress(card_id=card_id, programme_id=card["programme_id"], reward=description,
                          every_visits=every, counted_visits=standing.counted_visits,
                          rewards_earned=standing.rewards_earned, visits_to_next_reward=to_next)


async def venue_visits(usage: Usage, venue_id: UUID, day: date, principal: Principal) -> list[VenueVisit]:
    region = await usage.pool.fetchval("SELECT region FROM offers WHERE venue_id = $1 LIMIT 1", venue_id)
    principal.require_venue(venue_id, region, action="read visits")
    rows = await usage.pool.fetch(
        """SELECT visit_id, offer_id, right(card_number, 4) AS card_number_end, tickets, occurred_at,
                  recorded_at, cancelled_at
           FROM visits WHERE venue_id = $1 AND occurred_on = $2 ORDER BY occurred_at""", venue_id, day)
    return [VenueVisit(**row) for row in rows]


async def offer_places(usage: Usage, offer_id: UUID, principal: Principal) -> OfferPlaces:
    offer = await usage.pool.fetchrow(
        """SELECT o.venue_id, o.region, o.tickets_taken,
                  (SELECT quota FROM offer_terms t WHERE t.offer_id = o.offer_id
                   ORDER BY effective_at DESC LIMIT 1) AS quota
           FROM offers o WHERE o.offer_id = $1""", offer_id)
    if offer is None:
        raise NotFound("offer_unknown", f"no offer {offer_id} is known here; if it was published just now, "
                                        "try again in a few seconds")
    principal.require_venue(offer["venue_id"], offer["region"], action="read this offer's places")
    quota, taken = offer["quota"], offer["tickets_taken"]
    sessions = await usage.pool.fetch(
        """SELECT session_id, starts_at, places, tickets_taken FROM offer_sessions
           WHERE offer_id = $1 AND NOT removed ORDER BY starts_at, session_id""", offer_id)
    return OfferPlaces(offer_id=offer_id, quota=quota, tickets_taken=taken,
                       places_left=None if quota is None else max(0, quota - taken),
                       sessions=[SessionPlaces(**row, places_left=None if row["places"] is None
                                               else max(0, row["places"] - row["tickets_taken"]))
                                 for row in sessions])
