from leisure_contracts.events.cards import CardIssued, CardRenewed, CardRevoked
from leisure_contracts.events.programmes import DistributorRegistered, ProgrammeDefined
from leisure_contracts.events.venues import (
    OfferPublished,
    OfferUpdated,
    OfferWithdrawn,
    VenueClosed,
    VenueRegistered,
)
from leisure_contracts.events.visits import RewardEarned, VisitCancelled, VisitRecorded

__all__ = [
    "CardIssued",
    "CardRenewed",
    "CardRevoked",
    "DistributorRegistered",
    "OfferPublished",
    "OfferUpdated",
    "OfferWithdrawn",
    "ProgrammeDefined",
    "RewardEarned",
    "VenueClosed",
    "VenueRegistered",
    "VisitCancelled",
    "VisitRecorded",
]
