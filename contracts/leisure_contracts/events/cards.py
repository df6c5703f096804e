"""Card events, emitted by issuance. A card's state is its events; expiry is a fact of time
(`valid_until`), never an event."""

from datetime import date
from enum import StrEnum
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from leisure_contracts.base import Event
from leisure_contracts.events.common import CardNumber, PostalCode, RegionCode
from leisure_contracts.topics import Topic


class AgeBand(StrEnum):
    UNDER_18 = "under_18"
    AGE_18_24 = "18_24"
    AGE_25_34 = "25_34"
    AGE_35_44 = "35_44"
    AGE_45_54 = "45_54"
    AGE_55_64 = "55_64"
    AGE_65_74 = "65_74"
    AGE_75_PLUS = "75_plus"


class Gender(StrEnum):
    FEMALE = "female"
    MALE = "male"
    OTHER = "other"
    NOT_TOLD = "not_told"


class MotherTongue(StrEnum):
    FINNISH = "finnish"
    SWEDISH = "swedish"
    SAMI = "sami"
    RUSSIAN = "russian"
    ESTONIAN = "estonian"
    ARABIC = "arabic"
    SOMALI = "somali"
    ENGLISH = "english"
    OTHER = "other"
    NOT_TOLD = "not_told"


class LifeSituation(StrEnum):
    EMPLOYED = "employed"
    UNEMPLOYED = "unemployed"
    STUDENT = "student"
    RETIRED = "retired"
    FAMILY_LEAVE = "family_leave"
    OTHER = "other"
    NOT_TOLD = "not_told"


class DistributorKind(StrEnum):
    SOCIAL_OFFICE = "social_office"
    YOUTH_OUTREACH = "youth_outreach"
    MENTAL_HEALTH_SERVICE = "mental_health_service"
    FAMILY_WORK = "family_work"
    UNEMPLOYED_HEALTH_CHECK = "unemployed_health_check"
    ASSOCIATION = "association"
    OTHER = "other"


class RevocationReason(StrEnum):
    LOST = "lost"
    HOLDER_REQUEST = "holder_request"
    NO_LONGER_ELIGIBLE = "no_longer_eligible"
    MISUSE = "misuse"


class HolderBackground(BaseModel):
    """What the worker records of the holder for statistics: never anything that identifies them."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    age_band: AgeBand
    gender: Gender
    mother_tongue: MotherTongue
    life_situation: LifeSituation
    postal_code: PostalCode
    children_under_16: int = Field(ge=0, le=20)


class RewardRule(BaseModel):
    """The activity-pass model: every `every_visits` counted visits earn the reward."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    every_visits: int = Field(ge=1)
    description: str = Field(min_length=1, max_length=200)


class CardIssued(Event):
    """A card was handed to a holder. Carries all that usage and stats need to judge and count the
    card without asking issuance."""

    event_name = "card.issued"
    event_topic = Topic.CARDS
    key_field = "card_id"

    card_id: UUID
    card_number: CardNumber
    programme_id: str
    distributor_id: str
    distributor_kind: DistributorKind
    home_region: RegionCode
    accepted_regions: list[RegionCode] = Field(
        description="Regions where the card is accepted; the home region is always among them"
    )
    valid_from: date
    valid_until: date = Field(description="Last day the card is valid")
    children_allowance: int = Field(ge=0, description="Children under 16 who may accompany the holder")
    escort_free: bool = Field(description="Whether an escort of a holder with a disability goes free")
    yearly_use_limit: int | None = Field(default=None, ge=1)
    reward_rule: RewardRule | None = None
    background: HolderBackground
    replaces_card_id: UUID | None = None
    issued_at: AwareDatetime


class CardRenewed(Event):
    event_name = "card.renewed"
    event_topic = Topic.CARDS
    key_field = "card_id"

    card_id: UUID
    card_number: CardNumber
    valid_until: date = Field(description="The new last day of validity")
    renewed_at: AwareDatetime


class CardRevoked(Event):
    event_name = "card.revoked"
    event_topic = Topic.CARDS
    key_field = "card_id"

    card_id: UUID
    card_number: CardNumber
    reason: RevocationReason
    replaced_by_card_id: UUID | None = None
    revoked_at: AwareDatetime
