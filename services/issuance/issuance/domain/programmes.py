"""Programmes and distributors: decided from commands, rebuilt from their events."""

from collections.abc import Sequence
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from leisure_contracts.base import Event
from leisure_contracts.events import DistributorRegistered, ProgrammeDefined, ProgrammeUpdated
from leisure_contracts.events.cards import DistributorKind, RewardRule
from leisure_contracts.events.common import RegionCode
from leisure_runtime.errors import AlreadyExists, Rejected
from leisure_runtime.request_types import MAX_LIST_ITEMS, STATEMENT_LENGTH, LocalizedName

_ID = r"^[a-z0-9][a-z0-9-]{1,62}$"
Criterion = Annotated[str, Field(min_length=1, max_length=STATEMENT_LENGTH)]


class ProgrammeTerms(BaseModel):
    """What a coordinator decides about a programme; the three models of DESIGN.md all fit."""

    model_config = ConfigDict(extra="forbid")

    name: LocalizedName
    minimum_age: int = Field(default=0, ge=0, le=120, description="The sport wristband model: 18")
    maximum_age: int | None = Field(
        default=None, ge=0, le=120,
        description="The oldest age admitted, inclusive (a youth card for 13–29: 29); none: no upper limit")
    eligibility_criteria: list[Criterion] = Field(
        default_factory=list, max_length=MAX_LIST_ITEMS, description="Short statements the worker confirms, e.g. 'receives basic social assistance'"
    )
    validity_months: int = Field(default=12, ge=1, le=60)
    children_allowance: int = Field(default=0, ge=0, le=20, description="Children under 16 who may come along")
    escort_free: bool = Field(default=False, description="An escort of a holder with a disability goes free")
    accepted_in_all_regions: bool = Field(default=True, description="False: accepted in the home region only")
    participating_regions: list[RegionCode] = Field(max_length=MAX_LIST_ITEMS)
    yearly_use_limit: int | None = Field(default=None, ge=1, description="Uses per card per calendar year")
    reward_rule: RewardRule | None = Field(default=None, description="The activity pass model: every 20 visits…")


class DefineProgramme(ProgrammeTerms):
    programme_id: str = Field(pattern=_ID, examples=["espoo-culture-card"])
    home_region: RegionCode | None = Field(default=None, description="None: a national programme")


class UpdateProgramme(ProgrammeTerms):
    """The programme's terms in full, e.g. for the next season; its id and home region stay."""


class RegisterDistributor(BaseModel):
    model_config = ConfigDict(extra="forbid")

    distributor_id: str = Field(pattern=_ID, examples=["espoo-social-office"])
    name: LocalizedName = Field(description="The organisation's name, never a person's")
    kind: DistributorKind
    region: RegionCode


def programme(events: Sequence[Event]) -> ProgrammeDefined | None:
    """The programme as it stands: its definition with the latest terms."""
    if not events:
        return None
    defined, *updates = events
    for update in updates:
        defined = ProgrammeDefined.model_validate({**defined.model_dump(), **update.model_dump(exclude={"updated_at"})})
    return defined


def define_programme(existing: ProgrammeDefined | None, command: DefineProgramme, now: datetime) -> ProgrammeDefined:
    if existing is not None:
        raise AlreadyExists("programme_exists", f"programme {command.programme_id!r} is already defined")
    _check_age_range(command)
    return ProgrammeDefined(**command.model_dump(), defined_at=now)


def update_programme(existing: ProgrammeDefined, command: UpdateProgramme, now: datetime) -> ProgrammeUpdated:
    _check_age_range(command)
    return ProgrammeUpdated(programme_id=existing.programme_id, **command.model_dump(), updated_at=now)


def register_distributor(
    existing: DistributorRegistered | None, command: RegisterDistributor, now: datetime
) -> DistributorRegistered:
    if existing is not None:
        raise AlreadyExists("distributor_exists", f"distributor {command.distributor_id!r} is already registered")
    return DistributorRegistered(**command.model_dump(), registered_at=now)


def _check_age_range(terms: ProgrammeTerms) -> None:
    if terms.maximum_age is not None and terms.maximum_age < terms.minimum_age:
        raise Rejected("invalid_age_range",
                       f"maximum_age {terms.maximum_age} is below minimum_age {terms.minimum_age}; give a maximum "
                       "of at least the minimum, or leave maximum_age out for no upper limit")
