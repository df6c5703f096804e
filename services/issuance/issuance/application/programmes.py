"""Coordinators' commands: define and update programmes, register distributors."""

from issuance.adapters import read_models
from issuance.application import streams
from issuance.application.streams import Issuance
from issuance.domain import programmes
from leisure_contracts.events import DistributorRegistered, ProgrammeDefined, ProgrammeUpdated
from leisure_runtime.auth import Forbidden, Principal


async def define_programme(issuance: Issuance, command: programmes.DefineProgramme,
                           principal: Principal) -> ProgrammeDefined:
    _require_programme_scope(principal, command.home_region, "define")
    async with issuance.pool.acquire() as conn, conn.transaction():
        stream = streams.programme_stream(command.programme_id)
        existing = [s.event for s in await issuance.store.load(conn, stream)]
        event = programmes.define_programme(programmes.programme(existing), command, streams.now())
        await issuance.store.append(conn, stream, 0, [event])
        await read_models.save_programme(conn, event)
    return event


async def update_programme(issuance: Issuance, programme_id: str, command: programmes.UpdateProgramme,
                           principal: Principal) -> ProgrammeUpdated:
    async with issuance.pool.acquire() as conn, conn.transaction():
        current, version = await streams.programme(issuance.store, conn, programme_id)
        _require_programme_scope(principal, current.home_region, "update")
        event = programmes.update_programme(current, command, streams.now())
        await issuance.store.append(conn, streams.programme_stream(programme_id), version, [event])
        await read_models.save_programme(conn, programmes.programme([current, event]))
    return event


async def register_distributor(issuance: Issuance, command: programmes.RegisterDistributor,
                               principal: Principal) -> DistributorRegistered:
    principal.require_region(command.region, "register distributors")
    async with issuance.pool.acquire() as conn, conn.transaction():
        stream = streams.distributor_stream(command.distributor_id)
        existing = await issuance.store.load(conn, stream)
        event = programmes.register_distributor(existing[0].event if existing else None, command, streams.now())
        await issuance.store.append(conn, stream, 0, [event])
    return event


def _require_programme_scope(principal: Principal, home_region: str | None, verb: str) -> None:
    if home_region is None and not principal.national:
        raise Forbidden(f"this token is for {principal.scope}; only a national coordinator can {verb} "
                        "a national programme")
    if home_region is not None:
        principal.require_region(home_region, f"{verb} programmes")
