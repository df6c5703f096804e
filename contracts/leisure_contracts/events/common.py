"""Value types shared by several events."""

from enum import StrEnum
from typing import Annotated
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

PostalCode = Annotated[str, Field(pattern=r"^\d{5}$", description="Finnish postal code, five digits")]
RegionCode = Annotated[str, Field(min_length=1, max_length=64, description="Region id, e.g. 'uusimaa'")]
CardNumber = Annotated[
    str, Field(pattern=r"^\d{12}$", description="12-digit card number, the last digit a check digit")
]


class LocalizedText(BaseModel):
    """Text in Finnish, Swedish and English; at least one is given."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    fi: str | None = None
    sv: str | None = None
    en: str | None = None

    @model_validator(mode="after")
    def _at_least_one(self) -> "LocalizedText":
        if not (self.fi or self.sv or self.en):
            raise ValueError("give the text in at least one of Finnish, Swedish or English")
        return self


class OfferCategory(StrEnum):
    CULTURE = "culture"
    SPORT = "sport"
    COURSE = "course"
    WELLBEING = "wellbeing"
    OTHER = "other"


class OfferKind(StrEnum):
    FREE_TICKET = "free_ticket"
    COURSE_PLACE = "course_place"
    FREE_ENTRY = "free_entry"


class VenueKind(StrEnum):
    THEATRE = "theatre"
    MUSEUM = "museum"
    LIBRARY = "library"
    CONCERT_HALL = "concert_hall"
    CINEMA = "cinema"
    SWIMMING_HALL = "swimming_hall"
    GYM = "gym"
    SPORTS_CLUB = "sports_club"
    ADULT_EDUCATION_CENTRE = "adult_education_centre"
    ASSOCIATION = "association"
    OTHER = "other"


class ActivityFormat(StrEnum):
    """How an offer meets in sessions: `group`, an open group (an exercise group, a peer-support
    group) that holders join at any session; `course`, a course whose participants take part
    throughout. An offer without one is a ticket or an entry for one visit."""

    GROUP = "group"
    COURSE = "course"


class OfferSession(BaseModel):
    """One meeting of a group or course offer."""

    model_config = ConfigDict(frozen=True)

    session_id: UUID
    starts_at: AwareDatetime
    ends_at: AwareDatetime | None = None
    places: int | None = Field(default=None, ge=1, description="Places at this session; none: not counted")
