"""The catalogue's query building without a database: filters become conditions, cursors round-trip
and are refused when foreign."""

from datetime import datetime, timezone
from uuid import uuid4

import pytest

from venues.application.catalogue import CatalogueQuery, Sort, _Cursor, _decode, _encode, _search_sql
from venues.domain.refusals import BadRequest


def test_every_filter_adds_a_condition_with_its_value_as_a_parameter():
    sql, params = _search_sql(CatalogueQuery(q="teatteriin", category="culture", region="uusimaa",
                                             municipality="Espoo", programme="culture-card", language="SV",
                                             places_left=True))
    assert sql.count(" AND ") >= 8
    assert "websearch_to_tsquery('finnish'" in sql and "websearch_to_tsquery('swedish'" in sql
    assert params[:6] == ["teatteriin", "culture", "uusimaa", "Espoo", "culture-card", "sv"]
    assert "Espoo" not in sql  # values travel as parameters, never in the text


def test_the_page_is_chosen_among_the_offers_before_venues_and_tickets_are_joined():
    sql, _ = _search_sql(CatalogueQuery(venue_kind="museum", language="fi", places_left=True))
    page, joined = sql.split("\nLIMIT ")
    # Conditions on the venue and the tickets are answered inside the page's query, so the joins
    # are made for the page's offers only, however many offers match.
    assert "JOIN" not in page and "FROM venue_directory WHERE" in page and "FROM offer_tickets_used" in page
    assert "JOIN venue_directory" in joined


def test_a_cursor_round_trips_and_keeps_its_sort():
    cursor = _Cursor(sort=Sort.SOONEST, at=datetime(2026, 9, 1, tzinfo=timezone.utc), offer_id=uuid4())
    assert _decode(_encode(cursor), Sort.SOONEST) == cursor
    with pytest.raises(BadRequest) as refused:
        _decode(_encode(cursor), Sort.NEWEST)
    assert refused.value.code == "cursor_sort_mismatch"
    with pytest.raises(BadRequest):
        _decode("bm90IGpzb24", Sort.NEWEST)
