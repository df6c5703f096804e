"""Programme and distributor events, emitted by issuance."""

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from leisure_contracts.base import Event
from leisure_contracts.events.cards import DistributorKind, RewardRule
from leisure_contracts.events.common import LocalizedText, RegionCode
from leisure_contracts.topics import Topic


class ProgrammeTerms(BaseModel):
    """The rules a programme's cards carry; defined once, changed in full by an update."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    name: LocalizedText
    minimum_age: int = Field(ge=0, le=120)
    maximum_age: int | None = Field(
        default=None, ge=0, le=120, description="The oldest age admitted, inclusive; none: no upper limit")
    eligibility_criteria: list[str] = Field(description="Statements the worker confirms; no documents asked")
    validity_months: int = Field(ge=1, le=60)
    children_allowance: int = Field(ge=0, le=20)
    escort_free: bool
    accepted_in_all_regions: bool = Field(description="False: the card is accepted in its home region only")
    participating_regions: list[RegionCode]
    yearly_use_limit: int | None = Field(default=None, ge=1)
    reward_rule: RewardRule | None = None


class ProgrammeDefined(Event, ProgrammeTerms):
    """A coordinator set up a programme: a culture card, a sport wristband, an activity pass."""

    event_name = "programme.defined"
    event_topic = Topic.PROGRAMMES
    key_field = "programme_id"

    programme_id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{1,62}$")
    home_region: RegionCode | None = Field(description="The region that runs it; none for a national programme")
    defined_at: AwareDatetime


class DistributorRegistered(Event):
    """An organisation that hands out cards joined a region's network."""

    event_name = "distributor.registered"
    event_topic = Topic.PROGRAMMES
    key_field = "distributor_id"

    distributor_id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{1,62}$")
    name: LocalizedText = Field(description="The organisation's name, never a person's")
    kind: DistributorKind
    region: RegionCode
    registered_at: AwareDatetime


class ProgrammeUpdated(Event, ProgrammeTerms):
    """A coordinator changed a programme's terms (e.g. the next season). Carries the terms in full;
    cards already issued keep the terms they were issued with, renewals use the new validity."""

    event_name = "programme.updated"
    event_topic = Topic.PROGRAMMES
    key_field = "programme_id"

    programme_id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{1,62}$")
    updated_at: AwareDatetime
