"""Recording a visit: one transaction that locks the offer's quota row, decides, appends to the
card's visits stream and updates the quota, the visit list and the card's standing. A concurrent
change of the same card (or a same-key request that won the race) makes the append or the insert
fail; the whole transaction is then retried, and the retry sees what the other one committed."""

import time
from dataclasses import asdict, dataclass
from datetime import datetime, timezone

import asyncpg

from leisure_runtime.auth import Principal
from leisure_runtime.errors import AlreadyExists, NotFound, Refusal
from leisure_runtime.event_store import ConcurrencyConflict
from usage.adapters import visit_store
from usage.application.context import Usage, card_visits_stream
from usage.domain import card_number, rewards, visits
from usage.domain.calendar import local_day, year_of
from usage.domain.knowledge import CardUnknown

MAX_ATTEMPTS = 5


@dataclass(frozen=True)
class Answer:
    body: dict
    replayed: bool


class _NoSuchCard(Exception):
    """Raised inside the transaction; the "unknown card" answer is built outside it, lock released."""


async def record_visit(usage: Usage, command: visits.RecordVisit, principal: Principal) -> Answer:
    started = time.perf_counter()
    outcome = "refused"
    try:
        answer = await _record(usage, command, principal)
        outcome = "replayed" if answer.replayed else "recorded"
        return answer
    except Refusal as refusal:
        usage.metrics.visits_refused(refusal.code).inc()
        raise
    finally:
        usage.metrics.record_duration(outcome).observe(time.perf_counter() - started)


async def _record(usage: Usage, command: visits.RecordVisit, principal: Principal) -> Answer:
    number = card_number.checked(command.card_number)
    now = datetime.now(timezone.utc)
    when = visits.occurred_at(command, now)
    for attempt in range(1, MAX_ATTEMPTS + 1):
        try:
            async with usage.pool.acquire() as conn, conn.transaction():
                answer = await _record_once(usage, conn, command, principal, number, when, now)
            break
        except (ConcurrencyConflict, asyncpg.UniqueViolationError):
            if attempt == MAX_ATTEMPTS:
                raise
        except _NoSuchCard:
            raise CardUnknown(number, await usage.lag.card_knowledge()) from None
    if not answer.replayed:
        _count(usage, answer.body)
    return answer


async def _record_once(usage: Usage, conn: asyncpg.Connection, command: visits.RecordVisit,
                       principal: Principal, number: str, when: datetime, now: datetime) -> Answer:
    locked = await visit_store.lock_offer(conn, command.offer_id)
    if locked is None:
        raise NotFound("offer_unknown",
                       f"no offer {command.offer_id} is known here; check the offer, or if it was published "
                       "just now, try again in a few seconds")
    principal.require_venue(locked.venue_id, locked.region, action="record visits")
    context = await visit_store.load_context(conn, locked, when=when, key=command.idempotency_key,
                                             card_number=number, year=year_of(local_day(when, usage.zone)))
    if context.earlier is not None:
        if context.earlier.fingerprint != command.fingerprint():
            raise AlreadyExists("idempotency_key_reused",
                                "this idempotency key was already used for a different visit at this venue; "
                                "use a new key for each visit")
        return Answer(context.earlier.answer, replayed=True)
    if context.card is None:
        raise _NoSuchCard
    recorded = visits.decide_visit(command, context.card, context.offer, context.standing,
                                   when=when, now=now, zone=usage.zone)
    events = [recorded.visit] if recorded.reward is None else [recorded.visit, recorded.reward]
    await usage.store.append(conn, card_visits_stream(context.card.card_id), context.standing.stream_version,
                             events)
    places_left = context.offer.places_left
    body = {
        "visit": recorded.visit.model_dump(mode="json"),
        "reward": None if recorded.reward is None else recorded.reward.model_dump(mode="json"),
        "reward_progress": None if context.card.reward_rule is None else asdict(rewards.progress(
            context.card.reward_rule.every_visits, context.card.reward_rule.description, recorded.standing)),
        "places_left": None if places_left is None else places_left - command.tickets,
    }
    await visit_store.save_visit(conn, recorded, key=command.idempotency_key, fingerprint=command.fingerprint(),
                                 occurred_on=local_day(when, usage.zone), recorded_on=local_day(now, usage.zone),
                                 answer=body)
    return Answer(body, replayed=False)


def _count(usage: Usage, body: dict) -> None:
    metrics = usage.metrics
    metrics.visits_recorded(body["visit"]["category"]).inc()
    metrics.tickets.inc(body["visit"]["tickets"])
    if body["reward"] is not None:
        metrics.rewards.inc()
    if body["places_left"] == 0:
        metrics.quota_exhausted.inc()
