"""Writes the catalogue tables from a venue's or an offer's state, in the transaction that appends
the events which produced that state."""

import asyncpg
from pydantic import TypeAdapter

from leisure_contracts.events.common import OfferSession
from venues.domain.offers import Offer
from venues.domain.venues import Venue


_SESSIONS = TypeAdapter(list[OfferSession])


def _json(model) -> str | None:
    return None if model is None else model.model_dump_json()


async def put_venue(conn: asyncpg.Connection, venue: Venue) -> None:
    await conn.execute(
        """INSERT INTO venue_directory (venue_id, name, region, municipality, kind, street_address, postal_code,
                                        accessibility, languages, closed)
           VALUES ($1, $2::jsonb, $3, $4, $5, $6, $7, $8::jsonb, $9, $10)
           ON CONFLICT (venue_id) DO UPDATE SET
               name = excluded.name, street_address = excluded.street_address,
               postal_code = excluded.postal_code, accessibility = excluded.accessibility,
               languages = excluded.languages, closed = excluded.closed""",
        venue.venue_id, _json(venue.name), venue.region, venue.municipality, venue.kind.value,
        venue.street_address, venue.postal_code, _json(venue.accessibility), venue.languages, venue.closed,
    )
    # The venue's name is part of its offers' search text.
    await conn.execute(
        """UPDATE catalogue_offers SET search = offer_search_vector(title, description, $2::jsonb)
           WHERE venue_id = $1""",
        venue.venue_id, _json(venue.name),
    )


_PUT_OFFER = """
INSERT INTO catalogue_offers (offer_id, venue_id, region, municipality, category, kind, title, description,
                              starts_at, ends_at, sort_start, quota, max_tickets_per_visit, accepted_programmes,
                              accepted_regions, published_at, updated_at, withdrawn_at, activity, sessions, search)
VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8::jsonb, $9::timestamptz, $10,
        coalesce($9::timestamptz, $15::timestamptz), $11, $12, $13, $14, $15, $16, $17, $18, $19::jsonb,
        offer_search_vector($7::jsonb, $8::jsonb, (SELECT name FROM venue_directory WHERE venue_id = $2)))
ON CONFLICT (offer_id) DO UPDATE SET
    title = excluded.title, description = excluded.description, starts_at = excluded.starts_at,
    ends_at = excluded.ends_at, sort_start = excluded.sort_start, quota = excluded.quota,
    max_tickets_per_visit = excluded.max_tickets_per_visit, accepted_programmes = excluded.accepted_programmes,
    accepted_regions = excluded.accepted_regions, updated_at = excluded.updated_at,
    withdrawn_at = excluded.withdrawn_at, activity = excluded.activity, sessions = excluded.sessions,
    search = excluded.search
"""


def _offer_row(offer: Offer) -> tuple:
    return (offer.offer_id, offer.venue_id, offer.region, offer.municipality, offer.category.value, offer.kind.value,
            _json(offer.title), _json(offer.description), offer.starts_at, offer.ends_at, offer.quota,
            offer.max_tickets_per_visit, offer.accepted_programmes, offer.accepted_regions, offer.published_at,
            offer.updated_at, offer.withdrawn_at, offer.activity and offer.activity.value,
            _SESSIONS.dump_json(offer.sessions).decode())


async def put_offers(conn: asyncpg.Connection, offers: list[Offer]) -> None:
    await conn.executemany(_PUT_OFFER, [_offer_row(offer) for offer in offers])
