"""The public catalogue: offers still open, searched in Finnish, Swedish and English, filtered,
and paged by keyset so a page never repeats or skips an offer when others are published."""

import base64
import binascii
import json
from collections.abc import Mapping
from datetime import date, datetime
from enum import StrEnum
from uuid import UUID

import asyncpg
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from leisure_contracts.events.common import (
    ActivityFormat,
    LocalizedText,
    OfferCategory,
    OfferKind,
    OfferSession,
    VenueKind,
)
from leisure_runtime.errors import NotFound, Rejected
from venues.domain.refusals import BadRequest


class Sort(StrEnum):
    NEWEST = "newest"
    SOONEST = "soonest"


class CatalogueQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    q: str | None = Field(default=None, max_length=200, description="Free text in Finnish, Swedish or English")
    category: OfferCategory | None = None
    kind: OfferKind | None = None
    activity: ActivityFormat | None = Field(default=None, description="Group activities or courses only")
    venue_kind: VenueKind | None = Field(default=None, description="e.g. association: NGOs' own activities")
    venue_id: UUID | None = None
    region: str | None = Field(default=None, max_length=64)
    municipality: str | None = Field(default=None, max_length=100, description="Case does not matter")
    date_from: date | None = Field(default=None, description="Open on or after this day (Finnish time)")
    date_to: date | None = Field(default=None, description="Open on or before this day (Finnish time)")
    programme: str | None = Field(default=None, max_length=63, description="Accepts cards of this programme")
    language: str | None = Field(default=None, max_length=8, description="The venue serves in this language (ISO 639-1)")
    places_left: bool = Field(default=False, description="Only offers with tickets or places left")
    sort: Sort = Sort.NEWEST
    limit: int = Field(default=20, ge=1, le=100)
    cursor: str | None = Field(default=None, max_length=300, description="`next_cursor` of the previous page")


class VenueSummary(BaseModel):
    venue_id: UUID
    name: LocalizedText
    kind: VenueKind
    region: str
    municipality: str
    street_address: str | None
    postal_code: str
    accessibility: LocalizedText | None
    languages: list[str]
    closed: bool


class CatalogueOffer(BaseModel):
    offer_id: UUID
    category: OfferCategory
    kind: OfferKind
    title: LocalizedText
    description: LocalizedText | None
    starts_at: datetime | None
    ends_at: datetime | None
    quota: int | None
    places_left: int | None = Field(description="None: no quota, places are not counted")
    max_tickets_per_visit: int
    accepted_programmes: list[str]
    accepted_regions: list[str]
    activity: ActivityFormat | None
    sessions: list[OfferSession] = Field(description="The meetings of a group or course, in order")
    published_at: datetime
    updated_at: datetime | None
    withdrawn_at: datetime | None
    venue: VenueSummary


class CataloguePage(BaseModel):
    offers: list[CatalogueOffer]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; none on the last page")


class _Cursor(BaseModel):
    sort: Sort
    at: datetime
    offer_id: UUID


# What an answer shows of an offer: every column but the search vector.
_OFFER_COLUMNS = """o.offer_id, o.venue_id, o.region, o.municipality, o.category, o.kind, o.title, o.description,
       o.starts_at, o.ends_at, o.sort_start, o.quota, o.max_tickets_per_visit, o.accepted_programmes,
       o.accepted_regions, o.published_at, o.updated_at, o.withdrawn_at, o.activity, o.sessions"""
_VENUE_AND_PLACES_COLUMNS = """v.name AS venue_name, v.kind AS venue_kind, v.street_address, v.postal_code,
       v.accessibility, v.languages, v.closed, greatest(o.quota - coalesce(u.tickets_used, 0), 0) AS places_left"""
_WITH_VENUE_AND_TICKETS = """
FROM {offers} o
JOIN venue_directory v USING (venue_id)
LEFT JOIN offer_tickets_used u USING (offer_id)
"""
_SELECT = (f"SELECT {_OFFER_COLUMNS},\n       {_VENUE_AND_PLACES_COLUMNS}"
           + _WITH_VENUE_AND_TICKETS.format(offers="catalogue_offers"))
_ORDER = {
    Sort.NEWEST: ("o.published_at", "(o.published_at, o.offer_id) < ({at}, {id})",
                  "ORDER BY o.published_at DESC, o.offer_id DESC"),
    Sort.SOONEST: ("o.sort_start", "(o.sort_start, o.offer_id) > ({at}, {id})",
                   "ORDER BY o.sort_start, o.offer_id"),
}


async def search(pool: asyncpg.Pool, query: CatalogueQuery) -> CataloguePage:
    sql, params = _search_sql(query)
    rows = await pool.fetch(sql, *params)
    page = [_offer(row) for row in rows[:query.limit]]
    next_cursor = None
    if len(rows) > query.limit:
        last = rows[query.limit - 1]
        key_column = _ORDER[query.sort][0].removeprefix("o.")
        next_cursor = _encode(_Cursor(sort=query.sort, at=last[key_column], offer_id=last["offer_id"]))
    return CataloguePage(offers=page, next_cursor=next_cursor)


async def offer(pool: asyncpg.Pool, offer_id: UUID) -> CatalogueOffer:
    row = await pool.fetchrow(_SELECT + "WHERE o.offer_id = $1", offer_id)
    if row is None:
        raise NotFound("unknown_offer", f"there is no offer {offer_id}")
    return _offer(row)


def _search_sql(query: CatalogueQuery) -> tuple[str, list]:
    params: list = []

    def param(value) -> str:
        params.append(value)
        return f"${len(params)}"

    # Withdrawn and past offers are never listed; the literal condition lets the partial indexes serve.
    where = ["o.withdrawn_at IS NULL", "(o.ends_at IS NULL OR o.ends_at > now())"]
    if query.q and query.q.strip():
        text = param(query.q)
        where.append(f"o.search @@ (websearch_to_tsquery('finnish', {text}) || "
                     f"websearch_to_tsquery('swedish', {text}) || websearch_to_tsquery('english', {text}))")
    for column, value in (("o.category", query.category), ("o.kind", query.kind), ("o.venue_id", query.venue_id),
                          ("o.region", query.region), ("o.activity", query.activity)):
        if value is not None:
            where.append(f"{column} = {param(value)}")
    if query.municipality:
        where.append(f"lower(o.municipality) = lower({param(query.municipality)})")
    if query.programme:
        where.append(f"{param(query.programme)} = ANY(o.accepted_programmes)")
    # Conditions on the venue become the ids of the venues that meet them, and places left a lookup
    # per offer, so that the page can be chosen from the offers table alone (below).
    venue_where = []
    if query.venue_kind is not None:
        venue_where.append(f"kind = {param(query.venue_kind)}")
    if query.language:
        venue_where.append(f"{param(query.language.lower())} = ANY(languages)")
    if venue_where:
        where.append("o.venue_id = ANY(ARRAY(SELECT venue_id FROM venue_directory "
                     f"WHERE {' AND '.join(venue_where)}))")
    if query.places_left:
        where.append("(o.quota IS NULL OR o.quota > coalesce("
                     "(SELECT t.tickets_used FROM offer_tickets_used t WHERE t.offer_id = o.offer_id), 0))")
    if query.date_from and query.date_to and query.date_to < query.date_from:
        raise Rejected("date_range_reversed", f"date_to {query.date_to} is before date_from {query.date_from}")
    if query.date_from:
        where.append(f"coalesce(o.ends_at, 'infinity') >= ({param(query.date_from)}::date::timestamp "
                     "AT TIME ZONE 'Europe/Helsinki')")
    if query.date_to:
        where.append(f"coalesce(o.starts_at, '-infinity') < (({param(query.date_to)}::date + 1)::timestamp "
                     "AT TIME ZONE 'Europe/Helsinki')")
    _, after, order = _ORDER[query.sort]
    if query.cursor:
        cursor = _decode(query.cursor, query.sort)
        where.append(after.format(at=param(cursor.at), id=param(cursor.offer_id)))
    # The page is chosen among the offers alone (walking the newest- or soonest-first index until it
    # is full, where the planner expects that to be quick), then only its offers are joined to their
    # venues and tickets: joining every match before sorting cost tens of milliseconds.
    page = (f"(SELECT {_OFFER_COLUMNS}\nFROM catalogue_offers o\nWHERE {' AND '.join(where)}\n{order}\n"
            f"LIMIT {param(query.limit + 1)})")
    sql = f"SELECT o.*, {_VENUE_AND_PLACES_COLUMNS}{_WITH_VENUE_AND_TICKETS.format(offers=page)}{order}"
    return sql, params


def _offer(row: asyncpg.Record) -> CatalogueOffer:
    return CatalogueOffer(
        **{name: row[name] for name in ("offer_id", "category", "kind", "starts_at", "ends_at", "quota",
                                        "max_tickets_per_visit", "accepted_programmes", "accepted_regions",
                                        "published_at", "updated_at", "withdrawn_at", "activity")},
        title=json.loads(row["title"]),
        sessions=json.loads(row["sessions"]),
        description=_json_or_none(row["description"]),
        places_left=None if row["quota"] is None else row["places_left"],
        venue=venue_summary({**row, "name": row["venue_name"], "kind": row["venue_kind"]}),
    )


def venue_summary(row: Mapping) -> VenueSummary:
    """A venue from its `venue_directory` columns."""
    return VenueSummary(
        **{name: row[name] for name in ("venue_id", "kind", "region", "municipality", "street_address",
                                        "postal_code", "languages", "closed")},
        name=json.loads(row["name"]), accessibility=_json_or_none(row["accessibility"]),
    )


def _json_or_none(value: str | None):
    return None if value is None else json.loads(value)


def _encode(cursor: _Cursor) -> str:
    return base64.urlsafe_b64encode(cursor.model_dump_json().encode()).decode().rstrip("=")


def _decode(text: str, sort: Sort) -> _Cursor:
    try:
        cursor = _Cursor.model_validate_json(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
    except (ValueError, binascii.Error, ValidationError):
        raise BadRequest("invalid_cursor", "the cursor is not one this catalogue handed out; "
                                           "start again without it") from None
    if cursor.sort != sort:
        raise BadRequest("cursor_sort_mismatch", f"the cursor belongs to sort={cursor.sort}; "
                                                 f"keep the sort while paging or start again")
    return cursor
