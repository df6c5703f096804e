"""Group commit of visits. Each commit waits for the disk to flush and costs its own round
trips, so concurrent visits are written together. One writer takes the visits that queued while
the previous batch committed (at most `max_batch`, never waiting for more), locks their offers'
quota rows in offer id order, records them and commits once. Only then is each request answered: a
visit is never reported recorded before its commit is durable, and if the commit fails no visit of
the batch is.

A batch is recorded set-wise: one statement reads what all its visits need, they are decided in
memory one after the other, and one append and one save write them (see record_visit); a handful
of round trips whatever its size, since round trips are what a visit costs most here (each send to
the database is about 0.1 ms of CPU on these machines). A refused visit writes nothing. If writing
fails (a conflict with another writer, a database error), the batch is rolled back and written
again visit by visit, each after a savepoint of its own: then only the failing visit is rolled back.

A visit that conflicts with another writer (a cancellation of the same card, a same-key request in
another process) is decided again in a later batch, which sees what the other writer committed.
"""

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import asyncpg
from fastapi import HTTPException

from leisure_runtime.errors import Refusal
from leisure_runtime.event_store import ConcurrencyConflict
from leisure_runtime.logging import get_logger
from usage.adapters import visit_store
from usage.adapters.metrics import UsageMetrics

log = get_logger(__name__)

# Each visit's savepoint takes a subtransaction id once it writes; past 64 in one transaction
# PostgreSQL's per-backend cache of them overflows and every other session's snapshots slow down.
MAX_BATCH = 64
MAX_ATTEMPTS = 5
# A batch's plans are made once per connection (see _write_batches). One made while the visits
# table was small stays as it was while the table grows: made on an empty table, it looked for
# earlier answers by reading all of a venue's visits, slower with every visit (seen in `make bench`).
# Plans older than this are made again, on the tables as they are then: a few milliseconds of
# planning every ten seconds.
PLANS_MAX_AGE_SECONDS = 10.0
STOP_TIMEOUT_SECONDS = 10.0
# Raised in a visit's savepoint by a concurrent writer; the visit is decided again later.
CONFLICTS = (ConcurrencyConflict, asyncpg.UniqueViolationError, asyncpg.DeadlockDetectedError)
# The batch as a whole lost to another transaction: nothing was committed, all of it is tried again.
BATCH_CONFLICTS = (asyncpg.DeadlockDetectedError, asyncpg.SerializationError)

# What a visit's rules answer, raised before anything of the visit is written.
ANSWERED_BEFORE_WRITING = (Refusal, HTTPException)
_NOT_RECORDED = "the visit was not recorded (the database did not commit it); send the same request again"

Record = Callable[[asyncpg.Connection, list[Any]], Awaitable[list[Any]]]
"""Records visits on the batch's connection, their offers locked; returns each one's answer, or the
refusal (ANSWERED_BEFORE_WRITING) it met, having written nothing of it; or fails, and then nothing
it wrote may be kept."""


class NotRecorded(Exception):
    """The batch's transaction failed: none of its visits was recorded; the same request may be
    sent again."""


class Stopping(Exception):
    """The service is shutting down and takes no more visits."""


class _WriteAgainCarefully(Exception):
    """Writing the batch failed: it is rolled back and written again, visit by visit."""


@dataclass(eq=False)
class _Queued:
    visit: Any
    offer_id: UUID
    answer: asyncio.Future
    attempts: int = 1


class VisitBatches:
    def __init__(self, pool: asyncpg.Pool, record: Record, metrics: UsageMetrics, *,
                 max_batch: int = MAX_BATCH, max_attempts: int = MAX_ATTEMPTS,
                 plans_max_age: float = PLANS_MAX_AGE_SECONDS) -> None:
        self._pool = pool
        self._record = record
        self._metrics = metrics
        self._max_batch = max_batch
        self._max_attempts = max_attempts
        self._plans_max_age = plans_max_age
        self._plans_of: int | None = None
        """The server process of the connection whose plans were last made again (at `_plans_made_at`)."""
        self._plans_made_at = 0.0
        self._queue: deque[_Queued] = deque()
        self._arrived = asyncio.Event()
        self._stopping = False
        self._writer: asyncio.Task | None = None

    def start(self) -> None:
        self._writer = asyncio.create_task(self._write_batches(), name="visit-batches")

    async def record(self, visit: Any, offer_id: UUID) -> Any:
        """The visit's answer once its batch has committed, or the refusal or error it met."""
        if self._stopping:
            raise Stopping("the service is shutting down")
        queued = _Queued(visit, offer_id, asyncio.get_running_loop().create_future())
        self._queue.append(queued)
        self._arrived.set()
        return await queued.answer

    async def stop(self, timeout: float = STOP_TIMEOUT_SECONDS) -> None:
        """Takes no more visits, writes those already queued, and fails what is left after `timeout`."""
        self._stopping = True
        self._arrived.set()
        if self._writer is not None:
            try:
                await asyncio.wait_for(asyncio.shield(self._writer), timeout)
            except TimeoutError:
                self._writer.cancel()
                await asyncio.gather(self._writer, return_exceptions=True)
        self._fail(list(self._queue), Stopping("the service is shutting down"))
        self._queue.clear()

    async def _write_batches(self) -> None:
        while await self._visits_queued():
            # One connection while visits keep coming: no pool round trip between batches. A new
            # one after a failed batch, in case the connection was what failed.
            try:
                async with self._pool.acquire() as conn:
                    # A batch's statements take arrays, for which PostgreSQL keeps making custom
                    # plans; planning costs more than running for a few visits (measured). Until the
                    # connection goes back to the pool, which resets it.
                    await conn.execute("SET plan_cache_mode = force_generic_plan")
                    while self._queue:
                        await self._replan_if_old(conn)
                        batch = [self._queue.popleft() for _ in range(min(len(self._queue), self._max_batch))]
                        # A request cancelled while queued (its client went away) waits for nothing.
                        batch = [queued for queued in batch if not queued.answer.done()]
                        if batch and not await self._write(conn, batch):
                            break
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:  # no connection to be had
                log.error("no database connection for visits", error=repr(error))
                self._fail(list(self._queue), NotRecorded(_NOT_RECORDED), cause=error)
                self._queue.clear()

    async def _replan_if_old(self, conn: asyncpg.Connection) -> None:
        """Drops the connection's plans when they are older than `plans_max_age`, or of unknown age
        (another connection than the last one: the pool mostly hands out the last one released)."""
        now, server = time.monotonic(), conn.get_server_pid()
        if server != self._plans_of or now - self._plans_made_at > self._plans_max_age:
            await conn.execute("DISCARD PLANS")
            self._plans_of, self._plans_made_at = server, now

    async def _visits_queued(self) -> bool:
        """Waits for visits; False once stopping with none left."""
        while not self._queue:
            if self._stopping:
                return False
            self._arrived.clear()
            await self._arrived.wait()
        return True

    async def _write(self, conn: asyncpg.Connection, batch: list[_Queued]) -> bool:
        """Writes the batch and answers its visits; False if the transaction failed."""
        started = time.perf_counter()
        try:
            try:
                answers, conflicted = await self._transaction(conn, batch), []
            except _WriteAgainCarefully:
                self._metrics.visit_batches_rewritten.inc()
                answers, conflicted = await self._careful_transaction(conn, batch)
        except asyncio.CancelledError:
            self._fail(batch, Stopping("the service stopped before the visit was recorded"))
            raise
        except BATCH_CONFLICTS as conflict:
            self._retry([(queued, conflict) for queued in batch])
            return False
        except Exception as error:
            log.error("visit batch not committed", visits=len(batch), error=repr(error))
            self._metrics.visit_batches_failed.inc()
            self._fail(batch, NotRecorded(_NOT_RECORDED), cause=error)
            return False
        self._metrics.visit_batch_size.observe(len(answers))
        self._metrics.visit_batch_duration.observe(time.perf_counter() - started)
        for queued, answer in answers:
            if queued.answer.done():
                continue
            if isinstance(answer, BaseException):
                queued.answer.set_exception(answer)
            else:
                queued.answer.set_result(answer)
        self._retry(conflicted)
        return True

    async def _transaction(self, conn: asyncpg.Connection, batch: list[_Queued]) -> list[tuple[_Queued, Any]]:
        """All the visits at once; any failure in writing them undoes the whole batch
        (_WriteAgainCarefully)."""
        async with conn.transaction():
            await visit_store.lock_offers(conn, (queued.offer_id for queued in batch))
            try:
                answers = await self._record(conn, [queued.visit for queued in batch])
            except Exception as error:
                raise _WriteAgainCarefully from error
        return list(zip(batch, answers, strict=True))

    async def _careful_transaction(self, conn: asyncpg.Connection, batch: list[_Queued]) -> tuple[
            list[tuple[_Queued, Any]], list[tuple[_Queued, Exception]]]:
        """Each visit after a savepoint: one failing is rolled back alone."""
        answers, conflicted = [], []
        async with conn.transaction():
            # Before the first savepoint: a lock taken in a savepoint goes when it is rolled back.
            await visit_store.lock_offers(conn, (queued.offer_id for queued in batch))
            await conn.execute("SAVEPOINT visit")
            for queued in batch:
                try:
                    [answer] = await self._record(conn, [queued.visit])
                except Exception as error:
                    await conn.execute("ROLLBACK TO SAVEPOINT visit")
                    if isinstance(error, CONFLICTS):
                        conflicted.append((queued, error))
                    else:  # an error of this visit alone
                        answers.append((queued, error))
                    continue
                if not isinstance(answer, ANSWERED_BEFORE_WRITING):
                    # Keeps the visit and sets the next one's savepoint, in one round trip.
                    await conn.execute("RELEASE SAVEPOINT visit; SAVEPOINT visit")
                answers.append((queued, answer))
        return answers, conflicted

    def _retry(self, conflicted: list[tuple[_Queued, Exception]]) -> None:
        """Conflicted visits go first into the next batch, in their order; those out of attempts
        get the conflict as their answer."""
        for queued, conflict in reversed(conflicted):
            if queued.attempts >= self._max_attempts:
                if not queued.answer.done():
                    queued.answer.set_exception(conflict)
            else:
                queued.attempts += 1
                self._queue.appendleft(queued)
        if conflicted:
            self._arrived.set()

    @staticmethod
    def _fail(batch: list[_Queued], error: Exception, cause: Exception | None = None) -> None:
        for queued in batch:
            if not queued.answer.done():
                failure = type(error)(*error.args)
                failure.__cause__ = cause
                queued.answer.set_exception(failure)
