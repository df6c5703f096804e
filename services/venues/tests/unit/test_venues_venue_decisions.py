"""Venue decisions without I/O: a venue rebuilt from its events, updates merged, closing final."""

from datetime import datetime, timezone
from uuid import uuid4

import pytest
from pydantic import ValidationError

from venues.domain import venues
from venues.domain.refusals import Conflict
from venues.domain.venues import RegisterVenue, VenueChanges

NOW = datetime(2026, 9, 1, 12, 0, tzinfo=timezone.utc)


def registered() -> venues.Venue:
    command = RegisterVenue(name={"fi": "Sellosali", "en": "Sello Hall"}, region="uusimaa", municipality="Espoo",
                            kind="concert_hall", postal_code="02600", languages=["FI", "en", "fi"])
    return venues.venue_from([venues.register_venue(command, uuid4(), NOW)])


def test_languages_are_lower_case_and_distinct():
    assert registered().languages == ["fi", "en"]
    with pytest.raises(ValidationError):
        VenueChanges(languages=["finnish"])


def test_an_update_keeps_what_it_does_not_name():
    venue = registered()
    updated = venues.apply(venues.update_venue(venue, VenueChanges(street_address="Leppävaarankatu 9"), NOW), venue)
    assert updated.street_address == "Leppävaarankatu 9"
    assert updated.name == venue.name
    assert (updated.region, updated.kind) == ("uusimaa", "concert_hall")


def test_a_closed_venue_is_final():
    venue = registered()
    closed = venues.apply(venues.close_venue(venue, NOW), venue)
    assert closed.closed
    for decide in (lambda: venues.close_venue(closed, NOW),
                   lambda: venues.update_venue(closed, VenueChanges(languages=["sv"]), NOW)):
        with pytest.raises(Conflict) as refused:
            decide()
        assert refused.value.code == "venue_closed"


def test_a_name_cannot_be_cleared_and_the_place_cannot_move():
    with pytest.raises(ValidationError, match="name cannot be removed"):
        VenueChanges(name=None)
    with pytest.raises(ValidationError):
        VenueChanges(region="varsinais-suomi")
