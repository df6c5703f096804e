"""SQL of cards, consents, broadcasts and the message outbox. Phone numbers are read only where a
message is handed to the gateway and where a reply names one."""

from dataclasses import dataclass
from datetime import date
from uuid import UUID

import asyncpg

_CONSENT_COLUMNS = "c.card_id, k.card_number, c.phone_number, c.categories, c.language, c.consented_at, c.consented_by"
_FINNISH_TODAY = "(now() AT TIME ZONE 'Europe/Helsinki')::date"
_ACTIVE = f"NOT k.revoked AND k.valid_until >= {_FINNISH_TODAY}"


@dataclass(frozen=True)
class DueMessage:
    message_id: UUID
    card_id: UUID
    body: str
    attempts: int
    phone_number: str | None
    """None once the holder's consent is gone: the message is then cancelled, never sent."""


async def save_card(conn: asyncpg.Connection, card_id: UUID, card_number: str, programme_id: str,
                    home_region: str, valid_until: date) -> None:
    await conn.execute(
        """INSERT INTO cards (card_id, card_number, programme_id, home_region, valid_until)
           VALUES ($1, $2, $3, $4, $5) ON CONFLICT (card_id) DO NOTHING""",
        card_id, card_number, programme_id, home_region, valid_until)


async def card_id_of_number(conn: asyncpg.Connection, card_number: str) -> UUID | None:
    return await conn.fetchval("SELECT card_id FROM cards WHERE card_number = $1", card_number)


async def extend_card(conn: asyncpg.Connection, card_id: UUID, valid_until: date) -> None:
    await conn.execute("UPDATE cards SET valid_until = greatest(valid_until, $2) WHERE card_id = $1",
                       card_id, valid_until)


async def revoke_card(conn: asyncpg.Connection, card_id: UUID) -> None:
    await conn.execute("UPDATE cards SET revoked = true WHERE card_id = $1", card_id)


async def card(conn: asyncpg.Connection, card_number: str) -> asyncpg.Record | None:
    return await conn.fetchrow(f"SELECT *, valid_until < {_FINNISH_TODAY} AS expired FROM cards WHERE card_number = $1",
                               card_number)


async def save_consent(conn: asyncpg.Connection, card_id: UUID, phone_number: str, categories: list[str],
                       language: str, by_subject: str) -> asyncpg.Record:
    """A consent given again replaces the earlier one: a new number, categories or language."""
    await conn.execute(
        """INSERT INTO consents (card_id, phone_number, categories, language, consented_at, consented_by)
           VALUES ($1, $2, $3, $4, now(), $5)
           ON CONFLICT (card_id) DO UPDATE SET phone_number = $2, categories = $3, language = $4,
               consented_at = now(), consented_by = $5""",
        card_id, phone_number, categories, language, by_subject)
    await log_change(conn, [card_id], "given", categories, by_subject)
    return await consent(conn, card_id)


async def consent(conn: asyncpg.Connection, card_id: UUID) -> asyncpg.Record | None:
    return await conn.fetchrow(
        f"SELECT {_CONSENT_COLUMNS} FROM consents c JOIN cards k USING (card_id) WHERE c.card_id = $1", card_id)


async def erase_consents(conn: asyncpg.Connection, card_ids: list[UUID], change: str,
                         by_subject: str | None) -> int:
    """Erase the numbers of these cards with their consents, and cancel what was not sent yet."""
    erased = await conn.fetch("DELETE FROM consents WHERE card_id = ANY($1::uuid[]) RETURNING card_id", card_ids)
    erased_ids = [row["card_id"] for row in erased]
    await conn.execute("UPDATE messages SET status = 'cancelled', last_error = $2 "
                       "WHERE card_id = ANY($1::uuid[]) AND status = 'pending'", erased_ids, f"consent {change}")
    await log_change(conn, erased_ids, change, None, by_subject)
    return len(erased_ids)


async def cards_of_phone_number(conn: asyncpg.Connection, phone_number: str) -> list[UUID]:
    return [row["card_id"] for row in
            await conn.fetch("SELECT card_id FROM consents WHERE phone_number = $1", phone_number)]


async def expired_consents(conn: asyncpg.Connection, today: date) -> list[UUID]:
    return [row["card_id"] for row in await conn.fetch(
        "SELECT c.card_id FROM consents c JOIN cards k USING (card_id) WHERE k.valid_until < $1", today)]


async def log_change(conn: asyncpg.Connection, card_ids: list[UUID], change: str, categories: list[str] | None,
                     by_subject: str | None) -> None:
    await conn.execute(
        "INSERT INTO consent_log (card_id, change, categories, by_subject) "
        "SELECT unnest($1::uuid[]), $2, $3, $4", card_ids, change, categories, by_subject)


async def consent_log(conn: asyncpg.Connection, card_id: UUID) -> list[asyncpg.Record]:
    return await conn.fetch("SELECT change, categories, by_subject, at FROM consent_log WHERE card_id = $1 "
                            "ORDER BY at", card_id)


async def audience(conn: asyncpg.Connection, region: str | None, programme_id: str | None) -> list[asyncpg.Record]:
    """Consenting holders of active cards of the region and programme (none: any)."""
    return await conn.fetch(
        f"""SELECT c.card_id, c.language FROM consents c JOIN cards k USING (card_id)
            WHERE {_ACTIVE} AND ($1::text IS NULL OR k.home_region = $1)
              AND ($2::text IS NULL OR k.programme_id = $2)""", region, programme_id)


async def insert_broadcast(conn: asyncpg.Connection, broadcast_id: UUID, region: str | None,
                           programme_id: str | None, text: str, recipients: int, sent_by: str,
                           owner_region: str | None) -> asyncpg.Record:
    return await conn.fetchrow(
        """INSERT INTO broadcasts (broadcast_id, region, programme_id, text, recipients, sent_by, owner_region)
           VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *""",
        broadcast_id, region, programme_id, text, recipients, sent_by, owner_region)


async def broadcasts(conn: asyncpg.Connection, owner_region: str | None, national: bool,
                     limit: int) -> list[asyncpg.Record]:
    return await conn.fetch(
        """SELECT b.*, count(m.*) FILTER (WHERE m.status = 'sent') AS sent,
                  count(m.*) FILTER (WHERE m.status = 'pending') AS pending,
                  count(m.*) FILTER (WHERE m.status IN ('failed', 'cancelled')) AS not_sent
           FROM broadcasts b LEFT JOIN messages m ON m.origin = 'broadcast' AND m.origin_id = b.broadcast_id
           WHERE $2 OR b.owner_region = $1 GROUP BY b.broadcast_id ORDER BY b.created_at DESC LIMIT $3""",
        owner_region, national, limit)


async def queue_messages(conn: asyncpg.Connection, card_ids: list[UUID], origin: str, origin_id: UUID,
                         bodies: list[str]) -> int:
    """One message per card and cause: a redelivered offer queues nothing twice."""
    rows = await conn.fetch(
        """INSERT INTO messages (message_id, card_id, origin, origin_id, body)
           SELECT gen_random_uuid(), m.card_id, $2, $3, m.body FROM unnest($1::uuid[], $4::text[]) AS m(card_id, body)
           ON CONFLICT (card_id, origin, origin_id) DO NOTHING RETURNING message_id""",
        card_ids, origin, origin_id, bodies)
    return len(rows)


async def offer_audience(conn: asyncpg.Connection, category: str, programmes: list[str],
                         regions: list[str]) -> list[asyncpg.Record]:
    """Consenting holders of active cards the offer accepts, who chose its category."""
    return await conn.fetch(
        f"""SELECT c.card_id, c.language FROM consents c JOIN cards k USING (card_id)
            WHERE {_ACTIVE} AND $1 = ANY(c.categories) AND k.programme_id = ANY($2::text[])
              AND k.home_region = ANY($3::text[])""", category, programmes, regions)


async def claim_due(conn: asyncpg.Connection, limit: int, lease_seconds: float) -> list[DueMessage]:
    """Due messages, leased for `lease_seconds`: another dispatcher leaves them alone meanwhile, and
    one that crashed mid-send leaves them to be tried again after the lease."""
    rows = await conn.fetch(
        """WITH due AS (
               SELECT message_id FROM messages WHERE status = 'pending' AND next_attempt_at <= now()
               ORDER BY next_attempt_at, created_at LIMIT $1 FOR UPDATE SKIP LOCKED)
           UPDATE messages m SET next_attempt_at = now() + make_interval(secs => $2)
           FROM due WHERE m.message_id = due.message_id
           RETURNING m.message_id, m.card_id, m.body, m.attempts,
                     (SELECT phone_number FROM consents c WHERE c.card_id = m.card_id)""",
        limit, lease_seconds)
    return [DueMessage(**dict(row)) for row in rows]


async def record_sent(conn: asyncpg.Connection, message_id: UUID) -> None:
    await conn.execute("UPDATE messages SET status = 'sent', attempts = attempts + 1, sent_at = now(), "
                       "last_error = NULL WHERE message_id = $1", message_id)


async def record_cancelled(conn: asyncpg.Connection, message_id: UUID) -> None:
    await conn.execute("UPDATE messages SET status = 'cancelled', last_error = 'no consent' "
                       "WHERE message_id = $1 AND status = 'pending'", message_id)


async def record_failure(conn: asyncpg.Connection, message_id: UUID, error: str, give_up: bool,
                         retry_in_seconds: float) -> None:
    await conn.execute(
        """UPDATE messages SET attempts = attempts + 1, last_error = $2,
               status = CASE WHEN $3 THEN 'failed' ELSE 'pending' END,
               next_attempt_at = now() + make_interval(secs => $4) WHERE message_id = $1""",
        message_id, error[:500], give_up, retry_in_seconds)


async def pending_count(conn: asyncpg.Connection) -> int:
    return await conn.fetchval("SELECT count(*) FROM messages WHERE status = 'pending'")
