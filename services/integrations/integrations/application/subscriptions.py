"""Coordinators manage webhook subscriptions for the integrators of their region (a national
coordinator: all of them), and read each subscription's delivery log."""

from datetime import datetime
from typing import Literal
from uuid import UUID, uuid4

import asyncpg
from pydantic import BaseModel, ConfigDict, Field

from integrations.adapters import store
from integrations.domain.signatures import new_secret
from integrations.domain.webhooks import check_event_types, check_url
from leisure_runtime.auth import Forbidden, Principal
from leisure_runtime.errors import AlreadyExists, NotFound

DeliveryStatus = Literal["pending", "delivered", "failed"]


class NewSubscription(BaseModel):
    model_config = ConfigDict(extra="forbid")

    integrator: str = Field(min_length=1, max_length=100, description="The integrating organisation or system")
    url: str = Field(max_length=2000, description="Where events are POSTed; https in production")
    event_types: list[str] = Field(description="The `ce_type`s to receive, e.g. fi.leisurepass.public.visit.recorded.v1")


class SubscriptionChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str | None = Field(default=None, max_length=2000)
    event_types: list[str] | None = None
    enabled: bool | None = Field(default=None, description="true enables a disabled subscription again")


class Subscription(BaseModel):
    subscription_id: UUID
    integrator: str
    url: str
    event_types: list[str]
    owner_region: str | None = Field(description="The region of the coordinators who manage it; null: national")
    enabled: bool
    consecutive_failures: int
    disabled_reason: str | None
    created_by: str
    created_at: datetime
    updated_at: datetime


class SubscriptionWithSecret(Subscription):
    secret: str = Field(description="Shown only now: the key of the requests' HMAC-SHA256 signatures")


class Delivery(BaseModel):
    delivery_id: UUID
    subscription_id: UUID
    event_id: UUID = Field(description="The event's id (ce_id): the same in every try, for de-duplication")
    event_type: str
    status: DeliveryStatus
    attempts: int
    next_attempt_at: datetime | None = Field(description="When the next try is due; null once delivered or given up")
    last_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    delivered_at: datetime | None
    created_at: datetime


async def create(pool: asyncpg.Pool, principal: Principal, new: NewSubscription) -> SubscriptionWithSecret:
    url, event_types, secret = check_url(new.url), check_event_types(new.event_types), new_secret()
    async with pool.acquire() as conn:
        row = await store.insert_subscription(conn, uuid4(), new.integrator, url, event_types, secret,
                                              None if principal.national else principal.region, principal.subject)
    return SubscriptionWithSecret(**dict(row), secret=secret)


async def list_all(pool: asyncpg.Pool, principal: Principal) -> list[Subscription]:
    async with pool.acquire() as conn:
        return [Subscription(**dict(row)) for row in await store.subscriptions(conn, principal.region, principal.national)]


async def get(pool: asyncpg.Pool, principal: Principal, subscription_id: UUID) -> Subscription:
    async with pool.acquire() as conn:
        return Subscription(**dict(await _owned(conn, principal, subscription_id, "read")))


async def change(pool: asyncpg.Pool, principal: Principal, subscription_id: UUID,
                 changes: SubscriptionChange) -> Subscription:
    async with pool.acquire() as conn, conn.transaction():
        current = await _owned(conn, principal, subscription_id, "change", lock=True)
        url = check_url(changes.url) if changes.url is not None else current["url"]
        event_types = check_event_types(changes.event_types) if changes.event_types is not None else current["event_types"]
        enabled = current["enabled"] if changes.enabled is None else changes.enabled
        row = await store.update_subscription(conn, subscription_id, url, event_types, enabled,
                                              reenabled=enabled and not current["enabled"])
    return Subscription(**dict(row))


async def rotate_secret(pool: asyncpg.Pool, principal: Principal, subscription_id: UUID) -> SubscriptionWithSecret:
    secret = new_secret()
    async with pool.acquire() as conn, conn.transaction():
        row = await _owned(conn, principal, subscription_id, "change", lock=True)
        await store.set_secret(conn, subscription_id, secret)
    return SubscriptionWithSecret(**dict(row), secret=secret)


async def delete(pool: asyncpg.Pool, principal: Principal, subscription_id: UUID) -> None:
    async with pool.acquire() as conn, conn.transaction():
        await _owned(conn, principal, subscription_id, "delete", lock=True)
        await store.delete_subscription(conn, subscription_id)


async def delivery_log(pool: asyncpg.Pool, principal: Principal, subscription_id: UUID,
                       status: DeliveryStatus | None, limit: int) -> list[Delivery]:
    async with pool.acquire() as conn:
        await _owned(conn, principal, subscription_id, "read")
        rows = await store.deliveries(conn, subscription_id, status, limit)
    return [_delivery(row) for row in rows]


async def retry_delivery(pool: asyncpg.Pool, principal: Principal, subscription_id: UUID,
                         delivery_id: UUID) -> Delivery:
    """Send a given-up delivery again, with all its tries, once the receiver is fixed."""
    async with pool.acquire() as conn, conn.transaction():
        await _owned(conn, principal, subscription_id, "change")
        row = await store.retry_failed(conn, subscription_id, delivery_id)
        if row is None:
            status = await store.delivery_status(conn, subscription_id, delivery_id)
            if status is None:
                raise NotFound("delivery_not_found", f"no delivery {delivery_id} of subscription {subscription_id}")
            raise AlreadyExists(f"delivery_{status}", f"delivery {delivery_id} is {status}: only a failed "
                                "(given-up) delivery can be sent again")
    return _delivery(row)


def _delivery(row: asyncpg.Record) -> Delivery:
    return Delivery(**dict(row) | {"next_attempt_at": row["next_attempt_at"] if row["status"] == "pending" else None})


async def _owned(conn: asyncpg.Connection, principal: Principal, subscription_id: UUID, action: str,
                 lock: bool = False) -> asyncpg.Record:
    if lock:
        await conn.execute("SELECT 1 FROM subscriptions WHERE subscription_id = $1 FOR UPDATE", subscription_id)
    row = await store.subscription(conn, subscription_id)
    if row is None:
        raise NotFound("subscription_not_found", f"no webhook subscription {subscription_id}")
    if not principal.can_act_in_region(row["owner_region"]):
        owner = f"region {row['owner_region']}" if row["owner_region"] else "national coordinators"
        raise Forbidden(f"this token is for {principal.scope}; it cannot {action} subscription "
                        f"{subscription_id}, which belongs to {owner}")
    return row
