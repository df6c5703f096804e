"""Coordinators' news to the consenting holders of a programme or region: queued in the outbox with
its audit record (who, to whom, what, how many; never a number) in one transaction."""

from datetime import datetime
from uuid import UUID, uuid4

import asyncpg
from pydantic import BaseModel, ConfigDict, Field

from leisure_contracts.events.common import RegionCode
from leisure_runtime.auth import Forbidden, Principal
from leisure_runtime.errors import Rejected
from notifications.adapters import store
from notifications.domain.messages import Language, with_opt_out

MAX_TEXT = 300
"""Two text-message parts with the stop line; longer news belongs on the service map."""


class NewBroadcast(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=MAX_TEXT, description="The message; the stop line is added")
    region: RegionCode | None = Field(default=None, description="Holders whose card's home region this is; "
                                                                "a regional coordinator's own region by default")
    programme_id: str | None = Field(default=None, max_length=63, description="Holders of this programme only")


class Broadcast(BaseModel):
    broadcast_id: UUID
    region: str | None
    programme_id: str | None
    text: str
    recipients: int = Field(description="Consenting holders the message was queued for")
    sent_by: str
    created_at: datetime


class BroadcastStatus(Broadcast):
    sent: int
    pending: int
    not_sent: int = Field(description="Given up, or cancelled because the holder withdrew meanwhile")


async def send(pool: asyncpg.Pool, principal: Principal, new: NewBroadcast, max_recipients: int) -> Broadcast:
    region = new.region if principal.national else (new.region or principal.region)
    if not principal.can_act_in_region(region):
        raise Forbidden(f"this token is for {principal.scope}; it cannot send news to the holders of region {region}")
    broadcast_id = uuid4()
    async with pool.acquire() as conn, conn.transaction():
        holders = await store.audience(conn, region, new.programme_id)
        if len(holders) > max_recipients:
            raise Rejected("too_many_recipients",
                           f"the message would reach {len(holders)} holders and one message may reach at most "
                           f"{max_recipients}: choose a region or programme to narrow it")
        await store.queue_messages(conn, [holder["card_id"] for holder in holders], "broadcast", broadcast_id,
                                   [with_opt_out(new.text, Language(holder["language"])) for holder in holders])
        row = await store.insert_broadcast(conn, broadcast_id, region, new.programme_id, new.text, len(holders),
                                           principal.subject, None if principal.national else principal.region)
    return Broadcast(**dict(row))


async def list_sent(pool: asyncpg.Pool, principal: Principal, limit: int) -> list[BroadcastStatus]:
    async with pool.acquire() as conn:
        rows = await store.broadcasts(conn, principal.region, principal.national, limit)
    return [BroadcastStatus(**dict(row)) for row in rows]
