"""SQL of subscriptions and deliveries."""

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

import asyncpg

_SUBSCRIPTION_COLUMNS = ("subscription_id, integrator, url, event_types, owner_region, enabled, "
                         "consecutive_failures, disabled_reason, created_by, created_at, updated_at")
_DELIVERY_COLUMNS = ("delivery_id, subscription_id, event_id, event_type, status, attempts, next_attempt_at, "
                     "last_attempt_at, last_status_code, last_error, delivered_at, created_at")


@dataclass(frozen=True)
class DueDelivery:
    delivery_id: UUID
    subscription_id: UUID
    event_id: UUID
    event_type: str
    body: bytes
    url: str
    secret: str
    attempts: int


async def insert_subscription(conn: asyncpg.Connection, subscription_id: UUID, integrator: str, url: str,
                              event_types: list[str], secret: str, owner_region: str | None,
                              created_by: str) -> asyncpg.Record:
    return await conn.fetchrow(
        f"INSERT INTO subscriptions (subscription_id, integrator, url, event_types, secret, owner_region, created_by) "
        f"VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {_SUBSCRIPTION_COLUMNS}",
        subscription_id, integrator, url, event_types, secret, owner_region, created_by)


async def subscription(conn: asyncpg.Connection, subscription_id: UUID) -> asyncpg.Record | None:
    return await conn.fetchrow(f"SELECT {_SUBSCRIPTION_COLUMNS} FROM subscriptions WHERE subscription_id = $1",
                               subscription_id)


async def subscriptions(conn: asyncpg.Connection, owner_region: str | None, national: bool) -> list[asyncpg.Record]:
    return await conn.fetch(
        f"SELECT {_SUBSCRIPTION_COLUMNS} FROM subscriptions WHERE $2 OR owner_region = $1 "
        "ORDER BY created_at, subscription_id", owner_region, national)


async def update_subscription(conn: asyncpg.Connection, subscription_id: UUID, url: str, event_types: list[str],
                              enabled: bool, reenabled: bool) -> asyncpg.Record:
    """Enabling again starts the failure count afresh: the integrator says the receiver is fixed."""
    return await conn.fetchrow(
        f"""UPDATE subscriptions SET url = $2, event_types = $3, enabled = $4, updated_at = now(),
                consecutive_failures = CASE WHEN $5 THEN 0 ELSE consecutive_failures END,
                disabled_reason = CASE WHEN $4 THEN NULL ELSE coalesce(disabled_reason, 'disabled by a coordinator') END
            WHERE subscription_id = $1 RETURNING {_SUBSCRIPTION_COLUMNS}""",
        subscription_id, url, event_types, enabled, reenabled)


async def set_secret(conn: asyncpg.Connection, subscription_id: UUID, secret: str) -> None:
    await conn.execute("UPDATE subscriptions SET secret = $2, updated_at = now() WHERE subscription_id = $1",
                       subscription_id, secret)


async def delete_subscription(conn: asyncpg.Connection, subscription_id: UUID) -> None:
    await conn.execute("DELETE FROM subscriptions WHERE subscription_id = $1", subscription_id)


async def queue_deliveries(conn: asyncpg.Connection, event_ids: list[UUID], event_types: list[str],
                           event_times: list[datetime], bodies: list[bytes]) -> int:
    """A delivery of each event for every subscription to its type made before the event; kept for
    disabled subscriptions too, so enabling one again delivers what it missed."""
    rows = await conn.fetch(
        """INSERT INTO deliveries (delivery_id, subscription_id, event_id, event_type, body)
           SELECT gen_random_uuid(), s.subscription_id, e.event_id, e.event_type, e.body
           FROM unnest($1::uuid[], $2::text[], $3::timestamptz[], $4::bytea[]) AS e(event_id, event_type, event_time, body)
           JOIN subscriptions s ON e.event_type = ANY(s.event_types) AND s.created_at <= e.event_time
           ON CONFLICT (subscription_id, event_id) DO NOTHING RETURNING delivery_id""",
        event_ids, event_types, event_times, bodies)
    return len(rows)


async def claim_due(conn: asyncpg.Connection, limit: int, lease_seconds: float) -> list[DueDelivery]:
    """Due deliveries of enabled subscriptions, leased for `lease_seconds`: another dispatcher
    leaves them alone meanwhile, and one that crashed mid-send is tried again after the lease."""
    rows = await conn.fetch(
        """WITH due AS (
               SELECT d.delivery_id FROM deliveries d JOIN subscriptions s USING (subscription_id)
               WHERE d.status = 'pending' AND d.next_attempt_at <= now() AND s.enabled
               ORDER BY d.next_attempt_at, d.created_at LIMIT $1 FOR UPDATE OF d SKIP LOCKED)
           UPDATE deliveries d SET next_attempt_at = now() + make_interval(secs => $2)
           FROM due, subscriptions s
           WHERE d.delivery_id = due.delivery_id AND s.subscription_id = d.subscription_id
           RETURNING d.delivery_id, d.subscription_id, d.event_id, d.event_type, d.body, s.url, s.secret, d.attempts""",
        limit, lease_seconds)
    return [DueDelivery(**dict(row)) for row in rows]


async def record_success(conn: asyncpg.Connection, delivery: DueDelivery, status_code: int) -> None:
    async with conn.transaction():
        await conn.execute(
            """UPDATE deliveries SET status = 'delivered', attempts = attempts + 1, last_attempt_at = now(),
                   delivered_at = now(), last_status_code = $2, last_error = NULL WHERE delivery_id = $1""",
            delivery.delivery_id, status_code)
        await conn.execute("UPDATE subscriptions SET consecutive_failures = 0 WHERE subscription_id = $1",
                           delivery.subscription_id)


async def record_failure(conn: asyncpg.Connection, delivery: DueDelivery, status_code: int | None, error: str,
                         give_up: bool, retry_in_seconds: float) -> int:
    """Record a failed try; return the subscription's consecutive failures since its last success."""
    async with conn.transaction():
        await conn.execute(
            """UPDATE deliveries SET attempts = attempts + 1, last_attempt_at = now(), last_status_code = $2,
                   last_error = $3, status = CASE WHEN $4 THEN 'failed' ELSE 'pending' END,
                   next_attempt_at = now() + make_interval(secs => $5) WHERE delivery_id = $1""",
            delivery.delivery_id, status_code, error[:500], give_up, retry_in_seconds)
        return await conn.fetchval(
            """UPDATE subscriptions SET consecutive_failures = consecutive_failures + 1
               WHERE subscription_id = $1 RETURNING consecutive_failures""", delivery.subscription_id) or 0


async def disable(conn: asyncpg.Connection, subscription_id: UUID, reason: str) -> bool:
    """Disable the subscription; true if it was enabled until now."""
    return await conn.fetchval(
        """UPDATE subscriptions SET enabled = false, disabled_reason = $2, updated_at = now()
           WHERE subscription_id = $1 AND enabled RETURNING true""", subscription_id, reason) or False


async def deliveries(conn: asyncpg.Connection, subscription_id: UUID, status: str | None,
                     limit: int) -> list[asyncpg.Record]:
    return await conn.fetch(
        f"SELECT {_DELIVERY_COLUMNS} FROM deliveries WHERE subscription_id = $1 AND ($2::text IS NULL OR status = $2) "
        "ORDER BY created_at DESC, delivery_id LIMIT $3", subscription_id, status, limit)


async def retry_failed(conn: asyncpg.Connection, subscription_id: UUID, delivery_id: UUID) -> asyncpg.Record | None:
    """A given-up delivery due again now with all its tries; none if it is not a failed one of the subscription."""
    return await conn.fetchrow(
        f"""UPDATE deliveries SET status = 'pending', attempts = 0, next_attempt_at = now()
            WHERE delivery_id = $1 AND subscription_id = $2 AND status = 'failed' RETURNING {_DELIVERY_COLUMNS}""",
        delivery_id, subscription_id)


async def delivery_status(conn: asyncpg.Connection, subscription_id: UUID, delivery_id: UUID) -> str | None:
    return await conn.fetchval("SELECT status FROM deliveries WHERE delivery_id = $1 AND subscription_id = $2",
                               delivery_id, subscription_id)


async def pending_count(conn: asyncpg.Connection) -> int:
    return await conn.fetchval("SELECT count(*) FROM deliveries WHERE status = 'pending'")
