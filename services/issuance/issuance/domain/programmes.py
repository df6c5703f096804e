"""Programmes and distributors: decided from commands, rebuilt from their events."""

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from leisure_contracts.events import DistributorRegistered, ProgrammeDefined
from leisure_contracts.events.cards import DistributorKind, RewardRule
from leisure_contracts.events.common import LocalizedText, RegionCode
from leisure_runtime.errors import AlreadyExists


class DefineProgramme(BaseModel):
    model_config = ConfigDict(extra="forbid")

    programme_id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{1,62}$", examples=["espoo-culture-card"])
    name: LocalizedText
    home_region: RegionCode | None = None
    minimum_age: int = Field(default=0, ge=0, le=120)
    eligibility_criteria: list[str] = Field(default_factory=list)
    validity_months: int = Field(default=12, ge=1, le=60)
    children_allowance: int = Field(default=0, ge=0, le=20)
    escort_free: bool = False
    accepted_in_all_regions: bool = True
    participating_regions: list[RegionCode]
    yearly_use_limit: int | None = Field(default=None, ge=1)
    reward_rule: RewardRule | None = None


class RegisterDistributor(BaseModel):
    model_config = ConfigDict(extra="forbid")

    distributor_id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{1,62}$", examples=["espoo-social-office"])
    name: LocalizedText
    kind: DistributorKind
    region: RegionCode


def define_programme(existing: ProgrammeDefined | None, command: DefineProgramme, now: datetime) -> ProgrammeDefined:
    if existing is not None:
        raise AlreadyExists("programme_exists", f"programme {command.programme_id!r} is already defined")
    return ProgrammeDefined(**command.model_dump(), defined_at=now)


def register_distributor(
    existing: DistributorRegistered | None, command: RegisterDistributor, now: datetime
) -> DistributorRegistered:
    if existing is not None:
        raise AlreadyExists("distributor_exists", f"distributor {command.distributor_id!r} is already registered")
    return DistributorRegistered(**command.model_dump(), registered_at=now)
