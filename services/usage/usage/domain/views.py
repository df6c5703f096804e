"""What usage knows of a card and an offer, as they were when a visit happened, and of the card's
own visits so far. Built by the adapters from the read models; the decisions only read them."""

from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

from leisure_contracts.events.cards import RewardRule


@dataclass(frozen=True)
class CardAtVisit:
    card_id: UUID
    card_number: str
    programme_id: str
    distributor_id: str
    home_region: str
    accepted_regions: tuple[str, ...]
    valid_from: date
    valid_until: date
    """The last valid day as it stood when the visit happened (a later renewal does not count)."""
    children_allowance: int
    escort_free: bool
    yearly_use_limit: int | None
    reward_rule: RewardRule | None
    revoked_at: datetime | None
    revocation_reason: str | None


@dataclass(frozen=True)
class OfferTerms:
    """An offer's terms from one OfferPublished or OfferUpdated on."""

    starts_at: datetime | None
    ends_at: datetime | None
    max_tickets_per_visit: int
    accepted_programmes: tuple[str, ...]
    accepted_regions: tuple[str, ...]


@dataclass(frozen=True)
class SessionAtVisit:
    """The session of a group or course a visit names, with the tickets taken at it so far."""

    session_id: UUID
    starts_at: datetime
    places: int | None
    tickets_taken: int

    @property
    def places_left(self) -> int | None:
        return None if self.places is None else max(0, self.places - self.tickets_taken)


@dataclass(frozen=True)
class OfferAtVisit:
    offer_id: UUID
    venue_id: UUID
    venue_kind: str
    region: str
    category: str
    published_at: datetime
    withdrawn_at: datetime | None
    terms: OfferTerms
    """The terms in force when the visit happened: the first publication's from the beginning, each
    update's from its time."""
    quota: int | None
    """The quota now: places are a present resource, whenever the visit happened."""
    tickets_taken: int
    session: SessionAtVisit | None = None
    """The session the visit names, if the offer has it (and has not dropped it)."""

    @property
    def places_left(self) -> int | None:
        return None if self.quota is None else max(0, self.quota - self.tickets_taken)


@dataclass(frozen=True)
class CardStanding:
    """The card's visits so far: the card-visits stream's version and what it adds up to."""

    stream_version: int = 0
    counted_visits: int = 0
    """Visits recorded and not cancelled."""
    rewards_earned: int = 0
    uses_in_visit_year: int = 0
    """Counted visits in the calendar year of the visit being judged."""
