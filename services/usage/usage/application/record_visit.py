"""Recording a visit. The request is checked on its own first (the card number, the visit's time);
then the visit joins a batch (see visit_batches). With its offers' quota rows locked, the batch
reads everything its visits need in one statement and decides them in order, each seeing what the
ones before it did; the new events go to the cards' visits streams in one append with optimistic
concurrency, and the visits, quotas and standings are saved in one statement. A concurrent change
of a card (or a same-key request that won the race) makes the append or the save fail; the batch
is then written visit by visit, and the visit that conflicted is decided again in a later batch,
which sees what the other writer committed."""

import json
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from datetime import date, datetime, timezone
from uuid import UUID
from zoneinfo import ZoneInfo

import asyncpg

from leisure_contracts.base import Event
from leisure_runtime.auth import Principal
from leisure_runtime.errors import AlreadyExists, NotFound, Refusal
from leisure_runtime.event_store import EventStore, StreamAppend
from usage.adapters import visit_store
from usage.application.context import Usage, card_visits_stream
from usage.application.visit_batches import ANSWERED_BEFORE_WRITING, NotRecorded, Stopping
from usage.domain import card_number, rewards, visits
from usage.domain.calendar import local_day, year_of
from usage.domain.knowledge import CardUnknown
from usage.domain.views import CardStanding


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


async def record_batch(store: EventStore, zone: ZoneInfo, conn: asyncpg.Connection,
                       requests: Sequence[VisitRequest]) -> list[Answer | Exception]:
    """A batch's visits on its connection, their offers already locked: decided in order on one
    reading, each seeing what the ones before it did, then written with one append and one save.
    A refused visit gets its refusal as its answer and writes nothing. Raises if writing fails: then
    nothing the batch wrote may be kept."""
    contexts = await visit_store.load_contexts(conn, [
        visit_store.VisitAsked(r.command.offer_id, r.when, r.command.idempotency_key, r.card_number, r.year,
                               r.command.session_id)
        for r in requests])
    batch = _Batch(zone)
    answers: list[Answer | Exception] = []
    for request, context in zip(requests, contexts, strict=True):
        try:
            answers.append(batch.decide(request, context))
        except ANSWERED_BEFORE_WRITING as refusal:
            answers.append(refusal)
    if batch.new:
        await store.append_many(conn, batch.appends())
        await visit_store.save_visits(conn, batch.new)
    return answers


class _Batch:
    """The visits of a batch decided so far, and what they changed that the later ones must see, as
    if each had been written before the next was read: the places taken from each offer, each card's
    standing and uses in each year, the answers given under each key."""

    def __init__(self, zone: ZoneInfo) -> None:
        self._zone = zone
        self.new: list[visit_store.NewVisit] = []
        self._taken: Counter[UUID] = Counter()
        self._taken_at_session: Counter[tuple[UUID, UUID | None]] = Counter()
        self._standings: dict[UUID, CardStanding] = {}
        self._uses: Counter[tuple[UUID, date]] = Counter()
        self._answers: dict[tuple[UUID, str], visit_store.EarlierRequest] = {}
        self._streams: dict[UUID, tuple[int, list[Event]]] = {}
        """Each card's new events, after the stream version read."""

    def decide(self, request: VisitRequest, context: visit_store.VisitContext | None) -> Answer:
        command = request.command
        if context is None:
            raise NotFound("offer_unknown",
                           f"no offer {command.offer_id} is known here; check the offer, or if it was published "
                           "just now, try again in a few seconds")
        request.principal.require_venue(context.offer.venue_id, context.offer.region, action="record visits")
        key = (context.offer.venue_id, command.idempotency_key)
        earlier = context.earlier or self._answers.get(key)
        if earlier is not None:
            if earlier.fingerprint != request.fingerprint:
                raise AlreadyExists("idempotency_key_reused",
                                    "this idempotency key was already used for a different visit at this venue; "
                                    "use a new key for each visit")
            return Answer(None, earlier.answer, replayed=True)
        card = context.card
        if card is None:
            raise _NoSuchCard("card_unknown", "no such card")
        session_key = (command.offer_id, command.session_id)
        session = context.offer.session and replace(
            context.offer.session,
            tickets_taken=context.offer.session.tickets_taken + self._taken_at_session[session_key])
        offer = replace(context.offer, tickets_taken=context.offer.tickets_taken + self._taken[command.offer_id],
                        session=session)
        standing = self._standing(card.card_id, context.standing, request.year)
        recorded = visits.decide_visit(command, card, offer, standing, when=request.when, now=request.now,
                                       zone=self._zone)
        places_left = offer.places_left
        body = {
            "visit": recorded.visit.model_dump(mode="json"),
            "reward": None if recorded.reward is None else recorded.reward.model_dump(mode="json"),
            "reward_progress": None if card.reward_rule is None else asdict(rewards.progress(
                card.reward_rule.every_visits, card.reward_rule.description, recorded.standing)),
            "places_left": None if places_left is None else places_left - command.tickets,
            "session_places_left": None if session is None or session.places_left is None
            else session.places_left - command.tickets,
        }
        answer = Answer(body, json.dumps(body, separators=(",", ":")), replayed=False)
        self._taken[command.offer_id] += command.tickets
        self._taken_at_session[session_key] += command.tickets
        self._standings[card.card_id] = recorded.standing
        self._uses[card.card_id, request.year[0]] += 1
        self._answers[key] = visit_store.EarlierRequest(request.fingerprint, answer.json)
        _, events = self._streams.setdefault(card.card_id, (standing.stream_version, []))
        events.extend([recorded.visit] if recorded.reward is None else [recorded.visit, recorded.reward])
        self.new.append(visit_store.NewVisit(
            recorded, command.idempotency_key, request.fingerprint, occurred_on=local_day(request.when, self._zone),
            recorded_on=local_day(request.now, self._zone), answer=answer.json))
        return answer

    def _standing(self, card_id: UUID, read: CardStanding, year: tuple[date, date]) -> CardStanding:
        """The card's standing as read, or after its last visit in the batch, with its uses in the
        visit's year counting the batch's."""
        after = self._standings.get(card_id)
        if after is None:
            return read
        return replace(after, uses_in_visit_year=read.uses_in_visit_year + self._uses[card_id, year[0]])

    def appends(self) -> list[StreamAppend]:
        return [StreamAppend(card_visits_stream(card_id), version, events)
                for card_id, (version, events) in self._streams.items()]


def _count(usage: Usage, body: dict) -> None:
    metrics = usage.metrics
    metrics.visits_recorded(body["visit"]["category"]).inc()
    metrics.tickets.inc(body["visit"]["tickets"])
    if body["reward"] is not None:
        metrics.rewards.inc()
    if body["places_left"] == 0:
        metrics.quota_exhausted.inc()
