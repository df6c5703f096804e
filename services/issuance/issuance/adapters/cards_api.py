"""Cards: distributors issue, renew, revoke and replace them; staff look them up by number."""

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Body, Depends, Path, Query, Request

from issuance.adapters.http import by_number, issuance
from issuance.adapters.read_models import CardFilter
from issuance.application import cards, queries, streams
from issuance.application.queries import CardPage, CardView
from issuance.application.streams import Issuance
from issuance.domain.cards import IssueCard
from issuance.domain.dates import finnish_day
from issuance.domain.lifecycle import CardStatus, RenewCard, RevokeCard
from issuance.domain.personal_data import refuse_personal_data
from leisure_contracts.events import CardIssued, CardRenewed, CardRevoked
from leisure_runtime.auth import Principal, Role, require

router = APIRouter(prefix="/v1", tags=["cards"])
Distributor = Annotated[Principal, Depends(require(Role.distributor))]
Staff = Annotated[Principal, Depends(require(Role.distributor, Role.coordinator))]
Handlers = Annotated[Issuance, Depends(issuance)]
Number = Annotated[str, Path(max_length=40, description="The 12 digits on the card; spaces and dashes as printed are fine")]


async def no_personal_data(request: Request, _caller: Distributor) -> None:
    """Runs before the body is validated, so personal data is refused as such, by field name; after
    the token is checked, so an unauthenticated caller learns nothing of what would be refused."""
    try:
        body = await request.json()
    except ValueError:
        return  # not JSON at all: FastAPI's own validation answers
    refuse_personal_data(body, IssueCard)


@router.post("/cards", status_code=201, dependencies=[Depends(no_personal_data)],
             summary="Issue a card: the programme, the criteria confirmed, the holder's background")
async def issue_card(command: IssueCard, principal: Distributor, handlers: Handlers) -> CardIssued:
    return await cards.issue_card(handlers, command, principal)


@router.get("/cards", summary="Cards the caller's organisation issued (coordinators: the region's)")
async def list_cards(
    principal: Staff,
    handlers: Handlers,
    status: CardStatus | None = None,
    programme_id: Annotated[str | None, Query(max_length=63)] = None,
    issued_from: Annotated[date | None, Query(description="First issue day, inclusive")] = None,
    issued_until: Annotated[date | None, Query(description="Last issue day, inclusive")] = None,
    distributor_id: Annotated[str | None, Query(max_length=63, description="Coordinators: one organisation's cards")] = None,
    after: Annotated[str | None, Query(max_length=200, description="`next` of the previous page")] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
) -> CardPage:
    where = CardFilter(today=finnish_day(streams.now()), distributor_id=distributor_id, programme_id=programme_id,
                       status=status, issued_from=issued_from, issued_until=issued_until)
    return await queries.list_cards(handlers, principal, where, after, limit)


@router.get("/cards/{number}", summary="Look up a card: status, programme, validity, allowance (rate limited)")
async def look_up_card(
    number: Number,
    principal: Annotated[Principal, Depends(by_number(Role.venue_staff, Role.distributor, Role.coordinator))],
    handlers: Handlers,
) -> CardView:
    return await queries.look_up_card(handlers, number, principal)


@router.post("/cards/{number}/renewal", summary="Extend the card by the programme's validity period")
async def renew_card(
    number: Number,
    principal: Annotated[Principal, Depends(by_number(Role.distributor, Role.coordinator))],
    handlers: Handlers,
    command: Annotated[RenewCard | None, Body(description="Only under a programme with a maximum age")] = None,
) -> CardRenewed:
    return await cards.renew_card(handlers, number, principal, command.age if command else None)


@router.post("/cards/{number}/revocation", summary="Revoke the card, with the reason")
async def revoke_card(
    number: Number,
    command: RevokeCard,
    principal: Annotated[Principal, Depends(by_number(Role.distributor, Role.coordinator))],
    handlers: Handlers,
) -> CardRevoked:
    return await cards.revoke_card(handlers, number, command.reason, principal)


@router.post("/cards/{number}/replacement", status_code=201,
             summary="Replace a lost card: a new number; the old one is revoked as lost and linked")
async def replace_lost_card(
    number: Number,
    principal: Annotated[Principal, Depends(by_number(Role.distributor))],
    handlers: Handlers,
) -> CardIssued:
    return await cards.replace_lost_card(handlers, number, principal)
