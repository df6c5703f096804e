"""Webhook subscriptions over HTTP: coordinators manage them for their region's integrators."""

from typing import Annotated
from uuid import UUID

import asyncpg
from fastapi import APIRouter, Depends, Query, Request, Response

from integrations.application import subscriptions
from integrations.application.subscriptions import (
    Delivery,
    DeliveryStatus,
    NewSubscription,
    Subscription,
    SubscriptionChange,
    SubscriptionWithSecret,
)
from integrations.domain.webhooks import SUBSCRIBABLE
from leisure_runtime.auth import Principal, Role, require

router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"])
Coordinator = Annotated[Principal, Depends(require(Role.coordinator))]


def _pool(request: Request) -> asyncpg.Pool:
    return request.app.state.pool


Pool = Annotated[asyncpg.Pool, Depends(_pool)]


@router.get("/event-types", summary="The event types a webhook can subscribe to")
async def event_types(_principal: Coordinator) -> list[str]:
    return list(SUBSCRIBABLE)


@router.post("/subscriptions", status_code=201,
             summary="Subscribe an integrator's URL to event types; the answer holds the signing secret, once")
async def create(new: NewSubscription, principal: Coordinator, pool: Pool) -> SubscriptionWithSecret:
    return await subscriptions.create(pool, principal, new)


@router.get("/subscriptions", summary="The subscriptions of the caller's region (national: all)")
async def list_subscriptions(principal: Coordinator, pool: Pool) -> list[Subscription]:
    return await subscriptions.list_all(pool, principal)


@router.get("/subscriptions/{subscription_id}", summary="One subscription: state and consecutive failures")
async def get(subscription_id: UUID, principal: Coordinator, pool: Pool) -> Subscription:
    return await subscriptions.get(pool, principal, subscription_id)


@router.patch("/subscriptions/{subscription_id}",
              summary="Change the URL or event types, or enable (again) or disable the subscription")
async def change(subscription_id: UUID, changes: SubscriptionChange, principal: Coordinator, pool: Pool) -> Subscription:
    return await subscriptions.change(pool, principal, subscription_id, changes)


@router.post("/subscriptions/{subscription_id}/secret",
             summary="Replace the signing secret; the answer holds the new one, once")
async def rotate_secret(subscription_id: UUID, principal: Coordinator, pool: Pool) -> SubscriptionWithSecret:
    return await subscriptions.rotate_secret(pool, principal, subscription_id)


@router.delete("/subscriptions/{subscription_id}", status_code=204,
               summary="Remove the subscription and its delivery log")
async def delete(subscription_id: UUID, principal: Coordinator, pool: Pool) -> Response:
    await subscriptions.delete(pool, principal, subscription_id)
    return Response(status_code=204)


@router.get("/subscriptions/{subscription_id}/deliveries", summary="The delivery log, newest first")
async def deliveries(
    subscription_id: UUID,
    principal: Coordinator,
    pool: Pool,
    status: DeliveryStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[Delivery]:
    return await subscriptions.delivery_log(pool, principal, subscription_id, status, limit)


@router.post("/subscriptions/{subscription_id}/deliveries/{delivery_id}/retry",
             summary="Send a given-up (failed) delivery again, with all its tries")
async def retry(subscription_id: UUID, delivery_id: UUID, principal: Coordinator, pool: Pool) -> Delivery:
    return await subscriptions.retry_delivery(pool, principal, subscription_id, delivery_id)
