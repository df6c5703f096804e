"""What figures can be broken down by."""

from enum import StrEnum


class HolderDimension(StrEnum):
    """Of a holder, as recorded when the card was issued."""

    region = "region"
    programme = "programme"
    age_band = "age_band"
    gender = "gender"
    mother_tongue = "mother_tongue"
    life_situation = "life_situation"
    postal_code = "postal_code"
    distributor_kind = "distributor_kind"


class Background(StrEnum):
    """The holder's background, for cross-tabulation."""

    age_band = "age_band"
    gender = "gender"
    mother_tongue = "mother_tongue"
    life_situation = "life_situation"
    postal_code = "postal_code"
    distributor_kind = "distributor_kind"


class UseDimension(StrEnum):
    """Of a use: where, what, when. `region` is the venue's, `card_region` the card's home region."""

    region = "region"
    card_region = "card_region"
    programme = "programme"
    municipality = "municipality"
    venue = "venue"
    venue_kind = "venue_kind"
    category = "category"
    month = "month"
    weekday = "weekday"


class OfferSide(StrEnum):
    """What a cross-tabulation puts in its columns."""

    category = "category"
    venue_kind = "venue_kind"


class QuotaBy(StrEnum):
    offer = "offer"
    category = "category"


class RewardsBy(StrEnum):
    programme = "programme"
    region = "region"


class CrossTabMeasure(StrEnum):
    uses = "uses"
    users = "users"


class UsersBy(StrEnum):
    """Where holders used their cards: a holder who used several counts in each."""

    municipality = "municipality"
    region = "region"
    venue_kind = "venue_kind"
    category = "category"
    programme = "programme"


USES_PER_CARD_BANDS = ((0, 0), (1, 1), (2, 4), (5, 9), (10, 19), (20, None))
"""Uses of one card in the period: bands of (least, most), None for no upper end."""
DAYS_TO_FIRST_USE_BANDS = ((0, 7), (8, 30), (31, 90), (91, 180), (181, None))
NOT_USED = "not_used"


def band_name(least: int, most: int | None) -> str:
    if most is None:
        return f"{least}+"
    return str(least) if least == most else f"{least}-{most}"


UNKNOWN = "unknown"
OTHER_POSTAL_CODES = "other"
