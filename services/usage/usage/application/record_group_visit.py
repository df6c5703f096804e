"""Recording a group visit: every card of the group as a visit of its own (record_visit), all at
once, so they share batches and each sees the places the ones before it took. A refusal that no
card could escape (the offer or its session unknown here, a session on another day, a venue outside
the token's scope) answers for the whole group when no card was recorded; every other answer is
the card's own."""

import asyncio
import json
from dataclasses import dataclass

from leisure_runtime.auth import Principal
from leisure_runtime.errors import Refusal
from usage.application import record_visit
from usage.application.context import Usage
from usage.application.visit_batches import NotRecorded, Stopping
from usage.domain import card_number
from usage.domain.group_visits import RecordGroupVisit, ending, member_visit
from usage.domain.knowledge import CardUnknown

WHOLE_GROUP = {"offer_unknown", "session_unknown", "not_session_day"}
"""Refusals about the offer or its session, not the card: the same for every card of the group."""


@dataclass(frozen=True)
class MemberAnswer:
    position: int
    card_number_ending: str
    status: int
    """201 recorded (or replayed), else the status a visit recorded alone would have got."""
    code: str | None = None
    detail: str | None = None
    recorded: dict | None = None
    """The visit's answer as POST /v1/visits gives it: visit, reward, reward_progress, places_left."""


async def record_group_visit(usage: Usage, command: RecordGroupVisit, principal: Principal,
                             on_unknown_card) -> list[MemberAnswer]:
    """Each card's answer, in the order given. `on_unknown_card` is called for each unknown card."""
    numbers: list[str | Refusal] = []
    seen: set[str] = set()
    for member in command.holders:
        try:
            number = card_number.checked(member.card_number)
            if number in seen:
                raise Refusal("card_listed_twice", "this card is already listed in this group; it is recorded once")
        except Refusal as refusal:
            usage.metrics.visits_refused(refusal.code).inc()
            numbers.append(refusal)
            continue
        numbers.append(number)
        seen.add(number)
    attempts = [asyncio.sleep(0, result=number) if isinstance(number, Refusal) else
                record_visit.record_visit(usage, member_visit(command, member, number), principal)
                for member, number in zip(command.holders, numbers, strict=True)]
    outcomes = await asyncio.gather(*attempts, return_exceptions=True)
    if not any(isinstance(outcome, record_visit.Answer) for outcome in outcomes):
        for outcome in outcomes:
            if isinstance(outcome, Refusal) and outcome.code in WHOLE_GROUP or _is_forbidden(outcome):
                raise outcome
    answers = []
    for position, (member, outcome) in enumerate(zip(command.holders, outcomes, strict=True)):
        answers.append(_answer(position, ending(member.card_number), outcome))
        if isinstance(outcome, CardUnknown):
            on_unknown_card()
    return answers


def _is_forbidden(outcome) -> bool:
    return getattr(outcome, "status_code", None) == 403


def _answer(position: int, shown: str, outcome) -> MemberAnswer:
    if isinstance(outcome, record_visit.Answer):
        return MemberAnswer(position, shown, 201, recorded=json.loads(outcome.json))
    if isinstance(outcome, Refusal):
        return MemberAnswer(position, shown, outcome.status, outcome.code, outcome.message)
    if isinstance(outcome, (NotRecorded, Stopping)):
        return MemberAnswer(position, shown, 503, "visit_not_recorded",
                            f"{outcome} Send the group again with the same idempotency key: "
                            "the cards recorded already are not recorded twice")
    raise outcome
