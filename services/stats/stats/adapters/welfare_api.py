"""Welfare indicators (Turku's Eviva) and the targets coordinators set for them. Figures need a
statistics reader's or coordinator's token; only a coordinator sets a target, for its own region
(a national coordinator for any)."""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from pydantic import AfterValidator, BaseModel, Field

from leisure_runtime.auth import Principal, Role, require
from stats.adapters.answers import Answer, answer, with_reach_to_date
from stats.adapters.api import Reader, RegionQuery, readable_region
from stats.adapters.query_text import PROGRAMME_ID, ProgrammeQuery, no_store, plain_text
from stats.application import welfare
from stats.application.figures import Scope
from stats.domain.period import Period
from stats.domain.welfare import ALL_AGES, month_of, progress

router = APIRouter(prefix="/v1", tags=["welfare"], dependencies=[Depends(no_store)])
Coordinator = Annotated[Principal, Depends(require(Role.coordinator))]
Year = Annotated[int, Query(ge=2000, le=2100, description="Calendar year")]


class TargetIn(BaseModel):
    region: Annotated[str, Field(min_length=1, max_length=64), AfterValidator(plain_text)]
    programme_id: Annotated[str | None, Field(pattern=PROGRAMME_ID, description="None: all the region's programmes")] = None
    year: Annotated[int, Field(ge=2000, le=2100)]
    newly_active: Annotated[int, Field(gt=0, le=10_000_000, description="Holders to become active in the year")]


class TargetOut(BaseModel):
    region: str
    programme_id: str | None
    year: int
    newly_active: int
    set_at: datetime


class TargetProgress(BaseModel):
    newly_active: int = Field(description="The target: holders to become active in the year")
    newly_active_to_date: int | None = Field(description="As published in the figure (perturbed)")
    share_of_target: float | None = Field(description="newly_active_to_date / newly_active")


class WelfareAnswer(Answer):
    target: TargetProgress | None = Field(description="None: no target set for this region, programme and year")


@router.get("/figures/welfare", summary="Newly active holders, holders active in 2+ months and reach, by month "
                                        "and age band, against the coordinator's target")
async def welfare_indicators(principal: Reader, request: Request, year: Year, region: RegionQuery = None,
                             programme_id: ProgrammeQuery = None) -> WelfareAnswer:
    scope = Scope(Period.of_year(year), readable_region(principal, region), programme_id)
    async with request.app.state.pool.acquire() as conn:
        table = await welfare.welfare(conn, scope)
        target = await welfare.target_of(conn, scope)
    published = answer("welfare", table, scope, decorate=with_reach_to_date)
    year_row = next((row for row in published.rows if row.key == {"month": month_of(year, 12), "age_band": ALL_AGES}),
                    None)
    to_date = None if year_row is None else year_row.cells["newly_active_to_date"].value
    return WelfareAnswer(**dict(published), target=None if target is None else TargetProgress(
        newly_active=target.newly_active, newly_active_to_date=to_date,
        share_of_target=progress(to_date, target.newly_active)))


@router.put("/welfare-targets", summary="Set the target of newly active holders for a region, programme and year")
async def set_target(principal: Coordinator, request: Request, target: TargetIn) -> TargetOut:
    principal.require_region(target.region, "set welfare targets")
    async with request.app.state.pool.acquire() as conn:
        saved = await welfare.set_target(conn, target.region, target.programme_id, target.year, target.newly_active)
    return TargetOut(**saved.__dict__)


@router.get("/welfare-targets", summary="The targets of a year")
async def list_targets(principal: Reader, request: Request, year: Year, region: RegionQuery = None
                       ) -> list[TargetOut]:
    async with request.app.state.pool.acquire() as conn:
        found = await welfare.targets(conn, readable_region(principal, region), year)
    return [TargetOut(**target.__dict__) for target in found]
