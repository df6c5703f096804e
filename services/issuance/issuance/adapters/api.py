"""The issuance HTTP API: programmes and distributors for coordinators, cards for distributors."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request, status

from issuance.application import handlers
from issuance.domain.cards import IssueCard
from issuance.domain.programmes import DefineProgramme, RegisterDistributor
from leisure_contracts.events import CardIssued, DistributorRegistered, ProgrammeDefined
from leisure_runtime.auth import Principal, Role, require

router = APIRouter(prefix="/v1")
Coordinator = Annotated[Principal, Depends(require(Role.coordinator))]
Distributor = Annotated[Principal, Depends(require(Role.distributor))]


@router.post("/programmes", status_code=status.HTTP_201_CREATED, tags=["programmes"])
async def define_programme(command: DefineProgramme, principal: Coordinator, request: Request) -> ProgrammeDefined:
    return await handlers.define_programme(request.app.state.pool, request.app.state.event_store, command, principal)


@router.post("/distributors", status_code=status.HTTP_201_CREATED, tags=["distributors"])
async def register_distributor(
    command: RegisterDistributor, principal: Coordinator, request: Request
) -> DistributorRegistered:
    return await handlers.register_distributor(
        request.app.state.pool, request.app.state.event_store, command, principal)


@router.post("/cards", status_code=status.HTTP_201_CREATED, tags=["cards"])
async def issue_card(command: IssueCard, principal: Distributor, request: Request) -> CardIssued:
    return await handlers.issue_card(request.app.state.pool, request.app.state.event_store, command, principal)
