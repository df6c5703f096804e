"""Input the stats API refuses before it reaches the database: text PostgreSQL cannot hold, bytes
that are not UTF-8, day ranges and dates out of range are a 422 saying what is wrong; the CSV's
file name is safe in a header whatever the region is called."""

import httpx
import pytest

from leisure_infra.service_testing import bearer
from leisure_runtime.auth import Role
from stats.adapters.query_text import attachment
from stats.main import create_app
from stats.settings import StatsSettings

NATIONAL = bearer(Role.stats_reader, "reader-national", national=True)
ROUTES = ["/v1/figures/holders", "/v1/figures/reach", "/v1/figures/uses", "/v1/figures/cross-region-uses",
          "/v1/figures/quota", "/v1/figures/rewards", "/v1/figures/uses-per-card", "/v1/figures/first-use",
          "/v1/figures/children", "/v1/figures/users", "/v1/figures/cross-tabulation?rows=gender",
          "/v1/reports/yearly.csv"]


@pytest.fixture(scope="module")
async def client():
    # No lifespan: each of these is refused while the request is read, before any database is asked.
    app = create_app(StatsSettings(service_name="stats"))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://stats") as client:
        yield client


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("query, words", [
    ("region=north%00", "NUL character"),
    ("region=%ED%A0%80", "UTF-8"),
    ("region=%FF%FE", "UTF-8"),
    ("region=a%0D%0ASet-Cookie:x", "control characters"),
    ("year=99999", "less than or equal to 2100"),
    ("year=%00", "NUL character"),
])
async def test_bad_text_and_dates_are_a_422_that_says_what_is_wrong(client, route, query, words):
    year = "" if query.startswith("year") else "year=2026&"
    response = await client.get(f"{route}{'&' if '?' in route else '?'}{year}{query}", headers=NATIONAL)
    assert response.status_code == 422, response.text
    assert words in response.text


@pytest.mark.parametrize("query", ["programme_id=culture%00card", "municipality=Espoo%00",
                                   "from=2026-01-01%00&to=2026-02-01", "by=%00", "quarter=%00", "month=%00"])
async def test_nul_anywhere_in_a_figures_query_is_a_422(client, query):
    response = await client.get(f"/v1/figures/uses?year=2026&{query}", headers=NATIONAL)
    assert response.status_code == 422, response.text


@pytest.mark.parametrize("query", ["from=2026-01-01&to=2026-11-30", "from=2026-12-01", "to=99999-01-01",
                                   "year=2026&from=2026-01-01&to=2026-01-02"])
async def test_day_ranges_are_refused_saying_which_periods_are_published(client, query):
    response = await client.get(f"/v1/figures/holders?{query}", headers=NATIONAL)
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_period"
    assert "by year, quarter or month only" in response.json()["detail"]


@pytest.mark.parametrize("region", ["uusimaa", "Åland", 'a"b', "x\r\nSet-Cookie: y", "a;b=c", "日本"])
def test_the_csv_file_name_is_safe_in_a_header_for_any_region(region):
    header = attachment(f"leisure-pass-{region}-2026.csv")
    header.encode("ascii")  # a header that is not ASCII would fail in the server, not here
    assert "\r" not in header and "\n" not in header
    fallback = header.split('filename="')[1].split('"')[0]
    assert all(c.isalnum() or c in ".-_" for c in fallback)
    encoded = header.split("filename*=UTF-8''")[1]
    assert httpx.QueryParams(f"n={encoded}")["n"] == f"leisure-pass-{region}-2026.csv"
