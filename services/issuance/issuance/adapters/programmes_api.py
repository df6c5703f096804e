"""Programmes and distributors: coordinators manage them; distributors list what they can issue."""

from typing import Annotated

from fastapi import APIRouter, Depends, Path, status

from issuance.adapters.http import issuance
from issuance.application import programmes, queries
from issuance.application.streams import Issuance
from issuance.domain.programmes import DefineProgramme, RegisterDistributor, UpdateProgramme
from leisure_contracts.events import DistributorRegistered, ProgrammeDefined, ProgrammeUpdated
from leisure_runtime.auth import Principal, Role, require

router = APIRouter(prefix="/v1")
Coordinator = Annotated[Principal, Depends(require(Role.coordinator))]
Staff = Annotated[Principal, Depends(require(Role.coordinator, Role.distributor))]
Handlers = Annotated[Issuance, Depends(issuance)]


@router.post("/programmes", status_code=status.HTTP_201_CREATED, tags=["programmes"],
             summary="Define a programme (regional, or national by a national coordinator)")
async def define_programme(command: DefineProgramme, principal: Coordinator, handlers: Handlers) -> ProgrammeDefined:
    return await programmes.define_programme(handlers, command, principal)


@router.put("/programmes/{programme_id}", tags=["programmes"],
            summary="Change a programme's terms; issued cards keep theirs, renewals use the new validity")
async def update_programme(programme_id: Annotated[str, Path(max_length=63)], command: UpdateProgramme, principal: Coordinator,
                           handlers: Handlers) -> ProgrammeUpdated:
    return await programmes.update_programme(handlers, programme_id, command, principal)


@router.get("/programmes", tags=["programmes"], summary="Programmes running in the caller's region")
async def list_programmes(principal: Staff, handlers: Handlers) -> list[ProgrammeDefined]:
    return await queries.list_programmes(handlers, principal)


@router.post("/distributors", status_code=status.HTTP_201_CREATED, tags=["distributors"],
             summary="Register an organisation that hands out cards")
async def register_distributor(command: RegisterDistributor, principal: Coordinator,
                               handlers: Handlers) -> DistributorRegistered:
    return await programmes.register_distributor(handlers, command, principal)
