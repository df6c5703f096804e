"""The stats API: anonymised figures for coordinators and statistics readers, scoped to their region
(a national token sees every region). Every answer is suppressed: see stats.domain.suppression."""

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel

from leisure_runtime.auth import Principal, Role, require
from leisure_runtime.errors import Rejected
from stats.adapters.answers import Answer, answer, with_share
from stats.adapters.report import yearly_report_csv
from stats.application import figures
from stats.application.figures import Scope
from stats.domain.dimensions import (
    Background,
    CrossTabMeasure,
    HolderDimension,
    OfferSide,
    QuotaBy,
    RewardsBy,
    UseDimension,
)
from stats.domain.period import Period
from stats.domain.suppression import Cell, shown

router = APIRouter(prefix="/v1", tags=["statistics"])
Reader = Annotated[Principal, Depends(require(Role.stats_reader, Role.coordinator))]


def chosen_period(
    year: Annotated[int | None, Query(ge=2000, le=2100, description="Calendar year")] = None,
    quarter: Annotated[int | None, Query(ge=1, le=4, description="Quarter of the year")] = None,
    month: Annotated[int | None, Query(ge=1, le=12, description="Month of the year")] = None,
    start: Annotated[date | None, Query(alias="from", description="First day of a date range")] = None,
    end: Annotated[date | None, Query(alias="to", description="Last day of a date range")] = None,
) -> Period:
    return Period.choose(year=year, quarter=quarter, month=month, start=start, end=end)


ChosenPeriod = Annotated[Period, Depends(chosen_period)]
RegionQuery = Annotated[str | None, Query(description="Default: the token's region; national tokens: all")]
ProgrammeQuery = Annotated[str | None, Query(description="A programme id; default: all")]
MunicipalityQuery = Annotated[str | None, Query(description="The venue's municipality; default: all")]


def readable_region(principal: Principal, region: str | None) -> str | None:
    """The region an answer covers: any (or all) for a national token, else the token's own."""
    if principal.national:
        return region
    if region is not None:
        principal.require_region(region, "read statistics")
    return principal.region


def threshold_of(request: Request) -> int:
    return request.app.state.settings.suppression_threshold


class HoldersRow(BaseModel):
    region: str
    programme_id: str
    issued: Cell


@router.get("/holders", summary="Cards issued ever, by region and programme; small counts suppressed")
async def holders_issued(principal: Reader, request: Request) -> list[HoldersRow]:
    rows = await request.app.state.pool.fetch(
        "SELECT home_region, programme_id, count(*) AS issued FROM holders "
        "WHERE ($1::text IS NULL OR home_region = $1) GROUP BY 1, 2 ORDER BY 1, 2",
        readable_region(principal, None))
    threshold = threshold_of(request)
    return [HoldersRow(region=r["home_region"], programme_id=r["programme_id"], issued=shown(r["issued"], threshold))
            for r in rows]


@router.get("/figures/holders", summary="Holders issued, active, revoked and renewed in the period")
async def holders(principal: Reader, request: Request, period: ChosenPeriod, region: RegionQuery = None,
                  programme_id: ProgrammeQuery = None, by: HolderDimension = HolderDimension.programme) -> Answer:
    scope = Scope(period, readable_region(principal, region), programme_id)
    threshold = threshold_of(request)
    async with request.app.state.pool.acquire() as conn:
        table = await figures.holders(conn, scope, by, threshold)
    return answer("holders", table, scope, threshold)


@router.get("/figures/reach", summary="Active holders who used their card at least once in the period")
async def reach(principal: Reader, request: Request, period: ChosenPeriod, region: RegionQuery = None,
                programme_id: ProgrammeQuery = None, by: HolderDimension = HolderDimension.programme) -> Answer:
    scope = Scope(period, readable_region(principal, region), programme_id)
    threshold = threshold_of(request)
    async with request.app.state.pool.acquire() as conn:
        table = await figures.reach(conn, scope, by, threshold)
    return answer("reach", table, scope, threshold, decorate=with_share)


@router.get("/figures/uses", summary="Visits and tickets (holder, children, escort) in the period")
async def uses(principal: Reader, request: Request, period: ChosenPeriod, region: RegionQuery = None,
               programme_id: ProgrammeQuery = None, municipality: MunicipalityQuery = None,
               by: UseDimension = UseDimension.category) -> Answer:
    scope = Scope(period, readable_region(principal, region), programme_id, municipality)
    async with request.app.state.pool.acquire() as conn:
        table = await figures.uses(conn, scope, by)
    return answer("uses", table, scope, threshold_of(request))


@router.get("/figures/cross-region-uses", summary="Uses of a card of one region at a venue of another")
async def cross_region_uses(principal: Reader, request: Request, period: ChosenPeriod, region: RegionQuery = None,
                            programme_id: ProgrammeQuery = None) -> Answer:
    scope = Scope(period, readable_region(principal, region), programme_id)
    async with request.app.state.pool.acquire() as conn:
        table = await figures.cross_region_uses(conn, scope)
    return answer("cross_region_uses", table, scope, threshold_of(request))


@router.get("/figures/quota", summary="Places offered versus tickets taken, per offer or category")
async def quota(principal: Reader, request: Request, period: ChosenPeriod, region: RegionQuery = None,
                municipality: MunicipalityQuery = None, by: QuotaBy = QuotaBy.category) -> Answer:
    scope = Scope(period, readable_region(principal, region), None, municipality)
    async with request.app.state.pool.acquire() as conn:
        table = await figures.quota(conn, scope, by)
    return answer("quota", table, scope, threshold_of(request))


@router.get("/figures/rewards", summary="Rewards earned in the period")
async def rewards(principal: Reader, request: Request, period: ChosenPeriod, region: RegionQuery = None,
                  programme_id: ProgrammeQuery = None, by: RewardsBy = RewardsBy.programme) -> Answer:
    scope = Scope(period, readable_region(principal, region), programme_id)
    async with request.app.state.pool.acquire() as conn:
        table = await figures.rewards(conn, scope, by)
    return answer("rewards", table, scope, threshold_of(request))


@router.get("/figures/cross-tabulation",
            summary="Uses or users by one or two background dimensions against offer category or venue kind")
async def cross_tabulation(
    principal: Reader, request: Request, period: ChosenPeriod,
    rows: Annotated[list[Background], Query(description="One or two background dimensions")],
    columns: OfferSide = OfferSide.category, measure: CrossTabMeasure = CrossTabMeasure.uses,
    region: RegionQuery = None, programme_id: ProgrammeQuery = None,
) -> Answer:
    if not 1 <= len(rows) <= 2 or len(set(rows)) != len(rows):
        raise Rejected("invalid_rows", "give one or two different background dimensions as rows, "
                                       "e.g. rows=age_band&rows=gender")
    scope = Scope(period, readable_region(principal, region), programme_id)
    threshold = threshold_of(request)
    async with request.app.state.pool.acquire() as conn:
        table = await figures.cross_tabulation(conn, scope, rows, columns, measure, threshold)
    return answer(f"cross_tabulation_{measure}", table, scope, threshold)


@router.get("/reports/yearly.csv", summary="The yearly report as CSV, column headers in Finnish and English",
            response_class=Response, responses={200: {"content": {"text/csv": {}}}})
async def yearly_report(principal: Reader, request: Request,
                        year: Annotated[int, Query(ge=2000, le=2100)], region: RegionQuery = None) -> Response:
    region = readable_region(principal, region)
    async with request.app.state.pool.acquire() as conn:
        body = await yearly_report_csv(conn, year, region, threshold_of(request))
    filename = f"leisure-pass-{region or 'national'}-{year}.csv"
    return Response(body, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
