"""Recording a visit. The request is checked on its own first (the card number, the visit's time);
then the visit joins a batch (see visit_batches): after its offer's quota row is locked, it is
decided in a savepoint on one statement's reading of everything it needs, appended to the card's
visits stream with optimistic concurrency, and saved with the quota and the card's standing. A
concurrent change of the same card (or a same-key request that won the race) makes the append or
the insert fail; the visit is then decided again in a later batch, which sees what the other
writer committed."""

import json
import time
from dataclasses import asdict, dataclass
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import asyncpg

from leisure_runtime.auth import Principal
from leisure_runtime.errors import AlreadyExists, NotFound, Refusal
from leisure_runtime.event_store import EventStore
from usage.adapters import visit_store
from usage.application.context import Usage, card_visits_stream
from usage.application.visit_batches import NotRecorded, Stopping
from usage.domain import card_number, rewards, visits
from usage.domain.calendar import local_day, year_of
from usage.domain.knowledge import CardUnknown


@dataclass(frozen=True)
class Answer:
    body: dict | None
    """The answer of a visit recorded now; None for a replay, which is only passed on."""
    json: str
    """The answer as sent, the same on every replay."""
    replayed: bool


@dataclass(frozen=True)
class VisitRequest:
    """A request checked on its own, waiting for its batch."""

    command: visits.RecordVisit
    fingerprint: str
    principal: Principal
    card_number: str
    when: datetime
    now: datetime
    year: tuple[date, date]


class _NoSuchCard(Refusal):
    """Raised in the batch; the "unknown card" answer is built after it, with no lock held."""


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
    except (NotRecorded, Stopping):
        outcome = "not_recorded"
        raise
    finally:
        usage.metrics.record_duration(outcome).observe(time.perf_counter() - started)


async def _record(usage: Usage, command: visits.RecordVisit, principal: Principal) -> Answer:
    number = card_number.checked(command.card_number)
    now = datetime.now(timezone.utc)
    when = visits.occurred_at(command, now)
    request = VisitRequest(command, command.fingerprint(), principal, number, when, now,
                           year_of(local_day(when, usage.zone)))
    try:
        answer = await usage.visits.record(request, command.offer_id)
    except _NoSuchCard:
        raise CardUnknown(number, await usage.lag.card_knowledge()) from None
    if not answer.replayed:
        _count(usage, answer.body)
    return answer


async def record_in_batch(store: EventStore, zone: ZoneInfo, conn: asyncpg.Connection,
                          request: VisitRequest) -> Answer:
    """One visit on its batch's connection, its offer already locked."""
    command = request.command
    context = await visit_store.load_context(conn, command.offer_id, when=request.when,
                                             key=command.idempotency_key, card_number=request.card_number,
                                             year=request.year)
    if context is None:
        raise NotFound("offer_unknown",
                       f"no offer {command.offer_id} is known here; check the offer, or if it was published "
                       "just now, try again in a few seconds")
    request.principal.require_venue(context.offer.venue_id, context.offer.region, action="record visits")
    if context.earlier is not None:
        if context.earlier.fingerprint != request.fingerprint:
            raise AlreadyExists("idempotency_key_reused",
                                "this idempotency key was already used for a different visit at this venue; "
                                "use a new key for each visit")
        return Answer(None, context.earlier.answer, replayed=True)
    if context.card is None:
        raise _NoSuchCard("card_unknown", "no such card")
    recorded = visits.decide_visit(command, context.card, context.offer, context.standing,
                                   when=request.when, now=request.now, zone=zone)
    events = [recorded.visit] if recorded.reward is None else [recorded.visit, recorded.reward]
    await store.append(conn, card_visits_stream(context.card.card_id), context.standing.stream_version, events)
    places_left = context.offer.places_left
    body = {
        "visit": recorded.visit.model_dump(mode="json"),
        "reward": None if recorded.reward is None else recorded.reward.model_dump(mode="json"),
        "reward_progress": None if context.card.reward_rule is None else asdict(rewards.progress(
            context.card.reward_rule.every_visits, context.card.reward_rule.description, recorded.standing)),
        "places_left": None if places_left is None else places_left - command.tickets,
    }
    answer = Answer(body, json.dumps(body, separators=(",", ":")), replayed=False)
    await visit_store.save_visit(conn, recorded, key=command.idempotency_key, fingerprint=request.fingerprint,
                                 occurred_on=local_day(request.when, zone), recorded_on=local_day(request.now, zone),
                                 answer=answer.json)
    return answer


def _count(usage: Usage, body: dict) -> None:
    metrics = usage.metrics
    metrics.visits_recorded(body["visit"]["category"]).inc()
    metrics.tickets.inc(body["visit"]["tickets"])
    if body["reward"] is not None:
        metrics.rewards.inc()
    if body["places_left"] == 0:
        metrics.quota_exhausted.inc()
