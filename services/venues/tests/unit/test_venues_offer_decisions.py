"""Offer decisions without I/O: what a publication carries, how an update merges, what is refused."""

from datetime import datetime, timedelta, timezone
from uuid import uuid4

import pytest
from pydantic import ValidationError

from leisure_runtime.errors import Rejected
from venues.domain import offers
from venues.domain.offers import OfferChanges, PublishOffer
from venues.domain.refusals import Conflict
from venues.domain.venues import RegisterVenue, register_venue, venue_from

NOW = datetime(2026, 9, 1, 12, 0, tzinfo=timezone.utc)
VENUE = venue_from([register_venue(RegisterVenue(
    name={"fi": "Turun kaupunginteatteri"}, region="varsinais-suomi", municipality="Turku", kind="theatre",
    postal_code="20100"), uuid4(), NOW)])


def published(**fields) -> offers.Offer:
    command = PublishOffer(**{"category": "culture", "kind": "free_ticket", "title": {"fi": "Teatteri"},
                              "accepted_programmes": ["culture-card"], "quota": 10} | fields)
    return offers.offer_from([offers.publish_offer(VENUE, command, uuid4(), NOW)])


def test_a_publication_takes_the_venues_place_and_defaults_to_its_region():
    offer = published()
    assert (offer.region, offer.municipality, offer.venue_kind) == ("varsinais-suomi", "Turku", "theatre")
    assert offer.accepted_regions == ["varsinais-suomi"]
    assert offer.max_tickets_per_visit == 1


def test_an_update_keeps_what_it_does_not_name_and_null_clears():
    offer = published(description={"fi": "Kuvaus"}, ends_at=NOW + timedelta(days=30))
    updated = offers.update_offer(offer, OfferChanges(quota=None, title={"sv": "Teater"}), tickets_used=4, now=NOW)
    assert updated.quota is None
    assert updated.title.sv == "Teater"
    assert updated.description.fi == "Kuvaus"
    assert updated.ends_at == NOW + timedelta(days=30)


def test_the_quota_may_not_drop_below_the_tickets_taken_but_texts_may_change_when_overbooked():
    offer = published(quota=10)
    with pytest.raises(Rejected) as refused:
        offers.update_offer(offer, OfferChanges(quota=5), tickets_used=6, now=NOW)
    assert refused.value.code == "quota_below_used"
    assert offers.update_offer(offer, OfferChanges(quota=6), tickets_used=6, now=NOW).quota == 6
    overbooked = offers.apply(offers.update_offer(offer, OfferChanges(quota=2), tickets_used=0, now=NOW), offer)
    assert offers.update_offer(overbooked, OfferChanges(title={"fi": "Uusi"}), tickets_used=9, now=NOW)


def test_dates_are_checked_only_when_they_change():
    offer = published(starts_at=NOW - timedelta(days=1), ends_at=NOW + timedelta(days=1))
    with pytest.raises(Rejected) as refused:
        offers.update_offer(offer, OfferChanges(starts_at=NOW + timedelta(days=2)), tickets_used=0, now=NOW)
    assert refused.value.code == "ends_before_starts"
    later = NOW + timedelta(days=3)
    assert offers.update_offer(offer, OfferChanges(quota=3), tickets_used=0, now=later).quota == 3


def test_a_withdrawn_offer_is_final():
    offer = published()
    withdrawn = offers.apply(offers.withdraw_offer(offer, NOW), offer)
    for decide in (lambda: offers.withdraw_offer(withdrawn, NOW),
                   lambda: offers.update_offer(withdrawn, OfferChanges(quota=1), tickets_used=0, now=NOW)):
        with pytest.raises(Conflict) as refused:
            decide()
        assert refused.value.code == "offer_withdrawn"


def test_required_terms_cannot_be_cleared():
    with pytest.raises(ValidationError, match="accepted_programmes cannot be removed"):
        OfferChanges(accepted_programmes=None)
    with pytest.raises(ValidationError):
        OfferChanges(accepted_programmes=[])
