"""The public directory of venues: an info point finds organisations (associations, NGOs), libraries
or swimming halls by kind and place, also those with no offer open at the moment."""

from uuid import UUID

import asyncpg
from pydantic import BaseModel, ConfigDict, Field

from leisure_contracts.events.common import VenueKind
from venues.application.catalogue import VenueSummary, venue_summary
from venues.domain.refusals import BadRequest

SORT_NAME = "lower(coalesce(name->>'fi', name->>'sv', name->>'en'))"


class VenueQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: VenueKind | None = Field(default=None, description="e.g. association for NGOs and associations")
    region: str | None = Field(default=None, max_length=64)
    municipality: str | None = Field(default=None, max_length=100, description="Case does not matter")
    language: str | None = Field(default=None, max_length=8, description="Serves in this language (ISO 639-1)")
    limit: int = Field(default=50, ge=1, le=100)
    after: UUID | None = Field(default=None, description="`next_after` of the previous page")


class VenuePage(BaseModel):
    venues: list[VenueSummary] = Field(description="Open venues, by name (Finnish, else Swedish, else English)")
    next_after: UUID | None = Field(description="Pass as `after` for the next page; none on the last page")


async def search(pool: asyncpg.Pool, query: VenueQuery) -> VenuePage:
    if query.after is not None and not await pool.fetchval(
            "SELECT EXISTS (SELECT 1 FROM venue_directory WHERE venue_id = $1)", query.after):
        raise BadRequest("invalid_after", "`after` is not a venue of this directory; "
                                          "pass the `next_after` of the previous page, or start again without it")
    # Keyset pages on (name, id): the venue named by `after` marks where the previous page ended.
    rows = await pool.fetch(f"""
        SELECT * FROM venue_directory
        WHERE NOT closed AND ($1::text IS NULL OR kind = $1) AND ($2::text IS NULL OR region = $2)
          AND ($3::text IS NULL OR lower(municipality) = lower($3)) AND ($4::text IS NULL OR $4 = ANY(languages))
          AND ($5::uuid IS NULL OR ({SORT_NAME}, venue_id) >
               (SELECT {SORT_NAME}, venue_id FROM venue_directory WHERE venue_id = $5))
        ORDER BY {SORT_NAME}, venue_id
        LIMIT $6""",
        query.kind, query.region, query.municipality, query.language and query.language.lower(), query.after,
        query.limit + 1)
    venues = [venue_summary(row) for row in rows[:query.limit]]
    return VenuePage(venues=venues, next_after=venues[-1].venue_id if len(rows) > query.limit else None)
