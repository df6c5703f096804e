"""The words the forms offer: the contracts' own enumerations, so the console never drifts from
what the services accept."""

from enum import StrEnum

from leisure_contracts.events.cards import DistributorKind, Gender, LifeSituation, MotherTongue, RevocationReason
from leisure_contracts.events.common import OfferCategory, OfferKind, VenueKind

VOCABULARY: dict[str, type[StrEnum]] = {
    "gender": Gender,
    "mother_tongue": MotherTongue,
    "life_situation": LifeSituation,
    "distributor_kind": DistributorKind,
    "revocation_reason": RevocationReason,
    "offer_category": OfferCategory,
    "offer_kind": OfferKind,
    "venue_kind": VenueKind,
}


def vocabulary() -> dict[str, list[str]]:
    return {name: [member.value for member in enum] for name, enum in VOCABULARY.items()}
