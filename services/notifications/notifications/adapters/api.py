"""The notifications API: consent at the desk, coordinators' news, holders' replies from the
gateway, and (local gateway only) what would have been sent."""

import hmac
from datetime import datetime
from typing import Annotated
from uuid import UUID

import asyncpg
from fastapi import APIRouter, Depends, Path, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from leisure_runtime.auth import Principal, Role, Unauthenticated, require
from notifications.adapters.metrics import NotificationsMetrics
from notifications.application import broadcasts, consents
from notifications.application.broadcasts import Broadcast, BroadcastStatus, NewBroadcast
from notifications.application.consents import Consent, GiveConsent
from notifications.domain.messages import is_opt_out

router = APIRouter(prefix="/v1")
Number = Annotated[str, Path(max_length=40, description="The 12 digits on the card; spaces and dashes as printed are fine")]
Coordinator = Annotated[Principal, Depends(require(Role.coordinator))]


def by_number(*roles: Role):
    """`require(*roles)`, spending one of the caller's card-number look-ups, so that consents cannot
    be used to find out which card numbers exist."""

    async def limited(request: Request, principal: Principal = Depends(require(*roles))) -> Principal:
        request.app.state.lookup_limit.take(principal.subject)
        return principal

    return limited


def _pool(request: Request) -> asyncpg.Pool:
    return request.app.state.pool


def _metrics(request: Request) -> NotificationsMetrics:
    return request.app.state.metrics


Pool = Annotated[asyncpg.Pool, Depends(_pool)]
Metrics = Annotated[NotificationsMetrics, Depends(_metrics)]


@router.put("/cards/{number}/sms-consent", tags=["consents"],
            summary="Record the holder's consent to SMS news: the number, the categories, the language")
async def give_consent(number: Number, command: GiveConsent, pool: Pool, metrics: Metrics,
                       principal: Annotated[Principal, Depends(by_number(Role.distributor))]) -> Consent:
    return await consents.give(pool, metrics, principal, number, command)


@router.get("/cards/{number}/sms-consent", tags=["consents"],
            summary="The holder's consent, with the number masked")
async def get_consent(number: Number, pool: Pool,
                      principal: Annotated[Principal, Depends(by_number(Role.distributor, Role.coordinator))]) -> Consent:
    return await consents.get(pool, principal, number)


@router.delete("/cards/{number}/sms-consent", status_code=204, tags=["consents"],
               summary="Withdraw the consent at the desk: the number is erased")
async def withdraw_consent(number: Number, pool: Pool, metrics: Metrics,
                           principal: Annotated[Principal, Depends(by_number(Role.distributor, Role.coordinator))]
                           ) -> Response:
    await consents.withdraw_at_desk(pool, metrics, principal, number)
    return Response(status_code=204)


@router.post("/broadcasts", status_code=201, tags=["broadcasts"],
             summary="Send a message to the consenting holders of a region or programme")
async def send_broadcast(new: NewBroadcast, principal: Coordinator, pool: Pool, request: Request) -> Broadcast:
    return await broadcasts.send(pool, principal, new, request.app.state.settings.broadcast_max_recipients)


@router.get("/broadcasts", tags=["broadcasts"], summary="Messages sent by the region's coordinators, newest first")
async def list_broadcasts(principal: Coordinator, pool: Pool,
                          limit: Annotated[int, Query(ge=1, le=500)] = 100) -> list[BroadcastStatus]:
    return await broadcasts.list_sent(pool, principal, limit)


class Reply(BaseModel):
    """A holder's text message as the gateway forwards it (its other fields are ignored)."""

    model_config = ConfigDict(extra="ignore")

    msisdn: Annotated[int | str, Field(description="The sender: digits with the country code, e.g. 358401234567")]
    message: str = Field(max_length=1600)


async def gateway(request: Request) -> None:
    """The gateway sends the shared secret as a bearer token; compared in constant time."""
    given = request.headers.get("Authorization", "")
    expected = f"Bearer {request.app.state.settings.sms_inbound_secret}"
    if not hmac.compare_digest(given.encode(), expected.encode()):
        raise Unauthenticated("replies are taken only from the SMS gateway, with its bearer secret")


@router.post("/sms/replies", status_code=204, tags=["gateway"], dependencies=[Depends(gateway)],
             summary="A holder's reply, from the SMS gateway: a stop keyword ends every consent of the number")
async def reply(body: Reply, pool: Pool, metrics: Metrics) -> Response:
    if is_opt_out(body.message):
        metrics.replies("opt_out").inc()
        await consents.withdraw_by_reply(pool, metrics, body.msisdn)
    else:
        metrics.replies("other").inc()
    return Response(status_code=204)


class RecordedMessage(BaseModel):
    to: str
    text: str
    reference: UUID = Field(description="The message id passed to the gateway")
    received_at: datetime


local_gateway_router = APIRouter(prefix="/v1/local-gateway", tags=["local gateway"])


@local_gateway_router.get("/messages", summary="Local mode only: what the gateway would have sent, oldest first")
async def recorded(request: Request) -> list[RecordedMessage]:
    return [RecordedMessage(**vars(message)) for message in request.app.state.sms_gateway.messages]
