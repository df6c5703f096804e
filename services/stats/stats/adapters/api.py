"""The stats API: anonymised aggregates for coordinators and statistics readers."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel

from leisure_runtime.auth import Principal, Role, require
from stats.domain.suppression import Cell, shown

router = APIRouter(prefix="/v1", tags=["holders"])
Reader = Annotated[Principal, Depends(require(Role.stats_reader, Role.coordinator))]


class HoldersRow(BaseModel):
    region: str
    programme_id: str
    issued: Cell


@router.get("/holders", summary="Cards issued, by region and programme; small counts suppressed")
async def holders(principal: Reader, request: Request) -> list[HoldersRow]:
    rows = await request.app.state.pool.fetch(
        "SELECT region, programme_id, issued FROM holders_issued ORDER BY region, programme_id")
    return [
        HoldersRow(region=r["region"], programme_id=r["programme_id"], issued=shown(r["issued"]))
        for r in rows if principal.national or r["region"] == principal.region
    ]
