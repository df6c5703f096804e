from leisure_contracts.events.cards import CardIssued, CardRenewed, CardRevoked
from leisure_contracts.events.programmes import DistributorRegistered, ProgrammeDefined, ProgrammeUpdated
from leisure_contracts.events.venues import (
    OfferPublished,
    OfferUpdated,
    OfferWithdrawn,
    VenueClosed,
    VenueRegistered,
    VenueUpdated,
)
from leisure_contracts.events.public import PublicCardIssued, PublicVisitCancelled, PublicVisitRecorded
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
    "ProgrammeUpdated",
    "PublicCardIssued",
    "PublicVisitCancelled",
    "PublicVisitRecorded",
    "RewardEarned",
    "VenueClosed",
    "VenueRegistered",
    "VenueUpdated",
    "VisitCancelled",
    "VisitRecorded",
]
