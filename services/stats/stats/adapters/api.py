"""The stats API: anonymised figures for coordinators and statistics readers, scoped to their region
(a national token sees every region). Every count is perturbed: see stats.domain.perturbation."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel

from leisure_runtime.auth import Principal, Role, require
from leisure_runtime.errors import Rejected
from stats.adapters.answers import Answer, Cell, answer, with_share
from stats.adapters.query_text import ProgrammeQuery, TextQuery, attachment, no_store
from stats.adapters.report import yearly_report_csv
from stats.application import coordinator, figures
from stats.application.figures import Scope
from stats.domain.dimensions import (
    Background,
    CrossTabMeasure,
    HolderDimension,
    OfferSide,
    QuotaBy,
    RewardsBy,
    UseDimension,
    UsersBy,
)
from stats.domain.perturbation import perturbed
from stats.domain.period import Period

router = APIRouter(prefix="/v1", tags=["statistics"], dependencies=[Depends(no_store)])
Reader = Annotated[Principal, Depends(require(Role.stats_reader, Role.coordinator))]


def chosen_period(
    year: Annotated[int | None, Query(ge=2000, le=2100, description="Calendar year")] = None,
    quarter: Annotated[int | None, Query(ge=1, le=4, description="Quarter of the year")] = None,
    month: Annotated[int | None, Query(ge=1, le=12, description="Month of the year")] = None,
    start: Annotated[str | None, Query(alias="from", include_in_schema=False)] = None,
    end: Annotated[str | None, Query(alias="to", include_in_schema=False)] = None,
) -> Period:
    # `from` and `to` are read only to refuse them with a message that says what to give instead.
    return Period.choose(year=year, quarter=quarter, month=month, day_range=start is not None or end is not None)


ChosenPeriod = Annotated[Period, Depends(chosen_period)]
RegionQuery = Annotated[TextQuery, Query(description="Default: the token's region; national tokens: all")]
MunicipalityQuery = Annotated[TextQuery, Query(description="The venue's municipality; default: all")]


def readable_region(principal: Principal, region: str | None) -> str | None:
    """The region an answer covers: any (or all) for a national token, else the token's own."""
    if principal.national:
        return region
    if region is not None:
        principal.require_region(region, "read statistics")
    return principal.region


def programme_scope(principal: Reader, period: ChosenPeriod, region: RegionQuery = None,
                    programme_id: ProgrammeQuery = None) -> Scope:
    return Scope(period, readable_region(principal, region), programme_id)


ProgrammeScope = Annotated[Scope, Depends(programme_scope)]


async def answered(request: Request, figure: str, scope: Scope, count, *breakdown, decorate=None) -> Answer:
    """The answer of `figure` for `scope`: `count(conn, scope, *breakdown)` gives its table of tallies."""
    async with request.app.state.pool.acquire() as conn:
        return answer(figure, await count(conn, scope, *breakdown), scope, decorate=decorate)


class HoldersRow(BaseModel):
    region: str
    programme_id: str
    issued: Cell


@router.get("/holders", summary="Cards issued ever, by region and programme; every count perturbed")
async def holders_issued(principal: Reader, request: Request) -> list[HoldersRow]:
    rows = await request.app.state.pool.fetch(
        "SELECT home_region, programme_id, count(*) AS issued, sum(record_key) AS issued_key FROM holders "
        "WHERE ($1::text IS NULL OR home_region = $1) GROUP BY 1, 2 ORDER BY 1, 2",
        readable_region(principal, None))
    return [HoldersRow(region=r["home_region"], programme_id=r["programme_id"],
                       issued=Cell(value=perturbed(figures.tally(r, "issued")))) for r in rows]


@router.get("/figures/holders", summary="Holders issued, active, revoked and renewed in the period")
async def holders(request: Request, scope: ProgrammeScope, by: HolderDimension = HolderDimension.programme) -> Answer:
    return await answered(request, "holders", scope, figures.holders, by)


@router.get("/figures/reach", summary="Active holders who used their card at least once in the period")
async def reach(request: Request, scope: ProgrammeScope, by: HolderDimension = HolderDimension.programme) -> Answer:
    return await answered(request, "reach", scope, figures.reach, by, decorate=with_share)


@router.get("/figures/uses", summary="Visits and tickets (holder, children, escort) in the period")
async def uses(principal: Reader, request: Request, period: ChosenPeriod, region: RegionQuery = None,
               programme_id: ProgrammeQuery = None, municipality: MunicipalityQuery = None,
               by: UseDimension = UseDimension.category) -> Answer:
    scope = Scope(period, readable_region(principal, region), programme_id, municipality)
    return await answered(request, "uses", scope, figures.uses, by)


@router.get("/figures/cross-region-uses", summary="Uses of a card of one region at a venue of another")
async def cross_region_uses(request: Request, scope: ProgrammeScope) -> Answer:
    return await answered(request, "cross_region_uses", scope, figures.cross_region_uses)


@router.get("/figures/quota", summary="Places offered versus tickets taken, per offer or category")
async def quota(principal: Reader, request: Request, period: ChosenPeriod, region: RegionQuery = None,
                municipality: MunicipalityQuery = None, by: QuotaBy = QuotaBy.category) -> Answer:
    scope = Scope(period, readable_region(principal, region), None, municipality)
    return await answered(request, "quota", scope, figures.quota, by)


@router.get("/figures/rewards", summary="Rewards earned in the period")
async def rewards(request: Request, scope: ProgrammeScope, by: RewardsBy = RewardsBy.programme) -> Answer:
    return await answered(request, "rewards", scope, figures.rewards, by)


@router.get("/figures/cross-tabulation",
            summary="Uses or users by one or two background dimensions against offer category or venue kind")
async def cross_tabulation(
    request: Request, scope: ProgrammeScope,
    rows: Annotated[list[Background], Query(description="One or two background dimensions")],
    columns: OfferSide = OfferSide.category, measure: CrossTabMeasure = CrossTabMeasure.uses,
) -> Answer:
    if not 1 <= len(rows) <= 2 or len(set(rows)) != len(rows):
        raise Rejected("invalid_rows", "give one or two different background dimensions as rows, "
                                       "e.g. rows=age_band&rows=gender")
    return await answered(request, f"cross_tabulation_{measure}", scope, figures.cross_tabulation, rows, columns,
                          measure)


@router.get("/figures/uses-per-card", summary="Active holders by how many uses their card had in the period")
async def uses_per_card(request: Request, scope: ProgrammeScope) -> Answer:
    return await answered(request, "uses_per_card", scope, coordinator.uses_per_card)


@router.get("/figures/first-use", summary="Holders issued a card in the period by days from issue to first use")
async def first_use(request: Request, scope: ProgrammeScope) -> Answer:
    return await answered(request, "first_use", scope, coordinator.first_use)


@router.get("/figures/children", summary="Children under 16 the cards reach, and their tickets in the period")
async def children(request: Request, scope: ProgrammeScope, by: HolderDimension = HolderDimension.programme) -> Answer:
    return await answered(request, "children", scope, coordinator.children, by)


@router.get("/figures/users", summary="Holders who used their card in the period, by where they used it")
async def users(request: Request, scope: ProgrammeScope, by: UsersBy = UsersBy.municipality) -> Answer:
    return await answered(request, "users", scope, coordinator.users, by)


@router.get("/reports/yearly.csv", summary="The yearly report as CSV, column headers in Finnish and English",
            response_class=Response, responses={200: {"content": {"text/csv": {}}}})
async def yearly_report(principal: Reader, request: Request,
                        year: Annotated[int, Query(ge=2000, le=2100)], region: RegionQuery = None) -> Response:
    region = readable_region(principal, region)
    async with request.app.state.pool.acquire() as conn:
        body = await yearly_report_csv(conn, year, region)
    return Response(body, media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": attachment(f"leisure-pass-{region or 'national'}-{year}.csv"),
        "Cache-Control": "no-store"})
