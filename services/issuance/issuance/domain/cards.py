"""Issuing a card: the holder's background becomes statistics, never identity."""

from datetime import date, datetime, timedelta
from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from leisure_contracts.events import CardIssued, DistributorRegistered, ProgrammeDefined
from leisure_contracts.events.programmes import ProgrammeTerms
from leisure_contracts.events.cards import AgeBand, Gender, HolderBackground, LifeSituation, MotherTongue
from issuance.domain.dates import add_months, finnish_day
from leisure_runtime.errors import Rejected
from leisure_runtime.request_types import MAX_LIST_ITEMS, STATEMENT_LENGTH, PostalCode

_AGE_BANDS = ((18, AgeBand.UNDER_18), (25, AgeBand.AGE_18_24), (35, AgeBand.AGE_25_34),
              (45, AgeBand.AGE_35_44), (55, AgeBand.AGE_45_54), (65, AgeBand.AGE_55_64),
              (75, AgeBand.AGE_65_74))
PAPER_ENTRY_LIMIT = timedelta(days=30)
"""How long after handing over a card issued on paper it can still be entered from its own day."""


class BackgroundAsTold(BaseModel):
    """The background as the worker records it; only the age band of `age` is kept."""

    model_config = ConfigDict(extra="forbid")

    age: int = Field(ge=0, le=120, description="Years; stored only as an age band")
    gender: Gender
    mother_tongue: MotherTongue
    life_situation: LifeSituation
    postal_code: PostalCode
    children_under_16: int = Field(default=0, ge=0, le=20)


class IssueCard(BaseModel):
    model_config = ConfigDict(extra="forbid")

    programme_id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{1,62}$")
    criteria_confirmed: list[Annotated[str, Field(max_length=STATEMENT_LENGTH)]] = Field(
        default_factory=list, max_length=MAX_LIST_ITEMS, description="The programme's eligibility criteria the worker confirmed, word for word"
    )
    background: BackgroundAsTold
    issued_on: date | None = Field(
        default=None,
        description=f"The day the card was handed over, when a card issued on paper is entered later: up to "
                    f"{PAPER_ENTRY_LIMIT.days} days back, never in the future (a Finnish calendar day). "
                    "Validity counts from it; leave it out for a card handed over today.")


def age_range(programme: ProgrammeTerms) -> str:
    """The programme's ages as a worker would say them."""
    if programme.maximum_age is None:
        return f"{programme.minimum_age} or over"
    if programme.minimum_age == 0:
        return f"{programme.maximum_age} or under"
    return f"{programme.minimum_age} to {programme.maximum_age}"


def check_age(programme: ProgrammeTerms, age: int) -> None:
    """Both ends of the range are admitted: a youth card for 13 to 29 takes a 29-year-old."""
    if age < programme.minimum_age:
        raise Rejected("below_minimum_age", f"the programme is for people aged {age_range(programme)}")
    if programme.maximum_age is not None and age > programme.maximum_age:
        raise Rejected("above_maximum_age", f"the programme is for people aged {age_range(programme)}")


def age_band(age: int) -> AgeBand:
    return next((band for limit, band in _AGE_BANDS if age < limit), AgeBand.AGE_75_PLUS)


def issue_card(
    programme: ProgrammeDefined,
    distributor: DistributorRegistered,
    command: IssueCard,
    *,
    card_id: UUID,
    card_number: str,
    now: datetime,
) -> CardIssued:
    told = command.background
    check_age(programme, told.age)
    unconfirmed = [c for c in programme.eligibility_criteria if c not in command.criteria_confirmed]
    if unconfirmed:
        raise Rejected("criteria_not_confirmed",
                       "confirm every eligibility criterion of the programme: " + "; ".join(unconfirmed))
    # Free text that is not one of the criteria is never kept, and not repeated back: it may be personal.
    unknown = [str(i) for i, c in enumerate(command.criteria_confirmed) if c not in programme.eligibility_criteria]
    if unknown:
        raise Rejected("unknown_criterion",
                       f"criteria_confirmed[{', '.join(unknown)}] is not a criterion of programme "
                       f"{programme.programme_id!r}; confirm only its criteria, word for word: "
                       + "; ".join(programme.eligibility_criteria))
    home_region = distributor.region
    accepted = sorted(set(programme.participating_regions) | {home_region}) \
        if programme.accepted_in_all_regions else [home_region]
    valid_from = _first_valid_day(command.issued_on, finnish_day(now))
    return CardIssued(
        card_id=card_id,
        card_number=card_number,
        programme_id=programme.programme_id,
        distributor_id=distributor.distributor_id,
        distributor_kind=distributor.kind,
        home_region=home_region,
        accepted_regions=accepted,
        valid_from=valid_from,
        valid_until=add_months(valid_from, programme.validity_months) - timedelta(days=1),
        children_allowance=programme.children_allowance,
        escort_free=programme.escort_free,
        yearly_use_limit=programme.yearly_use_limit,
        reward_rule=programme.reward_rule,
        background=HolderBackground(
            age_band=age_band(told.age), gender=told.gender, mother_tongue=told.mother_tongue,
            life_situation=told.life_situation, postal_code=told.postal_code,
            children_under_16=told.children_under_16,
        ),
        issued_at=now,
    )


def _first_valid_day(issued_on: date | None, today: date) -> date:
    """Today, or the day a card issued on paper was handed over, within the entry limit."""
    if issued_on is None:
        return today
    if issued_on > today:
        raise Rejected("issued_on_in_future",
                       f"the card cannot have been handed over on {issued_on.isoformat()}: that is after today, "
                       f"{today.isoformat()} in Finland; give the day it was handed over, or leave issued_on out "
                       "for a card handed over today")
    if issued_on < today - PAPER_ENTRY_LIMIT:
        raise Rejected("issued_on_too_old",
                       f"a card issued on paper can be entered up to {PAPER_ENTRY_LIMIT.days} days after it was "
                       f"handed over, and {issued_on.isoformat()} is further back; leave issued_on out to issue "
                       "the card from today")
    return issued_on
